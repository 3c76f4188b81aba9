// bench_distributed — the pieces of one data-parallel training step of W3 (784-256-128-10 relu,
// softmax + cross-entropy, float32, Adam), measured apart, for the latency–bandwidth model of
// bench/DISTRIBUTED.md. Through the library's public API only (network.h, optimizers.h,
// distributed.h, mpi.h). bench/distributed.py drives it.
//
//   bench_distributed compute [--max-n 128] [--seconds 0.3]
//       One process, one thread. For shard sizes n = 1, 2, 4, ..., max-n: the time of one shard's
//       forward_training + loss_value + backward (what train.cpp's DataParallel does per shard,
//       the sums g_k), the median of many repetitions; then one Adam step over all parameters
//       (every rank applies it to its own copy, so it does not shrink with more ranks), and one
//       copy and one add of a parameter-sized buffer (the step's bookkeeping is made of these).
//   mpirun -np P bench_distributed comm [--max-floats 1048576] [--seconds 0.3]
//       For message sizes m = 1, 2, 4, ... floats, and W3's m = parameter_count + 2 = 235148:
//         allreduce  MpiCommunicator::allreduce_sum, in place, float: the default mode's one call
//                    per step
//         allgather  MpiCommunicator::allgather, float, m floats from every rank (P m in all):
//                    the deterministic mode's exchange of shard sums
//       and the deterministic mode's real exchange for a batch of 128 (K = 2 shards, rank r holds
//       shards ⌊rK/P⌋ .. ⌊(r+1)K/P⌋ − 1): the allgather of the shards' sums and the allgather of
//       2 doubles per shard, one after the other.
//
// Timing of a collective: every rank enters together (a one-value allreduce as a barrier), runs
// `inner` calls back to back, and takes the mean; a sample is the slowest rank's mean. Samples are
// taken until `seconds` have passed (at least 3, at most 200); the median is reported. Only rank 0
// prints, one JSON object per line (bench_common.h).
#include <Eigen/Core>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backprop/distributed.h"
#include "backprop/init.h"
#include "backprop/mpi.h"
#include "backprop/network.h"
#include "backprop/optimizers.h"
#include "backprop/threads.h"
#include "bench_common.h"

namespace {

using backprop::Activation;
using backprop::Matrix;
using backprop::Network;

Network<float> w3_network() {
  Network<float> net(
      784, {{256, {Activation::relu}}, {128, {Activation::relu}}, {10, {Activation::softmax}}},
      backprop::Loss::cross_entropy);
  backprop::initialize(net, backprop::Init::he_normal, 42);
  return net;
}

// Floating-point operations of one shard of n samples: forward 2 n Σ|W|; backward dW = delta aᵀ
// for every layer (2 n Σ|W|) and delta_prev = Wᵀ delta for layers 2 and 3 (not for the inputs).
double shard_flop(const Network<float>& net, long n) {
  double weights = 0, above_first = 0;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const double size = static_cast<double>(net.layer(l).W.size());
    weights += size;
    if (l > 0) above_first += size;
  }
  return 2.0 * static_cast<double>(n) * (2 * weights + above_first);
}

// Repeats `once` (after 3 warm-up calls) until `seconds` have passed and at least 20 times (at
// most 100000); returns each call's seconds.
template <typename F>
std::vector<double> repeat(F once, double seconds) {
  for (int i = 0; i < 3; ++i) once();
  std::vector<double> times;
  const bench::Clock::time_point start = bench::Clock::now();
  while (times.size() < 20 || (bench::seconds_since(start) < seconds && times.size() < 100000)) {
    const bench::Clock::time_point t0 = bench::Clock::now();
    once();
    times.push_back(bench::seconds_since(t0));
  }
  return times;
}

void run_compute(const bench::Args& args) {
  backprop::set_threads(1);  // a worker's products are single-threaded (train.h)
  const int max_n = args.integer("max-n", 128);
  const double seconds = args.number("seconds", 0.3);
  Network<float> net = w3_network();
  for (int n = 1; n <= max_n; n *= 2) {
    Matrix<float> x = Matrix<float>::Random(784, n).cwiseAbs();  // pixels in [0, 1]
    Matrix<float> y = Matrix<float>::Zero(10, n);
    for (int j = 0; j < n; ++j) y(j % 10, j) = 1;
    float loss = 0;
    const std::vector<double> times = repeat(
        [&] {
          net.forward_training(x, {42, 0, nullptr});
          loss = net.loss_value(y);
          net.backward(x, y, false, {}, n);
        },
        seconds);
    const double median = bench::median(times);
    bench::Json()
        .add("part", "compute")
        .add("n", n)
        .add("median_s", median)
        .add("min_s", *std::min_element(times.begin(), times.end()))
        .add("reps", static_cast<long>(times.size()))
        .add("gflops", shard_flop(net, n) / median * 1e-9)
        .add("loss", static_cast<double>(loss))
        .print();
  }
  // The optimizer's update of all 235,146 parameters from the last dW, db (Adam, lr 1e-3).
  backprop::Optimizer<float> adam(net,
                                  backprop::OptimizerOptions{backprop::OptimizerKind::adam, 1e-3});
  const std::vector<double> times = repeat([&] { adam.step(); }, seconds);
  bench::Json()
      .add("part", "update")
      .add("optimizer", "adam")
      .add("parameters", static_cast<long>(net.parameter_count()))
      .add("median_s", bench::median(times))
      .add("min_s", *std::min_element(times.begin(), times.end()))
      .add("reps", static_cast<long>(times.size()))
      .print();
  // What the per-step bookkeeping of a data-parallel step is made of (train.cpp: parameters
  // copied to a worker's replica, the sums moved out of it and added): one copy and one add of
  // a parameter-sized float buffer.
  const Eigen::Index size = static_cast<Eigen::Index>(net.parameter_count());
  backprop::Vector<float> from = backprop::Vector<float>::Random(size),
                          to = backprop::Vector<float>::Zero(size);
  const std::vector<double> copies = repeat([&] { to = from; }, seconds);
  const std::vector<double> adds = repeat([&] { to += from; }, seconds);
  for (const auto& [what, t] : {std::pair{"copy", &copies}, std::pair{"add", &adds}})
    bench::Json()
        .add("part", "memory")
        .add("operation", what)
        .add("floats", static_cast<long>(size))
        .add("median_s", bench::median(*t))
        .add("min_s", *std::min_element(t->begin(), t->end()))
        .add("reps", static_cast<long>(t->size()))
        .add("checksum", static_cast<double>(to.sum()))
        .print();
}

// Times `op` across the ranks (see the header): returns the samples, each the slowest rank's mean
// seconds per call.
template <typename F>
std::vector<double> time_collective(backprop::Communicator& comm, F op, int inner, double seconds) {
  double barrier = 0;
  for (int i = 0; i < 2; ++i) op();  // warm-up: connections, registrations
  std::vector<double> samples;
  const bench::Clock::time_point start = bench::Clock::now();
  for (;;) {
    comm.allreduce_sum(&barrier, 1);
    const bench::Clock::time_point t0 = bench::Clock::now();
    for (int i = 0; i < inner; ++i) op();
    // {this rank's mean, rank 0's "go on"}: the max gives the slowest rank and rank 0's choice
    double sample[2] = {bench::seconds_since(t0) / inner, 0};
    const std::size_t taken = samples.size() + 1;
    if (comm.rank() == 0)
      sample[1] = taken < 3 || (taken < 200 && bench::seconds_since(start) < seconds) ? 1 : 0;
    comm.allreduce_max(sample, 2);
    samples.push_back(sample[0]);
    if (sample[1] == 0) return samples;
  }
}

void print_collective(const backprop::MpiCommunicator& comm, const char* op, long floats_per_rank,
                      long total_floats, int inner, const std::vector<double>& samples) {
  if (comm.rank() != 0) return;
  bench::Json()
      .add("part", op)
      .add("ranks", comm.size())
      .add("local_ranks", comm.local_size())
      .add("floats", floats_per_rank)
      .add("total_floats", total_floats)
      .add("bytes", 4 * total_floats)
      .add("inner", inner)
      .add("samples", static_cast<long>(samples.size()))
      .add("median_s", bench::median(samples))
      .add("min_s", *std::min_element(samples.begin(), samples.end()))
      .print();
}

void run_comm(const bench::Args& args, backprop::MpiCommunicator& comm) {
  const long max_floats = args.integer("max-floats", 1 << 20);
  const double seconds = args.number("seconds", 0.3);
  const long parameters = static_cast<long>(w3_network().parameter_count());  // 235,146
  const int P = comm.size();
  if (comm.rank() == 0)
    bench::Json()
        .add("part", "setup")
        .add("ranks", P)
        .add("local_ranks", comm.local_size())
        .add("mpi", backprop::MpiCommunicator::library_version())
        .add("parameters", parameters)
        .print();

  std::vector<long> sizes;
  for (long m = 1; m <= max_floats; m *= 2) sizes.push_back(m);
  sizes.push_back(parameters + 2);  // the default mode's flat buffer: Σ g, loss sum, right answers
  sizes.push_back(parameters);      // one shard's sums g_k: the deterministic mode's block
  std::sort(sizes.begin(), sizes.end());
  // calls per sample: many for small messages, a few for large ones
  auto inner_for = [](long m) {
    return static_cast<int>(std::clamp(1048576L / (m + 4096), 4L, 200L));
  };

  std::vector<float> buffer;
  for (long m : sizes) {
    buffer.assign(static_cast<std::size_t>(m), 0.0f);  // zeros: sums stay finite however many
    const int inner = inner_for(m);
    print_collective(
        comm, "allreduce", m, m, inner,
        time_collective(
            comm, [&] { comm.allreduce_sum(buffer.data(), buffer.size()); }, inner, seconds));
  }
  for (long m : sizes) {
    if (m == parameters + 2) continue;
    buffer.assign(static_cast<std::size_t>(m) * static_cast<std::size_t>(P), 0.0f);
    const std::vector<std::size_t> counts(static_cast<std::size_t>(P), static_cast<std::size_t>(m));
    const int inner = inner_for(m * P);
    print_collective(comm, "allgather", m, m * P, inner,
                     time_collective(
                         comm, [&] { comm.allgather(buffer.data(), counts); }, inner, seconds));
  }

  // The deterministic mode's exchange for W3's batch of 128: K = 2 shards (train.h).
  const int K = 2;
  std::vector<std::size_t> sums(static_cast<std::size_t>(P)), stats(static_cast<std::size_t>(P));
  for (int r = 0; r < P; ++r) {
    const long shards = long(K) * (r + 1) / P - long(K) * r / P;
    sums[static_cast<std::size_t>(r)] = static_cast<std::size_t>(shards * parameters);
    stats[static_cast<std::size_t>(r)] = static_cast<std::size_t>(shards * 2);
  }
  buffer.assign(static_cast<std::size_t>(K * parameters), 0.0f);
  std::vector<double> stat_buffer(static_cast<std::size_t>(2 * K), 0.0);
  const int inner = inner_for(K * parameters);
  const std::vector<double> samples = time_collective(
      comm,
      [&] {
        comm.allgather(buffer.data(), sums);
        comm.allgather(stat_buffer.data(), stats);
      },
      inner, seconds);
  print_collective(comm, "deterministic_step", parameters, K * parameters, inner, samples);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<backprop::MpiCommunicator> comm;
  if (backprop::MpiCommunicator::launched()) comm.emplace(&argc, &argv);
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    const bench::Args args(argc, argv, 2);
    if (mode == "compute") {
      if (!comm || comm->rank() == 0) run_compute(args);
    } else if (mode == "comm") {
      if (!comm || comm->size() < 2)
        throw std::runtime_error("comm: run under mpirun with at least 2 processes");
      run_comm(args, *comm);
    } else {
      throw std::runtime_error("usage: bench_distributed compute|comm [--key value ...]");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_distributed: %s\n", e.what());
    if (comm && comm->size() > 1) comm->abort(1);
    return 1;
  }
  return 0;
}
