// threads.h — how many threads training uses.
//
// Nets with a wide layer trained on batches of >= 128 samples train data-parallel (train.h): the
// setting is then the number of workers, each taking whole shards of the batch with
// single-threaded products (std::threads that wait passively; no OpenMP). Other nets parallelise
// only inside the big products of wide layers (OpenMP, through Eigen and, when built with it,
// OpenBLAS; both share one OpenMP thread pool), which fit() avoids for wide layers (see
// choose_threads). Tiny layers never spawn work. Default: what OpenMP chooses (OMP_NUM_THREADS,
// else every core). The command-line tool sets 1 unless --threads says otherwise: on a busy
// machine a second thread that has to wait for a core slows every product down.
#pragma once

#include <string>

namespace backprop {

// Use n >= 1 threads for the large products from now on.
void set_threads(int n);
// The current setting.
int threads();
// Sets the products' threads for a while (set_threads), and restores the setting after.
class ProductThreads {
 public:
  explicit ProductThreads(int n) : saved_(threads()) { set_threads(n); }
  ~ProductThreads() { set_threads(saved_); }
  ProductThreads(const ProductThreads&) = delete;
  ProductThreads& operator=(const ProductThreads&) = delete;

 private:
  int saved_;
};

// Which library computes the large products: "OpenBLAS <version> (<kernel>)" or "Eigen <version>".
std::string gemm_backend();

// How many threads a training run should use, and why (for the user to read).
struct ThreadChoice {
  int threads = 1;
  std::string reason;
};
// `requested` > 0 is obeyed, except by a net with a layer of at least 32768 weights trained on
// batches too small to split into shards (under 128, train.h): one thread for it, since its
// products split between OpenMP threads stall when another process takes a core. Otherwise
// (0): every core for a net that trains data-parallel (that wide, batches of at least 128) when
// the machine is otherwise idle (1-minute load average below cores − 0.5); else one thread. Tiny
// nets gain nothing. `processes_here` processes of one job on this machine (distributed.h) share
// its cores: each gets cores / processes_here. Calls set_threads with the choice.
ThreadChoice choose_threads(int requested, long widest_layer_weights, long batch_samples,
                            int processes_here = 1);

}  // namespace backprop
