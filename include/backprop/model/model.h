// model.h — a trained model as its users need it: the network plus everything needed to use it on
// raw data (input names, class names or target names, the input scaling, how it was trained and
// its per-epoch history).
//
// With the fitted scaling (mean, scale) — absent when the model was trained on raw inputs:
//   prepared x       x' = (x − mean) / scale                       (features x N, per feature)
//   predict          a(L)(x')                                      (outputs x N)
//   predict_proba    class probabilities (classes x N): softmax outputs as they are; one sigmoid
//                    output p becomes the two rows 1 − p and p (scikit-learn's convention)
//   predict_classes  predicted_class of a(L) (train.h: p > 0.5, or the argmax)
//   evaluate         loss, accuracy, the confusion matrix and the reported metrics (metrics.h)
//                    on labelled raw data
//
// Every method takes RAW inputs (the data as the user has it) and checks their shape; a model is
// never changed by using it, so all of them are const.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backprop/data/dataset.h"
#include "backprop/model/metrics.h"
#include "backprop/network.h"
#include "backprop/train.h"

namespace backprop {

// Everything a model holds besides the network (all optional: a bare network has none of it).
struct ModelInfo {
  std::vector<std::string> feature_names;  // input columns, in the network's input order
  std::string target_column;               // class-label column ("" for numeric targets)
  std::vector<std::string> class_names;    // class k of the outputs
  std::vector<std::string> target_names;   // numeric target columns
  Vector<double> input_mean, input_scale;  // standardisation (empty: none)
  // Training settings as (name, JSON value text) pairs, e.g. ("optimizer", "\"adam\"").
  std::vector<std::pair<std::string, std::string>> settings;
  // Every epoch of training, in order (NaN where a figure was not recorded).
  std::vector<EpochRecord> history;
};

// Loss, accuracy and confusion matrix of a model on labelled data.
struct Evaluation {
  double loss = 0;
  double accuracy = std::numeric_limits<double>::quiet_NaN();  // classification only
  std::size_t samples = 0;
  std::vector<std::string> class_names;
  // confusion[true class][predicted class], classification only.
  std::vector<std::vector<long>> confusion;
  // The figures people report (metrics.h): for classes, scikit-learn's classification report and,
  // with two classes, the ROC AUC of the output for class 1 (NaN when one class is missing); for
  // numeric targets mse, mae and r2. Numeric targets that look like classes (train.h:
  // looks_like_classes, e.g. one-hot columns) get both: accuracy by the argmax, the confusion
  // matrix and the report, with the target columns as the classes (one 0/1 column: "0", "1").
  std::optional<ClassificationReport> report;
  double roc_auc = std::numeric_limits<double>::quiet_NaN();
  std::optional<RegressionMetrics> regression;
};

struct Model {
  Network<double> network;
  ModelInfo info;

  bool is_classifier() const { return !info.class_names.empty(); }
  bool is_standardized() const { return info.input_mean.size() > 0; }

  // x' = (x − mean) / scale, or x itself without scaling. Throws a data Error when x does not
  // have one row per network input.
  Matrix<double> prepare(Matrix<double> x) const;
  // The network's outputs a(L) on raw inputs (outputs x N).
  Matrix<double> predict(const Matrix<double>& x) const;
  // Class probabilities (classes x N); a usage Error for a model without classes.
  Matrix<double> predict_proba(const Matrix<double>& x) const;
  // The predicted class index of every sample (into info.class_names).
  std::vector<int> predict_classes(const Matrix<double>& x) const;
  // On labelled raw data whose y is in the network's encoding (see encode_for): the loss, and for
  // classifiers the accuracy and confusion matrix.
  Evaluation evaluate(const Dataset& data) const;
  // Encodes d's class labels as this network's outputs want them: binary for one sigmoid output,
  // one-hot otherwise (no-op for numeric targets).
  void encode_for(Dataset& d) const;
};

// evaluate() on inputs already prepared (scaled), as fit() has its held-out sets.
Evaluation evaluate_prepared(const Network<double>& network, const Dataset& prepared);

// Reading data for a model: a CSV file's columns by the model's feature names (every column
// except the target ones when it names none), as raw inputs (features x N). A missing column is a
// data Error naming the file and the model's inputs. A file named as FANN names its files
// ("xor.data", "gene.train", "gene.test") is read in FANN's format (data/fann_data.h): its inputs
// in file order, its numeric targets.
Matrix<double> read_model_inputs(const Model& model, const std::string& path);
// A labelled CSV file in the model's terms: its features, its classes (a label it does not know is
// an Error naming file:line:column), encoded for its outputs (raw inputs: evaluate() scales them).
// `target` overrides the model's label column.
Dataset read_model_dataset(const Model& model, const std::string& path,
                           const std::string& target = "");

}  // namespace backprop
