#include "sample_data.h"

#include <fmt/format.h>

#include "backprop/data/csv_dataset.h"
#include "backprop/error.h"
#include "cli_util.h"

namespace backprop::cli {

namespace bp = backprop;

void add_data_options(CLI::App* cmd, DataOptions& d) {
  cmd->add_option("--x", d.x, "One input sample as comma-separated numbers (repeat for more)");
  cmd->add_option("--y", d.y, "Its target as comma-separated numbers (repeat, one per --x)");
  cmd->add_option("--data", d.data_file, "CSV file with a header row, one row per sample");
  cmd->add_option("--targets", d.targets,
                  "Comma-separated target columns of --data; the other columns are the inputs");
}

bool has_data(const DataOptions& d) { return !d.x.empty() || !d.data_file.empty(); }

std::pair<bp::Matrix<double>, bp::Matrix<double>> load_data(const DataOptions& d) {
  if (!d.data_file.empty()) {
    if (!d.x.empty() || !d.y.empty())
      throw bp::usage_error("--data: give either --data or --x/--y, not both");
    if (d.targets.empty())
      throw bp::usage_error("--data: also give --targets, the target column(s), e.g. --targets y");
    bp::CsvDatasetOptions csv;
    csv.targets = split(d.targets, ',');  // the inputs: every other column, in file order
    try {
      bp::Dataset data = bp::load_csv_dataset(d.data_file, csv);
      return {std::move(data.x), std::move(data.y)};
    } catch (const bp::Error& e) {
      if (e.kind() != bp::Error::Kind::usage) throw;  // bad cells: file:line:column, exit 1
      throw bp::usage_error(std::string("--targets: ") + e.what());
    }
  }
  if (d.x.empty()) throw bp::usage_error("--x: give at least one input sample (or --data)");
  if (d.y.size() != d.x.size())
    throw bp::usage_error("--y: expected one target per --x (" + std::to_string(d.x.size()) +
                          "), found " + std::to_string(d.y.size()));
  return {samples_from_flags(d.x, "--x"), samples_from_flags(d.y, "--y")};
}

void check_data_fits(const bp::Network<double>& net, const bp::Matrix<double>& x,
                     const bp::Matrix<double>& y, const DataOptions& d) {
  const auto error = [&d](const std::string& flag, const std::string& message) {
    return d.data_file.empty() ? bp::usage_error(flag + ": " + message)
                               : bp::Error(d.data_file + ": " + message);
  };
  if (x.rows() != net.inputs())
    throw error("--x",
                fmt::format("the data has {} input value{} per sample, the network expects {}",
                            x.rows(), x.rows() == 1 ? "" : "s", net.inputs()));
  if (y.rows() != net.outputs())
    throw error("--y", fmt::format("the data has {} target value{} per sample, the network has {} "
                                   "output{}",
                                   y.rows(), y.rows() == 1 ? "" : "s", net.outputs(),
                                   net.outputs() == 1 ? "" : "s"));
}

bp::LessonExample example(const std::string& name) {
  check_choice(name, bp::lesson_example_names(), "--example", "example");
  return bp::lesson_example(name);
}

}  // namespace backprop::cli
