#include "train_flags.h"

#include <fmt/format.h>

#include <vector>

#include "backprop/data/fann_data.h"
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
  if (is_fann_data_path(f.data_file) && f.target.empty() && f.targets.empty())
    return DataSource::csv_numeric(f.data_file, {});  // FANN's format names its own targets
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

// --lr-schedule and its parameters, --stop-loss, and rprop's parameters: each parameter only
// with the schedule (or optimizer) that takes it.
void set_schedule_and_rprop(const TrainFlags& f, TrainOptions& t) {
  LrSchedule& s = t.lr_schedule;
  try {
    s.kind = schedule_from_string(f.lr_schedule);
  } catch (const Error& e) {
    throw usage_error(std::string("--lr-schedule: ") + e.what());
  }
  using K = ScheduleKind;
  const auto only = [&](bool given, const char* flag, std::initializer_list<K> kinds) {
    if (!given) return;
    for (K k : kinds)
      if (s.kind == k) return;
    std::vector<std::string> names;
    for (K k : kinds) names.push_back(to_string(k));
    throw usage_error(fmt::format("{}: only --lr-schedule {} takes it (found --lr-schedule {})",
                                  flag, fmt::join(names, " or "), f.lr_schedule));
  };
  only(f.lr_step_size.has_value(), "--lr-step-size", {K::step});
  only(f.lr_gamma.has_value(), "--lr-gamma", {K::step, K::exponential});
  only(f.lr_t_max.has_value(), "--lr-t-max", {K::cosine});
  only(f.lr_min.has_value(), "--lr-min", {K::cosine, K::plateau});
  only(f.lr_patience.has_value(), "--lr-patience", {K::plateau});
  only(f.lr_factor.has_value(), "--lr-factor", {K::plateau});
  if (f.lr_step_size) s.step_size = *f.lr_step_size;
  if (f.lr_gamma) s.gamma = *f.lr_gamma;
  if (f.lr_t_max) {
    if (*f.lr_t_max <= 0)
      throw usage_error(fmt::format(
          "--lr-t-max: expected a positive number of epochs, found {} (leave the flag out for "
          "--epochs)",
          *f.lr_t_max));
    s.t_max = *f.lr_t_max;
  }
  if (f.lr_min) s.min_lr = *f.lr_min;
  if (f.lr_patience) s.patience = *f.lr_patience;
  if (f.lr_factor) s.factor = *f.lr_factor;
  t.stop_loss = f.stop_loss;
  OptimizerOptions& opt = t.optimizer;
  for (const auto& [value, flag] : {std::pair{&f.rprop_increase, "--rprop-increase"},
                                    {&f.rprop_decrease, "--rprop-decrease"},
                                    {&f.rprop_delta_min, "--rprop-delta-min"},
                                    {&f.rprop_delta_max, "--rprop-delta-max"}})
    if (value->has_value() && opt.kind != OptimizerKind::rprop)
      throw usage_error(fmt::format("{}: only --optimizer rprop takes it (found --optimizer {})",
                                    flag, f.optimizer));
  if (f.rprop_increase) opt.rprop_increase = *f.rprop_increase;
  if (f.rprop_decrease) opt.rprop_decrease = *f.rprop_decrease;
  if (f.rprop_delta_min) opt.rprop_delta_min = *f.rprop_delta_min;
  if (f.rprop_delta_max) opt.rprop_delta_max = *f.rprop_delta_max;
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
  try {
    o.weight_init = weight_init_from_string(f.weight_init);
  } catch (const Error& e) {
    throw usage_error(std::string("--weight-init: ") + e.what());
  }
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
  t.deterministic = f.deterministic;
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
  set_schedule_and_rprop(f, t);
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
