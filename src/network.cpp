#include "backprop/network.h"

#include <cmath>
#include <string>

#include "backprop/error.h"

namespace backprop {

template <typename S>
Network<S>::Network(int inputs, const std::vector<LayerSpec>& layers, Loss loss)
    : inputs_(inputs), loss_(loss) {
  if (inputs <= 0)
    throw usage_error("a network needs at least 1 input, found " + std::to_string(inputs));
  if (layers.empty()) throw usage_error("a network needs at least one layer (the output layer)");
  int fan_in = inputs;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (layers[l].units <= 0)
      throw usage_error("layer " + std::to_string(l + 1) + " needs at least 1 unit, found " +
                        std::to_string(layers[l].units));
    layers_.emplace_back(layers[l].units, fan_in, layers[l].activation);
    fan_in = layers[l].units;
  }
  check_loss_pairing(loss, layers.back().activation.kind);
  z_.resize(layers_.size());
  a_.resize(layers_.size());
  delta_.resize(layers_.size());
}

template <typename S>
int Network<S>::outputs() const {
  return layers_.empty() ? 0 : static_cast<int>(layers_.back().units());
}

template <typename S>
std::size_t Network<S>::parameter_count() const {
  std::size_t count = 0;
  for (const DenseLayer<S>& layer : layers_) count += layer.W.size() + layer.b.size();
  return count;
}

template <typename S>
void Network<S>::validate() const {
  if (layers_.empty()) throw Error("network has no layers");
  Eigen::Index fan_in = inputs_;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer<S>& layer = layers_[l];
    const std::string where = "layer " + std::to_string(l + 1);
    if (layer.W.cols() != fan_in)
      throw Error(where + ": weights have " + std::to_string(layer.W.cols()) +
                  " columns, expected " + std::to_string(fan_in) +
                  (l == 0 ? " (the number of inputs)" : " (the units of the layer below)"));
    if (layer.b.size() != layer.W.rows())
      throw Error(where + ": bias has " + std::to_string(layer.b.size()) + " entries, expected " +
                  std::to_string(layer.W.rows()) + " (one per unit)");
    fan_in = layer.W.rows();
  }
  check_loss_pairing(loss_, layers_.back().activation.kind);
}

template <typename S>
void Network<S>::check_batch(const Matrix<S>& x, const char* what, Eigen::Index rows) const {
  if (x.rows() != rows)
    throw Error(std::string(what) + " has " + std::to_string(x.rows()) + " rows, expected " +
                std::to_string(rows) + " (one per " +
                (rows == inputs_ ? "network input" : "network output") +
                ", one column per sample)");
  if (x.cols() == 0) throw Error(std::string(what) + " has no samples (columns)");
}

template <typename S>
const Matrix<S>& Network<S>::forward(const Matrix<S>& x) {
  check_batch(x, "input", inputs_);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Matrix<S>& a_prev = (l == 0) ? x : a_[l - 1];
    layers_[l].forward(a_prev, z_[l], a_[l]);  // z = W a_prev + b ; a = f(z)
  }
  return a_.back();
}

template <typename S>
S Network<S>::loss_value(const Matrix<S>& y) const {
  check_batch(y, "target", outputs());
  if (y.cols() != a_.back().cols())
    throw Error("target has " + std::to_string(y.cols()) + " samples, the last forward pass had " +
                std::to_string(a_.back().cols()));
  return backprop::loss_value(loss_, layers_.back().activation, z_.back(), a_.back(), y);
}

template <typename S>
void Network<S>::backward(const Matrix<S>& x, const Matrix<S>& y) {
  check_batch(y, "target", outputs());
  if (a_.back().cols() != x.cols() || y.cols() != x.cols())
    throw Error("backward needs the input and target of the last forward pass (" +
                std::to_string(a_.back().cols()) + " samples), found " + std::to_string(x.cols()) +
                " inputs and " + std::to_string(y.cols()) + " targets");
  const std::size_t L = layers_.size();
  // delta(L) = dL/dz(L), from the loss (which alone divides by the batch size)
  loss_delta(loss_, layers_.back().activation, z_[L - 1], a_[L - 1], y, delta_[L - 1]);
  for (std::size_t l = L; l-- > 0;) {
    const Matrix<S>& a_prev = (l == 0) ? x : a_[l - 1];
    Matrix<S>* da_prev = (l == 0) ? &dx_ : &pulled_back_;
    layers_[l].backward(a_prev, delta_[l], da_prev);  // dW, db, Wᵀ delta
    if (l > 0) {
      // delta(l-1) = (W(l)ᵀ delta(l)) ⊙ f'(z(l-1))
      activation_backward(layers_[l - 1].activation, z_[l - 1], a_[l - 1], pulled_back_,
                          delta_[l - 1]);
    }
  }
}

template <typename S>
void Network<S>::gd_step(S lr) {
  for (DenseLayer<S>& layer : layers_) {
    layer.W -= lr * layer.dW;
    layer.b -= lr * layer.db;
  }
}

template class Network<float>;
template class Network<double>;

}  // namespace backprop
