// Shared helpers of the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "backprop/error.h"
#include "backprop/tensor.h"

namespace backprop::test {

// The lesson's XOR table, one sample per column: x (2 x 4), y (1 x 4).
struct XorData {
  Matrix<double> x{2, 4}, y{1, 4};
  XorData() {
    x << 0, 0, 1, 1, 0, 1, 0, 1;
    y << 0, 1, 1, 0;
  }
};

// A golden file, parsed once per process (parameterised tests name themselves from it).
inline const nlohmann::json& load_golden(const std::string& name) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  std::ifstream in(std::string(BACKPROP_GOLDEN_DIR) + "/" + name);
  if (!in) throw std::runtime_error("cannot open golden file " + name);
  return cache.emplace(name, nlohmann::json::parse(in)).first->second;
}

// A JSON list of rows as a matrix (one inner list per row).
inline Matrix<double> matrix_from_rows(const nlohmann::json& rows) {
  Matrix<double> m(static_cast<Eigen::Index>(rows.size()),
                   static_cast<Eigen::Index>(rows.at(0).size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = rows.at(i).at(j).get<double>();
  return m;
}

// A flat JSON list as a column vector.
inline Matrix<double> column_from_list(const nlohmann::json& list) {
  Matrix<double> m(static_cast<Eigen::Index>(list.size()), 1);
  for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, 0) = list.at(i).get<double>();
  return m;
}

// Every entry within `tol` (absolute, for quantities of order one) of the expected matrix.
inline ::testing::AssertionResult near(const Matrix<double>& actual, const Matrix<double>& expected,
                                       double tol) {
  if (actual.rows() != expected.rows() || actual.cols() != expected.cols())
    return ::testing::AssertionFailure()
           << "shape " << actual.rows() << "x" << actual.cols() << ", expected " << expected.rows()
           << "x" << expected.cols();
  const double diff = (actual - expected).cwiseAbs().maxCoeff();
  if (!(diff <= tol))
    return ::testing::AssertionFailure()
           << "max difference " << diff << " > " << tol << "\nactual:\n"
           << actual << "\nexpected:\n"
           << expected;
  return ::testing::AssertionSuccess();
}

// The message of the Error that `f` throws ("" and a test failure if it throws none).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a backprop::Error";
  return "";
}

}  // namespace backprop::test
