// cmd_trace.cpp — `backprop trace` and `backprop gradcheck`: the lesson's step-by-step tables and
// numerical gradient checks, always in double.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/csv.h"
#include "cli_util.h"
#include "commands.h"

namespace backprop::cli {
namespace {

namespace bp = backprop;

// "2-3-2" -> {2, 3, 2}
std::vector<int> parse_layer_sizes(const std::string& text) {
  std::vector<int> sizes;
  for (const std::string& part : split(text, '-')) {
    std::size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (part.empty() || used != part.size() || value <= 0 || value > 1000000)
      throw bp::usage_error(
          "--layers: expected positive layer sizes joined by '-', like 2-3-2, "
          "found '" +
          text + "'");
    sizes.push_back(value);
  }
  if (sizes.size() < 2)
    throw bp::usage_error("--layers: expected at least inputs and outputs, like 2-1, found '" +
                          text + "'");
  return sizes;
}

// ---- data from flags or a CSV file --------------------------------------------------------------

struct DataOptions {
  std::vector<std::string> x, y;
  std::string data_file;
  std::string targets;
};

void add_data_options(CLI::App* cmd, DataOptions& d) {
  cmd->add_option("--x", d.x, "One input sample as comma-separated numbers (repeat for more)");
  cmd->add_option("--y", d.y, "Its target as comma-separated numbers (repeat, one per --x)");
  cmd->add_option("--data", d.data_file, "CSV file with a header row, one row per sample");
  cmd->add_option("--targets", d.targets,
                  "Comma-separated target columns of --data; the other columns are the inputs");
}

bool has_data(const DataOptions& d) { return !d.x.empty() || !d.data_file.empty(); }

// (x, y) with samples as columns.
std::pair<bp::Matrix<double>, bp::Matrix<double>> load_data(const DataOptions& d) {
  if (!d.data_file.empty()) {
    if (!d.x.empty() || !d.y.empty())
      throw bp::usage_error("--data: give either --data or --x/--y, not both");
    if (d.targets.empty())
      throw bp::usage_error("--data: also give --targets, the target column(s), e.g. --targets y");
    bp::CsvDatasetOptions csv;
    csv.targets = split(d.targets, ',');  // the inputs: every other column, in file order
    try {
      bp::Dataset data = bp::load_csv_dataset(d.data_file, csv);
      return {std::move(data.x), std::move(data.y)};
    } catch (const bp::Error& e) {
      if (e.kind() != bp::Error::Kind::usage) throw;  // bad cells: file:line:column, exit 1
      throw bp::usage_error(std::string("--targets: ") + e.what());
    }
  }
  if (d.x.empty()) throw bp::usage_error("--x: give at least one input sample (or --data)");
  if (d.y.size() != d.x.size())
    throw bp::usage_error("--y: expected one target per --x (" + std::to_string(d.x.size()) +
                          "), found " + std::to_string(d.y.size()));
  return {samples_from_flags(d.x, "--x"), samples_from_flags(d.y, "--y")};
}

// The samples fit the network: a usage Error for --x/--y (flag values), a data Error for a file.
void check_data_fits(const bp::Network<double>& net, const bp::Matrix<double>& x,
                     const bp::Matrix<double>& y, const DataOptions& d) {
  const auto error = [&d](const std::string& flag, const std::string& message) {
    return d.data_file.empty() ? bp::usage_error(flag + ": " + message)
                               : bp::Error(d.data_file + ": " + message);
  };
  if (x.rows() != net.inputs())
    throw error("--x",
                fmt::format("the data has {} input value{} per sample, the network expects {}",
                            x.rows(), x.rows() == 1 ? "" : "s", net.inputs()));
  if (y.rows() != net.outputs())
    throw error("--y", fmt::format("the data has {} target value{} per sample, the network has {} "
                                   "output{}",
                                   y.rows(), y.rows() == 1 ? "" : "s", net.outputs(),
                                   net.outputs() == 1 ? "" : "s"));
}

// ---- backprop trace -----------------------------------------------------------------------------

struct TraceOptions {
  std::string example, model, loss, format = "text";
  std::optional<double> lr;
  DataOptions data;
};

// The lesson's examples, checked by name before anything else.
bp::LessonExample example(const std::string& name) {
  check_choice(name, bp::lesson_example_names(), "--example", "example");
  return bp::lesson_example(name);
}

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
  const bool scaled = apply_model_scaling(info, x);
  const bp::Trace t = bp::trace(net, x, y, lr);
  if (o.format == "json") {
    if (scaled) std::fprintf(stderr, "backprop: note: %s\n", kScalingNote);
    std::fputs(bp::trace_to_json(t).c_str(), stdout);
    return 0;
  }
  if (scaled) title += std::string(title.empty() ? "" : "\n") + "(" + kScalingNote + ")";
  std::fputs(bp::trace_to_text(t, title).c_str(), stdout);
  return 0;
}

// ---- backprop gradcheck -------------------------------------------------------------------------

struct GradcheckOptions {
  std::string example, model, layers, activation = "sigmoid", output_activation, loss = "mse";
  std::string weight_init = "he_normal";
  double negative_slope = 0.01;
  unsigned seed = 42;
  int samples = 2;
  double epsilon = 1e-6, tolerance = 1e-5;
  int order = 2;
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
  const bp::GradCheckReport report = bp::gradient_check(net, x, y, options);
  std::printf("Gradient check of %s on %ld sample%s (loss %s = %.10g)\n\n", what.c_str(),
              static_cast<long>(x.cols()), x.cols() == 1 ? "" : "s",
              bp::to_string(net.loss()).c_str(), report.loss);
  if (scaled) std::printf("(%s)\n\n", kScalingNote);
  std::fputs(bp::format_report(report).c_str(), stdout);
  return report.passed() ? 0 : 1;
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
  cmd->add_option("--model", o->model, "Model file (JSON)");
  add_data_options(cmd, o->data);
  cmd->add_option("--loss", o->loss,
                  "Override the model's loss: mse, bce, cross_entropy (default: the model's)");
  cmd->add_option("--lr", o->lr, lr_help());
  cmd->add_option("--format", o->format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return {cmd, [o] { return run_trace(*o); }};
}

Command add_gradcheck_command(CLI::App& app) {
  auto o = std::make_shared<GradcheckOptions>();
  GradcheckOptions& gc = *o;
  CLI::App* gc_cmd = app.add_subcommand(
      "gradcheck", "Compare backprop's gradients with central differences, in double");
  gc_cmd->add_option("--example", gc.example,
                     "A lesson example: " + join(bp::lesson_example_names()));
  gc_cmd->add_option("--model", gc.model, "Model file (JSON)");
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
  gc_cmd->add_option("--tolerance", gc.tolerance, "Pass below this max relative error")
      ->capture_default_str();
  add_data_options(gc_cmd, gc.data);
  return {gc_cmd, [o] { return run_gradcheck(*o); }};
}

}  // namespace backprop::cli
