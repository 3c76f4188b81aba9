// scaling.cpp — per-feature standardisation.
#include "backprop/data/scaling.h"

#include <cmath>

#include "backprop/error.h"

namespace backprop {

Standardizer Standardizer::fit(const Matrix<double>& x) {
  if (x.cols() == 0 || x.rows() == 0) {
    throw usage_error("cannot fit a standardizer on " + std::to_string(x.rows()) + " features x " +
                      std::to_string(x.cols()) + " samples (expected at least one of each)");
  }
  if (!x.allFinite()) throw Error("cannot fit a standardizer on data with non-finite values");
  Standardizer s;
  s.mean.resize(x.rows());
  s.scale.resize(x.rows());
  const auto n = static_cast<double>(x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const auto row = x.row(i);
    if (row.minCoeff() == row.maxCoeff()) {
      // Exactly constant: the mean is the value itself (a computed mean could be off by an ulp
      // and leave tiny non-zero residues), and the column is only centred.
      s.mean(i) = row(0);
      s.scale(i) = 1.0;
      continue;
    }
    s.mean(i) = row.sum() / n;
    const double variance = (row.array() - s.mean(i)).square().sum() / n;
    const double scale = std::sqrt(variance);
    s.scale(i) = scale > 0.0 ? scale : 1.0;
  }
  return s;
}

void Standardizer::apply(Matrix<double>& x) const {
  if (empty()) throw usage_error("standardizer applied before it was fitted");
  if (x.rows() != mean.size()) {
    throw Error("standardizer was fitted on " + std::to_string(mean.size()) +
                " features, but the data has " + std::to_string(x.rows()));
  }
  x.colwise() -= mean;
  x.array().colwise() /= scale.array();
}

}  // namespace backprop
