// The layer products (layers/products.h) and the vector exp (src/math/vector_exp.h) against
// plain references: every small-kernel shape 1..16 and the GEMM path beyond it, both precisions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "backprop/layers/products.h"
#include "math/vector_exp.h"

namespace backprop {
namespace {

template <typename S>
Matrix<S> random_matrix(Eigen::Index rows, Eigen::Index cols, std::mt19937& gen) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Matrix<S> m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = static_cast<S>(u(gen));
  return m;
}

// Σ_k lhs(i, k) rhs(k, j) in long double, term by term.
template <typename S>
Matrix<long double> reference_product(const Matrix<S>& lhs, const Matrix<S>& rhs) {
  Matrix<long double> out = Matrix<long double>::Zero(lhs.rows(), rhs.cols());
  for (Eigen::Index i = 0; i < lhs.rows(); ++i)
    for (Eigen::Index j = 0; j < rhs.cols(); ++j)
      for (Eigen::Index k = 0; k < lhs.cols(); ++k)
        out(i, j) += static_cast<long double>(lhs(i, k)) * static_cast<long double>(rhs(k, j));
  return out;
}

// |got - want| <= tol · (1 + Σ|terms|) entry by entry: the bound of any summation order.
template <typename S>
void expect_close(const Matrix<S>& got, const Matrix<long double>& want, Eigen::Index inner,
                  const char* what) {
  ASSERT_EQ(got.rows(), want.rows()) << what;
  ASSERT_EQ(got.cols(), want.cols()) << what;
  const long double tol = 4 * std::numeric_limits<S>::epsilon() * static_cast<long double>(inner);
  for (Eigen::Index j = 0; j < got.cols(); ++j)
    for (Eigen::Index i = 0; i < got.rows(); ++i)
      ASSERT_LE(std::fabs(static_cast<long double>(got(i, j)) - want(i, j)), tol * (1 + inner))
          << what << " at (" << i << ", " << j << "), " << got.rows() << "x" << got.cols()
          << ", inner " << inner;
}

template <typename S>
void check_all_shapes() {
  std::mt19937 gen(7);
  const Eigen::Index dims[] = {1, 2, 3, 4, 5, 8, 10, 15, 16, 17, 40};
  const Eigen::Index samples[] = {1, 2, 3, 4, 9, 200};
  for (Eigen::Index P : dims)
    for (Eigen::Index K : dims)
      for (Eigen::Index N : samples) {
        const Matrix<S> W = random_matrix<S>(P, K, gen);       // (units x inputs)
        const Matrix<S> a_prev = random_matrix<S>(K, N, gen);  // (inputs x N)
        const Matrix<S> delta = random_matrix<S>(P, N, gen);   // (units x N)
        const Vector<S> b = random_matrix<S>(P, 1, gen);
        Matrix<S> z, dW, da;
        // z = W a_prev (+ b)
        multiply<S>(z, W, a_prev);
        expect_close(z, reference_product(W, a_prev), K, "W a_prev");
        multiply<S>(z, W, a_prev, &b);
        Matrix<long double> with_bias = reference_product(W, a_prev);
        for (Eigen::Index j = 0; j < N; ++j) with_bias.col(j) += b.template cast<long double>();
        expect_close(z, with_bias, K + 1, "W a_prev + b");
        // dW = delta a_prevᵀ
        multiply_transposed_rhs(dW, delta, a_prev);
        const Matrix<S> a_prev_t = a_prev.transpose();
        expect_close(dW, reference_product(delta, a_prev_t), N, "delta a_prevᵀ");
        // da_prev = Wᵀ delta
        multiply_transposed_lhs(da, W, delta);
        const Matrix<S> W_t = W.transpose();
        expect_close(da, reference_product(W_t, delta), P, "Wᵀ delta");
      }
}

TEST(Products, EveryShapeMatchesTheReferenceInDouble) { check_all_shapes<double>(); }
TEST(Products, EveryShapeMatchesTheReferenceInFloat) { check_all_shapes<float>(); }

TEST(Products, ReusesTheDestinationAndAcceptsStridedOperands) {
  std::mt19937 gen(3);
  const Matrix<double> big = random_matrix<double>(12, 30, gen);
  const Matrix<double> W = random_matrix<double>(10, 5, gen);
  Matrix<double> z = Matrix<double>::Constant(3, 3, 99.0);  // wrong shape, stale values
  // rows 2..6 of `big`: a block whose columns are 12 apart
  multiply<double>(z, W, big.middleRows(2, 5));
  const Matrix<double> block = big.middleRows(2, 5);
  expect_close(z, reference_product(W, block), 5, "strided rhs");
  const double* storage = z.data();
  multiply<double>(z, W, block);
  EXPECT_EQ(z.data(), storage) << "same shape: no reallocation";
}

TEST(VectorExp, WithinTwoUlpOfStdExpInDouble) {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> wide(-708.0, 709.0), narrow(-5.0, 5.0);
  std::vector<double> x(200000), e(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i % 2) ? wide(gen) : narrow(gen);
  math::exp(x.data(), e.data(), static_cast<std::ptrdiff_t>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_LE(std::fabs(e[i] - std::exp(x[i])),
              2 * std::numeric_limits<double>::epsilon() * std::exp(x[i]))
        << "x = " << x[i];
}

TEST(VectorExp, WithinTwoUlpOfStdExpInFloat) {
  std::mt19937 gen(12);
  std::uniform_real_distribution<float> wide(-87.0f, 88.0f);
  std::vector<float> x(200000), e(x.size());
  for (float& v : x) v = wide(gen);
  math::exp(x.data(), e.data(), static_cast<std::ptrdiff_t>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    ASSERT_LE(std::fabs(e[i] - want), 2 * std::numeric_limits<float>::epsilon() * want)
        << "x = " << x[i];
  }
}

TEST(VectorExp, ZeroBelowTheNormalRangeInfinityAboveNanKept) {
  const double inf = std::numeric_limits<double>::infinity();
  const double x[] = {
      -inf, -1000.0, -709.0, 709.5, 1000.0, inf, std::numeric_limits<double>::quiet_NaN()};
  double e[std::size(x)];
  math::exp(x, e, static_cast<std::ptrdiff_t>(std::size(x)));
  EXPECT_EQ(e[0], 0.0);
  EXPECT_EQ(e[1], 0.0);
  EXPECT_EQ(e[2], 0.0);
  EXPECT_EQ(e[3], inf);
  EXPECT_EQ(e[4], inf);
  EXPECT_EQ(e[5], inf);
  EXPECT_TRUE(std::isnan(e[6]));
}

TEST(VectorExp, SigmoidIsStableAtTheExtremesAndKeepsNan) {
  const double inf = std::numeric_limits<double>::infinity();
  const double x[] = {-inf, -1e308, -800.0, -30.0, 0.0,
                      30.0, 800.0,  1e308,  inf,   std::numeric_limits<double>::quiet_NaN()};
  double s[std::size(x)];
  math::sigmoid(x, s, static_cast<std::ptrdiff_t>(std::size(x)));
  EXPECT_EQ(s[0], 0.0);
  EXPECT_EQ(s[1], 0.0);
  EXPECT_EQ(s[2], 0.0);
  EXPECT_NEAR(s[3], 1.0 / (1.0 + std::exp(30.0)), 1e-27);
  EXPECT_EQ(s[4], 0.5);
  EXPECT_EQ(s[5], 1.0 / (1.0 + std::exp(-30.0)));
  EXPECT_EQ(s[6], 1.0);
  EXPECT_EQ(s[8], 1.0);
  EXPECT_TRUE(std::isnan(s[9])) << "NaN must propagate, so that divergence is detected";
  for (double v : s)
    if (!std::isnan(v)) {
      EXPECT_TRUE(v >= 0.0 && v <= 1.0);
    }
}

}  // namespace
}  // namespace backprop
