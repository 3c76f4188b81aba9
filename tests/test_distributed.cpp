// Training on several processes (distributed.h, train.h), run under mpirun with 2 and 3 ranks:
// every rank trains once alone (no communicator: the one-process reference) and once with the
// others, and checks
//   - deterministic: the model and history bit-identical to the one-process run, on every
//     optimizer, full batch and mini-batches (uneven shards), a wide net and a small one,
//     float and double, dropout, clipping, and a run resumed from a one-process state;
//   - default (allreduced sums): every rank ends with the same model, close to the reference;
//   - the processes must read the same data: a rank with other data is an error on every rank.
#include <gtest/gtest.h>

#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/mpi.h"
#include "backprop/random.h"
#include "backprop/train.h"
#include "parallel_problem.h"

namespace backprop {

MpiCommunicator* world = nullptr;  // main's

namespace {

using test::expect_identical;
using test::make_problem;
using test::Problem;
using test::Trained;

struct Setting {
  OptimizerKind kind = OptimizerKind::adam;
  int batch = 0;
  bool wide = true;
  double dropout = 0, clip_norm = 0;
  int epochs = 3;
};

template <typename S>
Trained train_on(const Setting& c, Communicator* comm, bool deterministic,
                 const TrainState* resume = nullptr, TrainState* state = nullptr) {
  Problem<S> p =
      c.wide ? make_problem<S>(260, 128, 301, c.dropout) : make_problem<S>(5, 8, 301, c.dropout);
  // every rank but 0 starts from other weights: the broadcast must replace them
  if (comm != nullptr && comm->rank() != 0) initialize(p.net, Init::he_normal, 99);
  TrainOptions o;
  o.epochs = c.epochs;
  o.batch_size = c.batch;
  o.threads = 1;
  o.seed = 11;
  o.optimizer.kind = c.kind;
  o.optimizer.lr = c.kind == OptimizerKind::adam ? 1e-3 : 0.05;
  o.optimizer.clip_norm = c.clip_norm;
  o.deterministic = deterministic;
  o.communicator = comm;
  o.resume = resume;
  if (state != nullptr) {
    o.checkpoint_every = 1;
    o.on_checkpoint = [state](const TrainState& s) { *state = s; };
  }
  Trained run;
  run.result = train(p.net, p.x, p.y, o);
  run.net = p.net.template cast<double>();
  return run;
}

std::string name(const Setting& c) {
  return to_string(c.kind) + " batch " + std::to_string(c.batch) + (c.wide ? " wide" : " small") +
         (c.dropout > 0 ? " dropout" : "") + (c.clip_norm > 0 ? " clipped" : "") + " on " +
         std::to_string(world->size()) + " processes, rank " + std::to_string(world->rank());
}

void PrintTo(const Setting& c, std::ostream* os) { *os << name(c); }

class Deterministic : public ::testing::TestWithParam<Setting> {};

TEST_P(Deterministic, BitIdenticalToOneProcess) {
  const Setting c = GetParam();
  expect_identical(train_on<double>(c, nullptr, true), train_on<double>(c, world, true),
                   name(c) + ", double");
  expect_identical(train_on<float>(c, nullptr, true), train_on<float>(c, world, true),
                   name(c) + ", float");
}

// batch 0 is the whole set (301 samples: 4 shards); 199: batches of 199 and 102 (3 and 1 shards,
// so with 2 or 3 processes some ranks have none in the last step); 130: 2 shards
INSTANTIATE_TEST_SUITE_P(
    Settings, Deterministic,
    ::testing::Values(Setting{OptimizerKind::sgd, 0}, Setting{OptimizerKind::sgd, 199},
                      Setting{OptimizerKind::momentum, 130}, Setting{OptimizerKind::adam, 0},
                      Setting{OptimizerKind::adam, 199}, Setting{OptimizerKind::rprop, 0},
                      Setting{OptimizerKind::rprop, 150},
                      Setting{OptimizerKind::adam, 199, false},  // small net
                      Setting{OptimizerKind::sgd, 0, false},
                      Setting{OptimizerKind::adam, 130, true, 0.3},       // dropout
                      Setting{OptimizerKind::adam, 199, true, 0, 0.05}),  // clipping
    [](const auto& info) {
      const Setting& c = info.param;
      return to_string(c.kind) + "_batch" + std::to_string(c.batch) + (c.wide ? "" : "_small") +
             (c.dropout > 0 ? "_dropout" : "") + (c.clip_norm > 0 ? "_clipped" : "");
    });

TEST(Distributed, ResumedOnSeveralProcessesFromAOneProcessState) {
  Setting c{OptimizerKind::adam, 130};
  c.epochs = 4;
  const Trained whole = train_on<double>(c, nullptr, true);
  Setting first = c;
  first.epochs = 2;
  TrainState state;
  train_on<double>(first, nullptr, true, nullptr, &state);
  ASSERT_EQ(state.epochs_done, 2);
  expect_identical(whole, train_on<double>(c, world, true, &state), "resumed");
}

TEST(Distributed, DefaultSumsGiveEveryRankTheSameModel) {
  // each rank updating its slice of the parameters (and, with clipping, all of them)
  for (const Setting& c :
       {Setting{OptimizerKind::adam, 64, true}, Setting{OptimizerKind::adam, 64, false},
        Setting{OptimizerKind::sgd, 0, true}, Setting{OptimizerKind::momentum, 130, true},
        Setting{OptimizerKind::rprop, 150, true},
        Setting{OptimizerKind::adam, 199, true, 0, 0.05}}) {
    const Trained alone = train_on<double>(c, nullptr, false);
    const Trained together = train_on<double>(c, world, false);  // throws if the ranks differ
    ASSERT_EQ(together.result.history.size(), alone.result.history.size()) << name(c);
    // The same mathematics, other roundings: close to the one-process run.
    EXPECT_NEAR(together.result.history.back().loss, alone.result.history.back().loss, 1e-9)
        << name(c);
    // Every rank's parameters equal rank 0's, bit for bit.
    for (std::size_t l = 0; l < together.net.depth(); ++l) {
      Matrix<double> W = together.net.layer(l).W;
      world->broadcast(W.data(), static_cast<std::size_t>(W.size()), 0);
      EXPECT_TRUE(W == together.net.layer(l).W) << name(c) << ", layer " << l + 1;
    }
  }
}

// With 2 processes and 2 shards per batch (150, 150 and 1 sample: the last batch one shard in
// both modes) the two modes add the same two gradient sums: each rank updating its slice of the
// parameters (and sharing them) must then give, bit for bit, the parameters of every rank
// updating everything.
TEST(Distributed, SlicedUpdateIsExact) {
  if (world->size() != 2) GTEST_SKIP() << "the layouts coincide with 2 processes";
  for (OptimizerKind kind :
       {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::adam, OptimizerKind::rprop}) {
    const Setting c{kind, 150, true};
    const Trained gathered = train_on<double>(c, world, true);
    const Trained sliced = train_on<double>(c, world, false);
    for (std::size_t l = 0; l < gathered.net.depth(); ++l) {
      EXPECT_TRUE(gathered.net.layer(l).W == sliced.net.layer(l).W) << to_string(kind);
      EXPECT_TRUE(gathered.net.layer(l).b == sliced.net.layer(l).b) << to_string(kind);
    }
    // (the epoch's loss adds the ranks' loss sums as one term: rounding apart)
    ASSERT_EQ(gathered.result.history.size(), sliced.result.history.size());
    for (std::size_t e = 0; e < gathered.result.history.size(); ++e)
      EXPECT_NEAR(gathered.result.history[e].loss, sliced.result.history[e].loss,
                  1e-14 * gathered.result.history[e].loss)
          << to_string(kind) << ": epoch " << e;
  }
}

TEST(Distributed, EveryRankMustReadTheSameData) {
  Problem<double> p = make_problem<double>(5, 8, world->rank() == 1 ? 150 : 200, 0);
  TrainOptions o;
  o.epochs = 1;
  o.communicator = world;
  try {
    train(p.net, p.x, p.y, o);
    FAIL() << "no error on rank " << world->rank();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1 has 150 samples"), std::string::npos) << e.what();
  }
  // the same shape, other values
  Problem<double> q = make_problem<double>(5, 8, 200, 0);
  if (world->rank() == world->size() - 1) q.x(3, 7) += 1;
  try {
    train(q.net, q.x, q.y, o);
    FAIL() << "no error on rank " << world->rank();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("values differ from rank 0's"), std::string::npos)
        << e.what();
  }
}

TEST(Distributed, ShardLayout) {
  EXPECT_EQ(shard_count(301, 100, true, 3), 4);   // deterministic: N alone decides
  EXPECT_EQ(shard_count(301, 100, false, 1), 1);  // small net, one process
  EXPECT_EQ(shard_count(301, 100, false, 3), 3);  // ... every process gets a shard
  EXPECT_EQ(shard_count(2, 100, false, 3), 2);    // not more shards than samples
  EXPECT_EQ(shard_count(127, 100, true, 2), 1);   // too small a batch to split
  EXPECT_EQ(shard_count(60000, 200704, false, 2), kMaxShards);
}

}  // namespace
}  // namespace backprop

int main(int argc, char** argv) {
  backprop::MpiCommunicator world(&argc, &argv);
  backprop::world = &world;
  ::testing::InitGoogleTest(&argc, argv);
  // only rank 0 prints the progress; every rank prints its failures
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  return failed;
}
