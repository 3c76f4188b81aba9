// Optimizers and the training loop against PyTorch trajectories computed independently
// (tests/golden/generate_optimizers.py: torch.optim and a separate NumPy implementation).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "backprop/init.h"
#include "backprop/io/checkpoint.h"
#include "backprop/io/model_file.h"
#include "backprop/optimizers.h"
#include "backprop/random.h"
#include "backprop/train.h"
#include "test_util.h"

namespace backprop {
namespace {

using test::column_from_list;
using test::matrix_from_rows;

OptimizerOptions options_of(const nlohmann::json& c) {
  const nlohmann::json& s = c["settings"];
  OptimizerOptions o;
  o.kind = optimizer_from_string(c["optimizer"].get<std::string>());
  o.lr = s["lr"].get<double>();
  o.momentum = s["momentum"].get<double>();
  o.nesterov = s["nesterov"].get<bool>();
  o.beta1 = s["beta1"].get<double>();
  o.beta2 = s["beta2"].get<double>();
  o.epsilon = s["eps"].get<double>();
  o.weight_decay = s["weight_decay"].get<double>();
  o.rprop_delta_min = s["rprop_delta_min"].get<double>();
  o.rprop_delta_max = s["rprop_delta_max"].get<double>();
  o.rprop_increase = s["rprop_increase"].get<double>();
  o.rprop_decrease = s["rprop_decrease"].get<double>();
  o.clip_norm = s["clip_norm"].get<double>();
  if (o.kind == OptimizerKind::rprop) o.lr = s["rprop_delta0"].get<double>();
  return o;
}

// Relative agreement to 1e-9 (absolute for entries below 1).
::testing::AssertionResult close(const Matrix<double>& actual, const Matrix<double>& expected) {
  const double scale = std::max(1.0, expected.cwiseAbs().maxCoeff());
  return test::near(actual, expected, 1e-9 * scale);
}

class OptimizerTrajectory : public ::testing::TestWithParam<int> {
 protected:
  nlohmann::json golden() const {
    return test::load_golden("optimizer_trajectories.json")["cases"][GetParam()];
  }
};

// Ten steps, one mini-batch each, in file order: every loss and every parameter after every step.
TEST_P(OptimizerTrajectory, MatchesPyTorchStepByStep) {
  const nlohmann::json c = golden();
  SCOPED_TRACE(c["name"].get<std::string>());
  Network<double> net = model_from_json(c["model"].dump(), "golden");
  const Matrix<double> x = matrix_from_rows(c["x"]), y = matrix_from_rows(c["y"]);
  const Eigen::Index n = x.cols();
  const Eigen::Index batch = c["batch_size"].get<int>() == 0 ? n : c["batch_size"].get<int>();
  Optimizer<double> optimizer(net, options_of(c));
  Eigen::Index begin = 0;
  for (std::size_t step = 0; step < c["steps"].size(); ++step) {
    SCOPED_TRACE("step " + std::to_string(step + 1));
    const Eigen::Index count = std::min(batch, n - begin);
    const Matrix<double> xb = x.middleCols(begin, count), yb = y.middleCols(begin, count);
    begin = (begin + count == n) ? 0 : begin + count;
    net.forward(xb);
    const nlohmann::json& expected = c["steps"][step];
    EXPECT_NEAR(net.loss_value(yb), expected["loss"].get<double>(),
                1e-9 * std::max(1.0, std::abs(expected["loss"].get<double>())));
    net.backward(xb, yb);
    optimizer.step();
    EXPECT_EQ(optimizer.steps(), static_cast<long>(step + 1));
    for (std::size_t l = 0; l < net.depth(); ++l) {
      EXPECT_TRUE(close(net.layer(l).W, matrix_from_rows(expected["layers"][l]["weights"])));
      EXPECT_TRUE(close(net.layer(l).b, column_from_list(expected["layers"][l]["bias"])));
    }
  }
}

// The same trajectory through train(): whole epochs in file order (--no-shuffle).
TEST_P(OptimizerTrajectory, TrainLoopFollowsTheSameTrajectory) {
  const nlohmann::json c = golden();
  SCOPED_TRACE(c["name"].get<std::string>());
  Network<double> net = model_from_json(c["model"].dump(), "golden");
  const Matrix<double> x = matrix_from_rows(c["x"]), y = matrix_from_rows(c["y"]);
  const int n = static_cast<int>(x.cols());
  const int batch = c["batch_size"].get<int>() == 0 ? n : c["batch_size"].get<int>();
  const int per_epoch = (n + batch - 1) / batch;
  const int epochs = static_cast<int>(c["steps"].size()) / per_epoch;
  TrainOptions options;
  options.epochs = epochs;
  options.batch_size = c["batch_size"].get<int>();
  options.shuffle = false;
  options.optimizer = options_of(c);
  const TrainResult result = train(net, x, y, options);
  ASSERT_EQ(result.history.size(), static_cast<std::size_t>(epochs));
  for (int e = 0; e < epochs; ++e) {
    // The epoch's loss is the size-weighted mean of its batches' losses.
    double sum = 0;
    for (int k = 0; k < per_epoch; ++k) {
      const int count = std::min(batch, n - k * batch);
      sum += c["steps"][e * per_epoch + k]["loss"].get<double>() * count;
    }
    EXPECT_NEAR(result.history[e].loss, sum / n, 1e-9);
  }
  const nlohmann::json& last = c["steps"][epochs * per_epoch - 1];
  for (std::size_t l = 0; l < net.depth(); ++l) {
    EXPECT_TRUE(close(net.layer(l).W, matrix_from_rows(last["layers"][l]["weights"])));
    EXPECT_TRUE(close(net.layer(l).b, column_from_list(last["layers"][l]["bias"])));
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, OptimizerTrajectory, ::testing::Range(0, 14),
                         [](const auto& info) {
                           return test::load_golden(
                                      "optimizer_trajectories.json")["cases"][info.param]["name"]
                               .template get<std::string>();
                         });

// Learning-rate schedules: whole epochs through train() in file order, against torch's schedulers
// (generate_optimizers.py's schedule_cases): every epoch's rate, loss, validation loss and
// parameters.
LrSchedule schedule_of(const nlohmann::json& c) {
  const nlohmann::json& s = c["schedule"];
  LrSchedule schedule;
  schedule.kind = schedule_from_string(s["kind"].get<std::string>());
  schedule.step_size = s["step_size"].get<int>();
  schedule.gamma = s["gamma"].get<double>();
  schedule.t_max = s["t_max"].get<int>();
  schedule.min_lr = s["min_lr"].get<double>();
  schedule.patience = s["patience"].get<int>();
  schedule.factor = s["factor"].get<double>();
  return schedule;
}

class ScheduleTrajectory : public ::testing::TestWithParam<int> {};

TEST_P(ScheduleTrajectory, TrainMatchesPyTorchEpochByEpoch) {
  const nlohmann::json c =
      test::load_golden("optimizer_trajectories.json")["schedule_cases"][GetParam()];
  SCOPED_TRACE(c["name"].get<std::string>());
  Network<double> net = model_from_json(c["model"].dump(), "golden");
  const Matrix<double> x = matrix_from_rows(c["x"]), y = matrix_from_rows(c["y"]);
  const bool validation = c.contains("x_val");
  Matrix<double> xv, yv;
  if (validation) xv = matrix_from_rows(c["x_val"]), yv = matrix_from_rows(c["y_val"]);
  const nlohmann::json& epochs = c["epochs"];
  TrainOptions options;
  options.epochs = static_cast<int>(epochs.size());
  options.batch_size = c["batch_size"].get<int>();
  options.shuffle = false;
  options.optimizer = options_of(c);
  options.lr_schedule = schedule_of(c);
  const auto relative = [](double expected) { return 1e-9 * std::max(1.0, std::abs(expected)); };
  int checked = 0;
  const TrainResult result = train(
      net, x, y, options, validation ? &xv : nullptr, validation ? &yv : nullptr,
      [&](const EpochRecord& r) {
        const nlohmann::json& expected = epochs[static_cast<std::size_t>(r.epoch)];
        SCOPED_TRACE("epoch " + std::to_string(r.epoch));
        const double lr = expected["lr"].get<double>();
        EXPECT_NEAR(r.lr, lr, 1e-9 * lr);
        EXPECT_NEAR(r.loss, expected["loss"].get<double>(), relative(expected["loss"]));
        if (validation) {
          EXPECT_NEAR(r.val_loss, expected["val_loss"].get<double>(),
                      relative(expected["val_loss"]));
        }
        for (std::size_t l = 0; l < net.depth(); ++l) {
          EXPECT_TRUE(close(net.layer(l).W, matrix_from_rows(expected["layers"][l]["weights"])));
          EXPECT_TRUE(close(net.layer(l).b, column_from_list(expected["layers"][l]["bias"])));
        }
        ++checked;
        return true;
      });
  EXPECT_EQ(checked, options.epochs);
  EXPECT_EQ(result.history.size(), epochs.size());
}

INSTANTIATE_TEST_SUITE_P(Golden, ScheduleTrajectory, ::testing::Range(0, 30), [](const auto& info) {
  return test::load_golden("optimizer_trajectories.json")["schedule_cases"][info.param]["name"]
      .template get<std::string>();
});

TEST(Schedule, BadSettingsNameTheFieldAndRpropRefusesOne) {
  TrainOptions o;
  o.lr_schedule.kind = ScheduleKind::step;
  o.lr_schedule.step_size = 0;
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("TrainOptions.lr_schedule.step_size"),
            std::string::npos);
  o.lr_schedule = {};
  o.lr_schedule.kind = ScheduleKind::plateau;
  o.lr_schedule.factor = 1;
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("TrainOptions.lr_schedule.factor"),
            std::string::npos);
  o.lr_schedule.factor = 0.5;
  o.optimizer.kind = OptimizerKind::rprop;
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("TrainOptions.lr_schedule: rprop"),
            std::string::npos);
  o.lr_schedule.kind = ScheduleKind::constant;
  EXPECT_NO_THROW(o.validate());
  EXPECT_THROW(schedule_from_string("linear"), Error);
  EXPECT_EQ(schedule_from_string("cosine"), ScheduleKind::cosine);
}

// Cosine's T defaults to the epochs; at T the rate is eta_min, then it climbs back (torch's
// CosineAnnealingLR past T_max).
TEST(Schedule, CosineDefaultsToTheEpochsAndClimbsBackPastIt) {
  LrSchedule s;
  s.kind = ScheduleKind::cosine;
  s.min_lr = 0.01;
  LrScheduler scheduler(s, 0.1, 4);
  std::vector<double> rates{scheduler.lr()};
  for (int e = 0; e < 6; ++e) {
    scheduler.step(0);
    rates.push_back(scheduler.lr());
  }
  EXPECT_NEAR(rates[2], 0.01 + 0.09 * 0.5, 1e-15);
  EXPECT_NEAR(rates[4], 0.01, 1e-15);
  EXPECT_GT(rates[5], rates[4]);
  EXPECT_NEAR(rates[6], rates[2], 1e-15);
}

// --stop-loss: training stops after the first epoch whose loss (as recorded) is below it.
TEST(Train, StopLossStopsOnceTheLossIsBelowIt) {
  Network<double> init(2, {{4, {Activation::tanh}}, {1, {Activation::sigmoid}}}, Loss::mse);
  initialize(init, Init::he_normal, 42);
  const test::XorData xor_table;
  const Matrix<double>& x = xor_table.x;
  const Matrix<double>& y = xor_table.y;
  TrainOptions o;
  o.epochs = 3000;
  o.optimizer = OptimizerOptions::gd(2.0);
  Network<double> full = init;
  const TrainResult all = train(full, x, y, o);
  o.stop_loss = 0.05;
  Network<double> net = init;
  const TrainResult stopped = train(net, x, y, o);
  ASSERT_TRUE(stopped.reached_stop_loss);
  ASSERT_LT(stopped.history.size(), all.history.size());
  EXPECT_LT(stopped.history.back().loss, 0.05);
  for (std::size_t e = 0; e + 1 < stopped.history.size(); ++e) {
    EXPECT_GE(stopped.history[e].loss, 0.05);
    EXPECT_EQ(stopped.history[e].loss, all.history[e].loss);
  }
  o.stop_loss = -1;
  EXPECT_NE(test::error_of([&] { o.validate(); }).find("TrainOptions.stop_loss"),
            std::string::npos);
}

TEST(Optimizer, RpropStepStaysWithinItsBounds) {
  Network<double> net(1, {{1, {Activation::linear}}}, Loss::mse);
  OptimizerOptions o;
  o.kind = OptimizerKind::rprop;
  o.lr = 0.1;
  o.rprop_delta_max = 0.5;
  o.rprop_delta_min = 0.05;
  Optimizer<double> optimizer(net, o);
  for (int i = 0; i < 20; ++i) {  // same sign every step: Δ grows to Δmax and stays
    net.layer(0).dW << 1.0;
    net.layer(0).db << 1.0;
    optimizer.step();
  }
  EXPECT_DOUBLE_EQ(optimizer.state()[0].second(0, 0), 0.5);
  for (int i = 0; i < 20; ++i) {  // alternating signs: Δ shrinks to Δmin and stays
    net.layer(0).dW << (i % 2 ? 1.0 : -1.0);
    optimizer.step();
  }
  EXPECT_DOUBLE_EQ(optimizer.state()[0].second(0, 0), 0.05);
}

TEST(Optimizer, BadSettingsNameTheField) {
  Network<double> net(1, {{1, {Activation::linear}}}, Loss::mse);
  OptimizerOptions o;
  o.lr = -1;
  std::string msg = test::error_of([&] { Optimizer<double>(net, o); });
  EXPECT_NE(msg.find("OptimizerOptions.lr: expected a positive learning rate, found -1"),
            std::string::npos)
      << msg;
  try {
    Optimizer<double>(net, o);
  } catch (const Error& e) {  // a front end can name the field its own way
    EXPECT_EQ(e.field(), "OptimizerOptions.lr");
    EXPECT_EQ(e.detail(), "expected a positive learning rate, found -1");
    EXPECT_EQ(e.kind(), Error::Kind::usage);
  }
  o.lr = 0.1;
  o.momentum = 1.5;
  msg = test::error_of([&] { Optimizer<double>(net, o); });
  EXPECT_NE(msg.find("OptimizerOptions.momentum"), std::string::npos) << msg;
  msg = test::error_of([] { optimizer_from_string("lbfgs"); });
  EXPECT_NE(msg.find("unknown optimizer 'lbfgs'"), std::string::npos) << msg;
}

// The decision rule that accuracy, `backprop predict`/`evaluate` and the plots share: one output
// thresholded at 0.5, several by argmax with ties to the lower class. With two outputs it is the
// plots' former rule a₁ > a₀ for every pair, NaN and infinities included.
TEST(Train, PredictedClassIsOneDecisionRule) {
  Matrix<double> one(1, 4);
  one << 0.2, 0.5, std::nextafter(0.5, 1.0), 0.9;
  EXPECT_EQ(predicted_classes(one), (std::vector<int>{0, 0, 1, 1}));
  Matrix<float> one_float(1, 3);
  one_float << 0.5f, std::nextafter(0.5f, 1.0f), 0.1f;
  EXPECT_EQ(predicted_classes(one_float), (std::vector<int>{0, 1, 0}));

  Matrix<double> three(3, 4);
  three << 0.2, 0.4, 0.1, 0.3,  //
      0.5, 0.4, 0.1, 0.3,       //
      0.3, 0.2, 0.8, 0.3;
  EXPECT_EQ(predicted_classes(three), (std::vector<int>{1, 0, 2, 0}));  // ties: the first

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> values = {-inf, -1.0, 0.0, 0.25, 1.0, inf, nan};
  Matrix<double> two(2, 1);
  for (double a0 : values)
    for (double a1 : values) {
      two << a0, a1;
      EXPECT_EQ(predicted_class(two, 0), a1 > a0 ? 1 : 0) << "a0 " << a0 << ", a1 " << a1;
    }

  // accuracy reads the target's class by the same rule: y = 0.5 is class 0, soft targets argmax
  Matrix<double> y_one(1, 4);
  y_one << 0.5, 0.0, 1.0, 0.7;
  EXPECT_DOUBLE_EQ(accuracy(one, y_one), 1.0);
  Matrix<double> y_three(3, 4);
  y_three << 0.0, 1.0, 0.2, 0.1,  //
      1.0, 0.0, 0.2, 0.8,         //
      0.0, 0.0, 0.6, 0.1;
  EXPECT_DOUBLE_EQ(accuracy(three, y_three), 0.75);  // the last sample predicts 0, truth 1
}

TEST(Train, FlushDenormalsCoversThePoolThreadsAndRestoresThem) {
#if defined(__SSE__) && defined(_OPENMP)
  const int before = omp_get_max_threads();
  omp_set_num_threads(2);
  unsigned during[2] = {0, 0}, after[2] = {1, 1};
  {
    FlushDenormals flush;
#pragma omp parallel num_threads(2)
    during[omp_get_thread_num()] = _mm_getcsr() & 0x8040u;
  }
#pragma omp parallel num_threads(2)
  after[omp_get_thread_num()] = _mm_getcsr() & 0x8040u;
  omp_set_num_threads(before);
  EXPECT_EQ(during[0], 0x8040u) << "calling thread: FTZ and DAZ";
  EXPECT_EQ(during[1], 0x8040u) << "pool thread: FTZ and DAZ";
  EXPECT_EQ(after[0], 0u);
  EXPECT_EQ(after[1], 0u);
#else
  GTEST_SKIP() << "needs SSE and OpenMP";
#endif
}

TEST(Train, SameSeedGivesBitIdenticalModelsAndShufflingMatters) {
  auto run = [](std::uint32_t seed, bool shuffle) {
    Network<double> net(2, {{6, {Activation::tanh}}, {1, {Activation::sigmoid}}}, Loss::bce);
    Random r(3);
    for (auto& layer : net.layers())
      for (Eigen::Index i = 0; i < layer.W.size(); ++i) layer.W(i) = r.normal() * 0.5;
    Matrix<double> x(2, 30), y(1, 30);
    for (Eigen::Index j = 0; j < 30; ++j) {
      x(0, j) = r.normal();
      x(1, j) = r.normal();
      y(0, j) = x(0, j) * x(1, j) > 0;
    }
    TrainOptions o;
    o.epochs = 20;
    o.batch_size = 7;
    o.seed = seed;
    o.shuffle = shuffle;
    o.classification = true;
    o.optimizer.kind = OptimizerKind::adam;
    o.optimizer.lr = 0.01;
    train(net, x, y, o);
    return net.layer(0).W;
  };
  EXPECT_EQ(run(1, true), run(1, true));
  EXPECT_NE(run(1, true), run(2, true));
  EXPECT_EQ(run(1, false), run(2, false));  // in file order the seed plays no part
}

TEST(Train, ShuffleIsNumpysLegacyShuffle) {
  // np.random.seed(0); p = np.arange(10); np.random.shuffle(p) -> [2 8 4 9 1 6 7 3 0 5]
  Random r(0);
  const std::vector<std::size_t> expected = {2, 8, 4, 9, 1, 6, 7, 3, 0, 5};
  EXPECT_EQ(shuffled_indices(10, r), expected);
}

// A 1-1 linear net (zero weights) learning y = x on 0..3, with a validation set of two samples.
struct LineFit {
  Network<double> net{1, {{1, {Activation::linear}}}, Loss::mse};
  Matrix<double> x{1, 4}, y{1, 4}, xv{1, 2}, yv{1, 2};
  LineFit(double xv0, double xv1, double yv0, double yv1) {
    x << 0, 1, 2, 3;
    y << 0, 1, 2, 3;
    xv << xv0, xv1;
    yv << yv0, yv1;
  }
};

TEST(Train, EarlyStoppingKeepsTheBestModel) {
  LineFit f(0, 1, 5, 5);  // the better the fit to y, the worse the validation loss
  Network<double>& net = f.net;
  const Matrix<double>&x = f.x, &y = f.y, &xv = f.xv, &yv = f.yv;
  TrainOptions o;
  o.epochs = 100;
  o.patience = 3;
  o.optimizer.lr = 0.05;
  const TrainResult result = train(net, x, y, o, &xv, &yv);
  EXPECT_TRUE(result.stopped_early);
  ASSERT_GE(result.best_epoch, 0);
  EXPECT_EQ(result.history.size(), static_cast<std::size_t>(result.best_epoch + 4));
  net.forward(xv);
  EXPECT_DOUBLE_EQ(net.loss_value(yv), result.history[result.best_epoch].val_loss);
}

// keep_best: every epoch runs, and the model kept is the earliest with the lowest validation loss.
TEST(Train, KeepBestRunsEveryEpochAndKeepsTheLowestValidationLoss) {
  LineFit f(1, 1, 0.5, 0.5);  // on its way from w = 0 to w = 1, the fit of y passes this optimum
  Network<double>& net = f.net;
  const Matrix<double>&x = f.x, &y = f.y, &xv = f.xv, &yv = f.yv;
  TrainOptions o;
  o.epochs = 60;
  o.keep_best = true;
  o.optimizer = {OptimizerKind::sgd, 0.01};
  const TrainResult result = train(net, x, y, o, &xv, &yv);
  ASSERT_EQ(result.history.size(), 60u);  // no early stop
  EXPECT_FALSE(result.stopped_early);
  std::size_t lowest = 0;
  for (std::size_t e = 1; e < result.history.size(); ++e)
    if (result.history[e].val_loss < result.history[lowest].val_loss) lowest = e;
  ASSERT_GT(lowest, 0u);
  ASSERT_LT(lowest, 59u);  // an interior optimum, so keeping it is not keeping the last
  EXPECT_EQ(result.best_epoch, static_cast<int>(lowest));
  net.forward(xv);
  EXPECT_DOUBLE_EQ(net.loss_value(yv), result.history[lowest].val_loss);
  // Without validation data there is nothing to keep by: an error naming the field.
  Network<double> other(1, {{1, {Activation::linear}}}, Loss::mse);
  EXPECT_NE(test::error_of([&] { train(other, x, y, o); }).find("TrainOptions.keep_best"),
            std::string::npos);
}

// TrainOptions.tolerance (scikit-learn's tol): epochs that lower the loss by no more than it do
// not reset the patience count, but the lowest-loss model is still the one kept.
TEST(Train, ToleranceCountsOnlyImprovementsLargerThanIt) {
  Matrix<double> x(1, 4), y(1, 4);
  x << 0, 1, 2, 3;
  y << 0, 1, 2, 3;
  TrainOptions o;
  o.epochs = 400;
  o.patience = 3;
  o.optimizer = OptimizerOptions::gd(0.01);
  Network<double> plain(1, {{1, {Activation::linear}}}, Loss::mse);
  const TrainResult without = train(plain, x, y, o);
  EXPECT_FALSE(without.stopped_early);  // the loss falls every epoch
  o.tolerance = 1e-3;
  Network<double> net(1, {{1, {Activation::linear}}}, Loss::mse);
  const TrainResult with = train(net, x, y, o);
  ASSERT_TRUE(with.stopped_early);
  const std::size_t n = with.history.size();
  ASSERT_GE(n, 4u);
  for (std::size_t e = n - 3; e < n; ++e) {
    double best_before = with.history[0].loss;
    for (std::size_t k = 0; k < e; ++k) best_before = std::min(best_before, with.history[k].loss);
    EXPECT_GE(with.history[e].loss, best_before - 1e-3);
  }
  EXPECT_EQ(with.best_epoch, static_cast<int>(n) - 1);  // still falling: the last is the best
  o.tolerance = -1;
  EXPECT_THROW(o.validate(), Error);
}

// A 1-3-1 relu regression on two far-apart inputs, trained by gradient descent at `lr`: the
// network after training, its data and what train() reported.
struct UnscaledRun {
  Network<double> net{1, {{3, {Activation::relu}}, {1, {Activation::linear}}}, Loss::mse};
  Matrix<double> x{1, 2}, y{1, 2};
  TrainResult result;
  explicit UnscaledRun(double lr) {
    initialize(net, Init::he_normal, 3);
    x << 100, -100;
    y << 1, 2;
    TrainOptions o;
    o.epochs = 1000;
    o.optimizer = {OptimizerKind::sgd, lr};
    result = train(net, x, y, o);
  }
};

TEST(Train, DivergenceStopsNamingEpochAndLayerAndKeepsTheLastGoodModel) {
  UnscaledRun run(1e300);  // one step overflows the weights
  Network<double>& net = run.net;
  const TrainResult& result = run.result;
  ASSERT_TRUE(result.diverged);
  EXPECT_NE(result.divergence.find("training diverged at epoch"), std::string::npos)
      << result.divergence;
  EXPECT_NE(result.divergence.find("first appeared in layer"), std::string::npos)
      << result.divergence;
  EXPECT_NE(result.divergence.find("smaller learning rate"), std::string::npos)
      << result.divergence;
  // The model kept is finite and is the one the last recorded (finite) loss was computed on.
  for (const auto& layer : net.layers()) EXPECT_TRUE(layer.W.allFinite() && layer.b.allFinite());
  ASSERT_FALSE(result.history.empty());
  EXPECT_TRUE(std::isfinite(result.history.back().loss));
  net.forward(run.x);
  EXPECT_EQ(net.loss_value(run.y), result.history.back().loss);
}

// A loss that climbs by orders of magnitude is divergence before it overflows (gradient descent
// at lr 10 on unscaled inputs reached 3.7e261 with a finite loss and no complaint).
TEST(Train, LossGrowingAMillionFoldIsDivergence) {
  const TrainResult result = UnscaledRun(10).result;
  ASSERT_TRUE(result.diverged);
  EXPECT_NE(result.divergence.find("the loss grew from"), std::string::npos) << result.divergence;
  for (const EpochRecord& r : result.history)
    EXPECT_LE(r.loss, kDivergenceGrowth * result.history.front().loss);
  // A loss that falls, or only rises a little, is not divergence.
  EXPECT_FALSE(UnscaledRun(1e-5).result.diverged);
}

// Interrupted after some epochs and resumed from the checkpoint, a run ends with exactly the
// model of an uninterrupted run: shuffled mini-batches, adam, both precisions.
template <typename S>
void expect_resume_is_bit_identical(const LrSchedule& schedule = {}, double lr = 0.01) {
  Network<double> init(2, {{8, {Activation::tanh}}, {3, {Activation::softmax}}},
                       Loss::cross_entropy);
  initialize(init, Init::glorot_uniform, 7);
  Random r(8);
  Matrix<S> x(2, 50), y = Matrix<S>::Zero(3, 50);
  for (Eigen::Index j = 0; j < 50; ++j) {
    x(0, j) = static_cast<S>(r.normal());
    x(1, j) = static_cast<S>(r.normal());
    y(j % 3, j) = 1;
  }
  TrainOptions o;
  o.epochs = 12;
  o.batch_size = 16;
  o.classification = true;
  o.patience = 100;
  o.optimizer.kind = OptimizerKind::adam;
  o.optimizer.lr = lr;
  o.lr_schedule = schedule;
  Network<S> straight = init.cast<S>();
  const TrainResult full = train(straight, x, y, o, &x, &y);

  Network<S> first = init.cast<S>();
  std::string checkpoint;
  TrainOptions stop_after_5 = o;
  stop_after_5.checkpoint_every = 5;
  stop_after_5.on_checkpoint = [&](const TrainState& s) {
    checkpoint = checkpoint_to_json(s, "fingerprint");
  };
  volatile std::sig_atomic_t stop = 0;
  stop_after_5.stop_requested = &stop;
  train(first, x, y, stop_after_5, &x, &y, [&](const EpochRecord& rec) {
    if (rec.epoch == 4) stop = 1;
    return true;
  });
  std::string fingerprint;
  const TrainState state = parse_checkpoint(checkpoint, "mem", &fingerprint);
  EXPECT_EQ(fingerprint, "fingerprint");
  EXPECT_EQ(state.epochs_done, 5);
  TrainOptions resumed = o;
  resumed.resume = &state;
  Network<S> second = init.cast<S>();  // the checkpoint brings its own weights
  const TrainResult rest = train(second, x, y, resumed, &x, &y);
  ASSERT_EQ(rest.history.size(), full.history.size());
  for (std::size_t e = 0; e < full.history.size(); ++e) {
    EXPECT_EQ(rest.history[e].loss, full.history[e].loss) << e;
    EXPECT_EQ(rest.history[e].lr, full.history[e].lr) << e;
  }
  if (schedule.kind != ScheduleKind::constant) {  // the rate changes after the checkpoint
    EXPECT_NE(full.history[5].lr, full.history[11].lr);
  }
  for (std::size_t l = 0; l < straight.depth(); ++l) {
    EXPECT_EQ(second.layer(l).W, straight.layer(l).W);
    EXPECT_EQ(second.layer(l).b, straight.layer(l).b);
  }
}

TEST(Train, ResumeFromCheckpointEqualsUninterruptedRun) {
  expect_resume_is_bit_identical<double>();
  expect_resume_is_bit_identical<float>();
}

TEST(Train, ResumeWithAScheduleEqualsUninterruptedRun) {
  LrSchedule cosine;
  cosine.kind = ScheduleKind::cosine;
  cosine.t_max = 7;
  cosine.min_lr = 1e-3;
  expect_resume_is_bit_identical<double>(cosine);
  expect_resume_is_bit_identical<float>(cosine);
  LrSchedule plateau;
  plateau.kind = ScheduleKind::plateau;
  plateau.patience = 0;
  plateau.factor = 0.5;
  expect_resume_is_bit_identical<double>(plateau, 1e-5);  // small steps: the loss plateaus
  LrSchedule step;
  step.kind = ScheduleKind::step;
  step.step_size = 4;
  step.gamma = 0.3;
  expect_resume_is_bit_identical<float>(step);
}

// A checkpoint from before schedules (no "lr_scheduler") resumes a constant-rate run exactly.
TEST(Train, CheckpointWithoutSchedulerStateResumes) {
  Network<double> net(2, {{4, {Activation::tanh}}, {1, {Activation::sigmoid}}}, Loss::mse);
  initialize(net, Init::he_normal, 3);
  const test::XorData xor_table;
  const Matrix<double>& x = xor_table.x;
  const Matrix<double>& y = xor_table.y;
  TrainOptions o;
  o.epochs = 6;
  o.optimizer = OptimizerOptions::gd(0.5);
  Network<double> straight = net;
  train(straight, x, y, o);
  std::string text;
  TrainOptions first = o;
  first.epochs = 3;
  first.checkpoint_every = 3;
  first.on_checkpoint = [&](const TrainState& s) { text = checkpoint_to_json(s, "f"); };
  Network<double> part = net;
  train(part, x, y, first);
  nlohmann::json doc = nlohmann::json::parse(text);
  ASSERT_TRUE(doc.contains("lr_scheduler"));
  doc.erase("lr_scheduler");
  const TrainState state = parse_checkpoint(doc.dump(), "old.json", nullptr);
  EXPECT_FALSE(state.scheduler.has_value());
  TrainOptions resumed = o;
  resumed.resume = &state;
  Network<double> rest = net;
  const TrainResult r = train(rest, x, y, resumed);
  EXPECT_EQ(r.history.back().lr, 0.5);
  for (std::size_t l = 0; l < net.depth(); ++l) EXPECT_EQ(rest.layer(l).W, straight.layer(l).W);
}

TEST(Train, CheckpointErrorsAreClear) {
  std::string msg = test::error_of([] { parse_checkpoint("{}", "c.json", nullptr); });
  EXPECT_NE(msg.find("c.json: not a usable checkpoint"), std::string::npos) << msg;
  msg = test::error_of([] {
    parse_checkpoint("{\"format\": \"backprop-checkpoint\", \"version\": 1", "c.json", nullptr);
  });
  EXPECT_NE(msg.find("c.json: not a usable checkpoint"), std::string::npos) << msg;
}

TEST(Random, StateRoundTripContinuesTheStream) {
  Random a(5);
  a.normal();  // leaves a cached second normal
  Random b(99);
  b.restore(a.state());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.normal(), b.normal());
  EXPECT_THROW(b.restore("garbage"), Error);
}

TEST(Train, FloatAndDoubleTrainingAgree) {
  Network<double> net(2, {{8, {Activation::tanh}}, {1, {Activation::sigmoid}}}, Loss::mse);
  Random r(5);
  for (auto& layer : net.layers())
    for (Eigen::Index i = 0; i < layer.W.size(); ++i) layer.W(i) = r.normal();
  Network<float> netf = net.cast<float>();
  const test::XorData xor_table;
  const Matrix<double>& x = xor_table.x;
  const Matrix<double>& y = xor_table.y;
  TrainOptions o;
  o.epochs = 200;
  o.optimizer.lr = 2.0;
  const TrainResult rd = train(net, x, y, o);
  const Matrix<float> xf = x.cast<float>(), yf = y.cast<float>();
  const TrainResult rf = train(netf, xf, yf, o);
  EXPECT_NEAR(rf.history.back().loss, rd.history.back().loss, 1e-4);
  EXPECT_TRUE(test::near(netf.forward(xf).cast<double>(), net.forward(x), 1e-4));
}

}  // namespace
}  // namespace backprop
