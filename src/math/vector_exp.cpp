#include "math/vector_exp.h"

#include <cstdint>
#include <cstring>

namespace backprop::math {

namespace {

template <typename S>
struct ExpConstants;

template <>
struct ExpConstants<double> {
  using Bits = std::uint64_t;
  static constexpr int kMantissa = 52, kBias = 1023, kDegree = 13;
  // Clamps where n = −1023 (2^n's exponent field 0: e^x = +0) and n = 1024 (field 2047: +inf).
  static constexpr double kMin = -709.2, kMax = 709.8;
  static constexpr double kLog2e = 1.4426950408889634074;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000: n·hi exact
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kRound = 6755399441055744.0;  // 1.5·2^52: adding it rounds to an integer
};

template <>
struct ExpConstants<float> {
  using Bits = std::uint32_t;
  static constexpr int kMantissa = 23, kBias = 127, kDegree = 7;
  static constexpr float kMin = -88.0f, kMax = 88.7f;  // n = −127 and n = 128
  static constexpr float kLog2e = 1.44269504088896341f;
  static constexpr float kLn2Hi = 0.693145751953125f;  // 0x3f317200: n·hi exact
  static constexpr float kLn2Lo = 1.428606765330187045e-06f;
  static constexpr float kRound = 12582912.0f;  // 1.5·2^23
};

// 1/k! for k = 0..13, rounded once (computed in long double at compile time).
constexpr long double inverse_factorial(int k) {
  return k == 0 ? 1.0L : inverse_factorial(k - 1) / k;
}
template <typename S>
constexpr S kInverseFactorial[14] = {
    S(inverse_factorial(0)),  S(inverse_factorial(1)),  S(inverse_factorial(2)),
    S(inverse_factorial(3)),  S(inverse_factorial(4)),  S(inverse_factorial(5)),
    S(inverse_factorial(6)),  S(inverse_factorial(7)),  S(inverse_factorial(8)),
    S(inverse_factorial(9)),  S(inverse_factorial(10)), S(inverse_factorial(11)),
    S(inverse_factorial(12)), S(inverse_factorial(13))};

template <typename S>
inline S exp_one(S x) {
  using C = ExpConstants<S>;
  using Bits = typename C::Bits;
  x = x < C::kMin ? C::kMin : x;  // NaN stays NaN
  x = x > C::kMax ? C::kMax : x;
  // n = round(x log2 e): the integer lands in the low bits of t's mantissa.
  const S t = x * C::kLog2e + C::kRound;
  const S n = t - C::kRound;
  const S r = (x - n * C::kLn2Hi) - n * C::kLn2Lo;
  // Horner's rule on the Taylor series, highest term first: 1/D!, ..., 1/1!, 1/0!.
  S p = kInverseFactorial<S>[C::kDegree];
#pragma GCC unroll 16
  for (int k = C::kDegree - 1; k >= 0; --k) p = p * r + kInverseFactorial<S>[k];
  // 2^n: n + bias in the exponent field (t's low bits hold n in two's complement).
  Bits bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = (bits + static_cast<Bits>(C::kBias)) << C::kMantissa;
  S scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

}  // namespace

void exp(const double* in, double* out, std::ptrdiff_t n) {
  for (std::ptrdiff_t i = 0; i < n; ++i) out[i] = exp_one(in[i]);
}
void exp(const float* in, float* out, std::ptrdiff_t n) {
  for (std::ptrdiff_t i = 0; i < n; ++i) out[i] = exp_one(in[i]);
}
void sigmoid(const double* in, double* out, std::ptrdiff_t n) {
  for (std::ptrdiff_t i = 0; i < n; ++i) out[i] = 1.0 / (1.0 + exp_one(-in[i]));
}
void sigmoid(const float* in, float* out, std::ptrdiff_t n) {
  for (std::ptrdiff_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + exp_one(-in[i]));
}

}  // namespace backprop::math
