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
#include "backprop/layers/products.h"
#include "backprop/tensor.h"

namespace backprop {

template <typename S>
struct DenseLayer {
  ActivationSpec activation;
  // Training only: the rate P at which this (hidden) layer's outputs are dropped (layers/dropout.h;
  // 0: none). Inference ignores it.
  double dropout = 0;
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
  // (a_prev is a Ref so that one sample's column binds without a copy: Network::predict_one)
  void forward(const Eigen::Ref<const Matrix<S>>& a_prev, Matrix<S>& z, Matrix<S>& a) const {
    multiply<S>(z, W, a_prev, &b);
    activation_forward(activation, z, a);
  }

  // dW = delta a_prevᵀ ; db = Σ_samples delta ; da_prev = Wᵀ delta (skipped when null)
  void backward(const Matrix<S>& a_prev, const Matrix<S>& delta, Matrix<S>* da_prev) {
    multiply_transposed_rhs(dW, delta, a_prev);
    db.noalias() = delta.rowwise().sum();
    if (da_prev != nullptr) multiply_transposed_lhs(*da_prev, W, delta);
  }
};

}  // namespace backprop
