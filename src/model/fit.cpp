// fit.cpp — the training pipeline: data → encoding → splits → scaling → network → training →
// model bundle. Each step is one function below, called in that order by fit().
#include "backprop/model/fit.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "backprop/data/csv_dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/error.h"
#include "backprop/io/checkpoint.h"
#include "backprop/io/files.h"
#include "worker_pool.h"

namespace backprop {

// ---- options ------------------------------------------------------------------------------------

FitOptions default_fit_options(const DataSource& data) {
  FitOptions o;
  o.data = data;
  if (data.kind == DataSource::Kind::fashion_mnist) {
    o.hidden = {256, 128};
    o.training.epochs = 15;
    o.training.batch_size = 128;
    o.training.optimizer.lr = 1e-3;
    o.precision = Precision::float32;
  }
  return o;
}

void FitOptions::validate() const {
  if (!data.given()) throw option_error("FitOptions.data", "give the training data");
  const auto fraction = [](const char* field, double f) {
    if (!(f >= 0 && f < 1))
      throw option_error(field, fmt::format("expected a fraction in [0, 1), found {}", f));
  };
  fraction("FitOptions.test_fraction", test_fraction);
  fraction("FitOptions.validation_fraction", validation_fraction);
  if (test_fraction > 0 && test_data.given())
    throw option_error("FitOptions.test_fraction",
                       "give either FitOptions.test_data or FitOptions.test_fraction");
  if (validation_fraction > 0 && validation_data.given())
    throw option_error("FitOptions.validation_fraction",
                       "give either FitOptions.validation_data or FitOptions.validation_fraction");
  for (const DataSource* s : {&test_data, &validation_data})
    if (s->given() && s->kind != data.kind)
      throw option_error(
          s == &test_data ? "FitOptions.test_data" : "FitOptions.validation_data",
          "must be the same kind of source as the training data (" + data.describe() + ")");
  for (int units : hidden)
    if (units <= 0 || units > 1000000)
      throw option_error("FitOptions.hidden",
                         "expected positive hidden layer sizes, found " + std::to_string(units));
  if (threads < 0)
    throw option_error("FitOptions.threads", "expected a positive number (or 0: choose), found " +
                                                 std::to_string(threads));
  if (training.keep_best && validation_fraction == 0 && !validation_data.given())
    throw option_error("TrainOptions.keep_best",
                       "keeping the best epoch needs validation data "
                       "(FitOptions.validation_fraction or FitOptions.validation_data)");
  if (training.checkpoint_every > 0 && checkpoint_path.empty() && !training.on_checkpoint)
    throw option_error("TrainOptions.checkpoint_every", "also give FitOptions.checkpoint_path");
  if (training.resume != nullptr && !resume_path.empty())
    throw option_error("TrainOptions.resume", "give it or FitOptions.resume_path, not both");
  weight_init.validate();
  for (double rate : dropout)
    if (!(rate >= 0 && rate < 1))
      throw option_error("FitOptions.dropout",
                         fmt::format("expected rates in [0, 1), found {}", rate));
  if (!dropout.empty() && !init_model && dropout.size() != 1 && dropout.size() != hidden.size())
    throw option_error("FitOptions.dropout",
                       fmt::format("expected one rate for every hidden layer or one per hidden "
                                   "layer ({}), found {}",
                                   hidden.size(), dropout.size()));
  for (const auto& [name, weight] : class_weight.weights)
    if (!(weight >= 0) || !std::isfinite(weight))
      throw option_error(
          "FitOptions.class_weight",
          fmt::format("expected a finite weight >= 0 for class '{}', found {}", name, weight));
  training.validate();
}

ClassWeight ClassWeight::parse(const std::string& text) {
  ClassWeight w;
  if (text == "balanced") {
    w.balanced = true;
    return w;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    const std::size_t colon = item.rfind(':');
    char* rest = nullptr;
    const std::string number = colon == std::string::npos ? "" : item.substr(colon + 1);
    const double weight = std::strtod(number.c_str(), &rest);
    if (colon == std::string::npos || colon == 0 || number.empty() || *rest != '\0')
      throw option_error("FitOptions.class_weight",
                         fmt::format("expected \"balanced\" or class:weight pairs such as "
                                     "\"0:1,1:5\", found \"{}\" in \"{}\"",
                                     item, text));
    w.weights.emplace_back(item.substr(0, colon), weight);
    start = end + 1;
  }
  return w;
}

std::string ClassWeight::describe() const {
  if (balanced) return "balanced";
  std::string out;
  for (const auto& [name, weight] : weights)
    out += fmt::format("{}{}:{}", out.empty() ? "" : ",", name, weight);
  return out;
}

std::vector<double> class_weights_for(const ClassWeight& cw, const Dataset& train) {
  if (!cw.given()) return {};
  const std::vector<std::string>& names = train.class_names;
  if (names.empty())
    throw option_error(
        "FitOptions.class_weight",
        "class weights need class-label targets; these targets are numeric (" + train.source + ")");
  const std::size_t k = names.size();
  std::vector<double> w(k, 1.0);
  if (cw.balanced) {
    // n_samples / (n_classes · count_c), as scikit-learn's compute_class_weight("balanced")
    std::vector<double> count(k, 0.0);
    for (int label : train.labels) count.at(static_cast<std::size_t>(label)) += 1;
    for (std::size_t c = 0; c < k; ++c) {
      if (count[c] == 0)
        throw option_error("FitOptions.class_weight",
                           fmt::format("balanced weights need every class in the training data; "
                                       "class '{}' has no training samples",
                                       names[c]));
      w[c] = static_cast<double>(train.labels.size()) / (static_cast<double>(k) * count[c]);
    }
    return w;
  }
  for (const auto& [name, weight] : cw.weights) {
    std::size_t c = std::find(names.begin(), names.end(), name) - names.begin();
    if (c == k) {  // not a class name: a class index?
      char* rest = nullptr;
      const long index = std::strtol(name.c_str(), &rest, 10);
      if (!name.empty() && *rest == '\0' && index >= 0 && static_cast<std::size_t>(index) < k)
        c = static_cast<std::size_t>(index);
    }
    if (c == k)
      throw option_error("FitOptions.class_weight",
                         fmt::format("unknown class '{}' (the classes are {}, or their indices "
                                     "0 to {})",
                                     name, fmt::join(names, ", "), k - 1));
    w[c] = weight;
  }
  return w;
}

// ---- the pipeline's steps -----------------------------------------------------------------------

namespace {

// Whether training reports accuracy: class labels, or numeric targets that look like classes
// (one-hot columns, as FANN's classification sets have them: train.h's looks_like_classes).
bool reports_accuracy(const Dataset& train) {
  return train.is_classification() || (train.y.cols() > 0 && looks_like_classes(train.y));
}

// The output layer and loss: the starting model's, the options', or inferred from the targets.
struct OutputChoice {
  ActivationSpec activation;
  Loss loss = Loss::mse;
  bool binary = false;  // two classes as one 0/1 output
};

OutputChoice choose_output(const FitOptions& o, const Dataset& data) {
  OutputChoice c;
  const bool classes = data.is_classification();
  // Numeric targets that are one-hot (--targets y0..y9, one 1 per sample, as FANN's and PROBEN1's
  // files give classes) are classes too: softmax + cross_entropy unless the options say otherwise.
  const bool one_hot = !classes && data.y.rows() > 1 && looks_like_classes(data.y);
  if (o.init_model) {
    const Network<double>& net = o.init_model->network;
    c.activation = net.layers().back().activation;
    c.loss = net.loss();
  } else {
    c.activation.alpha = o.activation.alpha;
    if (o.output_activation)
      c.activation.kind = *o.output_activation;
    else if (o.loss == Loss::bce)
      c.activation.kind = Activation::sigmoid;
    else if (o.loss == Loss::cross_entropy)
      c.activation.kind = Activation::softmax;
    else if (classes)
      c.activation.kind = data.class_names.size() == 2 ? Activation::sigmoid : Activation::softmax;
    else if (one_hot)
      c.activation.kind = Activation::softmax;
    else
      c.activation.kind = Activation::linear;
    if (o.loss)
      c.loss = *o.loss;
    else if ((classes || one_hot) && c.activation.kind == Activation::softmax)
      c.loss = Loss::cross_entropy;
    else if (classes && c.activation.kind == Activation::sigmoid)
      c.loss = Loss::bce;
    check_loss_pairing(c.loss, c.activation.kind);
  }
  c.binary = classes && c.activation.kind != Activation::softmax && data.class_names.size() == 2 &&
             (!o.init_model || o.init_model->network.outputs() == 1);
  return c;
}

// The training, validation and test sets, encoded for the output; test split off first.
struct Splits {
  Dataset train, validation, test;
  bool has_validation = false, has_test = false;
};

Splits make_splits(const FitOptions& o, const DataSource& source, Dataset all,
                   const OutputChoice& out) {
  const auto encode = [&](Dataset& d) {
    if (d.is_classification())
      encode_targets(d, out.binary ? TargetEncoding::binary : TargetEncoding::one_hot);
  };
  encode(all);
  Splits s;
  s.train = std::move(all);
  const std::vector<std::string>& classes = s.train.class_names;
  if (o.test_fraction > 0) {
    std::tie(s.train, s.test) = split(s.train, o.test_fraction, o.training.seed);
    s.has_test = true;
  } else if (o.test_data.given()) {
    s.test = read_held_out(o.test_data, source, classes);
    s.has_test = true;
  } else if (source.kind == DataSource::Kind::fashion_mnist) {
    s.test = read_data(source, classes, false);  // its own t10k files
    s.has_test = true;
  }
  if (o.validation_fraction > 0) {
    std::tie(s.train, s.validation) = split(s.train, o.validation_fraction, o.training.seed + 1);
    s.has_validation = true;
  } else if (o.validation_data.given()) {
    s.validation = read_held_out(o.validation_data, source, classes);
    s.has_validation = true;
  }
  for (Dataset* d : {&s.test, &s.validation}) {
    if (d->x.cols() == 0) continue;
    if (d->class_names != s.train.class_names)
      throw Error(d->source + ": its classes differ from the training data's");
    if (d->x.rows() != s.train.x.rows())
      throw Error(fmt::format("{}: {} input columns, the training data has {}", d->source,
                              d->x.rows(), s.train.x.rows()));
    encode(*d);
  }
  return s;
}

// The network: the starting model's, or built and initialised from the options.
Network<double> make_network(const FitOptions& o, const Dataset& train, const OutputChoice& out) {
  if (o.init_model) {
    const Network<double>& net = o.init_model->network;
    if (net.inputs() != train.x.rows())
      throw Error(fmt::format("{}: the data has {} input columns, the model {} expects {}",
                              train.source, train.x.rows(), o.init_model_name, net.inputs()));
    if (net.outputs() != train.y.rows())
      throw Error(fmt::format("{}: the data has {} target rows, the model {} has {} outputs",
                              train.source, train.y.rows(), o.init_model_name, net.outputs()));
    return net;
  }
  std::vector<LayerSpec> specs;
  for (int units : o.hidden) specs.push_back({units, o.activation});
  specs.push_back({static_cast<int>(train.y.rows()), out.activation});
  Network<double> net(static_cast<int>(train.x.rows()), specs, out.loss);
  initialize(net, o.weight_init, o.training.seed);
  return net;
}

// Settings that train garbage without failing, said before the first epoch.
std::vector<std::string> warnings_for(const FitOptions& o, const Splits& s, const OutputChoice& out,
                                      const std::vector<std::string>& labels_seen) {
  std::vector<std::string> w;
  const Dataset& d = s.train;
  if (d.is_classification()) {
    const std::size_t k = d.class_names.size();
    bool numeric = true, integral = true;
    for (const std::string& c : labels_seen) {
      char* end = nullptr;
      const double v = std::strtod(c.c_str(), &end);
      numeric = numeric && end != c.c_str() && *end == '\0';
      integral = integral && numeric && v == std::floor(v);
    }
    const std::size_t n = d.size() + s.validation.size() + s.test.size();
    if ((numeric && !integral) || (k >= 10 && 4 * k >= n))
      w.push_back(fmt::format(
          "the class-label column '{}' has {} distinct values among {} samples{}: is it a "
          "numeric target? (DataSource.targets trains a regression on numeric columns)",
          o.data.target.empty() ? "label" : o.data.target, k, n,
          numeric && !integral ? ", and they are not whole numbers" : ""));
  }
  if (o.training.patience > 0 && !s.has_validation)
    w.push_back(
        "early stopping (patience) watches the training loss: there is no validation data; "
        "hold some out (FitOptions.validation_fraction) to stop on unseen data");
  if (out.activation.kind == Activation::softmax && out.loss == Loss::mse)
    w.push_back(
        "softmax with mse trains badly; cross_entropy is the usual loss for a softmax output");
  if ((out.activation.kind == Activation::sigmoid || out.activation.kind == Activation::softmax) &&
      d.y.size() > 0 && (d.y.minCoeff() < 0 || d.y.maxCoeff() > 1))
    w.push_back("the targets leave [0, 1] but the output activation is " +
                to_string(out.activation.kind) + ", whose values cannot reach them");
  return w;
}

// Every setting that shapes the result: a checkpoint is resumed only under the same ones.
std::string fingerprint(const FitOptions& o, const Network<double>& net) {
  std::string arch = std::to_string(net.inputs());
  for (const auto& l : net.layers())
    arch += "-" + std::to_string(l.units()) + ":" + to_string(l.activation.kind);
  const DataSource& d = o.data;
  const OptimizerOptions& opt = o.training.optimizer;
  std::string print = fmt::format(
      "net={} loss={} data={} n={} noise={} data_seed={} target={} targets={} features={} "
      "test={}/{} validation={}/{} standardize={} optimizer={} lr={} momentum={} nesterov={} "
      "beta1={} beta2={} epsilon={} weight_decay={} batch={} shuffle={} seed={} precision={} "
      "patience={}",
      arch, to_string(net.loss()), d.describe(), d.n, d.noise, d.data_seed, d.target,
      fmt::join(d.targets, ","), fmt::join(d.features, ","), o.test_data.describe(),
      o.test_fraction, o.validation_data.describe(), o.validation_fraction, o.standardize,
      to_string(opt.kind), opt.lr, opt.momentum, opt.nesterov, opt.beta1, opt.beta2, opt.epsilon,
      opt.weight_decay, o.training.batch_size, o.training.shuffle, o.training.seed,
      to_string(o.precision), o.training.patience);
  // Only when set, so that checkpoints made before the option existed still resume.
  if (o.training.tolerance != 0) print += fmt::format(" tolerance={}", o.training.tolerance);
  if (opt.clip_norm != 0) print += fmt::format(" clip_norm={}", opt.clip_norm);
  if (o.training.keep_best) print += " keep_best=true";
  if (o.training.lr_schedule.kind != ScheduleKind::constant)
    print += " lr_schedule=" + o.training.lr_schedule.describe(o.training.epochs);
  if (o.training.stop_loss != 0) print += fmt::format(" stop_loss={}", o.training.stop_loss);
  const OptimizerOptions rprop_defaults;
  if (opt.kind == OptimizerKind::rprop && (opt.rprop_increase != rprop_defaults.rprop_increase ||
                                           opt.rprop_decrease != rprop_defaults.rprop_decrease ||
                                           opt.rprop_delta_min != rprop_defaults.rprop_delta_min ||
                                           opt.rprop_delta_max != rprop_defaults.rprop_delta_max))
    print += fmt::format(" rprop={},{},{},{}", opt.rprop_increase, opt.rprop_decrease,
                         opt.rprop_delta_min, opt.rprop_delta_max);
  if (net.has_dropout()) {
    print += " dropout=";
    for (std::size_t l = 0; l + 1 < net.depth(); ++l)
      print += fmt::format("{}{}", l ? "," : "", net.layer(l).dropout);
  }
  if (o.class_weight.given()) print += " class_weight=" + o.class_weight.describe();
  return print;
}

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

// How the model was made, for its file's "training.settings".
std::vector<std::pair<std::string, std::string>> settings_of(const FitOptions& o,
                                                             const FitResult& r) {
  std::vector<std::pair<std::string, std::string>> s;
  const auto set = [&](const std::string& name, const std::string& json) {
    s.emplace_back(name, json);
  };
  const OptimizerOptions& opt = o.training.optimizer;
  set("data", json_string(o.data.describe()));
  set("samples", std::to_string(r.setup.train_samples));
  if (o.init_model) set("init_model", json_string(o.init_model_name));
  if (!o.init_model) set("hidden_activation", json_string(to_string(o.activation.kind)));
  set("optimizer", json_string(to_string(opt.kind)));
  set("lr", fmt::format("{}", opt.lr));
  if (opt.kind == OptimizerKind::momentum) {
    set("momentum", fmt::format("{}", opt.momentum));
    set("nesterov", opt.nesterov ? "true" : "false");
  }
  if (opt.kind == OptimizerKind::adam) {
    set("beta1", fmt::format("{}", opt.beta1));
    set("beta2", fmt::format("{}", opt.beta2));
    set("epsilon", fmt::format("{}", opt.epsilon));
  }
  if (opt.weight_decay > 0) set("weight_decay", fmt::format("{}", opt.weight_decay));
  if (opt.clip_norm > 0) set("clip_norm", fmt::format("{}", opt.clip_norm));
  if (opt.kind == OptimizerKind::rprop) {
    set("rprop_increase", fmt::format("{}", opt.rprop_increase));
    set("rprop_decrease", fmt::format("{}", opt.rprop_decrease));
    set("rprop_delta_min", fmt::format("{}", opt.rprop_delta_min));
    set("rprop_delta_max", fmt::format("{}", opt.rprop_delta_max));
  }
  if (o.training.lr_schedule.kind != ScheduleKind::constant)
    set("lr_schedule", json_string(o.training.lr_schedule.describe(o.training.epochs)));
  if (o.training.stop_loss > 0) set("stop_loss", fmt::format("{}", o.training.stop_loss));
  set("epochs", std::to_string(o.training.epochs));
  set("epochs_run", std::to_string(r.history().size()));
  if (o.training.patience > 0) {
    set("patience", std::to_string(o.training.patience));
    if (o.training.tolerance > 0) set("tolerance", fmt::format("{}", o.training.tolerance));
  }
  if (o.training.keep_best) set("keep_best", "true");
  if (o.training.patience > 0 || o.training.keep_best)
    set("best_epoch", std::to_string(r.training.best_epoch));
  if (r.model.network.has_dropout()) {
    std::vector<double> rates;
    for (std::size_t l = 0; l + 1 < r.model.network.depth(); ++l)
      rates.push_back(r.model.network.layer(l).dropout);
    set("dropout", nlohmann::json(rates).dump());
  }
  if (o.class_weight.given()) set("class_weight", json_string(o.class_weight.describe()));
  set("batch_size", std::to_string(o.training.batch_size));
  set("shuffle", o.training.shuffle ? "true" : "false");
  set("seed", std::to_string(o.training.seed));
  if (!o.init_model) set("weight_init", json_string(to_string(o.weight_init)));
  set("precision", json_string(to_string(o.precision)));
  set("standardize", r.model.is_standardized() ? "true" : "false");
  set("seconds", fmt::format("{:.3f}", r.seconds));
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The test set's loss and accuracy after every epoch: one forward pass of the trained network over
// B fixed blocks of the test columns, block b = [⌊bn/B⌋, ⌊(b+1)n/B⌋), which the training's threads
// share (WorkerPool: idle threads sleep). B depends on n alone, so the figures do not depend on the
// threads: L = (Σ_b L_b n_b) / n in block order, accuracy = (Σ_b right_b) / n. Each worker has its
// own copy of the network whose caches keep the blocks' sizes (at most two): after the first epoch
// an evaluation allocates nothing; it copies the parameters once per worker.
template <typename S>
class TestPass {
 public:
  static constexpr Eigen::Index kBlockSamples = 512;  // samples per block, at least
  static constexpr int kMaxBlocks = 12;               // divisible by 1, 2, 3, 4 and 6 workers

  TestPass(const Dataset& test, const Network<S>& net, int threads, bool classify)
      : classify_(classify) {
    const Eigen::Index n = test.x.cols();
    blocks_ = static_cast<int>(std::clamp<Eigen::Index>(n / kBlockSamples, 1, kMaxBlocks));
    long widest = 0;
    for (const DenseLayer<S>& layer : net.layers())
      widest = std::max(widest, static_cast<long>(layer.W.size()));
    // More than one worker only where a layer is wide enough to pay for a thread (train.h)
    const int workers = widest >= kShardMinWeights ? std::clamp(threads, 1, blocks_) : 1;
    x_.reserve(static_cast<std::size_t>(blocks_));  // no reallocation: x_of_ points into them
    y_.reserve(static_cast<std::size_t>(blocks_));
    for (int b = 0; b < blocks_; ++b) {
      if constexpr (std::is_same_v<S, double>) {
        if (blocks_ == 1) {  // the test set itself, uncopied
          x_of_ = {&test.x}, y_of_ = {&test.y};
          break;
        }
      }
      const Eigen::Index from = start(b, n), size = start(b + 1, n) - from;
      x_.push_back(test.x.middleCols(from, size).template cast<S>());
      y_.push_back(test.y.middleCols(from, size).template cast<S>());
      x_of_.push_back(&x_.back()), y_of_.push_back(&y_.back());
    }
    testers_.assign(static_cast<std::size_t>(workers), net);
    loss_.resize(static_cast<std::size_t>(blocks_));
    right_.resize(static_cast<std::size_t>(blocks_));
    if (workers > 1) pool_.emplace(workers);
  }

  void evaluate(const Network<S>& net, EpochRecord& r) {
    for (Network<S>& tester : testers_)
      for (std::size_t l = 0; l < net.depth(); ++l) {
        tester.layer(l).W = net.layer(l).W;
        tester.layer(l).b = net.layer(l).b;
      }
    auto block = [&](int b, int w) {
      Network<S>& tester = testers_[static_cast<std::size_t>(w)];
      const Matrix<S>& x = *x_of_[static_cast<std::size_t>(b)];
      const Matrix<S>& y = *y_of_[static_cast<std::size_t>(b)];
      const Matrix<S>& a = tester.forward(x);
      const double n_b = static_cast<double>(x.cols());
      loss_[static_cast<std::size_t>(b)] = static_cast<double>(tester.loss_value(y)) * n_b;
      right_[static_cast<std::size_t>(b)] = classify_ ? std::round(accuracy(a, y) * n_b) : 0;
    };
    if (pool_) {
      const ProductThreads one(1);  // the workers' products single-threaded, as in training
      pool_->run(block, blocks_);
    } else {
      for (int b = 0; b < blocks_; ++b) block(b, 0);
    }
    double loss = 0, right = 0, n = 0;
    for (int b = 0; b < blocks_; ++b) {  // in block order
      loss += loss_[static_cast<std::size_t>(b)];
      right += right_[static_cast<std::size_t>(b)];
      n += static_cast<double>(x_of_[static_cast<std::size_t>(b)]->cols());
    }
    r.test_loss = loss / n;
    if (classify_) r.test_accuracy = right / n;
  }

 private:
  Eigen::Index start(int b, Eigen::Index n) const { return n * b / blocks_; }
  bool classify_;
  int blocks_ = 1;
  std::vector<Matrix<S>> x_, y_;               // the blocks in precision S
  std::vector<const Matrix<S>*> x_of_, y_of_;  // block b's inputs and targets
  std::vector<Network<S>> testers_;            // one per worker
  std::vector<double> loss_, right_;           // per block: L_b n_b and right_b
  std::optional<WorkerPool> pool_;
};

// Trains a copy of `network` in precision S, the test set evaluated after every epoch (outside
// the timed loop), and returns the result with the network back in double.
template <typename S>
TrainResult train_in(Network<double>& network, const Splits& s, const TrainOptions& options,
                     const EpochCallback& on_epoch, double& seconds, double& test_seconds) {
  Network<S> net = network.cast<S>();
  // The data in precision S: the double matrices themselves, or float copies.
  Matrix<S> copies[4];
  const auto in_s = [&copies](const Matrix<double>& m, int k) -> const Matrix<S>& {
    if constexpr (std::is_same_v<S, double>) {
      return m;
    } else {
      copies[k] = m.cast<S>();
      return copies[k];
    }
  };
  const Matrix<S>& x = in_s(s.train.x, 0);
  const Matrix<S>& y = in_s(s.train.y, 1);
  const Matrix<S>& xv = in_s(s.validation.x, 2);
  const Matrix<S>& yv = in_s(s.validation.y, 3);
  const bool classify = reports_accuracy(s.train);
  // (several processes: rank 0 reports, the others need not evaluate)
  const bool reports = options.communicator == nullptr || options.communicator->rank() == 0;
  std::optional<TestPass<S>> test;
  if (s.has_test && reports)
    test.emplace(s.test, net, options.threads > 0 ? options.threads : threads(), classify);
  test_seconds = 0;  // the test set's evaluation is not training time
  const EpochCallback with_test = [&](EpochRecord& r) {
    if (test) {
      const auto started = std::chrono::steady_clock::now();
      test->evaluate(net, r);
      test_seconds += seconds_since(started);
    }
    return !on_epoch || on_epoch(r);
  };
  TrainOptions t = options;
  t.classification = classify;
  const auto started = std::chrono::steady_clock::now();
  TrainResult result =
      train(net, x, y, t, s.has_validation ? &xv : nullptr, s.has_validation ? &yv : nullptr,
            s.has_test || on_epoch ? with_test : EpochCallback{});
  seconds = seconds_since(started) - test_seconds;
  network = net.template cast<double>();
  return result;
}

// The data ready for training: loaded, encoded, split, scaled (the raw training split kept).
struct Prepared {
  OutputChoice out;
  Splits s;
  Standardizer scaler;
  Dataset raw_train;  // the training split before scaling (only when it was scaled)
  std::vector<std::string> labels_seen;
};

Prepared prepare(const FitOptions& o) {
  Prepared p;
  DataSource source = o.data;
  if (source.kind == DataSource::Kind::csv && o.init_model && source.features.empty())
    source.features = o.init_model->info.feature_names;  // the columns it was trained on
  Dataset all =
      read_data(source, o.init_model ? o.init_model->info.class_names : std::vector<std::string>{});
  p.labels_seen = all.class_names;
  p.out = choose_output(o, all);
  p.s = make_splits(o, source, std::move(all), p.out);
  // Input scaling: fitted on the training split only, or the starting model's.
  if (o.init_model && o.init_model->is_standardized())
    p.scaler = {o.init_model->info.input_mean, o.init_model->info.input_scale};
  else if (o.standardize)
    p.scaler = Standardizer::fit(p.s.train.x);
  if (!p.scaler.empty()) p.raw_train = p.s.train;  // kept for figures, which show raw units
  if (!p.scaler.empty())
    for (Dataset* d : {&p.s.train, &p.s.test, &p.s.validation})
      if (d->x.cols() > 0) p.scaler.apply(d->x);
  return p;
}

FitSetup describe_setup(const FitOptions& o, const Network<double>& net, const Splits& s) {
  FitSetup setup;
  setup.data = o.data.describe();
  setup.train_samples = s.train.size();
  setup.validation_samples = s.has_validation ? s.validation.size() : 0;
  setup.test_samples = s.has_test ? s.test.size() : 0;
  setup.architecture = std::to_string(net.inputs());
  long widest = 0;
  for (const auto& l : net.layers()) {
    setup.architecture += "-" + std::to_string(l.units());
    widest = std::max(widest, static_cast<long>(l.W.size()));
  }
  setup.loss = net.loss();
  setup.classification = reports_accuracy(s.train);
  const long batch =
      o.training.batch_size > 0 ? o.training.batch_size : static_cast<long>(s.train.size());
  const Communicator* comm = o.training.communicator;
  const int processes = comm != nullptr ? comm->size() : 1;
  setup.processes = processes;
  setup.threads =
      choose_threads(o.threads, widest, batch, comm != nullptr ? comm->local_size() : 1);
  const int shards = shard_count(batch, widest, o.training.deterministic, processes);  // train.h
  if (shards > 1 || processes > 1) {
    const int mine = (shards + processes - 1) / processes;  // a rank's shards, at most
    setup.threads.threads = std::min(setup.threads.threads, mine);
    setup.threads.reason +=
        fmt::format("; data-parallel, {} shard{} per batch", shards, shards > 1 ? "s" : "");
    if (processes > 1)
      setup.threads.reason +=
          fmt::format(" over {} processes ({} sums)", processes,
                      o.training.deterministic             ? "deterministic: gathered"
                      : o.training.optimizer.clip_norm > 0 ? "allreduced"
                                                           : "reduce-scattered");
  } else if (o.training.deterministic && setup.threads.threads > 1) {
    setup.threads = {1, "deterministic: one thread for a net not split into shards"};
  }
  return setup;
}

// The checkpoint to continue, refused when made with other settings or already complete.
TrainState read_resume_state(const FitOptions& o, const std::string& print) {
  std::string saved;
  TrainState state = parse_checkpoint(read_file(o.resume_path), o.resume_path, &saved);
  if (saved != print)
    throw option_error("FitOptions.resume_path",
                       o.resume_path +
                           " was made with other settings; resume with the same "
                           "settings.\n  checkpoint: " +
                           saved + "\n  this run:   " + print);
  if (state.epochs_done >= o.training.epochs)
    throw option_error("FitOptions.resume_path",
                       fmt::format("{} has already done {} epochs; the run has {}", o.resume_path,
                                   state.epochs_done, o.training.epochs));
  return state;
}

// The trained network with everything needed to use it on raw data.
Model bundle(const FitOptions& o, Network<double> net, const Prepared& p) {
  Model model;
  model.network = std::move(net);
  ModelInfo& info = model.info;
  const Dataset& train = p.s.train;
  info.feature_names = train.feature_names;
  if (train.is_classification()) {
    info.target_column = o.data.kind == DataSource::Kind::csv ? o.data.target : "label";
    info.class_names = train.class_names;
  } else {
    info.target_names = train.target_names;
  }
  if (!p.scaler.empty()) info.input_mean = p.scaler.mean, info.input_scale = p.scaler.scale;
  return model;
}

}  // namespace

// ---- fit
// ------------------------------------------------------------------------------------------

const EpochRecord* FitResult::kept_epoch() const {
  if (history().empty()) return nullptr;
  if (training.best_epoch >= 0 && !training.interrupted)
    for (const EpochRecord& r : history())
      if (r.epoch == training.best_epoch) return &r;
  return &history().back();
}

FitResult fit(const FitOptions& o) {
  o.validate();
  FitResult result;
  Prepared p = prepare(o);
  Network<double> net = make_network(o, p.s.train, p.out);
  if (!o.dropout.empty()) {
    try {
      net.set_dropout(o.dropout);
    } catch (const Error& e) {
      throw option_error("FitOptions.dropout", e.what());
    }
  }
  result.warnings = warnings_for(o, p.s, p.out, p.labels_seen);
  if (o.on_warning)
    for (const std::string& w : result.warnings) o.on_warning(w);

  TrainOptions t = o.training;
  t.stop_requested = o.stop_requested;
  t.class_weights = class_weights_for(o.class_weight, p.s.train);
  TrainState resume_state;
  const std::string print = fingerprint(o, net);
  result.setup = describe_setup(o, net, p.s);
  if (!o.resume_path.empty()) {
    resume_state = read_resume_state(o, print);
    t.resume = &resume_state;
    result.setup.resumed_after_epoch = resume_state.epochs_done - 1;
  }
  if (!o.checkpoint_path.empty())
    t.on_checkpoint = [&](const TrainState& state) {
      write_file_atomically(o.checkpoint_path, checkpoint_to_json(state, print));
    };
  if (o.on_start) o.on_start(result.setup);

  result.training =
      o.precision == Precision::float32
          ? train_in<float>(net, p.s, t, o.on_epoch, result.seconds, result.test_seconds)
          : train_in<double>(net, p.s, t, o.on_epoch, result.seconds, result.test_seconds);
  result.model = bundle(o, std::move(net), p);
  result.model.info.history = std::move(result.training.history);  // the one copy: history()
  result.model.info.settings = settings_of(o, result);
  if (!t.class_weights.empty())
    result.model.info.settings.emplace_back("class_weights",
                                            nlohmann::json(t.class_weights).dump());
  if (!result.history().empty()) {  // else it diverged at once: nothing to evaluate
    if (p.s.has_test) result.test = evaluate_prepared(result.model.network, p.s.test);
    if (o.diagnose) {
      Network<double> copy = result.model.network;
      result.diagnostics = diagnose(copy, p.s.train.x, p.s.train.y);
    }
  }
  result.train_data = p.scaler.empty() ? std::move(p.s.train) : std::move(p.raw_train);
  return result;
}

}  // namespace backprop
