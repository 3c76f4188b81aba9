// dense.h — a fully connected layer: its parameters, their gradients, forward and backward.
//
// Shapes (units = outputs of this layer, inputs = units of the layer below, N = samples):
//   W, dW: (units x inputs)   b, db: (units)   a_prev: (inputs x N)   z, a, delta: (units x N)
//
//   forward:   z = W a_prev + b          a = f(z)
//   backward:  dW = delta a_prevᵀ        db = Σ_samples delta        da_prev = Wᵀ delta
//
// The layer owns W, b and their gradients dW, db; the network owns the cached z, a and delta.
// backward *assigns* dW and db, so nothing stale survives from an earlier batch.
#pragma once

#include "backprop/activations.h"
#include "backprop/tensor.h"

namespace backprop {

// dst = lhs · rhs. Eigen's blocked GEMM packs both operands first, which dominates for the tiny
// layers of the lesson's nets; a coefficient-wise (lazy) product is faster when the inner
// dimension or the result is small. Same numbers up to rounding; the large layers keep GEMM.
template <typename Dst, typename Lhs, typename Rhs>
void multiply(Dst& dst, const Lhs& lhs, const Rhs& rhs) {
  if (lhs.cols() <= 16 || dst.size() <= 64)
    dst.noalias() = lhs.lazyProduct(rhs);
  else
    dst.noalias() = lhs * rhs;
}

template <typename S>
struct DenseLayer {
  ActivationSpec activation;
  Matrix<S> W;   // (units x inputs)
  Vector<S> b;   // (units)
  Matrix<S> dW;  // dL/dW, same shape as W
  Vector<S> db;  // dL/db, same shape as b

  DenseLayer() = default;
  // Zero parameters and gradients of the given shape.
  DenseLayer(Eigen::Index units, Eigen::Index inputs, ActivationSpec f)
      : activation(f),
        W(Matrix<S>::Zero(units, inputs)),
        b(Vector<S>::Zero(units)),
        dW(Matrix<S>::Zero(units, inputs)),
        db(Vector<S>::Zero(units)) {}

  Eigen::Index units() const { return W.rows(); }
  Eigen::Index inputs() const { return W.cols(); }

  // z = W a_prev + b ; a = f(z)
  void forward(const Matrix<S>& a_prev, Matrix<S>& z, Matrix<S>& a) const {
    z.resize(units(), a_prev.cols());
    multiply(z, W, a_prev);
    z.colwise() += b;
    activation_forward(activation, z, a);
  }

  // dW = delta a_prevᵀ ; db = Σ_samples delta ; da_prev = Wᵀ delta (skipped when null)
  void backward(const Matrix<S>& a_prev, const Matrix<S>& delta, Matrix<S>* da_prev) {
    multiply(dW, delta, a_prev.transpose());
    db.noalias() = delta.rowwise().sum();
    if (da_prev != nullptr) {
      da_prev->resize(inputs(), delta.cols());
      multiply(*da_prev, W.transpose(), delta);
    }
  }
};

}  // namespace backprop
