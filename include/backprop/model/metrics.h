// metrics.h — the figures people report, as scikit-learn 1.2 computes them.
//
// Classification (per class k, over the samples' true classes t and predicted classes p):
//   tp_k = #{t = k, p = k}   fp_k = #{t ≠ k, p = k}   fn_k = #{t = k, p ≠ k}
//   precision_k = tp_k / (tp_k + fp_k)          0 when nothing is predicted k (zero_division)
//   recall_k    = tp_k / (tp_k + fn_k)          0 when no sample is of class k
//   f1_k        = 2 precision_k recall_k / (precision_k + recall_k)   0 when both are 0
//   support_k   = tp_k + fn_k
//   accuracy    = #{t = p} / N
//   macro avg   = the plain mean over the classes; weighted avg = weighted by support_k
// Only the classes that occur among t or p are listed (scikit-learn's unique_labels), in class
// order — classification_report(y_true, y_pred, output_dict=True).
//
// ROC AUC (two classes; s = the predicted probability of class 1): the ROC curve has one point
//   (fpr, tpr) = (fp(≥ s*) / negatives, tp(≥ s*) / positives) per distinct score s*, from (0, 0);
//   AUC = Σ (fpr_{i+1} − fpr_i)(tpr_{i+1} + tpr_i) / 2   (trapezoids; ties form one point)
// — roc_auc_score(y_true, s); undefined (NaN) when only one class occurs among the true classes.
//
// Regression (targets x N, averaged uniformly over the targets r):
//   mse = mean_r mean_j (y_rj − ŷ_rj)²     mae = mean_r mean_j |y_rj − ŷ_rj|
//   r2  = mean_r (1 − Σ_j (y_rj − ŷ_rj)² / Σ_j (y_rj − ȳ_r)²), where a constant target counts 1
//         when predicted exactly and 0 otherwise; NaN with fewer than two samples
// — mean_squared_error, mean_absolute_error, r2_score (multioutput='uniform_average').
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "backprop/tensor.h"

namespace backprop {

struct ClassMetrics {
  std::string name;  // the class name, or "macro avg" / "weighted avg"
  double precision = 0, recall = 0, f1 = 0;
  long support = 0;
};

struct ClassificationReport {
  std::vector<ClassMetrics> classes;  // the classes present, in class order
  double accuracy = 0;
  ClassMetrics macro_avg, weighted_avg;
};

// true and predicted are class indices into class_names (equal lengths, at least one sample); an
// index out of range is a usage Error.
ClassificationReport classification_report(const std::vector<int>& true_classes,
                                           const std::vector<int>& predicted_classes,
                                           const std::vector<std::string>& class_names);

// positive[j]: whether sample j is of class 1; score[j]: its predicted probability of class 1.
// NaN when all samples are of one class or a score is not finite.
double roc_auc(const std::vector<bool>& positive, const std::vector<double>& score);

struct RegressionMetrics {
  double mse = std::numeric_limits<double>::quiet_NaN();
  double mae = std::numeric_limits<double>::quiet_NaN();
  double r2 = std::numeric_limits<double>::quiet_NaN();
};

// y and predicted: (targets x N), the same shape (else a usage Error).
RegressionMetrics regression_metrics(const Matrix<double>& y, const Matrix<double>& predicted);

}  // namespace backprop
