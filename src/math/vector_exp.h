// vector_exp.h — e^x and the logistic function over arrays, written so the compiler vectorises
// them (no branches, no calls): Eigen's exp for double divides and rescales twice, and the
// sigmoid of the lesson's nets spends most of its time there.
//
//   e^x = 2^n e^r,  n = round(x / ln 2),  r = x − n ln 2 (Cody–Waite: ln 2 = hi + lo, n·hi exact)
//   e^r = Σ_{k=0..D} r^k / k!  on |r| <= ln2 / 2   (D = 13 in double, 7 in float: < 1 ulp of
//                                                  truncation error)
//   2^n is built in the exponent field. x is first clamped to [−709.2, 709.8] (float: [−88, 88.7]),
//   whose ends give exponent fields 0 and all ones: e^x is exactly +0 below about −708.7 (where
//   the true value is subnormal, and training flushes subnormals anyway) and +inf above about
//   709.4 (float: −87.7 and 88.4), slightly before the true overflow. NaN stays NaN. So the
//   sigmoid is exactly 0 or 1 far out, never NaN.
#pragma once

#include <cstddef>

namespace backprop::math {

// out[i] = e^{in[i]}; in and out may be the same array.
void exp(const double* in, double* out, std::ptrdiff_t n);
void exp(const float* in, float* out, std::ptrdiff_t n);

// out[i] = 1 / (1 + e^{−in[i]}); in and out may be the same array.
void sigmoid(const double* in, double* out, std::ptrdiff_t n);
void sigmoid(const float* in, float* out, std::ptrdiff_t n);

}  // namespace backprop::math
