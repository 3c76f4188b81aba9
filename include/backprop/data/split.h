// split.h — holding out part of a data set (test or validation), keeping class proportions.
#pragma once

#include <cstdint>
#include <utility>

#include "backprop/data/dataset.h"

namespace backprop {

// Splits off `fraction` of the samples (0 < fraction < 1) as the second set, from the seed.
// Classification: per class, round(fraction * class count) samples go to the second set, at
// least 1 and at most count - 1 when the class has >= 2 samples (a single sample stays in the
// first set), so class proportions are kept (stratified). Regression: round(fraction * N)
// samples chosen at random. Both sets keep the original sample order (sorted indices).
// Throws a usage Error if either side would be empty.
std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, std::uint32_t seed);

}  // namespace backprop
