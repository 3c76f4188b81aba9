// network.h — a multilayer perceptron: layers, the cached forward pass, and backpropagation.
//
//   forward   a(0) = x;  for l = 1..L:  z(l) = W(l) a(l-1) + b(l),  a(l) = f(l)(z(l))   (stored)
//   loss      L = loss(a(L), y)                                     (see losses.h)
//   backward  delta(L) = dL/dz(L)
//             for l = L..1:   dW(l) = delta(l) a(l-1)ᵀ,   db(l) = Σ_samples delta(l)
//                             delta(l-1) = (W(l)ᵀ delta(l)) ⊙ f'(l-1)(z(l-1))
//             dL/dx = W(1)ᵀ delta(1)
//
// Dropout (training only, forward_training): a hidden layer l with rate P(l) passes on
//   out(l) = f(z(l)) ⊙ mask(l),  mask(l) = m(l) / (1 − P(l)),  m(l) ∈ {0, 1} (layers/dropout.h)
// in place of a(l), and backpropagation multiplies by the same mask before f':
//   delta(l) = ((W(l+1)ᵀ delta(l+1)) ⊙ mask(l)) ⊙ f'(z(l)),   dW(l+1) = delta(l+1) out(l)ᵀ.
// The masks are a pure function of (seed, step, sample index, layer, unit): the same key gives the
// same masks, however the batch is split (see dropout.h). forward(), predict() and predict_one()
// never drop anything.
//
// One column is one sample. Any depth works, including no hidden layer (inputs straight to the
// outputs: logistic or softmax regression) and layers of a single unit. The network owns its
// layers (each owns W, b, dW, db) and the cached z, a, delta of the last forward/backward pass.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backprop/activations.h"
#include "backprop/layers/dense.h"
#include "backprop/layers/dropout.h"
#include "backprop/losses.h"
#include "backprop/tensor.h"

namespace backprop {

// One layer of an architecture: how many units and which activation.
struct LayerSpec {
  int units = 1;
  ActivationSpec activation;
  double dropout = 0;  // training-time dropout rate of this layer's outputs (hidden layers only)
};

template <typename S>
class Network {
 public:
  Network() = default;
  // Zero-initialised parameters (see init.h for random ones). Throws a usage Error for an
  // empty architecture, a non-positive size, or a loss that cannot pair with the output layer.
  Network(int inputs, const std::vector<LayerSpec>& layers, Loss loss);

  int inputs() const { return inputs_; }
  int outputs() const;
  std::size_t depth() const { return layers_.size(); }  // number of weight layers
  Loss loss() const { return loss_; }
  std::size_t parameter_count() const;

  DenseLayer<S>& layer(std::size_t l) { return layers_.at(l); }
  const DenseLayer<S>& layer(std::size_t l) const { return layers_.at(l); }
  std::vector<DenseLayer<S>>& layers() { return layers_; }
  const std::vector<DenseLayer<S>>& layers() const { return layers_; }

  // Forward pass over the columns of x (inputs x N); stores z(l), a(l); returns a(L).
  const Matrix<S>& forward(const Matrix<S>& x);
  // The forward pass of training: as forward(), and every hidden layer with a dropout rate
  // P > 0 passes on f(z) ⊙ mask with the masks of `key` (see above); backward() then
  // backpropagates through the same masks. Without dropout rates it is forward().
  const Matrix<S>& forward_training(const Matrix<S>& x, const DropoutKey& key);
  // Dropout rates of the hidden layers: one rate for all, or one per hidden layer, each in
  // [0, 1). Throws a usage Error naming what was found otherwise.
  void set_dropout(const std::vector<double>& rates);
  bool has_dropout() const;
  // L of the last forward pass against targets y (outputs x N); with class weights, the
  // class-weighted loss (losses.h).
  S loss_value(const Matrix<S>& y, const std::vector<double>& class_weights = {}) const;
  // Backpropagation after forward(x) or forward_training(x, key): assigns every layer's dW, db
  // and, when asked (training does not need it), the input gradient dL/dx; of the class-weighted
  // loss when class weights are given. batch_samples: when x is a shard of a larger batch, that
  // batch's sample count N, which the loss divides by (losses.h: the shards' dW, db then add up
  // to the batch's); 0: x.cols().
  void backward(const Matrix<S>& x, const Matrix<S>& y, bool input_gradient = true,
                const std::vector<double>& class_weights = {}, Eigen::Index batch_samples = 0);
  // The update of W and b from dW and db is the optimizer's (optimizers.h), the only update rule:
  // the lesson's W ← W − lr dW is Optimizer<S>(net, OptimizerOptions::gd(lr)).step().

  // Caches of the last pass, layer l = 0..depth()-1 (the lesson's layer l+1).
  const Matrix<S>& z(std::size_t l) const { return cache().z.at(l); }
  const Matrix<S>& a(std::size_t l) const { return cache().a.at(l); }
  const Matrix<S>& delta(std::size_t l) const { return cache().delta.at(l); }
  const Matrix<S>& input_gradient() const { return cache().dx; }  // dL/dx (inputs x N)

  // The outputs a(L) (outputs x N) for inputs x (inputs x N), by the same loop as forward()
  // but into buffers of its own: it reads only the parameters, so the network may be const (a
  // trained model predicting) and the caches are left as they were. Allocates its buffers.
  Matrix<S> predict(const Matrix<S>& x) const;
  // One sample in, the network's output out, without touching the batch caches: the fast path
  // for inference one input at a time (no allocation once warm). Not thread-safe (it reuses the
  // network's scratch vectors). Returns the output as a (outputs x 1) column.
  const Matrix<S>& predict_one(const Eigen::Ref<const Vector<S>>& x);

  // The same network (parameters, not caches) in another precision.
  template <typename T>
  Network<T> cast() const;

  // Throws an Error naming the layer when shapes do not chain, or the loss does not pair.
  void validate() const;

 private:
  void check_batch(const Matrix<S>& x, const char* what, Eigen::Index rows) const;
  // The forward loop, written once for forward(), predict() and predict_one(): a(0) = x,
  // z(l) = W(l) a(l-1) + b(l), a(l) = f(z(l)) into z[l], a[l] (each depth() long).
  void forward_through(const Eigen::Ref<const Matrix<S>>& x, std::vector<Matrix<S>>& z,
                       std::vector<Matrix<S>>& a) const;

  // The caches of one batch size. Two are kept, so that alternating sizes (the full
  // mini-batches and the smaller last one of an epoch) reuse their buffers: a steady-state
  // training step allocates nothing.
  struct Cache {
    std::vector<Matrix<S>> z, a, delta;
    Matrix<S> dx;  // dL/dx
    // Dropout in the last pass (forward_training): per layer, the mask and out = a ⊙ mask;
    // masked[l] says whether layer l dropped units; all unused when `dropped` is false.
    std::vector<Matrix<S>> mask, out;
    std::vector<char> masked;
    bool dropped = false;
    bool is_masked(std::size_t l) const { return dropped && masked[l]; }
    // What layer l passed to the layer above in the last pass: out(l) with dropout, else a(l).
    const Matrix<S>& passed(std::size_t l) const { return is_masked(l) ? out[l] : a[l]; }
  };
  const Cache& cache() const { return caches_[current_]; }
  Cache& cache() { return caches_[current_]; }

  int inputs_ = 0;
  Loss loss_ = Loss::mse;
  std::vector<DenseLayer<S>> layers_;
  Cache caches_[2];
  int current_ = 0;
  std::vector<Matrix<S>> one_z_, one_a_;  // predict_one's scratch (units x 1)
};

template <typename S>
template <typename T>
Network<T> Network<S>::cast() const {
  std::vector<LayerSpec> specs;
  for (const DenseLayer<S>& layer : layers_)
    specs.push_back({static_cast<int>(layer.units()), layer.activation, layer.dropout});
  Network<T> out(inputs_, specs, loss_);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    out.layer(l).W = layers_[l].W.template cast<T>();
    out.layer(l).b = layers_[l].b.template cast<T>();
  }
  return out;
}

extern template class Network<float>;
extern template class Network<double>;

}  // namespace backprop
