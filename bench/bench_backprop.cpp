// bench_backprop — our side of the benchmark suite, through the library's public API only.
//
//   bench_backprop gd --weights W --data D --lr LR --epochs E [--variant train|loop]
//       W1/W2: full-batch gradient descent in float64, sigmoid layers, mse, the loss of every
//       epoch recorded. `train` is backprop::train() (TrainOptions: sgd, batch 0); `fit` the whole
//       pipeline (backprop::fit() on an in-memory labelled set, accuracy recorded); `loop` is the
//       lesson's loop written with Network's forward / loss_value / backward and the step of an
//       Optimizer with OptimizerOptions::gd(lr) (plain gradient descent, the only update rule).
//   bench_backprop fashion --weights W --data-dir DIR --epochs E --threads T
//                          [--warmup-batches K] [--eval-epochs 5,10]
//       W3: 784-256-128-10 relu, softmax + cross_entropy, adam 1e-3, batch 128, shuffled, float32.
//   bench_backprop latency --weights W --hidden relu|sigmoid --output softmax|sigmoid
//                          [--min-time-ms 50] [--rounds 7]
//       W4: one sample through Network<float>::forward on a 1-column matrix, and through
//       Network<float>::predict_one when the library has it.
//
// Every mode prints one JSON line with its timings, the final loss or accuracy (to show the work
// done was the same as the competitors'), peak RSS and CPU time. Timings use steady_clock.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "backprop/model/fit.h"
#include "backprop/network.h"
#include "backprop/threads.h"
#include "backprop/train.h"
#include "bench_common.h"

#ifdef BENCH_OWN_IDX_READER
#include <zlib.h>
#else
#include "backprop/data/idx.h"
#endif

namespace {

using namespace backprop;
using bench::Clock;
using bench::seconds_since;

template <typename S>
Network<S> make_network(const bench::Weights& w, Activation hidden, Activation output, Loss loss) {
  std::vector<LayerSpec> specs;
  const std::size_t L = w.W.size();
  for (std::size_t l = 0; l < L; ++l)
    specs.push_back({w.sizes[l + 1], {l + 1 == L ? output : hidden}});
  Network<S> net(w.sizes[0], specs, loss);
  for (std::size_t l = 0; l < L; ++l) {
    DenseLayer<S>& layer = net.layer(l);
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i)
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j)
        layer.W(i, j) = static_cast<S>(w.W[l][static_cast<std::size_t>(i * layer.W.cols() + j)]);
    for (Eigen::Index i = 0; i < layer.b.size(); ++i)
      layer.b(i) = static_cast<S>(w.b[l][static_cast<std::size_t>(i)]);
  }
  return net;
}

template <typename S>
Matrix<S> row_major(const std::vector<double>& values, int rows, int cols) {
  Matrix<S> m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      m(i, j) = static_cast<S>(values[static_cast<std::size_t>(i) * cols + j]);
  return m;
}

// Losses at epochs 0, E/10, 2E/10, ..., and the last: enough to compare trajectories.
std::vector<double> checkpoints(const std::vector<double>& history) {
  std::vector<double> out;
  const std::size_t n = history.size();
  for (std::size_t k = 0; k < 10; ++k) out.push_back(history[k * n / 10]);
  out.push_back(history.back());
  return out;
}

// ---- W1/W2 --------------------------------------------------------------------------------------
int run_gd(const bench::Args& args) {
  const bench::Weights w = bench::read_weights(args.get("weights"));
  const bench::Data d = bench::read_data(args.get("data"));
  const double lr = args.number("lr", 0);
  const int epochs = args.integer("epochs", 0);
  const std::string variant = args.get("variant", "train");
  const Matrix<double> x = row_major<double>(d.x, d.features, d.n);
  const Matrix<double> y = row_major<double>(d.y, d.targets, d.n);
  Network<double> net =
      make_network<double>(w, Activation::sigmoid, Activation::sigmoid, Loss::mse);

  if (variant != "train" && variant != "loop" && variant != "fit")
    throw std::runtime_error("--variant: train, fit or loop");
  std::vector<double> history;
  double elapsed = 0;
  const Clock::time_point t0 = Clock::now();
  if (variant == "train") {
    TrainOptions options;
    options.epochs = epochs;
    options.batch_size = 0;  // full batch, the lesson's way
    options.optimizer = OptimizerOptions::gd(lr);
    const TrainResult result = train(net, x, y, options);
    elapsed = seconds_since(t0);
    for (const EpochRecord& r : result.history) history.push_back(r.loss);
  } else if (variant == "fit") {
    // The whole pipeline, as `backprop train` runs it: the data as a labelled in-memory set (one
    // 0/1 target row: two classes), these weights as the starting model, accuracy recorded.
    Dataset data;
    data.x = x;
    data.class_names = {"0", "1"};
    for (Eigen::Index j = 0; j < y.cols(); ++j) data.labels.push_back(y(0, j) > 0.5 ? 1 : 0);
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      data.feature_names.push_back("x" + std::to_string(i + 1));
    FitOptions options = default_fit_options(DataSource::in_memory(data));
    options.init_model = Model{net, {}};
    options.training.epochs = epochs;
    options.training.optimizer = {OptimizerKind::sgd, lr};
    options.threads = 1;
    const FitResult result = fit(options);
    elapsed = seconds_since(t0);
    for (const EpochRecord& r : result.history()) history.push_back(r.loss);
  } else {
    history.reserve(static_cast<std::size_t>(epochs));
    Optimizer<double> gd(net, OptimizerOptions::gd(lr));
    for (int epoch = 0; epoch < epochs; ++epoch) {
      net.forward(x);
      history.push_back(net.loss_value(y));
      net.backward(x, y, /*input_gradient=*/false);  // the lesson's loop has no dL/dx either
      gd.step();
    }
    elapsed = seconds_since(t0);
  }
  bench::Json()
      .add("impl", "ours")
      .add("variant", variant)
      .add("epochs", epochs)
      .add("us_per_epoch", 1e6 * elapsed / epochs)
      .add("seconds", elapsed)
      .add("final_loss", history.back())
      .add("loss_checkpoints", checkpoints(history))
      .print();
  return 0;
}

// ---- W3 -----------------------------------------------------------------------------------------
struct Images {
  Matrix<float> x;  // (784 x N), in [0, 1]
  std::vector<int> labels;
};

#ifdef BENCH_OWN_IDX_READER
std::vector<unsigned char> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + got);
  gzclose(f);
  return out;
}

Images load_images(const std::string& dir, bool train) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  const std::vector<unsigned char> img = read_gz(prefix + "-images-idx3-ubyte.gz");
  const std::vector<unsigned char> lab = read_gz(prefix + "-labels-idx1-ubyte.gz");
  const std::size_t n = lab.size() - 8, pixels = 784;
  if (img.size() != 16 + n * pixels) throw std::runtime_error(prefix + ": unexpected sizes");
  Images out;
  out.x.resize(static_cast<Eigen::Index>(pixels), static_cast<Eigen::Index>(n));
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < pixels; ++i)
      out.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          static_cast<float>(img[16 + j * pixels + i]) / 255.0f;
  out.labels.assign(lab.begin() + 8, lab.end());
  return out;
}
#else
Images load_images(const std::string& dir, bool train) {
  LabelledImages loaded = load_fashion_mnist(dir, train);
  return Images{std::move(loaded.x), std::move(loaded.labels)};
}
#endif

Matrix<float> one_hot(const std::vector<int>& labels, int classes) {
  Matrix<float> y = Matrix<float>::Zero(classes, static_cast<Eigen::Index>(labels.size()));
  for (std::size_t j = 0; j < labels.size(); ++j) y(labels[j], static_cast<Eigen::Index>(j)) = 1;
  return y;
}

std::vector<int> int_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(std::stoi(item));
  return out;
}

int run_fashion(const bench::Args& args) {
  const int threads = args.integer("threads", 1);
  set_threads(threads);  // Eigen and, when built with it, OpenBLAS (OMP_NUM_THREADS is set too)
  const bench::Weights w = bench::read_weights(args.get("weights"));
  const int epochs = args.integer("epochs", 2);
  const int warmup_batches = args.integer("warmup-batches", 20);
  const std::vector<int> eval_epochs = int_list(args.get("eval-epochs", ","));
  const int batch = 128;

  Clock::time_point t0 = Clock::now();
  const Images train_set = load_images(args.get("data-dir"), true);
  const Images test_set = load_images(args.get("data-dir"), false);
  const double load_seconds = seconds_since(t0);
  const Matrix<float> y_train = one_hot(train_set.labels, 10);
  const Matrix<float> y_test = one_hot(test_set.labels, 10);

  Network<float> net =
      make_network<float>(w, Activation::relu, Activation::softmax, Loss::cross_entropy);
  TrainOptions options;
  options.batch_size = batch;
  options.shuffle = true;
  options.seed = 42;
  options.classification = false;  // no per-batch training accuracy: PyTorch does not do it either
  options.optimizer.kind = OptimizerKind::adam;
  options.optimizer.lr = 1e-3;

  // Warm-up on a few batches (first-touch allocations), then back to the initial weights.
  if (warmup_batches > 0) {
    const Eigen::Index n = std::min<Eigen::Index>(train_set.x.cols(), warmup_batches * batch);
    const Matrix<float> xw = train_set.x.leftCols(n), yw = y_train.leftCols(n);
    TrainOptions warm = options;
    warm.epochs = 1;
    train(net, xw, yw, warm);
    const Network<float> fresh =
        make_network<float>(w, Activation::relu, Activation::softmax, Loss::cross_entropy);
    for (std::size_t l = 0; l < net.depth(); ++l) {
      net.layer(l).W = fresh.layer(l).W;
      net.layer(l).b = fresh.layer(l).b;
    }
  }

  std::vector<double> epoch_seconds, eval_accuracy, eval_at;
  double eval_seconds = 0;
  options.epochs = epochs;
  const double cpu0 = bench::cpu_seconds();
  t0 = Clock::now();
  Clock::time_point epoch_start = t0;
  const Matrix<float>* no_validation = nullptr;
  const TrainResult result = train<float>(
      net, train_set.x, y_train, options, no_validation, no_validation, [&](const EpochRecord& r) {
        const Clock::time_point now = Clock::now();
        epoch_seconds.push_back(std::chrono::duration<double>(now - epoch_start).count());
        if (std::find(eval_epochs.begin(), eval_epochs.end(), r.epoch + 1) != eval_epochs.end()) {
          Network<float> copy = net;  // leaves the training network's caches alone
          eval_accuracy.push_back(accuracy(copy.forward(test_set.x), y_test));
          eval_at.push_back(r.epoch + 1);
        }
        epoch_start = Clock::now();
        eval_seconds += std::chrono::duration<double>(epoch_start - now).count();
        return true;
      });
  const double wall = seconds_since(t0) - eval_seconds;
  const double cpu = bench::cpu_seconds() - cpu0;
  // Whether backward also produced dL/dx of the first layer (work training does not need).
  const bool computes_input_gradient = net.input_gradient().size() > 0;

  Network<float> copy = net;
  const double test_accuracy = accuracy(copy.forward(test_set.x), y_test);
  double mean_epoch = 0;
  for (double s : epoch_seconds) mean_epoch += s;
  mean_epoch /= static_cast<double>(epoch_seconds.size());
  const char* omp = std::getenv("OMP_NUM_THREADS");
  bench::Json()
      .add("impl", "ours")
      .add("threads", threads)
      .add("omp_num_threads", omp ? omp : "")
      .add("eigen_nb_threads", Eigen::nbThreads())
      .add("gemm_backend", gemm_backend())
      .add("epochs", epochs)
      .add("samples", static_cast<long>(train_set.x.cols()))
      .add("s_per_epoch", mean_epoch)
      .add("epoch_seconds", epoch_seconds)
      .add("samples_per_s", static_cast<double>(train_set.x.cols()) / mean_epoch)
      .add("cpu_utilisation", cpu / (wall + 1e-12))
      .add("computes_input_gradient", computes_input_gradient)
      .add("final_train_loss", result.history.back().loss)
      .add("test_accuracy", test_accuracy)
      .add("eval_epochs", eval_at)
      .add("eval_test_accuracy", eval_accuracy)
      .add("load_seconds", load_seconds)
      .add("max_rss_kib", bench::max_rss_kib())
      .print();
  return 0;
}

// ---- W4 -----------------------------------------------------------------------------------------
// ns per call of `call`, `rounds` rounds of a count calibrated to about min_time_ms each.
template <typename F>
std::vector<double> time_calls(F&& call, double min_time_ms, int rounds) {
  for (int i = 0; i < 200; ++i) call();  // warm-up
  long n = 16;
  for (;;) {
    const Clock::time_point t0 = Clock::now();
    for (long i = 0; i < n; ++i) call();
    const double ms = 1e3 * seconds_since(t0);
    if (ms >= min_time_ms / 4) {
      n = std::max<long>(n, static_cast<long>(n * min_time_ms / std::max(ms, 1e-3)));
      break;
    }
    n *= 4;
  }
  std::vector<double> ns;
  for (int r = 0; r < rounds; ++r) {
    const Clock::time_point t0 = Clock::now();
    for (long i = 0; i < n; ++i) call();
    ns.push_back(1e9 * seconds_since(t0) / static_cast<double>(n));
  }
  return ns;
}

template <typename N, typename = void>
struct HasPredictOne : std::false_type {};
template <typename N>
struct HasPredictOne<
    N, std::void_t<decltype(std::declval<N&>().predict_one(std::declval<const Vector<float>&>()))>>
    : std::true_type {};

volatile float g_sink = 0;

template <typename Net>
void report_latency(Net& net, const Matrix<float>& x, const std::string& arch, double min_time_ms,
                    int rounds) {
  const std::vector<double> forward =
      time_calls([&] { g_sink = g_sink + net.forward(x)(0, 0); }, min_time_ms, rounds);
  const float out_forward = net.forward(x)(0, 0);
  bench::Json()
      .add("impl", "ours")
      .add("variant", "forward")
      .add("arch", arch)
      .add("ns_per_call", bench::median(forward))
      .add("rounds_ns", forward)
      .add("output0", static_cast<double>(out_forward))
      .print();
  if constexpr (HasPredictOne<Net>::value) {
    const Vector<float> v = x.col(0);
    const std::vector<double> one =
        time_calls([&] { g_sink = g_sink + net.predict_one(v)(0, 0); }, min_time_ms, rounds);
    bench::Json()
        .add("impl", "ours")
        .add("variant", "predict_one")
        .add("arch", arch)
        .add("ns_per_call", bench::median(one))
        .add("rounds_ns", one)
        .add("output0", static_cast<double>(net.predict_one(v)(0, 0)))
        .print();
  }
}

int run_latency(const bench::Args& args) {
  const bench::Weights w = bench::read_weights(args.get("weights"));
  const Activation hidden = activation_from_string(args.get("hidden", "sigmoid"));
  const Activation output = activation_from_string(args.get("output", "sigmoid"));
  const Loss loss = output == Activation::softmax ? Loss::cross_entropy : Loss::mse;
  Network<float> net = make_network<float>(w, hidden, output, loss);
  std::string arch;
  for (std::size_t i = 0; i < w.sizes.size(); ++i)
    arch += (i ? "-" : "") + std::to_string(w.sizes[i]);
  // The same input everywhere: x_i = ((i * 37) mod 101) / 100 (see competitors/inputs.py).
  Matrix<float> x(w.sizes[0], 1);
  for (int i = 0; i < w.sizes[0]; ++i) x(i, 0) = static_cast<float>((i * 37) % 101) / 100.0f;
  report_latency(net, x, arch, args.number("min-time-ms", 50), args.integer("rounds", 7));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2)
      throw std::runtime_error("usage: bench_backprop gd|fashion|latency --key value ...");
    const std::string mode = argv[1];
    const bench::Args args(argc, argv, 2);
    if (mode == "gd") return run_gd(args);
    if (mode == "fashion") return run_fashion(args);
    if (mode == "latency") return run_latency(args);
    throw std::runtime_error("unknown mode '" + mode + "'");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_backprop: %s\n", e.what());
    return 1;
  }
}
