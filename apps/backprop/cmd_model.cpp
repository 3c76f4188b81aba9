// cmd_model.cpp — using a saved model: `predict`, `evaluate`, `info`; and `data`, which exports a
// built-in data set.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/data/idx.h"
#include "backprop/train.h"
#include "cli_util.h"
#include "commands.h"

namespace backprop::cli {
namespace {

// The inputs of a CSV file as the model expects them: its feature columns by name (all columns
// but the target ones when the model names none), standardised as in training.
Matrix<double> model_inputs(const Model& model, const std::string& path) {
  std::vector<std::string> exclude = model.info.target_names;
  if (!model.info.target_column.empty()) exclude.push_back(model.info.target_column);
  std::vector<std::string> used;
  Matrix<double> x;
  try {
    x = load_csv_inputs(path, model.info.feature_names, exclude, &used);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (the model's inputs are: " +
                fmt::format("{}", fmt::join(model.info.feature_names, ", ")) + ")");
  }
  if (x.rows() != model.network.inputs())
    throw Error(fmt::format("{}: {} input columns ({}), the model expects {}", path, x.rows(),
                            fmt::join(used, ", "), model.network.inputs()));
  if (model.info.input_mean.size() > 0)
    x = ((x.colwise() - model.info.input_mean).array().colwise() / model.info.input_scale.array())
            .matrix();
  return x;
}

// A labelled data set in the model's encoding, for evaluation.
Dataset model_dataset(const Model& model, const std::string& path, const std::string& target) {
  CsvDatasetOptions csv;
  csv.features = model.info.feature_names;
  if (!model.info.class_names.empty()) {
    csv.target = target.empty() ? model.info.target_column : target;
    csv.class_names = model.info.class_names;
    if (csv.target.empty())
      throw usage_error("--target: the model does not name its label column; give --target COL");
  } else {
    csv.targets = model.info.target_names;
    if (csv.targets.empty())
      throw usage_error(
          "--target: the model has no class names or target columns to evaluate "
          "against (it was not saved by train)");
  }
  Dataset d = load_csv_dataset(path, csv);
  if (d.is_classification())
    encode_targets(d,
                   model.network.outputs() == 1 ? TargetEncoding::binary : TargetEncoding::one_hot);
  if (model.info.input_mean.size() > 0) {
    Standardizer s{model.info.input_mean, model.info.input_scale};
    s.apply(d.x);
  }
  if (d.x.rows() != model.network.inputs())
    throw Error(fmt::format("{}: {} input columns, the model expects {}", path, d.x.rows(),
                            model.network.inputs()));
  return d;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct PredictOptions {
  std::string model, data, out;
  bool force = false;
};

int run_predict(const PredictOptions& o) {
  if (!o.out.empty()) check_output_path(o.out, "--out", {o.data, o.model}, o.force);
  Model model = read_model(o.model);
  const Matrix<double> x = model_inputs(model, o.data);
  const Matrix<double> a = model.network.forward(x);
  const std::vector<std::string>& classes = model.info.class_names;
  std::string out;
  if (!classes.empty()) {
    out = "predicted";
    for (const std::string& c : classes) out += "," + csv_field("p_" + c);
    out += "\n";
    const std::vector<int> predicted = predicted_classes(a);
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      out += csv_field(classes[static_cast<std::size_t>(predicted[static_cast<std::size_t>(j)])]);
      if (a.rows() == 1)
        out += fmt::format(",{},{}", 1 - a(0, j), a(0, j));
      else
        for (Eigen::Index k = 0; k < a.rows(); ++k) out += fmt::format(",{}", a(k, j));
      out += "\n";
    }
  } else {
    std::vector<std::string> names = model.info.target_names;
    for (Eigen::Index k = static_cast<Eigen::Index>(names.size()); k < a.rows(); ++k)
      names.push_back("output_" + std::to_string(k + 1));
    for (std::size_t k = 0; k < names.size(); ++k) out += (k ? "," : "") + csv_field(names[k]);
    out += "\n";
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      for (Eigen::Index k = 0; k < a.rows(); ++k) out += fmt::format("{}{}", k ? "," : "", a(k, j));
      out += "\n";
    }
  }
  if (o.out.empty())
    std::fputs(out.c_str(), stdout);
  else
    write_file_atomically(o.out, out);
  return 0;
}

struct EvaluateOptions {
  std::string model, data, target, format = "text";
  std::string data_dir = kFashionMnistDir;
};

// Fashion-MNIST's test set as a labelled data set in the model's terms.
Dataset fashion_test_set(const Model& model, const std::string& dir) {
  const LabelledImages images = load_fashion_mnist(dir, false);
  if (model.network.inputs() != images.x.rows() ||
      model.network.outputs() != static_cast<int>(images.class_names.size()))
    throw Error(fmt::format("the model has {} inputs and {} outputs; Fashion-MNIST needs {} and {}",
                            model.network.inputs(), model.network.outputs(), images.x.rows(),
                            images.class_names.size()));
  Dataset d;
  d.source = images.source;
  d.x = images.x.cast<double>();
  d.labels = images.labels;
  d.class_names = images.class_names;
  d.y = Matrix<double>::Zero(static_cast<Eigen::Index>(d.class_names.size()), d.x.cols());
  for (std::size_t j = 0; j < d.labels.size(); ++j)
    d.y(d.labels[j], static_cast<Eigen::Index>(j)) = 1;
  return d;
}

int run_evaluate(const EvaluateOptions& o) {
  Model model = read_model(o.model);
  const bool fashion = o.data == "fashion-mnist" && !std::ifstream(o.data).good();
  const Dataset d =
      fashion ? fashion_test_set(model, o.data_dir) : model_dataset(model, o.data, o.target);
  const Matrix<double>& a = model.network.forward(d.x);
  const double loss = model.network.loss_value(d.y);
  const std::vector<std::string>& classes = model.info.class_names;
  const std::size_t k = classes.size();
  std::vector<std::vector<long>> confusion(k, std::vector<long>(k, 0));
  double acc = std::nan("");
  if (d.is_classification()) {
    const std::vector<int> predicted = predicted_classes(a);
    for (std::size_t j = 0; j < d.labels.size(); ++j)
      ++confusion[static_cast<std::size_t>(d.labels[j])][static_cast<std::size_t>(predicted[j])];
    acc = accuracy(a, d.y);
  }
  if (o.format == "json") {
    std::string confusion_text = "[";
    for (std::size_t i = 0; i < k; ++i)
      confusion_text += fmt::format("{}[{}]", i ? ", " : "", fmt::join(confusion[i], ", "));
    confusion_text += "]";
    std::printf(
        "{\"loss\": %s, \"accuracy\": %s, \"samples\": %zu, \"classes\": [%s], "
        "\"confusion\": %s}\n",
        fmt::format("{}", loss).c_str(), std::isnan(acc) ? "null" : fmt::format("{}", acc).c_str(),
        d.size(),
        [&] {
          std::string s;
          for (std::size_t i = 0; i < k; ++i) s += (i ? ", " : "") + json_string(classes[i]);
          return s;
        }()
            .c_str(),
        confusion_text.c_str());
    return 0;
  }
  std::printf("%s on %s (%zu samples)\n", o.model.c_str(), o.data.c_str(), d.size());
  std::printf("Loss (%s): %.6g\n", to_string(model.network.loss()).c_str(), loss);
  if (!d.is_classification()) return 0;
  std::printf("Accuracy: %.2f%%\n\nConfusion matrix (rows: true class, columns: predicted)\n",
              100 * acc);
  std::size_t width = 6;
  for (const std::string& c : classes) width = std::max(width, c.size() + 1);
  std::printf("%*s", static_cast<int>(width), "");
  for (const std::string& c : classes) std::printf("%*s", static_cast<int>(width), c.c_str());
  std::printf("\n");
  for (std::size_t i = 0; i < k; ++i) {
    std::printf("%*s", static_cast<int>(width), classes[i].c_str());
    for (std::size_t j = 0; j < k; ++j)
      std::printf("%*ld", static_cast<int>(width), confusion[i][j]);
    std::printf("\n");
  }
  return 0;
}

int run_info(const std::string& path, const std::string& data) {
  Model model = read_model(path);
  const Network<double>& net = model.network;
  std::string arch = std::to_string(net.inputs());
  for (const auto& l : net.layers()) arch += "-" + std::to_string(l.units());
  std::printf("%s: network %s, loss %s, %zu parameters\n", path.c_str(), arch.c_str(),
              to_string(net.loss()).c_str(), net.parameter_count());
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const auto& layer = net.layer(l);
    std::string act = to_string(layer.activation.kind);
    if (layer.activation.kind == Activation::leaky_relu)
      act += fmt::format(" (alpha {})", layer.activation.alpha);
    std::printf("  layer %zu: %ld -> %ld %s, W %ldx%ld + b %ld = %ld parameters\n", l + 1,
                static_cast<long>(layer.inputs()), static_cast<long>(layer.units()), act.c_str(),
                static_cast<long>(layer.W.rows()), static_cast<long>(layer.W.cols()),
                static_cast<long>(layer.b.size()),
                static_cast<long>(layer.W.size() + layer.b.size()));
  }
  const ModelInfo& info = model.info;
  if (!info.feature_names.empty())
    std::printf("inputs: %s%s\n", fmt::format("{}", fmt::join(info.feature_names, ", ")).c_str(),
                info.input_mean.size() > 0 ? " (standardised)" : "");
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
  if (!info.loss.empty()) {
    std::printf("history: %zu epochs, final loss %.6g", info.loss.size(), info.loss.back());
    if (!info.accuracy.empty() && !std::isnan(info.accuracy.back()))
      std::printf(", accuracy %.2f%%", 100 * info.accuracy.back());
    if (!info.val_loss.empty()) std::printf(", validation loss %.6g", info.val_loss.back());
    std::printf("\n");
  }
  if (!data.empty()) {
    const Dataset d = model_dataset(model, data, "");
    std::printf("on %s (%zu samples):\n", data.c_str(), d.size());
    std::fputs(format_diagnostics(diagnose(model.network, d.x, d.y)).c_str(), stdout);
  }
  return 0;
}

struct DataOptions {
  std::string name, out;
  int n = -1;
  double noise = -1;
  unsigned seed = 42;
};

int run_data(const DataOptions& o) {
  check_output_path(o.out, "--out", {}, true);
  const Dataset d = make_dataset(o.name, o.n, o.noise, o.seed);
  write_csv(d, o.out);
  std::printf("Wrote %zu samples of %s to %s\n", d.size(), d.source.c_str(), o.out.c_str());
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd = app.add_subcommand("predict", "Predict with a saved model");
  cmd->add_option("--model", o->model, "Model file (JSON)")->required();
  cmd->add_option("--data", o->data, "CSV file with the model's input columns")->required();
  cmd->add_option("--out", o->out, "Write predictions to this CSV file (default: stdout)");
  cmd->add_flag("--force", o->force, "Allow --out to overwrite an input file");
  return {cmd, [o] { return run_predict(*o); }};
}

Command add_evaluate_command(CLI::App& app) {
  auto o = std::make_shared<EvaluateOptions>();
  CLI::App* cmd = app.add_subcommand("evaluate", "Loss, accuracy and confusion matrix of a model");
  cmd->add_option("--model", o->model, "Model file (JSON)")->required();
  cmd->add_option("--data", o->data, "Labelled CSV file, or fashion-mnist (its test set)")
      ->required();
  cmd->add_option("--data-dir", o->data_dir, "Where fashion-mnist's IDX files are")
      ->capture_default_str();
  cmd->add_option("--target", o->target,
                  "Label column (default: the one the model was trained on)");
  cmd->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return {cmd, [o] { return run_evaluate(*o); }};
}

Command add_info_command(CLI::App& app) {
  auto path = std::make_shared<std::string>(), data = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("info", "Layers, parameter count and training settings");
  cmd->add_option("--model", *path, "Model file (JSON)")->required();
  cmd->add_option("--data", *data,
                  "Also diagnose the model on this labelled CSV file (dead and saturated units, "
                  "gradient norms)");
  return {cmd, [path, data] { return run_info(*path, *data); }};
}

Command add_data_command(CLI::App& app) {
  auto o = std::make_shared<DataOptions>();
  CLI::App* cmd = app.add_subcommand("data", "Export a built-in data set as CSV");
  cmd->add_option("name", o->name, "xor, circle, moons, spirals, blobs")->required();
  cmd->add_option("--out", o->out, "CSV file to write")->required();
  cmd->add_option("--n", o->n, "Samples");
  cmd->add_option("--noise", o->noise, "Noise (blobs: spread)");
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  return {cmd, [o] { return run_data(*o); }};
}

}  // namespace backprop::cli
