#include "backprop/activations.h"

#include <cmath>

#include "backprop/error.h"
#include "math/vector_exp.h"

namespace backprop {

std::string to_string(Activation kind) {
  switch (kind) {
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
    case Activation::leaky_relu:
      return "leaky_relu";
    case Activation::linear:
      return "linear";
    case Activation::softmax:
      return "softmax";
  }
  return "?";
}

Activation activation_from_string(const std::string& name) {
  for (Activation kind : {Activation::sigmoid, Activation::tanh, Activation::relu,
                          Activation::leaky_relu, Activation::linear, Activation::softmax}) {
    if (name == to_string(kind)) return kind;
  }
  throw usage_error("unknown activation '" + name +
                    "' (expected one of: sigmoid, tanh, relu, leaky_relu, linear, softmax)");
}

bool is_elementwise(Activation kind) { return kind != Activation::softmax; }

template <typename S>
S sigmoid(S z) {
  // Both branches only ever take e^x of x <= 0, so nothing overflows.
  if (z >= 0) return S(1) / (S(1) + std::exp(-z));
  const S e = std::exp(z);
  return e / (S(1) + e);
}

template <typename S>
S softplus(S z) {
  return std::max(z, S(0)) + std::log1p(std::exp(-std::abs(z)));
}

template <typename S>
void activation_forward(const ActivationSpec& f, const Matrix<S>& z, Matrix<S>& a) {
  a.resize(z.rows(), z.cols());
  switch (f.kind) {
    case Activation::sigmoid:
      // 1 / (1 + e^-z), vectorised (math/vector_exp.h); e^-z is clamped to the normal range, so
      // no z overflows it or makes it NaN.
      math::sigmoid(z.data(), a.data(), z.size());
      break;
    case Activation::tanh:
      a = z.array().tanh().matrix();
      break;
    case Activation::relu:
      a = z.array().max(S(0)).matrix();
      break;
    case Activation::leaky_relu: {
      const S alpha = static_cast<S>(f.alpha);
      a = (z.array() > S(0)).select(z.array(), alpha * z.array()).matrix();
      break;
    }
    case Activation::linear:
      a = z;
      break;
    case Activation::softmax:
      // Shift each column by its maximum: e^{z - max} <= 1, and softmax is shift-invariant.
      for (Eigen::Index j = 0; j < z.cols(); ++j) {
        const S shift = z.col(j).maxCoeff();
        a.col(j) = (z.col(j).array() - shift).exp().matrix();
        a.col(j) /= a.col(j).sum();
      }
      break;
  }
}

namespace {

// f'(z) of every element-wise activation, written once, as a lazy Eigen array expression handed
// to `use`. activation_derivative stores it; activation_backward multiplies g by it in the same
// loop (Eigen fuses g ⊙ f'(z) into one pass: no buffer, no second sweep). Sigmoid and tanh take
// f'(z) from a = f(z), which is cheaper than from z and the same number.
template <typename S, typename Use>
void with_derivative(const ActivationSpec& f, const Matrix<S>& z, const Matrix<S>& a, Use&& use) {
  using Values = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index rows = z.rows(), cols = z.cols();
  switch (f.kind) {
    case Activation::sigmoid:  // σ'(z) = σ(z) (1 − σ(z))
      use(a.array() * (S(1) - a.array()));
      return;
    case Activation::tanh:  // tanh'(z) = 1 − tanh² z
      use(S(1) - a.array().square());
      return;
    case Activation::relu:  // [z > 0]; a select between constants, which the compiler vectorises
      use((z.array() > S(0)).select(Values::Ones(rows, cols), Values::Zero(rows, cols)));
      return;
    case Activation::leaky_relu:  // z > 0 ? 1 : alpha
      use((z.array() > S(0))
              .select(Values::Ones(rows, cols),
                      Values::Constant(rows, cols, static_cast<S>(f.alpha))));
      return;
    case Activation::linear:  // 1
      use(Values::Ones(rows, cols));
      return;
    case Activation::softmax:
      throw Error("internal: softmax has no element-wise derivative; use activation_backward");
  }
}

}  // namespace

template <typename S>
void activation_derivative(const ActivationSpec& f, const Matrix<S>& z, const Matrix<S>& a,
                           Matrix<S>& fprime) {
  fprime.resize(z.rows(), z.cols());
  with_derivative(f, z, a, [&](const auto& fprime_of_z) { fprime = fprime_of_z.matrix(); });
}

template <typename S>
void activation_backward(const ActivationSpec& f, const Matrix<S>& z, const Matrix<S>& a,
                         const Matrix<S>& g, Matrix<S>& delta) {
  delta.resize(z.rows(), z.cols());
  if (f.kind == Activation::softmax) {
    // delta_i = Σ_k (∂a_k/∂z_i) g_k = a_i (g_i − Σ_k a_k g_k), one column at a time.
    for (Eigen::Index j = 0; j < z.cols(); ++j) {
      const S a_dot_g = a.col(j).dot(g.col(j));
      delta.col(j) = (a.col(j).array() * (g.col(j).array() - a_dot_g)).matrix();
    }
    return;
  }
  // delta = g ⊙ f'(z), element by element, so g may be delta itself (the network's in-place use)
  with_derivative(f, z, a,
                  [&](const auto& fprime_of_z) { delta = (g.array() * fprime_of_z).matrix(); });
}

#define BACKPROP_INSTANTIATE(S)                                                                   \
  template S sigmoid<S>(S);                                                                       \
  template S softplus<S>(S);                                                                      \
  template void activation_forward<S>(const ActivationSpec&, const Matrix<S>&, Matrix<S>&);       \
  template void activation_derivative<S>(const ActivationSpec&, const Matrix<S>&,                 \
                                         const Matrix<S>&, Matrix<S>&);                           \
  template void activation_backward<S>(const ActivationSpec&, const Matrix<S>&, const Matrix<S>&, \
                                       const Matrix<S>&, Matrix<S>&);
BACKPROP_INSTANTIATE(float)
BACKPROP_INSTANTIATE(double)
#undef BACKPROP_INSTANTIATE

}  // namespace backprop
