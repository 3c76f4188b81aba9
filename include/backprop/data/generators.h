// generators.h — the seeded toy data sets: the lesson's XOR and circle, scikit-learn's moons and
// blobs, CS231n's spirals.
//
// Every generator is seeded through backprop::Random, so the same seed gives the same data on
// every platform (and make_circle gives exactly the lesson's NumPy data).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backprop/data/dataset.h"

namespace backprop {

// Generators. Each returns two features named "x1", "x2" (XOR too), labels, class names "0", "1",
// ... and one-hot y. Invalid sizes or a negative noise are usage Errors.

// The XOR truth table: columns (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0.
Dataset make_xor();
// The lesson's generate_circle_data, draw for draw: with np.random.seed(seed),
// X = randn(2, n) * 0.7; label = (x1² + x2² < 0.5) (before noise; class "1" = inside);
// X += randn(2, n) * noise.
Dataset make_circle(int n = 200, double noise = 0.1, std::uint32_t seed = 42);
// scikit-learn's make_moons(n, shuffle=True, noise, random_state=seed), same algorithm and draw
// order: n/2 points on the upper half circle (class 0), the rest on the lower half circle shifted
// by (1, 0.5) (class 1), shuffled, then Gaussian noise of standard deviation `noise`.
Dataset make_moons(int n = 200, double noise = 0.1, std::uint32_t seed = 42);
// The classic CS231n spirals (np.random.seed(seed) first): class j has radius linspace(0, 1) and
// angle linspace(4j, 4(j+1)) + randn·noise, point (r sin t, r cos t). Samples are in class order;
// n is divided between the classes, the first n % classes classes getting one extra sample.
Dataset make_spirals(int n = 300, int classes = 3, double noise = 0.2, std::uint32_t seed = 42);
// scikit-learn's make_blobs(n, centers=classes, cluster_std=spread, random_state=seed): centres
// uniform in [-10, 10)², isotropic Gaussian samples around them (sizes as in make_spirals),
// shuffled.
Dataset make_blobs(int n = 300, int classes = 3, double spread = 1.0, std::uint32_t seed = 42);

// By name: "xor", "circle", "moons", "spirals", "blobs" (noise is the spread for "blobs").
// n <= 0 or noise < 0 means the generator's default. "xor" is the fixed 4-point table: an n other
// than 4 or a noise above 0 is a usage Error rather than silently ignored. An unknown name is a
// usage Error listing the names.
Dataset make_dataset(const std::string& name, int n, double noise, std::uint32_t seed);
std::vector<std::string> dataset_names();

}  // namespace backprop
