// model.cpp — using a trained model on raw data: scaling, prediction, evaluation.
#include "backprop/model/model.h"

#include <string>

#include "backprop/data/csv_dataset.h"
#include "backprop/data/fann_data.h"
#include "backprop/data/scaling.h"
#include "backprop/error.h"
#include "data/text.h"

namespace backprop {
using text::join;

Matrix<double> Model::prepare(Matrix<double> x) const {
  if (x.rows() != network.inputs())
    throw Error("the data has " + std::to_string(x.rows()) +
                " input values per sample, the model " + "expects " +
                std::to_string(network.inputs()) +
                (info.feature_names.empty() ? "" : " (" + join(info.feature_names) + ")"));
  if (is_standardized()) Standardizer{info.input_mean, info.input_scale}.apply(x);
  return x;
}

Matrix<double> Model::predict(const Matrix<double>& x) const {
  if (x.cols() == 0) return Matrix<double>(network.outputs(), 0);
  return network.predict(prepare(x));
}

Matrix<double> Model::predict_proba(const Matrix<double>& x) const {
  if (!is_classifier())
    throw usage_error("predict_proba: the model has numeric targets, not classes; use predict");
  const Matrix<double> a = predict(x);
  if (a.rows() != 1) return a;
  Matrix<double> p(2, a.cols());  // one sigmoid output p: P(class 0) = 1 − p, P(class 1) = p
  p.row(0) = (1.0 - a.row(0).array()).matrix();
  p.row(1) = a.row(0);
  return p;
}

std::vector<int> Model::predict_classes(const Matrix<double>& x) const {
  if (!is_classifier())
    throw usage_error("predict_classes: the model has numeric targets, not classes; use predict");
  return predicted_classes(predict(x));
}

void Model::encode_for(Dataset& d) const {
  if (!d.is_classification()) return;
  encode_targets(d, network.outputs() == 1 ? TargetEncoding::binary : TargetEncoding::one_hot);
}

Evaluation Model::evaluate(const Dataset& data) const {
  Dataset prepared = data;
  prepared.x = prepare(data.x);
  return evaluate_prepared(network, prepared);
}

Evaluation evaluate_prepared(const Network<double>& network, const Dataset& data) {
  if (data.y.rows() != network.outputs() || data.y.cols() != data.x.cols())
    throw Error(data.source + ": targets of shape " + std::to_string(data.y.rows()) + "x" +
                std::to_string(data.y.cols()) + " for " + std::to_string(data.x.cols()) +
                " samples; the model has " + std::to_string(network.outputs()) + " outputs");
  Network<double> net = network;  // forward() fills caches; the model itself stays untouched
  const Matrix<double>& a = net.forward(data.x);
  Evaluation e;
  e.loss = net.loss_value(data.y);
  e.samples = data.size();
  if (!data.is_classification()) e.regression = regression_metrics(data.y, a);
  std::vector<int> truth;
  if (data.is_classification()) {
    e.class_names = data.class_names;
    truth = data.labels;
  } else if (data.size() > 0 && looks_like_classes(data.y)) {
    // Numeric targets that are classes (one-hot columns, or one 0/1 column): read by the
    // training loop's rule, the target columns naming the classes.
    if (data.y.rows() == 1) {
      e.class_names = {"0", "1"};
    } else {
      for (Eigen::Index r = 0; r < data.y.rows(); ++r)
        e.class_names.push_back(static_cast<std::size_t>(r) < data.target_names.size()
                                    ? data.target_names[static_cast<std::size_t>(r)]
                                    : "output_" + std::to_string(r + 1));
    }
    truth = predicted_classes(data.y);
  } else {
    return e;
  }
  e.accuracy = accuracy(a, data.y);
  const std::size_t k = e.class_names.size();
  e.confusion.assign(k, std::vector<long>(k, 0));
  const std::vector<int> predicted = predicted_classes(a);
  for (std::size_t j = 0; j < truth.size(); ++j)
    ++e.confusion[static_cast<std::size_t>(truth[j])][static_cast<std::size_t>(predicted[j])];
  if (truth.empty()) return e;
  e.report = classification_report(truth, predicted, e.class_names);
  if (k == 2) {  // the score of class 1: its output (one sigmoid output: that output)
    std::vector<bool> positive(truth.size());
    std::vector<double> score(truth.size());
    const Eigen::Index row = a.rows() == 1 ? 0 : 1;
    for (std::size_t j = 0; j < truth.size(); ++j) {
      positive[j] = truth[j] == 1;
      score[j] = a(row, static_cast<Eigen::Index>(j));
    }
    e.roc_auc = roc_auc(positive, score);
  }
  return e;
}

Matrix<double> read_model_inputs(const Model& model, const std::string& path) {
  if (is_fann_data_path(path)) return load_fann_data(path).x;  // its inputs in file order
  std::vector<std::string> exclude = model.info.target_names;
  if (!model.info.target_column.empty()) exclude.push_back(model.info.target_column);
  try {
    return load_csv_inputs(path, model.info.feature_names, exclude);
  } catch (const Error& e) {
    if (model.info.feature_names.empty()) throw;
    throw Error(std::string(e.what()) +
                " (the model's inputs are: " + join(model.info.feature_names) + ")");
  }
}

Dataset read_model_dataset(const Model& model, const std::string& path, const std::string& target) {
  if (is_fann_data_path(path) && target.empty()) {
    if (model.is_classifier())
      throw Error(path + ": a FANN training file has numeric targets, the model has classes (" +
                  join(model.info.class_names) + ")");
    return load_fann_data(path);
  }
  CsvDatasetOptions csv;
  csv.features = model.info.feature_names;
  if (model.is_classifier()) {
    csv.target = target.empty() ? model.info.target_column : target;
    csv.class_names = model.info.class_names;
    if (csv.target.empty())
      throw option_error("target", "the model does not name its label column; give it");
  } else {
    csv.targets = model.info.target_names;
    if (csv.targets.empty())
      throw Error(path + ": the model names no class or target columns to evaluate against");
  }
  Dataset d;
  try {
    d = load_csv_dataset(path, csv);
  } catch (const Error& e) {
    // The columns come from the model: a file without them is bad data, not a bad option.
    if (!target.empty()) throw;
    throw Error(e.what(), Error::Kind::data);
  }
  model.encode_for(d);
  return d;
}

}  // namespace backprop
