// products.h — the three matrix products of a dense layer, fast for every shape.
//
//   forward    z       = W a_prev + b    multiply(z, W, a_prev, &b)
//   backward   dW      = delta a_prevᵀ   multiply_transposed_rhs(dW, delta, a_prev)
//              da_prev = Wᵀ delta        multiply_transposed_lhs(da_prev, W, delta)
//
// Large products go to OpenBLAS's GEMM (GEMV for one sample) when the library is built with it
// (the default where Debian's libopenblas-openmp-dev is installed), else to Eigen's blocked
// GEMM; both run on the threads of set_threads() (threads.h). The lesson's nets (2-4-1, 2-10-1)
// are the other extreme: every dimension but the batch is tiny, and GEMM's packing costs more
// than the arithmetic. For them, kernels with the small dimension fixed at compile time (1..16)
// keep a whole column in registers and walk the samples once. Results agree with GEMM to
// rounding.
//
// The destination must not alias an operand; it is resized as needed (no allocation once it has
// the right shape).
#pragma once

#include "backprop/tensor.h"

namespace backprop {

// dst = lhs · rhs, plus bias in every column when given
template <typename S>
void multiply(Matrix<S>& dst, const Eigen::Ref<const Matrix<S>>& lhs,
              const Eigen::Ref<const Matrix<S>>& rhs, const Vector<S>* bias = nullptr);

// dst = lhs · rhsᵀ
template <typename S>
void multiply_transposed_rhs(Matrix<S>& dst, const Matrix<S>& lhs, const Matrix<S>& rhs);

// dst = lhsᵀ · rhs
template <typename S>
void multiply_transposed_lhs(Matrix<S>& dst, const Matrix<S>& lhs, const Matrix<S>& rhs);

}  // namespace backprop
