// The network: shapes in the lesson's orientation, any depth, errors at the boundary, float and
// double from one source.
#include <gtest/gtest.h>

#include "backprop/init.h"
#include "backprop/network.h"
#include "backprop/optimizers.h"
#include "backprop/random.h"
#include "test_util.h"

namespace backprop {
namespace {

Matrix<double> random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed) {
  Random random(seed);
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = random.normal();
  return m;
}

TEST(Network, ShapesFollowTheLesson) {
  Network<double> net(2, {{3, {Activation::sigmoid}}, {1, {Activation::sigmoid}}}, Loss::mse);
  EXPECT_EQ(net.layer(0).W.rows(), 3);  // (units x inputs)
  EXPECT_EQ(net.layer(0).W.cols(), 2);
  EXPECT_EQ(net.layer(1).W.rows(), 1);
  EXPECT_EQ(net.layer(1).W.cols(), 3);
  EXPECT_EQ(net.parameter_count(), 3u * 2 + 3 + 1 * 3 + 1);
  initialize(net, Init::he_normal, 1);
  const Matrix<double> x = random_matrix(2, 4, 2);
  const Matrix<double> y = Matrix<double>::Constant(1, 4, 0.5);
  net.forward(x);
  EXPECT_EQ(net.z(0).rows(), 3);
  EXPECT_EQ(net.z(0).cols(), 4);
  EXPECT_EQ(net.a(1).rows(), 1);
  net.backward(x, y);
  EXPECT_EQ(net.delta(0).rows(), 3);
  EXPECT_EQ(net.layer(0).dW.rows(), 3);
  EXPECT_EQ(net.layer(0).dW.cols(), 2);
  EXPECT_EQ(net.input_gradient().rows(), 2);
  EXPECT_EQ(net.input_gradient().cols(), 4);
}

// No hidden layer: logistic regression, whose gradient is known in closed form.
TEST(Network, NoHiddenLayerIsLogisticRegression) {
  Network<double> net(3, {{1, {Activation::sigmoid}}}, Loss::bce);
  net.layer(0).W << 0.2, -0.4, 0.1;
  net.layer(0).b << 0.3;
  const Matrix<double> x = random_matrix(3, 5, 3);
  Matrix<double> y(1, 5);
  y << 1, 0, 0, 1, 1;
  const Matrix<double> p = net.forward(x);
  net.backward(x, y);
  const Matrix<double> expected_dW = (p - y) * x.transpose() / 5.0;
  EXPECT_TRUE(test::near(net.layer(0).dW, expected_dW, 1e-15));
  EXPECT_NEAR(net.layer(0).db(0), (p - y).sum() / 5.0, 1e-15);
}

TEST(Network, SingleUnitLayersAndDeepStacksWork) {
  Network<double> net(1,
                      {{1, {Activation::tanh}},
                       {1, {Activation::relu}},
                       {1, {Activation::tanh}},
                       {1, {Activation::linear}}},
                      Loss::mse);
  initialize(net, Init::glorot_uniform, 9);
  Matrix<double> x(1, 2), y(1, 2);
  x << 0.5, -1.5;
  y << 0.1, 0.2;
  net.forward(x);
  net.backward(x, y);
  for (const auto& layer : net.layers()) EXPECT_TRUE(layer.dW.allFinite());
}

// backward assigns its gradients: a second call on other data leaves nothing of the first.
TEST(Network, BackwardAssignsNotAccumulates) {
  Network<double> net(2, {{3, {Activation::tanh}}, {2, {Activation::linear}}}, Loss::mse);
  initialize(net, Init::he_normal, 4);
  const Matrix<double> x1 = random_matrix(2, 3, 5), y1 = random_matrix(2, 3, 6);
  const Matrix<double> x2 = random_matrix(2, 1, 7), y2 = random_matrix(2, 1, 8);
  net.forward(x2);
  net.backward(x2, y2);
  const Matrix<double> fresh = net.layer(0).dW;
  net.forward(x1);
  net.backward(x1, y1);
  net.forward(x2);
  net.backward(x2, y2);
  EXPECT_EQ(net.layer(0).dW, fresh);
}

TEST(Network, GradientDescentStepIsWMinusLrDw) {
  Network<double> net(2, {{2, {Activation::sigmoid}}, {1, {Activation::sigmoid}}}, Loss::mse);
  initialize(net, Init::he_normal, 42);
  const Matrix<double> x = random_matrix(2, 4, 1), y = Matrix<double>::Ones(1, 4);
  net.forward(x);
  net.backward(x, y);
  const Matrix<double> W = net.layer(0).W, dW = net.layer(0).dW;
  const Vector<double> b = net.layer(1).b, db = net.layer(1).db;
  const double before = net.loss_value(y);
  Optimizer<double>(net, OptimizerOptions::gd(0.5)).step();  // the one update rule
  EXPECT_TRUE(test::near(net.layer(0).W, W - 0.5 * dW, 0));
  EXPECT_TRUE(test::near(net.layer(1).b, b - 0.5 * db, 0));
  net.forward(x);
  EXPECT_LT(net.loss_value(y), before);  // a small step downhill lowers the loss
}

TEST(Network, FloatAndDoubleAgreeWithinFloatTolerance) {
  Network<double> net(
      4, {{6, {Activation::tanh}}, {5, {Activation::relu}}, {3, {Activation::softmax}}},
      Loss::cross_entropy);
  initialize(net, Init::glorot_normal, 11);
  Network<float> netf = net.cast<float>();
  const Matrix<double> x = random_matrix(4, 16, 12);
  Matrix<double> y = Matrix<double>::Zero(3, 16);
  for (Eigen::Index j = 0; j < 16; ++j) y(j % 3, j) = 1.0;
  const Matrix<float> xf = x.cast<float>(), yf = y.cast<float>();
  net.forward(x);
  netf.forward(xf);
  EXPECT_NEAR(netf.loss_value(yf), net.loss_value(y), 1e-5 * std::abs(net.loss_value(y)));
  net.backward(x, y);
  netf.backward(xf, yf);
  EXPECT_TRUE(test::near(netf.a(2).cast<double>(), net.a(2), 1e-5));
  for (std::size_t l = 0; l < net.depth(); ++l) {
    EXPECT_TRUE(test::near(netf.layer(l).dW.cast<double>(), net.layer(l).dW, 1e-5)) << l;
    EXPECT_TRUE(test::near(netf.layer(l).db.cast<double>(), net.layer(l).db, 1e-5)) << l;
  }
}

// predict (const, a batch) and predict_one (one sample, scratch vectors) run forward()'s loop:
// predict gives forward()'s outputs bit for bit and leaves the caches alone; predict_one gives
// each column (to rounding: one column may take another product kernel than the batch).
TEST(Network, PredictAndPredictOneFollowForward) {
  Network<double> net(
      3, {{5, {Activation::tanh}}, {4, {Activation::relu}}, {2, {Activation::softmax}}},
      Loss::cross_entropy);
  initialize(net, Init::glorot_normal, 21);
  const Matrix<double> x = random_matrix(3, 6, 22), other = random_matrix(3, 2, 23);
  const Matrix<double> expected = net.forward(x);

  const Network<double>& trained = net;
  EXPECT_EQ(trained.predict(x), expected);
  net.forward(other);
  const Matrix<double> cached = net.a(2);
  EXPECT_EQ(trained.predict(x), expected);
  EXPECT_EQ(net.a(2), cached);  // predict did not touch the caches of the last forward pass
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    EXPECT_TRUE(test::near(net.predict_one(x.col(j)), expected.col(j), 1e-14)) << "sample " << j;
  EXPECT_EQ(net.a(2), cached);

  const std::string msg = test::error_of([&] { trained.predict(Matrix<double>::Zero(2, 1)); });
  EXPECT_NE(msg.find("input has 2 rows, expected 3"), std::string::npos) << msg;
}

TEST(Network, BadShapesAndArchitecturesGiveClearErrors) {
  std::string msg = test::error_of([] { Network<double>(0, {{1, {}}}, Loss::mse); });
  EXPECT_NE(msg.find("at least 1 input"), std::string::npos) << msg;
  msg = test::error_of([] { Network<double>(2, {}, Loss::mse); });
  EXPECT_NE(msg.find("at least one layer"), std::string::npos) << msg;
  msg = test::error_of([] { Network<double>(2, {{3, {}}, {0, {}}}, Loss::mse); });
  EXPECT_NE(msg.find("layer 2 needs at least 1 unit, found 0"), std::string::npos) << msg;
  msg = test::error_of([] { Network<double>(2, {{3, {Activation::relu}}}, Loss::cross_entropy); });
  EXPECT_NE(msg.find("cross_entropy needs a softmax output"), std::string::npos) << msg;

  Network<double> net(2, {{1, {Activation::sigmoid}}}, Loss::mse);
  msg = test::error_of([&] { net.forward(Matrix<double>::Zero(3, 2)); });
  EXPECT_NE(msg.find("input has 3 rows, expected 2"), std::string::npos) << msg;
  net.forward(Matrix<double>::Zero(2, 2));
  msg = test::error_of([&] { net.loss_value(Matrix<double>::Zero(2, 2)); });
  EXPECT_NE(msg.find("target has 2 rows, expected 1"), std::string::npos) << msg;
  msg =
      test::error_of([&] { net.backward(Matrix<double>::Zero(2, 3), Matrix<double>::Zero(1, 3)); });
  EXPECT_NE(msg.find("last forward pass (2 samples)"), std::string::npos) << msg;

  net.layer(0).W = Matrix<double>::Zero(1, 5);
  msg = test::error_of([&] { net.validate(); });
  EXPECT_NE(msg.find("layer 1: weights have 5 columns, expected 2"), std::string::npos) << msg;
}

}  // namespace
}  // namespace backprop
