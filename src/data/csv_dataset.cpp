// csv_dataset.cpp — labelled data sets from CSV files, and back.
#include "backprop/data/csv_dataset.h"

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
#include "backprop/io/files.h"
#include "text.h"

namespace backprop {
namespace {

using text::join;
using text::number_text;
using text::quoted_list;
using text::trimmed;

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
