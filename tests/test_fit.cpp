// The training pipeline (model/fit.h) and the model bundle (model/model.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/model/fit.h"
#include "test_util.h"

namespace backprop {
namespace {

FitOptions lesson_xor_options() {
  FitOptions o = default_fit_options(DataSource::generated("xor"));
  o.hidden = {4};
  o.activation = {Activation::sigmoid};
  o.output_activation = Activation::sigmoid;
  o.loss = Loss::mse;
  o.training.epochs = 10000;
  o.training.optimizer = {OptimizerKind::sgd, 2.0};
  return o;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("backprop_test_fit_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// The pipeline adds nothing to the numbers: fit() on the lesson's XOR equals train() on the
// network built by hand, bit for bit, and ends at the lesson's outputs.
TEST(Fit, LessonXorEqualsTheBareTrainingLoop) {
  const FitResult r = fit(lesson_xor_options());
  Dataset d = make_xor();
  encode_targets(d, TargetEncoding::binary);
  Network<double> net(2, {{4, {Activation::sigmoid}}, {1, {Activation::sigmoid}}}, Loss::mse);
  initialize(net, Init::he_normal, 42);
  TrainOptions t;
  t.epochs = 10000;
  t.optimizer = {OptimizerKind::sgd, 2.0};
  const TrainResult bare = train(net, d.x, d.y, t);
  ASSERT_EQ(r.history().size(), bare.history.size());
  for (std::size_t e = 0; e < bare.history.size(); e += 999)
    EXPECT_EQ(r.history()[e].loss, bare.history[e].loss) << e;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    EXPECT_EQ(r.model.network.layer(l).W, net.layer(l).W);
    EXPECT_EQ(r.model.network.layer(l).b, net.layer(l).b);
  }
  EXPECT_EQ(r.history()[0].accuracy, 0.5);  // classification inferred, as the lesson
  const Matrix<double> p = r.model.predict(d.x);
  EXPECT_NEAR(p(0, 3), 0.0102, 5e-5);  // the lesson's table: (1, 1) -> 0.0102
  EXPECT_EQ(r.setup.architecture, "2-4-1");
  EXPECT_EQ(r.model.info.class_names, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(r.model.info.history.size(), 10000u);
}

TEST(Fit, OutputAndLossFollowTheTargets) {
  FitOptions o = default_fit_options(DataSource::generated("moons"));
  o.training.epochs = 3;
  FitResult r = fit(o);
  EXPECT_EQ(r.model.network.outputs(), 1);  // two classes: one sigmoid output
  EXPECT_EQ(r.model.network.loss(), Loss::bce);
  o.data = DataSource::generated("blobs");
  r = fit(o);
  EXPECT_EQ(r.model.network.outputs(), 3);
  EXPECT_EQ(r.model.network.layers().back().activation.kind, Activation::softmax);
  EXPECT_EQ(r.model.network.loss(), Loss::cross_entropy);
  Dataset numeric;
  numeric.x = Matrix<double>::Random(2, 20);
  numeric.y = numeric.x.colwise().sum();
  numeric.feature_names = {"a", "b"};
  numeric.target_names = {"y"};
  o.data = DataSource::in_memory(numeric);
  r = fit(o);
  EXPECT_EQ(r.model.network.layers().back().activation.kind, Activation::linear);
  EXPECT_EQ(r.model.network.loss(), Loss::mse);
  EXPECT_TRUE(std::isnan(r.history()[0].accuracy));
  EXPECT_FALSE(r.model.is_classifier());
}

TEST(Fit, DefaultsAreTheCommandLinesAndFashionMnistHasItsOwn) {
  const FitOptions o = default_fit_options();
  EXPECT_EQ(o.hidden, std::vector<int>{16});
  EXPECT_EQ(o.activation.kind, Activation::relu);
  EXPECT_EQ(o.training.epochs, 1000);
  EXPECT_EQ(o.training.batch_size, 0);
  EXPECT_EQ(o.training.optimizer.kind, OptimizerKind::adam);
  EXPECT_EQ(o.training.optimizer.lr, 0.01);
  EXPECT_EQ(o.training.seed, 42u);
  EXPECT_EQ(o.precision, Precision::float64);
  const FitOptions f = default_fit_options(DataSource::fashion_mnist());
  EXPECT_EQ(f.hidden, (std::vector<int>{256, 128}));
  EXPECT_EQ(f.training.epochs, 15);
  EXPECT_EQ(f.training.batch_size, 128);
  EXPECT_EQ(f.training.optimizer.lr, 1e-3);
  EXPECT_EQ(f.precision, Precision::float32);
}

TEST(Fit, BadOptionsNameTheirField) {
  FitOptions o = default_fit_options(DataSource::generated("moons"));
  o.test_fraction = 1.5;
  try {
    fit(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "FitOptions.test_fraction");
    EXPECT_EQ(e.kind(), Error::Kind::usage);
  }
  o.test_fraction = 0;
  o.training.epochs = 0;
  EXPECT_NE(test::error_of([&] { fit(o); }).find("TrainOptions.epochs"), std::string::npos);
  EXPECT_NE(test::error_of([] { fit(FitOptions{}); }).find("FitOptions.data"), std::string::npos);
  EXPECT_NE(test::error_of([] { builtin_dataset("mnist"); }).find("fashion-mnist"),
            std::string::npos);  // the message lists every data set
}

TEST(Fit, WarnsAboutSettingsThatTrainGarbage) {
  // A continuous column used as class labels.
  const std::string path = temp_path("labels.csv");
  {
    std::ofstream out(path);
    out << "x,y\n";
    for (int i = 0; i < 40; ++i) out << i << "," << 0.5 * i + 0.25 << "\n";
  }
  FitOptions o = default_fit_options(DataSource::csv_classes(path, "y"));
  o.training.epochs = 2;
  o.training.patience = 5;  // and no validation data
  std::vector<std::string> heard;
  o.on_warning = [&](const std::string& w) { heard.push_back(w); };
  const FitResult r = fit(o);
  std::remove(path.c_str());
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard, r.warnings);
  EXPECT_NE(heard[0].find("40 distinct values among 40 samples"), std::string::npos) << heard[0];
  EXPECT_NE(heard[1].find("no validation data"), std::string::npos) << heard[1];
  // The lesson's XOR warns about nothing.
  FitOptions x = lesson_xor_options();
  x.training.epochs = 1;
  EXPECT_TRUE(fit(x).warnings.empty());
}

TEST(Fit, HeldOutSetsAreEvaluatedEveryEpochAndAtTheEnd) {
  FitOptions o = default_fit_options(DataSource::generated("circle", 200));
  o.training.epochs = 5;
  o.test_fraction = 0.25;
  o.validation_fraction = 0.2;
  o.standardize = true;
  const FitResult r = fit(o);
  EXPECT_EQ(r.setup.test_samples, 50u);
  EXPECT_EQ(r.setup.validation_samples, 30u);
  EXPECT_EQ(r.setup.train_samples, 120u);
  for (const EpochRecord& e : r.history()) {
    EXPECT_TRUE(std::isfinite(e.val_loss) && std::isfinite(e.test_loss) &&
                std::isfinite(e.test_accuracy));
  }
  ASSERT_TRUE(r.test.has_value());
  EXPECT_NEAR(r.test->loss, r.history().back().test_loss, 1e-12);
  long counted = 0;
  for (const auto& row : r.test->confusion)
    for (long c : row) counted += c;
  EXPECT_EQ(counted, 50);
  // The model scales raw inputs itself: predict on raw data = the network on scaled data.
  ASSERT_TRUE(r.model.is_standardized());
  Matrix<double> scaled = r.train_data.x;
  Standardizer{r.model.info.input_mean, r.model.info.input_scale}.apply(scaled);
  Network<double> net = r.model.network;
  EXPECT_TRUE(r.model.predict(r.train_data.x).isApprox(net.forward(scaled), 1e-15));
  // Probabilities: one sigmoid output becomes two rows that sum to 1.
  const Matrix<double> p = r.model.predict_proba(r.train_data.x);
  ASSERT_EQ(p.rows(), 2);
  EXPECT_TRUE((p.colwise().sum().array() - 1).abs().maxCoeff() < 1e-15);
}

// The test set's figures every epoch come from one forward pass over fixed blocks of it, which the
// threads share: the same numbers whatever the threads, and the last epoch's are the final
// evaluation's (to the rounding of the blocks' sums).
TEST(Fit, TestSetFiguresEveryEpochDoNotDependOnTheThreads) {
  FitOptions o = default_fit_options(DataSource::generated("blobs", 2560));
  o.hidden = {256, 128};  // a layer of 32768 weights: training shards, the test pass is shared
  o.training.epochs = 2;
  o.training.batch_size = 128;
  o.test_fraction = 0.75;  // about 1920 samples: three blocks of at least 512
  std::vector<FitResult> runs;
  for (int threads : {1, 2}) {
    o.threads = threads;
    runs.push_back(fit(o));
  }
  ASSERT_EQ(runs[1].setup.threads.threads, 2);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(runs[0].history()[e].test_loss, runs[1].history()[e].test_loss) << "epoch " << e;
    EXPECT_EQ(runs[0].history()[e].test_accuracy, runs[1].history()[e].test_accuracy);
  }
  for (const FitResult& r : runs) {
    ASSERT_TRUE(r.test.has_value());
    EXPECT_GE(r.test->samples, 3u * 512);
    EXPECT_NEAR(r.history().back().test_loss, r.test->loss, 1e-12 * r.test->loss);
    EXPECT_EQ(r.history().back().test_accuracy, r.test->accuracy);
    EXPECT_GT(r.test_seconds, 0);
  }
}

// A wide net on batches too small to split into shards keeps its products on one thread, asked
// for more or not (threads.h: OpenMP's threads stall on a busy machine); with shards it gets them.
TEST(Fit, WideNetOnBatchesTooSmallToShardTrainsOnOneThread) {
  FitOptions o = default_fit_options(DataSource::generated("blobs", 300));
  o.hidden = {256, 128};
  o.training.epochs = 1;
  o.threads = 2;
  o.training.batch_size = 64;
  FitResult r = fit(o);
  EXPECT_EQ(r.setup.threads.threads, 1);
  EXPECT_NE(r.setup.threads.reason.find("not split into shards"), std::string::npos)
      << r.setup.threads.reason;
  o.training.batch_size = 128;
  r = fit(o);
  EXPECT_EQ(r.setup.threads.threads, 2) << r.setup.threads.reason;
  o.hidden = {8};  // a narrow net: the request is obeyed
  o.training.batch_size = 64;
  r = fit(o);
  EXPECT_EQ(r.setup.threads.threads, 2) << r.setup.threads.reason;
}

TEST(Fit, CancelledRunResumesFromItsCheckpointToTheUninterruptedModel) {
  FitOptions o = default_fit_options(DataSource::generated("moons", 100));
  o.training.epochs = 30;
  o.training.batch_size = 16;
  o.hidden = {8, 8};
  const FitResult straight = fit(o);
  o.checkpoint_path = temp_path("ck.json");
  o.on_epoch = [](const EpochRecord& r) { return r.epoch < 11; };  // stop after epoch 11
  const FitResult cut = fit(o);
  EXPECT_TRUE(cut.training.interrupted);
  EXPECT_EQ(cut.history().size(), 12u);
  o.on_epoch = {};
  o.resume_path = o.checkpoint_path;
  const FitResult resumed = fit(o);
  EXPECT_EQ(resumed.setup.resumed_after_epoch, 11);
  EXPECT_EQ(model_to_json(resumed.model.network), model_to_json(straight.model.network));
  o.training.batch_size = 8;  // other settings: refused, naming both fingerprints
  try {
    fit(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "FitOptions.resume_path");
    EXPECT_NE(e.detail().find("made with other settings"), std::string::npos);
  }
  std::remove(o.checkpoint_path.c_str());
}

// The same without files: the state handed to training.on_checkpoint, continued through
// training.resume, ends bit-identical to the uninterrupted run.
TEST(Fit, InMemoryStateContinuesToTheUninterruptedModel) {
  FitOptions o = default_fit_options(DataSource::generated("moons", 100));
  o.training.epochs = 6;
  o.training.batch_size = 16;
  o.hidden = {8};
  const FitResult straight = fit(o);
  TrainState state;
  FitOptions first = o;
  first.training.epochs = 2;
  first.training.checkpoint_every = 1;
  first.training.on_checkpoint = [&](const TrainState& s) { state = s; };
  fit(first);
  EXPECT_EQ(state.epochs_done, 2);
  FitOptions rest = o;
  rest.training.resume = &state;
  const FitResult resumed = fit(rest);
  EXPECT_EQ(resumed.history().size(), 6u);
  EXPECT_EQ(model_to_json(resumed.model.network), model_to_json(straight.model.network));
  first.on_epoch = {};
  first.training.on_checkpoint = {};
  EXPECT_NE(test::error_of([&] { fit(first); }).find("TrainOptions.checkpoint_every"),
            std::string::npos);
}

TEST(Train, ClassificationIsInferredFromTheTargets) {
  Network<double> net(2, {{1, {Activation::sigmoid}}}, Loss::bce);
  Matrix<double> x = Matrix<double>::Random(2, 6), y(1, 6);
  y << 0, 1, 1, 0, 1, 0;
  TrainOptions t;
  t.epochs = 1;
  EXPECT_FALSE(std::isnan(train(net, x, y, t).history[0].accuracy));
  y << 0, 0.5, 1, 0, 1, 0;  // not class labels
  Network<double> other(2, {{1, {Activation::sigmoid}}}, Loss::mse);
  EXPECT_TRUE(std::isnan(train(other, x, y, t).history[0].accuracy));
  t.classification = false;  // and an explicit choice wins
  y << 0, 1, 1, 0, 1, 0;
  EXPECT_TRUE(std::isnan(train(net, x, y, t).history[0].accuracy));
}

}  // namespace
}  // namespace backprop
