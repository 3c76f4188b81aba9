// cmd_plot.cpp — the figures: `backprop plot` (a saved model's or a history's figures) and
// `backprop sweep` (the lesson's Exercise 9.3, hidden sizes on XOR). Parse, call the library and
// backprop_plot, print.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/io/history.h"
#include "backprop/plot/figures.h"
#include "backprop/plot/sweep.h"
#include "cli_util.h"
#include "commands.h"

namespace backprop::cli {
namespace {

std::string in_directory(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

// The library names no flag: say which one.
plot::Format plot_format(const std::string& name) {
  try {
    return plot::format_from_string(name);
  } catch (const Error& e) {
    throw usage_error(std::string("--plot-format: ") + e.what());
  }
}

// ---- backprop plot ------------------------------------------------------------------------------

struct PlotCommandOptions {
  std::string model, history;
  std::string data_file, target, dataset;
  int n = -1;
  double noise = -1;
  unsigned data_seed = 42;
  std::string out, format = "png";
  std::size_t layer = 0;
};

bool has_data(const PlotCommandOptions& o) { return !o.data_file.empty() || !o.dataset.empty(); }

Dataset plot_data(const PlotCommandOptions& o, const Model& model) {
  if (!o.data_file.empty() && !o.dataset.empty())
    throw usage_error("--data: give either --data FILE.csv or --dataset NAME, not both");
  if (!o.dataset.empty()) return make_dataset(o.dataset, o.n, o.noise, o.data_seed);
  CsvDatasetOptions csv;
  csv.target = o.target.empty() ? model.info.target_column : o.target;
  if (csv.target.empty())
    throw usage_error("--target: give the class-label column of " + o.data_file +
                      " (the model does not name one)");
  csv.features = model.info.feature_names;
  csv.class_names = model.info.class_names;
  return load_csv_dataset(o.data_file, csv);
}

int run_plot(const PlotCommandOptions& o) {
  const plot::Format format = plot_format(o.format);
  if (o.model.empty() == o.history.empty())
    throw usage_error(
        "give either --model FILE.json or --history FILE.csv (see backprop plot "
        "--help)");
  if (!o.dataset.empty()) check_choice(o.dataset, dataset_names(), "--dataset", "dataset");
  ensure_output_directory(o.out, "--out");
  std::vector<std::string> written;
  if (!o.history.empty()) {
    if (has_data(o))
      throw usage_error(
          "--history: a history has no network to draw the data with; give "
          "--model for decision boundaries");
    const std::vector<EpochRecord> history = read_history_csv(o.history);
    const std::string path = in_directory(o.out, "loss." + plot::extension(format));
    plot::loss_curve(history, "Training history: " + o.history, path, format);
    written.push_back(path);
  } else {
    const Model model = read_model(o.model);
    const std::size_t hidden = model.network.depth() - 1;
    if (o.layer > 0 && o.layer >= hidden)  // checked here too when no data asks for neuron maps
      throw usage_error(
          fmt::format("--layer: hidden layer {} is out of range: the model has {} "
                      "hidden layer{}",
                      o.layer, hidden, hidden == 1 ? "" : "s"));
    std::unique_ptr<Dataset> data;
    if (has_data(o)) {
      data = std::make_unique<Dataset>(plot_data(o, model));
      if (model.network.inputs() != 2)
        std::fprintf(stderr,
                     "backprop: note: no decision boundary or neuron maps: they need 2 inputs, "
                     "the model has %d\n",
                     model.network.inputs());
    }
    written = plot::write_training_figures(model, data.get(), o.out, format, o.layer);
    if (written.empty())
      throw Error(o.model +
                  ": nothing to plot: no training history, no 2-D data given, and the "
                  "network is too wide for a diagram");
  }
  for (const std::string& path : written) std::printf("wrote %s\n", path.c_str());
  return 0;
}

// ---- backprop sweep -----------------------------------------------------------------------------

struct SweepCommandOptions {
  std::string dataset = "xor";
  int n = -1;
  double noise = -1;
  unsigned data_seed = 42;
  std::string hidden_sizes = "1,2,4,8";
  int seeds = 5;
  unsigned first_seed = 42;
  int epochs = 10000;
  double lr = 2.0;
  std::string activation = "sigmoid";
  std::string out, format = "png";
};

int run_sweep(const SweepCommandOptions& o) {
  plot::SweepOptions options;
  options.hidden_sizes = parse_hidden(o.hidden_sizes, "--hidden-sizes");
  options.seeds = o.seeds;
  options.first_seed = o.first_seed;
  options.epochs = o.epochs;
  options.lr = o.lr;
  options.activation = activation_from_string(o.activation);
  options.validate();
  const plot::Format format = plot_format(o.format);
  check_choice(o.dataset, dataset_names(), "--dataset", "dataset");
  if (!o.out.empty()) ensure_output_directory(o.out, "--out");  // before the runs, not after
  const Dataset data = make_dataset(o.dataset, o.n, o.noise, o.data_seed);
  const plot::SweepResult result = plot::run_sweep(data, options);
  std::fputs(plot::sweep_table(result).c_str(), stdout);
  if (o.out.empty()) {
    std::printf("\n(give --out DIR to write sweep.csv, sweep_runs.csv and the figure)\n");
    return 0;
  }
  const std::string summary = in_directory(o.out, "sweep.csv");
  const std::string runs = in_directory(o.out, "sweep_runs.csv");
  const std::string figure = in_directory(o.out, "sweep." + plot::extension(format));
  write_file_atomically(summary, plot::sweep_csv(result));
  write_file_atomically(runs, plot::sweep_runs_csv(result));
  plot::sweep_figure(result, figure, format);
  std::printf("\nwrote %s\nwrote %s\nwrote %s\n", summary.c_str(), runs.c_str(), figure.c_str());
  return 0;
}

}  // namespace

Command add_plot_command(CLI::App& app) {
  auto o = std::make_shared<PlotCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "plot",
      "Draw a saved model's figures (loss, decision boundary, neuron maps, network) or a "
      "history's loss curve");
  cmd->add_option("--model", o->model, "Model file (JSON) with its training history");
  cmd->add_option("--history", o->history,
                  "History CSV (epoch,loss,accuracy,val_loss,val_accuracy) from train --history");
  cmd->add_option("--data", o->data_file, "CSV data to draw with a 2-input model");
  cmd->add_option("--target", o->target, "Class-label column of --data (default: the model's)");
  cmd->add_option("--dataset", o->dataset, "Built-in data set to draw: " + join(dataset_names()));
  add_generator_options(cmd, o->n, o->noise, o->data_seed, "--dataset");
  cmd->add_option("--out", o->out, "Directory for the figures (created if missing)")->required();
  cmd->add_option("--plot-format", o->format, "png, svg or pdf")->capture_default_str();
  cmd->add_option("--layer", o->layer, "Hidden layer of the neuron maps (0 = the first)")
      ->capture_default_str();
  return {cmd, [o] { return run_plot(*o); }};
}

Command add_sweep_command(CLI::App& app) {
  auto o = std::make_shared<SweepCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "The lesson's Exercise 9.3: train 2-H-1 nets of several hidden sizes from several "
      "seeds and compare");
  cmd->add_option("--dataset", o->dataset, "Built-in data set: " + join(dataset_names()))
      ->capture_default_str();
  add_generator_options(cmd, o->n, o->noise, o->data_seed, "--dataset");
  cmd->add_option("--hidden-sizes", o->hidden_sizes, "Hidden sizes to compare")
      ->capture_default_str();
  cmd->add_option("--seeds", o->seeds, "Runs per size")->capture_default_str();
  cmd->add_option("--seed", o->first_seed,
                  "First weight seed (42: the lesson's initialisation); runs use seed, seed+1, ...")
      ->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Epochs per run")->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate of full-batch gradient descent")
      ->capture_default_str();
  cmd->add_option("--activation", o->activation, "Hidden activation (the output is sigmoid)")
      ->capture_default_str();
  cmd->add_option("--out", o->out,
                  "Directory for sweep.csv, sweep_runs.csv and the figure (created if missing; "
                  "default: print the table only)");
  cmd->add_option("--plot-format", o->format, "png, svg or pdf")->capture_default_str();
  return {cmd, [o] { return run_sweep(*o); }};
}

}  // namespace backprop::cli
