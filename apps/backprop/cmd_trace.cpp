// cmd_trace.cpp — `backprop trace`: every number of one forward and backward pass, as the lesson's
// tables show them, always in double.
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "cli_util.h"
#include "commands.h"
#include "sample_data.h"

namespace backprop::cli {
namespace {

namespace bp = backprop;

struct TraceOptions {
  std::string example, model, loss, format = "text";
  std::optional<double> lr;
  DataOptions data;
};
int run_trace(const TraceOptions& o) {
  if (o.lr) check_learning_rate(*o.lr);
  bp::Network<double> net;
  bp::Matrix<double> x, y;
  std::optional<double> lr = o.lr;
  std::string title;
  bp::ModelInfo info;  // the model file's input scaling, if any
  if (!o.example.empty()) {
    if (!o.model.empty()) throw bp::usage_error("--example: give either --example or --model");
    bp::LessonExample e = example(o.example);
    net = e.network;
    title = e.title;
    if (has_data(o.data)) {
      std::tie(x, y) = load_data(o.data);
    } else {
      x = e.x;
      y = e.y;
    }
    if (!lr) lr = e.lr;
    if (o.lr && e.lr && *o.lr != *e.lr)
      title += fmt::format("\n(--lr {} replaces the example's lr {})", *o.lr, *e.lr);
  } else {
    if (o.model.empty())
      throw bp::usage_error("give --example NAME or --model FILE (see backprop trace --help)");
    bp::Model model = bp::read_model(o.model);
    net = model.network;
    info = model.info;
    std::tie(x, y) = load_data(o.data);
  }
  if (!o.loss.empty()) {
    std::vector<bp::LayerSpec> specs;
    for (const auto& layer : net.layers())
      specs.push_back({static_cast<int>(layer.units()), layer.activation});
    bp::Network<double> with_loss(net.inputs(), specs, bp::loss_from_string(o.loss));
    with_loss.layers() = net.layers();
    net = with_loss;
  }
  check_data_fits(net, x, y, o.data);
  // The one rule from a model and raw samples to a trace, shared with `backprop serve`'s
  // POST /api/trace (the model file's input scaling applied first).
  const bp::Model model{net, info};
  const bool scaled = model.is_standardized();
  const bp::Trace t = bp::trace_model(model, x, y, lr);
  if (o.format == "json") {
    if (scaled) std::fprintf(stderr, "backprop: note: %s\n", kScalingNote);
    std::fputs(bp::trace_to_json(t).c_str(), stdout);
    return 0;
  }
  if (scaled) title += std::string(title.empty() ? "" : "\n") + "(" + kScalingNote + ")";
  std::fputs(bp::trace_to_text(t, title).c_str(), stdout);
  return 0;
}
// What trace does without --lr: no update, or the lesson example's own step.
std::string lr_help() {
  std::vector<std::string> rates;
  for (const std::string& name : bp::lesson_example_names())
    if (const std::optional<double> lr = bp::lesson_example(name).lr)
      rates.push_back(fmt::format("{}: {}", name, *lr));
  return "Also show one gradient-descent update at this rate (default: no update; the lesson's "
         "rate for --example " +
         join(rates) + ")";
}

}  // namespace

Command add_trace_command(CLI::App& app) {
  auto o = std::make_shared<TraceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "trace", "Print every number of one forward and backward pass, as the lesson's tables do");
  cmd->add_option("--example", o->example, "A lesson example: " + join(bp::lesson_example_names()));
  cmd->add_option("--model", o->model, "Model file (JSON, or ONNX: .onnx)");
  add_data_options(cmd, o->data);
  cmd->add_option("--loss", o->loss,
                  "Override the model's loss: mse, bce, cross_entropy (default: the model's)");
  cmd->add_option("--lr", o->lr, lr_help());
  cmd->add_option("--format", o->format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return {cmd, [o] { return run_trace(*o); }};
}
}  // namespace backprop::cli
