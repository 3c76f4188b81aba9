// csv_dataset.cpp — labelled data sets from CSV files, and back.
#include "backprop/data/csv_dataset.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <utility>

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

// Which columns of a table to read, by name: the one selection rule of load_csv_dataset and
// load_csv_inputs (and so of every reader built on them). `role` and `others` only word the
// messages ("feature" columns, excluded because each is "a target").
struct ColumnSelection {
  const CsvTable& table;
  // Of the errors about names: usage when they are the caller's options, data when they come
  // from a model file (CsvTable::column_index's data Errors are for names in the file itself).
  Error::Kind kind;

  // The columns `names`, in their order. An unknown name (the message lists the file's columns),
  // a name given twice, or one of the columns `taken` is an error.
  std::vector<std::size_t> named(const std::vector<std::string>& names, const std::string& role,
                                 const std::vector<std::size_t>& taken = {},
                                 const std::string& others = "") const {
    const std::string what = role.empty() ? "column" : role + " column";
    std::vector<std::size_t> columns;
    for (const std::string& name : expand(names, role)) {
      const std::size_t column = index(name);
      if (column == table.header.size()) {
        throw Error(
            table.source + ": no " + what + " '" + name + "' (columns: " + join(table.header) + ")",
            kind);
      }
      if (contains(taken, column)) {
        throw Error(table.source + ": column '" + name + "' is both a " + role + " and " + others,
                    kind);
      }
      if (contains(columns, column)) {
        throw Error(table.source + ": " + what + " '" + name + "' is listed twice", kind);
      }
      columns.push_back(column);
    }
    return columns;
  }

  // "Every other column": the columns not `taken`, in file order; none left is an error of the
  // names that took them all.
  std::vector<std::size_t> all_except(const std::vector<std::size_t>& taken,
                                      const std::string& role, const std::string& others) const {
    std::vector<std::size_t> columns;
    for (std::size_t c = 0; c < table.header.size(); ++c)
      if (!contains(taken, c)) columns.push_back(c);
    if (columns.empty()) {
      throw Error(table.source + ": no " + role + " columns: every column (" + join(table.header) +
                      ") is " + others,
                  kind);
    }
    return columns;
  }

  // The columns of those `names` that the table has; the others are not an error (a model's
  // target columns need not be in a file to predict on).
  std::vector<std::size_t> present(const std::vector<std::string>& names) const {
    std::vector<std::size_t> columns;
    for (const std::string& name : names) {
      const std::size_t column = index(name);
      if (column < table.header.size()) columns.push_back(column);
    }
    return columns;
  }

  // The caller's names with their patterns spelled out (a name that is a column is itself):
  //   PREFIX*     every column whose name starts with PREFIX, in file order
  //   pA..pB      pA, p(A+1), ..., pB: a common prefix p and whole numbers A <= B ("y0..y18";
  //               the second prefix may be left out: "y0..18")
  // A pattern that matches nothing is an error of the option it came from (kind usage:
  // CsvDatasetOptions.targets or .features), listing the file's columns. Names from a model file
  // (kind data) are never patterns.
  std::vector<std::string> expand(const std::vector<std::string>& names,
                                  const std::string& role) const {
    if (kind != Error::Kind::usage) return names;
    std::vector<std::string> out;
    const std::string field =
        role == "target" ? "CsvDatasetOptions.targets" : "CsvDatasetOptions.features";
    const auto fail = [&](const std::string& detail) {
      return Error(field, table.source + ": " + detail + " (columns: " + join(table.header) + ")",
                   Error::Kind::usage);
    };
    for (const std::string& name : names) {
      const std::size_t dots = name.find("..");
      if (index(name) < table.header.size() ||
          (name.empty() || (name.back() != '*' && dots == std::string::npos))) {
        out.push_back(name);
      } else if (name.back() == '*') {
        const std::string prefix = name.substr(0, name.size() - 1);
        const std::size_t before = out.size();
        for (const std::string& column : table.header)
          if (column.compare(0, prefix.size(), prefix) == 0) out.push_back(column);
        if (out.size() == before)
          throw fail("'" + name + "' matches no column (no column name starts with '" + prefix +
                     "')");
      } else {
        // pA..pB: split each side into its prefix and trailing digits.
        const auto split_number = [](const std::string& s) {
          std::size_t i = s.size();
          while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
          return std::make_pair(s.substr(0, i), s.substr(i));
        };
        const auto [prefix, first] = split_number(name.substr(0, dots));
        auto [prefix2, last] = split_number(name.substr(dots + 2));
        if (prefix2.empty()) prefix2 = prefix;
        if (first.empty() || last.empty() || prefix2 != prefix || first.size() > 9 ||
            last.size() > 9 || std::stol(first) > std::stol(last))
          throw fail("'" + name +
                     "' is not a range: expected a prefix and two whole numbers, the first not "
                     "above the second, as y0..y18");
        for (long k = std::stol(first); k <= std::stol(last); ++k) {
          const std::string column = prefix + std::to_string(k);
          if (index(column) == table.header.size())
            throw fail("the range '" + name + "' names the column '" + column +
                       "', which the file does not have");
          out.push_back(column);
        }
      }
    }
    return out;
  }

 private:
  // header.size() when there is no such column (header names are unique: read_csv checks)
  std::size_t index(const std::string& name) const {
    return static_cast<std::size_t>(std::find(table.header.begin(), table.header.end(), name) -
                                    table.header.begin());
  }
  static bool contains(const std::vector<std::size_t>& columns, std::size_t column) {
    return std::find(columns.begin(), columns.end(), column) != columns.end();
  }
};

// The labels of `cells` among the classes of a trained model: text matches first; an integer
// label also matches an integer class name of the same value ("01" is class "1"), as the model's
// own loading did. `where(row)` names a cell in messages.
template <typename Where>
std::vector<int> labels_in_classes(const std::vector<std::string>& cells,
                                   const std::vector<std::string>& classes, const std::string& path,
                                   const Where& where) {
  std::unordered_map<std::string, int> by_text;
  std::map<long long, int> by_value;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    if (!by_text.emplace(classes[k], static_cast<int>(k)).second)
      throw usage_error(path + ": class name '" + classes[k] + "' is given twice");
    long long value = 0;
    if (parse_integer(classes[k], value)) by_value.emplace(value, static_cast<int>(k));
  }
  std::vector<int> labels(cells.size());
  for (std::size_t r = 0; r < cells.size(); ++r) {
    const auto text = by_text.find(cells[r]);
    if (text != by_text.end()) {
      labels[r] = text->second;
      continue;
    }
    long long value = 0;
    const auto numeric = parse_integer(cells[r], value) ? by_value.find(value) : by_value.end();
    if (numeric == by_value.end())
      throw Error(where(r) + "unknown class '" + cells[r] +
                  "' (known classes: " + quoted_list(classes) + ")");
    labels[r] = numeric->second;
  }
  return labels;
}

// The distinct labels of `cells` as classes — ordered numerically when every label is an integer,
// by bytes (code points) otherwise: scikit-learn's sorted unique labels — and each cell's class.
std::pair<std::vector<std::string>, std::vector<int>> classes_of(
    const std::vector<std::string>& cells) {
  std::vector<std::string> classes;
  std::vector<int> labels(cells.size());
  std::vector<long long> values(cells.size());
  bool all_integers = true;
  for (std::size_t r = 0; r < cells.size() && all_integers; ++r)
    all_integers = parse_integer(cells[r], values[r]);
  if (all_integers) {
    const std::set<long long> distinct(values.begin(), values.end());
    for (const long long value : distinct) classes.push_back(std::to_string(value));
    for (std::size_t r = 0; r < cells.size(); ++r)
      labels[r] = static_cast<int>(std::distance(distinct.begin(), distinct.find(values[r])));
  } else {
    const std::set<std::string> distinct(cells.begin(), cells.end());
    classes.assign(distinct.begin(), distinct.end());
    for (std::size_t r = 0; r < cells.size(); ++r)
      labels[r] = static_cast<int>(std::distance(distinct.begin(), distinct.find(cells[r])));
  }
  return {classes, labels};
}

// load_csv_dataset's work on a table `read` gives (a file's or an upload's).
Dataset dataset_from_table(const std::string& path, const CsvDatasetOptions& options,
                           const std::function<CsvTable()>& read) {
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
  const CsvTable table = read();
  // Target columns first, so that "every other column" can exclude them.
  const ColumnSelection select{table, Error::Kind::usage};
  const std::vector<std::size_t> target_columns =
      select.named(classify ? std::vector<std::string>{options.target} : options.targets, "target");
  const std::vector<std::size_t> feature_columns =
      options.features.empty()
          ? select.all_except(target_columns, "feature", "a target")
          : select.named(options.features, "feature", target_columns, "a target");

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

  if (!options.class_names.empty()) {
    d.labels = labels_in_classes(cells, options.class_names, path, where);
    d.class_names = options.class_names;
  } else {
    std::tie(d.class_names, d.labels) = classes_of(cells);
    if (d.class_names.size() < 2) {
      throw Error(path + ": target column '" + column_name + "' has only one class ('" +
                  d.class_names[0] + "'); classification needs at least two");
    }
  }
  encode_targets(d, options.encoding);
  return d;
}
}  // namespace

Dataset load_csv_dataset(const std::string& path, const CsvDatasetOptions& options) {
  return dataset_from_table(path, options, [&path] { return read_csv(path); });
}

Dataset csv_dataset_from_text(std::string_view text, const std::string& source,
                              const CsvDatasetOptions& options) {
  return dataset_from_table(source, options, [&] { return parse_csv_text(text, source); });
}

std::string dataset_to_csv(const Dataset& d) {
  const std::string& path = d.source;  // names the data in messages
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
  return out;
}

void write_csv(const Dataset& d, const std::string& path) {
  write_file_atomically(path, dataset_to_csv(d));
}

Matrix<double> load_csv_inputs(const std::string& path, const std::vector<std::string>& features,
                               const std::vector<std::string>& exclude,
                               std::vector<std::string>* names_out) {
  const CsvTable table = read_csv(path);
  // The names come from a model file, not the caller's flags: a missing one is a data error.
  const ColumnSelection select{table, Error::Kind::data};
  const std::vector<std::size_t> columns =
      features.empty() ? select.all_except(select.present(exclude), "input", "excluded")
                       : select.named(features, "");
  std::vector<std::string> names;
  for (const std::size_t column : columns) names.push_back(table.header[column]);
  if (names_out != nullptr) *names_out = names;
  return numeric_columns(table, columns);
}

}  // namespace backprop
