// backprop — the command line: parse, call the library, print, choose the exit status.
//
// Exit status: 0 success, 1 a data or runtime error (or a failed gradient check), 2 a usage error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/data/csv.h"

namespace bp = backprop;

namespace {

// ---- parsing of flag values ---------------------------------------------------------------------

std::vector<double> parse_numbers(const std::string& text, const std::string& flag) {
  std::vector<double> values;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string cell =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      values.push_back(bp::parse_number(cell, flag, 0, values.size() + 1, ""));
    } catch (const bp::Error&) {
      throw bp::usage_error(flag + ": expected comma-separated finite numbers like 1,0, found '" +
                            text + "' (entry " + std::to_string(values.size() + 1) + " is '" +
                            cell + "')");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

// Several samples given as repeated flags (--x 1,0 --x 0,1): one column each.
bp::Matrix<double> samples_from_flags(const std::vector<std::string>& texts,
                                      const std::string& flag) {
  std::vector<std::vector<double>> columns;
  for (const std::string& t : texts) columns.push_back(parse_numbers(t, flag));
  bp::Matrix<double> m(static_cast<Eigen::Index>(columns.front().size()),
                       static_cast<Eigen::Index>(columns.size()));
  for (std::size_t j = 0; j < columns.size(); ++j) {
    if (columns[j].size() != columns.front().size())
      throw bp::usage_error(flag + ": every sample needs " +
                            std::to_string(columns.front().size()) + " values (as the first), '" +
                            texts[j] + "' has " + std::to_string(columns[j].size()));
    for (std::size_t i = 0; i < columns[j].size(); ++i)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = columns[j][i];
  }
  return m;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

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
    const bp::CsvTable table = bp::read_csv(d.data_file);
    std::vector<std::size_t> target_columns, input_columns;
    for (const std::string& name : split(d.targets, ',')) {
      try {
        target_columns.push_back(table.column_index(name));
      } catch (const bp::Error& e) {
        throw bp::usage_error(std::string("--targets: ") + e.what());
      }
    }
    for (std::size_t c = 0; c < table.header.size(); ++c)
      if (std::find(target_columns.begin(), target_columns.end(), c) == target_columns.end())
        input_columns.push_back(c);
    if (input_columns.empty())
      throw bp::Error(d.data_file + ": no input columns left besides the targets " + d.targets);
    return {bp::numeric_columns(table, input_columns), bp::numeric_columns(table, target_columns)};
  }
  if (d.x.empty()) throw bp::usage_error("--x: give at least one input sample (or --data)");
  if (d.y.size() != d.x.size())
    throw bp::usage_error("--y: expected one target per --x (" + std::to_string(d.x.size()) +
                          "), found " + std::to_string(d.y.size()));
  return {samples_from_flags(d.x, "--x"), samples_from_flags(d.y, "--y")};
}

void check_data_fits(const bp::Network<double>& net, const bp::Matrix<double>& x,
                     const bp::Matrix<double>& y) {
  if (x.rows() != net.inputs())
    throw bp::Error(fmt::format("the data has {} input value{} per sample, the network expects {}",
                                x.rows(), x.rows() == 1 ? "" : "s", net.inputs()));
  if (y.rows() != net.outputs())
    throw bp::Error(fmt::format(
        "the data has {} target value{} per sample, the network has {} "
        "output{}",
        y.rows(), y.rows() == 1 ? "" : "s", net.outputs(), net.outputs() == 1 ? "" : "s"));
}

// ---- backprop trace -----------------------------------------------------------------------------

struct TraceOptions {
  std::string example, model, loss, format = "text";
  std::optional<double> lr;
  DataOptions data;
};

int run_trace(const TraceOptions& o) {
  bp::Network<double> net;
  bp::Matrix<double> x, y;
  std::optional<double> lr = o.lr;
  std::string title;
  if (!o.example.empty()) {
    if (!o.model.empty()) throw bp::usage_error("--example: give either --example or --model");
    bp::LessonExample e = bp::lesson_example(o.example);
    net = e.network;
    title = e.title;
    if (has_data(o.data)) {
      std::tie(x, y) = load_data(o.data);
    } else {
      x = e.x;
      y = e.y;
    }
    if (!lr) lr = e.lr;
  } else {
    if (o.model.empty())
      throw bp::usage_error("give --example NAME or --model FILE (see backprop trace --help)");
    net = bp::load_model(o.model);
    std::tie(x, y) = load_data(o.data);
  }
  if (!o.loss.empty()) {
    bp::Network<double> relossed = net.cast<double>();
    std::vector<bp::LayerSpec> specs;
    for (const auto& layer : net.layers())
      specs.push_back({static_cast<int>(layer.units()), layer.activation});
    bp::Network<double> with_loss(net.inputs(), specs, bp::loss_from_string(o.loss));
    with_loss.layers() = net.layers();
    net = with_loss;
  }
  check_data_fits(net, x, y);
  const bp::Trace t = bp::trace(net, x, y, lr);
  const std::string out = o.format == "json" ? bp::trace_to_json(t) : bp::trace_to_text(t, title);
  std::fputs(out.c_str(), stdout);
  return 0;
}

// ---- backprop gradcheck -------------------------------------------------------------------------

struct GradcheckOptions {
  std::string example, model, layers, activation = "sigmoid", output_activation, loss = "mse";
  std::string init = "he_normal";
  double alpha = 0.01;
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
  if (!(o.epsilon > 0)) throw bp::usage_error("--epsilon: expected a positive number");
  if (!(o.tolerance > 0)) throw bp::usage_error("--tolerance: expected a positive number");
  bp::Network<double> net;
  bp::Matrix<double> x, y;
  std::string what;
  if (!o.example.empty()) {
    bp::LessonExample e = bp::lesson_example(o.example);
    net = e.network;
    x = e.x;
    y = e.y;
    what = "example " + o.example;
  } else if (!o.model.empty()) {
    net = bp::load_model(o.model);
    what = o.model;
  } else {
    const std::vector<int> sizes = parse_layer_sizes(o.layers);
    bp::ActivationSpec hidden{bp::activation_from_string(o.activation), o.alpha};
    const std::string out_name = o.output_activation.empty() ? o.activation : o.output_activation;
    bp::ActivationSpec output{bp::activation_from_string(out_name), o.alpha};
    std::vector<bp::LayerSpec> specs;
    for (std::size_t l = 1; l < sizes.size(); ++l)
      specs.push_back({sizes[l], l + 1 == sizes.size() ? output : hidden});
    net = bp::Network<double>(sizes[0], specs, bp::loss_from_string(o.loss));
    bp::initialize(net, bp::init_from_string(o.init), o.seed);
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
  check_data_fits(net, x, y);
  bp::GradCheckOptions options;
  options.epsilon = o.epsilon;
  options.tolerance = o.tolerance;
  options.order = o.order;
  const bp::GradCheckReport report = bp::gradient_check(net, x, y, options);
  std::printf("Gradient check of %s on %ld sample%s (loss %s = %.10g)\n\n", what.c_str(),
              static_cast<long>(x.cols()), x.cols() == 1 ? "" : "s",
              bp::to_string(net.loss()).c_str(), report.loss);
  std::fputs(bp::format_report(report).c_str(), stdout);
  return report.passed() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"backprop: multilayer perceptrons trained by backpropagation"};
  app.set_version_flag("--version", "backprop 0.1.0");
  app.require_subcommand(1);

  TraceOptions trace;
  CLI::App* trace_cmd = app.add_subcommand(
      "trace", "Print every number of one forward and backward pass, as the lesson's tables do");
  trace_cmd->add_option("--example", trace.example,
                        "A lesson example: single-neuron, network-2-2-1, exercise-9.1");
  trace_cmd->add_option("--model", trace.model, "Model file (JSON)");
  add_data_options(trace_cmd, trace.data);
  trace_cmd->add_option("--loss", trace.loss, "Override the model's loss: mse, bce, cross_entropy");
  trace_cmd->add_option("--lr", trace.lr, "Also show one gradient-descent update at this rate");
  trace_cmd->add_option("--format", trace.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  GradcheckOptions gc;
  CLI::App* gc_cmd = app.add_subcommand(
      "gradcheck", "Compare backprop's gradients with central differences, in double");
  gc_cmd->add_option("--example", gc.example, "A lesson example (see trace)");
  gc_cmd->add_option("--model", gc.model, "Model file (JSON)");
  gc_cmd->add_option("--layers", gc.layers, "A generated network, e.g. 2-3-2");
  gc_cmd->add_option("--activation", gc.activation, "Hidden activation of --layers")
      ->capture_default_str();
  gc_cmd->add_option("--output-activation", gc.output_activation,
                     "Output activation of --layers (default: --activation)");
  gc_cmd->add_option("--alpha", gc.alpha, "leaky_relu slope")->capture_default_str();
  gc_cmd->add_option("--loss", gc.loss, "Loss of --layers: mse, bce, cross_entropy")
      ->capture_default_str();
  gc_cmd->add_option("--init", gc.init, "Initialisation of --layers")->capture_default_str();
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  try {
    if (trace_cmd->parsed()) return run_trace(trace);
    if (gc_cmd->parsed()) return run_gradcheck(gc);
  } catch (const bp::Error& e) {
    std::fprintf(stderr, "backprop: error: %s\n", e.what());
    return e.kind() == bp::Error::Kind::usage ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "backprop: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
