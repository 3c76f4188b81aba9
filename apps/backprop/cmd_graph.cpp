// cmd_graph.cpp — `backprop graph`: the section-3 computational graph of a small net on one sample,
// every node with its value and gradient (Graphviz).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/plot/graph.h"
#include "cli_util.h"
#include "commands.h"
#include "sample_data.h"

namespace backprop::cli {
namespace {

struct GraphCommandOptions {
  std::string example, model, x, y, out;
};

int run_graph(const GraphCommandOptions& o) {
  if (o.out.empty()) throw usage_error("--out: give the file to write (.dot, .svg, .png or .pdf)");
  check_output_path(o.out, "--out", {o.model}, false);
  Network<double> network;
  Matrix<double> x, y;
  std::string title;
  std::vector<std::string> input_names;
  bool scaled = false;
  if (!o.example.empty()) {
    if (!o.model.empty()) throw usage_error("--example: give either --example or --model");
    const LessonExample e = example(o.example);
    network = e.network;
    x = o.x.empty() ? e.x : samples_from_flags({o.x}, "--x");
    y = o.y.empty() ? e.y : samples_from_flags({o.y}, "--y");
    title = e.title;
  } else {
    if (o.model.empty())
      throw usage_error(
          "give --example NAME or --model FILE.json --x ... --y ... (see backprop "
          "graph --help)");
    if (o.x.empty() || o.y.empty())
      throw usage_error("--model: also give one sample, --x (inputs) and --y (target)");
    const Model model = read_model(o.model);
    network = model.network;
    x = samples_from_flags({o.x}, "--x");
    y = samples_from_flags({o.y}, "--y");
    if (x.rows() == network.inputs()) scaled = apply_model_scaling(model.info, x);
    title = "Computational graph of " + o.model;
    input_names = model.info.feature_names;
  }
  plot::write_graph(plot::graph_dot(network, x, y, title, input_names), o.out);
  if (scaled) std::printf("%s\n", kScalingNote);
  std::printf("wrote %s\n", o.out.c_str());
  return 0;
}

}  // namespace

Command add_graph_command(CLI::App& app) {
  auto o = std::make_shared<GraphCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "graph",
      "The computational graph of a small net on one sample, every node with its value "
      "and gradient (Graphviz)");
  cmd->add_option("--example", o->example, "A lesson example: " + join(lesson_example_names()));
  cmd->add_option("--model", o->model, "Model file (JSON) of a small network (<= 10 units)");
  cmd->add_option("--x", o->x,
                  "The sample's inputs, comma-separated, e.g. 2 or 1,0 (default with --example: "
                  "the example's)");
  cmd->add_option("--y", o->y,
                  "Its target, comma-separated (default with --example: the example's)");
  cmd->add_option("--out", o->out, "Output: .dot (text), or .svg/.png/.pdf (runs Graphviz's dot)")
      ->required();
  return {cmd, [o] { return run_graph(*o); }};
}

}  // namespace backprop::cli
