// optimizers.h — update rules that turn the gradients of the last backward pass into a step.
//
// With g = dL/dp of one parameter tensor p (weight decay wd adds wd·W to the g of weights only):
//   sgd       p ← p − lr·g
//   momentum  v ← μ·v + g (v starts at 0);  p ← p − lr·v          nesterov: p ← p − lr·(g + μ·v)
//   adam      m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  t ← t + 1 (once per step)
//             p ← p − lr·m̂ / (√v̂ + ε)  with m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
//   clipping  (optional, before any rule) g ← g · min(1, c / (‖g‖ + 1e-6)), ‖g‖ over all tensors
//   rprop     iRPROP−: per element, s = sign(g·g_prev); s > 0: Δ ← min(1.2·Δ, Δmax);
//             s < 0: Δ ← max(0.5·Δ, Δmin) and g ← 0;  p ← p − sign(g)·Δ;  g_prev ← g
// These are PyTorch's SGD (dampening 0), Adam and Rprop, step for step. The optimizer holds
// references to the network's layers and its own state; step() advances t exactly once.
#pragma once

#include <string>
#include <vector>

#include "backprop/network.h"

namespace backprop {

enum class OptimizerKind { sgd, momentum, adam, rprop };

std::string to_string(OptimizerKind kind);
// "sgd" (or "gd"), "momentum", "adam", "rprop"; throws a usage Error listing the names.
OptimizerKind optimizer_from_string(const std::string& name);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::sgd;
  double lr = 0.1;        // rprop: the initial step Δ0
  double momentum = 0.9;  // μ
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  double weight_decay = 0.0;  // L2 on weights (not biases); not with rprop
  double rprop_increase = 1.2, rprop_decrease = 0.5;
  double rprop_delta_min = 1e-6, rprop_delta_max = 50.0;
  // Gradient clipping before every step (0: off), as torch.nn.utils.clip_grad_norm_: with
  // ‖g‖ the L2 norm over every dW and db of the network, all are scaled by
  // clip_norm / (‖g‖ + 1e-6) when that is below 1; weight decay is added after, as torch's
  // optimizers do.
  double clip_norm = 0.0;

  // Plain gradient descent at `lr`, the lesson's update W ← W − lr·dW, b ← b − lr·db:
  //   Optimizer<double>(net, OptimizerOptions::gd(0.5)).step();
  static OptimizerOptions gd(double lr) {
    OptimizerOptions options;
    options.kind = OptimizerKind::sgd;
    options.lr = lr;
    return options;
  }

  // Throws a usage Error naming the option when a value is out of range.
  void validate() const;
};

// Where part `part` of `parts` of n elements begins: ⌊part n / parts⌋ rounded down to a multiple
// of 64 elements, so that each slice is aligned as the whole tensor is and Eigen's vectorised
// loops treat every element the same way however the tensor is split (n for part = parts).
inline Eigen::Index slice_begin(Eigen::Index n, int part, int parts) {
  return part >= parts ? n : n * part / parts / 64 * 64;
}

template <typename S>
class Optimizer {
 public:
  Optimizer(Network<S>& network, const OptimizerOptions& options);

  // One update of every W and b from the dW and db of the last backward pass.
  void step();
  // step() split between workers (data-parallel training): begin_step() once (the step count and
  // gradient clipping), then update_part(w, parts) for every part w = 0..parts-1, concurrently
  // if wished: part w updates elements [slice_begin(n, w, parts), slice_begin(n, w + 1, parts))
  // of every tensor of n elements. The update is element-wise and every slice starts where the
  // vectorised code would be anyway, so the result is step()'s, however it is split.
  void begin_step();
  void update_part(int part, int parts);
  long steps() const { return t_; }
  const OptimizerOptions& options() const { return options_; }

  // The state, one entry per parameter tensor (W1, b1, W2, ...), for checkpoints.
  struct TensorState {
    Matrix<S> first;   // momentum: v; adam: m; rprop: g_prev
    Matrix<S> second;  // adam: v; rprop: Δ
  };
  std::vector<TensorState>& state() { return state_; }
  void set_steps(long t) { t_ = t; }
  // A new learning rate for the steps to come (a schedule's); the state is kept as it is, so
  // momentum stays PyTorch's v ← μv + g, p ← p − lr·v.
  void set_lr(double lr) { options_.lr = lr; }

 private:
  // The update rule on n values of one tensor: parameters p, gradients g, state first/second.
  void update(S* p, const S* g, S* first, S* second, Eigen::Index n, bool is_weight);
  void update_tensor(S* p, const S* g, TensorState& s, Eigen::Index n, bool is_weight);
  // Scales every gradient of the network to the global norm options_.clip_norm when larger.
  void clip_gradients();

  Network<S>* network_;
  OptimizerOptions options_;
  std::vector<TensorState> state_;
  long t_ = 0;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace backprop
