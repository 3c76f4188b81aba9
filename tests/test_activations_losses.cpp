// Activations and losses: values against direct formulas, stability at extreme inputs, and the
// pairing rules.
#include <gtest/gtest.h>

#include <cmath>

#include "backprop/activations.h"
#include "backprop/losses.h"
#include "backprop/random.h"
#include "test_util.h"

namespace backprop {
namespace {

Matrix<double> row(std::initializer_list<double> values) {
  Matrix<double> m(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index j = 0;
  for (double v : values) m(0, j++) = v;
  return m;
}

TEST(Activations, ValuesMatchTheirDefinitions) {
  const Matrix<double> z = row({-2.0, -0.5, 0.0, 0.5, 3.0});
  Matrix<double> a, d;
  for (Activation kind : {Activation::sigmoid, Activation::tanh, Activation::relu,
                          Activation::leaky_relu, Activation::linear}) {
    const ActivationSpec f{kind, 0.05};
    activation_forward(f, z, a);
    activation_derivative(f, z, a, d);
    for (Eigen::Index j = 0; j < z.cols(); ++j) {
      const double v = z(0, j);
      double value = 0, slope = 0;
      switch (kind) {
        case Activation::sigmoid:
          value = 1 / (1 + std::exp(-v));
          slope = value * (1 - value);
          break;
        case Activation::tanh:
          value = std::tanh(v);
          slope = 1 - value * value;
          break;
        case Activation::relu:
          value = v > 0 ? v : 0;
          slope = v > 0 ? 1 : 0;
          break;
        case Activation::leaky_relu:
          value = v > 0 ? v : 0.05 * v;
          slope = v > 0 ? 1 : 0.05;
          break;
        default:
          value = v;
          slope = 1;
      }
      EXPECT_NEAR(a(0, j), value, 1e-15) << to_string(kind) << " at " << v;
      EXPECT_NEAR(d(0, j), slope, 1e-15) << to_string(kind) << "' at " << v;
    }
  }
}

Matrix<double> random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed,
                             double scale = 1.0) {
  Random random(seed);
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = scale * random.normal();
  return m;
}

// The backward pass of an element-wise activation is g ⊙ f'(z) with the same f'(z) that
// activation_derivative gives, to the last bit (f'(z) is written once), in place or not.
TEST(Activations, BackwardIsGTimesTheOneDerivative) {
  const Matrix<double> z = random_matrix(4, 7, 3, 2.0), g = random_matrix(4, 7, 4);
  for (Activation kind : {Activation::sigmoid, Activation::tanh, Activation::relu,
                          Activation::leaky_relu, Activation::linear}) {
    const ActivationSpec f{kind, 0.05};
    Matrix<double> a, fprime, delta;
    activation_forward(f, z, a);
    activation_derivative(f, z, a, fprime);
    activation_backward(f, z, a, g, delta);
    const Matrix<double> expected = (g.array() * fprime.array()).matrix();
    EXPECT_EQ(delta, expected) << to_string(kind);
    Matrix<double> in_place = g;
    activation_backward(f, z, a, in_place, in_place);
    EXPECT_EQ(in_place, expected) << to_string(kind) << ", in place";
  }
}

TEST(Activations, SigmoidNeverOverflows) {
  const Matrix<double> z = row({-1e308, -1000, -50, 0, 50, 1000, 1e308});
  Matrix<double> a, d;
  activation_forward({Activation::sigmoid}, z, a);
  activation_derivative({Activation::sigmoid}, z, a, d);
  EXPECT_TRUE(a.allFinite());
  EXPECT_TRUE(d.allFinite());
  EXPECT_EQ(a(0, 0), 0.0);
  EXPECT_EQ(a(0, 3), 0.5);
  EXPECT_EQ(a(0, 6), 1.0);
  EXPECT_NEAR(a(0, 2), std::exp(-50.0), 1e-35);  // 1/(1+e^50) = e^-50/(1+e^-50)
  Matrix<float> zf = z.cast<float>(), af;
  activation_forward({Activation::sigmoid}, zf, af);
  EXPECT_TRUE(af.allFinite());
}

TEST(Activations, SoftmaxIsStableAndSumsToOne) {
  Matrix<double> z(3, 2);
  z << 1000, -1000, 999, -1001, -1000, -999;
  Matrix<double> a;
  activation_forward({Activation::softmax}, z, a);
  ASSERT_TRUE(a.allFinite());
  EXPECT_NEAR(a.col(0).sum(), 1.0, 1e-15);
  EXPECT_NEAR(a(0, 0), 1 / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(a(2, 1), 1 / (1 + std::exp(-1.0) + std::exp(-2.0)), 1e-15);
}

TEST(Activations, NamesRoundTripAndUnknownNamesAreRejected) {
  for (Activation kind : {Activation::sigmoid, Activation::tanh, Activation::relu,
                          Activation::leaky_relu, Activation::linear, Activation::softmax})
    EXPECT_EQ(activation_from_string(to_string(kind)), kind);
  const std::string msg = test::error_of([] { activation_from_string("gelu"); });
  EXPECT_NE(msg.find("unknown activation 'gelu'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("leaky_relu"), std::string::npos) << msg;
}

// mse divides by outputs × samples in both the value and the gradient.
TEST(Losses, MseIsTheMeanOverAllElements) {
  Matrix<double> z(2, 2), y(2, 2), a, delta;
  z << 0.5, -1.0, 2.0, 0.0;
  y << 1.0, 0.0, 0.5, 0.25;
  activation_forward({Activation::linear}, z, a);
  const double expected = (0.25 + 1.0 + 2.25 + 0.0625) / 4;
  EXPECT_NEAR(loss_value(Loss::mse, {Activation::linear}, z, a, y), expected, 1e-15);
  loss_delta(Loss::mse, {Activation::linear}, z, a, y, delta);
  EXPECT_TRUE(test::near(delta, (2.0 / 4) * (a - y), 1e-15));
}

// bce from the logit: exact and finite for |z| up to 1000.
TEST(Losses, BceIsExactAndFiniteForExtremeLogits) {
  const Matrix<double> z = row({-1000, -50, 0, 50, 1000, 1000, -1000});
  const Matrix<double> y = row({0, 1, 1, 0, 1, 0, 1});
  Matrix<double> a, delta;
  activation_forward({Activation::sigmoid}, z, a);
  const double L = loss_value(Loss::bce, {Activation::sigmoid}, z, a, y);
  // −log σ(z) for y = 1 is softplus(−z); −log(1 − σ(z)) for y = 0 is softplus(z).
  const double terms[] = {0.0 + std::log1p(std::exp(-1000.0)),
                          50 + std::log1p(std::exp(-50.0)),
                          std::log(2.0),
                          50 + std::log1p(std::exp(-50.0)),
                          std::log1p(std::exp(-1000.0)),
                          1000.0,
                          1000.0};
  double sum = 0;
  for (double t : terms) sum += t;
  ASSERT_TRUE(std::isfinite(L));
  EXPECT_NEAR(L, sum / 7, 1e-12);
  loss_delta(Loss::bce, {Activation::sigmoid}, z, a, y, delta);
  ASSERT_TRUE(delta.allFinite());
  EXPECT_NEAR(delta(0, 5), 1.0 / 7, 1e-15);   // σ(1000) − 0
  EXPECT_NEAR(delta(0, 6), -1.0 / 7, 1e-15);  // σ(−1000) − 1
  EXPECT_NEAR(delta(0, 1), (1 / (1 + std::exp(50.0)) - 1) / 7, 1e-15);
}

// cross_entropy via log-sum-exp: exact and finite for logits of ±1000, one-hot or soft targets.
TEST(Losses, CrossEntropyIsExactAndFiniteForExtremeLogits) {
  Matrix<double> z(3, 2), y(3, 2), a, delta;
  z << 1000, 50, -1000, -50, 0, 0;
  y << 0, 0.25, 1, 0.5, 0, 0.25;
  activation_forward({Activation::softmax}, z, a);
  const double L = loss_value(Loss::cross_entropy, {Activation::softmax}, z, a, y);
  // Column 0: −log softmax(z)_1 = logsumexp(z) − z_1 = 1000 + log(1 + e^-1000 + e^-2000) + 1000.
  const double lse1 = 50 + std::log1p(std::exp(-100.0) + std::exp(-50.0));
  const double col1 = 0.25 * (lse1 - 50) + 0.5 * (lse1 + 50) + 0.25 * (lse1 - 0);
  ASSERT_TRUE(std::isfinite(L));
  EXPECT_NEAR(L, (2000.0 + col1) / 2, 1e-9);
  loss_delta(Loss::cross_entropy, {Activation::softmax}, z, a, y, delta);
  ASSERT_TRUE(delta.allFinite());
  EXPECT_TRUE(test::near(delta, (a - y) / 2, 1e-15));
}

// The general chain rule delta_L = dL/da ⊙ f'(z) (the softmax Jacobian product for softmax), from
// the one dL/da rule and the activation's backward pass.
Matrix<double> chain_rule_delta(Loss loss, const ActivationSpec& output, const Matrix<double>& z,
                                const Matrix<double>& a, const Matrix<double>& y) {
  Matrix<double> dL_da, delta;
  loss_gradient_wrt_output(loss, a, y, dL_da);
  activation_backward(output, z, a, dL_da, delta);
  return delta;
}

// Largest |actual − expected| / |expected| (both must be finite).
double max_relative_difference(const Matrix<double>& actual, const Matrix<double>& expected) {
  EXPECT_TRUE(actual.allFinite() && expected.allFinite());
  return ((actual - expected).array().abs() / expected.array().abs().max(1e-300)).maxCoeff();
}

// mse's delta is the chain rule itself, for every output activation.
TEST(Losses, MseDeltaIsTheChainRule) {
  const Matrix<double> z = random_matrix(3, 6, 5, 2.0), y = random_matrix(3, 6, 6);
  for (Activation kind : {Activation::sigmoid, Activation::tanh, Activation::relu,
                          Activation::leaky_relu, Activation::linear, Activation::softmax}) {
    const ActivationSpec f{kind, 0.05};
    Matrix<double> a, delta;
    activation_forward(f, z, a);
    loss_delta(Loss::mse, f, z, a, y, delta);
    EXPECT_EQ(delta, chain_rule_delta(Loss::mse, f, z, a, y)) << to_string(kind);
  }
}

// The fused deltas, σ(z) − y for bce and softmax(z) − y for cross_entropy (over m N or N), are
// the chain rule simplified: equal to it wherever the chain rule is finite (a not saturated).
TEST(Losses, FusedDeltasEqualTheChainRule) {
  const Matrix<double> z = random_matrix(3, 8, 7, 2.0);
  Matrix<double> a, delta;

  const ActivationSpec sigmoid{Activation::sigmoid};
  Matrix<double> y_binary = random_matrix(3, 8, 8);
  for (Eigen::Index i = 0; i < y_binary.size(); ++i)
    y_binary(i) = (i % 3 == 0) ? 0.3 : (y_binary(i) > 0);  // labels and one soft target
  activation_forward(sigmoid, z, a);
  loss_delta(Loss::bce, sigmoid, z, a, y_binary, delta);
  EXPECT_LT(max_relative_difference(delta, chain_rule_delta(Loss::bce, sigmoid, z, a, y_binary)),
            1e-12);

  const ActivationSpec softmax{Activation::softmax};
  activation_forward(softmax, z, a);
  Matrix<double> one_hot = Matrix<double>::Zero(3, 8);
  for (Eigen::Index j = 0; j < 8; ++j) one_hot((j * 2) % 3, j) = 1;
  // soft targets: positive columns summing to 1
  Matrix<double> soft = random_matrix(3, 8, 9).array().exp().matrix();
  for (Eigen::Index j = 0; j < 8; ++j) soft.col(j) /= soft.col(j).sum();
  for (const Matrix<double>* y : {&one_hot, &soft}) {
    loss_delta(Loss::cross_entropy, softmax, z, a, *y, delta);
    EXPECT_LT(
        max_relative_difference(delta, chain_rule_delta(Loss::cross_entropy, softmax, z, a, *y)),
        1e-12)
        << (y == &one_hot ? "one-hot" : "soft") << " targets";
  }
}

TEST(Losses, PairingRulesAreEnforcedWithClearMessages) {
  EXPECT_NO_THROW(check_loss_pairing(Loss::mse, Activation::softmax));
  EXPECT_NO_THROW(check_loss_pairing(Loss::bce, Activation::sigmoid));
  EXPECT_NO_THROW(check_loss_pairing(Loss::cross_entropy, Activation::softmax));
  std::string msg = test::error_of([] { check_loss_pairing(Loss::bce, Activation::relu); });
  EXPECT_NE(msg.find("bce needs a sigmoid output layer, found relu"), std::string::npos) << msg;
  msg = test::error_of([] { check_loss_pairing(Loss::cross_entropy, Activation::sigmoid); });
  EXPECT_NE(msg.find("cross_entropy needs a softmax output layer"), std::string::npos) << msg;
  msg = test::error_of([] { loss_from_string("hinge"); });
  EXPECT_NE(msg.find("unknown loss 'hinge'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace backprop
