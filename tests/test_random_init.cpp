// The seeded generator and the initialisers.
#include <gtest/gtest.h>

#include <cmath>

#include "backprop/init.h"
#include "backprop/random.h"
#include "test_util.h"

namespace backprop {
namespace {

TEST(Random, SameSeedSameStreamOtherSeedOtherStream) {
  Random a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const double va = a.normal();
    EXPECT_EQ(va, b.normal());
    differs = differs || va != c.normal();
  }
  EXPECT_TRUE(differs);
}

TEST(Random, MomentsAreRight) {
  Random r(3);
  const int n = 200000;
  double sum = 0, sq = 0, usum = 0, umin = 1, umax = 0;
  for (int i = 0; i < n; ++i) {
    const double v = r.normal();
    sum += v;
    sq += v * v;
    const double u = r.uniform();
    usum += u;
    umin = std::min(umin, u);
    umax = std::max(umax, u);
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.01);
  EXPECT_NEAR(usum / n, 0.5, 0.005);
  EXPECT_GE(umin, 0.0);
  EXPECT_LT(umax, 1.0);
}

TEST(Random, IntervalCoversRangeUniformly) {
  Random r(5);
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < 50000; ++i) {
    const auto v = r.interval(4);
    ASSERT_LE(v, 4u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

// Each scheme draws with the spread its formula says, biases start at zero.
TEST(Init, SchemesHaveTheirVariance) {
  const int fan_in = 400, fan_out = 300;
  Network<double> net(fan_in, {{fan_out, {Activation::relu}}}, Loss::mse);
  const struct {
    Init init;
    double variance;
  } cases[] = {{Init::he_normal, 2.0 / fan_in},
               {Init::he_uniform, 2.0 / fan_in},  // U(−r, r) has variance r²/3 = 2/fan_in
               {Init::glorot_normal, 2.0 / (fan_in + fan_out)},
               {Init::glorot_uniform, 2.0 / (fan_in + fan_out)}};
  for (const auto& c : cases) {
    net.layer(0).b.setOnes();
    initialize(net, c.init, 1);
    const Matrix<double>& W = net.layer(0).W;
    const double mean = W.mean();
    const double variance = (W.array() - mean).square().mean();
    EXPECT_NEAR(mean, 0.0, 0.05 * std::sqrt(c.variance)) << to_string(c.init);
    EXPECT_NEAR(variance / c.variance, 1.0, 0.02) << to_string(c.init);
    EXPECT_EQ(net.layer(0).b.cwiseAbs().maxCoeff(), 0.0);
    if (c.init == Init::he_uniform) {
      EXPECT_LE(W.cwiseAbs().maxCoeff(), std::sqrt(6.0 / fan_in));
    }
  }
  EXPECT_EQ(init_from_string("glorot_uniform"), Init::glorot_uniform);
  EXPECT_THROW(init_from_string("xavier_magic"), Error);
}

TEST(Init, SeedFixesEveryWeightInBothPrecisions) {
  Network<double> a(3, {{4, {Activation::tanh}}, {2, {Activation::sigmoid}}}, Loss::mse);
  Network<double> b = a;
  Network<float> f(3, {{4, {Activation::tanh}}, {2, {Activation::sigmoid}}}, Loss::mse);
  initialize(a, Init::glorot_uniform, 99);
  initialize(b, Init::glorot_uniform, 99);
  initialize(f, Init::glorot_uniform, 99);
  for (std::size_t l = 0; l < a.depth(); ++l) {
    EXPECT_EQ(a.layer(l).W, b.layer(l).W);
    EXPECT_EQ(f.layer(l).W, a.layer(l).W.cast<float>());
  }
  initialize(b, Init::glorot_uniform, 100);
  EXPECT_NE(a.layer(0).W, b.layer(0).W);
}

}  // namespace
}  // namespace backprop
