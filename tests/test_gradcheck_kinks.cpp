// test_gradcheck_kinks.cpp — gradient checks on relu/leaky_relu networks: an entry whose
// perturbation moves a pre-activation across 0 is counted as "kink crossed" and left out of the
// judgement, the others are judged; and a broken gradient still fails.
#include <gtest/gtest.h>

#include "backprop/teach/gradcheck.h"
#include "test_util.h"

namespace backprop {
namespace {

// 1-1-1, a linear hidden unit h = w1 x + b1 = 1e-3 and a relu (leaky_relu) output
// z2 = w2 h + b2 = 1e-2 · 1e-3 + (1e-7 − 1e-5) = 1e-7, within ε = 1e-6 of the kink: moving b2 by
// ±ε (±2ε) crosses it; moving w1, b1, w2 or x moves z2 by 2e-8 at most, and crosses nothing.
// Every gradient is of order 1e-2 or more, so the judged entries agree to ~1e-8.
Network<double> straddling(Activation output) {
  Network<double> net(1, {{1, {Activation::linear}}, {1, {output, 0.1}}}, Loss::mse);
  net.layer(0).W(0, 0) = 1e-3;
  net.layer(0).b(0) = 0.0;
  net.layer(1).W(0, 0) = 1e-2;
  net.layer(1).b(0) = 1e-7 - 1e-5;
  return net;
}

const GradCheckTensor& tensor(const GradCheckReport& r, const std::string& name) {
  for (const GradCheckTensor& t : r.tensors)
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

class Kinks : public ::testing::TestWithParam<Activation> {};

TEST_P(Kinks, EntriesThatCrossTheKinkAreCountedAndLeftOut) {
  const Matrix<double> x = Matrix<double>::Constant(1, 1, 1.0);
  const Matrix<double> y = Matrix<double>::Constant(1, 1, 3.0);
  for (int order : {2, 4}) {
    GradCheckOptions o;
    o.order = order;
    Network<double> net = straddling(GetParam());
    const GradCheckReport r = gradient_check(net, x, y, o);
    EXPECT_EQ(tensor(r, "b2").kinks_crossed, 1) << "order " << order;
    EXPECT_EQ(r.kinks_crossed, 1);
    EXPECT_EQ(r.entries, 5);
    EXPECT_TRUE(r.passed()) << format_report(r);
    EXPECT_NE(format_report(r).find("Kink crossed: 1 of 5 entries"), std::string::npos);

    // Judged all the same, the central difference (the mean of the two slopes) is far off.
    o.exclude_kinks = false;
    const GradCheckReport all = gradient_check(net, x, y, o);
    EXPECT_FALSE(tensor(all, "b2").passed);
    EXPECT_FALSE(all.passed());
    EXPECT_TRUE(tensor(all, "W1").passed);
    EXPECT_TRUE(tensor(all, "W2").passed);
  }
}

TEST_P(Kinks, ABrokenGradientAwayFromTheKinkStillFails) {
  const Matrix<double> x = Matrix<double>::Constant(1, 1, 1.0);
  const Matrix<double> y = Matrix<double>::Constant(1, 1, 3.0);
  Network<double> net = straddling(GetParam());
  net.forward(x);
  net.backward(x, y);
  std::vector<Matrix<double>> g = analytical_gradients(net);
  g[0](0, 0) *= 1.01;  // dW1, which crosses no kink
  const GradCheckReport r = compare_with_numerical(net, x, y, g);
  EXPECT_FALSE(tensor(r, "W1").passed);
  EXPECT_FALSE(r.passed());
}

TEST_P(Kinks, NoKinkNearNothingIsLeftOut) {
  Network<double> net = straddling(GetParam());
  net.layer(0).b(0) = 0.3;  // z1 = 0.3: far from 0
  const GradCheckReport r =
      gradient_check(net, Matrix<double>::Constant(1, 1, 0.5), Matrix<double>::Constant(1, 1, 3.0));
  EXPECT_EQ(r.kinks_crossed, 0);
  EXPECT_TRUE(r.passed());
  EXPECT_EQ(format_report(r).find("Kink"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(ReluAndLeakyRelu, Kinks,
                         ::testing::Values(Activation::relu, Activation::leaky_relu),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace backprop
