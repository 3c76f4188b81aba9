// scaling.h — per-feature standardisation x ← (x − mean) / scale.
#pragma once

#include "backprop/tensor.h"

namespace backprop {

// Per-feature standardisation, fitted on training data only and then applied unchanged to
// validation, test and prediction inputs.
struct Standardizer {
  // Per feature; scale = population std (ddof 0), 1 for a constant column (left unscaled:
  // (x − mean) / 1, so it becomes exactly 0 instead of being divided by zero).
  Vector<double> mean, scale;

  bool empty() const { return mean.size() == 0; }
  // x is (features x N); no samples is a usage Error, a non-finite value a data Error.
  static Standardizer fit(const Matrix<double>& x);
  // x ← (x − mean) / scale, in place; a data Error if x.rows() != mean.size() (usage if empty).
  void apply(Matrix<double>& x) const;
};

}  // namespace backprop
