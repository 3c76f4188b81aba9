// split.cpp — stratified train/test splits.
#include "backprop/data/split.h"

#include <algorithm>
#include <cmath>

#include "backprop/error.h"
#include "backprop/random.h"
#include "text.h"

namespace backprop {

using text::number_text;

std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, std::uint32_t seed) {
  if (!(fraction > 0.0 && fraction < 1.0)) {
    throw usage_error(d.source + ": split fraction must be between 0 and 1 (exclusive), got " +
                      number_text(fraction));
  }
  const std::size_t n = d.size();
  Random random(seed);
  std::vector<bool> second(n, false);
  // Each group (a class, or all samples for regression) is shuffled and its first `take` samples
  // go to the second set; one generator runs through the groups in class order.
  const auto draw = [&](std::vector<std::size_t> group, std::size_t take) {
    shuffle(group, random);
    for (std::size_t i = 0; i < take; ++i) second[group[i]] = true;
  };
  if (d.is_classification()) {
    if (d.labels.size() != n) {
      throw usage_error(d.source + ": " + std::to_string(d.labels.size()) + " labels for " +
                        std::to_string(n) + " samples");
    }
    std::vector<std::vector<std::size_t>> groups(d.class_names.size());
    for (std::size_t j = 0; j < n; ++j) {
      const int label = d.labels[j];
      if (label < 0 || static_cast<std::size_t>(label) >= groups.size()) {
        throw usage_error(d.source + ": class index " + std::to_string(label) + " of sample " +
                          std::to_string(j) + " is out of range");
      }
      groups[static_cast<std::size_t>(label)].push_back(j);
    }
    for (std::vector<std::size_t>& group : groups) {
      const std::size_t count = group.size();
      if (count < 2) continue;  // a lone sample stays on the training side
      const auto rounded = static_cast<std::size_t>(std::llround(fraction * count));
      draw(std::move(group), std::clamp<std::size_t>(rounded, 1, count - 1));
    }
  } else {
    std::vector<std::size_t> all(n);
    for (std::size_t j = 0; j < n; ++j) all[j] = j;
    draw(std::move(all), static_cast<std::size_t>(std::llround(fraction * n)));
  }

  std::vector<std::size_t> first_indices;
  std::vector<std::size_t> second_indices;
  for (std::size_t j = 0; j < n; ++j) (second[j] ? second_indices : first_indices).push_back(j);
  if (first_indices.empty() || second_indices.empty()) {
    throw usage_error(d.source + ": splitting off " + number_text(fraction) + " of " +
                      std::to_string(n) + " samples leaves the " +
                      (first_indices.empty() ? "first" : "second") +
                      " set empty (expected both sets to have samples)");
  }
  return {subset(d, first_indices), subset(d, second_indices)};
}

}  // namespace backprop
