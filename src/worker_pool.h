// worker_pool.h (private) — a fixed team of threads that runs one job at a time, for
// data-parallel training (train.cpp).
//
// run(job) calls job(w) once for every worker w = 0..size()-1, worker 0 on the calling thread, and
// returns when all have returned (a barrier). Waiting is passive: an idle worker sleeps on a
// condition variable and never spins, so a machine whose other cores are busy slows the team down
// by no more than the lost core (OpenMP's spinning waits collapsed instead). Every worker thread
// flushes subnormal floats (FTZ/DAZ, as FlushDenormals does for the caller) and runs the matrix
// products single-threaded. An exception in a job is rethrown by run() after the others finish.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace backprop {

class WorkerPool {
 public:
  explicit WorkerPool(int workers);  // workers - 1 threads besides the caller
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  // Runs job(w) for w = 0..size()-1; `job` is not copied (no allocation).
  template <typename F>
  void run(F& job) {
    context_ = &job;
    call_ = [](void* context, int w) { (*static_cast<F*>(context))(w); };
    dispatch();
  }

 private:
  void dispatch();
  void loop(int w);
  void call(int w);

  std::mutex mutex_;
  std::condition_variable start_, done_;
  unsigned long generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  void* context_ = nullptr;
  void (*call_)(void*, int) = nullptr;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace backprop
