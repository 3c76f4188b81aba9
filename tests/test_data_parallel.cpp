// Data-parallel training (train.h): a net with a wide layer splits each batch into a fixed shard
// layout, so the model is bit-identical whatever the number of worker threads — every optimizer,
// full batch and mini-batches, shards of unequal sizes, dropout, a schedule, class weights, float
// and double, and a run resumed under another worker count. And the shards' gradients add up to
// the whole batch's (one step against the unsharded equations).
#include <gtest/gtest.h>

#include <atomic>

#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/random.h"
#include "backprop/threads.h"
#include "backprop/train.h"
#include "parallel_problem.h"
#include "worker_pool.h"

namespace backprop {
namespace {

constexpr int kInputs = 260, kHidden = 128, kSamples = 301;  // 260 x 128 weights: sharded

using test::expect_identical;
using test::Problem;
using test::Trained;

template <typename S>
Problem<S> make_problem(double dropout) {
  return test::make_problem<S>(kInputs, kHidden, kSamples, dropout);
}

template <typename S>
Trained train_with(int threads, OptimizerKind kind, int batch, double dropout, bool schedule,
                   std::vector<double> class_weights = {}, double clip_norm = 0) {
  Problem<S> p = make_problem<S>(dropout);
  TrainOptions o;
  o.epochs = 3;
  o.batch_size = batch;
  o.threads = threads;
  o.seed = 11;
  o.optimizer.kind = kind;
  o.optimizer.lr = kind == OptimizerKind::adam ? 1e-3 : 0.05;
  if (schedule && kind != OptimizerKind::rprop) {
    o.lr_schedule.kind = ScheduleKind::step;
    o.lr_schedule.step_size = 1;
    o.lr_schedule.gamma = 0.5;
  }
  o.class_weights = std::move(class_weights);
  o.optimizer.clip_norm = clip_norm;  // clipping needs the whole gradient before the update
  o.optimizer.weight_decay = clip_norm > 0 ? 1e-3 : 0;
  Trained run;
  run.result = train(p.net, p.x, p.y, o);
  run.net = p.net.template cast<double>();
  return run;
}

TEST(DataParallel, ShardLayoutDependsOnTheBatchAndNetOnly) {
  EXPECT_EQ(shard_count(4, 8), 1);          // the lesson's XOR
  EXPECT_EQ(shard_count(100000, 1000), 1);  // small layers: never sharded
  EXPECT_EQ(shard_count(127, kShardMinWeights), 1);
  EXPECT_EQ(shard_count(128, kShardMinWeights), 2);
  EXPECT_EQ(shard_count(199, 200704), 3);  // shards of 66, 66, 67
  EXPECT_EQ(shard_count(60000, 200704), kMaxShards);
}

struct Case {
  OptimizerKind kind;
  int batch;  // 0: full batch (301 samples: 4 shards of 75-76)
};

class DataParallelOptimizers : public ::testing::TestWithParam<Case> {};

TEST_P(DataParallelOptimizers, ModelIsBitIdenticalWhateverTheThreads) {
  const Case c = GetParam();
  const long widest = long(kInputs) * kHidden;
  ASSERT_GT(shard_count(c.batch > 0 ? c.batch : kSamples, widest), 1) << "not sharded";
  for (const bool dropout : {false, true}) {
    const double rate = dropout ? 0.3 : 0;
    const Trained one = train_with<double>(1, c.kind, c.batch, rate, true);
    ASSERT_FALSE(one.result.diverged) << one.result.divergence;
    for (int threads : {2, 3})
      expect_identical(one, train_with<double>(threads, c.kind, c.batch, rate, true),
                       to_string(c.kind) + " batch " + std::to_string(c.batch) + " dropout " +
                           std::to_string(dropout) + " threads " + std::to_string(threads));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, DataParallelOptimizers,
    ::testing::Values(Case{OptimizerKind::sgd, 0}, Case{OptimizerKind::sgd, 199},
                      Case{OptimizerKind::momentum, 0}, Case{OptimizerKind::momentum, 130},
                      Case{OptimizerKind::adam, 0}, Case{OptimizerKind::adam, 199},
                      Case{OptimizerKind::rprop, 0}, Case{OptimizerKind::rprop, 150}),
    [](const auto& info) {
      return to_string(info.param.kind) + "_batch" + std::to_string(info.param.batch);
    });

TEST(DataParallel, FloatClassWeightsAndClippingBitIdentical) {
  for (const double clip : {0.0, 0.5}) {
    const Trained one =
        train_with<float>(1, OptimizerKind::adam, 128, 0.2, false, {1, 2, 0.5}, clip);
    for (int threads : {2, 3})
      expect_identical(
          one, train_with<float>(threads, OptimizerKind::adam, 128, 0.2, false, {1, 2, 0.5}, clip),
          "float, clip " + std::to_string(clip) + ", threads " + std::to_string(threads));
  }
}

// One full-batch gradient-descent step over 4 shards (with dropout) against the equations on the
// whole batch: the shards' sums add up to the batch's gradient (to rounding).
TEST(DataParallel, ShardSumsAreTheBatchGradient) {
  Problem<double> p = make_problem<double>(0.3);
  Network<double> reference = p.net;
  TrainOptions o;
  o.epochs = 1;
  o.threads = 2;
  o.seed = 11;
  o.optimizer = OptimizerOptions::gd(0.5);
  ASSERT_EQ(shard_count(kSamples, long(kInputs) * kHidden), 4);
  train(p.net, p.x, p.y, o);
  reference.forward_training(p.x, {o.seed, 0, nullptr});
  reference.backward(p.x, p.y, false);
  for (std::size_t l = 0; l < reference.depth(); ++l) {
    const DenseLayer<double>& r = reference.layer(l);
    const Matrix<double> W = r.W - 0.5 * r.dW;
    const Matrix<double> b = r.b - 0.5 * r.db;
    EXPECT_LT((p.net.layer(l).W - W).cwiseAbs().maxCoeff(), 1e-12) << "layer " << l + 1;
    EXPECT_LT((p.net.layer(l).b - b).cwiseAbs().maxCoeff(), 1e-12) << "layer " << l + 1;
    EXPECT_GT(r.dW.cwiseAbs().maxCoeff(), 1e-6);  // a step that moved something
  }
}

// A run stopped after 2 of 4 epochs on 3 threads and resumed on 1 (and on 2) ends bit-identical
// to an uninterrupted 2-thread run.
TEST(DataParallel, ResumeUnderAnotherThreadCount) {
  auto options = [](int threads) {
    TrainOptions o;
    o.epochs = 4;
    o.batch_size = 150;
    o.threads = threads;
    o.optimizer.kind = OptimizerKind::adam;
    o.optimizer.lr = 1e-3;
    o.lr_schedule.kind = ScheduleKind::cosine;
    return o;
  };
  Problem<double> straight = make_problem<double>(0.2);
  const TrainResult whole = train(straight.net, straight.x, straight.y, options(2));
  for (int resume_threads : {1, 2}) {
    Problem<double> p = make_problem<double>(0.2);
    TrainState state;
    TrainOptions first = options(3);
    first.on_checkpoint = [&](const TrainState& s) { state = s; };
    train<double>(p.net, p.x, p.y, first, nullptr, nullptr,
                  EpochCallback([](EpochRecord& r) { return r.epoch < 1; }));  // stop after epoch 1
    ASSERT_EQ(state.epochs_done, 2);
    Problem<double> q = make_problem<double>(0.2);
    TrainOptions rest = options(resume_threads);
    rest.resume = &state;
    const TrainResult resumed = train(q.net, q.x, q.y, rest);
    expect_identical({straight.net, whole}, {q.net, resumed},
                     "resumed on " + std::to_string(resume_threads));
  }
}

// The pool's claim protocol: every item of every job runs exactly once, on any worker, however
// the threads are scheduled (many short jobs, so late-waking workers meet newer generations);
// an exception in an item reaches the caller, and the pool keeps working after it.
TEST(DataParallel, WorkerPoolRunsEveryItemOnce) {
  WorkerPool pool(3);
  ASSERT_EQ(pool.size(), 3);
  std::vector<int> runs(8);
  std::vector<std::atomic<long>> by_worker(3);
  long total = 0;
  for (int job = 0; job < 3000; ++job) {
    const int items = 1 + job % 8;
    std::fill(runs.begin(), runs.end(), 0);
    auto count = [&](int item, int w) {
      EXPECT_TRUE(w >= 0 && w < 3);
      volatile double work = 0;  // a few microseconds, so that the other workers claim items too
      for (int i = 0; i < 2000; ++i) work = work + i;
      ++runs[static_cast<std::size_t>(item)];  // one item, one worker: no race
      ++by_worker[static_cast<std::size_t>(w)];
    };
    pool.run(count, items);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(runs[static_cast<std::size_t>(i)], i < items ? 1 : 0) << "job " << job;
      total += runs[static_cast<std::size_t>(i)];
    }
  }
  EXPECT_EQ(total, 3000 / 8 * 36);
  EXPECT_EQ(by_worker[0] + by_worker[1] + by_worker[2], total);
  auto fail = [](int item, int) {
    if (item == 2) throw Error("item 2 failed");
  };
  EXPECT_THROW(pool.run(fail, 4), Error);
  int after = 0;
  auto one = [&](int, int) { ++after; };
  pool.run(one, 1);
  EXPECT_EQ(after, 1);
}

TEST(DataParallel, OptionsValidated) {
  TrainOptions o;
  o.threads = -1;
  EXPECT_THROW(o.validate(), Error);
}

}  // namespace
}  // namespace backprop
