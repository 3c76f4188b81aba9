// Diagnostics find dead relu units, saturated sigmoid units and vanishing gradients.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backprop/init.h"
#include "backprop/random.h"
#include "backprop/teach/diagnostics.h"

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

// 27 of 64 dead is 42 % of the layer: a warning naming the layer, the count and what to try.
TEST(Diagnostics, WarnsAboutAFewDeadUnitsInAWideLayer) {
  Network<double> net(2, {{64, {Activation::relu}}, {1, {Activation::sigmoid}}}, Loss::bce);
  initialize(net, Init::he_normal, 1);
  net.layer(0).b.setConstant(5);              // alive on every sample...
  net.layer(0).b.head(27).setConstant(-100);  // ...but for 27 units that never switch on
  const Matrix<double> x = inputs(2, 40), y = Matrix<double>::Ones(1, 40);
  const Diagnostics d = diagnose(net, x, y);
  EXPECT_EQ(d.layers[0].dead_units, 27);
  ASSERT_EQ(d.warnings.size(), 1u) << format_diagnostics(d);
  EXPECT_NE(d.warnings[0].find("layer 1: 27 of 64 relu units are dead"), std::string::npos)
      << d.warnings[0];
  EXPECT_NE(d.warnings[0].find("try a smaller OptimizerOptions.lr"), std::string::npos)
      << d.warnings[0];
  EXPECT_EQ(format_diagnostics(d).find("no problems found"), std::string::npos);
}

// Below the warning threshold (10 %), a dead unit is still reported, as a note.
TEST(Diagnostics, NotesASingleDeadUnit) {
  Network<double> net(2, {{64, {Activation::relu}}, {1, {Activation::sigmoid}}}, Loss::bce);
  initialize(net, Init::he_normal, 1);
  net.layer(0).b.setConstant(5);
  net.layer(0).b(10) = -100;
  const Matrix<double> x = inputs(2, 40), y = Matrix<double>::Ones(1, 40);
  const Diagnostics d = diagnose(net, x, y);
  EXPECT_TRUE(d.warnings.empty()) << format_diagnostics(d);
  ASSERT_EQ(d.notes.size(), 1u);
  const std::string text = format_diagnostics(d);
  EXPECT_NE(text.find("note: layer 1: 1 of 64 relu units are dead"), std::string::npos) << text;
  EXPECT_EQ(text.find("no problems found"), std::string::npos) << text;
}

// leaky_relu passes a gradient for z < 0: never dead.
TEST(Diagnostics, LeakyReluUnitsAreNeverDead) {
  Network<double> net(2, {{4, {Activation::leaky_relu}}, {1, {Activation::sigmoid}}}, Loss::bce);
  initialize(net, Init::he_normal, 1);
  net.layer(0).b.setConstant(-100);
  const Matrix<double> x = inputs(2, 20), y = Matrix<double>::Ones(1, 20);
  EXPECT_EQ(diagnose(net, x, y).layers[0].dead_units, 0);
}

// Every column's header ends where its values end.
TEST(Diagnostics, TheHeaderIsAlignedWithItsColumns) {
  Network<double> net(2, {{8, {Activation::tanh}}, {1, {Activation::linear}}}, Loss::mse);
  initialize(net, Init::glorot_normal, 3);
  const Matrix<double> x = inputs(2, 30), y = Matrix<double>::Ones(1, 30);
  std::vector<std::string> lines;
  std::string text = format_diagnostics(diagnose(net, x, y));
  for (std::size_t at = 0; (at = text.find('\n')) != std::string::npos; text.erase(0, at + 1))
    lines.push_back(text.substr(0, at));
  ASSERT_GE(lines.size(), 4u);
  const auto ends = [](const std::string& line) {  // where each word ends
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] != ' ' && (i + 1 == line.size() || line[i + 1] == ' ')) out.push_back(i);
    return out;
  };
  EXPECT_EQ(ends(lines[1]).size(), 7u) << lines[1];
  EXPECT_EQ(ends(lines[2]), ends(lines[1])) << lines[1] << "\n" << lines[2];
  EXPECT_EQ(ends(lines[3]), ends(lines[1])) << lines[1] << "\n" << lines[3];
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
