// gradcheck.h — numerical gradient checking by central differences, in double.
//
// For every parameter p (every entry of every W and b, and of the input x):
//   numerical  n = (L(p + ε) − L(p − ε)) / 2ε                          (order 2, the lesson's)
//          or  n = (−L(p + 2ε) + 8 L(p + ε) − 8 L(p − ε) + L(p − 2ε)) / 12ε   (order 4)
//   analytical g = what backpropagation computed
//   relative error |g − n| / max(|g| + |n|, 1e-8)      (the lesson's formula)
// Per parameter tensor the report gives the max absolute difference and the max relative error;
// a tensor passes when its max relative error is below the tolerance (default 1e-5).
//
// Kinks: relu and leaky_relu have no derivative at z = 0. When moving a parameter by ±h (±2h for
// order 4) moves a relu/leaky_relu pre-activation z across 0 — its side z > 0 differs between any
// two evaluation points and the unperturbed pass — the central difference averages two slopes
// and cannot match the one-sided derivative backpropagation takes. Such entries are counted as
// "kink crossed" per tensor and left out of the judgement (exclude_kinks); the rest are judged.
//
// Why order 4: the order-2 difference has a truncation error ~ε² and a rounding error ~1e-16/ε,
// so its best accuracy is about 1e-10 absolute; a gradient of 1e-4 then shows a relative error
// of 1e-6 from the arithmetic alone. The order-4 stencil with ε = 1e-3 reaches about 1e-12,
// which lets tests demand a relative error below 1e-6 even where gradients are small.
#pragma once

#include <string>
#include <vector>

#include "backprop/network.h"

namespace backprop {

struct GradCheckOptions {
  double epsilon = 1e-6;    // step of the central difference
  int order = 2;            // 2: the lesson's two-point difference; 4: the five-point stencil
  double tolerance = 1e-5;  // pass when max relative error < tolerance
  bool check_input = true;  // also check dL/dx
  // Leave out entries whose perturbation moves a relu/leaky_relu pre-activation across 0.
  bool exclude_kinks = true;
  // The training pass instead (for tests; the command line checks the full network): dropout
  // with the masks of this key, held fixed while parameters move (they depend on the key only),
  // and the class-weighted loss (losses.h).
  const DropoutKey* dropout = nullptr;
  std::vector<double> class_weights;
};

struct GradCheckTensor {
  std::string name;  // "W1", "b1", ..., "x" (the lesson numbers layers from 1)
  Eigen::Index rows = 0, cols = 0;
  Matrix<double> analytical;
  Matrix<double> numerical;
  double max_abs_diff = 0;
  double max_rel_error = 0;  // over the judged entries
  bool passed = true;
  // Entries whose perturbation crosses a kink (relu/leaky_relu z changes sign); with
  // exclude_kinks they are not in max_abs_diff / max_rel_error.
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> kink_crossed;
  long kinks_crossed = 0;
};

struct GradCheckReport {
  std::vector<GradCheckTensor> tensors;
  double max_rel_error = 0;
  double loss = 0;
  GradCheckOptions options;
  long kinks_crossed = 0;  // over every tensor
  long entries = 0;        // every entry checked, kinks crossed included
  bool passed() const;
};

// Runs forward and backward on (x, y), then compares against central differences.
GradCheckReport gradient_check(Network<double>& network, const Matrix<double>& x,
                               const Matrix<double>& y, const GradCheckOptions& options = {});

// The gradients of a network's last backward pass, in the order of the report: W1, b1, W2, ...,
// then dL/dx. Exposed so a test can corrupt one and see the check fail.
std::vector<Matrix<double>> analytical_gradients(const Network<double>& network);

// Compares given analytical gradients (in the order of analytical_gradients) with central
// differences of the network's loss on (x, y). The network's parameters are left unchanged.
GradCheckReport compare_with_numerical(Network<double>& network, const Matrix<double>& x,
                                       const Matrix<double>& y,
                                       const std::vector<Matrix<double>>& analytical,
                                       const GradCheckOptions& options = {});

// A lesson-style report: per tensor its shape, max absolute diff, max relative error,
// PASSED/FAILED, and how many entries crossed a kink (and whether they were left out).
std::string format_report(const GradCheckReport& report);

}  // namespace backprop
