// cmd_train.cpp — `backprop train`, and the lesson's experiments `backprop xor` and
// `backprop circle`: flags → FitOptions, the library's fit(), then print and save.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "backprop/data/generators.h"
#include "backprop/error.h"
#include "backprop/io/history.h"
#include "backprop/io/model_file.h"
#include "backprop/model/fit.h"
#include "backprop/plot/figures.h"
#include "cli_util.h"
#include "commands.h"
#include "flag_names.h"
#include "train_flags.h"
#include "train_report.h"

namespace backprop::cli {
namespace {

// SIGINT/SIGTERM during training: finish the epoch, write the checkpoint, stop cleanly.
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signal) { stop_signal = signal; }

// Prints, saves and draws what the run produced; returns the exit status.
int report(const TrainFlags& f, const FitResult& r) {
  int status = 0;
  if (r.training.diverged) {
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: error: %s\n", with_flag_names(r.training.divergence).c_str());
    status = 1;
  }
  if (r.training.interrupted && (stop_signal != 0 || communicator() != nullptr)) {
    // (in a job of several processes, the signal may have reached another rank: all stopped)
    std::fflush(stdout);
    const std::string by = stop_signal != 0
                               ? "by signal " + std::to_string(static_cast<int>(stop_signal))
                               : std::string(
                                     "with the other processes of the job (one was "
                                     "asked to stop)");
    std::fprintf(
        stderr, "backprop: stopped %s after epoch %d%s\n", by.c_str(), r.history().back().epoch,
        f.checkpoint_file.empty()
            ? ""
            : ("; checkpoint written to " + f.checkpoint_file + " (continue with --resume)")
                  .c_str());
    status = stop_signal != 0 ? 128 + static_cast<int>(stop_signal) : 1;
  }
  if (r.history().empty()) return status;  // diverged in the first epoch: nothing to save
  if (r.diagnostics)
    std::fputs(with_flag_names(format_diagnostics(*r.diagnostics)).c_str(), stdout);
  if (f.lesson == TrainFlags::Lesson::xor_)
    std::fputs(xor_table(r).c_str(), stdout);
  else if (!f.quiet || r.test)
    std::fputs(summary_lines(r).c_str(), stdout);
  if (f.lesson == TrainFlags::Lesson::circle)
    std::printf("Final training accuracy: %s\n",
                percent(accuracy(r.model.predict(r.train_data.x), r.train_data.y)).c_str());
  if (!f.history_file.empty()) write_history_csv(f.history_file, r.history());
  if (!f.save_file.empty()) {
    save_model(r.model, f.save_file);
    if (!f.quiet)
      std::printf("Saved the %smodel to %s\n", r.training.diverged ? "last good " : "",
                  f.save_file.c_str());
  }
  if (!f.plot_dir.empty()) {
    const bool plane = r.train_data.x.rows() == 2;
    for (const std::string& path :
         plot::write_training_figures(r.model, plane ? &r.train_data : nullptr, f.plot_dir,
                                      plot::format_from_string(f.plot_format)))
      if (!f.quiet) std::printf("Wrote %s\n", path.c_str());
  }
  return status;
}

int run_train(const TrainFlags& f) {
  check_outputs(f);
  FitOptions o = fit_options(f);
  o.training.communicator = communicator();  // under mpirun: the job's processes
  const bool quiet = f.quiet || !speaks();   // rank 0 alone prints
  const bool fashion = o.data.kind == DataSource::Kind::fashion_mnist;
  const int print_every = f.print_every.value_or(fashion ? 1 : 0);
  Progress progress(!quiet && print_every == 0 && stderr_is_terminal(), o.training.epochs);
  o.on_warning = [](const std::string& w) {
    if (speaks()) std::fprintf(stderr, "backprop: warning: %s\n", with_flag_names(w).c_str());
  };
  o.on_start = [&](const FitSetup& s) {
    if (!speaks()) return;
    if (s.resumed_after_epoch >= 0 && !f.quiet)
      std::printf("Resuming %s after epoch %d\n", f.resume_file.c_str(), s.resumed_after_epoch);
    if (!f.quiet && f.lesson == TrainFlags::Lesson::none)
      std::printf("%s\n", setup_line(s, o).c_str());
    std::fflush(stdout);
  };
  o.on_epoch = [&](const EpochRecord& r) {
    if (print_every > 0 && r.epoch % print_every == 0 && !quiet) {
      std::printf("%s\n", epoch_line(r).c_str());
      std::fflush(stdout);
    }
    progress.update(r);
    return true;
  };
  stop_signal = 0;
  o.stop_requested = &stop_signal;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const FitResult result = fit(o);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  progress.finish();
  if (!speaks())  // rank 0 prints and saves
    return stop_signal != 0 ? 128 + static_cast<int>(stop_signal) : result.training.diverged;
  return report(f, result);
}

// Flags shared by train, xor and circle.
void add_common_training_flags(CLI::App* cmd, TrainFlags& f) {
  cmd->add_option("--hidden", f.hidden, "Hidden layer sizes: 4, or 16,8, or none")
      ->default_str(f.hidden.empty() ? "16 (fashion-mnist: 256,128)" : f.hidden);
  cmd->add_option("--epochs", f.epochs, "Epochs")
      ->default_str(f.epochs ? std::to_string(*f.epochs) : "1000 (fashion-mnist: 15)");
  cmd->add_option("--lr", f.lr, "Learning rate (rprop: initial step)")
      ->default_str(f.lr ? fmt::format("{}", *f.lr)
                         : "adam 0.01 (fashion-mnist: 0.001), others 0.1");
  cmd->add_option("--seed", f.seed, "Seed of the weights, shuffles and splits")
      ->capture_default_str();
  cmd->add_option("--print-every", f.print_every,
                  "Print the lesson's epoch line every K epochs (0: a progress line on a terminal)")
      ->default_str(f.print_every ? std::to_string(*f.print_every) : "0 (fashion-mnist: 1)");
  cmd->add_option("--precision", f.precision, "double or float")
      ->default_str("double (fashion-mnist: float)");
  cmd->add_option("--history", f.history_file, "Write every epoch's figures to this CSV file");
  cmd->add_option("--save", f.save_file, "Save the trained model (JSON)");
  cmd->add_flag("--force", f.force, "Allow an output to overwrite an input file");
  cmd->add_flag("--quiet", f.quiet, "Print nothing but errors and the final results");
  cmd->add_option("--threads", f.threads,
                  "Worker threads (0: every core for nets with a layer of >= 32768 weights and "
                  "batches >= 64 on an idle machine, else 1; under mpirun, per process: the "
                  "cores shared among the processes on the machine). Such nets with batches >= "
                  "128 train data-parallel: each batch splits into a fixed set of shards, and "
                  "the model is the same whatever the threads")
      ->capture_default_str();
  cmd->add_flag("--deterministic", f.deterministic,
                "The same model whatever --threads and however many processes (mpirun): every "
                "batch of >= 128 samples splits into the fixed set of shards, whatever the net, "
                "their sums are added in one order, and unsplit nets' products run on one "
                "thread. Bit-identical to a one-thread, one-process run");
  cmd->add_option("--plot", f.plot_dir,
                  "Write figures to this directory (created if missing): loss curve; decision "
                  "boundary and hidden-neuron maps for 2-D inputs; network diagram for small nets");
  cmd->add_option("--plot-format", f.plot_format, "png, svg or pdf")->capture_default_str();
  cmd->add_flag("--diagnose", f.diagnose,
                "After training: dead relu units, saturated sigmoid/tanh units, gradient norms");
  cmd->add_option(
      "--checkpoint", f.checkpoint_file,
      "Write a checkpoint here (every --checkpoint-every epochs, and on SIGINT/SIGTERM)");
  cmd->add_option("--checkpoint-every", f.checkpoint_every,
                  "Epochs between checkpoints (0: only on a signal)")
      ->capture_default_str();
  cmd->add_option("--resume", f.resume_file,
                  "Continue the run of this checkpoint (same flags otherwise)");
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* cmd =
      app.add_subcommand("train", "Train a network on a built-in data set or a CSV file");
  const std::string names = fmt::format("{}", fmt::join(builtin_dataset_names(), ", "));
  cmd->add_option("--dataset", f->dataset, "A built-in data set: " + names);
  deprecated_positional(cmd, "dataset", "--dataset", f->dataset);
  cmd->add_option("--data-dir", f->data_dir, "Where fashion-mnist's IDX files are")
      ->capture_default_str();
  cmd->add_option(
      "--data", f->data_file,
      "Training data: a CSV file with a header row, or FANN's training file (.data/.train/.test)");
  cmd->add_option("--target", f->target, "Class-label column of --data (integers or strings)");
  cmd->add_option("--targets", f->targets,
                  "Numeric target columns of --data, e.g. y1,y2 or y0..y18 or y*");
  cmd->add_option("--features", f->features, "Input columns (default: all other columns)");
  cmd->add_option("--test-data", f->test_file, "Test set (same columns), evaluated every epoch");
  cmd->add_option("--test-fraction", f->test_fraction,
                  "Hold out this fraction as a test set (stratified)")
      ->capture_default_str();
  cmd->add_option("--validation-data", f->validation_file, "Validation set, evaluated every epoch");
  cmd->add_option("--validation-fraction", f->validation_fraction,
                  "Hold out this fraction of the training data for validation (stratified)")
      ->capture_default_str();
  cmd->add_flag("--standardize", f->standardize,
                "Scale inputs to mean 0, std 1 (fitted on the training data, stored in the model)");
  add_generator_options(cmd, f->n, f->noise, f->data_seed, "a generated data set");
  add_common_training_flags(cmd, *f);
  cmd->add_option("--activation", f->activation,
                  "Hidden activation: sigmoid, tanh, relu, leaky_relu, linear, softmax")
      ->capture_default_str();
  cmd->add_option(
      "--output-activation", f->output_activation,
      "Output activation (default: sigmoid for 2 classes, softmax for more, linear for numbers)");
  cmd->add_option("--loss", f->loss,
                  "mse, bce or cross_entropy (default: bce with sigmoid, cross_entropy with "
                  "softmax, else mse)");
  cmd->add_option("--negative-slope", f->negative_slope, "leaky_relu's slope for z < 0")
      ->capture_default_str();
  deprecated_alias(cmd, "--alpha", "--negative-slope", f->negative_slope);
  cmd->add_option("--weight-init", f->weight_init,
                  "he_normal, he_uniform, glorot_normal, glorot_uniform, or uniform:LOW,HIGH "
                  "(weights and biases, as FANN; uniform alone: -0.1,0.1)")
      ->capture_default_str();
  cmd->add_option("--init-model", f->init_model,
                  "Start from this saved model (its architecture, weights, loss, scaling)");
  deprecated_alias(cmd, "--init", "--init-model", f->init_model);
  cmd->add_option("--optimizer", f->optimizer, "gd, sgd, momentum, adam, rprop")
      ->capture_default_str();
  cmd->add_option("--momentum", f->momentum, "Momentum of --optimizer momentum")
      ->capture_default_str();
  cmd->add_flag("--nesterov", f->nesterov, "Nesterov momentum");
  cmd->add_option("--beta1", f->beta1, "Adam's beta1")->capture_default_str();
  cmd->add_option("--beta2", f->beta2, "Adam's beta2")->capture_default_str();
  cmd->add_option("--adam-epsilon", f->adam_epsilon, "Adam's epsilon")->capture_default_str();
  deprecated_alias(cmd, "--epsilon", "--adam-epsilon", f->adam_epsilon);
  cmd->add_option("--weight-decay", f->weight_decay, "L2 weight decay on weights (not biases)")
      ->capture_default_str();
  cmd->add_option("--clip-norm", f->clip_norm,
                  "Clip the gradients' global L2 norm to this before every step, as PyTorch's "
                  "clip_grad_norm_ (0: off)")
      ->capture_default_str();
  cmd->add_option("--batch-size", f->batch_size, "Mini-batch size")
      ->default_str("full batch (fashion-mnist: 128)");
  cmd->add_flag("--no-shuffle", f->no_shuffle, "Take mini-batches in file order");
  cmd->add_option(
         "--patience", f->patience,
         "Stop after this many epochs without a better validation loss; keep the best (0: off)")
      ->capture_default_str();
  cmd->add_flag("--keep-best", f->keep_best,
                "Keep the epoch with the lowest validation loss; train every epoch all the same "
                "(needs --validation-fraction or --validation-data)");
  cmd->add_option("--stop-loss", f->stop_loss,
                  "Stop once an epoch's training loss is below this (FANN's desired error; 0: off)")
      ->capture_default_str();
  cmd->add_option("--lr-schedule", f->lr_schedule,
                  "Learning rate per epoch, as PyTorch's schedulers: constant, step (StepLR), "
                  "exponential (ExponentialLR), cosine (CosineAnnealingLR), plateau "
                  "(ReduceLROnPlateau on the validation loss, else the training loss); not with "
                  "rprop")
      ->capture_default_str();
  cmd->add_option("--lr-step-size", f->lr_step_size, "step: epochs between decays by --lr-gamma")
      ->default_str("10");
  cmd->add_option("--lr-gamma", f->lr_gamma, "step, exponential: the decay factor")
      ->default_str("0.1");
  cmd->add_option("--lr-t-max", f->lr_t_max,
                  "cosine: epochs of the half period (past it the rate climbs back, as PyTorch's)")
      ->default_str("--epochs");
  cmd->add_option("--lr-min", f->lr_min, "cosine: eta_min; plateau: the lowest rate")
      ->default_str("0");
  cmd->add_option("--lr-patience", f->lr_patience,
                  "plateau: epochs without a better loss (by 1e-4 relative) before a reduction")
      ->default_str("10");
  cmd->add_option("--lr-factor", f->lr_factor, "plateau: lr <- lr * factor")->default_str("0.1");
  cmd->add_option("--rprop-increase", f->rprop_increase, "rprop: eta+, step growth (> 1)")
      ->default_str("1.2");
  cmd->add_option("--rprop-decrease", f->rprop_decrease, "rprop: eta-, step shrink (in (0, 1))")
      ->default_str("0.5");
  cmd->add_option("--rprop-delta-min", f->rprop_delta_min,
                  "rprop: smallest step (> 0; the first step is --lr)")
      ->default_str("1e-06");
  cmd->add_option("--rprop-delta-max", f->rprop_delta_max, "rprop: largest step (>= min)")
      ->default_str("50");
  cmd->add_option("--dropout", f->dropout,
                  "Inverted dropout while training: a rate P in [0, 1) for every hidden layer, or "
                  "one per hidden layer (0.2,0.5); predict and evaluate use the full network")
      ->default_str("0 (none)");
  cmd->add_option("--class-weight", f->class_weight,
                  "Class weights in the training loss: balanced (n_samples / (n_classes * "
                  "count)) or class:weight pairs by name or index (0:1,1:5); others weigh 1")
      ->default_str("none");
  return {cmd, [f] { return run_train(*f); }};
}

// The lesson's experiments: train with the lesson's settings, print its table.
Command add_lesson_command(CLI::App& app, const std::string& name) {
  auto f = std::make_shared<TrainFlags>();
  const bool is_xor = name == "xor";
  f->lesson = is_xor ? TrainFlags::Lesson::xor_ : TrainFlags::Lesson::circle;
  f->dataset = name;
  f->hidden = is_xor ? "4" : "10";
  f->activation = f->output_activation = "sigmoid";
  f->loss = "mse";
  f->optimizer = "gd";
  f->lr = is_xor ? 2.0 : 1.5;
  f->epochs = is_xor ? 10000 : 15000;
  f->print_every = is_xor ? 2000 : 3000;
  CLI::App* cmd = app.add_subcommand(
      name,
      is_xor
          ? "The lesson's section 7: train 2-4-1 sigmoid on XOR with GD, lr 2, 10000 epochs"
          : "The lesson's Exercise 9.4: 2-10-1 sigmoid on the circle data, lr 1.5, 15000 epochs");
  add_common_training_flags(cmd, *f);
  if (!is_xor) {
    f->n = 200, f->noise = 0.1;
    cmd->add_option("--n", f->n, "Samples")->capture_default_str();
    cmd->add_option("--noise", f->noise, "Noise")->capture_default_str();
    cmd->add_option("--data-seed", f->data_seed, "Seed of the data")->capture_default_str();
  }
  return {cmd, [f] { return run_train(*f); }};
}

Command add_xor_command(CLI::App& app) { return add_lesson_command(app, "xor"); }
Command add_circle_command(CLI::App& app) { return add_lesson_command(app, "circle"); }

}  // namespace backprop::cli
