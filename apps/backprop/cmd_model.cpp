// cmd_model.cpp — using a saved model: `predict`, `evaluate`, `info`. The model bundle
// (model/model.h) does the work; this file prints.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "backprop/data/csv.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/generators.h"
#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/model/fit.h"
#include "backprop/teach/diagnostics.h"
#include "cli_util.h"
#include "commands.h"
#include "flag_names.h"

namespace backprop::cli {
namespace {

struct PredictOptions {
  std::string model, data, out;
  bool force = false;
};

// A CSV text: the predicted class and one probability per class, or the numeric outputs.
std::string predictions_csv(const Model& model, const Matrix<double>& x) {
  std::string out;
  if (model.is_classifier()) {
    const std::vector<std::string>& classes = model.info.class_names;
    out = "predicted";
    for (const std::string& c : classes) out += "," + csv_field("p_" + c);
    out += "\n";
    const Matrix<double> p = model.predict_proba(x);
    const std::vector<int> predicted = model.predict_classes(x);
    for (Eigen::Index j = 0; j < p.cols(); ++j) {
      out += csv_field(classes[static_cast<std::size_t>(predicted[static_cast<std::size_t>(j)])]);
      for (Eigen::Index k = 0; k < p.rows(); ++k) out += fmt::format(",{}", p(k, j));
      out += "\n";
    }
    return out;
  }
  const Matrix<double> a = model.predict(x);
  std::vector<std::string> names = model.info.target_names;
  for (Eigen::Index k = static_cast<Eigen::Index>(names.size()); k < a.rows(); ++k)
    names.push_back("output_" + std::to_string(k + 1));
  for (std::size_t k = 0; k < names.size(); ++k) out += (k ? "," : "") + csv_field(names[k]);
  out += "\n";
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    for (Eigen::Index k = 0; k < a.rows(); ++k) out += fmt::format("{}{}", k ? "," : "", a(k, j));
    out += "\n";
  }
  return out;
}

int run_predict(const PredictOptions& o) {
  if (!o.out.empty()) check_output_path(o.out, "--out", {o.data, o.model}, o.force);
  const Model model = read_model(o.model);
  const std::string out = predictions_csv(model, read_model_inputs(model, o.data));
  if (o.out.empty())
    std::fputs(out.c_str(), stdout);
  else
    write_file_atomically(o.out, out);
  return 0;
}

struct EvaluateOptions {
  std::string model, data, dataset, target, format = "text";
  std::string data_dir = kFashionMnistDir;
};

std::string json_number(double v) { return std::isnan(v) ? "null" : fmt::format("{}", v); }

// scikit-learn's classification_report(..., output_dict=True), key for key.
std::string report_json(const ClassificationReport& r) {
  const auto entry = [](const ClassMetrics& m) {
    return fmt::format(
        "{}: {{\"precision\": {}, \"recall\": {}, \"f1-score\": {}, \"support\": {}}}",
        json_string(m.name), json_number(m.precision), json_number(m.recall), json_number(m.f1),
        m.support);
  };
  std::vector<std::string> entries;
  for (const ClassMetrics& m : r.classes) entries.push_back(entry(m));
  entries.push_back(fmt::format("\"accuracy\": {}", json_number(r.accuracy)));
  entries.push_back(entry(r.macro_avg));
  entries.push_back(entry(r.weighted_avg));
  return fmt::format("{{{}}}", fmt::join(entries, ", "));
}

std::string evaluation_json(const Evaluation& e) {
  std::vector<std::string> rows, classes;
  for (const std::vector<long>& row : e.confusion)
    rows.push_back(fmt::format("[{}]", fmt::join(row, ", ")));
  for (const std::string& c : e.class_names) classes.push_back(json_string(c));
  std::string out = fmt::format(
      "{{\"loss\": {}, \"accuracy\": {}, \"samples\": {}, \"classes\": [{}], \"confusion\": "
      "[{}]",
      e.loss, json_number(e.accuracy), e.samples, fmt::join(classes, ", "), fmt::join(rows, ", "));
  if (e.report) out += ", \"report\": " + report_json(*e.report);
  if (e.class_names.size() == 2) out += ", \"roc_auc\": " + json_number(e.roc_auc);
  if (e.regression)
    out += fmt::format(", \"mse\": {}, \"mae\": {}, \"r2\": {}", json_number(e.regression->mse),
                       json_number(e.regression->mae), json_number(e.regression->r2));
  return out + "}\n";
}

// The classification report as scikit-learn prints it (its digits=2 text table).
std::string report_text(const ClassificationReport& r) {
  std::size_t width = std::string("weighted avg").size();
  for (const ClassMetrics& m : r.classes) width = std::max(width, m.name.size());
  std::string out = fmt::format("{:>{}}  {:>9} {:>9} {:>9} {:>9}\n\n", "", width, "precision",
                                "recall", "f1-score", "support");
  const auto line = [&](const ClassMetrics& m) {
    return fmt::format("{:>{}}  {:>9.2f} {:>9.2f} {:>9.2f} {:>9}\n", m.name, width, m.precision,
                       m.recall, m.f1, m.support);
  };
  for (const ClassMetrics& m : r.classes) out += line(m);
  out += fmt::format("\n{:>{}}  {:>9} {:>9} {:>9.2f} {:>9}\n", "accuracy", width, "", "",
                     r.accuracy, r.macro_avg.support);
  return out + line(r.macro_avg) + line(r.weighted_avg);
}

std::string evaluation_text(const Evaluation& e, const Model& model, const std::string& what) {
  std::string out = fmt::format("{} ({} samples)\nLoss ({}): {:.6g}\n", what, e.samples,
                                to_string(model.network.loss()), e.loss);
  if (e.regression)
    out += fmt::format("MSE: {:.6g}\nMAE: {:.6g}\nR2: {:.6g}{}\n", e.regression->mse,
                       e.regression->mae, e.regression->r2,
                       std::isnan(e.regression->r2) ? " (needs two samples)" : "");
  if (e.class_names.empty()) return out;
  if (e.regression) out += "The targets are one-hot: read as classes by their largest output\n";
  out +=
      fmt::format("Accuracy: {:.2f}%\n\nConfusion matrix (rows: true class, columns: predicted)\n",
                  100 * e.accuracy);
  std::size_t width = 6;
  for (const std::string& c : e.class_names) width = std::max(width, c.size() + 1);
  out += std::string(width, ' ');
  for (const std::string& c : e.class_names) out += fmt::format("{:>{}}", c, width);
  out += "\n";
  for (std::size_t i = 0; i < e.confusion.size(); ++i) {
    out += fmt::format("{:>{}}", e.class_names[i], width);
    for (long count : e.confusion[i]) out += fmt::format("{:>{}}", count, width);
    out += "\n";
  }
  if (e.report) out += "\n" + report_text(*e.report);
  if (e.class_names.size() == 2)
    out += std::isnan(e.roc_auc) ? std::string("\nROC AUC: undefined (only one class present)\n")
                                 : fmt::format("\nROC AUC: {:.4f}\n", e.roc_auc);
  return out;
}

int run_evaluate(EvaluateOptions o) {
  const Model model = read_model(o.model);
  if (o.dataset.empty() && o.data == "fashion-mnist" && !std::ifstream(o.data).good()) {
    std::fprintf(
        stderr,
        "backprop: note: --data fashion-mnist is deprecated; use --dataset fashion-mnist\n");
    o.dataset = o.data, o.data.clear();
  }
  if (o.data.empty() == o.dataset.empty())
    throw usage_error(
        "give a labelled CSV file with --data or a data set with --dataset, exactly one");
  Dataset d;
  if (!o.dataset.empty()) {
    DataSource source = builtin_dataset(o.dataset);
    if (source.kind == DataSource::Kind::fashion_mnist) source.path = o.data_dir;
    d = read_data(source, model.info.class_names, /*training_part=*/false);
    model.encode_for(d);
  } else {
    d = read_model_dataset(model, o.data, o.target);
  }
  const Evaluation e = model.evaluate(d);
  const std::string on =
      o.data.empty() ? (o.dataset == "fashion-mnist" ? "fashion-mnist (test set)" : o.dataset)
                     : o.data;
  std::fputs(
      (o.format == "json" ? evaluation_json(e) : evaluation_text(e, model, o.model + " on " + on))
          .c_str(),
      stdout);
  return 0;
}

std::string history_line(const std::vector<EpochRecord>& history) {
  const EpochRecord& last = history.back();
  std::string out = fmt::format("history: {} epochs, final loss {:.6g}", history.size(), last.loss);
  if (!std::isnan(last.accuracy)) out += fmt::format(", accuracy {:.2f}%", 100 * last.accuracy);
  if (!std::isnan(last.val_loss)) out += fmt::format(", validation loss {:.6g}", last.val_loss);
  if (!std::isnan(last.test_accuracy))
    out += fmt::format(", test accuracy {:.2f}%", 100 * last.test_accuracy);
  return out + "\n";
}

int run_info(const std::string& path, const std::string& data) {
  const Model model = read_model(path);
  const Network<double>& net = model.network;
  std::string arch = std::to_string(net.inputs());
  for (const auto& l : net.layers()) arch += "-" + std::to_string(l.units());
  std::printf("%s: network %s, loss %s, %zu parameters\n", path.c_str(), arch.c_str(),
              to_string(net.loss()).c_str(), net.parameter_count());
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const auto& layer = net.layer(l);
    std::string act = to_string(layer.activation.kind);
    if (layer.activation.kind == Activation::leaky_relu)
      act += fmt::format(" (negative slope {})", layer.activation.alpha);
    if (layer.dropout > 0) act += fmt::format(" (dropout {} in training)", layer.dropout);
    std::printf("  layer %zu: %ld -> %ld %s, W %ldx%ld + b %ld = %ld parameters\n", l + 1,
                static_cast<long>(layer.inputs()), static_cast<long>(layer.units()), act.c_str(),
                static_cast<long>(layer.W.rows()), static_cast<long>(layer.W.cols()),
                static_cast<long>(layer.b.size()),
                static_cast<long>(layer.W.size() + layer.b.size()));
  }
  const ModelInfo& info = model.info;
  if (!info.feature_names.empty())
    std::printf("inputs: %s%s\n", fmt::format("{}", fmt::join(info.feature_names, ", ")).c_str(),
                model.is_standardized() ? " (standardised)" : "");
  if (!info.class_names.empty())
    std::printf("classes (%s): %s\n", info.target_column.c_str(),
                fmt::format("{}", fmt::join(info.class_names, ", ")).c_str());
  if (!info.target_names.empty())
    std::printf("targets: %s\n", fmt::format("{}", fmt::join(info.target_names, ", ")).c_str());
  if (!info.settings.empty()) {
    std::printf("training:");
    for (const auto& [name, value] : info.settings)
      std::printf(" %s=%s", name.c_str(), value.c_str());
    std::printf("\n");
  }
  if (!info.history.empty()) std::fputs(history_line(info.history).c_str(), stdout);
  if (!data.empty()) {
    const Dataset d = read_model_dataset(model, data);
    Network<double> copy = model.network;
    std::printf("on %s (%zu samples):\n", data.c_str(), d.size());
    std::fputs(with_flag_names(format_diagnostics(diagnose(copy, model.prepare(d.x), d.y))).c_str(),
               stdout);
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd = app.add_subcommand("predict", "Predict with a saved model");
  cmd->add_option("--model", o->model, "Model file (JSON, or ONNX: .onnx)")->required();
  cmd->add_option("--data", o->data,
                  "CSV file with the model's input columns (or FANN's .data/.train/.test)")
      ->required();
  cmd->add_option("--out", o->out, "Write predictions to this CSV file (default: stdout)");
  cmd->add_flag("--force", o->force, "Allow --out to overwrite an input file");
  return {cmd, [o] { return run_predict(*o); }};
}

Command add_evaluate_command(CLI::App& app) {
  auto o = std::make_shared<EvaluateOptions>();
  CLI::App* cmd = app.add_subcommand("evaluate", "Loss, accuracy and confusion matrix of a model");
  cmd->add_option("--model", o->model, "Model file (JSON, or ONNX: .onnx)")->required();
  cmd->add_option("--data", o->data, "Labelled CSV file (or FANN's .data/.train/.test)");
  cmd->add_option("--dataset", o->dataset,
                  "A built-in data set instead (fashion-mnist: its test set): " +
                      fmt::format("{}", fmt::join(builtin_dataset_names(), ", ")));
  cmd->add_option("--data-dir", o->data_dir, "Where fashion-mnist's IDX files are")
      ->capture_default_str();
  cmd->add_option("--target", o->target,
                  "Label column (default: the one the model was trained on)");
  cmd->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return {cmd, [o] { return run_evaluate(*o); }};
}

Command add_info_command(CLI::App& app) {
  auto path = std::make_shared<std::string>(), data = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("info", "Layers, parameter count and training settings");
  cmd->add_option("--model", *path, "Model file (JSON, or ONNX: .onnx)")->required();
  cmd->add_option("--data", *data,
                  "Also diagnose the model on this labelled CSV file (dead and saturated units, "
                  "gradient norms)");
  return {cmd, [path, data] { return run_info(*path, *data); }};
}

}  // namespace backprop::cli
