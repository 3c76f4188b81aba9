// cmd_train.cpp — `backprop train`, and the lesson's experiments `backprop xor` and
// `backprop circle`: load or generate data, build the network, train, report, save.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/data/idx.h"
#include "backprop/io/checkpoint.h"
#include "backprop/plot/figures.h"
#include "backprop/train.h"
#include "cli_util.h"
#include "commands.h"

namespace backprop::cli {
namespace {

struct TrainCommandOptions {
  // data
  std::string dataset;
  int n = -1;
  double noise = -1;
  unsigned data_seed = 42;
  std::string data_file, target, targets, features;
  std::string test_file, validation_file;
  double test_fraction = 0, validation_fraction = 0;
  bool standardize = false;
  // network
  std::string hidden = "16", activation = "relu", output_activation, loss;
  std::string weight_init = "he_normal";
  double alpha = 0.01;
  std::string init_model;
  // optimisation
  std::string optimizer = "adam";
  std::optional<double> lr;
  double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weight_decay = 0;
  bool nesterov = false;
  int epochs = 1000, batch_size = 0, patience = 0;
  bool no_shuffle = false;
  unsigned seed = 42;
  std::string precision = "double";
  // output
  int print_every = 0;
  std::string history_file, save_file;
  bool force = false, quiet = false;
  int threads = 0;  // 0: the default, 1 (set in main)
  std::string checkpoint_file, resume_file;
  std::string plot_dir, plot_format = "png";
  bool diagnose = false;
  int checkpoint_every = 0;
  std::string data_dir = kFashionMnistDir;
  // the lesson's experiments print its final table
  enum class Lesson { none, xor_, circle } lesson = Lesson::none;
};

std::string percent(double fraction) {
  const double p = 100.0 * fraction;
  return std::abs(p - std::round(p)) < 1e-9 ? fmt::format("{:.0f}%", p) : fmt::format("{:.1f}%", p);
}

// The lesson's progress line: "Epoch  2000: Loss = 0.000123, Accuracy = 100%".
std::string epoch_line(const EpochRecord& r) {
  std::string line = fmt::format("Epoch {:5d}: Loss = {:.6f}", r.epoch, r.loss);
  if (!std::isnan(r.accuracy)) line += ", Accuracy = " + percent(r.accuracy);
  if (!std::isnan(r.val_loss)) line += fmt::format(", Val loss = {:.6f}", r.val_loss);
  if (!std::isnan(r.val_accuracy)) line += ", Val accuracy = " + percent(r.val_accuracy);
  return line;
}

// An in-place progress line on a terminal: epoch, loss, rate, time left.
class Progress {
 public:
  Progress(bool enabled, int epochs) : enabled_(enabled), epochs_(epochs) {}
  ~Progress() { finish(); }
  // Clears the line, so that what is printed next starts on a clean one.
  void finish() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
    enabled_ = false;
  }
  void update(const EpochRecord& r) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100) && r.epoch + 1 < epochs_) return;
    last_ = now;
    shown_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = (r.epoch + 1) / std::max(seconds, 1e-9);
    const double left = (epochs_ - r.epoch - 1) / rate;
    std::fprintf(stderr, "\r\033[Kepoch %d/%d  loss %.6g%s  %.0f epochs/s  %.0fs left", r.epoch + 1,
                 epochs_, r.loss,
                 std::isnan(r.accuracy) ? "" : ("  accuracy " + percent(r.accuracy)).c_str(), rate,
                 left);
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  int epochs_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_;
};

// Whether the flag was given on this command line (false for flags the command does not have).
bool given(const CLI::App& cmd, const std::string& flag) {
  const CLI::Option* option = cmd.get_option_no_throw(flag);
  return option != nullptr && option->count() > 0;
}

// The optimizer flags; without --lr, adam gets `adam_lr` and the others 0.1 (rprop: Δ0).
OptimizerOptions optimizer_options(const TrainCommandOptions& o, double adam_lr) {
  OptimizerOptions opt;
  opt.kind = optimizer_from_string(o.optimizer);
  opt.lr = o.lr.value_or(opt.kind == OptimizerKind::adam ? adam_lr : 0.1);
  opt.momentum = o.momentum;
  opt.nesterov = o.nesterov;
  opt.beta1 = o.beta1;
  opt.beta2 = o.beta2;
  opt.epsilon = o.epsilon;
  opt.weight_decay = o.weight_decay;
  opt.validate();
  if (opt.kind == OptimizerKind::momentum && o.momentum == 0) opt.kind = OptimizerKind::sgd;
  return opt;
}

// Trains a copy of `network` in precision S and returns it in double.
template <typename S>
TrainResult train_in(Network<double>& network, const Dataset& train_set, const Dataset* val,
                     const TrainOptions& options, const EpochCallback& on_epoch) {
  Network<S> net = network.cast<S>();
  const Matrix<S> x = train_set.x.cast<S>(), y = train_set.y.cast<S>();
  Matrix<S> xv, yv;
  if (val != nullptr) {
    xv = val->x.cast<S>();
    yv = val->y.cast<S>();
  }
  TrainResult result =
      train(net, x, y, options, val ? &xv : nullptr, val ? &yv : nullptr, on_epoch);
  network = net.template cast<double>();
  return result;
}

void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history) {
  auto cell = [](double v) { return std::isnan(v) ? std::string() : fmt::format("{}", v); };
  std::string out = "epoch,loss,accuracy,val_loss,val_accuracy\n";
  for (const EpochRecord& r : history)
    out += fmt::format("{},{},{},{},{}\n", r.epoch, cell(r.loss), cell(r.accuracy),
                       cell(r.val_loss), cell(r.val_accuracy));
  write_file_atomically(path, out);
}

void print_xor_table(Network<double>& net, const Dataset& data) {
  std::printf("\n%s\nFINAL RESULTS\n%s\n", std::string(50, '=').c_str(),
              std::string(50, '=').c_str());
  const Matrix<double>& out = net.forward(data.x);
  for (Eigen::Index j = 0; j < data.x.cols(); ++j) {
    const double pred = out(0, j), truth = data.y(0, j);
    const bool right = (pred > 0.5) == (truth > 0.5);
    std::printf("%s Input: (%.0f, %.0f) \u2192 Output: %.4f \u2192 Predicted: %d (True: %d)\n",
                right ? "\u2713" : "\u2717", data.x(0, j), data.x(1, j), pred, pred > 0.5 ? 1 : 0,
                static_cast<int>(truth));
  }
}

// SIGINT/SIGTERM during training: finish the epoch, write the checkpoint, stop cleanly.
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signal) { stop_signal = signal; }

// The settings that must be the same when a run is resumed from its checkpoint.
std::string fingerprint(const TrainCommandOptions& o, const Network<double>& net,
                        const OptimizerOptions& opt) {
  std::string arch = std::to_string(net.inputs());
  for (const auto& l : net.layers())
    arch += "-" + std::to_string(l.units()) + ":" + to_string(l.activation.kind);
  return fmt::format(
      "net={} loss={} data={} n={} noise={} data_seed={} target={} targets={} features={} "
      "test={}/{} validation={}/{} standardize={} optimizer={} lr={} momentum={} nesterov={} "
      "beta1={} beta2={} epsilon={} weight_decay={} batch={} shuffle={} seed={} precision={} "
      "patience={}",
      arch, to_string(net.loss()), o.data_file.empty() ? o.dataset : o.data_file, o.n, o.noise,
      o.data_seed, o.target, o.targets, o.features, o.test_file, o.test_fraction, o.validation_file,
      o.validation_fraction, o.standardize, to_string(opt.kind), opt.lr, opt.momentum, opt.nesterov,
      opt.beta1, opt.beta2, opt.epsilon, opt.weight_decay, o.batch_size, !o.no_shuffle, o.seed,
      o.precision, o.patience);
}

// One-hot targets (classes x N) from class indices.
Matrix<float> one_hot(const std::vector<int>& labels, int classes) {
  Matrix<float> y = Matrix<float>::Zero(classes, static_cast<Eigen::Index>(labels.size()));
  for (std::size_t j = 0; j < labels.size(); ++j) y(labels[j], static_cast<Eigen::Index>(j)) = 1;
  return y;
}

// backprop train fashion-mnist: 784-256-128-10 relu, softmax + cross_entropy, adam 1e-3,
// batch 128, float32 by default; per epoch the training loss, test accuracy and samples/s.
// --threads, or by default: every core for a net with a wide layer (>= 32768 weights) trained
// on batches of at least 64, when the machine is otherwise idle (1-minute load average below
// cores - 0.5); else one thread. Tiny nets gain nothing, and a thread that has to share a core
// with another process stalls every product. Returns the number set and why.
std::pair<int, std::string> choose_threads(int requested, const Network<double>& net,
                                           std::size_t batch) {
  if (requested > 0) {
    set_threads(requested);
    return {requested, "--threads"};
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Eigen::Index widest = 0;
  for (const auto& layer : net.layers()) widest = std::max(widest, layer.W.size());
  double load = 0;
  const bool load_known = getloadavg(&load, 1) == 1;
  std::string why;
  int n = 1;
  if (cores == 1)
    why = "one core";
  else if (widest < 32768)
    why = "no layer is wide enough to pay for a second thread";
  else if (batch < 64)
    why = "batches under 64 samples";
  else if (!load_known || load >= cores - 0.5)
    why = load_known ? fmt::format("the machine is busy (load {:.1f})", load)
                     : "the load average is unknown";
  else
    n = cores, why = "wide layers, idle machine";
  set_threads(n);
  return {n, "auto: " + why};
}

std::string threads_note(const std::pair<int, std::string>& chosen) {
  return fmt::format("{} thread{} ({})", chosen.first, chosen.first == 1 ? "" : "s", chosen.second);
}

template <typename S>
int train_images(const TrainCommandOptions& o, const CLI::App& cmd) {
  const std::string save = o.save_file.empty() ? "fashion-mnist.json" : o.save_file;
  check_output_path(save, "--save", {}, o.force);
  if (!o.history_file.empty()) check_output_path(o.history_file, "--history", {}, o.force);
  const int epochs = given(cmd, "--epochs") ? o.epochs : 15;
  const int batch = given(cmd, "--batch-size") ? o.batch_size : 128;
  const LabelledImages train_images = load_fashion_mnist(o.data_dir, true);
  const LabelledImages test_images = load_fashion_mnist(o.data_dir, false);
  const int classes = static_cast<int>(train_images.class_names.size());
  const Matrix<S> x = train_images.x.template cast<S>();
  const Matrix<S> y = one_hot(train_images.labels, classes).template cast<S>();
  const Matrix<S> x_test = test_images.x.template cast<S>();
  const Matrix<S> y_test = one_hot(test_images.labels, classes).template cast<S>();

  std::vector<LayerSpec> specs;
  const ActivationSpec hidden{activation_from_string(o.activation), o.alpha};
  for (int units : parse_hidden(given(cmd, "--hidden") ? o.hidden : "256,128"))
    specs.push_back({units, hidden});
  specs.push_back({classes, {Activation::softmax}});
  Network<double> initial(static_cast<int>(x.rows()), specs, Loss::cross_entropy);
  initialize(initial, init_from_string(o.weight_init), o.seed);
  Network<S> net = initial.cast<S>();
  const auto threads = choose_threads(o.threads, initial, static_cast<std::size_t>(batch));

  TrainOptions options;
  options.epochs = epochs;
  options.batch_size = batch;
  options.shuffle = !o.no_shuffle;
  options.seed = o.seed;
  options.classification = true;
  options.optimizer = optimizer_options(o, /*adam_lr=*/1e-3);
  if (!o.quiet)
    std::printf(
        "Training 784-%s-%d on Fashion-MNIST (%zu training, %zu test images), %s lr %g, "
        "batch %d, %d epochs, %s, %s\n",
        given(cmd, "--hidden") ? o.hidden.c_str() : "256-128", classes, train_images.labels.size(),
        test_images.labels.size(), to_string(options.optimizer.kind).c_str(), options.optimizer.lr,
        batch, epochs, sizeof(S) == 4 ? "float32" : "float64", threads_note(threads).c_str());
  std::vector<EpochRecord> history;
  auto last = std::chrono::steady_clock::now();
  double train_seconds = 0;
  const EpochCallback on_epoch = [&](const EpochRecord& r) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - last).count();
    train_seconds += seconds;
    EpochRecord with_test = r;
    with_test.val_loss = 0;  // evaluated below, outside the timed training
    const Matrix<S>& a = net.forward(x_test);
    with_test.val_loss = net.loss_value(y_test);
    with_test.val_accuracy = accuracy(a, y_test);
    history.push_back(with_test);
    if (!o.quiet)
      std::printf(
          "Epoch %3d/%d: train loss %.4f, train accuracy %s, test accuracy %s, "
          "%.0f samples/s (%.2f s)\n",
          r.epoch + 1, epochs, r.loss, percent(r.accuracy).c_str(),
          percent(with_test.val_accuracy).c_str(), x.cols() / seconds, seconds);
    std::fflush(stdout);
    last = std::chrono::steady_clock::now();
    return true;
  };
  train<S>(net, x, y, options, nullptr, nullptr, on_epoch);
  if (!o.quiet)
    std::printf("Trained %zu epochs in %.1f s (%.2f s per epoch); test accuracy %s\n",
                history.size(), train_seconds, train_seconds / history.size(),
                percent(history.back().val_accuracy).c_str());
  if (!o.history_file.empty()) write_history_csv(o.history_file, history);
  Model model{net.template cast<double>(), {}};
  model.info.target_column = "label";
  model.info.class_names = train_images.class_names;
  auto set = [&](const std::string& name, const std::string& json) {
    model.info.settings.emplace_back(name, json);
  };
  set("data", json_string("fashion-mnist"));
  set("optimizer", json_string(to_string(options.optimizer.kind)));
  set("lr", fmt::format("{}", options.optimizer.lr));
  set("epochs", std::to_string(epochs));
  set("batch_size", std::to_string(batch));
  set("seed", std::to_string(o.seed));
  set("precision", json_string(sizeof(S) == 4 ? "float" : "double"));
  set("seconds", fmt::format("{:.3f}", train_seconds));
  for (const EpochRecord& r : history) {
    model.info.loss.push_back(r.loss);
    model.info.accuracy.push_back(r.accuracy);
    model.info.val_loss.push_back(r.val_loss);
    model.info.val_accuracy.push_back(r.val_accuracy);
  }
  save_model(model, save);
  if (!o.quiet) std::printf("Saved the model to %s\n", save.c_str());
  return 0;
}

int run_train(TrainCommandOptions o, const CLI::App& cmd) {
  if (given(cmd, "--batch-size") && o.batch_size <= 0)
    throw usage_error("--batch-size: expected a positive number, found " +
                      std::to_string(o.batch_size) + " (leave the flag out for full batch)");
  if (o.threads < 0)
    throw usage_error("--threads: expected a positive number, found " + std::to_string(o.threads));
  if (o.dataset == "fashion-mnist") {
    if (!o.data_file.empty()) throw usage_error("--data: fashion-mnist is read from --data-dir");
    const std::string precision = given(cmd, "--precision") ? o.precision : "float";
    if (precision == "double") return train_images<double>(o, cmd);
    if (precision == "float") return train_images<float>(o, cmd);
    throw usage_error("--precision: expected double or float, found '" + precision + "'");
  }
  // Outputs are checked before any work, so a long run never ends in an unwritable path.
  const std::vector<std::string> inputs = {o.data_file, o.test_file, o.validation_file,
                                           o.init_model};
  if (!o.save_file.empty()) check_output_path(o.save_file, "--save", inputs, o.force);
  if (!o.history_file.empty()) check_output_path(o.history_file, "--history", inputs, o.force);
  if (!o.checkpoint_file.empty())
    check_output_path(o.checkpoint_file, "--checkpoint", inputs, o.force);
  if (!o.plot_dir.empty()) {
    plot::format_from_string(o.plot_format);
    std::error_code ec;
    if (!std::filesystem::is_directory(o.plot_dir, ec))
      throw usage_error("--plot: directory '" + o.plot_dir + "' does not exist");
  }
  if (o.precision != "double" && o.precision != "float")
    throw usage_error("--precision: expected double or float, found '" + o.precision + "'");
  if (o.print_every < 0)
    throw usage_error("--print-every: expected 0 (off) or a positive number of epochs, found " +
                      std::to_string(o.print_every));
  if (!(o.test_fraction >= 0 && o.test_fraction < 1))
    throw usage_error("--test-fraction: expected a fraction in [0, 1), found " +
                      fmt::format("{}", o.test_fraction));
  if (!(o.validation_fraction >= 0 && o.validation_fraction < 1))
    throw usage_error("--validation-fraction: expected a fraction in [0, 1), found " +
                      fmt::format("{}", o.validation_fraction));
  if (!o.test_file.empty() && o.test_fraction > 0)
    throw usage_error("--test-fraction: give either --test-data or --test-fraction");
  if (!o.validation_file.empty() && o.validation_fraction > 0)
    throw usage_error(
        "--validation-fraction: give either --validation-data or --validation-fraction");

  // ---- the starting model, if any: it fixes architecture, weights, loss, classes, scaling
  std::optional<Model> start;
  if (!o.init_model.empty()) start = read_model(o.init_model);

  // ---- data
  const bool from_csv = !o.data_file.empty();
  if (from_csv == !o.dataset.empty())
    throw usage_error(
        "give a built-in data set (" + fmt::format("{}", fmt::join(dataset_names(), ", ")) +
        ") or --data FILE.csv with --target COL, not " + (from_csv ? "both" : "neither"));
  CsvDatasetOptions csv;
  if (from_csv) {
    if (o.target.empty() == o.targets.empty())
      throw usage_error(
          "--data: also give --target COL (class labels) or --targets A,B "
          "(numeric targets), exactly one of them");
    csv.target = o.target;
    if (!o.targets.empty()) csv.targets = parse_names(o.targets, "--targets");
    if (!o.features.empty()) csv.features = parse_names(o.features, "--features");
    if (start) {
      if (csv.features.empty()) csv.features = start->info.feature_names;
      if (!o.target.empty()) csv.class_names = start->info.class_names;
    }
  } else if (!o.target.empty() || !o.targets.empty() || !o.features.empty()) {
    throw usage_error("--target/--targets/--features go with --data FILE.csv");
  }
  auto load = [&](const std::string& path) { return load_csv_dataset(path, csv); };
  Dataset all = from_csv ? load(o.data_file) : make_dataset(o.dataset, o.n, o.noise, o.data_seed);
  const bool classification = all.is_classification();

  // ---- the network's output and loss, and the target encoding that goes with them
  Network<double> net;
  Activation output_kind;
  Loss loss_kind;
  if (start) {
    net = start->network;
    output_kind = net.layers().back().activation.kind;
    loss_kind = net.loss();
  } else {
    std::optional<Loss> loss;
    if (!o.loss.empty()) loss = loss_from_string(o.loss);
    if (!o.output_activation.empty()) {
      output_kind = activation_from_string(o.output_activation);
    } else if (loss == Loss::bce) {
      output_kind = Activation::sigmoid;
    } else if (loss == Loss::cross_entropy) {
      output_kind = Activation::softmax;
    } else if (classification) {
      output_kind = all.class_names.size() == 2 ? Activation::sigmoid : Activation::softmax;
    } else {
      output_kind = Activation::linear;
    }
    if (loss) {
      loss_kind = *loss;
    } else if (output_kind == Activation::softmax && classification) {
      loss_kind = Loss::cross_entropy;
    } else if (output_kind == Activation::sigmoid && classification) {
      loss_kind = Loss::bce;
    } else {
      loss_kind = Loss::mse;
    }
    check_loss_pairing(loss_kind, output_kind);
  }
  const bool binary = classification && output_kind != Activation::softmax &&
                      all.class_names.size() == 2 && (!start || start->network.outputs() == 1);
  if (classification)
    encode_targets(all, binary ? TargetEncoding::binary : TargetEncoding::one_hot);
  auto encode = [&](Dataset& d) {
    if (classification)
      encode_targets(d, binary ? TargetEncoding::binary : TargetEncoding::one_hot);
  };

  // ---- splits: test first, then validation, each keeping class proportions
  Dataset train_set = all, test_set, val_set;
  bool has_test = false, has_val = false;
  if (o.test_fraction > 0) {
    std::tie(train_set, test_set) = split(train_set, o.test_fraction, o.seed);
    has_test = true;
  } else if (!o.test_file.empty()) {
    test_set = load(o.test_file);
    encode(test_set);
    has_test = true;
  }
  if (o.validation_fraction > 0) {
    std::tie(train_set, val_set) = split(train_set, o.validation_fraction, o.seed + 1);
    has_val = true;
  } else if (!o.validation_file.empty()) {
    val_set = load(o.validation_file);
    encode(val_set);
    has_val = true;
  }
  for (const Dataset* d : {&test_set, &val_set})
    if (classification && !d->class_names.empty() && d->class_names != train_set.class_names &&
        d->x.cols() > 0)
      throw Error(d->source + ": its classes differ from the training data's");

  // Figures are drawn in the data's own units (the model applies its scaling itself).
  const Dataset raw_train = o.plot_dir.empty() ? Dataset{} : train_set;

  // ---- input scaling: fitted on the training split only, or the starting model's
  Standardizer scaler;
  if (start && start->info.input_mean.size() > 0) {
    scaler.mean = start->info.input_mean;
    scaler.scale = start->info.input_scale;
  } else if (o.standardize) {
    scaler = Standardizer::fit(train_set.x);
  }
  if (!scaler.empty())
    for (Dataset* d : {&train_set, &test_set, &val_set})
      if (d->x.cols() > 0) scaler.apply(d->x);

  // ---- the network
  if (!start) {
    std::vector<LayerSpec> specs;
    const ActivationSpec hidden{activation_from_string(o.activation), o.alpha};
    for (int units : parse_hidden(o.hidden)) specs.push_back({units, hidden});
    specs.push_back({static_cast<int>(train_set.y.rows()), {output_kind, o.alpha}});
    net = Network<double>(static_cast<int>(train_set.x.rows()), specs, loss_kind);
    initialize(net, init_from_string(o.weight_init), o.seed);
  }
  if (net.inputs() != train_set.x.rows())
    throw Error(fmt::format("{}: the data has {} input columns, the model {} expects {}",
                            train_set.source, train_set.x.rows(), o.init_model, net.inputs()));
  if (net.outputs() != train_set.y.rows())
    throw Error(fmt::format("{}: the data has {} target rows, the model {} has {} outputs",
                            train_set.source, train_set.y.rows(), o.init_model, net.outputs()));
  if (output_kind == Activation::softmax && loss_kind == Loss::mse)
    std::fprintf(stderr,
                 "backprop: warning: softmax with mse trains badly; cross_entropy is the "
                 "usual loss for a softmax output\n");
  if ((output_kind == Activation::sigmoid || output_kind == Activation::softmax) &&
      (train_set.y.minCoeff() < 0 || train_set.y.maxCoeff() > 1))
    std::fprintf(stderr,
                 "backprop: warning: the targets leave [0, 1] but the output activation "
                 "is %s, whose values cannot reach them\n",
                 to_string(output_kind).c_str());

  // ---- training
  TrainOptions options;
  options.epochs = o.epochs;
  options.batch_size = o.batch_size;
  options.shuffle = !o.no_shuffle;
  options.seed = o.seed;
  options.classification = classification;
  options.patience = o.patience;
  options.optimizer = optimizer_options(o, /*adam_lr=*/0.01);

  // ---- checkpoints, resuming, and stopping cleanly on SIGINT/SIGTERM
  const std::string print = fingerprint(o, net, options.optimizer);
  TrainState resume_state;
  if (!o.resume_file.empty()) {
    std::string saved;
    resume_state = parse_checkpoint(read_file(o.resume_file), o.resume_file, &saved);
    if (saved != print)
      throw usage_error("--resume: " + o.resume_file +
                        " was made with other settings; resume with the same command line.\n"
                        "  checkpoint: " +
                        saved + "\n  this run:   " + print);
    if (resume_state.epochs_done >= o.epochs)
      throw usage_error(fmt::format("--resume: {} has already done {} epochs; --epochs is {}",
                                    o.resume_file, resume_state.epochs_done, o.epochs));
    options.resume = &resume_state;
    if (!o.quiet)
      std::printf("Resuming %s after epoch %d\n", o.resume_file.c_str(),
                  resume_state.epochs_done - 1);
  }
  if (o.checkpoint_every < 0)
    throw usage_error("--checkpoint-every: expected a positive number of epochs, found " +
                      std::to_string(o.checkpoint_every));
  if (o.checkpoint_every > 0 && o.checkpoint_file.empty())
    throw usage_error("--checkpoint-every: also give --checkpoint FILE");
  if (!o.checkpoint_file.empty()) {
    options.checkpoint_every = o.checkpoint_every;
    options.on_checkpoint = [&](const TrainState& state) {
      write_file_atomically(o.checkpoint_file, checkpoint_to_json(state, print));
    };
  }
  stop_signal = 0;
  options.stop_requested = &stop_signal;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  const std::size_t batch_samples =
      o.batch_size > 0 ? static_cast<std::size_t>(o.batch_size) : train_set.size();
  const auto threads = choose_threads(o.threads, net, batch_samples);
  if (!o.quiet && o.lesson == TrainCommandOptions::Lesson::none)
    std::printf(
        "Training %s on %s: %zu samples%s%s, %s, %s lr %g, %d epochs, %s, %s\n",
        [&] {
          std::string a = std::to_string(net.inputs());
          for (const auto& l : net.layers()) a += "-" + std::to_string(l.units());
          return a;
        }()
            .c_str(),
        train_set.source.c_str(), train_set.size(),
        has_val ? fmt::format(" (+{} validation)", val_set.size()).c_str() : "",
        has_test ? fmt::format(" (+{} test)", test_set.size()).c_str() : "",
        to_string(loss_kind).c_str(), to_string(options.optimizer.kind).c_str(),
        options.optimizer.lr, o.epochs,
        o.batch_size > 0 ? fmt::format("batch {}", o.batch_size).c_str() : "full batch",
        threads_note(threads).c_str());
  Progress progress(!o.quiet && o.print_every == 0 && stderr_is_terminal(), o.epochs);
  const EpochCallback on_epoch = [&](const EpochRecord& r) {
    if (o.print_every > 0 && r.epoch % o.print_every == 0 && !o.quiet)
      std::printf("%s\n", epoch_line(r).c_str());
    progress.update(r);
    return true;
  };
  const auto started = std::chrono::steady_clock::now();
  const Dataset* val = has_val ? &val_set : nullptr;
  const TrainResult result = o.precision == "float"
                                 ? train_in<float>(net, train_set, val, options, on_epoch)
                                 : train_in<double>(net, train_set, val, options, on_epoch);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  progress.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  int status = 0;
  if (result.diverged) {
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: error: %s\n", result.divergence.c_str());
    status = 1;
  }
  if (result.interrupted && stop_signal != 0) {
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: stopped by signal %d after epoch %d%s\n",
                 static_cast<int>(stop_signal), result.history.back().epoch,
                 o.checkpoint_file.empty() ? ""
                                           : ("; checkpoint written to " + o.checkpoint_file +
                                              " (continue with --resume)")
                                                 .c_str());
    status = 128 + static_cast<int>(stop_signal);
  }
  if (result.history.empty()) return status;  // diverged in the first epoch: nothing to save

  if (o.diagnose)
    std::fputs(format_diagnostics(backprop::diagnose(net, train_set.x, train_set.y)).c_str(),
               stdout);

  // ---- report
  const EpochRecord& last = result.history.back();
  if (o.lesson == TrainCommandOptions::Lesson::xor_) {
    print_xor_table(net, train_set);
  } else if (!o.quiet) {
    std::printf("Trained %zu epochs in %.3g s%s: loss %.6g", result.history.size(), seconds,
                result.stopped_early
                    ? fmt::format(" (stopped early; kept epoch {})", result.best_epoch).c_str()
                    : "",
                last.loss);
    if (!std::isnan(last.accuracy))
      std::printf(", training accuracy %s", percent(last.accuracy).c_str());
    if (!std::isnan(last.val_loss)) std::printf(", validation loss %.6g", last.val_loss);
    if (!std::isnan(last.val_accuracy))
      std::printf(", validation accuracy %s", percent(last.val_accuracy).c_str());
    std::printf("\n");
  }
  if (o.lesson == TrainCommandOptions::Lesson::circle) {
    const Matrix<double>& a = net.forward(train_set.x);
    std::printf("Final training accuracy: %s\n", percent(accuracy(a, train_set.y)).c_str());
  }
  if (has_test) {
    const Matrix<double>& a = net.forward(test_set.x);
    std::printf("Test: loss %.6g", net.loss_value(test_set.y));
    if (classification) std::printf(", accuracy %s", percent(accuracy(a, test_set.y)).c_str());
    std::printf(" (%zu samples)\n", test_set.size());
  }

  // ---- save
  if (!o.history_file.empty()) write_history_csv(o.history_file, result.history);
  if (!o.save_file.empty() || !o.plot_dir.empty()) {
    Model model{net, {}};
    ModelInfo& info = model.info;
    info.feature_names = train_set.feature_names;
    if (classification) {
      info.target_column = from_csv ? o.target : "label";
      info.class_names = train_set.class_names;
    } else {
      info.target_names = train_set.target_names;
    }
    if (!scaler.empty()) {
      info.input_mean = scaler.mean;
      info.input_scale = scaler.scale;
    }
    auto set = [&](const std::string& name, const std::string& json) {
      info.settings.emplace_back(name, json);
    };
    set("data", json_string(from_csv ? o.data_file : all.source));
    set("samples", std::to_string(train_set.size()));
    if (start) set("init_model", json_string(o.init_model));
    set("hidden_activation", json_string(o.activation));
    set("optimizer", json_string(to_string(options.optimizer.kind)));
    set("lr", fmt::format("{}", options.optimizer.lr));
    if (options.optimizer.kind == OptimizerKind::momentum) {
      set("momentum", fmt::format("{}", o.momentum));
      set("nesterov", o.nesterov ? "true" : "false");
    }
    if (options.optimizer.kind == OptimizerKind::adam) {
      set("beta1", fmt::format("{}", o.beta1));
      set("beta2", fmt::format("{}", o.beta2));
      set("epsilon", fmt::format("{}", o.epsilon));
    }
    if (o.weight_decay > 0) set("weight_decay", fmt::format("{}", o.weight_decay));
    set("epochs", std::to_string(o.epochs));
    set("epochs_run", std::to_string(result.history.size()));
    if (o.patience > 0) {
      set("patience", std::to_string(o.patience));
      set("best_epoch", std::to_string(result.best_epoch));
    }
    set("batch_size", std::to_string(o.batch_size));
    set("shuffle", o.no_shuffle ? "false" : "true");
    set("seed", std::to_string(o.seed));
    if (!start) set("weight_init", json_string(o.weight_init));
    set("precision", json_string(o.precision));
    set("standardize", scaler.empty() ? "false" : "true");
    set("seconds", fmt::format("{:.3f}", seconds));
    for (const EpochRecord& r : result.history) {
      info.loss.push_back(r.loss);
      if (classification) info.accuracy.push_back(r.accuracy);
      if (has_val) info.val_loss.push_back(r.val_loss);
      if (has_val && classification) info.val_accuracy.push_back(r.val_accuracy);
    }
    if (!o.save_file.empty()) {
      save_model(model, o.save_file);
      if (!o.quiet)
        std::printf("Saved the %smodel to %s\n", result.diverged ? "last good " : "",
                    o.save_file.c_str());
    }
    if (!o.plot_dir.empty()) {
      const bool flat = raw_train.x.rows() == 2;
      for (const std::string& path :
           plot::write_training_figures(model, flat ? &raw_train : nullptr, o.plot_dir,
                                        plot::format_from_string(o.plot_format)))
        if (!o.quiet) std::printf("Wrote %s\n", path.c_str());
    }
  }
  return status;
}

// Flags shared by train, xor and circle.
void add_common_training_flags(CLI::App* cmd, TrainCommandOptions& o) {
  cmd->add_option("--hidden", o.hidden, "Hidden layer sizes: 4, or 16,8, or none")
      ->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Learning rate (rprop: initial step)");
  cmd->add_option("--seed", o.seed, "Seed of the weights, shuffles and splits")
      ->capture_default_str();
  cmd->add_option("--print-every", o.print_every,
                  "Print the lesson's progress line every K epochs (0: off)")
      ->capture_default_str();
  cmd->add_option("--precision", o.precision, "double or float")->capture_default_str();
  cmd->add_option("--history", o.history_file, "Write every epoch's figures to this CSV file");
  cmd->add_option("--save", o.save_file, "Save the trained model (JSON)");
  cmd->add_flag("--force", o.force, "Allow an output to overwrite an input file");
  cmd->add_flag("--quiet", o.quiet, "Print nothing but errors and the final results");
  cmd->add_option(
      "--threads", o.threads,
      "Threads for the large matrix products (default: every core for nets with a layer of "
      ">= 32768 weights and batches >= 64 on an idle machine, else 1)");
  cmd->add_option(
      "--plot", o.plot_dir,
      "Write figures to this directory: loss curve; decision boundary and hidden-neuron "
      "maps for 2-D inputs; network diagram for small nets");
  cmd->add_option("--plot-format", o.plot_format, "png, svg or pdf")->capture_default_str();
  cmd->add_flag("--diagnose", o.diagnose,
                "After training: dead relu units, saturated sigmoid/tanh units, gradient norms");
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  CLI::App* cmd =
      app.add_subcommand("train", "Train a network on a built-in data set or a CSV file");
  cmd->add_option("dataset", o->dataset,
                  "A built-in data set: xor, circle, moons, spirals, blobs, fashion-mnist (or use "
                  "--data)");
  cmd->add_option("--data-dir", o->data_dir, "Where fashion-mnist's IDX files are")
      ->capture_default_str();
  cmd->add_option("--data", o->data_file, "Training data: CSV file with a header row");
  cmd->add_option("--target", o->target, "Class-label column of --data (integers or strings)");
  cmd->add_option("--targets", o->targets, "Numeric target columns of --data, e.g. y1,y2");
  cmd->add_option("--features", o->features, "Input columns (default: all other columns)");
  cmd->add_option("--test-data", o->test_file, "Test set (same columns), evaluated after training");
  cmd->add_option("--test-fraction", o->test_fraction,
                  "Hold out this fraction of the data as a test set (stratified)");
  cmd->add_option("--validation-data", o->validation_file, "Validation set, evaluated every epoch");
  cmd->add_option("--validation-fraction", o->validation_fraction,
                  "Hold out this fraction of the training data for validation (stratified)");
  cmd->add_flag("--standardize", o->standardize,
                "Scale inputs to mean 0, std 1 (fitted on the training data, stored in the model)");
  add_generator_options(cmd, o->n, o->noise, o->data_seed, "a built-in data set");
  add_common_training_flags(cmd, *o);
  cmd->add_option("--activation", o->activation,
                  "Hidden activation: sigmoid, tanh, relu, leaky_relu, linear, softmax")
      ->capture_default_str();
  cmd->add_option("--output-activation", o->output_activation,
                  "Output activation (default: sigmoid for 2 classes, softmax for more, linear "
                  "for numeric targets)");
  cmd->add_option("--loss", o->loss,
                  "mse, bce or cross_entropy (default: bce with sigmoid, cross_entropy with "
                  "softmax, mse otherwise)");
  cmd->add_option("--alpha", o->alpha, "leaky_relu slope")->capture_default_str();
  cmd->add_option("--weight-init", o->weight_init,
                  "he_normal, he_uniform, glorot_normal, glorot_uniform")
      ->capture_default_str();
  cmd->add_option("--init", o->init_model,
                  "Start from this saved model (fixes architecture, weights, loss and scaling)");
  cmd->add_option("--optimizer", o->optimizer, "gd, sgd, momentum, adam, rprop")
      ->capture_default_str();
  cmd->add_option("--momentum", o->momentum, "Momentum of --optimizer momentum")
      ->capture_default_str();
  cmd->add_flag("--nesterov", o->nesterov, "Nesterov momentum");
  cmd->add_option("--beta1", o->beta1, "Adam's beta1")->capture_default_str();
  cmd->add_option("--beta2", o->beta2, "Adam's beta2")->capture_default_str();
  cmd->add_option("--epsilon", o->epsilon, "Adam's epsilon")->capture_default_str();
  cmd->add_option("--weight-decay", o->weight_decay, "L2 weight decay on weights (not biases)")
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Mini-batch size (default: full batch)")
      ->capture_default_str();
  cmd->add_flag("--no-shuffle", o->no_shuffle, "Take mini-batches in file order");
  cmd->add_option(
      "--checkpoint", o->checkpoint_file,
      "Write a checkpoint here (every --checkpoint-every epochs, and on SIGINT/SIGTERM)");
  cmd->add_option("--checkpoint-every", o->checkpoint_every, "Epochs between checkpoints");
  cmd->add_option("--resume", o->resume_file,
                  "Continue the run of this checkpoint (same command line otherwise)");
  cmd->add_option("--patience", o->patience,
                  "Stop after this many epochs without a better validation loss; keep the best")
      ->capture_default_str();
  return {cmd, [o, cmd] { return run_train(*o, *cmd); }};
}

Command add_xor_command(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  o->lesson = TrainCommandOptions::Lesson::xor_;
  o->dataset = "xor";
  o->hidden = "4";
  o->activation = "sigmoid";
  o->output_activation = "sigmoid";
  o->loss = "mse";
  o->optimizer = "gd";
  o->lr = 2.0;
  o->epochs = 10000;
  o->print_every = 2000;
  CLI::App* cmd = app.add_subcommand(
      "xor", "The lesson's section 7: train 2-4-1 sigmoid on XOR with GD, lr 2, 10000 epochs");
  add_common_training_flags(cmd, *o);
  return {cmd, [o, cmd] { return run_train(*o, *cmd); }};
}

Command add_circle_command(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  o->lesson = TrainCommandOptions::Lesson::circle;
  o->dataset = "circle";
  o->n = 200;
  o->noise = 0.1;
  o->hidden = "10";
  o->activation = "sigmoid";
  o->output_activation = "sigmoid";
  o->loss = "mse";
  o->optimizer = "gd";
  o->lr = 1.5;
  o->epochs = 15000;
  o->print_every = 3000;
  CLI::App* cmd = app.add_subcommand(
      "circle",
      "The lesson's Exercise 9.4: 2-10-1 sigmoid on the circle data, lr 1.5, 15000 epochs");
  add_common_training_flags(cmd, *o);
  cmd->add_option("--n", o->n, "Samples")->capture_default_str();
  cmd->add_option("--noise", o->noise, "Noise")->capture_default_str();
  cmd->add_option("--data-seed", o->data_seed, "Seed of the data")->capture_default_str();
  return {cmd, [o, cmd] { return run_train(*o, *cmd); }};
}

}  // namespace backprop::cli
