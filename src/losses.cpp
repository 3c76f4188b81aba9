#include "backprop/losses.h"

#include <cmath>

#include "backprop/error.h"

namespace backprop {

std::string to_string(Loss loss) {
  switch (loss) {
    case Loss::mse:
      return "mse";
    case Loss::bce:
      return "bce";
    case Loss::cross_entropy:
      return "cross_entropy";
  }
  return "?";
}

Loss loss_from_string(const std::string& name) {
  for (Loss loss : {Loss::mse, Loss::bce, Loss::cross_entropy}) {
    if (name == to_string(loss)) return loss;
  }
  throw usage_error("unknown loss '" + name + "' (expected one of: mse, bce, cross_entropy)");
}

void check_loss_pairing(Loss loss, Activation output) {
  if (loss == Loss::bce && output != Activation::sigmoid) {
    throw usage_error("loss bce needs a sigmoid output layer, found " + to_string(output) +
                      " (use mse, or make the output activation sigmoid)");
  }
  if (loss == Loss::cross_entropy && output != Activation::softmax) {
    throw usage_error("loss cross_entropy needs a softmax output layer, found " +
                      to_string(output) + " (use bce for a single sigmoid output, or mse)");
  }
}

template <typename S>
S loss_value(Loss loss, const ActivationSpec& output, const Matrix<S>& z, const Matrix<S>& a,
             const Matrix<S>& y) {
  check_loss_pairing(loss, output.kind);
  const S m = static_cast<S>(z.rows());
  const S N = static_cast<S>(z.cols());
  switch (loss) {
    case Loss::mse:
      return (a - y).squaredNorm() / (m * N);
    case Loss::bce: {
      // −(y log σ(z) + (1 − y) log(1 − σ(z))) = softplus(z) − y z
      S total = 0;
      for (Eigen::Index j = 0; j < z.cols(); ++j)
        for (Eigen::Index i = 0; i < z.rows(); ++i) total += softplus(z(i, j)) - y(i, j) * z(i, j);
      return total / (m * N);
    }
    case Loss::cross_entropy: {
      // −Σ_i y_i (z_i − logsumexp(z)), with logsumexp(z) = max + log Σ e^{z − max}
      S total = 0;
      for (Eigen::Index j = 0; j < z.cols(); ++j) {
        const S shift = z.col(j).maxCoeff();
        const S logsumexp = shift + std::log((z.col(j).array() - shift).exp().sum());
        total -= (y.col(j).array() * (z.col(j).array() - logsumexp)).sum();
      }
      return total / N;
    }
  }
  return S(0);
}

// delta_L = dL/dz is the chain rule dL/da ⊙ f'(z) (the softmax Jacobian product for a softmax
// output). mse takes it literally. bce and cross_entropy are its specialisations, simplified on
// paper and computed from the logits, where the literal product would divide by a(1 − a) or a and
// become 0/0 once a saturates; tests/test_activations_losses.cpp checks that each equals the
// literal chain rule wherever that is finite.
template <typename S>
void loss_delta(Loss loss, const ActivationSpec& output, const Matrix<S>& z, const Matrix<S>& a,
                const Matrix<S>& y, Matrix<S>& delta) {
  check_loss_pairing(loss, output.kind);
  const S m = static_cast<S>(z.rows());
  const S N = static_cast<S>(z.cols());
  switch (loss) {
    case Loss::mse:
      loss_gradient_wrt_output(loss, a, y, delta);      // dL/da ...
      activation_backward(output, z, a, delta, delta);  // ... then ⊙ f'(z), in place
      return;
    case Loss::bce:
      // dL/da ⊙ σ'(z) = (a − y) / (a (1 − a) m N) ⊙ a (1 − a) = (a − y) / (m N),
      // with a = σ(z) computed without overflow
      delta = (a - y) / (m * N);
      return;
    case Loss::cross_entropy:
      // softmax Jacobian product with g = dL/da = −y / (a N):
      //   a_i (g_i − Σ_k a_k g_k) = (a_i Σ_k y_k − y_i) / N
      delta.resize(z.rows(), z.cols());
      for (Eigen::Index j = 0; j < z.cols(); ++j)
        delta.col(j) = a.col(j) * y.col(j).sum() - y.col(j);
      delta /= N;
      return;
  }
}

template <typename S>
void loss_gradient_wrt_output(Loss loss, const Matrix<S>& a, const Matrix<S>& y, Matrix<S>& dL_da) {
  const S m = static_cast<S>(a.rows());
  const S N = static_cast<S>(a.cols());
  switch (loss) {
    case Loss::mse:
      dL_da = (S(2) / (m * N)) * (a - y);
      return;
    case Loss::bce:
      dL_da = ((a - y).array() / (a.array() * (S(1) - a.array()))).matrix() / (m * N);
      return;
    case Loss::cross_entropy:
      dL_da = (-y.array() / a.array()).matrix() / N;
      return;
  }
}

#define BACKPROP_INSTANTIATE(S)                                                                \
  template S loss_value<S>(Loss, const ActivationSpec&, const Matrix<S>&, const Matrix<S>&,    \
                           const Matrix<S>&);                                                  \
  template void loss_delta<S>(Loss, const ActivationSpec&, const Matrix<S>&, const Matrix<S>&, \
                              const Matrix<S>&, Matrix<S>&);                                   \
  template void loss_gradient_wrt_output<S>(Loss, const Matrix<S>&, const Matrix<S>&, Matrix<S>&);
BACKPROP_INSTANTIATE(float)
BACKPROP_INSTANTIATE(double)
#undef BACKPROP_INSTANTIATE

}  // namespace backprop
