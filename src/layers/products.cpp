#include "backprop/layers/products.h"

#include <algorithm>
#include <utility>

#ifdef BACKPROP_USE_OPENBLAS
#include <cblas.h>
#endif

namespace backprop {

namespace {

constexpr int kSmall = 16;  // largest dimension the fixed-size kernels handle

// c(P x N) = a(P x K) · b(K x N) [+ bias(P) in every column], all column-major with leading
// dimensions lda, ldb, ldc. One column of c at a time, held in registers:
// c_j = bias + Σ_k a_k b(k, j).
template <int P, typename S>
void columns_kernel(S* c, Eigen::Index ldc, const S* a, Eigen::Index lda, const S* b,
                    Eigen::Index ldb, Eigen::Index K, Eigen::Index N, const S* bias) {
  for (Eigen::Index j = 0; j < N; ++j) {
    const S* bj = b + j * ldb;
    S acc[P];
    if (bias != nullptr)
      for (int i = 0; i < P; ++i) acc[i] = bias[i] + a[i] * bj[0];
    else
      for (int i = 0; i < P; ++i) acc[i] = a[i] * bj[0];
    for (Eigen::Index k = 1; k < K; ++k) {
      const S s = bj[k];
      const S* ak = a + k * lda;
      for (int i = 0; i < P; ++i) acc[i] += ak[i] * s;
    }
    S* cj = c + j * ldc;
    for (int i = 0; i < P; ++i) cj[i] = acc[i];
  }
}

// c(P x Q) = a(P x N) · b(Q x N)ᵀ = Σ_j a_j b_jᵀ: one column of c at a time, summing over the
// samples in two interleaved halves (even/odd j) so that the additions do not wait on each other.
template <int P, typename S>
void outer_kernel(S* c, Eigen::Index ldc, const S* a, Eigen::Index lda, const S* b,
                  Eigen::Index ldb, Eigen::Index Q, Eigen::Index N) {
  for (Eigen::Index q = 0; q < Q; ++q) {
    S even[P] = {}, odd[P] = {};
    Eigen::Index j = 0;
    for (; j + 1 < N; j += 2) {
      const S s0 = b[q + j * ldb], s1 = b[q + (j + 1) * ldb];
      const S* a0 = a + j * lda;
      const S* a1 = a0 + lda;
      for (int i = 0; i < P; ++i) {
        even[i] += a0[i] * s0;
        odd[i] += a1[i] * s1;
      }
    }
    if (j < N) {
      const S s0 = b[q + j * ldb];
      const S* a0 = a + j * lda;
      for (int i = 0; i < P; ++i) even[i] += a0[i] * s0;
    }
    S* cq = c + q * ldc;
    for (int i = 0; i < P; ++i) cq[i] = even[i] + odd[i];
  }
}

// Calls Kernel<P, S>::run(args...) for the run-time P in 1..kSmall (one instantiation each).
template <template <int, typename> class Kernel, typename S, int... I, typename... Args>
void dispatch(Eigen::Index P, std::integer_sequence<int, I...>, Args... args) {
  (void)((P == I + 1 ? (Kernel<I + 1, S>::run(args...), true) : false) || ...);
}
template <template <int, typename> class Kernel, typename S, typename... Args>
void dispatch(Eigen::Index P, Args... args) {
  dispatch<Kernel, S>(P, std::make_integer_sequence<int, kSmall>{}, args...);
}

template <int P, typename S>
struct Columns {
  static void run(S* c, Eigen::Index ldc, const S* a, Eigen::Index lda, const S* b,
                  Eigen::Index ldb, Eigen::Index K, Eigen::Index N, const S* bias) {
    columns_kernel<P, S>(c, ldc, a, lda, b, ldb, K, N, bias);
  }
};

template <int P, typename S>
struct Outer {
  static void run(S* c, Eigen::Index ldc, const S* a, Eigen::Index lda, const S* b,
                  Eigen::Index ldb, Eigen::Index Q, Eigen::Index N) {
    outer_kernel<P, S>(c, ldc, a, lda, b, ldb, Q, N);
  }
};

// c (m x n) = op(a) op(b) [+ c when accumulate], column-major: the large products. OpenBLAS when
// the library is built with it (about 1.4x Eigen's GEMM on this project's shapes), else Eigen.
#ifdef BACKPROP_USE_OPENBLAS
inline CBLAS_TRANSPOSE op(bool transposed) { return transposed ? CblasTrans : CblasNoTrans; }
inline blasint ld(Eigen::Index stride, Eigen::Index rows) {
  return static_cast<blasint>(std::max<Eigen::Index>({stride, rows, 1}));
}
void gemm(float* c, Eigen::Index m, Eigen::Index n, Eigen::Index k, const float* a,
          Eigen::Index lda, bool ta, const float* b, Eigen::Index ldb, bool tb, bool accumulate) {
  cblas_sgemm(CblasColMajor, op(ta), op(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), 1.0f, a, ld(lda, ta ? k : m), b, ld(ldb, tb ? n : k),
              accumulate ? 1.0f : 0.0f, c, ld(m, m));
}
void gemm(double* c, Eigen::Index m, Eigen::Index n, Eigen::Index k, const double* a,
          Eigen::Index lda, bool ta, const double* b, Eigen::Index ldb, bool tb, bool accumulate) {
  cblas_dgemm(CblasColMajor, op(ta), op(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), 1.0, a, ld(lda, ta ? k : m), b, ld(ldb, tb ? n : k),
              accumulate ? 1.0 : 0.0, c, ld(m, m));
}
// y (m) = a (m x n) x [+ y when accumulate]
void gemv(float* y, Eigen::Index m, Eigen::Index n, const float* a, Eigen::Index lda,
          const float* x, bool accumulate) {
  cblas_sgemv(CblasColMajor, CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n), 1.0f,
              a, ld(lda, m), x, 1, accumulate ? 1.0f : 0.0f, y, 1);
}
void gemv(double* y, Eigen::Index m, Eigen::Index n, const double* a, Eigen::Index lda,
          const double* x, bool accumulate) {
  cblas_dgemv(CblasColMajor, CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n), 1.0, a,
              ld(lda, m), x, 1, accumulate ? 1.0 : 0.0, y, 1);
}
#endif

}  // namespace

template <typename S>
void multiply(Matrix<S>& dst, const Eigen::Ref<const Matrix<S>>& lhs,
              const Eigen::Ref<const Matrix<S>>& rhs, const Vector<S>* bias) {
  const Eigen::Index P = lhs.rows(), K = lhs.cols(), N = rhs.cols();
  dst.resize(P, N);
  if (P == 1 && N <= 8 && lhs.outerStride() == 1 && K > 0) {
    // One unit (a regression or binary output): dot products of the weight row with each
    // column, which sum in vector registers rather than in one long scalar chain.
    const Eigen::Map<const Vector<S>> w(lhs.data(), K);
    const S b0 = bias != nullptr ? (*bias)(0) : S(0);
    for (Eigen::Index j = 0; j < N; ++j) dst(0, j) = b0 + w.dot(rhs.col(j));
    return;
  }
  if (P <= kSmall && K <= kSmall && K > 0) {
    dispatch<Columns, S>(P, dst.data(), P, lhs.data(), lhs.outerStride(), rhs.data(),
                         rhs.outerStride(), K, N, bias != nullptr ? bias->data() : nullptr);
    return;
  }
#ifdef BACKPROP_USE_OPENBLAS
  if (bias != nullptr) dst.colwise() = *bias;  // then dst += lhs rhs
  if (N == 1) {  // one sample (predict_one): a matrix-vector product (GEMM is 5x slower here)
    gemv(dst.data(), P, K, lhs.data(), lhs.outerStride(), rhs.data(), bias != nullptr);
    return;
  }
  gemm(dst.data(), P, N, K, lhs.data(), lhs.outerStride(), false, rhs.data(), rhs.outerStride(),
       false, bias != nullptr);
#else
  dst.noalias() = lhs * rhs;
  if (bias != nullptr) dst.colwise() += *bias;
#endif
}

template <typename S>
void multiply_transposed_rhs(Matrix<S>& dst, const Matrix<S>& lhs, const Matrix<S>& rhs) {
  const Eigen::Index P = lhs.rows(), Q = rhs.rows(), N = lhs.cols();
  dst.resize(P, Q);
  if (P <= kSmall && Q <= kSmall && N > 0) {
    if (P >= Q) {  // vectorise over the rows of dst
      dispatch<Outer, S>(P, dst.data(), P, lhs.data(), P, rhs.data(), Q, Q, N);
    } else {  // vectorise over its columns: dstᵀ = rhs lhsᵀ, then transpose (<= 256 entries)
      S transposed[kSmall * kSmall];
      dispatch<Outer, S>(Q, transposed, Q, rhs.data(), Q, lhs.data(), P, P, N);
      for (Eigen::Index p = 0; p < P; ++p)
        for (Eigen::Index q = 0; q < Q; ++q) dst(p, q) = transposed[q + p * Q];
    }
    return;
  }
#ifdef BACKPROP_USE_OPENBLAS
  gemm(dst.data(), P, Q, N, lhs.data(), P, false, rhs.data(), Q, true, false);
#else
  dst.noalias() = lhs * rhs.transpose();
#endif
}

template <typename S>
void multiply_transposed_lhs(Matrix<S>& dst, const Matrix<S>& lhs, const Matrix<S>& rhs) {
  const Eigen::Index P = lhs.cols(), K = lhs.rows(), N = rhs.cols();
  dst.resize(P, N);
  if (P <= kSmall && K <= kSmall && K > 0) {
    S transposed[kSmall * kSmall];  // lhsᵀ, column-major (P x K)
    for (Eigen::Index k = 0; k < K; ++k)
      for (Eigen::Index p = 0; p < P; ++p) transposed[p + k * P] = lhs(k, p);
    dispatch<Columns, S>(P, dst.data(), P, transposed, P, rhs.data(), K, K, N, nullptr);
    return;
  }
#ifdef BACKPROP_USE_OPENBLAS
  gemm(dst.data(), P, N, K, lhs.data(), K, true, rhs.data(), K, false, false);
#else
  dst.noalias() = lhs.transpose() * rhs;
#endif
}

#define BACKPROP_INSTANTIATE(S)                                                             \
  template void multiply<S>(Matrix<S>&, const Eigen::Ref<const Matrix<S>>&,                 \
                            const Eigen::Ref<const Matrix<S>>&, const Vector<S>*);          \
  template void multiply_transposed_rhs<S>(Matrix<S>&, const Matrix<S>&, const Matrix<S>&); \
  template void multiply_transposed_lhs<S>(Matrix<S>&, const Matrix<S>&, const Matrix<S>&);
BACKPROP_INSTANTIATE(float)
BACKPROP_INSTANTIATE(double)
#undef BACKPROP_INSTANTIATE

}  // namespace backprop
