// Diagnostics find dead relu units, saturated sigmoid units and vanishing gradients.
#include <gtest/gtest.h>

#include "backprop/teach/diagnostics.h"
#include "backprop/init.h"
#include "backprop/random.h"

namespace backprop {
namespace {

Matrix<double> inputs(int rows, int cols) {
  Random r(1);
  Matrix<double> x(rows, cols);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = r.normal();
  return x;
}

TEST(Diagnostics, FindsDeadReluUnits) {
  Network<double> net(2, {{4, {Activation::relu}}, {1, {Activation::sigmoid}}}, Loss::bce);
  initialize(net, Init::he_normal, 1);
  net.layer(0).b << -100, -100, -100, 0.5;  // three units can never switch on
  const Matrix<double> x = inputs(2, 20), y = Matrix<double>::Ones(1, 20);
  const Diagnostics d = diagnose(net, x, y);
  EXPECT_EQ(d.layers[0].dead_units, 3);
  ASSERT_FALSE(d.warnings.empty());
  EXPECT_NE(d.warnings[0].find("3 of 4 relu units are dead"), std::string::npos) << d.warnings[0];
}

TEST(Diagnostics, FindsSaturatedSigmoidUnitsAndVanishingGradients) {
  Network<double> net(
      2, {{3, {Activation::sigmoid}}, {3, {Activation::sigmoid}}, {1, {Activation::sigmoid}}},
      Loss::mse);
  initialize(net, Init::he_normal, 2);
  net.layer(0).W *= 1000;  // every first-layer unit pinned at 0 or 1
  const Matrix<double> x = inputs(2, 50), y = Matrix<double>::Zero(1, 50);
  const Diagnostics d = diagnose(net, x, y);
  EXPECT_EQ(d.layers[0].saturated_units, 3);
  const std::string all = format_diagnostics(d);
  EXPECT_NE(all.find("saturated"), std::string::npos) << all;
  EXPECT_NE(all.find("gradients vanish"), std::string::npos) << all;
}

TEST(Diagnostics, AHealthyNetHasNoWarnings) {
  Network<double> net(2, {{8, {Activation::tanh}}, {1, {Activation::linear}}}, Loss::mse);
  initialize(net, Init::glorot_normal, 3);
  const Matrix<double> x = inputs(2, 30), y = Matrix<double>::Ones(1, 30);
  const Diagnostics d = diagnose(net, x, y);
  EXPECT_TRUE(d.warnings.empty()) << format_diagnostics(d);
}

}  // namespace
}  // namespace backprop
