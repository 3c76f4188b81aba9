// dataset.cpp — the Dataset's own operations: target encoding and subsets.
#include "backprop/data/dataset.h"

#include "backprop/error.h"
#include "text.h"

namespace backprop {

using text::quoted_list;

void encode_targets(Dataset& d, TargetEncoding encoding) {
  if (!d.is_classification()) {
    throw usage_error(d.source +
                      ": cannot encode targets: the dataset has numeric targets, not "
                      "class labels");
  }
  if (d.labels.size() != d.size()) {
    throw usage_error(d.source + ": " + std::to_string(d.labels.size()) + " labels for " +
                      std::to_string(d.size()) + " samples");
  }
  const auto classes = static_cast<int>(d.class_names.size());
  for (const int label : d.labels) {
    if (label < 0 || label >= classes) {
      throw usage_error(d.source + ": class index " + std::to_string(label) + " out of range for " +
                        std::to_string(classes) + " classes");
    }
  }
  const auto n = static_cast<Eigen::Index>(d.size());
  if (encoding == TargetEncoding::binary) {
    if (classes != 2) {
      throw usage_error(d.source + ": binary target encoding needs exactly 2 classes, found " +
                        std::to_string(classes) + " (" + quoted_list(d.class_names) +
                        "); use one-hot encoding");
    }
    d.y = Matrix<double>::Zero(1, n);
    for (Eigen::Index j = 0; j < n; ++j) d.y(0, j) = d.labels[static_cast<std::size_t>(j)];
    d.target_names = {d.class_names[1]};
  } else {
    d.y = Matrix<double>::Zero(classes, n);
    for (Eigen::Index j = 0; j < n; ++j) d.y(d.labels[static_cast<std::size_t>(j)], j) = 1.0;
    d.target_names = d.class_names;
  }
}

Dataset subset(const Dataset& d, const std::vector<std::size_t>& indices) {
  const bool has_labels = d.is_classification() && d.labels.size() == d.size();
  const bool has_y = d.y.cols() == d.x.cols();
  Dataset out;
  out.source = d.source;
  out.feature_names = d.feature_names;
  out.target_names = d.target_names;
  out.class_names = d.class_names;
  const auto m = static_cast<Eigen::Index>(indices.size());
  out.x.resize(d.x.rows(), m);
  out.y.resize(has_y ? d.y.rows() : 0, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const std::size_t index = indices[static_cast<std::size_t>(j)];
    if (index >= d.size()) {
      throw usage_error(d.source + ": sample index " + std::to_string(index) +
                        " out of range for " + std::to_string(d.size()) + " samples");
    }
    out.x.col(j) = d.x.col(static_cast<Eigen::Index>(index));
    if (has_y) out.y.col(j) = d.y.col(static_cast<Eigen::Index>(index));
    if (has_labels) out.labels.push_back(d.labels[index]);
  }
  return out;
}

}  // namespace backprop
