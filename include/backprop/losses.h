// losses.h — the loss L of the output layer and its error signal delta_L = dL/dz_L.
//
// With m outputs, N samples (columns), output pre-activation z, activation a = f(z), target y:
//   mse            L = 1/(m N) Σ_ij (a_ij − y_ij)²          dL/da = 2 (a − y) / (m N)
//                  delta_L = dL/da ⊙ f'(z), or the softmax Jacobian product: any output activation.
//   bce            L = 1/(m N) Σ_ij −(y log a + (1 − y) log(1 − a)), a = σ(z) (sigmoid output only)
//                  computed from the logit as softplus(z) − y z, so it is finite for any z;
//                  delta_L = (σ(z) − y) / (m N).
//   cross_entropy  L = 1/N Σ_j −Σ_i y_ij log softmax(z)_ij (softmax output only), with
//                  log softmax(z)_i = z_i − logsumexp(z); delta_L = (softmax(z) Σ_i y_i − y) / N,
//                  which is softmax(z) − y over N for one-hot or soft targets (columns summing to
//                  1).
//
// Class weights w_c (classification targets; an empty list: every sample weighs 1), as the
// loss's optional last argument. Each sample's terms weigh its class's weight:
//   one output (two classes as y ∈ {0, 1}):
//     bce            l = −(w_1 y log a + w_0 (1 − y) log(1 − a))
//                    delta_L = (a (w_1 y + w_0 (1 − y)) − w_1 y) / N
//                    (PyTorch's binary_cross_entropy_with_logits with weight w_0 and pos_weight
//                    w_1 / w_0; with 0/1 targets simply w_y · l)
//     mse            l = w_j (a − y)²,  w_j = w_0 (1 − y) + w_1 y
//   several outputs (one-hot y):
//     cross_entropy  l = −Σ_c w_c y_c log softmax(z)_c  (cross_entropy with targets w ⊙ y, so
//                    delta_L = (softmax(z) Σ_c w_c y_c − w ⊙ y) / N; PyTorch's cross_entropy with
//                    weight, for class indices or probabilities, before its reduction)
//     bce, mse       l = w_j l_j,  w_j = Σ_c w_c y_cj (the weight of the sample's class)
// and the mean is L = Σ_j w_{y_j} l_j / N (over m outputs too for bce and mse), as Keras'
// class_weight and scikit-learn's sample weights define it — not PyTorch's CrossEntropyLoss
// mean Σ w_{y_j} l_j / Σ w_{y_j}. So one sample's gradient never depends on the other labels of
// its batch (a batch split into shards sums to the same gradient), and scaling all weights
// scales the loss. "balanced" weights (n_samples / (n_classes · count), model/fit.h) make
// Σ_j w_{y_j} = N on the training set, where the two definitions agree.
//
// Only the loss divides by the batch size: every gradient downstream is a plain sum.
//
// Shards (data-parallel training, train.h): a batch of N samples split into shards k of n_k
// samples. loss_delta with batch_samples = N divides each shard's delta_L by the whole batch's N,
// not by n_k, so every column's delta_L is the one the whole batch would have, and the shards'
// gradients add up to the batch's: dW = Σ_k dW_k, db = Σ_k db_k (no rescaling).
#pragma once

#include <string>
#include <vector>

#include "backprop/activations.h"
#include "backprop/tensor.h"

namespace backprop {

enum class Loss { mse, bce, cross_entropy };

// "mse", "bce", "cross_entropy".
std::string to_string(Loss loss);
// Inverse of to_string; throws a usage Error listing the known names.
Loss loss_from_string(const std::string& name);

// Throws a usage Error if `loss` cannot be computed on an output layer with activation `output`
// (bce needs a sigmoid output, cross_entropy a softmax output; mse takes any).
void check_loss_pairing(Loss loss, Activation output);

// L for the output layer's z and a = f(z) against targets y (all m x N).
// With class_weights (see above): 2 weights for one output, else one per output; an Error says
// what was expected otherwise.
template <typename S>
S loss_value(Loss loss, const ActivationSpec& output, const Matrix<S>& z, const Matrix<S>& a,
             const Matrix<S>& y, const std::vector<double>& class_weights = {});

// delta_L = dL/dz of the output layer (m x N): dL/da ⊙ f'(z) (or the softmax Jacobian product),
// for bce and cross_entropy in the simplified form above, exact where a has saturated.
// batch_samples: the N that divides (the whole batch's, when z is a shard of it); 0: z.cols().
template <typename S>
void loss_delta(Loss loss, const ActivationSpec& output, const Matrix<S>& z, const Matrix<S>& a,
                const Matrix<S>& y, Matrix<S>& delta, const std::vector<double>& class_weights = {},
                Eigen::Index batch_samples = 0);

// dL/da, written once: loss_delta's mse path and the teaching traces use it (for bce it is
// infinite where a saturates to exactly 0 or 1, which is why bce's delta_L is not built from it).
// batch_samples as for loss_delta.
template <typename S>
void loss_gradient_wrt_output(Loss loss, const Matrix<S>& a, const Matrix<S>& y, Matrix<S>& dL_da,
                              Eigen::Index batch_samples = 0);

}  // namespace backprop
