// diagnostics.h — what is going wrong inside a network on some data.
//
// Per layer, on the given samples: relu units that are dead (z <= 0 for every sample: they pass
// no gradient), sigmoid/tanh units that are saturated (|f'(z)| < 1% of its maximum for at least
// 99% of the samples), and the norms |W| and |dL/dW| — vanishing gradients shrink layer by layer
// towards the input, exploding ones grow. A short warning names each problem and what to try.
#pragma once

#include <string>
#include <vector>

#include "backprop/network.h"

namespace backprop {

struct LayerDiagnostics {
  Activation activation = Activation::linear;
  Eigen::Index units = 0;
  Eigen::Index dead_units = 0;       // relu/leaky_relu: never active
  Eigen::Index saturated_units = 0;  // sigmoid/tanh: flat for >= 99 % of the samples
  double weight_norm = 0, gradient_norm = 0;
};

struct Diagnostics {
  std::vector<LayerDiagnostics> layers;
  std::vector<std::string> warnings;
};

// Runs a forward and backward pass of (x, y) and inspects every layer.
Diagnostics diagnose(Network<double>& network, const Matrix<double>& x, const Matrix<double>& y);
// A table per layer and the warnings.
std::string format_diagnostics(const Diagnostics& diagnostics);

}  // namespace backprop
