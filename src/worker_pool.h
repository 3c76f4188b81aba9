// worker_pool.h (private) — a fixed team of threads that shares out the items of one job at a
// time, for data-parallel training (train.cpp).
//
// run(job, items) calls job(item, w) exactly once for every item = 0..items-1, each on whichever
// worker w = 0..size()-1 claims it first (worker 0 is the calling thread), and returns when all
// items are done. Items are claimed, not assigned: a worker that the operating system has not
// scheduled yet (its core busy with another process) leaves its items to the others, and run()
// never waits for a worker that claimed nothing. Waiting is passive: an idle worker sleeps on a
// condition variable and never spins (OpenMP's spinning waits collapsed on a busy machine). Every
// worker thread flushes subnormal floats (FTZ/DAZ, as FlushDenormals does for the caller) and
// runs the matrix products single-threaded. An exception in a job is rethrown by run().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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

  // Runs job(item, w) for item = 0..items-1 (items < 65536); `job` is not copied (no allocation).
  template <typename F>
  void run(F& job, int items) {
    context_ = &job;
    call_ = [](void* context, int item, int w) { (*static_cast<F*>(context))(item, w); };
    dispatch(items);
  }

 private:
  void dispatch(int items);
  void loop(int w);
  // Claims and runs items of generation g until none is left.
  void work(std::uint32_t g, int w);

  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::uint32_t generation_ = 0;  // under mutex_
  int finished_ = 0, items_ = 0;  // under mutex_
  bool stop_ = false;
  // (generation << 32) | (next item << 16) | items: a claim succeeds only within its generation
  std::atomic<std::uint64_t> claim_{0};
  void* context_ = nullptr;
  void (*call_)(void*, int, int) = nullptr;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace backprop
