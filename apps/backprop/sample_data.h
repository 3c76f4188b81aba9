// sample_data.h — the samples that `trace`, `gradcheck` and `graph` work on: given as flags
// (--x 1,0 --y 1, repeated for more) or read from a CSV file (--data d.csv --targets y), one
// column per sample; and the lesson's worked examples by name.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "backprop/network.h"
#include "backprop/teach/lesson.h"

namespace backprop::cli {

struct DataOptions {
  std::vector<std::string> x, y;
  std::string data_file;
  std::string targets;
};

// --x, --y, --data, --targets.
void add_data_options(CLI::App* cmd, DataOptions& d);
bool has_data(const DataOptions& d);
// (x, y) with samples as columns; usage Errors name the flag.
std::pair<Matrix<double>, Matrix<double>> load_data(const DataOptions& d);
// The samples fit the network: a usage Error for --x/--y (flag values), a data Error for a file.
void check_data_fits(const Network<double>& net, const Matrix<double>& x, const Matrix<double>& y,
                     const DataOptions& d);
// The lesson's examples, checked by name before anything else.
LessonExample example(const std::string& name);

}  // namespace backprop::cli
