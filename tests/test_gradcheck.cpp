// Every differentiable piece passes a numerical gradient check in double: every activation in
// hidden and output positions, every valid loss, depths of 0 to 3 hidden layers, several batch
// sizes. And a broken gradient makes the check fail.
#include <gtest/gtest.h>

#include "backprop/init.h"
#include "backprop/random.h"
#include "backprop/teach/gradcheck.h"
#include "test_util.h"

namespace backprop {
namespace {

const Activation kAll[] = {Activation::sigmoid,    Activation::tanh,   Activation::relu,
                           Activation::leaky_relu, Activation::linear, Activation::softmax};

struct Case {
  Activation hidden, output;
  Loss loss;
  int hidden_layers, batch;
};

std::string name_of(const Case& c) {
  return to_string(c.hidden) + "_" + to_string(c.output) + "_" + to_string(c.loss) + "_h" +
         std::to_string(c.hidden_layers) + "_n" + std::to_string(c.batch);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (Activation output : kAll) {
    std::vector<Loss> losses = {Loss::mse};
    if (output == Activation::sigmoid) losses.push_back(Loss::bce);
    if (output == Activation::softmax) losses.push_back(Loss::cross_entropy);
    for (Loss loss : losses)
      for (Activation hidden : kAll)
        for (int depth : {0, 1, 2, 3})
          for (int batch : {1, 3, 8}) {
            if (depth == 0 && hidden != Activation::sigmoid) continue;  // no hidden layer to vary
            cases.push_back({hidden, output, loss, depth, batch});
          }
  }
  return cases;
}

// Seeded random net and data; inputs of relu units are kept away from the kink at 0 by
// resampling the data until every relu |z| > 0.01 (the difference stencil straddles no kink).
struct Problem {
  Network<double> net;
  Matrix<double> x, y;
};

Problem make_problem(const Case& c, std::uint32_t seed, int outputs = 3) {
  const int inputs = 3;
  const int widths[] = {4, 5, 3};
  std::vector<LayerSpec> specs;
  for (int l = 0; l < c.hidden_layers; ++l) specs.push_back({widths[l], {c.hidden, 0.1}});
  specs.push_back({outputs, {c.output, 0.1}});
  Problem p{Network<double>(inputs, specs, c.loss), {}, {}};
  initialize(p.net, Init::glorot_normal, seed);
  Random random(seed + 7);
  for (auto& layer : p.net.layers())
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b(i) = 0.2 * random.normal();
  for (int attempt = 0; attempt < 100; ++attempt) {
    p.x.resize(inputs, c.batch);
    p.y.resize(outputs, c.batch);
    for (Eigen::Index j = 0; j < c.batch; ++j) {
      for (Eigen::Index i = 0; i < inputs; ++i) p.x(i, j) = random.normal();
      for (Eigen::Index i = 0; i < outputs; ++i) p.y(i, j) = random.uniform();
    }
    if (c.loss == Loss::cross_entropy) p.y = p.y.array().rowwise() / p.y.array().colwise().sum();
    p.net.forward(p.x);
    bool clear_of_kinks = true;
    for (std::size_t l = 0; l < p.net.depth(); ++l) {
      const Activation kind = p.net.layer(l).activation.kind;
      if (kind == Activation::relu || kind == Activation::leaky_relu)
        clear_of_kinks = clear_of_kinks && p.net.z(l).cwiseAbs().minCoeff() > 0.02;
    }
    if (clear_of_kinks) return p;
  }
  ADD_FAILURE() << "could not draw data clear of activation kinks";
  return p;
}

class GradientCheck : public ::testing::TestWithParam<Case> {};

TEST_P(GradientCheck, BackpropMatchesCentralDifferences) {
  Problem p = make_problem(GetParam(), 1234);
  GradCheckOptions options;
  options.order = 4;
  options.epsilon = 1e-3;
  const GradCheckReport report = gradient_check(p.net, p.x, p.y, options);
  for (const GradCheckTensor& t : report.tensors) {
    EXPECT_LT(t.max_rel_error, 1e-6) << t.name << "\nanalytical:\n"
                                     << t.analytical << "\nnumerical:\n"
                                     << t.numerical;
  }
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.tensors.size(), 2 * p.net.depth() + 1);
}

INSTANTIATE_TEST_SUITE_P(AllActivationsLossesDepthsBatches, GradientCheck,
                         ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return name_of(info.param); });

// The lesson's Exercise 9.5 configurations.
TEST(GradientCheckLesson, Exercise95ConfigurationsPass) {
  for (auto [inputs, hidden, outputs] : {std::tuple{2, 2, 1}, {3, 4, 1}, {2, 3, 2}}) {
    Network<double> net(inputs, {{hidden, {Activation::sigmoid}}, {outputs, {Activation::sigmoid}}},
                        Loss::mse);
    initialize(net, Init::he_normal, 42);
    Random random(43);
    Matrix<double> x(inputs, 2), y(outputs, 2);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
    for (Eigen::Index i = 0; i < y.size(); ++i) y(i) = random.uniform();
    const GradCheckReport report = gradient_check(net, x, y);
    EXPECT_TRUE(report.passed()) << format_report(report);
    EXPECT_LT(report.max_rel_error, 1e-6);
  }
}

Problem two_output_problem() {
  return make_problem({Activation::sigmoid, Activation::sigmoid, Loss::mse, 1, 2}, 42, 2);
}

// A deliberately broken gradient fails the check, and the report names the broken tensor.
TEST(GradientCheckCatchesBugs, DoubledOutputWeightGradientFails) {
  Problem p = two_output_problem();
  p.net.forward(p.x);
  p.net.backward(p.x, p.y);
  std::vector<Matrix<double>> grads = analytical_gradients(p.net);
  grads[2] *= 2.0;  // W2: the "missing factor of 2" bug the other way round
  const GradCheckReport report = compare_with_numerical(p.net, p.x, p.y, grads);
  EXPECT_FALSE(report.passed());
  for (const GradCheckTensor& t : report.tensors) EXPECT_EQ(t.passed, t.name != "W2") << t.name;
  EXPECT_NEAR(report.tensors[2].max_rel_error, 1.0 / 3.0, 1e-6);  // |2g − g| / (2g + g)
  EXPECT_NE(format_report(report).find("FAILED"), std::string::npos);
}

// The lesson's own inconsistency: its MSE divides by outputs × N but its gradient by N only.
// With 2 outputs every gradient is then exactly 2× too large, and the check must say so.
TEST(GradientCheckCatchesBugs, LessonsMseGradientScalingFailsWithTwoOutputs) {
  Problem p = two_output_problem();
  ASSERT_EQ(p.net.outputs(), 2);
  p.net.forward(p.x);
  p.net.backward(p.x, p.y);
  std::vector<Matrix<double>> grads = analytical_gradients(p.net);
  for (Matrix<double>& g : grads) g *= 2.0;  // dividing by N instead of outputs × N
  const GradCheckReport report = compare_with_numerical(p.net, p.x, p.y, grads);
  for (const GradCheckTensor& t : report.tensors) {
    EXPECT_FALSE(t.passed) << t.name;
    EXPECT_NEAR(t.max_rel_error, 1.0 / 3.0, 1e-6) << t.name;
  }
}

// Derivative evaluated at a instead of z (the lesson's Exercise 8.1) is caught for tanh.
TEST(GradientCheckCatchesBugs, DerivativeAtActivationInsteadOfZFails) {
  Problem p = make_problem({Activation::tanh, Activation::linear, Loss::mse, 1, 3}, 5);
  p.net.forward(p.x);
  p.net.backward(p.x, p.y);
  // Recompute the hidden layer's gradient with f'(a) = 1 − tanh²(a) in place of f'(z).
  const Matrix<double> pulled = p.net.layer(1).W.transpose() * p.net.delta(1);
  const Matrix<double> wrong_delta =
      (pulled.array() * (1.0 - p.net.a(0).array().tanh().square())).matrix();
  std::vector<Matrix<double>> grads = analytical_gradients(p.net);
  grads[0] = wrong_delta * p.x.transpose();
  grads[1] = wrong_delta.rowwise().sum();
  const GradCheckReport report = compare_with_numerical(p.net, p.x, p.y, grads);
  EXPECT_FALSE(report.tensors[0].passed);
  EXPECT_FALSE(report.tensors[1].passed);
  EXPECT_TRUE(report.tensors[2].passed);
}

TEST(GradientCheck, LeavesParametersAndCachesUnchanged) {
  Problem p = two_output_problem();
  const Network<double> before = p.net;
  const Matrix<double> a_before = p.net.forward(p.x);
  gradient_check(p.net, p.x, p.y);
  for (std::size_t l = 0; l < p.net.depth(); ++l) {
    EXPECT_EQ(p.net.layer(l).W, before.layer(l).W);
    EXPECT_EQ(p.net.layer(l).b, before.layer(l).b);
  }
  EXPECT_EQ(p.net.a(p.net.depth() - 1), a_before);
}

}  // namespace
}  // namespace backprop
