// cmd_gradcheck.cpp — `backprop gradcheck`: backpropagation's gradients against central
// differences, always in double.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "cli_util.h"
#include "commands.h"
#include "sample_data.h"

namespace backprop::cli {
namespace {

namespace bp = backprop;

// "2-3-2" -> {2, 3, 2}
std::vector<int> parse_layer_sizes(const std::string& text) {
  std::vector<int> sizes;
  for (const std::string& part : split(text, '-')) {
    const std::optional<int> size = parse_size(part);
    if (!size)
      throw bp::usage_error(
          "--layers: expected positive layer sizes joined by '-', like 2-3-2, found '" + text +
          "'");
    sizes.push_back(*size);
  }
  if (sizes.size() < 2)
    throw bp::usage_error("--layers: expected at least inputs and outputs, like 2-1, found '" +
                          text + "'");
  return sizes;
}
struct GradcheckOptions {
  std::string example, model, layers, activation = "sigmoid", output_activation, loss = "mse";
  std::string weight_init = "he_normal";
  double negative_slope = 0.01;
  unsigned seed = 42;
  int samples = 2;
  double epsilon = 1e-6, tolerance = 1e-5;
  int order = 2;
  bool include_kinks = false;
  DataOptions data;
};

// Random inputs ~ N(0, 1) and targets that suit the loss (in [0, 1], or columns summing to 1).
std::pair<bp::Matrix<double>, bp::Matrix<double>> random_data(const bp::Network<double>& net,
                                                              int samples, unsigned seed) {
  bp::Random random(seed + 1);
  bp::Matrix<double> x(net.inputs(), samples), y(net.outputs(), samples);
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = random.normal();
  for (Eigen::Index j = 0; j < y.cols(); ++j)
    for (Eigen::Index i = 0; i < y.rows(); ++i) y(i, j) = random.uniform();
  if (net.loss() == bp::Loss::cross_entropy) y = y.array().rowwise() / y.array().colwise().sum();
  return {x, y};
}

int run_gradcheck(const GradcheckOptions& o) {
  const int sources = !o.example.empty() + !o.model.empty() + !o.layers.empty();
  if (sources != 1)
    throw bp::usage_error("give exactly one of --example NAME, --model FILE or --layers 2-3-2");
  if (o.samples <= 0)
    throw bp::usage_error("--samples: expected a positive number, found " +
                          std::to_string(o.samples));
  if (!(o.epsilon > 0 && std::isfinite(o.epsilon)))
    throw bp::usage_error(
        fmt::format("--epsilon: expected a positive number, found {}", o.epsilon));
  if (!(o.tolerance > 0 && std::isfinite(o.tolerance)))
    throw bp::usage_error(
        fmt::format("--tolerance: expected a positive number, found {}", o.tolerance));
  bp::Network<double> net;
  bp::Matrix<double> x, y;
  std::string what;
  bp::ModelInfo info;  // the model file's input scaling, if any
  if (!o.example.empty()) {
    bp::LessonExample e = example(o.example);
    net = e.network;
    x = e.x;
    y = e.y;
    what = "example " + o.example;
  } else if (!o.model.empty()) {
    bp::Model model = bp::read_model(o.model);
    net = model.network;
    info = model.info;
    what = o.model;
  } else {
    const std::vector<int> sizes = parse_layer_sizes(o.layers);
    bp::ActivationSpec hidden{bp::activation_from_string(o.activation), o.negative_slope};
    const std::string out_name = o.output_activation.empty() ? o.activation : o.output_activation;
    bp::ActivationSpec output{bp::activation_from_string(out_name), o.negative_slope};
    std::vector<bp::LayerSpec> specs;
    for (std::size_t l = 1; l < sizes.size(); ++l)
      specs.push_back({sizes[l], l + 1 == sizes.size() ? output : hidden});
    net = bp::Network<double>(sizes[0], specs, bp::loss_from_string(o.loss));
    bp::initialize(net, bp::init_from_string(o.weight_init), o.seed);
    // Non-zero biases, so that a bias gradient bug cannot hide behind b = 0.
    bp::Random random(o.seed + 2);
    for (auto& layer : net.layers())
      for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b(i) = 0.1 * random.normal();
    what = o.layers + " " + o.activation + "/" + out_name + ", loss " + o.loss + ", seed " +
           std::to_string(o.seed);
  }
  if (has_data(o.data)) {
    std::tie(x, y) = load_data(o.data);
  } else if (x.size() == 0) {
    std::tie(x, y) = random_data(net, o.samples, o.seed);
  }
  check_data_fits(net, x, y, o.data);
  const bool scaled = has_data(o.data) && apply_model_scaling(info, x);
  bp::GradCheckOptions options;
  options.epsilon = o.epsilon;
  options.tolerance = o.tolerance;
  options.order = o.order;
  options.exclude_kinks = !o.include_kinks;
  const bp::GradCheckReport report = bp::gradient_check(net, x, y, options);
  std::printf("Gradient check of %s on %ld sample%s (loss %s = %.10g)\n\n", what.c_str(),
              static_cast<long>(x.cols()), x.cols() == 1 ? "" : "s",
              bp::to_string(net.loss()).c_str(), report.loss);
  if (scaled) std::printf("(%s)\n\n", kScalingNote);
  std::fputs(bp::format_report(report).c_str(), stdout);
  // A failure whose differences are at the rounding level of the loss, |L|·2^-52/ε per
  // evaluation, says the gradients there are too small for this step, not that they are wrong.
  double worst_failed = 0;
  for (const bp::GradCheckTensor& t : report.tensors)
    if (!t.passed) worst_failed = std::max(worst_failed, t.max_abs_diff);
  const double rounding = std::abs(report.loss) * 2.220446049250313e-16 / o.epsilon;
  if (!report.passed() && worst_failed <= 10 * rounding)
    std::printf(
        "Note: the failing differences (at most %.2e) are at the rounding level of the loss "
        "(|L|·2^-52/epsilon = %.2e): gradients that small cannot be measured with this epsilon. "
        "--order 4 --epsilon 1e-3 measures them (and leaves out the kinks it crosses).\n",
        worst_failed, rounding);
  return report.passed() ? 0 : 1;
}
}  // namespace

Command add_gradcheck_command(CLI::App& app) {
  auto o = std::make_shared<GradcheckOptions>();
  GradcheckOptions& gc = *o;
  CLI::App* gc_cmd = app.add_subcommand(
      "gradcheck", "Compare backprop's gradients with central differences, in double");
  gc_cmd->add_option("--example", gc.example,
                     "A lesson example: " + join(bp::lesson_example_names()));
  gc_cmd->add_option("--model", gc.model, "Model file (JSON, or ONNX: .onnx)");
  gc_cmd->add_option("--layers", gc.layers, "A generated network, e.g. 2-3-2");
  gc_cmd->add_option("--activation", gc.activation, "Hidden activation of --layers")
      ->capture_default_str();
  gc_cmd->add_option("--output-activation", gc.output_activation,
                     "Output activation of --layers (default: --activation)");
  gc_cmd->add_option("--negative-slope", gc.negative_slope, "leaky_relu's slope for z < 0")
      ->capture_default_str();
  gc_cmd->add_option("--loss", gc.loss, "Loss of --layers: mse, bce, cross_entropy")
      ->capture_default_str();
  gc_cmd
      ->add_option("--weight-init", gc.weight_init,
                   "Initialisation of --layers: he_normal, he_uniform, glorot_normal, "
                   "glorot_uniform")
      ->capture_default_str();
  // Old names: --init is a saved model in train, --alpha the L2 strength in scikit-learn.
  deprecated_alias(gc_cmd, "--init", "--weight-init", gc.weight_init);
  deprecated_alias(gc_cmd, "--alpha", "--negative-slope", gc.negative_slope);
  gc_cmd->add_option("--seed", gc.seed, "Seed of the weights and random samples")
      ->capture_default_str();
  gc_cmd->add_option("--samples", gc.samples, "Random samples when no data is given")
      ->capture_default_str();
  gc_cmd->add_option("--epsilon", gc.epsilon, "Central-difference step")->capture_default_str();
  gc_cmd
      ->add_option("--order", gc.order,
                   "Difference stencil: 2 (the lesson's) or 4 (more accurate; use --epsilon 1e-3)")
      ->capture_default_str()
      ->check(CLI::IsMember({2, 4}));
  gc_cmd->add_flag("--include-kinks", gc.include_kinks,
                   "Also judge the entries whose perturbation moves a relu/leaky_relu "
                   "pre-activation across 0 (by default counted as 'kink crossed' and left out)");
  gc_cmd->add_option("--tolerance", gc.tolerance, "Pass below this max relative error")
      ->capture_default_str();
  add_data_options(gc_cmd, gc.data);
  return {gc_cmd, [o] { return run_gradcheck(*o); }};
}
}  // namespace backprop::cli
