#include "backprop/train.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "backprop/error.h"
#include "backprop/random.h"
#include "backprop/threads.h"
#include "worker_pool.h"

namespace backprop {

#if defined(__SSE__)
namespace {
constexpr unsigned kFlushBits = 0x8040;  // FTZ (bit 15) and DAZ (bit 6) of MXCSR
thread_local unsigned worker_saved_csr = 0;
}  // namespace
#endif

FlushDenormals::FlushDenormals() {
#if defined(__SSE__)
  saved_ = _mm_getcsr();
#if defined(_OPENMP)
  // The pool threads that OpenBLAS and Eigen run the large products on have their own MXCSR.
  // (Before the calling thread's: a pool thread started here copies the caller's MXCSR.)
  if (omp_get_max_threads() > 1) {
#pragma omp parallel
    if (omp_get_thread_num() != 0) {
      worker_saved_csr = _mm_getcsr();
      _mm_setcsr(worker_saved_csr | kFlushBits);
    }
  }
#endif
  _mm_setcsr(saved_ | kFlushBits);
#endif
}

FlushDenormals::~FlushDenormals() {
#if defined(__SSE__)
#if defined(_OPENMP)
  if (omp_get_max_threads() > 1) {
#pragma omp parallel
    if (omp_get_thread_num() != 0) _mm_setcsr(worker_saved_csr);
  }
#endif
  _mm_setcsr(saved_);
#endif
}

template <typename S>
int predicted_class(const Matrix<S>& a, Eigen::Index j) {
  if (a.rows() == 1) return a(0, j) > S(0.5) ? 1 : 0;
  // argmax by strict >, so the first of equal (or incomparable) values wins
  Eigen::Index k = 0;
  for (Eigen::Index i = 1; i < a.rows(); ++i)
    if (a(i, j) > a(k, j)) k = i;
  return static_cast<int>(k);
}

template <typename S>
std::vector<int> predicted_classes(const Matrix<S>& a) {
  std::vector<int> classes(static_cast<std::size_t>(a.cols()));
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    classes[static_cast<std::size_t>(j)] = predicted_class(a, j);
  return classes;
}

template <typename S>
double accuracy(const Matrix<S>& a, const Matrix<S>& y) {
  if (a.cols() == 0) return std::numeric_limits<double>::quiet_NaN();
  Eigen::Index right = 0;
  if (a.rows() == 1)  // predicted_class's rule for one output, on the whole row at once
    right = ((a.array() > S(0.5)) == (y.array() > S(0.5))).count();
  else
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      right += predicted_class(a, j) == predicted_class(y, j);  // the target's class, same rule
  return static_cast<double>(right) / static_cast<double>(a.cols());
}

template int predicted_class<float>(const Matrix<float>&, Eigen::Index);
template int predicted_class<double>(const Matrix<double>&, Eigen::Index);
template std::vector<int> predicted_classes<float>(const Matrix<float>&);
template std::vector<int> predicted_classes<double>(const Matrix<double>&);

namespace {

// Copies the columns order[begin, end) of `from` into `to`, one sample per column.
template <typename S>
void gather(const Matrix<S>& from, const std::vector<std::size_t>& order, std::size_t begin,
            std::size_t end, Matrix<S>& to) {
  to.resize(from.rows(), static_cast<Eigen::Index>(end - begin));
  for (std::size_t k = begin; k < end; ++k)
    to.col(static_cast<Eigen::Index>(k - begin)) = from.col(static_cast<Eigen::Index>(order[k]));
}

}  // namespace

namespace {

// Copies n values and says whether all are finite: a value is not finite exactly when all its
// exponent bits are set, and the largest exponent field seen is an integer maximum, which the
// compiler vectorises (a floating-point sum would be a chain of dependent adds).
template <typename S>
bool copy_checking_finite(const S* from, std::size_t n, S* to) {
  using Bits = std::conditional_t<sizeof(S) == 8, std::uint64_t, std::uint32_t>;
  constexpr Bits exponent = sizeof(S) == 8 ? Bits(0x7FF0000000000000ULL) : Bits(0x7F800000U);
  Bits largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, from + i, sizeof bits);
    largest = std::max<Bits>(largest, bits & exponent);
    to[i] = from[i];
  }
  return largest != exponent;
}

// A network's parameters in one flat buffer, kept to fall back on when training diverges.
// take() copies them (the buffer is sized once) and says whether they are all finite.
template <typename S>
struct Snapshot {
  std::vector<S> values;
  bool take(const Network<S>& network) {
    std::size_t n = 0;
    for (const auto& l : network.layers()) n += static_cast<std::size_t>(l.W.size() + l.b.size());
    values.resize(n);
    S* out = values.data();
    bool finite = true;
    for (const auto& l : network.layers()) {
      finite &= copy_checking_finite(l.W.data(), static_cast<std::size_t>(l.W.size()), out);
      out += l.W.size();
      finite &= copy_checking_finite(l.b.data(), static_cast<std::size_t>(l.b.size()), out);
      out += l.b.size();
    }
    return finite;
  }
  void restore(Network<S>& network) const {
    const S* in = values.data();
    for (auto& l : network.layers()) {
      std::copy(in, in + l.W.size(), l.W.data());
      in += l.W.size();
      std::copy(in, in + l.b.size(), l.b.data());
      in += l.b.size();
    }
  }
};

// Where non-finite values first appear, in forward order: "layer 2 (weights)".
// (`passes`: the network whose caches hold the last pass, a replica when data-parallel.)
template <typename S>
std::string first_non_finite(const Network<S>& network, const Network<S>& passes) {
  for (std::size_t l = 0; l < network.depth(); ++l) {
    const std::string at = "layer " + std::to_string(l + 1);
    if (!network.layer(l).W.allFinite()) return at + " (weights)";
    if (!network.layer(l).b.allFinite()) return at + " (biases)";
    if (!passes.z(l).allFinite()) return at + " (pre-activations z)";
    if (!passes.a(l).allFinite()) return at + " (activations a)";
  }
  return "the loss";
}

// A 64-bit fingerprint of values' bits (FNV-1a over whole words), continuing from h.
template <typename S>
std::uint64_t fingerprint(const S* values, std::size_t n, std::uint64_t h) {
  using Bits = std::conditional_t<sizeof(S) == 8, std::uint64_t, std::uint32_t>;
  for (std::size_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, values + i, sizeof bits);
    h = (h ^ bits) * 0x100000001b3ULL;
  }
  return h;
}
constexpr std::uint64_t kFingerprintStart = 0xcbf29ce484222325ULL;

// Its two 32-bit halves as doubles (exact), to travel through a collective of doubles.
void put_fingerprint(std::uint64_t h, double* to) {
  to[0] = static_cast<double>(h >> 32);
  to[1] = static_cast<double>(h & 0xffffffffULL);
}

template <typename S>
std::uint64_t fingerprint(const Network<S>& network) {
  std::uint64_t h = kFingerprintStart;
  for (const auto& l : network.layers()) {
    h = fingerprint(l.W.data(), static_cast<std::size_t>(l.W.size()), h);
    h = fingerprint(l.b.data(), static_cast<std::size_t>(l.b.size()), h);
  }
  return h;
}

// Every process must train on the same data (each reads it itself): the sizes and fingerprints
// of every rank's training (and validation) data, against rank 0's. Throws the same Error on
// every rank when one differs.
template <typename S>
void check_same_data(Communicator& comm, const Matrix<S>& x, const Matrix<S>& y,
                     const Matrix<S>* x_val) {
  constexpr std::size_t kFigures = 8;
  const int P = comm.size();
  std::vector<double> all(kFigures * static_cast<std::size_t>(P));
  double* mine = all.data() + kFigures * static_cast<std::size_t>(comm.rank());
  mine[0] = static_cast<double>(x.cols());
  mine[1] = static_cast<double>(x.rows());
  mine[2] = static_cast<double>(y.rows());
  mine[3] = x_val != nullptr ? static_cast<double>(x_val->cols()) : -1;
  put_fingerprint(fingerprint(x.data(), static_cast<std::size_t>(x.size()), kFingerprintStart),
                  mine + 4);
  put_fingerprint(fingerprint(y.data(), static_cast<std::size_t>(y.size()), kFingerprintStart),
                  mine + 6);
  comm.allgather(all.data(), std::vector<std::size_t>(static_cast<std::size_t>(P), kFigures));
  auto shape = [&](int r) {
    const double* f = all.data() + kFigures * static_cast<std::size_t>(r);
    return std::to_string(static_cast<long>(f[0])) + " samples of " +
           std::to_string(static_cast<long>(f[1])) + " inputs and " +
           std::to_string(static_cast<long>(f[2])) + " targets" +
           (f[3] >= 0 ? ", " + std::to_string(static_cast<long>(f[3])) + " validation samples"
                      : std::string(", no validation data"));
  };
  for (int r = 1; r < P; ++r) {
    const double* f = all.data() + kFigures * static_cast<std::size_t>(r);
    if (!std::equal(f, f + 4, all.data()))
      throw Error("the processes read different training data: rank " + std::to_string(r) +
                  " has " + shape(r) + ", rank 0 " + shape(0) +
                  "; every process must read the same data");
    if (!std::equal(f + 4, f + kFigures, all.data() + 4))
      throw Error("the processes read different training data: rank " + std::to_string(r) +
                  "'s values differ from rank 0's (both " + shape(0) +
                  "); every process must read the same data");
  }
}

std::string short_number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

}  // namespace

// Classification targets: every value 0 or 1, and one 1 per column when there are several rows.
template <typename S>
bool looks_like_classes(const Matrix<S>& y) {
  if (!((y.array() == S(0)) || (y.array() == S(1))).all()) return false;
  return y.rows() == 1 || (y.colwise().sum().array() == S(1)).all();
}
template bool looks_like_classes<float>(const Matrix<float>&);
template bool looks_like_classes<double>(const Matrix<double>&);

int shard_count(long batch_samples, long widest_layer_weights, bool deterministic, int processes) {
  int K = 1;
  if ((widest_layer_weights >= kShardMinWeights || deterministic) &&
      batch_samples >= 2 * kShardSamples)
    K = static_cast<int>(std::min<long>(batch_samples / kShardSamples, kMaxShards));
  if (processes > 1 && !deterministic)
    K = std::max(K, static_cast<int>(std::min<long>(processes, batch_samples)));
  return K;
}

namespace {

// One step over the fixed shard layout (train.h): the workers claim shards and compute their sums
// g_k, each on its own replica of the network; then they add them up, a slice of the parameters
// at a time, in the order k = 0..K-1 into the master network's dW, db, and update that slice.
// Which worker computed a shard never changes a number.
template <typename S>
class DataParallel {
 public:
  // comm: the other processes (distributed.h), or null; gather: the deterministic sum across them
  DataParallel(Network<S>& master, int workers, int max_shards, Communicator* comm, bool gather)
      : master_(master),
        replicas_(static_cast<std::size_t>(workers)),
        comm_(comm != nullptr && comm->size() > 1 ? comm : nullptr),
        gather_(gather),
        pool_(workers) {
    for (Replica& r : replicas_) r.net = master;
    parameters_ = static_cast<Eigen::Index>(master.parameter_count());
    sums_.resize(parameters_, max_shards);
    Eigen::Index at = 0;  // where each tensor (W1, b1, W2, ...) starts in a column of sums_
    for (const DenseLayer<S>& layer : master.layers())
      for (Eigen::Index n : {layer.W.size(), layer.b.size()}) {
        sizes_.push_back(n);
        offsets_.push_back(at);
        at += n;
      }
    // across processes, the deterministic sum: per shard, the loss sum and right answers in
    // double (allgather); the default: the slices' buffers
    if (comm_) stats_.resize(2, max_shards), lay_out_slices();
    loss_.resize(static_cast<std::size_t>(max_shards));
    right_.resize(static_cast<std::size_t>(max_shards));
    holder_.resize(static_cast<std::size_t>(max_shards));
    held_.resize(static_cast<std::size_t>(workers));
  }

  // One training step on the batch order[begin, end) in K shards: the master's dW, db = Σ_k g_k,
  // then the optimizer's update, both split between the workers. Adds the batch's loss sum
  // Σ_j l_j and (when classifying) its right answers to loss_sum and right.
  void step(Optimizer<S>& optimizer, const Matrix<S>& x, const Matrix<S>& y,
            const std::vector<std::size_t>& order, std::size_t begin, std::size_t end, int K,
            const TrainOptions& options, bool classify, double& loss_sum, double& right) {
    const std::size_t N = end - begin;
    const int T = pool_.size();
    // this process's shards [k0, k1) of the K (all of them without other processes)
    const int P = comm_ ? comm_->size() : 1;
    const auto first_shard = [&](int rank) { return static_cast<int>(long(K) * rank / P); };
    const int k0 = first_shard(comm_ ? comm_->rank() : 0),
              k1 = first_shard(comm_ ? comm_->rank() + 1 : 1);
    const std::uint64_t t = static_cast<std::uint64_t>(optimizer.steps());
    // Shard k on worker w's replica. A worker may claim several shards (pool_.run): the
    // gradient of its previous one is moved out to sums_ first, its last one stays in the
    // replica's dW, db (holder_[k] = w).
    for (int& h : held_) h = -1;
    // shard k is the batch's samples [shard_start(k), shard_start(k + 1)): ⌊kN/K⌋ on from begin
    auto shard_start = [&](int k) {
      return begin + N * static_cast<std::size_t>(k) / static_cast<std::size_t>(K);
    };
    // Every replica's buffers for this step's shard sizes, allocated here on the calling thread
    // the first time a size comes: which worker claims which shard varies from run to run, and a
    // replica meeting a size for the first time late in training would allocate then.
    for (int k = k0; k < k1; ++k) {  // the step's shards have at most two sizes
      const std::size_t s0 = shard_start(k), s1 = shard_start(k + 1);
      const Eigen::Index n = static_cast<Eigen::Index>(s1 - s0);
      for (Replica& r : replicas_) {
        if (r.xs[0].cols() == n || r.xs[1].cols() == n) continue;
        const int slot = (r.recycle ^= 1);
        gather(x, order, s0, s1, r.xs[slot]);
        gather(y, order, s0, s1, r.ys[slot]);
        r.net.forward_training(r.xs[slot], {options.seed, t, order.data() + s0});
        r.net.backward(r.xs[slot], r.ys[slot], false, options.class_weights,
                       static_cast<Eigen::Index>(N));
      }
    }
    auto shard = [&](int item, int w) {
      const int k = k0 + item;
      Replica& r = replicas_[static_cast<std::size_t>(w)];
      int& held = held_[static_cast<std::size_t>(w)];
      if (held < 0) {
        for (std::size_t l = 0; l < master_.depth(); ++l) {  // the master's parameters
          r.net.layer(l).W = master_.layer(l).W;
          r.net.layer(l).b = master_.layer(l).b;
        }
      } else {
        park(w);
      }
      const std::size_t s0 = shard_start(k), s1 = shard_start(k + 1);
      const Eigen::Index n = static_cast<Eigen::Index>(s1 - s0);
      // two buffers each, as the network's caches: shards of two sizes reuse their storage
      int slot = r.xs[0].cols() == n ? 0 : r.xs[1].cols() == n ? 1 : (r.recycle ^= 1);
      gather(x, order, s0, s1, r.xs[slot]);
      gather(y, order, s0, s1, r.ys[slot]);
      const Matrix<S>& a = r.net.forward_training(r.xs[slot], {options.seed, t, order.data() + s0});
      const std::size_t kk = static_cast<std::size_t>(k);
      // l_k = L(shard) n_k: the shard's loss sum
      loss_[kk] = static_cast<double>(r.net.loss_value(r.ys[slot], options.class_weights)) *
                  static_cast<double>(n);
      right_[kk] = classify ? accuracy(a, r.ys[slot]) * static_cast<double>(n) : 0;
      // g_k: the loss divides by the batch's N, not n_k (losses.h)
      r.net.backward(r.xs[slot], r.ys[slot], false, options.class_weights,
                     static_cast<Eigen::Index>(N));
      held = k;
      holder_[kk] = w;
    };
    pool_.run(shard, k1 - k0);
    if (comm_ && !gather_ && optimizer.options().clip_norm == 0) {
      // g = Σ over ranks of each rank's Σ_k g_k, each rank getting and updating its slice
      update_slices(optimizer, k0, k1, loss_sum, right);
      return;
    }
    if (comm_ && !gather_) {  // with clipping (the whole g's norm): one allreduce of all of g
      reduce_across(k0, k1);
      optimizer.begin_step();
      auto update = [&](int p, int) { optimizer.update_part(p, T); };
      pool_.run(update, T);
      loss_sum += static_cast<double>(flat_(parameters_));
      right += static_cast<double>(flat_(parameters_ + 1));
      return;
    }
    if (comm_) gather_across(K, k0, k1);  // every g_k on every rank, then the same sum
    // g = ((g_0 + g_1) + ...) + g_{K-1}, element by element; part p of T adds a slice of every
    // tensor (the optimizer's slice, optimizers.h, which update_part(p, T) then updates)
    auto reduce = [&](int p, int) {
      for (std::size_t i = 0; i < sizes_.size(); ++i) {
        const Eigen::Index from = slice_begin(sizes_[i], p, T),
                           until = slice_begin(sizes_[i], p + 1, T);
        fold(i, 0, K, from, until, tensor(master_.layer(i / 2), i, true) + from);
      }
    };
    auto reduce_and_update = [&](int p, int w) {
      reduce(p, w);
      optimizer.update_part(p, T);
    };
    auto update = [&](int p, int) { optimizer.update_part(p, T); };
    if (optimizer.options().clip_norm > 0) {  // clipping needs the whole g first
      pool_.run(reduce, T);
      optimizer.begin_step();
      pool_.run(update, T);
    } else {
      optimizer.begin_step();  // the step count only
      pool_.run(reduce_and_update, T);
    }
    for (int k = 0; k < K; ++k) {  // in shard order
      loss_sum += loss_[static_cast<std::size_t>(k)];
      right += right_[static_cast<std::size_t>(k)];
    }
  }

  // A replica whose caches hold the last shard's pass (for the divergence message).
  const Network<S>& replica() const { return replicas_.front().net; }

 private:
  // Moves the g_k that worker w's replica holds into sums_'s column k.
  void park(int w) {
    int& held = held_[static_cast<std::size_t>(w)];
    S* g = sums_.col(held).data();
    for (const DenseLayer<S>& layer : replicas_[static_cast<std::size_t>(w)].net.layers()) {
      g = std::copy(layer.dW.data(), layer.dW.data() + layer.dW.size(), g);
      g = std::copy(layer.db.data(), layer.db.data() + layer.db.size(), g);
    }
    holder_[static_cast<std::size_t>(held)] = -1;
    held = -1;
  }

  // Where g_k's tensor i (W1, b1, W2, ...) is: a replica's dW or db, or parked in sums_.
  const S* gradient(int k, std::size_t i) const {
    const int w = holder_[static_cast<std::size_t>(k)];
    if (w < 0) return sums_.col(k).data() + offsets_[i];
    const DenseLayer<S>& layer = replicas_[static_cast<std::size_t>(w)].net.layer(i / 2);
    return i % 2 == 0 ? layer.dW.data() : layer.db.data();
  }
  // Tensor i of a layer: its weights or biases (or their gradients).
  static S* tensor(DenseLayer<S>& layer, std::size_t i, bool gradient) {
    if (gradient) return i % 2 == 0 ? layer.dW.data() : layer.db.data();
    return i % 2 == 0 ? layer.W.data() : layer.b.data();
  }
  // to[e - from] = ((g_k0 + g_k0+1) + ...) + g_{k1-1} at elements e of [from, until) of tensor i,
  // always in this order (k1 > k0).
  void fold(std::size_t i, int k0, int k1, Eigen::Index from, Eigen::Index until, S* to) const {
    const S* g = gradient(k0, i);
    std::copy(g + from, g + until, to);
    for (int k = k0 + 1; k < k1; ++k) {
      g = gradient(k, i);
      for (Eigen::Index e = from; e < until; ++e) to[e - from] += g[e];
    }
  }
  // Moves every g_k still in a replica into sums_.
  void park_all() {
    for (int w = 0; w < static_cast<int>(held_.size()); ++w)
      if (held_[static_cast<std::size_t>(w)] >= 0) park(w);
  }

  // The buffers of update_slices, by rank: block q holds slice q of P of every tensor
  // (slice_begin, optimizers.h), one tensor after another; a gradient block also carries the
  // loss sum and right answers. (flat_ also serves reduce_across.)
  void lay_out_slices() {
    const int P = comm_->size();
    slice_values_.assign(static_cast<std::size_t>(P), 0);
    for (int q = 0; q < P; ++q)
      for (Eigen::Index n : sizes_)
        slice_values_[static_cast<std::size_t>(q)] +=
            static_cast<std::size_t>(slice_begin(n, q + 1, P) - slice_begin(n, q, P));
    with_loss_ = slice_values_;
    for (std::size_t& v : with_loss_) v += 2;
    flat_.resize(parameters_ + 2 * P);
    slices_.resize(parameters_);
    mine_.resize(static_cast<Eigen::Index>(with_loss_[static_cast<std::size_t>(comm_->rank())]));
  }

  // Default across processes: this rank's Σ_{k0 <= k < k1} g_k in order (zero without shards),
  // block by block; a reduce-scatter gives rank r the sum over ranks of its block, which goes into
  // the master's dW, db; the optimizer updates that slice (the rank's workers splitting it); an
  // allgather gives every rank every updated slice. Each rank's optimizer state is current on
  // its own slice only (share_state gathers it for a checkpoint).
  void update_slices(Optimizer<S>& optimizer, int k0, int k1, double& loss_sum, double& right) {
    const int P = comm_->size(), r = comm_->rank(), T = pool_.size();
    double loss = 0, rights = 0;
    for (int k = k0; k < k1; ++k) {
      loss += loss_[static_cast<std::size_t>(k)];
      rights += right_[static_cast<std::size_t>(k)];
    }
    S* out = flat_.data();
    for (int q = 0; q < P; ++q) {
      for (std::size_t i = 0; i < sizes_.size(); ++i) {
        const Eigen::Index from = slice_begin(sizes_[i], q, P),
                           until = slice_begin(sizes_[i], q + 1, P);
        if (k0 == k1)
          std::fill(out, out + (until - from), S(0));
        else
          fold(i, k0, k1, from, until, out);
        out += until - from;
      }
      *out++ = static_cast<S>(loss);
      *out++ = static_cast<S>(rights);
    }
    comm_->reduce_scatter_sum(flat_.data(), mine_.data(), with_loss_);
    const S* in = mine_.data();
    for (std::size_t i = 0; i < sizes_.size(); ++i) {  // into the master's dW, db
      const Eigen::Index from = slice_begin(sizes_[i], r, P),
                         until = slice_begin(sizes_[i], r + 1, P);
      std::copy(in, in + (until - from), tensor(master_.layer(i / 2), i, true) + from);
      in += until - from;
    }
    loss_sum += static_cast<double>(in[0]);
    right += static_cast<double>(in[1]);
    optimizer.begin_step();
    auto update = [&](int t, int) { optimizer.update_part(r * T + t, P * T); };
    pool_.run(update, T);
    share_slices([&](std::size_t i) { return tensor(master_.layer(i / 2), i, false); });
  }

  // Every rank's slice of some tensors (tensor_of(i): the i-th, W1, b1, ...) to every rank.
  template <typename TensorOf>
  void share_slices(TensorOf tensor_of) {
    const int P = comm_->size(), r = comm_->rank();
    auto walk = [&](int q, bool pack) {
      S* at = slices_.data();
      for (int b = 0; b < q; ++b) at += slice_values_[static_cast<std::size_t>(b)];
      for (std::size_t i = 0; i < sizes_.size(); ++i) {
        const Eigen::Index from = slice_begin(sizes_[i], q, P),
                           until = slice_begin(sizes_[i], q + 1, P);
        S* t = tensor_of(i);
        if (pack)
          std::copy(t + from, t + until, at);
        else
          std::copy(at, at + (until - from), t + from);
        at += until - from;
      }
    };
    walk(r, true);
    comm_->allgather(slices_.data(), slice_values_);
    for (int q = 0; q < P; ++q)
      if (q != r) walk(q, false);
  }

 public:
  // The optimizer's state, whole on every rank (update_slices keeps only the rank's slice
  // current): before a checkpoint. Every rank calls it.
  void share_state(Optimizer<S>& optimizer) {
    if (!comm_ || gather_ || optimizer.options().clip_norm > 0 || slices_.size() == 0) return;
    auto& state = optimizer.state();
    if (!state.empty() && state[0].first.size() > 0)
      share_slices([&](std::size_t i) { return state[i].first.data(); });
    if (!state.empty() && state[0].second.size() > 0)
      share_slices([&](std::size_t i) { return state[i].second.data(); });
  }

 private:
  // With clipping (which needs the whole g's norm): flat_ = Σ_{k0 <= k < k1} g_k in order (zero
  // for a rank without shards), with the loss sum and right answers; one allreduce adds the
  // ranks' flat_; the sum goes into the master's dW, db, and every rank updates everything.
  void reduce_across(int k0, int k1) {
    park_all();
    flat_.setZero();
    for (int k = k0; k < k1; ++k) {
      flat_.head(parameters_) += sums_.col(k);
      flat_(parameters_) += S(loss_[static_cast<std::size_t>(k)]);
      flat_(parameters_ + 1) += S(right_[static_cast<std::size_t>(k)]);
    }
    comm_->allreduce_sum(flat_.data(), static_cast<std::size_t>(flat_.size()));
    const S* g = flat_.data();
    for (DenseLayer<S>& layer : master_.layers()) {
      std::copy(g, g + layer.dW.size(), layer.dW.data());
      g += layer.dW.size();
      std::copy(g, g + layer.db.size(), layer.db.data());
      g += layer.db.size();
    }
  }

  // Deterministic across processes: every rank's g_k (and their loss figures) to every rank,
  // into sums_ and loss_, right_: the sum is then the one-process sum, in the same order.
  void gather_across(int K, int k0, int k1) {
    park_all();
    for (int k = k0; k < k1; ++k) {
      stats_(0, k) = loss_[static_cast<std::size_t>(k)];
      stats_(1, k) = right_[static_cast<std::size_t>(k)];
    }
    // rank r's block: its shards' columns
    const int P = comm_->size();
    values_.resize(static_cast<std::size_t>(P));
    stat_values_.resize(static_cast<std::size_t>(P));
    for (int r = 0; r < P; ++r) {
      const auto shards = static_cast<std::size_t>(long(K) * (r + 1) / P - long(K) * r / P);
      values_[static_cast<std::size_t>(r)] = shards * static_cast<std::size_t>(parameters_);
      stat_values_[static_cast<std::size_t>(r)] = shards * 2;
    }
    comm_->allgather(sums_.data(), values_);
    comm_->allgather(stats_.data(), stat_values_);
    for (int k = 0; k < K; ++k) {
      holder_[static_cast<std::size_t>(k)] = -1;
      loss_[static_cast<std::size_t>(k)] = stats_(0, k);
      right_[static_cast<std::size_t>(k)] = stats_(1, k);
    }
  }

  struct Replica {
    Network<S> net;
    Matrix<S> xs[2], ys[2];
    int recycle = 0;
  };
  Network<S>& master_;
  std::vector<Replica> replicas_;
  Eigen::Index parameters_ = 0;
  Matrix<S> sums_;  // parameters x shards: column k is g_k, the tensors one after another
  std::vector<double> loss_, right_;
  Communicator* comm_;  // other processes, or null
  bool gather_;
  Vector<S> flat_;
  Matrix<double> stats_;
  std::vector<Eigen::Index> sizes_, offsets_;  // tensor i's size and place in a column of sums_
  // update_slices: values per rank's slice (with and without the loss figures), the rank's
  // reduced block, the parameters' slices
  std::vector<std::size_t> slice_values_, with_loss_;
  Vector<S> mine_, slices_;
  std::vector<std::size_t> values_, stat_values_;  // allgather's counts per rank
  std::vector<int> holder_;  // per shard: the worker whose replica holds g_k, or -1 (in sums_)
  std::vector<int> held_;    // per worker: the shard its replica holds, or -1
  WorkerPool pool_;
};

}  // namespace

void TrainOptions::validate() const {
  if (epochs <= 0)
    throw option_error("TrainOptions.epochs",
                       "expected a positive number, found " + std::to_string(epochs));
  if (batch_size < 0)
    throw option_error(
        "TrainOptions.batch_size",
        "expected a positive number (or 0 for full batch), found " + std::to_string(batch_size));
  if (patience < 0)
    throw option_error(
        "TrainOptions.patience",
        "expected 0 (off) or a positive number of epochs, found " + std::to_string(patience));
  if (!(tolerance >= 0) || !std::isfinite(tolerance))
    throw option_error("TrainOptions.tolerance",
                       "expected a finite number >= 0, found " + std::to_string(tolerance));
  if (!(stop_loss >= 0) || !std::isfinite(stop_loss))
    throw option_error("TrainOptions.stop_loss",
                       "expected 0 (off) or a positive loss, found " + std::to_string(stop_loss));
  lr_schedule.validate();
  if (lr_schedule.kind != ScheduleKind::constant && optimizer.kind == OptimizerKind::rprop)
    throw option_error("TrainOptions.lr_schedule",
                       "rprop takes its initial step sizes from OptimizerOptions.lr once and "
                       "adapts them itself; a " +
                           to_string(lr_schedule.kind) + " schedule does not apply to it");
  for (double w : class_weights)
    if (!(w >= 0) || !std::isfinite(w))
      throw option_error("TrainOptions.class_weights",
                         "expected finite weights >= 0, found " + std::to_string(w));
  if (threads < 0)
    throw option_error(
        "TrainOptions.threads",
        "expected a positive number (or 0: threads()), found " + std::to_string(threads));
  if (checkpoint_every < 0)
    throw option_error("TrainOptions.checkpoint_every",
                       "expected 0 (never) or a positive number of epochs, found " +
                           std::to_string(checkpoint_every));
  optimizer.validate();
}

template <typename S>
TrainResult train(Network<S>& network, const Matrix<S>& x, const Matrix<S>& y,
                  const TrainOptions& options, const Matrix<S>* x_val, const Matrix<S>* y_val,
                  const EpochCallback& on_epoch) {
  options.validate();
  if (x.cols() != y.cols())
    throw Error("the inputs have " + std::to_string(x.cols()) + " samples, the targets " +
                std::to_string(y.cols()));
  if (options.keep_best && x_val == nullptr)
    throw option_error(
        "TrainOptions.keep_best",
        "keeping the best epoch needs validation data (FitOptions.validation_fraction "
        "or FitOptions.validation_data)");
  const std::size_t classes = network.outputs() == 1 ? 2 : std::size_t(network.outputs());
  if (!options.class_weights.empty() && options.class_weights.size() != classes)
    throw option_error("TrainOptions.class_weights",
                       "expected " + std::to_string(classes) + " weights (one per class), found " +
                           std::to_string(options.class_weights.size()));
  if ((x_val == nullptr) != (y_val == nullptr))
    throw Error("validation needs both inputs and targets");

  const bool classify = options.classification.value_or(looks_like_classes(y));
  FlushDenormals flush;
  Optimizer<S> optimizer(network, options.optimizer);
  Random random(options.seed);
  LrScheduler scheduler(options.lr_schedule, options.optimizer.lr, options.epochs);
  TrainResult result;
  result.history.reserve(static_cast<std::size_t>(options.epochs));
  double best = std::numeric_limits<double>::infinity();
  Network<S> best_network;
  int since_best = 0, first_epoch = 0;
  if (const TrainState* r = options.resume) {
    // Continue exactly: parameters, optimizer state and time, generator, history, early stopping.
    if (r->network.depth() != network.depth())
      throw Error("the checkpoint's network has " + std::to_string(r->network.depth()) +
                  " layers, this one " + std::to_string(network.depth()));
    network = r->network.cast<S>();
    auto& state = optimizer.state();
    if (r->optimizer_first.size() != state.size() || r->optimizer_second.size() != state.size())
      throw Error("the checkpoint's optimizer state does not fit this network");
    for (std::size_t k = 0; k < state.size(); ++k) {
      state[k].first = r->optimizer_first[k].cast<S>();
      state[k].second = r->optimizer_second[k].cast<S>();
    }
    optimizer.set_steps(r->steps);
    random.restore(r->random_state);
    result.history = r->history;
    best = r->best;
    result.best_epoch = r->best_epoch;
    since_best = r->since_best;
    if (r->best_epoch >= 0) best_network = r->best_network.cast<S>();
    first_epoch = r->epochs_done;
    if (r->scheduler) scheduler.restore(*r->scheduler);
  }
  auto snapshot_state = [&](int epochs_done) {
    TrainState state;
    state.epochs_done = epochs_done;
    state.steps = optimizer.steps();
    state.network = network.template cast<double>();
    for (auto& t : optimizer.state()) {
      state.optimizer_first.push_back(t.first.template cast<double>());
      state.optimizer_second.push_back(t.second.template cast<double>());
    }
    state.random_state = random.state();
    state.history = result.history;
    state.best = best;
    state.best_epoch = result.best_epoch;
    state.since_best = since_best;
    if (result.best_epoch >= 0) state.best_network = best_network.template cast<double>();
    state.scheduler = scheduler.state();
    return state;
  };

  // Other processes (distributed.h): the same data everywhere, rank 0's starting parameters.
  Communicator* const comm = options.communicator != nullptr && options.communicator->size() > 1
                                 ? options.communicator
                                 : nullptr;
  const int processes = comm ? comm->size() : 1;
  if (comm) {
    check_same_data(*comm, x, y, x_val);
    Snapshot<S> initial;
    initial.take(network);
    comm->broadcast(initial.values.data(), initial.values.size(), 0);
    initial.restore(network);
  }

  const std::size_t n = static_cast<std::size_t>(x.cols());
  const std::size_t batch = (options.batch_size == 0 || options.batch_size >= static_cast<int>(n))
                                ? n
                                : static_cast<std::size_t>(options.batch_size);
  const bool full_batch = batch == n;
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  // Two buffers per matrix: full mini-batches and the smaller last one keep their own storage.
  Matrix<S> x_batch[2], y_batch[2];
  // The parameters at the start of this epoch and of the last good one (whose loss was the last
  // recorded), to fall back on if training diverges; `next`, those this epoch ends with.
  Snapshot<S> start, last_good, next;
  start.take(network);
  last_good = start;
  int last_good_epoch = first_epoch - 1;
  // Data parallelism (train.h): the shard layout of the full mini-batches decides.
  long widest = 0;
  for (const DenseLayer<S>& layer : network.layers())
    widest = std::max(widest, static_cast<long>(layer.W.size()));
  const int max_shards =
      shard_count(static_cast<long>(batch), widest, options.deterministic, processes);
  const int workers = std::min(options.threads > 0 ? options.threads : threads(),
                               (max_shards + processes - 1) / processes);  // shards of a rank
  // Sharded: the workers' products run on one thread each; --deterministic: every product.
  std::optional<ProductThreads> one_thread;
  if (max_shards > 1 || options.deterministic || comm) one_thread.emplace(1);
  std::optional<DataParallel<S>> parallel;
  if (max_shards > 1 || comm)
    parallel.emplace(network, workers, max_shards, comm, options.deterministic);

  for (int epoch = first_epoch; epoch < options.epochs; ++epoch) {
    if (!full_batch && options.shuffle) {
      // np.random.permutation(n) each epoch: a fresh 0..n-1, shuffled (no allocation)
      for (std::size_t i = 0; i < n; ++i) order[i] = i;
      shuffle(order, random);
    }
    optimizer.set_lr(scheduler.lr());  // the epoch's rate: after `epoch` steps of the schedule
    double loss_sum = 0, right = 0;
    for (std::size_t begin = 0; begin < n; begin += batch) {
      const std::size_t end = std::min(begin + batch, n);
      const int slot = (end - begin == batch) ? 0 : 1;
      if (!full_batch && !parallel) {
        gather(x, order, begin, end, x_batch[slot]);
        gather(y, order, begin, end, y_batch[slot]);
      }
      if (parallel) {
        parallel->step(
            optimizer, x, y, order, begin, end,
            shard_count(static_cast<long>(end - begin), widest, options.deterministic, processes),
            options, classify, loss_sum, right);
        continue;
      }
      const Matrix<S>& xb = full_batch ? x : x_batch[slot];
      const Matrix<S>& yb = full_batch ? y : y_batch[slot];
      // forward (dropout, if any, with masks keyed by seed, step and the samples' indices)
      const Matrix<S>& a = network.forward_training(
          xb, {options.seed, static_cast<std::uint64_t>(optimizer.steps()), order.data() + begin});
      const double batch_loss =
          network.loss_value(yb, options.class_weights);  // loss, before update
      const double count = static_cast<double>(end - begin);
      loss_sum += batch_loss * count;
      if (classify) right += accuracy(a, yb) * count;
      network.backward(xb, yb, false, options.class_weights);  // backward (no dL/dx needed)
      optimizer.step();                                        // step
    }
    EpochRecord record;
    record.epoch = epoch;
    record.loss = loss_sum / static_cast<double>(n);
    record.lr = scheduler.lr();
    // A loss kDivergenceGrowth times the first epoch's is divergence too, though still finite
    // (gradient descent with a far too large rate climbs through 1e100 before it overflows).
    const double first_loss = result.history.empty() ? record.loss : result.history[0].loss;
    const bool exploded =
        std::isfinite(record.loss) && record.loss > kDivergenceGrowth * first_loss;
    const bool finite_parameters = next.take(network);
    if (!std::isfinite(record.loss) || exploded || !finite_parameters) {
      // Divergence: say when and where, and keep the parameters of the last epoch that began
      // with finite parameters and ended with a finite loss.
      result.diverged = true;
      std::string what;
      if (exploded)
        what = "the loss grew from " + short_number(first_loss) + " (epoch " +
               std::to_string(result.history[0].epoch) + ") to " + short_number(record.loss);
      else if (!std::isfinite(record.loss))
        what = std::string("the loss became ") + (std::isnan(record.loss) ? "nan" : "infinite") +
               "; non-finite values first appeared in " +
               first_non_finite(network, parallel ? parallel->replica() : network);
      else
        what = "a parameter became non-finite; non-finite values first appeared in " +
               first_non_finite(network, parallel ? parallel->replica() : network);
      result.divergence =
          "training diverged at epoch " + std::to_string(epoch) + ": " + what + ". " +
          (last_good_epoch >= 0 ? "Kept the model as it was at the start of epoch " +
                                      std::to_string(last_good_epoch) + ". "
                                : "Kept the initial model. ") +
          "Try a smaller learning rate, or standardise the inputs.";
      last_good.restore(network);
      break;
    }
    std::swap(last_good, start);  // this epoch's starting parameters gave its finite loss
    std::swap(start, next);       // the next epoch starts where this one ended
    last_good_epoch = epoch;
    if (classify) record.accuracy = right / static_cast<double>(n);
    if (x_val != nullptr) {
      const Matrix<S>& a = network.forward(*x_val);
      record.val_loss = network.loss_value(*y_val);
      if (classify) record.val_accuracy = accuracy(a, *y_val);
    }
    result.history.push_back(record);
    scheduler.step(x_val != nullptr ? record.val_loss : record.loss);
    if (options.stop_loss > 0 && record.loss < options.stop_loss) result.reached_stop_loss = true;

    if (options.patience > 0 || options.keep_best) {
      const double watched = x_val != nullptr ? record.val_loss : record.loss;
      const bool improved = watched < best - options.tolerance;
      if (watched < best) {
        best = watched;
        best_network = network;
        result.best_epoch = epoch;
      }
      if (improved)
        since_best = 0;
      else if (++since_best >= options.patience && options.patience > 0)
        result.stopped_early = true;
    }
    if (on_epoch && !on_epoch(result.history.back())) result.interrupted = true;
    if (options.stop_requested != nullptr && *options.stop_requested) result.interrupted = true;
    if (comm) {
      // The ranks stop together (any rank asked), and their parameters are still identical.
      double agree[5];
      const std::uint64_t h = fingerprint(network);
      put_fingerprint(h, agree);
      put_fingerprint(~h, agree + 2);  // max of ~h: the complement of the min of h
      agree[4] = result.interrupted ? 1 : 0;
      comm->allreduce_max(agree, 5);
      if (agree[0] != static_cast<double>(h >> 32) ||
          agree[1] != static_cast<double>(h & 0xffffffffULL) ||
          agree[2] != static_cast<double>(~h >> 32) ||
          agree[3] != static_cast<double>(~h & 0xffffffffULL))
        throw Error("after epoch " + std::to_string(epoch) +
                    " the processes' parameters differ (rank " + std::to_string(comm->rank()) +
                    "'s fingerprint is not everyone's): the sum across processes gave the ranks "
                    "different results; train with deterministic sums instead");
      result.interrupted = agree[4] > 0;
    }
    const bool checkpoint_due =
        options.checkpoint_every > 0 && (epoch + 1) % options.checkpoint_every == 0;
    // (several processes: the optimizer state each rank keeps of its slice, to every rank)
    if (parallel && comm && (checkpoint_due || result.interrupted))
      parallel->share_state(optimizer);
    if (options.on_checkpoint && (checkpoint_due || result.interrupted) &&
        (!comm || comm->rank() == 0))
      options.on_checkpoint(snapshot_state(epoch + 1));
    if (result.stopped_early || result.interrupted || result.reached_stop_loss) break;
  }
  if ((options.patience > 0 || options.keep_best) && result.best_epoch >= 0 &&
      !result.interrupted) {
    for (std::size_t l = 0; l < network.depth(); ++l) {
      network.layer(l).W = best_network.layer(l).W;
      network.layer(l).b = best_network.layer(l).b;
    }
  }
  return result;
}

template double accuracy<float>(const Matrix<float>&, const Matrix<float>&);
template double accuracy<double>(const Matrix<double>&, const Matrix<double>&);
template TrainResult train<float>(Network<float>&, const Matrix<float>&, const Matrix<float>&,
                                  const TrainOptions&, const Matrix<float>*, const Matrix<float>*,
                                  const EpochCallback&);
template TrainResult train<double>(Network<double>&, const Matrix<double>&, const Matrix<double>&,
                                   const TrainOptions&, const Matrix<double>*,
                                   const Matrix<double>*, const EpochCallback&);

}  // namespace backprop
