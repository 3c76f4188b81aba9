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

namespace {

void check_class_weights(const std::vector<double>& w, Eigen::Index outputs) {
  const std::size_t expected = outputs == 1 ? 2 : static_cast<std::size_t>(outputs);
  if (w.size() != expected)
    throw Error("expected " + std::to_string(expected) + " class weights (" +
                (outputs == 1 ? std::string("two classes as one output") : "one per output") +
                "), found " + std::to_string(w.size()));
}

// w_j: the weight of sample j's class, read from its target column (see losses.h).
template <typename S>
S sample_weight(const std::vector<double>& w, const Matrix<S>& y, Eigen::Index j) {
  if (y.rows() == 1)
    return static_cast<S>(w[0]) * (S(1) - y(0, j)) + static_cast<S>(w[1]) * y(0, j);
  S sum = 0;
  for (Eigen::Index i = 0; i < y.rows(); ++i)
    sum += static_cast<S>(w[static_cast<std::size_t>(i)]) * y(i, j);
  return sum;
}

// The class-weighted loss (losses.h): each column's terms times its class's weight, over N
// (and m for mse and bce).
template <typename S>
S weighted_loss_value(Loss loss, const Matrix<S>& z, const Matrix<S>& a, const Matrix<S>& y,
                      const std::vector<double>& w) {
  const S m = static_cast<S>(z.rows());
  const S N = static_cast<S>(z.cols());
  S total = 0;
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    switch (loss) {
      case Loss::mse:  // w_j Σ_i (a_ij − y_ij)²
        total += sample_weight(w, y, j) * (a.col(j) - y.col(j)).squaredNorm() / m;
        break;
      case Loss::bce:
        if (z.rows() == 1) {
          // −(w_1 y log σ(z) + w_0 (1 − y) log(1 − σ(z))), −log σ(z) = softplus(z) − z
          const S sp = softplus(z(0, j));
          total += static_cast<S>(w[1]) * y(0, j) * (sp - z(0, j)) +
                   static_cast<S>(w[0]) * (S(1) - y(0, j)) * sp;
        } else {  // w_j Σ_i (softplus(z) − y z)
          S column = 0;
          for (Eigen::Index i = 0; i < z.rows(); ++i)
            column += softplus(z(i, j)) - y(i, j) * z(i, j);
          total += sample_weight(w, y, j) * column / m;
        }
        break;
      case Loss::cross_entropy: {  // −Σ_c w_c y_c (z_c − logsumexp(z))
        const S shift = z.col(j).maxCoeff();
        const S logsumexp = shift + std::log((z.col(j).array() - shift).exp().sum());
        for (Eigen::Index i = 0; i < z.rows(); ++i)
          total -= static_cast<S>(w[static_cast<std::size_t>(i)]) * y(i, j) * (z(i, j) - logsumexp);
        break;
      }
    }
  }
  return total / N;
}

// delta_L of the class-weighted loss, beside weighted_loss_value.
template <typename S>
void weighted_loss_delta(Loss loss, const ActivationSpec& output, const Matrix<S>& z,
                         const Matrix<S>& a, const Matrix<S>& y, Matrix<S>& delta,
                         const std::vector<double>& w, Eigen::Index batch_samples) {
  const S N = static_cast<S>(batch_samples);
  if (loss == Loss::bce && z.rows() == 1) {
    // (a (w_1 y + w_0 (1 − y)) − w_1 y) / N
    delta.resize(1, z.cols());
    for (Eigen::Index j = 0; j < z.cols(); ++j)
      delta(0, j) = (a(0, j) * sample_weight(w, y, j) - static_cast<S>(w[1]) * y(0, j)) / N;
    return;
  }
  if (loss == Loss::cross_entropy) {
    // (a Σ_c w_c y_c − w ⊙ y) / N
    delta.resize(z.rows(), z.cols());
    for (Eigen::Index j = 0; j < z.cols(); ++j)
      for (Eigen::Index i = 0; i < z.rows(); ++i)
        delta(i, j) = (a(i, j) * sample_weight(w, y, j) -
                       static_cast<S>(w[static_cast<std::size_t>(i)]) * y(i, j)) /
                      N;
    return;
  }
  // mse (any output) and bce over several outputs: the unweighted delta_L, column j times w_j
  // (for a softmax output the Jacobian product is linear, so the factor passes through it)
  loss_delta(loss, output, z, a, y, delta, {}, batch_samples);
  for (Eigen::Index j = 0; j < z.cols(); ++j) delta.col(j) *= sample_weight(w, y, j);
}

}  // namespace

template <typename S>
S loss_value(Loss loss, const ActivationSpec& output, const Matrix<S>& z, const Matrix<S>& a,
             const Matrix<S>& y, const std::vector<double>& class_weights) {
  check_loss_pairing(loss, output.kind);
  if (!class_weights.empty()) {
    check_class_weights(class_weights, z.rows());
    return weighted_loss_value(loss, z, a, y, class_weights);
  }
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
                const Matrix<S>& y, Matrix<S>& delta, const std::vector<double>& class_weights,
                Eigen::Index batch_samples) {
  check_loss_pairing(loss, output.kind);
  if (batch_samples == 0) batch_samples = z.cols();
  if (!class_weights.empty()) {
    check_class_weights(class_weights, z.rows());
    weighted_loss_delta(loss, output, z, a, y, delta, class_weights, batch_samples);
    return;
  }
  const S m = static_cast<S>(z.rows());
  const S N = static_cast<S>(batch_samples);
  switch (loss) {
    case Loss::mse:
      loss_gradient_wrt_output(loss, a, y, delta, batch_samples);  // dL/da ...
      activation_backward(output, z, a, delta, delta);             // ... then ⊙ f'(z), in place
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
void loss_gradient_wrt_output(Loss loss, const Matrix<S>& a, const Matrix<S>& y, Matrix<S>& dL_da,
                              Eigen::Index batch_samples) {
  const S m = static_cast<S>(a.rows());
  const S N = static_cast<S>(batch_samples > 0 ? batch_samples : a.cols());
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

#define BACKPROP_INSTANTIATE(S)                                                                   \
  template S loss_value<S>(Loss, const ActivationSpec&, const Matrix<S>&, const Matrix<S>&,       \
                           const Matrix<S>&, const std::vector<double>&);                         \
  template void loss_delta<S>(Loss, const ActivationSpec&, const Matrix<S>&, const Matrix<S>&,    \
                              const Matrix<S>&, Matrix<S>&, const std::vector<double>&,           \
                              Eigen::Index);                                                      \
  template void loss_gradient_wrt_output<S>(Loss, const Matrix<S>&, const Matrix<S>&, Matrix<S>&, \
                                            Eigen::Index);
BACKPROP_INSTANTIATE(float)
BACKPROP_INSTANTIATE(double)
#undef BACKPROP_INSTANTIATE

}  // namespace backprop
