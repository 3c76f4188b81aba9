// init.h — random initial weights (biases start at zero, but for uniform), fixed by a seed.
//
//   he_normal       W ~ N(0, 1) · sqrt(2 / fan_in)             the lesson's randn·sqrt(2/fan_in)
//   he_uniform      W ~ U(−r, r),  r = sqrt(6 / fan_in)
//   glorot_normal   W ~ N(0, 1) · sqrt(2 / (fan_in + fan_out))
//   glorot_uniform  W ~ U(−r, r),  r = sqrt(6 / (fan_in + fan_out))   (Xavier)
//   uniform:LOW,HIGH  W ~ U(LOW, HIGH) and b ~ U(LOW, HIGH): FANN's fann_randomize_weights, which
//                   draws every connection, biases included ("uniform" alone: FANN's default
//                   range, −0.1 to 0.1); each layer's W row by row, then its b
//
// Weights are drawn layer by layer, each W row by row (row-major, as NumPy fills randn(units,
// inputs)), from one Random(seed). With he_normal and seed 42 a 2-4-1 network gets exactly the
// lesson's weights: np.random.seed(42); W1 = randn(4, 2)·sqrt(2/2); W2 = randn(1, 4)·sqrt(2/4).
#pragma once

#include <cstdint>
#include <string>

#include "backprop/network.h"

namespace backprop {

enum class Init { he_normal, he_uniform, glorot_normal, glorot_uniform, uniform };

std::string to_string(Init init);
// Inverse of to_string; throws a usage Error listing the known names.
Init init_from_string(const std::string& name);

// A scheme with its range (used by uniform only).
struct WeightInit {
  Init kind = Init::he_normal;
  double low = -0.1, high = 0.1;

  WeightInit() = default;
  WeightInit(Init init) : kind(init) {}  // NOLINT: implicit, so that an Init is one
  WeightInit(double low_value, double high_value)
      : kind(Init::uniform), low(low_value), high(high_value) {}
  // Throws an option_error on FitOptions.weight_init unless LOW < HIGH, both finite.
  void validate() const;
};
bool operator==(const WeightInit& a, const WeightInit& b);
// "he_normal", ..., "uniform:-0.1,0.1".
std::string to_string(const WeightInit& init);
// A name of Init, or "uniform:LOW,HIGH"; a usage Error saying what was expected otherwise.
WeightInit weight_init_from_string(const std::string& spec);

// Draws every W of the network and zeroes every b (uniform: draws b too).
template <typename S>
void initialize(Network<S>& network, const WeightInit& init, std::uint32_t seed);

}  // namespace backprop
