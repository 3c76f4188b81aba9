// init.h — random initial weights (biases start at zero), fixed by a seed.
//
//   he_normal       W ~ N(0, 1) · sqrt(2 / fan_in)             the lesson's randn·sqrt(2/fan_in)
//   he_uniform      W ~ U(−r, r),  r = sqrt(6 / fan_in)
//   glorot_normal   W ~ N(0, 1) · sqrt(2 / (fan_in + fan_out))
//   glorot_uniform  W ~ U(−r, r),  r = sqrt(6 / (fan_in + fan_out))   (Xavier)
//
// Weights are drawn layer by layer, each W row by row (row-major, as NumPy fills randn(units,
// inputs)), from one Random(seed). With he_normal and seed 42 a 2-4-1 network gets exactly the
// lesson's weights: np.random.seed(42); W1 = randn(4, 2)·sqrt(2/2); W2 = randn(1, 4)·sqrt(2/4).
#pragma once

#include <cstdint>
#include <string>

#include "backprop/network.h"

namespace backprop {

enum class Init { he_normal, he_uniform, glorot_normal, glorot_uniform };

std::string to_string(Init init);
// Inverse of to_string; throws a usage Error listing the known names.
Init init_from_string(const std::string& name);

// Draws every W of the network and zeroes every b.
template <typename S>
void initialize(Network<S>& network, Init init, std::uint32_t seed);

}  // namespace backprop
