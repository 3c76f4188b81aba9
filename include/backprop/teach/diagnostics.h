// diagnostics.h — what is going wrong inside a network on some data.
//
// Per layer, on the given samples: relu units that are dead (z <= 0 for every sample: they pass
// no gradient, so training cannot revive them), sigmoid/tanh units that are saturated
// (|f'(z)| < 1% of its maximum for at least 99% of the samples), and the norms |W| and |dL/dW| —
// vanishing gradients shrink layer by layer towards the input, exploding ones grow.
//
// Findings, each one line naming the layer, the count and what to try:
//   dead relu units      any dead unit is a note; a warning from kDeadUnitsWarning (10 %) of the
//                        layer's units (27 of 64 dead wastes 42 % of the layer)
//   saturated units      a warning from half of the layer's units
//   gradient norms       a warning when layer 1's |dL/dW| is below 1/100 (vanishing) or above 100x
//                        (exploding) the last layer's, or any norm is non-finite or above 1e6
// "no problems found" only when there is neither a note nor a warning. leaky_relu units are never
// dead: for z < 0 they still pass a gradient.
#pragma once

#include <string>
#include <vector>

#include "backprop/network.h"

namespace backprop {

// The fraction of a layer's units that, dead, makes a warning rather than a note.
inline constexpr double kDeadUnitsWarning = 0.10;

struct LayerDiagnostics {
  Activation activation = Activation::linear;
  Eigen::Index units = 0;
  Eigen::Index dead_units = 0;       // relu: never active on these samples
  Eigen::Index saturated_units = 0;  // sigmoid/tanh: flat for >= 99 % of the samples
  double weight_norm = 0, gradient_norm = 0;
};

struct Diagnostics {
  std::vector<LayerDiagnostics> layers;
  std::vector<std::string> warnings;  // problems worth acting on
  std::vector<std::string> notes;     // findings below a warning's threshold
};

// Runs a forward and backward pass of (x, y) and inspects every layer.
Diagnostics diagnose(Network<double>& network, const Matrix<double>& x, const Matrix<double>& y);
// A table per layer (header aligned with its columns), then the warnings and notes.
std::string format_diagnostics(const Diagnostics& diagnostics);

}  // namespace backprop
