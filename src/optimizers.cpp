#include "backprop/optimizers.h"

#include <cmath>
#include <cstdio>

#include "backprop/error.h"

namespace backprop {

std::string to_string(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::momentum:
      return "momentum";
    case OptimizerKind::adam:
      return "adam";
    case OptimizerKind::rprop:
      return "rprop";
  }
  return "?";
}

OptimizerKind optimizer_from_string(const std::string& name) {
  if (name == "gd" || name == "sgd") return OptimizerKind::sgd;
  if (name == "momentum") return OptimizerKind::momentum;
  if (name == "adam") return OptimizerKind::adam;
  if (name == "rprop") return OptimizerKind::rprop;
  throw usage_error("unknown optimizer '" + name +
                    "' (expected one of: gd, sgd, momentum, adam, rprop)");
}

namespace {
void require(bool ok, const std::string& field, const std::string& expected, double found) {
  if (!ok) {
    char value[64];
    std::snprintf(value, sizeof value, "%g", found);
    throw option_error("OptimizerOptions." + field, "expected " + expected + ", found " + value);
  }
}
}  // namespace

void OptimizerOptions::validate() const {
  require(std::isfinite(lr) && lr > 0, "lr", "a positive learning rate", lr);
  require(momentum >= 0 && momentum < 1, "momentum", "a value in [0, 1)", momentum);
  require(beta1 >= 0 && beta1 < 1, "beta1", "a value in [0, 1)", beta1);
  require(beta2 >= 0 && beta2 < 1, "beta2", "a value in [0, 1)", beta2);
  require(epsilon > 0, "epsilon", "a positive number", epsilon);
  require(std::isfinite(weight_decay) && weight_decay >= 0, "weight_decay", "a non-negative number",
          weight_decay);
  require(kind != OptimizerKind::rprop || weight_decay == 0, "weight_decay",
          "0 with rprop (it uses only the gradient's sign)", weight_decay);
  require(rprop_increase > 1, "rprop_increase", "a factor above 1", rprop_increase);
  require(rprop_decrease > 0 && rprop_decrease < 1, "rprop_decrease", "a factor in (0, 1)",
          rprop_decrease);
  require(std::isfinite(clip_norm) && clip_norm >= 0, "clip_norm",
          "0 (off) or a positive gradient norm", clip_norm);
  require(std::isfinite(rprop_increase), "rprop_increase", "a finite factor above 1",
          rprop_increase);
  require(std::isfinite(rprop_delta_min) && rprop_delta_min > 0, "rprop_delta_min",
          "a positive step size", rprop_delta_min);
  require(std::isfinite(rprop_delta_max) && rprop_delta_max >= rprop_delta_min, "rprop_delta_max",
          "a finite step size >= OptimizerOptions.rprop_delta_min", rprop_delta_max);
}

template <typename S>
Optimizer<S>::Optimizer(Network<S>& network, const OptimizerOptions& options)
    : network_(&network), options_(options) {
  options_.validate();
  for (const DenseLayer<S>& layer : network.layers()) {
    for (const Matrix<S>& shape : {Matrix<S>(layer.W), Matrix<S>(layer.b)}) {
      TensorState s;
      s.first = Matrix<S>::Zero(shape.rows(), shape.cols());
      if (options_.kind == OptimizerKind::adam)
        s.second = Matrix<S>::Zero(shape.rows(), shape.cols());
      if (options_.kind == OptimizerKind::rprop)
        s.second = Matrix<S>::Constant(shape.rows(), shape.cols(), static_cast<S>(options_.lr));
      state_.push_back(std::move(s));
    }
  }
}

template <typename S>
void Optimizer<S>::update(S* p_data, const S* g_data, S* first_data, S* second_data, Eigen::Index n,
                          bool is_weight) {
  // p, g and the state tensors have the same shape and everything is element-wise, so a tensor
  // is handled as n values in a row (or a slice of them: see update_tensor).
  using Values = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>>;
  const OptimizerOptions& o = options_;
  const S lr = static_cast<S>(o.lr);
  const S wd = is_weight ? static_cast<S>(o.weight_decay) : S(0);
  Values P(p_data, n), first(first_data, n);
  const Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>> grad_values(g_data, n);
  switch (o.kind) {
    case OptimizerKind::sgd:
      if (wd != 0)
        P -= lr * (grad_values + wd * P);  // g + wd·W
      else
        P -= lr * grad_values;
      break;
    case OptimizerKind::momentum: {
      const S mu = static_cast<S>(o.momentum);
      first = mu * first + (grad_values + wd * P);  // v ← μ v + g
      if (o.nesterov)
        P -= lr * ((grad_values + wd * P) + mu * first);
      else
        P -= lr * first;
      break;
    }
    case OptimizerKind::adam: {
      Values second(second_data, n);
      const S b1 = static_cast<S>(o.beta1), b2 = static_cast<S>(o.beta2);
      const S bias1 = S(1) - static_cast<S>(std::pow(o.beta1, static_cast<double>(t_)));
      const S bias2 = S(1) - static_cast<S>(std::pow(o.beta2, static_cast<double>(t_)));
      const S eps = static_cast<S>(o.epsilon);
      first = b1 * first + (S(1) - b1) * (grad_values + wd * P);             // m
      second = b2 * second + (S(1) - b2) * (grad_values + wd * P).square();  // v
      // p ← p − (lr / bias1) · m / (√v / √bias2 + ε): m̂ / (√v̂ + ε) in PyTorch's order, with
      // 1/√bias2 taken once (a multiply per element instead of a second division)
      const S inv_sqrt_bias2 = S(1) / std::sqrt(bias2);
      P -= (lr / bias1) * first / (second.sqrt() * inv_sqrt_bias2 + eps);
      break;
    }
    case OptimizerKind::rprop: {
      const S up = static_cast<S>(o.rprop_increase), down = static_cast<S>(o.rprop_decrease);
      const S lo = static_cast<S>(o.rprop_delta_min), hi = static_cast<S>(o.rprop_delta_max);
      for (Eigen::Index i = 0; i < n; ++i) {
        S g = grad_values(i);
        S& delta = second_data[i];
        S& g_prev = first_data[i];
        if (g * g_prev > 0) {
          delta = std::min(delta * up, hi);
        } else if (g * g_prev < 0) {
          delta = std::max(delta * down, lo);
          g = 0;  // iRPROP−: no step after a sign change, and forget the sign
        }
        P(i) -= (g > 0) ? delta : (g < 0) ? -delta : S(0);
        g_prev = g;
      }
      break;
    }
  }
}

// Splits a large tensor (the weights of a wide layer) across the threads of set_threads(): the
// update is element-wise, so the result is the same however it is split.
template <typename S>
void Optimizer<S>::update_tensor(S* p, const S* g, TensorState& s, Eigen::Index n, bool is_weight) {
  S* first = s.first.data();
  S* second = s.second.size() > 0 ? s.second.data() : nullptr;
  constexpr Eigen::Index kParallelMin = Eigen::Index(1) << 16;
  const int parts = n >= kParallelMin ? Eigen::nbThreads() : 1;
  if (parts <= 1) {
    update(p, g, first, second, n, is_weight);
    return;
  }
#pragma omp parallel for num_threads(parts) schedule(static)
  for (int part = 0; part < parts; ++part) {
    const Eigen::Index begin = slice_begin(n, part, parts), end = slice_begin(n, part + 1, parts);
    update(p + begin, g + begin, first + begin, second != nullptr ? second + begin : nullptr,
           end - begin, is_weight);
  }
}

template <typename S>
void Optimizer<S>::step() {
  ++t_;  // once per step, not per tensor
  if (options_.clip_norm > 0) clip_gradients();
  std::size_t k = 0;
  for (DenseLayer<S>& layer : network_->layers()) {
    update_tensor(layer.W.data(), layer.dW.data(), state_[k++], layer.W.size(), true);
    update_tensor(layer.b.data(), layer.db.data(), state_[k++], layer.b.size(), false);
  }
}

template <typename S>
void Optimizer<S>::begin_step() {
  ++t_;
  if (options_.clip_norm > 0) clip_gradients();
}

template <typename S>
void Optimizer<S>::update_part(int part, int parts) {
  std::size_t k = 0;
  auto slice = [&](S* p, const S* g, Eigen::Index n, bool is_weight) {
    TensorState& s = state_[k++];
    const Eigen::Index begin = slice_begin(n, part, parts), end = slice_begin(n, part + 1, parts);
    update(p + begin, g + begin, s.first.data() + begin,
           s.second.size() > 0 ? s.second.data() + begin : nullptr, end - begin, is_weight);
  };
  for (DenseLayer<S>& layer : network_->layers()) {
    slice(layer.W.data(), layer.dW.data(), layer.W.size(), true);
    slice(layer.b.data(), layer.db.data(), layer.b.size(), false);
  }
}

template <typename S>
void Optimizer<S>::clip_gradients() {
  // torch.nn.utils.clip_grad_norm_: the L2 norm over every gradient of the network, and one
  // factor max_norm / (norm + 1e-6) on all of them when it is below 1.
  double squares = 0;
  for (const DenseLayer<S>& layer : network_->layers())
    squares +=
        static_cast<double>(layer.dW.squaredNorm()) + static_cast<double>(layer.db.squaredNorm());
  const double factor = options_.clip_norm / (std::sqrt(squares) + 1e-6);
  if (!(factor < 1)) return;
  for (DenseLayer<S>& layer : network_->layers()) {
    layer.dW *= static_cast<S>(factor);
    layer.db *= static_cast<S>(factor);
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace backprop
