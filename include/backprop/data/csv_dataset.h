// csv_dataset.h — labelled data sets from CSV files (see csv.h for the accepted format), and
// data sets written back as CSV.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/dataset.h"

namespace backprop {

struct CsvDatasetOptions {
  std::string target;                 // class-label column (integers or strings), or empty
  std::vector<std::string> targets;   // numeric target columns used as given, or empty
                                      // (exactly one of target/targets must be given)
  std::vector<std::string> features;  // input columns; empty = every other column, in file order
  // targets and features may hold patterns besides names: "y*" (every column whose name starts
  // with y, in file order) and "y0..y18" (y0, y1, ..., y18); one that matches no column is a
  // usage Error of CsvDatasetOptions.targets / .features listing the file's columns.
  TargetEncoding encoding = TargetEncoding::one_hot;
  // When non-empty (from a trained model): labels map to these classes, in this order; a label
  // not among them is an Error naming file:line:column, the label and the known classes.
  std::vector<std::string> class_names;
};

// Loads a CSV file (see csv.h for the accepted format) as a dataset.
//
// Columns: the targets, then the features by name, or with no feature names every other column
// in file order. So numeric `targets` alone give x = every non-target column and y = the targets
// in the order given (what `backprop trace --data F --targets a,b` reads).
// Class labels are the cell text, trimmed. Without options.class_names the classes are the
// distinct labels, ordered numerically if every label is an integer (then "01" and "1" are the
// same class, named "1") and lexicographically otherwise — scikit-learn's sorted unique labels —
// and at least two classes are required. Unknown column names, a feature that is also a target,
// or not exactly one of target/targets are usage Errors; bad cells are data Errors naming
// file:line:column.
Dataset load_csv_dataset(const std::string& path, const CsvDatasetOptions& options);
// The same from CSV text already in memory (an upload); `source` names it in messages.
Dataset csv_dataset_from_text(std::string_view text, const std::string& source,
                              const CsvDatasetOptions& options);

// CSV export: a header of the feature names then "label" (class names) — or the numeric target
// names —, one row per sample, numbers in shortest round-trip form, so load_csv_dataset reads the
// same values back bit for bit. Written with write_file_atomically. Names that could not be read
// back (empty, duplicate, a feature called "label") and non-finite values are Errors.
void write_csv(const Dataset& d, const std::string& path);
// The same CSV text, for standard output or a caller's own file.
std::string dataset_to_csv(const Dataset& d);

// The input columns of a CSV file, for prediction: the named columns in the given order, or,
// with no names, every column except those in `exclude` (names the file lacks are ignored). The
// same column selection as load_csv_dataset's, but an unknown or repeated name is a data Error
// (the names come from a model file), naming the file and listing its columns. `names_out`, if
// given, receives the columns used.
Matrix<double> load_csv_inputs(const std::string& path, const std::vector<std::string>& features,
                               const std::vector<std::string>& exclude,
                               std::vector<std::string>* names_out = nullptr);

}  // namespace backprop
