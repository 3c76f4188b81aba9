// dropout.h — inverted dropout on a hidden layer's outputs, during training only.
//
// Shapes: a, mask, out, g: (units x N), one column per sample. P is the layer's dropout rate.
//
//   forward:   m_ij ~ Bernoulli(1 − P)      mask = m / (1 − P)      out = f(z) ⊙ mask
//   backward:  dL/df(z) = dL/dout ⊙ mask    (then delta = dL/df(z) ⊙ f'(z), as without dropout)
//
// Kept units are scaled by 1/(1 − P) while training, so inference (forward, predict, predict_one,
// trace, gradcheck) uses the full network unchanged, with no rescaling.
//
// The mask is not drawn from a sequential generator stream but from a counter-based hash:
//   m_ij = [ u(seed, step, sample index of column j, layer, unit i) >= P ]
// with u a 53-bit uniform in [0, 1) from splitmix64 mixing (Steele, Lea & Flood 2014) of the five
// counters. An entry therefore depends only on which sample it is (its index in the training set,
// not its column in the batch), on which optimizer step, and on which unit — never on how a batch
// is cut into pieces or on what was drawn before. Splitting a batch into shards (data-parallel
// training) gives the same masks, and a resumed run gives the same masks as an uninterrupted one
// (the step count and the seed are in the checkpoint).
#pragma once

#include <cstddef>
#include <cstdint>

#include "backprop/tensor.h"

namespace backprop {

// Which masks a training pass draws (see above).
struct DropoutKey {
  std::uint64_t seed = 0;  // the run's seed (TrainOptions.seed)
  std::uint64_t step = 0;  // the optimizer's step count before this batch's update
  // The training-set index of each column of the batch (N entries); null: column j is sample j
  // (full batch).
  const std::size_t* samples = nullptr;
};

// splitmix64's output function: a bijection of 64 bits that mixes every input bit into every
// output bit.
inline std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The hash of (seed, step, sample) that every unit's draw of that sample starts from.
inline std::uint64_t dropout_sample_hash(const DropoutKey& key, std::uint64_t sample) {
  constexpr std::uint64_t kDomain = 0x64726F706F757421ULL;  // "dropout!": not init's, not shuffle's
  return splitmix64(splitmix64(splitmix64(key.seed ^ kDomain) ^ key.step) ^ sample);
}

// u(seed, step, sample, layer, unit) in [0, 1), 53 bits, from the sample's hash.
inline double dropout_uniform(std::uint64_t sample_hash, std::uint64_t layer, std::uint64_t unit) {
  const std::uint64_t h = splitmix64(sample_hash ^ ((layer << 32) | unit));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

// mask = m / (1 − P) of layer `layer` (0-based) for the batch of `key`, mask of shape
// (units x N) already sized (so that no training step allocates).
template <typename S>
void dropout_mask(double rate, const DropoutKey& key, std::size_t layer, Matrix<S>& mask) {
  const S kept = static_cast<S>(1.0 / (1.0 - rate));
  for (Eigen::Index j = 0; j < mask.cols(); ++j) {
    const std::uint64_t sample = key.samples != nullptr ? key.samples[j] : std::uint64_t(j);
    const std::uint64_t h = dropout_sample_hash(key, sample);
    for (Eigen::Index i = 0; i < mask.rows(); ++i)
      mask(i, j) = dropout_uniform(h, layer, static_cast<std::uint64_t>(i)) >= rate ? kept : S(0);
  }
}

}  // namespace backprop
