// cli_util.h — small pieces shared by the commands: parsing flag values, checking paths.
#pragma once

#include <string>
#include <vector>

#include "backprop/tensor.h"

namespace CLI {
class App;
}

namespace backprop::cli {

// --n, --noise, --data-seed: how a built-in data set is generated; `of` names it in the help
// ("--dataset", "a built-in data set"). -1 for n or noise means the generator's default.
void add_generator_options(CLI::App* cmd, int& n, double& noise, unsigned& seed,
                           const std::string& of);

std::vector<std::string> split(const std::string& text, char separator);
// "1,0" -> {1, 0}; a usage Error naming `flag` for anything that is not a finite number.
std::vector<double> parse_numbers(const std::string& text, const std::string& flag);
// Several samples given as repeated flags (--x 1,0 --x 0,1): one column each.
Matrix<double> samples_from_flags(const std::vector<std::string>& texts, const std::string& flag);
// "4" -> {4}; "16,8" -> {16, 8}; "" or "none" -> {} (no hidden layer).
std::vector<int> parse_hidden(const std::string& text, const std::string& flag = "--hidden");
// A non-empty list of names separated by commas; a usage Error for an empty name.
std::vector<std::string> parse_names(const std::string& text, const std::string& flag);

// An output file can be written: its directory exists, it is not a directory, and it is none of
// the `inputs` (unless `force`). Checked before any work is done, so nothing is lost.
void check_output_path(const std::string& path, const std::string& flag,
                       const std::vector<std::string>& inputs, bool force);

// A JSON string literal of `s`.
std::string json_string(const std::string& s);

// Whether standard error is a terminal (for progress lines).
bool stderr_is_terminal();

}  // namespace backprop::cli

// ---- (temporary, replaced by the shared helpers on merge)
#include <CLI/CLI.hpp>
namespace backprop::cli {
void ensure_output_directory(const std::string& dir, const std::string& flag);
template <typename T>
void deprecated_alias(CLI::App* cmd, const std::string& old_name, const std::string& new_name,
                      T& variable) {
  cmd->add_option(old_name, variable, "Deprecated spelling of " + new_name)
      ->group("")
      ->each([old_name, new_name](const std::string&) {
        std::fprintf(stderr, "backprop: note: %s is deprecated; use %s\n", old_name.c_str(),
                     new_name.c_str());
      });
}
template <typename T>
void deprecated_positional(CLI::App* cmd, const std::string& name, const std::string& new_name,
                           T& variable) {
  cmd->add_option(name, variable, "Deprecated: use " + new_name)
      ->group("")
      ->each([new_name](const std::string& v) {
        std::fprintf(stderr, "backprop: note: a data set named without %s is deprecated; use %s %s\n",
                     new_name.c_str(), new_name.c_str(), v.c_str());
      });
}
}  // namespace backprop::cli
