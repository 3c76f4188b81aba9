// generators.cpp — the seeded toy data sets of the lesson (XOR, circle) and of scikit-learn
// (moons, blobs) and CS231n (spirals).
//
// The generators reproduce their NumPy / scikit-learn originals draw for draw through
// backprop::Random (NumPy's legacy generator): matrices are filled in NumPy's row-major draw
// order and shuffles use NumPy's legacy Fisher–Yates, so tests can compare against NumPy output.
#include "backprop/data/generators.h"

#include <cmath>

#include "backprop/error.h"
#include "backprop/random.h"
#include "text.h"

namespace backprop {
namespace {

using text::join;
using text::number_text;

constexpr double kPi = 3.141592653589793;  // np.pi

// np.linspace(start, stop, num) value by value: i * step + start, the last one exactly stop.
std::vector<double> linspace(double start, double stop, int num) {
  std::vector<double> out(static_cast<std::size_t>(num));
  const double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
  for (int i = 0; i < num; ++i) out[static_cast<std::size_t>(i)] = i * step + start;
  if (num > 1) out.back() = stop;
  return out;
}

std::vector<std::string> class_names_for(int classes) {
  std::vector<std::string> names;
  for (int k = 0; k < classes; ++k) names.push_back(std::to_string(k));
  return names;
}

// A generated 2-feature classification dataset; x and labels must already be filled.
Dataset finish_generated(std::string source, Matrix<double> x, std::vector<int> labels,
                         int classes) {
  Dataset d;
  d.source = std::move(source);
  d.x = std::move(x);
  d.feature_names = {"x1", "x2"};
  d.class_names = class_names_for(classes);
  d.labels = std::move(labels);
  encode_targets(d, TargetEncoding::one_hot);
  return d;
}

std::string describe(const std::string& name, int n, const char* noise_name, double noise,
                     std::uint32_t seed, int classes = 0) {
  std::string out = name + "(n=" + std::to_string(n);
  if (classes > 0) out += ", classes=" + std::to_string(classes);
  return out + ", " + noise_name + "=" + number_text(noise) + ", seed=" + std::to_string(seed) +
         ")";
}

void check_noise(const char* generator, const char* what, double noise) {
  if (!(noise >= 0.0) || !std::isfinite(noise)) {
    throw usage_error(std::string(generator) + ": " + what + " must be a finite number >= 0, got " +
                      number_text(noise));
  }
}

void check_classes(const char* generator, int n, int classes) {
  if (classes < 2) {
    throw usage_error(std::string(generator) + ": needs at least 2 classes, got " +
                      std::to_string(classes));
  }
  if (n < classes) {
    throw usage_error(std::string(generator) + ": needs at least one sample per class (n >= " +
                      std::to_string(classes) + "), got n = " + std::to_string(n));
  }
}

// Samples per class as scikit-learn divides them: n / classes each, the first n % classes
// classes one more.
std::vector<int> per_class_counts(int n, int classes) {
  std::vector<int> counts(static_cast<std::size_t>(classes), n / classes);
  for (int k = 0; k < n % classes; ++k) ++counts[static_cast<std::size_t>(k)];
  return counts;
}

// Reorders the samples (columns) as scikit-learn's shuffle does: sample i of the result is
// sample indices[i] of the input, with indices = arange(n) shuffled in place.
void shuffle_samples(Matrix<double>& x, std::vector<int>& labels, Random& random) {
  std::vector<std::size_t> indices(labels.size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  shuffle(indices, random);
  Matrix<double> shuffled_x(x.rows(), x.cols());
  std::vector<int> shuffled_labels(labels.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    shuffled_x.col(static_cast<Eigen::Index>(i)) = x.col(static_cast<Eigen::Index>(indices[i]));
    shuffled_labels[i] = labels[indices[i]];
  }
  x = std::move(shuffled_x);
  labels = std::move(shuffled_labels);
}

}  // namespace

Dataset make_xor() {
  Matrix<double> x(2, 4);
  x << 0, 0, 1, 1,  //
      0, 1, 0, 1;
  return finish_generated("xor", std::move(x), {0, 1, 1, 0}, 2);
}

Dataset make_circle(int n, double noise, std::uint32_t seed) {
  if (n < 1) throw usage_error("circle: needs n >= 1 samples, got " + std::to_string(n));
  check_noise("circle", "noise", noise);
  Random random(seed);
  // NumPy fills randn(2, n) row by row: every x1, then every x2.
  Matrix<double> x(2, n);
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < n; ++j) x(i, j) = random.normal() * 0.7;
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (Eigen::Index j = 0; j < n; ++j)  // the label comes from the clean point, before noise
    labels[static_cast<std::size_t>(j)] = x(0, j) * x(0, j) + x(1, j) * x(1, j) < 0.5 ? 1 : 0;
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < n; ++j) x(i, j) += random.normal() * noise;
  return finish_generated(describe("circle", n, "noise", noise, seed), std::move(x),
                          std::move(labels), 2);
}

Dataset make_moons(int n, double noise, std::uint32_t seed) {
  if (n < 2) throw usage_error("moons: needs n >= 2 samples, got " + std::to_string(n));
  check_noise("moons", "noise", noise);
  const int outer = n / 2;
  const int inner = n - outer;
  const std::vector<double> outer_angle = linspace(0.0, kPi, outer);
  const std::vector<double> inner_angle = linspace(0.0, kPi, inner);
  Matrix<double> x(2, n);
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (int j = 0; j < outer; ++j) {
    x(0, j) = std::cos(outer_angle[static_cast<std::size_t>(j)]);
    x(1, j) = std::sin(outer_angle[static_cast<std::size_t>(j)]);
    labels[static_cast<std::size_t>(j)] = 0;
  }
  for (int j = 0; j < inner; ++j) {
    x(0, outer + j) = 1.0 - std::cos(inner_angle[static_cast<std::size_t>(j)]);
    x(1, outer + j) = 1.0 - std::sin(inner_angle[static_cast<std::size_t>(j)]) - 0.5;
    labels[static_cast<std::size_t>(outer + j)] = 1;
  }
  Random random(seed);
  shuffle_samples(x, labels, random);
  // scikit-learn's X is (n x 2) row-major: the noise is drawn sample by sample, x1 then x2.
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < 2; ++i) x(i, j) += noise * random.normal();
  return finish_generated(describe("moons", n, "noise", noise, seed), std::move(x),
                          std::move(labels), 2);
}

Dataset make_spirals(int n, int classes, double noise, std::uint32_t seed) {
  check_classes("spirals", n, classes);
  check_noise("spirals", "noise", noise);
  Random random(seed);
  Matrix<double> x(2, n);
  std::vector<int> labels(static_cast<std::size_t>(n));
  const std::vector<int> counts = per_class_counts(n, classes);
  Eigen::Index column = 0;
  for (int k = 0; k < classes; ++k) {
    const int count = counts[static_cast<std::size_t>(k)];
    const std::vector<double> radius = linspace(0.0, 1.0, count);
    const std::vector<double> angle = linspace(k * 4.0, (k + 1) * 4.0, count);
    for (int j = 0; j < count; ++j, ++column) {
      const double r = radius[static_cast<std::size_t>(j)];
      const double t = angle[static_cast<std::size_t>(j)] + random.normal() * noise;
      x(0, column) = r * std::sin(t);
      x(1, column) = r * std::cos(t);
      labels[static_cast<std::size_t>(column)] = k;
    }
  }
  return finish_generated(describe("spirals", n, "noise", noise, seed, classes), std::move(x),
                          std::move(labels), classes);
}

Dataset make_blobs(int n, int classes, double spread, std::uint32_t seed) {
  check_classes("blobs", n, classes);
  check_noise("blobs", "spread", spread);
  Random random(seed);
  // Centres: uniform(-10, 10, size=(classes, 2)), row-major (x1 then x2 of each centre).
  Matrix<double> centres(2, classes);
  for (Eigen::Index k = 0; k < classes; ++k)
    for (Eigen::Index i = 0; i < 2; ++i) centres(i, k) = random.uniform(-10.0, 10.0);
  Matrix<double> x(2, n);
  std::vector<int> labels(static_cast<std::size_t>(n));
  const std::vector<int> counts = per_class_counts(n, classes);
  Eigen::Index column = 0;
  for (int k = 0; k < classes; ++k) {
    for (int j = 0; j < counts[static_cast<std::size_t>(k)]; ++j, ++column) {
      for (Eigen::Index i = 0; i < 2; ++i) x(i, column) = centres(i, k) + spread * random.normal();
      labels[static_cast<std::size_t>(column)] = k;
    }
  }
  shuffle_samples(x, labels, random);
  return finish_generated(describe("blobs", n, "spread", spread, seed, classes), std::move(x),
                          std::move(labels), classes);
}

std::vector<std::string> dataset_names() { return {"xor", "circle", "moons", "spirals", "blobs"}; }

Dataset make_dataset(const std::string& name, int n, double noise, std::uint32_t seed) {
  const bool default_n = n <= 0;
  const bool default_noise = noise < 0.0;
  if (name == "xor") {
    if (!default_n && n != 4) {
      throw usage_error("xor: the XOR dataset has exactly 4 samples, got n = " + std::to_string(n));
    }
    if (!default_noise && noise != 0.0) {
      throw usage_error("xor: the XOR dataset has no noise, got noise = " + number_text(noise));
    }
    return make_xor();
  }
  if (name == "circle") return make_circle(default_n ? 200 : n, default_noise ? 0.1 : noise, seed);
  if (name == "moons") return make_moons(default_n ? 200 : n, default_noise ? 0.1 : noise, seed);
  if (name == "spirals") {
    return make_spirals(default_n ? 300 : n, 3, default_noise ? 0.2 : noise, seed);
  }
  if (name == "blobs") return make_blobs(default_n ? 300 : n, 3, default_noise ? 1.0 : noise, seed);
  throw usage_error("unknown dataset '" + name + "' (datasets: " + join(dataset_names()) + ")");
}

}  // namespace backprop
