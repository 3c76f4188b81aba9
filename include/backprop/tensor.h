// tensor.h — the matrix types of the engine.
//
// One column is one sample: a batch of N inputs with n features is a (n x N) matrix, and a layer
// with `units` outputs and `inputs` inputs has W of shape (units x inputs), so z = W a_prev + b.
// Every engine type is a template on the scalar S and is instantiated for float (speed) and
// double (gradient checks, teaching traces).
#pragma once

// config.h first: it fixes the settings Eigen reads, so Eigen must come after it.
// clang-format off
#include "backprop/config.h"
#include <Eigen/Dense>
// clang-format on

namespace backprop {

template <typename S>
using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;  // column-major

template <typename S>
using Vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;

}  // namespace backprop
