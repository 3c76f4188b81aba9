// dataset.cpp — datasets: CSV loading, seeded generators, splits, standardisation, CSV export.
//
// The generators reproduce their NumPy / scikit-learn originals draw for draw through
// backprop::Random (NumPy's legacy generator): matrices are filled in NumPy's row-major draw
// order and shuffles use NumPy's legacy Fisher–Yates, so tests can compare against NumPy output.

#include "backprop/data/dataset.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "backprop/data/csv.h"
#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/random.h"

namespace backprop {
namespace {

constexpr double kPi = 3.141592653589793;  // np.pi

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out;
}

// Shortest text that reads back to the same double ("0.1", "1e-05", "-0").
std::string number_text(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

std::string trimmed(const std::string& s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && blank(s[begin])) ++begin;
  while (end > begin && blank(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

// An optional sign followed by decimal digits only, within long long; "1.0" and "1e3" are not
// integers (scikit-learn would not treat them as integer labels either).
bool parse_integer(const std::string& text, long long& value) {
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return false;
  for (const char c : digits)
    if (c < '0' || c > '9') return false;
  unsigned long long magnitude = 0;
  const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  if (result.ec != std::errc()) return false;
  constexpr auto kMax = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return false;
  value = negative ? static_cast<long long>(0ULL - magnitude) : static_cast<long long>(magnitude);
  return true;
}

// NumPy's legacy RandomState.shuffle of a 1-d array: Fisher–Yates from the end, with
// random_interval(i) choosing the partner of position i.
void numpy_shuffle(std::vector<std::size_t>& values, Random& random) {
  for (std::size_t i = values.size(); i-- > 1;) {
    const auto j = static_cast<std::size_t>(random.interval(i));
    std::swap(values[i], values[j]);
  }
}

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
  numpy_shuffle(indices, random);
  Matrix<double> shuffled_x(x.rows(), x.cols());
  std::vector<int> shuffled_labels(labels.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    shuffled_x.col(static_cast<Eigen::Index>(i)) = x.col(static_cast<Eigen::Index>(indices[i]));
    shuffled_labels[i] = labels[indices[i]];
  }
  x = std::move(shuffled_x);
  labels = std::move(shuffled_labels);
}

// A CSV field, quoted when the reader would otherwise split, trim or skip it.
std::string csv_field(const std::string& text) {
  const bool needs_quotes = text.empty() || text.find_first_of(",\"\r\n") != std::string::npos ||
                            text.front() == ' ' || text.front() == '\t' || text.back() == ' ' ||
                            text.back() == '\t';
  if (!needs_quotes) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

struct ColumnLookup {
  const CsvTable& table;
  std::size_t index(const std::string& name, const char* role) const {
    for (std::size_t i = 0; i < table.header.size(); ++i)
      if (table.header[i] == name) return i;
    // A usage error, unlike CsvTable::column_index: the name comes from the caller's options.
    throw usage_error(table.source + ": no " + role + " column '" + name +
                      "' (columns: " + join(table.header) + ")");
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// CSV files
// ---------------------------------------------------------------------------------------------

Dataset load_csv_dataset(const std::string& path, const CsvDatasetOptions& options) {
  const bool classify = !options.target.empty();
  if (classify == !options.targets.empty()) {
    throw usage_error(path +
                      ": give exactly one of a class-label target column or numeric "
                      "target columns" +
                      (classify ? std::string(" (got both)") : std::string(" (got neither)")));
  }
  if (!classify && !options.class_names.empty()) {
    throw usage_error(path + ": class names were given but the targets are numeric columns");
  }
  const CsvTable table = read_csv(path);
  const ColumnLookup lookup{table};

  // Target columns first, so that "every other column" can exclude them.
  std::vector<std::size_t> target_columns;
  if (classify) {
    target_columns.push_back(lookup.index(options.target, "target"));
  } else {
    for (const std::string& name : options.targets) {
      const std::size_t column = lookup.index(name, "target");
      if (std::find(target_columns.begin(), target_columns.end(), column) != target_columns.end()) {
        throw usage_error(path + ": target column '" + name + "' is listed twice");
      }
      target_columns.push_back(column);
    }
  }
  const auto is_target = [&](std::size_t column) {
    return std::find(target_columns.begin(), target_columns.end(), column) != target_columns.end();
  };

  std::vector<std::size_t> feature_columns;
  if (options.features.empty()) {
    for (std::size_t i = 0; i < table.header.size(); ++i)
      if (!is_target(i)) feature_columns.push_back(i);
    if (feature_columns.empty()) {
      throw Error(path + ": no feature columns: every column (" + join(table.header) +
                  ") is a target");
    }
  } else {
    for (const std::string& name : options.features) {
      const std::size_t column = lookup.index(name, "feature");
      if (is_target(column)) {
        throw usage_error(path + ": column '" + name + "' is both a feature and a target");
      }
      if (std::find(feature_columns.begin(), feature_columns.end(), column) !=
          feature_columns.end()) {
        throw usage_error(path + ": feature column '" + name + "' is listed twice");
      }
      feature_columns.push_back(column);
    }
  }

  Dataset d;
  d.source = path;
  d.x = numeric_columns(table, feature_columns);
  for (const std::size_t column : feature_columns) d.feature_names.push_back(table.header[column]);

  if (!classify) {
    d.y = numeric_columns(table, target_columns);
    for (const std::size_t column : target_columns) d.target_names.push_back(table.header[column]);
    return d;
  }

  // Class labels: trimmed text of the target column.
  const std::size_t column = target_columns[0];
  const std::string& column_name = table.header[column];
  const auto where = [&](std::size_t row) {
    return path + ":" + std::to_string(table.line_numbers[row]) + ":" + std::to_string(column + 1) +
           " (column '" + column_name + "'): ";
  };
  std::vector<std::string> cells(table.rows.size());
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    cells[r] = trimmed(table.rows[r][column]);
    if (cells[r].empty()) throw Error(where(r) + "expected a class label, found an empty cell");
  }

  d.labels.resize(cells.size());
  if (!options.class_names.empty()) {
    // Labels from a trained model: text matches first; an integer label also matches an integer
    // class name of the same value ("01" is class "1"), as the model's own loading did.
    std::unordered_map<std::string, int> by_text;
    std::map<long long, int> by_value;
    for (std::size_t k = 0; k < options.class_names.size(); ++k) {
      const std::string& name = options.class_names[k];
      if (!by_text.emplace(name, static_cast<int>(k)).second) {
        throw usage_error(path + ": class name '" + name + "' is given twice");
      }
      long long value = 0;
      if (parse_integer(name, value)) by_value.emplace(value, static_cast<int>(k));
    }
    for (std::size_t r = 0; r < cells.size(); ++r) {
      const auto text = by_text.find(cells[r]);
      if (text != by_text.end()) {
        d.labels[r] = text->second;
        continue;
      }
      long long value = 0;
      const auto numeric = parse_integer(cells[r], value) ? by_value.find(value) : by_value.end();
      if (numeric == by_value.end()) {
        throw Error(where(r) + "unknown class '" + cells[r] +
                    "' (known classes: " + quoted_list(options.class_names) + ")");
      }
      d.labels[r] = numeric->second;
    }
    d.class_names = options.class_names;
  } else {
    std::vector<long long> values(cells.size());
    bool all_integers = true;
    for (std::size_t r = 0; r < cells.size() && all_integers; ++r)
      all_integers = parse_integer(cells[r], values[r]);
    if (all_integers) {
      const std::set<long long> distinct(values.begin(), values.end());
      for (const long long value : distinct) d.class_names.push_back(std::to_string(value));
      for (std::size_t r = 0; r < cells.size(); ++r) {
        d.labels[r] = static_cast<int>(std::distance(distinct.begin(), distinct.find(values[r])));
      }
    } else {
      const std::set<std::string> distinct(cells.begin(), cells.end());  // byte order = code points
      d.class_names.assign(distinct.begin(), distinct.end());
      for (std::size_t r = 0; r < cells.size(); ++r) {
        d.labels[r] = static_cast<int>(std::distance(distinct.begin(), distinct.find(cells[r])));
      }
    }
    if (d.class_names.size() < 2) {
      throw Error(path + ": target column '" + column_name + "' has only one class ('" +
                  d.class_names[0] + "'); classification needs at least two");
    }
  }
  encode_targets(d, options.encoding);
  return d;
}

void write_csv(const Dataset& d, const std::string& path) {
  const auto n = static_cast<Eigen::Index>(d.size());
  if (static_cast<std::size_t>(d.x.rows()) != d.feature_names.size()) {
    throw usage_error(d.source + ": " + std::to_string(d.feature_names.size()) +
                      " feature names for " + std::to_string(d.x.rows()) + " features");
  }
  std::vector<std::string> header = d.feature_names;
  if (d.is_classification()) {
    if (d.labels.size() != d.size()) {
      throw usage_error(d.source + ": " + std::to_string(d.labels.size()) + " labels for " +
                        std::to_string(d.size()) + " samples");
    }
    header.push_back("label");
  } else {
    if (d.y.cols() != n || static_cast<std::size_t>(d.y.rows()) != d.target_names.size()) {
      throw usage_error(d.source + ": targets of shape " + std::to_string(d.y.rows()) + "x" +
                        std::to_string(d.y.cols()) + " with " +
                        std::to_string(d.target_names.size()) + " names for " + std::to_string(n) +
                        " samples");
    }
    header.insert(header.end(), d.target_names.begin(), d.target_names.end());
  }
  // The file must read back: the CSV reader trims names and rejects empty or repeated ones.
  std::set<std::string> seen;
  for (const std::string& name : header) {
    const std::string key = trimmed(name);
    if (key.empty() || !seen.insert(key).second) {
      throw usage_error(path + ": cannot write column name '" + name + "' (" +
                        (key.empty() ? "empty" : "used twice") + " in " + join(header) + ")");
    }
  }

  std::string out;
  for (std::size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + csv_field(header[i]);
  out += '\n';
  const auto cell = [&](double v, const std::string& name, Eigen::Index j) {
    if (!std::isfinite(v)) {
      throw Error(path + ": cannot write non-finite value " + number_text(v) + " (column '" + name +
                  "', sample " + std::to_string(j) + ")");
    }
    return number_text(v);
  };
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < d.x.rows(); ++i) {
      out += (i ? "," : "") + cell(d.x(i, j), d.feature_names[static_cast<std::size_t>(i)], j);
    }
    if (d.is_classification()) {
      const int label = d.labels[static_cast<std::size_t>(j)];
      if (label < 0 || static_cast<std::size_t>(label) >= d.class_names.size()) {
        throw usage_error(d.source + ": class index " + std::to_string(label) + " of sample " +
                          std::to_string(j) + " is out of range");
      }
      out += "," + csv_field(d.class_names[static_cast<std::size_t>(label)]);
    } else {
      for (Eigen::Index i = 0; i < d.y.rows(); ++i) {
        out += "," + cell(d.y(i, j), d.target_names[static_cast<std::size_t>(i)], j);
      }
    }
    out += '\n';
  }
  write_file_atomically(path, out);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Subsets and splits
// ---------------------------------------------------------------------------------------------

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
    numpy_shuffle(group, random);
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

// ---------------------------------------------------------------------------------------------
// Standardisation
// ---------------------------------------------------------------------------------------------

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

namespace backprop {

Matrix<double> load_csv_inputs(const std::string& path, const std::vector<std::string>& features,
                               const std::vector<std::string>& exclude,
                               std::vector<std::string>* names_out) {
  const CsvTable table = read_csv(path);
  std::vector<std::size_t> columns;
  std::vector<std::string> names;
  if (!features.empty()) {
    for (const std::string& name : features) {
      columns.push_back(table.column_index(name));
      names.push_back(name);
    }
  } else {
    for (std::size_t c = 0; c < table.header.size(); ++c) {
      if (std::find(exclude.begin(), exclude.end(), table.header[c]) != exclude.end()) continue;
      columns.push_back(c);
      names.push_back(table.header[c]);
    }
    if (columns.empty()) throw Error(path + ": no input columns");
  }
  if (names_out != nullptr) *names_out = names;
  return numeric_columns(table, columns);
}

}  // namespace backprop
