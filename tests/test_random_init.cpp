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

// uniform:LOW,HIGH draws W and b from U(LOW, HIGH), as FANN's fann_randomize_weights.
TEST(Init, UniformRangeDrawsWeightsAndBiases) {
  Network<double> net(200, {{150, {Activation::tanh}}, {100, {Activation::sigmoid}}}, Loss::mse);
  const WeightInit init = weight_init_from_string("uniform:-0.3,0.5");
  EXPECT_EQ(init.kind, Init::uniform);
  EXPECT_EQ(init.low, -0.3);
  EXPECT_EQ(init.high, 0.5);
  EXPECT_EQ(to_string(init), "uniform:-0.3,0.5");
  initialize(net, init, 3);
  for (const auto& layer : net.layers()) {
    const Matrix<double>& W = layer.W;
    EXPECT_GE(W.minCoeff(), -0.3);
    EXPECT_LT(W.maxCoeff(), 0.5);
    EXPECT_NEAR(W.mean(), 0.1, 0.01);  // the middle of the range; variance 0.8²/12
    EXPECT_NEAR((W.array() - W.mean()).square().mean() / (0.64 / 12), 1.0, 0.05);
    EXPECT_GE(layer.b.minCoeff(), -0.3);
    EXPECT_LT(layer.b.maxCoeff(), 0.5);
    EXPECT_GT(layer.b.cwiseAbs().minCoeff(), 0.0);
    EXPECT_NEAR(layer.b.mean(), 0.1, 0.06);
  }
  // The stream: W row by row, then b, layer by layer.
  Network<double> small(2, {{2, {Activation::tanh}}}, Loss::mse);
  initialize(small, WeightInit(-1.0, 1.0), 7);
  Random r(7);
  const double w00 = r.uniform(-1, 1), w01 = r.uniform(-1, 1), w10 = r.uniform(-1, 1),
               w11 = r.uniform(-1, 1), b0 = r.uniform(-1, 1), b1 = r.uniform(-1, 1);
  EXPECT_EQ(small.layer(0).W(0, 0), w00);
  EXPECT_EQ(small.layer(0).W(0, 1), w01);
  EXPECT_EQ(small.layer(0).W(1, 0), w10);
  EXPECT_EQ(small.layer(0).W(1, 1), w11);
  EXPECT_EQ(small.layer(0).b(0), b0);
  EXPECT_EQ(small.layer(0).b(1), b1);
  // "uniform" alone: FANN's default range.
  EXPECT_EQ(weight_init_from_string("uniform"), WeightInit(-0.1, 0.1));
  EXPECT_EQ(weight_init_from_string("he_uniform"), WeightInit(Init::he_uniform));
  for (const char* bad : {"uniform:", "uniform:1", "uniform:0.1,-0.1", "uniform:a,b",
                          "uniform:-0.1,0.1,3", "uniform:0,inf", "uniform:0, 1"}) {
    const std::string message = test::error_of([&] { weight_init_from_string(bad); });
    EXPECT_NE(message.find("expected uniform:LOW,HIGH"), std::string::npos) << bad << message;
    EXPECT_NE(message.find(std::string("found '") + bad + "'"), std::string::npos) << message;
  }
  EXPECT_NE(test::error_of([&] {
              initialize(small, WeightInit(1.0, 1.0), 1);
            }).find("FitOptions.weight_init"),
            std::string::npos);
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
