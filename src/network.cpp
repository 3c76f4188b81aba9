#include "backprop/network.h"

#include <cmath>
#include <string>
#include <utility>

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
    layers_.back().dropout = layers[l].dropout;
    fan_in = layers[l].units;
  }
  check_loss_pairing(loss, layers.back().activation.kind);
  validate();  // dropout rates: hidden layers only, in [0, 1)
  for (Cache& c : caches_) {
    c.z.resize(layers_.size());
    c.a.resize(layers_.size());
    c.delta.resize(layers_.size());
    c.mask.resize(layers_.size());
    c.out.resize(layers_.size());
    c.masked.assign(layers_.size(), 0);
  }
  one_z_.resize(layers_.size());
  one_a_.resize(layers_.size());
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
    const bool hidden = l + 1 < layers_.size();
    if (hidden ? !(layer.dropout >= 0 && layer.dropout < 1) : layer.dropout != 0)
      throw Error(where + ": dropout rate " + std::to_string(layer.dropout) +
                  (hidden ? ", expected a rate in [0, 1)"
                          : ", expected 0 (the output layer has no dropout)"));
  }
  check_loss_pairing(loss_, layers_.back().activation.kind);
}

template <typename S>
void Network<S>::set_dropout(const std::vector<double>& rates) {
  const std::size_t hidden = layers_.size() - 1;
  if (rates.size() != 1 && rates.size() != hidden)
    throw usage_error("expected one dropout rate for every hidden layer or one per hidden layer (" +
                      std::to_string(hidden) + "), found " + std::to_string(rates.size()));
  for (double rate : rates)
    if (!(rate >= 0 && rate < 1))
      throw usage_error("expected dropout rates in [0, 1), found " + std::to_string(rate));
  if (hidden == 0 && rates.size() == 1 && rates[0] > 0)
    throw usage_error("dropout needs a hidden layer; this network has none");
  for (std::size_t l = 0; l < hidden; ++l)
    layers_[l].dropout = rates.size() == 1 ? rates[0] : rates[l];
}

template <typename S>
bool Network<S>::has_dropout() const {
  for (const DenseLayer<S>& layer : layers_)
    if (layer.dropout > 0) return true;
  return false;
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
void Network<S>::forward_through(const Eigen::Ref<const Matrix<S>>& x, std::vector<Matrix<S>>& z,
                                 std::vector<Matrix<S>>& a) const {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    if (l == 0)
      layers_[l].forward(x, z[l], a[l]);  // z = W x + b ; a = f(z)
    else
      layers_[l].forward(a[l - 1], z[l], a[l]);  // z = W a_prev + b ; a = f(z)
  }
}

template <typename S>
const Matrix<S>& Network<S>::forward(const Matrix<S>& x) {
  check_batch(x, "input", inputs_);
  // Use the cache that already has this batch size, else recycle the other one.
  if (caches_[current_].z.front().cols() != x.cols()) current_ = 1 - current_;
  Cache& c = cache();
  c.dropped = false;
  forward_through(x, c.z, c.a);
  return c.a.back();
}

template <typename S>
const Matrix<S>& Network<S>::forward_training(const Matrix<S>& x, const DropoutKey& key) {
  if (!has_dropout()) return forward(x);
  check_batch(x, "input", inputs_);
  if (caches_[current_].z.front().cols() != x.cols()) current_ = 1 - current_;
  Cache& c = cache();
  c.dropped = true;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    // z = W a_prev + b ; a = f(z), with a_prev what the layer below passed on (out or a)
    layers_[l].forward(l == 0 ? x : c.passed(l - 1), c.z[l], c.a[l]);
    c.masked[l] = layers_[l].dropout > 0;
    if (c.masked[l]) {
      // out = f(z) ⊙ mask, mask = m / (1 − P)
      c.mask[l].resize(c.a[l].rows(), c.a[l].cols());
      dropout_mask(layers_[l].dropout, key, l, c.mask[l]);
      c.out[l].resize(c.a[l].rows(), c.a[l].cols());
      c.out[l].array() = c.a[l].array() * c.mask[l].array();
    }
  }
  return c.a.back();
}

template <typename S>
Matrix<S> Network<S>::predict(const Matrix<S>& x) const {
  check_batch(x, "input", inputs_);
  std::vector<Matrix<S>> z(layers_.size()), a(layers_.size());
  forward_through(x, z, a);
  return std::move(a.back());
}

template <typename S>
const Matrix<S>& Network<S>::predict_one(const Eigen::Ref<const Vector<S>>& x) {
  if (x.size() != inputs_)
    throw Error("input has " + std::to_string(x.size()) + " values, expected " +
                std::to_string(inputs_));
  forward_through(x, one_z_, one_a_);  // one column: no copy of x, scratch reused
  return one_a_.back();
}

template <typename S>
S Network<S>::loss_value(const Matrix<S>& y, const std::vector<double>& class_weights) const {
  check_batch(y, "target", outputs());
  const Cache& c = cache();
  if (y.cols() != c.a.back().cols())
    throw Error("target has " + std::to_string(y.cols()) + " samples, the last forward pass had " +
                std::to_string(c.a.back().cols()));
  return backprop::loss_value(loss_, layers_.back().activation, c.z.back(), c.a.back(), y,
                              class_weights);
}

template <typename S>
void Network<S>::backward(const Matrix<S>& x, const Matrix<S>& y, bool input_gradient,
                          const std::vector<double>& class_weights, Eigen::Index batch_samples) {
  check_batch(y, "target", outputs());
  Cache& c = cache();
  if (c.a.back().cols() != x.cols() || y.cols() != x.cols())
    throw Error("backward needs the input and target of the last forward pass (" +
                std::to_string(c.a.back().cols()) + " samples), found " + std::to_string(x.cols()) +
                " inputs and " + std::to_string(y.cols()) + " targets");
  const std::size_t L = layers_.size();
  // delta(L) = dL/dz(L), from the loss (which alone divides by the batch size)
  loss_delta(loss_, layers_.back().activation, c.z[L - 1], c.a[L - 1], y, c.delta[L - 1],
             class_weights, batch_samples);
  for (std::size_t l = L; l-- > 0;) {
    const Matrix<S>& a_prev = (l == 0) ? x : c.passed(l - 1);  // out(l-1) with dropout
    // dW, db, and Wᵀ delta written straight into the layer below's delta (or dL/dx)
    layers_[l].backward(a_prev, c.delta[l],
                        l > 0            ? &c.delta[l - 1]
                        : input_gradient ? &c.dx
                                         : nullptr);
    if (l > 0) {
      // with dropout, dL/df(z(l-1)) = (W(l)ᵀ delta(l)) ⊙ mask(l-1): the forward's mask
      if (c.is_masked(l - 1)) c.delta[l - 1].array() *= c.mask[l - 1].array();
      // delta(l-1) = (W(l)ᵀ delta(l)) ⊙ f'(z(l-1)), in place
      activation_backward(layers_[l - 1].activation, c.z[l - 1], c.a[l - 1], c.delta[l - 1],
                          c.delta[l - 1]);
    }
  }
}

template class Network<float>;
template class Network<double>;

}  // namespace backprop
