#include "worker_pool.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace backprop {

WorkerPool::WorkerPool(int workers) {
  threads_.reserve(static_cast<std::size_t>(workers > 1 ? workers - 1 : 0));
  for (int w = 1; w < workers; ++w) threads_.emplace_back([this, w] { loop(w); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::work(std::uint32_t g, int w) {
  std::uint64_t c = claim_.load(std::memory_order_acquire);
  for (;;) {
    const std::uint32_t generation = static_cast<std::uint32_t>(c >> 32);
    const int next = static_cast<int>((c >> 16) & 0xFFFF), items = static_cast<int>(c & 0xFFFF);
    if (generation != g || next >= items) return;
    if (!claim_.compare_exchange_weak(c, c + (std::uint64_t(1) << 16), std::memory_order_acq_rel,
                                      std::memory_order_acquire))
      continue;  // c now holds the current word
    // Item `next` of generation g is ours: the job stays in place until every item is finished.
    try {
      call_(context_, next, w);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    bool last;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last = ++finished_ == items_;
    }
    if (last) done_.notify_all();
    c = claim_.load(std::memory_order_acquire);
  }
}

void WorkerPool::dispatch(int items) {
  std::uint32_t g;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    g = ++generation_;
    finished_ = 0;
    items_ = items;
    claim_.store((std::uint64_t(g) << 32) | static_cast<std::uint64_t>(items),
                 std::memory_order_release);
  }
  if (items > 1) start_.notify_all();
  work(g, 0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return finished_ == items_; });
  if (error_) {
    std::exception_ptr error = error_;
    error_ = nullptr;
    std::rethrow_exception(error);
  }
}

void WorkerPool::loop(int w) {
#if defined(__SSE__)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ and DAZ, as FlushDenormals (train.h)
#endif
#if defined(_OPENMP)
  omp_set_num_threads(1);  // this thread's products single-threaded (OpenBLAS reads it)
#endif
  std::uint32_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    work(seen, w);
  }
}

}  // namespace backprop
