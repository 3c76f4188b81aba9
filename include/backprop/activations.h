// activations.h — a = f(z) and its backward pass, element-wise or per column (softmax).
//
//   sigmoid     f(z) = 1 / (1 + e^-z)             f'(z) = f(z) (1 - f(z))
//   tanh        f(z) = tanh z                      f'(z) = 1 - tanh² z
//   relu        f(z) = max(z, 0)                   f'(z) = [z > 0]
//   leaky_relu  f(z) = z > 0 ? z : alpha z         f'(z) = z > 0 ? 1 : alpha
//   linear      f(z) = z                           f'(z) = 1
//   softmax     f(z)_i = e^{z_i} / Σ_j e^{z_j}     (per column; a Jacobian, not an element-wise f')
//
// Derivatives are evaluated at z, never at a (the lesson's Exercise 8.1). The backward pass turns
// g = dL/da into delta = dL/dz: for the element-wise functions delta = g ⊙ f'(z); for softmax,
// column by column, delta = a ⊙ (g − (aᵀg) 1), the product with the full softmax Jacobian.
// Shapes: z, a, g, delta are all (units x N).
#pragma once

#include <string>

#include "backprop/tensor.h"

namespace backprop {

enum class Activation { sigmoid, tanh, relu, leaky_relu, linear, softmax };

struct ActivationSpec {
  Activation kind = Activation::sigmoid;
  double alpha = 0.01;  // leaky_relu's slope for z <= 0; ignored by the others
};

// "sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax".
std::string to_string(Activation kind);
// Inverse of to_string; throws a usage Error listing the known names.
Activation activation_from_string(const std::string& name);
// True for the functions with an element-wise derivative f'(z) (all but softmax).
bool is_elementwise(Activation kind);

// a = f(z). Sigmoid and softmax are computed so that no z overflows (|z| up to any finite value).
template <typename S>
void activation_forward(const ActivationSpec& f, const Matrix<S>& z, Matrix<S>& a);

// fprime = f'(z) for an element-wise activation (precondition: is_elementwise(f.kind)).
// `a` must be f(z) (sigmoid and tanh reuse it).
template <typename S>
void activation_derivative(const ActivationSpec& f, const Matrix<S>& z, const Matrix<S>& a,
                           Matrix<S>& fprime);

// delta = dL/dz from g = dL/da: g ⊙ f'(z), or the softmax Jacobian product. `a` must be f(z).
// g and delta may be the same matrix (the network computes delta in place).
template <typename S>
void activation_backward(const ActivationSpec& f, const Matrix<S>& z, const Matrix<S>& a,
                         const Matrix<S>& g, Matrix<S>& delta);

// Numerically stable scalar pieces shared with the losses.
template <typename S>
S sigmoid(S z);
// log(1 + e^z) without overflow.
template <typename S>
S softplus(S z);

}  // namespace backprop
