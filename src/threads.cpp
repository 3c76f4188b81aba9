#include "backprop/threads.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

#include "backprop/error.h"
#include "backprop/train.h"

#ifdef BACKPROP_USE_OPENBLAS
#include <cblas.h>
#endif

namespace backprop {

void set_threads(int n) {
  if (n < 1) throw usage_error("threads: expected at least 1, found " + std::to_string(n));
  Eigen::setNbThreads(n);
#ifdef BACKPROP_USE_OPENBLAS
  openblas_set_num_threads(n);
#endif
}

int threads() { return Eigen::nbThreads(); }

std::string gemm_backend() {
#ifdef BACKPROP_USE_OPENBLAS
  std::string config = openblas_get_config();  // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..."
  const std::size_t space = config.find(' ', config.find(' ') + 1);
  return config.substr(0, space) + " (" + openblas_get_corename() + " kernels)";
#else
  return "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
#endif
}

ThreadChoice choose_threads(int requested, long widest_layer_weights, long batch_samples,
                            int processes_here) {
  if (requested < 0)
    throw option_error("FitOptions.threads", "expected a positive number (or 0: choose), found " +
                                                 std::to_string(requested));
  // A wide net on batches too small for data-parallel shards (train.h) would split each product
  // between OpenMP threads, which wait for one another: with another process busy on one of two
  // cores, a Fashion-MNIST epoch at batch 64 took 37x as long on two threads as on one (9x with
  // OMP_WAIT_POLICY=passive; bench/W3_CLI.md). One thread for it, asked for or not.
  const bool unsharded_wide = widest_layer_weights >= kShardMinWeights &&
                              shard_count(batch_samples, widest_layer_weights) == 1;
  const std::string unsharded = "batches of " + std::to_string(batch_samples) + " < " +
                                std::to_string(2 * kShardSamples) + " are not split into shards";
  ThreadChoice choice;
  if (requested > 1 && unsharded_wide) {
    choice = {1, "requested " + std::to_string(requested) + ", but " + unsharded};
  } else if (requested > 0) {
    choice = {requested, "requested"};
  } else {
    // The cores this process may run on: those it is bound to (mpirun binds each of one or two
    // processes to a core), else the machine's, shared among the job's processes on it.
    int cores = static_cast<int>(std::thread::hardware_concurrency());
#if defined(__linux__)
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0 &&
        CPU_COUNT(&allowed) < cores)
      cores = CPU_COUNT(&allowed);
    else
#endif
      cores /= std::max(1, processes_here);
    cores = std::max(1, cores);
    choice.reason = "auto: ";
    double load = 0;
    if (cores == 1) {
      choice.reason += processes_here > 1 ? "one core per process" : "one core";
    } else if (widest_layer_weights < kShardMinWeights) {
      choice.reason += "no layer is wide enough to pay for a second thread";
    } else if (unsharded_wide) {
      choice.reason += unsharded;
    } else if (getloadavg(&load, 1) != 1 || load >= cores - 0.5) {  // read only when it matters
      char text[64];
      std::snprintf(text, sizeof text, "the machine is busy (load %.1f)", load);
      choice.reason += load > 0 ? text : "the load average is unknown";
    } else {
      choice = {cores, "auto: wide layers, idle machine"};
    }
  }
  set_threads(choice.threads);
  return choice;
}

}  // namespace backprop
