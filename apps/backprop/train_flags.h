// train_flags.h — the flags of `backprop train`, `xor` and `circle` as given, and how they become
// the library's FitOptions (model/fit.h). Checks that only the command line can make (flag
// combinations, output paths) happen here; the rest is the library's.
#pragma once

#include <optional>
#include <string>

#include "backprop/data/idx.h"
#include "backprop/model/fit.h"

namespace backprop::cli {

// The flags as given; fit_options() turns them into the library's options.
struct TrainFlags {
  std::string dataset, data_file, target, targets, features, data_dir = kFashionMnistDir;
  int n = -1;
  double noise = -1;
  unsigned data_seed = 42;
  std::string test_file, validation_file;
  double test_fraction = 0, validation_fraction = 0;
  bool standardize = false;
  std::string hidden, activation = "relu", output_activation, loss, weight_init = "he_normal";
  double negative_slope = 0.01;
  std::string init_model;
  std::string optimizer = "adam";
  std::optional<double> lr;
  double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, adam_epsilon = 1e-8, weight_decay = 0;
  double clip_norm = 0;
  bool keep_best = false, nesterov = false, no_shuffle = false, force = false, quiet = false,
       diagnose = false, deterministic = false;
  std::optional<int> epochs, batch_size;
  int patience = 0, threads = 0, checkpoint_every = 0;
  std::optional<int> print_every;  // unset: 0, or 1 for fashion-mnist
  unsigned seed = 42;
  std::string precision, history_file, save_file, checkpoint_file, resume_file;
  std::string plot_dir, plot_format = "png";
  // Learning-rate schedule (schedules.h); each parameter only with its schedule.
  std::string lr_schedule = "constant";
  std::optional<int> lr_step_size, lr_t_max, lr_patience;
  std::optional<double> lr_gamma, lr_min, lr_factor;
  double stop_loss = 0;
  std::optional<double> rprop_increase, rprop_decrease, rprop_delta_min, rprop_delta_max;
  std::string dropout, class_weight;  // "0.2" or "0.2,0.5"; "balanced" or "0:1,1:5"
  enum class Lesson { none, xor_, circle } lesson = Lesson::none;
};

// The library's options for these flags: the data source's defaults, then every flag given.
// Usage errors name the flag (a data set flag on a CSV file, --batch-size 0, ...).
FitOptions fit_options(const TrainFlags& f);

// Every output can be written (--save, --history, --checkpoint; --plot's directory is created),
// checked before any work, so that a long run never ends in an unwritable path.
void check_outputs(const TrainFlags& f);

}  // namespace backprop::cli
