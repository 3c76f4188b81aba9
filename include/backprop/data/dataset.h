// dataset.h — training data in memory: inputs, targets, their names, and class labels.
//
// Samples are columns, as everywhere in the engine: x is (features x N) and y is (targets x N),
// so a Dataset's matrices feed Network::forward directly. Where data comes from: csv_dataset.h
// (CSV files), generators.h (the lesson's toy sets), idx.h (Fashion-MNIST); what is done to it:
// split.h, scaling.h. The library never prints; every problem throws backprop::Error
// (Kind::usage for bad options or arguments, Kind::data for bad files).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "backprop/tensor.h"

namespace backprop {

// Samples are columns: x is (features x N), y is (targets x N).
struct Dataset {
  std::string source;                      // file name or generator description, for messages
  Matrix<double> x;                        // (features x N)
  Matrix<double> y;                        // (targets x N): see TargetEncoding / numeric targets
  std::vector<std::string> feature_names;  // names of the rows of x
  // Names of the rows of y: the numeric target columns; for classification the class each row
  // indicates (one_hot: class_names; binary: class_names[1]).
  std::vector<std::string> target_names;
  // Classification only: class k is class_names[k]; empty for numeric targets.
  std::vector<std::string> class_names;
  std::vector<int> labels;  // classification only: class index of each sample

  std::size_t size() const { return static_cast<std::size_t>(x.cols()); }
  bool is_classification() const { return !class_names.empty(); }
};

// How class labels become the rows of y.
//   one_hot: one row per class, 1 in the row of the sample's class and 0 elsewhere.
//   binary:  one row of 0/1, only for exactly 2 classes (class_names[1] is 1), for a single
//            sigmoid output.
enum class TargetEncoding { one_hot, binary };

// Rebuilds y (and target_names) from labels in the given encoding. Throws a usage Error for
// binary with != 2 classes, for a dataset without class labels, or for labels out of range.
void encode_targets(Dataset& d, TargetEncoding encoding);

// The samples at `indices` (columns in the given order, repeats allowed); keeps every name.
// An index out of range is a usage Error.
Dataset subset(const Dataset& d, const std::vector<std::size_t>& indices);

}  // namespace backprop
