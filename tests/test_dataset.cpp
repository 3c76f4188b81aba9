// Tests for datasets: CSV loading (labels, encodings, column selection, errors), the generators
// (make_circle bit-exact against the lesson's NumPy code), splits, standardisation and CSV export.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/error.h"
#include "test_util.h"

namespace backprop {
namespace {

using test::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A file under the temp directory, unique per call, removed when the object dies.
class TempFile {
 public:
  explicit TempFile(const std::string& contents = "", const std::string& suffix = ".csv") {
    static std::atomic<int> counter{0};
    // Time plus a random draw keeps names apart across test processes run in parallel.
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count() ^
                       static_cast<long long>(std::random_device{}());
    path_ = (std::filesystem::temp_directory_path() /
             ("backprop_test_dataset_" + std::to_string(stamp) + "_" + std::to_string(counter++) +
              suffix))
                .string();
    if (!contents.empty()) {
      std::ofstream out(path_, std::ios::binary);
      out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    }
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

CsvDatasetOptions classify(const std::string& target,
                           TargetEncoding encoding = TargetEncoding::one_hot) {
  CsvDatasetOptions options;
  options.target = target;
  options.encoding = encoding;
  return options;
}

// The kind of the Error that `f` throws (a test failure if it throws none).
Error::Kind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected a backprop::Error";
  return Error::Kind::data;
}

Matrix<double> rows(std::initializer_list<std::initializer_list<double>> values) {
  Matrix<double> m(static_cast<Eigen::Index>(values.size()),
                   static_cast<Eigen::Index>(values.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : values) {
    Eigen::Index j = 0;
    for (const double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

std::vector<int> class_counts(const Dataset& d) {
  std::vector<int> counts(d.class_names.size(), 0);
  for (const int label : d.labels) ++counts.at(static_cast<std::size_t>(label));
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Loading CSV files
// ---------------------------------------------------------------------------------------------

TEST(LoadCsvDataset, IntegerLabelsSortNumerically) {
  // Lexicographic order would put "10" before "2"; integers sort by value.
  TempFile file("x1,x2,y\n1,2,10\n3,4,2\n5,6,10\n7,8,-1\n");
  const Dataset d = load_csv_dataset(file.path(), classify("y"));
  EXPECT_EQ(d.source, file.path());
  EXPECT_THAT(d.class_names, ElementsAre("-1", "2", "10"));
  EXPECT_THAT(d.labels, ElementsAre(2, 1, 2, 0));
  EXPECT_THAT(d.feature_names, ElementsAre("x1", "x2"));
  EXPECT_THAT(d.target_names, ElementsAre("-1", "2", "10"));
  EXPECT_TRUE(d.is_classification());
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d.x, rows({{1, 3, 5, 7}, {2, 4, 6, 8}}));
  EXPECT_EQ(d.y, rows({{0, 0, 0, 1}, {0, 1, 0, 0}, {1, 0, 1, 0}}));
}

TEST(LoadCsvDataset, FromTextIsTheFilesDatasetAndNamesLineAndColumn) {
  // What the playground does with an upload: the same rules as a file, named by `source`.
  const std::string text = "x1,x2,y\n1,2,b\n3,4,a\n5,6,b\n";
  TempFile file(text);
  const Dataset from_file = load_csv_dataset(file.path(), classify("y"));
  const Dataset from_text = csv_dataset_from_text(text, "upload.csv", classify("y"));
  EXPECT_EQ(from_text.source, "upload.csv");
  EXPECT_EQ(from_text.x, from_file.x);
  EXPECT_EQ(from_text.y, from_file.y);
  EXPECT_EQ(from_text.class_names, from_file.class_names);
  EXPECT_EQ(from_text.feature_names, from_file.feature_names);
  try {
    csv_dataset_from_text("a,b,label\n1,2,x\n3,oops,y\n", "bad.csv", classify("label"));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bad.csv:3:2 (column 'b'): expected a finite number, found 'oops'");
  }
}

TEST(LoadCsvDataset, IntegerLabelsOfTheSameValueAreOneClass) {
  TempFile file("x,y\n1,01\n2,1\n3,+2\n4, 2\n");
  const Dataset d = load_csv_dataset(file.path(), classify("y"));
  EXPECT_THAT(d.class_names, ElementsAre("1", "2"));
  EXPECT_THAT(d.labels, ElementsAre(0, 0, 1, 1));
}

TEST(LoadCsvDataset, StringLabelsSortLexicographicallyAndAreTrimmed) {
  TempFile file("y,x\nsetosa,1\n\" virginica \",2\nversicolor,3\nsetosa,4\n");
  const Dataset d = load_csv_dataset(file.path(), classify("y"));
  EXPECT_THAT(d.class_names, ElementsAre("setosa", "versicolor", "virginica"));
  EXPECT_THAT(d.labels, ElementsAre(0, 2, 1, 0));
  EXPECT_THAT(d.feature_names, ElementsAre("x"));
  EXPECT_EQ(d.x, rows({{1, 2, 3, 4}}));
}

TEST(LoadCsvDataset, MixedLabelsAreStrings) {
  // One non-integer label makes every label a string: "10" < "2" < "2.5" byte-wise.
  TempFile file("x,y\n1,2\n2,10\n3,2.5\n");
  const Dataset d = load_csv_dataset(file.path(), classify("y"));
  EXPECT_THAT(d.class_names, ElementsAre("10", "2", "2.5"));
  EXPECT_THAT(d.labels, ElementsAre(1, 0, 2));
}

TEST(LoadCsvDataset, OneHotAndBinaryEncodings) {
  TempFile file("x,y\n1,no\n2,yes\n3,yes\n");
  const Dataset one_hot = load_csv_dataset(file.path(), classify("y"));
  EXPECT_EQ(one_hot.y, rows({{1, 0, 0}, {0, 1, 1}}));
  EXPECT_THAT(one_hot.target_names, ElementsAre("no", "yes"));

  const Dataset binary = load_csv_dataset(file.path(), classify("y", TargetEncoding::binary));
  EXPECT_EQ(binary.y, rows({{0, 1, 1}}));
  EXPECT_THAT(binary.class_names, ElementsAre("no", "yes"));
  EXPECT_THAT(binary.target_names, ElementsAre("yes"));  // the row says "is class_names[1]"

  Dataset reencoded = binary;
  encode_targets(reencoded, TargetEncoding::one_hot);
  EXPECT_EQ(reencoded.y, one_hot.y);
  EXPECT_EQ(reencoded.target_names, one_hot.target_names);
}

TEST(LoadCsvDataset, BinaryEncodingNeedsExactlyTwoClasses) {
  TempFile file("x,y\n1,a\n2,b\n3,c\n");
  const auto load = [&] { load_csv_dataset(file.path(), classify("y", TargetEncoding::binary)); };
  EXPECT_EQ(kind_of(load), Error::Kind::usage);
  EXPECT_THAT(error_of(load), HasSubstr("binary target encoding needs exactly 2 classes, found 3"));

  Dataset spirals = make_spirals(30, 3);
  EXPECT_EQ(kind_of([&] { encode_targets(spirals, TargetEncoding::binary); }), Error::Kind::usage);
}

TEST(LoadCsvDataset, FeatureSubsetInTheGivenOrder) {
  TempFile file("x1,x2,x3,y\n1,2,3,0\n4,5,6,1\n");
  CsvDatasetOptions options = classify("y");
  options.features = {"x3", "x1"};
  const Dataset d = load_csv_dataset(file.path(), options);
  EXPECT_THAT(d.feature_names, ElementsAre("x3", "x1"));
  EXPECT_EQ(d.x, rows({{3, 6}, {1, 4}}));
}

TEST(LoadCsvDataset, TargetNeedNotBeTheLastColumn) {
  TempFile file("a,y,b\n1,0,2\n3,1,4\n");
  const Dataset d = load_csv_dataset(file.path(), classify("y"));
  EXPECT_THAT(d.feature_names, ElementsAre("a", "b"));
  EXPECT_EQ(d.x, rows({{1, 3}, {2, 4}}));
}

TEST(LoadCsvDataset, NumericTargets) {
  TempFile file("t2,x1,t1,x2\n0.5,1,-2,3\n1e-3,4,7,6\n");
  CsvDatasetOptions options;
  options.targets = {"t1", "t2"};
  const Dataset d = load_csv_dataset(file.path(), options);
  EXPECT_FALSE(d.is_classification());
  EXPECT_TRUE(d.class_names.empty());
  EXPECT_TRUE(d.labels.empty());
  EXPECT_THAT(d.feature_names, ElementsAre("x1", "x2"));
  EXPECT_THAT(d.target_names, ElementsAre("t1", "t2"));
  EXPECT_EQ(d.x, rows({{1, 4}, {3, 6}}));
  EXPECT_EQ(d.y, rows({{-2, 7}, {0.5, 1e-3}}));
}

// Numeric targets alone: y = the targets in the order given, x = every other column in file order;
// a bad cell is a data error at file:line:column (what `backprop trace --data --targets` reads).
TEST(LoadCsvDataset, NumericTargetsAloneTakeEveryOtherColumnAsInputs) {
  TempFile file("x1,y,x2\r\n0,1,2\r\n3,4,5\r\n");
  CsvDatasetOptions options;
  options.targets = {"y"};
  const Dataset d = load_csv_dataset(file.path(), options);
  EXPECT_EQ(d.x, rows({{0, 3}, {2, 5}}));
  EXPECT_EQ(d.y, rows({{1, 4}}));

  TempFile bad("x1,x2,y\n0,zero,0\n");
  const auto cell = [&] { load_csv_dataset(bad.path(), options); };
  EXPECT_EQ(kind_of(cell), Error::Kind::data);
  EXPECT_THAT(error_of(cell),
              HasSubstr(bad.path() + ":2:2 (column 'x2'): expected a finite number, found 'zero'"));

  options.targets = {"y", "y"};
  const auto twice = [&] { load_csv_dataset(file.path(), options); };
  EXPECT_EQ(kind_of(twice), Error::Kind::usage);
  EXPECT_THAT(error_of(twice), HasSubstr("target column 'y' is listed twice"));

  options.targets = {"x1", "y", "x2"};
  const auto no_inputs = [&] { load_csv_dataset(file.path(), options); };
  EXPECT_EQ(kind_of(no_inputs), Error::Kind::usage);
  EXPECT_THAT(error_of(no_inputs), HasSubstr("no feature columns: every column (x1, y, x2)"));
}

// load_csv_inputs selects columns by load_csv_dataset's rule; its names come from a model file,
// so an unknown or repeated one is a data error (listing the file's columns).
TEST(LoadCsvInputs, SameColumnRuleAsLoadCsvDatasetWithDataErrors) {
  TempFile file("t2,x1,t1,x2\n0.5,1,-2,3\n1e-3,4,7,6\n");
  CsvDatasetOptions options;
  options.targets = {"t1", "t2"};
  std::vector<std::string> used;
  // every column but the excluded ones; an excluded name the file lacks is no error
  EXPECT_EQ(load_csv_inputs(file.path(), {}, {"t1", "t2", "t3"}, &used),
            load_csv_dataset(file.path(), options).x);
  EXPECT_THAT(used, ElementsAre("x1", "x2"));
  EXPECT_EQ(load_csv_inputs(file.path(), {"x2", "t1"}, {"t1"}, &used), rows({{3, 6}, {-2, 7}}));
  EXPECT_THAT(used, ElementsAre("x2", "t1"));

  const auto unknown = [&] { load_csv_inputs(file.path(), {"x1", "x3"}, {}); };
  EXPECT_EQ(kind_of(unknown), Error::Kind::data);
  EXPECT_EQ(error_of(unknown), file.path() + ": no column 'x3' (columns: t2, x1, t1, x2)");
  const auto twice = [&] { load_csv_inputs(file.path(), {"x1", "x1"}, {}); };
  EXPECT_EQ(kind_of(twice), Error::Kind::data);
  EXPECT_THAT(error_of(twice), HasSubstr("column 'x1' is listed twice"));
  const auto none = [&] { load_csv_inputs(file.path(), {}, {"t2", "x1", "t1", "x2"}); };
  EXPECT_EQ(kind_of(none), Error::Kind::data);
  EXPECT_THAT(error_of(none), HasSubstr("no input columns"));
}

TEST(LoadCsvDataset, UnknownColumnsAreUsageErrorsListingTheColumns) {
  TempFile file("a,b,y\n1,2,0\n3,4,1\n");
  const std::string columns = "(columns: a, b, y)";
  const auto target = [&] { load_csv_dataset(file.path(), classify("label")); };
  EXPECT_EQ(kind_of(target), Error::Kind::usage);
  EXPECT_THAT(error_of(target), HasSubstr("no target column 'label' " + columns));

  CsvDatasetOptions numeric;
  numeric.targets = {"y", "z"};
  const auto targets = [&] { load_csv_dataset(file.path(), numeric); };
  EXPECT_EQ(kind_of(targets), Error::Kind::usage);
  EXPECT_THAT(error_of(targets), HasSubstr("no target column 'z' " + columns));

  CsvDatasetOptions features = classify("y");
  features.features = {"a", "c"};
  const auto feature = [&] { load_csv_dataset(file.path(), features); };
  EXPECT_EQ(kind_of(feature), Error::Kind::usage);
  EXPECT_THAT(error_of(feature), HasSubstr("no feature column 'c' " + columns));
}

TEST(LoadCsvDataset, OptionConflictsAreUsageErrors) {
  TempFile file("a,b,y\n1,2,0\n3,4,1\n");
  CsvDatasetOptions both = classify("y");
  both.features = {"a", "y"};
  const auto feature_is_target = [&] { load_csv_dataset(file.path(), both); };
  EXPECT_EQ(kind_of(feature_is_target), Error::Kind::usage);
  EXPECT_THAT(error_of(feature_is_target), HasSubstr("column 'y' is both a feature and a target"));

  CsvDatasetOptions neither;
  EXPECT_EQ(kind_of([&] { load_csv_dataset(file.path(), neither); }), Error::Kind::usage);
  CsvDatasetOptions two = classify("y");
  two.targets = {"a"};
  EXPECT_EQ(kind_of([&] { load_csv_dataset(file.path(), two); }), Error::Kind::usage);
}

TEST(LoadCsvDataset, OneClassIsAnError) {
  TempFile file("x,y\n1,3\n2,3\n");
  const auto load = [&] { load_csv_dataset(file.path(), classify("y")); };
  EXPECT_EQ(kind_of(load), Error::Kind::data);
  EXPECT_EQ(error_of(load), file.path() +
                                ": target column 'y' has only one class ('3'); classification "
                                "needs at least two");
}

TEST(LoadCsvDataset, KnownClassNamesMapLabels) {
  // A prediction file may hold only some classes, in any order: the model's classes decide.
  TempFile file("x,y\n1,b\n2,b\n");
  CsvDatasetOptions options = classify("y");
  options.class_names = {"c", "b", "a"};
  const Dataset d = load_csv_dataset(file.path(), options);
  EXPECT_THAT(d.class_names, ElementsAre("c", "b", "a"));
  EXPECT_THAT(d.labels, ElementsAre(1, 1));
  EXPECT_EQ(d.y, rows({{0, 0}, {1, 1}, {0, 0}}));
}

TEST(LoadCsvDataset, UnseenClassNamesFileLineAndColumn) {
  TempFile file("x1,x2,y\n1,2,0\n\n3,4,2\n");
  CsvDatasetOptions options = classify("y");
  options.class_names = {"0", "1"};
  const auto load = [&] { load_csv_dataset(file.path(), options); };
  EXPECT_EQ(kind_of(load), Error::Kind::data);
  EXPECT_EQ(error_of(load),
            file.path() + ":4:3 (column 'y'): unknown class '2' (known classes: '0', '1')");
}

TEST(LoadCsvDataset, EmptyLabelIsAnError) {
  TempFile file("x,y\n1,a\n2,\"\"\n");
  EXPECT_EQ(error_of([&] { load_csv_dataset(file.path(), classify("y")); }),
            file.path() + ":3:2 (column 'y'): expected a class label, found an empty cell");
}

TEST(LoadCsvDataset, NonNumericFeatureNamesFileLineAndColumn) {
  TempFile file("x1,x2,y\n1,2,a\n3,abc,b\n");
  const auto load = [&] { load_csv_dataset(file.path(), classify("y")); };
  EXPECT_EQ(kind_of(load), Error::Kind::data);
  EXPECT_THAT(error_of(load), HasSubstr(file.path() + ":3:2 (column 'x2')"));
}

TEST(LoadCsvDataset, CrlfAndByteOrderMark) {
  TempFile file("\xEF\xBB\xBFx1,x2,label\r\n0.5,1,cat\r\n-1,2,dog\r\n");
  const Dataset d = load_csv_dataset(file.path(), classify("label"));
  EXPECT_THAT(d.feature_names, ElementsAre("x1", "x2"));
  EXPECT_THAT(d.class_names, ElementsAre("cat", "dog"));
  EXPECT_THAT(d.labels, ElementsAre(0, 1));
  EXPECT_EQ(d.x, rows({{0.5, -1}, {1, 2}}));
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

void expect_circle_matches_numpy(const std::string& key, int n, double noise, std::uint32_t seed) {
  SCOPED_TRACE(key);
  const nlohmann::json golden = test::load_golden("datasets.json").at(key);
  const Dataset d = make_circle(n, noise, seed);
  const Matrix<double> x = test::matrix_from_rows(golden.at("x"));
  const Matrix<double> y = test::matrix_from_rows(golden.at("y"));
  ASSERT_EQ(d.x.rows(), 2);
  ASSERT_EQ(d.x.cols(), n);
  ASSERT_EQ(x.cols(), n);
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < n; ++j) EXPECT_EQ(d.x(i, j), x(i, j)) << i << "," << j;
  for (Eigen::Index j = 0; j < n; ++j)
    EXPECT_EQ(d.labels[static_cast<std::size_t>(j)], static_cast<int>(y(0, j))) << j;
  Dataset binary = d;
  encode_targets(binary, TargetEncoding::binary);
  EXPECT_EQ(binary.y, y);
}

TEST(Generators, CircleMatchesTheLessonsNumPyCodeExactly) {
  expect_circle_matches_numpy("circle_200_0.1_seed42", 200, 0.1, 42);
  expect_circle_matches_numpy("circle_50_0.3_seed7", 50, 0.3, 7);
}

TEST(Generators, CircleDefaultsAndClassBalance) {
  const Dataset d = make_circle();
  EXPECT_EQ(d.size(), 200u);
  EXPECT_THAT(d.class_names, ElementsAre("0", "1"));
  EXPECT_THAT(d.feature_names, ElementsAre("x1", "x2"));
  EXPECT_EQ(d.y.rows(), 2);
  // P(x1² + x2² < 0.5) for N(0, 0.7²) points is 1 - exp(-0.5 / 0.98) ≈ 0.40.
  const std::vector<int> counts = class_counts(d);
  EXPECT_EQ(counts[0] + counts[1], 200);
  EXPECT_GE(counts[1], 60);
  EXPECT_LE(counts[1], 100);
  // Class "1" is inside: its mean radius is smaller.
  double inside = 0, outside = 0;
  for (std::size_t j = 0; j < d.size(); ++j) {
    const double r = d.x.col(static_cast<Eigen::Index>(j)).norm();
    (d.labels[j] ? inside : outside) += r / counts[static_cast<std::size_t>(d.labels[j])];
  }
  EXPECT_LT(inside, outside);
}

// Samples as columns from a golden entry: x, and labels (exact for blobs, `tol` for sin/cos).
void expect_matches_golden(const Dataset& d, const std::string& key, double tol) {
  SCOPED_TRACE(key);
  const nlohmann::json golden = test::load_golden("datasets.json").at(key);
  const Matrix<double> x = test::matrix_from_rows(golden.at("x"));
  EXPECT_TRUE(test::near(d.x, x, tol));
  EXPECT_EQ(d.labels, golden.at("labels").get<std::vector<int>>());
}

TEST(Generators, MoonsBlobsSpiralsFollowTheirNumPyOriginals) {
  // Libm's sin/cos may differ from NumPy's by an ulp; blobs use no transcendental functions
  // beyond the generator's own, so they match exactly.
  expect_matches_golden(make_moons(60, 0.1, 3), "moons_60_0.1_seed3", 1e-14);
  expect_matches_golden(make_blobs(40, 3, 1.5, 5), "blobs_40_3_1.5_seed5", 0.0);
  expect_matches_golden(make_spirals(30, 3, 0.2, 1), "spirals_30_3_0.2_seed1", 1e-14);
}

TEST(Generators, Xor) {
  const Dataset d = make_xor();
  EXPECT_EQ(d.x, rows({{0, 0, 1, 1}, {0, 1, 0, 1}}));
  EXPECT_THAT(d.labels, ElementsAre(0, 1, 1, 0));
  EXPECT_THAT(d.class_names, ElementsAre("0", "1"));
  EXPECT_EQ(d.y, rows({{1, 0, 0, 1}, {0, 1, 1, 0}}));
}

TEST(Generators, ShapesAndClassCounts) {
  const Dataset moons = make_moons();
  EXPECT_EQ(moons.x.rows(), 2);
  EXPECT_EQ(moons.size(), 200u);
  EXPECT_THAT(class_counts(moons), ElementsAre(100, 100));
  EXPECT_THAT(class_counts(make_moons(7)), ElementsAre(3, 4));

  const Dataset spirals = make_spirals();
  EXPECT_EQ(spirals.size(), 300u);
  EXPECT_EQ(spirals.y.rows(), 3);
  EXPECT_THAT(class_counts(spirals), ElementsAre(100, 100, 100));
  EXPECT_THAT(class_counts(make_spirals(302, 4)), ElementsAre(76, 76, 75, 75));
  EXPECT_THAT(make_spirals(302, 4).class_names, ElementsAre("0", "1", "2", "3"));

  const Dataset blobs = make_blobs();
  EXPECT_EQ(blobs.size(), 300u);
  EXPECT_THAT(class_counts(blobs), ElementsAre(100, 100, 100));
  EXPECT_THAT(class_counts(make_blobs(10, 5)), ElementsAre(2, 2, 2, 2, 2));

  for (const Dataset* d : {&moons, &spirals, &blobs}) {
    EXPECT_EQ(d->y.cols(), d->x.cols());
    EXPECT_EQ(d->y.colwise().sum(), Matrix<double>::Ones(1, d->x.cols()));  // one-hot
    EXPECT_TRUE(d->x.allFinite());
  }
}

TEST(Generators, DeterministicPerSeedAndDifferentAcrossSeeds) {
  EXPECT_EQ(make_circle(100, 0.1, 1).x, make_circle(100, 0.1, 1).x);
  EXPECT_NE(make_circle(100, 0.1, 1).x, make_circle(100, 0.1, 2).x);
  EXPECT_EQ(make_moons(100, 0.1, 1).x, make_moons(100, 0.1, 1).x);
  EXPECT_EQ(make_moons(100, 0.1, 1).labels, make_moons(100, 0.1, 1).labels);
  EXPECT_NE(make_moons(100, 0.1, 1).x, make_moons(100, 0.1, 2).x);
  EXPECT_EQ(make_spirals(90, 3, 0.2, 1).x, make_spirals(90, 3, 0.2, 1).x);
  EXPECT_NE(make_spirals(90, 3, 0.2, 1).x, make_spirals(90, 3, 0.2, 2).x);
  EXPECT_EQ(make_blobs(90, 3, 1.0, 1).x, make_blobs(90, 3, 1.0, 1).x);
  EXPECT_NE(make_blobs(90, 3, 1.0, 1).x, make_blobs(90, 3, 1.0, 2).x);
}

TEST(Generators, InvalidArgumentsAreUsageErrors) {
  EXPECT_EQ(kind_of([] { make_circle(0); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { make_circle(10, -0.1); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { make_moons(1); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { make_spirals(10, 1); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { make_spirals(2, 3); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { make_blobs(10, 3, std::nan("")); }), Error::Kind::usage);
}

TEST(MakeDataset, ByNameWithDefaults) {
  EXPECT_THAT(dataset_names(), ElementsAre("xor", "circle", "moons", "spirals", "blobs"));
  EXPECT_EQ(make_dataset("circle", 0, -1, 42).x, make_circle().x);
  EXPECT_EQ(make_dataset("circle", 50, 0.3, 7).x, make_circle(50, 0.3, 7).x);
  EXPECT_EQ(make_dataset("moons", -1, -1, 42).x, make_moons().x);
  EXPECT_EQ(make_dataset("spirals", 0, -1, 42).x, make_spirals().x);
  EXPECT_EQ(make_dataset("blobs", 60, 0.5, 3).x, make_blobs(60, 3, 0.5, 3).x);
  EXPECT_EQ(make_dataset("xor", 0, -1, 42).x, make_xor().x);
  EXPECT_EQ(make_dataset("xor", 4, 0, 42).x, make_xor().x);
  EXPECT_THAT(make_dataset("circle", 0, -1, 42).source, HasSubstr("circle"));
}

TEST(MakeDataset, UnknownNameAndXorSizeAreUsageErrors) {
  const auto unknown = [] { make_dataset("mooons", 0, -1, 42); };
  EXPECT_EQ(kind_of(unknown), Error::Kind::usage);
  EXPECT_EQ(error_of(unknown),
            "unknown dataset 'mooons' (datasets: xor, circle, moons, spirals, blobs)");
  EXPECT_EQ(kind_of([] { make_dataset("xor", 100, -1, 42); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { make_dataset("xor", 0, 0.1, 42); }), Error::Kind::usage);
}

// ---------------------------------------------------------------------------------------------
// Subsets and splits
// ---------------------------------------------------------------------------------------------

// Classification data whose x(0, j) is j, so each sample can be traced through a split.
Dataset traced(const std::vector<int>& labels, int classes) {
  Dataset d;
  d.source = "traced";
  d.x.resize(1, static_cast<Eigen::Index>(labels.size()));
  for (Eigen::Index j = 0; j < d.x.cols(); ++j) d.x(0, j) = static_cast<double>(j);
  d.feature_names = {"index"};
  for (int k = 0; k < classes; ++k) d.class_names.push_back("c" + std::to_string(k));
  d.labels = labels;
  encode_targets(d, TargetEncoding::one_hot);
  return d;
}

std::vector<std::size_t> sample_ids(const Dataset& d) {
  std::vector<std::size_t> ids;
  for (Eigen::Index j = 0; j < d.x.cols(); ++j) ids.push_back(static_cast<std::size_t>(d.x(0, j)));
  return ids;
}

TEST(Subset, ColumnsInTheGivenOrderKeepingNames) {
  const Dataset d = traced({0, 1, 1, 0, 1}, 2);
  const Dataset s = subset(d, {4, 0, 4});
  EXPECT_EQ(sample_ids(s), (std::vector<std::size_t>{4, 0, 4}));
  EXPECT_THAT(s.labels, ElementsAre(1, 0, 1));
  EXPECT_EQ(s.y, rows({{0, 1, 0}, {1, 0, 1}}));
  EXPECT_EQ(s.class_names, d.class_names);
  EXPECT_EQ(s.feature_names, d.feature_names);
  EXPECT_EQ(s.target_names, d.target_names);
  EXPECT_EQ(kind_of([&] { subset(d, {5}); }), Error::Kind::usage);
}

TEST(Split, StratifiedDisjointCoveringAndOrdered) {
  std::vector<int> labels;
  for (int j = 0; j < 150; ++j) labels.push_back(j % 3 == 2 ? 1 : 0);  // 100 of class 0, 50 of 1
  const Dataset d = traced(labels, 2);
  const auto [train, test] = split(d, 0.2, 42);
  EXPECT_THAT(class_counts(test), ElementsAre(20, 10));
  EXPECT_THAT(class_counts(train), ElementsAre(80, 40));

  const std::vector<std::size_t> a = sample_ids(train);
  const std::vector<std::size_t> b = sample_ids(test);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  std::set<std::size_t> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 150u);  // disjoint (no id twice) and covering (every id once)
  for (std::size_t i = 0; i < b.size(); ++i) EXPECT_EQ(test.labels[i], labels[b[i]]);
  EXPECT_EQ(train.class_names, d.class_names);
}

TEST(Split, SmallClassesKeepOneOnEachSide) {
  // Class 1 has 3 samples: round(0.1 · 3) = 0, raised to 1; class 2 has a single sample, which
  // stays in the first set; class 0: round(0.1 · 20) = 2.
  std::vector<int> labels(20, 0);
  labels.insert(labels.end(), {1, 1, 1, 2});
  const auto [train, test] = split(traced(labels, 3), 0.1, 1);
  EXPECT_THAT(class_counts(test), ElementsAre(2, 1, 0));
  EXPECT_THAT(class_counts(train), ElementsAre(18, 2, 1));
  // ... and never every sample of a class.
  const auto [train2, test2] = split(traced({0, 0, 1, 1}, 2), 0.9, 1);
  EXPECT_THAT(class_counts(test2), ElementsAre(1, 1));
}

TEST(Split, DeterministicPerSeed) {
  const Dataset d = make_circle(200);
  EXPECT_EQ(split(d, 0.25, 7).second.x, split(d, 0.25, 7).second.x);
  EXPECT_NE(split(d, 0.25, 7).second.x, split(d, 0.25, 8).second.x);
}

TEST(Split, RegressionIsAPlainRandomSplit) {
  Dataset d;
  d.source = "regression";
  d.x.resize(1, 10);
  d.y.resize(1, 10);
  for (Eigen::Index j = 0; j < 10; ++j) {
    d.x(0, j) = static_cast<double>(j);
    d.y(0, j) = 2.0 * static_cast<double>(j);
  }
  d.feature_names = {"index"};
  d.target_names = {"twice"};
  const auto [train, test] = split(d, 0.3, 3);
  EXPECT_EQ(test.size(), 3u);
  EXPECT_EQ(train.size(), 7u);
  EXPECT_EQ(test.y, 2.0 * test.x);
  EXPECT_EQ(train.target_names, d.target_names);
  const std::vector<std::size_t> a = sample_ids(train);
  const std::vector<std::size_t> b = sample_ids(test);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  std::set<std::size_t> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 10u);

  EXPECT_EQ(kind_of([&] { split(d, 0.01, 3); }), Error::Kind::usage);  // nothing split off
  EXPECT_EQ(kind_of([&] { split(d, 0.99, 3); }), Error::Kind::usage);  // nothing left
}

TEST(Split, EmptySideOrBadFractionIsAUsageError) {
  const Dataset singletons = traced({0, 1, 2}, 3);
  const auto empty = [&] { split(singletons, 0.3, 1); };
  EXPECT_EQ(kind_of(empty), Error::Kind::usage);
  EXPECT_THAT(error_of(empty), HasSubstr("leaves the second set empty"));
  const Dataset d = make_xor();
  for (const double fraction : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    EXPECT_EQ(kind_of([&] { split(d, fraction, 1); }), Error::Kind::usage) << fraction;
  }
}

// ---------------------------------------------------------------------------------------------
// Standardizer
// ---------------------------------------------------------------------------------------------

TEST(Standardizer, ZeroMeanUnitStdAfterApply) {
  Matrix<double> x = make_blobs(200, 3, 2.0, 9).x;
  x.row(1) = x.row(1) * 1000.0 + Matrix<double>::Constant(1, x.cols(), 5e4);
  const Standardizer s = Standardizer::fit(x);
  EXPECT_FALSE(s.empty());
  ASSERT_EQ(s.mean.size(), 2);
  s.apply(x);
  for (Eigen::Index i = 0; i < 2; ++i) {
    const double mean = x.row(i).mean();
    const double variance = (x.row(i).array() - mean).square().mean();
    EXPECT_NEAR(mean, 0.0, 1e-12);
    EXPECT_NEAR(variance, 1.0, 1e-12);
  }
}

TEST(Standardizer, PopulationStd) {
  const Standardizer s = Standardizer::fit(rows({{1, 3}}));
  EXPECT_EQ(s.mean(0), 2.0);
  EXPECT_EQ(s.scale(0), 1.0);  // ddof 0: sqrt(((1-2)² + (3-2)²) / 2)
}

TEST(Standardizer, ConstantColumnIsCentredNotScaled) {
  // 0.1 · 3 / 3 is not exactly 0.1 in doubles: the constant must still become exactly 0.
  Matrix<double> x = rows({{0.1, 0.1, 0.1}, {1, 2, 3}});
  const Standardizer s = Standardizer::fit(x);
  EXPECT_EQ(s.mean(0), 0.1);
  EXPECT_EQ(s.scale(0), 1.0);
  s.apply(x);
  EXPECT_EQ(x.row(0), Matrix<double>::Zero(1, 3));
  EXPECT_TRUE(x.allFinite());

  Matrix<double> later = rows({{0.6}, {2}});  // new data: same transform, no refit
  s.apply(later);
  EXPECT_NEAR(later(0, 0), 0.5, 1e-15);
  EXPECT_EQ(later(1, 0), 0.0);
}

TEST(Standardizer, MismatchAndMisuseAreErrors) {
  const Standardizer s = Standardizer::fit(rows({{1, 2}, {3, 4}}));
  Matrix<double> three = Matrix<double>::Zero(3, 5);
  EXPECT_THAT(error_of([&] { s.apply(three); }),
              HasSubstr("fitted on 2 features, but the data has 3"));
  Standardizer empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(kind_of([&] { empty.apply(three); }), Error::Kind::usage);
  EXPECT_EQ(kind_of([] { Standardizer::fit(Matrix<double>(2, 0)); }), Error::Kind::usage);
}

// ---------------------------------------------------------------------------------------------
// CSV export
// ---------------------------------------------------------------------------------------------

TEST(WriteCsv, ClassificationRoundTripIsExact) {
  const Dataset d = make_moons(100, 0.3, 5);
  TempFile file;
  write_csv(d, file.path());
  const Dataset back = load_csv_dataset(file.path(), classify("label"));
  EXPECT_EQ(back.x, d.x);  // bit-exact: shortest round-trip numbers
  EXPECT_EQ(back.labels, d.labels);
  EXPECT_EQ(back.class_names, d.class_names);
  EXPECT_EQ(back.feature_names, d.feature_names);
  EXPECT_EQ(back.y, d.y);
  std::ifstream in(file.path());
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "x1,x2,label");
}

TEST(WriteCsv, NumericTargetsAndAwkwardValuesRoundTrip) {
  Dataset d;
  d.source = "awkward";
  d.x = rows({{0.1, -0.0, 1e-300, 5e-324}, {1e20, -1.5, 123456789.125, 1.0 / 3.0}});
  d.y = rows({{std::numeric_limits<double>::max(), -2, 0, 2.5e-8}});
  d.feature_names = {"a, quoted", "b\"q"};
  d.target_names = {"t"};
  TempFile file;
  write_csv(d, file.path());
  CsvDatasetOptions options;
  options.targets = {"t"};
  const Dataset back = load_csv_dataset(file.path(), options);
  EXPECT_EQ(back.feature_names, d.feature_names);
  EXPECT_EQ(back.x, d.x);
  EXPECT_EQ(back.y, d.y);
  EXPECT_TRUE(std::signbit(back.x(0, 1)));
}

TEST(WriteCsv, StringClassNamesRoundTrip) {
  Dataset d = traced({0, 1, 2, 1}, 3);
  d.class_names = {"a,b", "plain", "say \"hi\""};
  TempFile file;
  write_csv(d, file.path());
  const Dataset back = load_csv_dataset(file.path(), classify("label"));
  EXPECT_EQ(back.class_names, d.class_names);  // already sorted
  EXPECT_EQ(back.labels, d.labels);
}

TEST(WriteCsv, UnreadableOutputIsRefused) {
  Dataset d = make_xor();
  d.feature_names = {"label", "x2"};
  TempFile file;
  EXPECT_EQ(kind_of([&] { write_csv(d, file.path()); }), Error::Kind::usage);
  EXPECT_FALSE(std::filesystem::exists(file.path()));
  d.feature_names = {"x1", "x2"};
  d.x(0, 0) = std::nan("");
  EXPECT_THAT(error_of([&] { write_csv(d, file.path()); }), HasSubstr("non-finite"));
}

}  // namespace
}  // namespace backprop
