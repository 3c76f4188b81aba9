// Class weights in the loss (losses.h) and in the pipeline (FitOptions.class_weight): values and
// dL/dz against PyTorch (tests/golden/generate_class_weights.py), gradient checks of the weighted
// losses through networks, scikit-learn's balanced weights, the option's syntax and errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/model/fit.h"
#include "backprop/random.h"
#include "backprop/teach/gradcheck.h"
#include "test_util.h"

namespace backprop {
namespace {

const nlohmann::json& golden() { return test::load_golden("class_weights.json"); }

// The weighted loss and delta_L equal torch's value and autograd gradient, in double.
TEST(ClassWeights, LossAndDeltaMatchPyTorch) {
  ASSERT_GE(golden().at("cases").size(), 10u);
  for (const auto& c : golden().at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    const Loss loss = loss_from_string(c.at("loss").get<std::string>());
    const ActivationSpec output{activation_from_string(c.at("output").get<std::string>())};
    const Matrix<double> z = test::matrix_from_rows(c.at("z"));
    const Matrix<double> y = test::matrix_from_rows(c.at("y"));
    const std::vector<double> w = c.at("class_weights").get<std::vector<double>>();
    Matrix<double> a, delta;
    activation_forward(output, z, a);
    const double expected = c.at("loss_value").get<double>();
    EXPECT_NEAR(loss_value(loss, output, z, a, y, w), expected, 1e-12 * std::abs(expected)) << name;
    loss_delta(loss, output, z, a, y, delta, w);
    EXPECT_TRUE(test::near(delta, test::matrix_from_rows(c.at("delta")), 1e-14)) << name;
    // In float, to float accuracy.
    const Matrix<float> zf = z.cast<float>(), yf = y.cast<float>();
    Matrix<float> af, deltaf;
    activation_forward(output, zf, af);
    EXPECT_NEAR(loss_value(loss, output, zf, af, yf, w), expected, 1e-5 * (1 + std::abs(expected)))
        << name;
    loss_delta(loss, output, zf, af, yf, deltaf, w);
    EXPECT_TRUE(test::near(deltaf.cast<double>(), test::matrix_from_rows(c.at("delta")), 1e-6))
        << name;
  }
}

// The weighted losses pass the gradient check through whole networks (W, b and x), alone and
// with dropout masks held fixed.
TEST(ClassWeights, GradientCheckOfTheWeightedLossesPasses) {
  struct Case {
    Activation output;
    Loss loss;
    int outputs;
    std::vector<double> weights;
  };
  const Case cases[] = {{Activation::softmax, Loss::cross_entropy, 3, {0.5, 2.0, 1.3}},
                        {Activation::sigmoid, Loss::bce, 1, {0.7, 3.0}},
                        {Activation::sigmoid, Loss::bce, 3, {0.5, 2.0, 1.3}},
                        {Activation::linear, Loss::mse, 3, {0.5, 2.0, 1.3}},
                        {Activation::sigmoid, Loss::mse, 1, {0.7, 3.0}},
                        {Activation::softmax, Loss::mse, 3, {0.5, 2.0, 1.3}}};
  const DropoutKey key{9, 2, nullptr};
  for (const Case& c : cases)
    for (bool dropout : {false, true}) {
      Network<double> net(3,
                          {{5, {Activation::tanh}, dropout ? 0.4 : 0.0},
                           {4, {Activation::sigmoid}, dropout ? 0.3 : 0.0},
                           {c.outputs, {c.output}}},
                          c.loss);
      initialize(net, Init::glorot_normal, 17);
      Random random(3);
      const int n = 6;
      Matrix<double> x(3, n), y = Matrix<double>::Zero(c.outputs, n);
      for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
      for (int j = 0; j < n; ++j)
        y(c.outputs == 1 ? 0 : j % c.outputs, j) = c.outputs == 1 ? j % 2 : 1;
      GradCheckOptions options;
      options.order = 4;
      options.epsilon = 1e-3;
      options.class_weights = c.weights;
      if (dropout) options.dropout = &key;
      const GradCheckReport report = gradient_check(net, x, y, options);
      const std::string name = to_string(c.loss) + "/" + to_string(c.output) + "/" +
                               std::to_string(c.outputs) + (dropout ? "/dropout" : "");
      for (const GradCheckTensor& t : report.tensors)
        EXPECT_LT(t.max_rel_error, 1e-6) << name << " " << t.name;
      // The weights matter: the plain loss differs.
      net.forward(x);
      EXPECT_GT(std::abs(report.loss - net.loss_value(y)), 1e-3) << name;
    }
}

// A sample's gradient does not depend on the rest of its batch (the mean is over N, not over
// the sum of the weights): the two halves' weighted deltas are the whole batch's columns, times
// the size ratio.
TEST(ClassWeights, MeanIsOverTheSamplesNotTheWeights) {
  const std::vector<double> w = {0.5, 2.0, 1.3};
  Matrix<double> z = Matrix<double>::Random(3, 6), y = Matrix<double>::Zero(3, 6), a, delta, half;
  for (int j = 0; j < 6; ++j) y(j % 3, j) = 1;
  activation_forward({Activation::softmax}, z, a);
  loss_delta(Loss::cross_entropy, {Activation::softmax}, z, a, y, delta, w);
  const Matrix<double> z2 = z.leftCols(3), a2 = a.leftCols(3), y2 = y.leftCols(3);
  loss_delta(Loss::cross_entropy, {Activation::softmax}, z2, a2, y2, half, w);
  EXPECT_TRUE(test::near(half / 2.0, delta.leftCols(3), 1e-15));
}

TEST(ClassWeights, WrongNumberOfWeightsIsAnError) {
  Matrix<double> z = Matrix<double>::Zero(3, 2), y = z, a = z;
  EXPECT_NE(test::error_of([&] {
              loss_value(Loss::mse, {Activation::linear}, z, a, y, {1.0, 2.0});
            }).find("expected 3 class weights (one per output), found 2"),
            std::string::npos);
  Matrix<double> z1 = Matrix<double>::Zero(1, 2), d;
  EXPECT_NE(test::error_of([&] {
              loss_delta(Loss::bce, {Activation::sigmoid}, z1, z1, z1, d, {1.0});
            }).find("expected 2 class weights"),
            std::string::npos);
}

Dataset labelled(const std::vector<int>& labels, int classes) {
  Dataset d;
  d.source = "labels";
  d.labels = labels;
  for (int c = 0; c < classes; ++c) d.class_names.push_back("c" + std::to_string(c));
  d.x = Matrix<double>::Zero(1, static_cast<Eigen::Index>(labels.size()));
  return d;
}

// "balanced" is scikit-learn's compute_class_weight("balanced") on the training labels.
TEST(ClassWeights, BalancedIsScikitLearns) {
  ClassWeight balanced = ClassWeight::parse("balanced");
  EXPECT_TRUE(balanced.balanced);
  for (const auto& b : golden().at("balanced")) {
    const std::vector<double> w = class_weights_for(
        balanced, labelled(b.at("labels").get<std::vector<int>>(), b.at("classes").get<int>()));
    const std::vector<double> expected = b.at("weights").get<std::vector<double>>();
    ASSERT_EQ(w.size(), expected.size());
    for (std::size_t c = 0; c < w.size(); ++c) EXPECT_NEAR(w[c], expected[c], 1e-15);
  }
  EXPECT_NE(test::error_of([&] {
              class_weights_for(balanced, labelled({0, 0, 2}, 3));
            }).find("class 'c1' has no training samples"),
            std::string::npos);
}

TEST(ClassWeights, ExplicitWeightsByNameOrIndexAndClearErrors) {
  const Dataset d = labelled({0, 1, 2, 1}, 3);
  EXPECT_EQ(class_weights_for(ClassWeight::parse("0:2,c2:0.5"), d),
            (std::vector<double>{2, 1, 0.5}));
  EXPECT_EQ(ClassWeight::parse("0:2,c2:0.5").describe(), "0:2,c2:0.5");
  EXPECT_TRUE(class_weights_for(ClassWeight{}, d).empty());
  const auto field_of = [](const std::function<void()>& f) {
    const std::string e = test::error_of(f);
    return e.substr(0, e.find(':'));
  };
  EXPECT_EQ(field_of([&] { class_weights_for(ClassWeight::parse("7:1"), d); }),
            "FitOptions.class_weight");
  EXPECT_NE(test::error_of([&] {
              class_weights_for(ClassWeight::parse("dog:1"), d);
            }).find("unknown class 'dog' (the classes are c0, c1, c2, or their indices 0 to 2)"),
            std::string::npos);
  for (const char* bad : {"", "0", "0:", ":1", "0:x", "0:1,", "balance"})
    EXPECT_EQ(field_of([&] { ClassWeight::parse(bad); }), "FitOptions.class_weight") << bad;
  Dataset numeric;
  numeric.source = "numbers.csv";
  EXPECT_NE(test::error_of([&] {
              class_weights_for(ClassWeight::parse("0:1"), numeric);
            }).find("need class-label targets"),
            std::string::npos);
  FitOptions o = default_fit_options(DataSource::generated("moons", 40));
  o.class_weight = ClassWeight::parse("0:-1");
  EXPECT_EQ(field_of([&] { fit(o); }), "FitOptions.class_weight");
  TrainOptions t;
  t.class_weights = {1, std::nan("")};
  EXPECT_EQ(field_of([&] { t.validate(); }), "TrainOptions.class_weights");
}

// In the pipeline: the weights reach the training loss (the run differs from an unweighted
// one, and unit weights do not change the model beyond rounding), are recorded in the model's
// settings, and are part of the checkpoint fingerprint.
TEST(ClassWeights, FitTrainsWithThemAndRecordsThem) {
  FitOptions o = default_fit_options(DataSource::generated("blobs", 90));
  o.training.epochs = 20;
  o.hidden = {8};
  const FitResult plain = fit(o);
  o.class_weight = ClassWeight::parse("1:1");
  const FitResult unit = fit(o);
  EXPECT_NEAR(unit.history().back().loss, plain.history().back().loss, 1e-12);
  o.class_weight = ClassWeight::parse("balanced");
  const FitResult weighted = fit(o);
  o.class_weight = ClassWeight::parse("0:1,1:5,2:1");
  const FitResult five = fit(o);
  EXPECT_NE(five.history().back().loss, plain.history().back().loss);
  std::string recorded;
  for (const auto& [name, value] : five.model.info.settings)
    if (name == "class_weights") recorded = value;
  EXPECT_EQ(recorded, "[1.0,5.0,1.0]");
  // blobs has equal classes, so its balanced weights are all 1
  EXPECT_NEAR(weighted.history().back().loss, plain.history().back().loss, 1e-12);

  o.training.checkpoint_every = 5;
  o.checkpoint_path = (std::filesystem::temp_directory_path() /
                       ("backprop_cw_" + std::to_string(::getpid()) + ".json"))
                          .string();
  fit(o);
  o.checkpoint_path.swap(o.resume_path);
  o.training.checkpoint_every = 0;
  o.class_weight = ClassWeight::parse("0:1,1:4,2:1");
  const std::string e = test::error_of([&] { fit(o); });
  EXPECT_NE(e.find("class_weight=0:1,1:5,2:1"), std::string::npos) << e;
  std::remove(o.resume_path.c_str());
  // Regression targets refuse them, naming the option.
  FitOptions numeric = default_fit_options(DataSource::in_memory([] {
    Dataset d;
    d.source = "numbers";
    d.x = Matrix<double>::Random(2, 10);
    d.y = Matrix<double>::Random(1, 10);
    d.target_names = {"t"};
    return d;
  }()));
  numeric.class_weight = ClassWeight::parse("balanced");
  EXPECT_EQ(test::error_of([&] { fit(numeric); }).rfind("FitOptions.class_weight:", 0), 0u);
}

}  // namespace
}  // namespace backprop
