// dataset.h — training data in memory: loading labelled CSV files, the seeded toy generators of
// the lesson (XOR, circle, moons, spirals, blobs), train/test splits and standardisation.
//
// Samples are columns, as everywhere in the engine: x is (features x N) and y is (targets x N),
// so a Dataset's matrices feed Network::forward directly. Every generator is seeded through
// backprop::Random, so the same seed gives the same data on every platform (and make_circle gives
// exactly the lesson's NumPy data). The library never prints; every problem throws backprop::Error
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

struct CsvDatasetOptions {
  std::string target;                 // class-label column (integers or strings), or empty
  std::vector<std::string> targets;   // numeric target columns used as given, or empty
                                      // (exactly one of target/targets must be given)
  std::vector<std::string> features;  // input columns; empty = every other column, in file order
  TargetEncoding encoding = TargetEncoding::one_hot;
  // When non-empty (from a trained model): labels map to these classes, in this order; a label
  // not among them is an Error naming file:line:column, the label and the known classes.
  std::vector<std::string> class_names;
};

// Loads a CSV file (see csv.h for the accepted format) as a dataset.
//
// Class labels are the cell text, trimmed. Without options.class_names the classes are the
// distinct labels, ordered numerically if every label is an integer (then "01" and "1" are the
// same class, named "1") and lexicographically otherwise — scikit-learn's sorted unique labels —
// and at least two classes are required. Unknown column names, a feature that is also a target,
// or not exactly one of target/targets are usage Errors; bad cells are data Errors naming
// file:line:column.
Dataset load_csv_dataset(const std::string& path, const CsvDatasetOptions& options);

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

// CSV export: a header of the feature names then "label" (class names) — or the numeric target
// names —, one row per sample, numbers in shortest round-trip form, so load_csv_dataset reads the
// same values back bit for bit. Written with write_file_atomically. Names that could not be read
// back (empty, duplicate, a feature called "label") and non-finite values are Errors.
void write_csv(const Dataset& d, const std::string& path);

// The samples at `indices` (columns in the given order, repeats allowed); keeps every name.
// An index out of range is a usage Error.
Dataset subset(const Dataset& d, const std::vector<std::size_t>& indices);

// Splits off `fraction` of the samples (0 < fraction < 1) as the second set, from the seed.
// Classification: per class, round(fraction * class count) samples go to the second set, at
// least 1 and at most count - 1 when the class has >= 2 samples (a single sample stays in the
// first set), so class proportions are kept (stratified). Regression: round(fraction * N)
// samples chosen at random. Both sets keep the original sample order (sorted indices).
// Throws a usage Error if either side would be empty.
std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, std::uint32_t seed);

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

namespace backprop {

// The input columns of a CSV file, for prediction: the named columns in the given order (their
// absence is an Error naming the file and listing its columns), or, with no names, every column
// except those in `exclude`. `names_out`, if given, receives the columns used.
Matrix<double> load_csv_inputs(const std::string& path, const std::vector<std::string>& features,
                               const std::vector<std::string>& exclude,
                               std::vector<std::string>* names_out = nullptr);

}  // namespace backprop
