// cmd_onnx.cpp — `export` (a model to ONNX) and `import` (an ONNX MLP to backprop's JSON). The
// library (io/onnx.h) does the work; every other --model flag reads .onnx files directly.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/io/onnx.h"
#include "backprop/model/fit.h"
#include "cli_util.h"
#include "commands.h"

namespace backprop::cli {
namespace {

struct OnnxOptions {
  std::string model, out, precision = "float";
  bool force = false;
};

int run_export(const OnnxOptions& o) {
  // Every --model flag tells ONNX from JSON by the extension: an ONNX file must be named so.
  if (!is_onnx_path(o.out))
    throw usage_error("--out: expected an ONNX file name ending in .onnx, found '" + o.out + "'");
  check_output_path(o.out, "--out", {o.model}, o.force);
  const Precision precision = precision_from_string(o.precision);
  const Model model = read_model(o.model);
  export_onnx(model, o.out, precision);
  fmt::print("wrote {} (ONNX opset {}, {}; input \"{}\" [batch, {}], output \"{}\" [batch, {}])\n",
             o.out, kOnnxExportOpset, precision == Precision::float32 ? "float32" : "float64",
             kOnnxInputName, model.network.inputs(), kOnnxOutputName, model.network.outputs());
  return 0;
}

int run_import(const OnnxOptions& o) {
  if (is_onnx_path(o.out))
    throw usage_error("--out: import writes backprop's JSON model file; found '" + o.out +
                      "' (name it .json; `backprop export` writes ONNX)");
  check_output_path(o.out, "--out", {o.model}, o.force);
  const Model model = read_model(o.model);
  save_model(model, o.out);
  std::string layers = std::to_string(model.network.inputs());
  for (const DenseLayer<double>& l : model.network.layers())
    layers += fmt::format("-{} {}", l.units(), to_string(l.activation.kind));
  fmt::print("wrote {} ({}, loss {})\n", o.out, layers, to_string(model.network.loss()));
  return 0;
}

}  // namespace

Command add_export_command(CLI::App& app) {
  auto o = std::make_shared<OnnxOptions>();
  CLI::App* cmd = app.add_subcommand("export", "Export a model as an ONNX file");
  cmd->add_option("--model", o->model, "Model file (JSON or ONNX)")->required();
  cmd->add_option("--out", o->out, "The ONNX file to write (e.g. model.onnx)")->required();
  cmd->add_option("--precision", o->precision,
                  "float (float32 weights and arithmetic) or double (a float64 graph)")
      ->capture_default_str();
  cmd->add_flag("--force", o->force, "Allow --out to overwrite the input file");
  return {cmd, [o] { return run_export(*o); }};
}

Command add_import_command(CLI::App& app) {
  auto o = std::make_shared<OnnxOptions>();
  CLI::App* cmd = app.add_subcommand("import", "Import an ONNX MLP as a backprop model file");
  cmd->add_option("--model", o->model, "ONNX file (from backprop, PyTorch or Keras/tf2onnx)")
      ->required();
  cmd->add_option("--out", o->out, "The backprop model file to write (JSON)")->required();
  cmd->add_flag("--force", o->force, "Allow --out to overwrite the input file");
  return {cmd, [o] { return run_import(*o); }};
}

}  // namespace backprop::cli
