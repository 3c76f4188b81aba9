#include "train_flags.h"

#include <fmt/format.h>

#include <vector>

#include "backprop/data/generators.h"
#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/plot/figures.h"
#include "cli_util.h"

namespace backprop::cli {
namespace {

DataSource data_source(const TrainFlags& f) {
  const bool csv = !f.data_file.empty();
  if (csv == !f.dataset.empty())
    throw usage_error(
        fmt::format("give a data set with --dataset ({}) or a CSV file with --data, "
                    "not {}",
                    fmt::join(builtin_dataset_names(), ", "), csv ? "both" : "neither"));
  if (!csv && (!f.target.empty() || !f.targets.empty() || !f.features.empty()))
    throw usage_error("--target/--targets/--features: they name columns of --data FILE.csv");
  const bool generator = !csv && f.dataset != "fashion-mnist";
  if (!generator && (f.n > 0 || f.noise >= 0))
    throw usage_error("--n/--noise: only the generated data sets (" +
                      fmt::format("{}", fmt::join(dataset_names(), ", ")) + ") take them");
  if (f.dataset != "fashion-mnist" && f.data_dir != kFashionMnistDir)
    throw usage_error("--data-dir: only --dataset fashion-mnist reads a directory");
  if (!csv) {
    DataSource s = builtin_dataset(f.dataset, f.n, f.noise, f.data_seed);
    if (s.kind == DataSource::Kind::fashion_mnist) s.path = f.data_dir;
    return s;
  }
  if (f.target.empty() == f.targets.empty())
    throw usage_error(
        "--data: also give --target COL (class labels) or --targets A,B (numeric "
        "targets), exactly one of them");
  DataSource s = f.target.empty()
                     ? DataSource::csv_numeric(f.data_file, parse_names(f.targets, "--targets"))
                     : DataSource::csv_classes(f.data_file, f.target);
  if (!f.features.empty()) s.features = parse_names(f.features, "--features");
  return s;
}

// A held-out CSV file with the training file's columns (`flag` names it when there is no file).
DataSource held_out(const std::string& path, const DataSource& data, const std::string& flag) {
  if (path.empty()) return {};
  if (data.kind != DataSource::Kind::csv)
    throw usage_error(flag +
                      ": a held-out CSV file goes with --data FILE.csv; with a built-in "
                      "data set, hold out a fraction instead");
  DataSource s = data;
  s.path = path;
  return s;
}

}  // namespace

FitOptions fit_options(const TrainFlags& f) {
  FitOptions o = default_fit_options(data_source(f));
  o.test_data = held_out(f.test_file, o.data, "--test-data");
  o.validation_data = held_out(f.validation_file, o.data, "--validation-data");
  o.test_fraction = f.test_fraction;
  o.validation_fraction = f.validation_fraction;
  o.standardize = f.standardize;
  if (!f.hidden.empty()) o.hidden = parse_hidden(f.hidden);
  o.activation = {activation_from_string(f.activation), f.negative_slope};
  if (!f.output_activation.empty())
    o.output_activation = activation_from_string(f.output_activation);
  if (!f.loss.empty()) o.loss = loss_from_string(f.loss);
  o.weight_init = init_from_string(f.weight_init);
  if (!f.init_model.empty())
    o.init_model = read_model(f.init_model), o.init_model_name = f.init_model;
  TrainOptions& t = o.training;
  if (f.epochs) t.epochs = *f.epochs;
  if (f.batch_size) {
    if (*f.batch_size <= 0)
      throw usage_error(
          fmt::format("--batch-size: expected a positive number, found {} (leave "
                      "the flag out for full batch)",
                      *f.batch_size));
    t.batch_size = *f.batch_size;
  }
  t.shuffle = !f.no_shuffle;
  t.seed = f.seed;
  t.patience = f.patience;
  t.keep_best = f.keep_best;
  t.checkpoint_every = f.checkpoint_every;
  OptimizerOptions& opt = t.optimizer;
  const OptimizerKind kind = optimizer_from_string(f.optimizer);
  if (kind != opt.kind) opt.lr = kind == OptimizerKind::adam ? 0.01 : 0.1;  // the kind's default
  opt.kind = kind;
  if (f.lr) opt.lr = *f.lr;
  opt.momentum = f.momentum;
  opt.nesterov = f.nesterov;
  opt.beta1 = f.beta1, opt.beta2 = f.beta2, opt.epsilon = f.adam_epsilon;
  opt.weight_decay = f.weight_decay;
  opt.clip_norm = f.clip_norm;
  if (opt.kind == OptimizerKind::momentum && opt.momentum == 0) opt.kind = OptimizerKind::sgd;
  if (!f.precision.empty()) o.precision = precision_from_string(f.precision);
  o.threads = f.threads;
  o.checkpoint_path = f.checkpoint_file;
  o.resume_path = f.resume_file;
  o.diagnose = f.diagnose;
  if (!f.dropout.empty()) o.dropout = parse_numbers(f.dropout, "--dropout");
  if (!f.class_weight.empty()) o.class_weight = ClassWeight::parse(f.class_weight);
  return o;
}

void check_outputs(const TrainFlags& f) {
  const std::vector<std::string> inputs = {f.data_file, f.test_file, f.validation_file,
                                           f.init_model};
  if (!f.save_file.empty()) check_output_path(f.save_file, "--save", inputs, f.force);
  if (!f.history_file.empty()) check_output_path(f.history_file, "--history", inputs, f.force);
  if (!f.checkpoint_file.empty())
    check_output_path(f.checkpoint_file, "--checkpoint", inputs, f.force);
  if (!f.plot_dir.empty()) {
    plot::format_from_string(f.plot_format);
    ensure_output_directory(f.plot_dir, "--plot");
  }
  if (f.print_every && *f.print_every < 0)
    throw usage_error(
        fmt::format("--print-every: expected 0 (off) or a positive number of "
                    "epochs, found {}",
                    *f.print_every));
}

}  // namespace backprop::cli
