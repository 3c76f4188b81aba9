// cli_util.h — small pieces shared by the commands: parsing flag values, checking paths, naming
// choices, renamed flags.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "backprop/io/model_file.h"
#include "backprop/tensor.h"

namespace backprop {
class Communicator;
}

namespace backprop::cli {

// The processes of the MPI job this run is part of (main() sets it; distributed.h), or null when
// it runs alone. Rank 0 prints and writes files; the others train in silence.
Communicator* communicator();
void set_communicator(Communicator* communicator);
// Whether this process prints and writes files: it runs alone, or it is rank 0.
bool speaks();

// --n, --noise, --data-seed: how a built-in data set is generated; `of` names it in the help
// ("--dataset", "a built-in data set"). -1 for n or noise means the generator's default.
void add_generator_options(CLI::App* cmd, int& n, double& noise, unsigned& seed,
                           const std::string& of);

std::vector<std::string> split(const std::string& text, char separator);
// "1,0" -> {1, 0}; a usage Error naming `flag` for anything that is not a finite number.
std::vector<double> parse_numbers(const std::string& text, const std::string& flag);
// Several samples given as repeated flags (--x 1,0 --x 0,1): one column each.
Matrix<double> samples_from_flags(const std::vector<std::string>& texts, const std::string& flag);
// One layer size: a whole number in 1..1000000, nothing else in the text; nullopt otherwise.
std::optional<int> parse_size(const std::string& text);
// "4" -> {4}; "16,8" -> {16, 8}; "" or "none" -> {} (no hidden layer).
std::vector<int> parse_hidden(const std::string& text, const std::string& flag = "--hidden");
// A non-empty list of names separated by commas; a usage Error for an empty name.
std::vector<std::string> parse_names(const std::string& text, const std::string& flag);
// A usage Error "--lr: expected a positive learning rate, found nan" unless 0 < lr < inf.
void check_learning_rate(double lr, const std::string& flag = "--lr");

// ---- names and choices --------------------------------------------------------------------------

// "a, b, c"
std::string join(const std::vector<std::string>& names);
// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
std::size_t edit_distance(const std::string& a, const std::string& b);
// The candidate closest to `given` if it is close enough to be a typo of it (at most one edit per
// three characters, at least one), else "".
std::string closest_name(const std::string& given, const std::vector<std::string>& candidates);
// A usage Error unless `value` is one of `choices`, naming the flag, the choices and the closest:
//   --dataset: unknown dataset 'moon' (did you mean 'moons'? expected one of: xor, circle, ...)
// `flag` may be empty (a positional argument).
void check_choice(const std::string& value, const std::vector<std::string>& choices,
                  const std::string& flag, const std::string& what);

// ---- output paths -------------------------------------------------------------------------------

// An output file can be written: its directory exists, it is not a directory, and it is none of
// the `inputs` (unless `force`). Checked before any work is done, so nothing is lost.
void check_output_path(const std::string& path, const std::string& flag,
                       const std::vector<std::string>& inputs, bool force);
// An output directory (plot --out, sweep --out, train --plot) exists and can be written into
// afterwards: it is created when missing, one level only, so a mistyped parent is still a usage
// Error naming the path:
//   --out: cannot create directory 'ou/figs': its parent 'ou' does not exist
// Call it before any work, so a long run does not fail at its end.
void ensure_output_directory(const std::string& dir, const std::string& flag);

// ---- renamed flags ------------------------------------------------------------------------------

// Prints "backprop: note: OLD is deprecated; use NEW" on standard error.
void print_deprecation_note(const std::string& old_name, const std::string& new_name);
// The --help section that lists old spellings ("Deprecated:"); never suggested for a typo.
inline constexpr const char* kDeprecatedGroup = "Deprecated";

// Keeps an old spelling of a renamed option working: `old_name` sets the same `variable` as
// `new_name`, prints one line on standard error,
//   backprop: note: --init is deprecated; use --weight-init
// and is listed under "Deprecated:" in --help. Register `new_name` first (not ->required()):
// giving both is a usage error. T is any type CLI11 converts (std::string, double, int, unsigned,
// std::optional<double>, ...); for bool the alias is a flag. Usage:
//   cmd->add_option("--weight-init", o.init, "Initialisation")->capture_default_str();
//   deprecated_alias(cmd, "--init", "--weight-init", o.init);          // an option
//   cmd->add_flag("--no-shuffle", o.no_shuffle, "Keep the file order");
//   deprecated_alias(cmd, "--noshuffle", "--no-shuffle", o.no_shuffle);  // a flag
template <typename T>
CLI::Option* deprecated_alias(CLI::App* cmd, const std::string& old_name,
                              const std::string& new_name, T& variable) {
  const CLI::Option* current = cmd->get_option_no_throw(new_name);
  const auto note = [current, old_name, new_name] {
    if (current && current->count() > 0)
      throw CLI::ExcludesError(old_name + " is the old name of " + new_name + "; give only one",
                               CLI::ExitCodes::ExcludesError);
    print_deprecation_note(old_name, new_name);
  };
  CLI::Option* alias = nullptr;
  if constexpr (std::is_same_v<T, bool>) {
    alias = cmd->add_flag_callback(old_name, [&variable, note] {
      note();
      variable = true;
    });
  } else {
    alias = cmd->add_option_function<T>(old_name, [&variable, note](const T& value) {
      note();
      variable = value;
    });
  }
  return alias->description("Old name of " + new_name)->group(kDeprecatedGroup);
}

// The same for an old positional argument (`train moons` for `train --dataset moons`): it sets
// `variable` and prints "backprop: note: NAME as an argument is deprecated; use NEW NAME".
template <typename T>
CLI::Option* deprecated_positional(CLI::App* cmd, const std::string& name,
                                   const std::string& new_name, T& variable) {
  return cmd
      ->add_option_function<T>(name,
                               [&variable, new_name](const T& value) {
                                 print_deprecation_note("a data set named without " + new_name,
                                                        new_name + " " + value);
                                 variable = value;
                               })
      ->description("Old form of " + new_name)
      ->group(kDeprecatedGroup);
}

// ---- models -------------------------------------------------------------------------------------

// x <- (x - mean) / scale with the model's standardisation (train --standardize); false, and x
// unchanged, when the model has none. A data Error when x has not one row per model input.
bool apply_model_scaling(const ModelInfo& info, Matrix<double>& x);
// The one line that says so.
inline constexpr const char* kScalingNote =
    "inputs standardised with the model's scaling: x <- (x - mean) / scale";

// A JSON string literal of `s`.
std::string json_string(const std::string& s);

// Whether standard error is a terminal (for progress lines).
bool stderr_is_terminal();

}  // namespace backprop::cli
