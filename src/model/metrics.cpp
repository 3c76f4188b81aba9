// metrics.cpp — classification report, ROC AUC and regression metrics, computed in the order
// scikit-learn 1.2 computes them (see metrics.h for the equations).
#include "backprop/model/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

#include "backprop/error.h"

namespace backprop {
namespace {

// scikit-learn's _prf_divide with zero_division="warn": 0 where the denominator is 0.
double divide(double numerator, double denominator) {
  return denominator == 0 ? 0.0 : numerator / denominator;
}

// f-score with beta = 1, as scikit-learn 1.2 writes it: (1 + β²) p r / (β² p + r), 0 when p + r =
// 0.
double f1_of(double precision, double recall) {
  const double denominator = precision + recall;
  return denominator == 0 ? 0.0 : 2.0 * precision * recall / denominator;
}

}  // namespace

ClassificationReport classification_report(const std::vector<int>& true_classes,
                                           const std::vector<int>& predicted_classes,
                                           const std::vector<std::string>& class_names) {
  if (true_classes.size() != predicted_classes.size() || true_classes.empty())
    throw usage_error("classification_report: expected as many predicted classes as true ones (" +
                      std::to_string(true_classes.size()) + "), at least one; found " +
                      std::to_string(predicted_classes.size()));
  const std::size_t k = class_names.size();
  std::vector<long> tp(k, 0), predicted(k, 0), support(k, 0);
  for (std::size_t j = 0; j < true_classes.size(); ++j) {
    const int t = true_classes[j], p = predicted_classes[j];
    if (t < 0 || p < 0 || static_cast<std::size_t>(t) >= k || static_cast<std::size_t>(p) >= k)
      throw usage_error("classification_report: sample " + std::to_string(j) + " has class " +
                        std::to_string(t) + ", predicted " + std::to_string(p) + "; expected 0.." +
                        std::to_string(static_cast<long>(k) - 1));
    ++support[static_cast<std::size_t>(t)];
    ++predicted[static_cast<std::size_t>(p)];
    if (t == p) ++tp[static_cast<std::size_t>(t)];
  }
  ClassificationReport r;
  long correct = 0, total = 0;
  for (std::size_t c = 0; c < k; ++c) {
    if (support[c] == 0 && predicted[c] == 0) continue;  // unique_labels(y_true, y_pred)
    ClassMetrics m;
    m.name = class_names[c];
    m.precision = divide(static_cast<double>(tp[c]), static_cast<double>(predicted[c]));
    m.recall = divide(static_cast<double>(tp[c]), static_cast<double>(support[c]));
    m.f1 = f1_of(m.precision, m.recall);
    m.support = support[c];
    r.classes.push_back(m);
    correct += tp[c];
    total += support[c];
  }
  // "accuracy" is the micro-averaged f-score: precision = recall = correct / N.
  const double micro = divide(static_cast<double>(correct), static_cast<double>(total));
  r.accuracy = f1_of(micro, micro);

  const double n_classes = static_cast<double>(r.classes.size());
  r.macro_avg.name = "macro avg";
  r.weighted_avg.name = "weighted avg";
  for (const ClassMetrics& m : r.classes) {
    r.macro_avg.precision += m.precision;
    r.macro_avg.recall += m.recall;
    r.macro_avg.f1 += m.f1;
    const double w = static_cast<double>(m.support);
    r.weighted_avg.precision += m.precision * w;
    r.weighted_avg.recall += m.recall * w;
    r.weighted_avg.f1 += m.f1 * w;
  }
  r.macro_avg.precision /= n_classes;
  r.macro_avg.recall /= n_classes;
  r.macro_avg.f1 /= n_classes;
  r.weighted_avg.precision /= static_cast<double>(total);
  r.weighted_avg.recall /= static_cast<double>(total);
  r.weighted_avg.f1 /= static_cast<double>(total);
  r.macro_avg.support = r.weighted_avg.support = total;
  return r;
}

double roc_auc(const std::vector<bool>& positive, const std::vector<double>& score) {
  if (positive.size() != score.size())
    throw usage_error("roc_auc: expected one score per sample (" + std::to_string(positive.size()) +
                      "), found " + std::to_string(score.size()));
  const std::size_t n = score.size();
  // Undefined for scores that cannot be ordered (scikit-learn refuses NaN and infinity).
  for (const double s : score)
    if (!std::isfinite(s)) return std::numeric_limits<double>::quiet_NaN();
  // Scores from highest to lowest (scikit-learn: a stable sort, reversed).
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  std::reverse(order.begin(), order.end());
  // One point per distinct score: the true and false positives at or above it.
  std::vector<double> tps, fps;
  double tp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tp += positive[order[i]] ? 1.0 : 0.0;
    if (i + 1 == n || score[order[i + 1]] != score[order[i]]) {
      tps.push_back(tp);
      fps.push_back(static_cast<double>(i + 1) - tp);
    }
  }
  if (tps.empty() || tps.back() == 0 || fps.back() == 0)
    return std::numeric_limits<double>::quiet_NaN();  // one class only
  // roc_curve(drop_intermediate=True): drop the points where the curve goes straight on.
  std::vector<double> tp_kept{0}, fp_kept{0};
  for (std::size_t i = 0; i < tps.size(); ++i) {
    const bool ends = i == 0 || i + 1 == tps.size();
    if (ends || fps[i + 1] - 2 * fps[i] + fps[i - 1] != 0 ||
        tps[i + 1] - 2 * tps[i] + tps[i - 1] != 0) {
      tp_kept.push_back(tps[i]);
      fp_kept.push_back(fps[i]);
    }
  }
  const double positives = tp_kept.back(), negatives = fp_kept.back();
  double area = 0;
  for (std::size_t i = 0; i + 1 < tp_kept.size(); ++i) {
    const double dx = fp_kept[i + 1] / negatives - fp_kept[i] / negatives;
    area += dx * (tp_kept[i + 1] / positives + tp_kept[i] / positives) / 2.0;
  }
  return area;
}

RegressionMetrics regression_metrics(const Matrix<double>& y, const Matrix<double>& predicted) {
  if (y.rows() != predicted.rows() || y.cols() != predicted.cols())
    throw usage_error("regression_metrics: targets of shape " + std::to_string(y.rows()) + "x" +
                      std::to_string(y.cols()) + ", predictions " +
                      std::to_string(predicted.rows()) + "x" + std::to_string(predicted.cols()));
  RegressionMetrics m;
  if (y.rows() == 0 || y.cols() == 0) return m;
  const double n = static_cast<double>(y.cols()), outputs = static_cast<double>(y.rows());
  double mse = 0, mae = 0, r2 = 0;
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    const Eigen::ArrayXd t = y.row(r).transpose().array();
    const Eigen::ArrayXd e = t - predicted.row(r).transpose().array();
    mse += e.square().sum() / n;
    mae += e.abs().sum() / n;
    const double numerator = e.square().sum();
    const double denominator = (t - t.sum() / n).square().sum();
    if (denominator != 0 && numerator != 0)
      r2 += 1 - numerator / denominator;
    else if (denominator == 0 && numerator != 0)
      r2 += 0.0;  // a constant target predicted wrong
    else
      r2 += 1.0;  // predicted exactly
  }
  m.mse = mse / outputs;
  m.mae = mae / outputs;
  if (y.cols() >= 2) m.r2 = r2 / outputs;
  return m;
}

}  // namespace backprop
