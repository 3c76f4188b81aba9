#include "cli_util.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "backprop/data/csv.h"
#include "backprop/data/dataset.h"
#include "backprop/data/scaling.h"
#include "backprop/distributed.h"
#include "backprop/error.h"

namespace backprop::cli {

namespace {
Communicator* the_communicator = nullptr;
}
Communicator* communicator() { return the_communicator; }
void set_communicator(Communicator* communicator) { the_communicator = communicator; }
bool speaks() { return the_communicator == nullptr || the_communicator->rank() == 0; }

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

std::vector<double> parse_numbers(const std::string& text, const std::string& flag) {
  std::vector<double> values;
  for (const std::string& cell : split(text, ',')) {
    try {
      values.push_back(parse_number(cell, flag, 0, values.size() + 1, ""));
    } catch (const Error&) {
      throw usage_error(flag + ": expected comma-separated finite numbers like 1,0, found '" +
                        text + "' (entry " + std::to_string(values.size() + 1) + " is '" + cell +
                        "')");
    }
  }
  return values;
}

Matrix<double> samples_from_flags(const std::vector<std::string>& texts, const std::string& flag) {
  std::vector<std::vector<double>> columns;
  for (const std::string& t : texts) columns.push_back(parse_numbers(t, flag));
  Matrix<double> m(static_cast<Eigen::Index>(columns.front().size()),
                   static_cast<Eigen::Index>(columns.size()));
  for (std::size_t j = 0; j < columns.size(); ++j) {
    if (columns[j].size() != columns.front().size())
      throw usage_error(flag + ": every sample needs " + std::to_string(columns.front().size()) +
                        " values (as the first), '" + texts[j] + "' has " +
                        std::to_string(columns[j].size()));
    for (std::size_t i = 0; i < columns[j].size(); ++i)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = columns[j][i];
  }
  return m;
}

std::optional<int> parse_size(const std::string& text) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (text.empty() || used != text.size() || value <= 0 || value > 1000000) return std::nullopt;
  return static_cast<int>(value);
}

std::vector<int> parse_hidden(const std::string& text, const std::string& flag) {
  std::vector<int> sizes;
  if (text.empty() || text == "none" || text == "0") return sizes;
  for (const std::string& part : split(text, ',')) {
    const std::optional<int> size = parse_size(part);
    if (!size)
      throw usage_error(flag + ": expected hidden layer sizes like 4 or 16,8 (positive, " +
                        "comma-separated; 'none' for no hidden layer), found '" + text + "'");
    sizes.push_back(*size);
  }
  return sizes;
}

std::vector<std::string> parse_names(const std::string& text, const std::string& flag) {
  std::vector<std::string> names = split(text, ',');
  for (const std::string& name : names)
    if (name.empty())
      throw usage_error(flag + ": expected comma-separated column names, found '" + text + "'");
  return names;
}

void check_learning_rate(double lr, const std::string& flag) {
  if (!(std::isfinite(lr) && lr > 0))
    throw usage_error(fmt::format("{}: expected a positive learning rate, found {}", flag, lr));
}

std::string join(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

// Optimal string alignment distance (Levenshtein plus swaps of neighbours, as in "trian").
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

namespace {
// "--epochs" -> "epochs": flags are compared by their names.
std::string without_dashes(const std::string& s) {
  const std::size_t start = s.find_first_not_of('-');
  return start == std::string::npos ? s : s.substr(start);
}
}  // namespace

std::string closest_name(const std::string& given, const std::vector<std::string>& candidates) {
  const std::string bare = without_dashes(given);
  const std::size_t allowed = std::max<std::size_t>(1, bare.size() / 3);
  std::string best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& c : candidates) {
    const std::size_t distance = edit_distance(bare, without_dashes(c));
    if (distance < best_distance) {
      best = c;
      best_distance = distance;
    }
  }
  return best;
}

void check_choice(const std::string& value, const std::vector<std::string>& choices,
                  const std::string& flag, const std::string& what) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  const std::string closest = closest_name(value, choices);
  throw usage_error(fmt::format(
      "{}unknown {} '{}' ({}expected one of: {})", flag.empty() ? "" : flag + ": ", what, value,
      closest.empty() ? "" : "did you mean '" + closest + "'? ", join(choices)));
}

void check_output_path(const std::string& path, const std::string& flag,
                       const std::vector<std::string>& inputs, bool force) {
  namespace fs = std::filesystem;
  if (path.empty()) throw usage_error(flag + ": expected a file name, found an empty one");
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw usage_error(flag + ": cannot write '" + path + "': directory '" + dir.string() +
                      "' does not exist");
  if (fs::is_directory(p, ec))
    throw usage_error(flag + ": cannot write '" + path + "': it is a directory");
  if (::access(dir.c_str(), W_OK) != 0)
    throw usage_error(flag + ": cannot write '" + path + "': " + std::strerror(errno));
  if (force || !fs::exists(p, ec)) return;
  for (const std::string& input : inputs) {
    if (!input.empty() && fs::exists(input, ec) && fs::equivalent(p, input, ec))
      throw usage_error(flag + ": '" + path + "' is also an input of this command; refusing to " +
                        "overwrite it (use --force to allow)");
  }
}

void ensure_output_directory(const std::string& dir, const std::string& flag) {
  namespace fs = std::filesystem;
  if (dir.empty()) throw usage_error(flag + ": expected a directory, found an empty name");
  const fs::path p(dir);
  std::error_code ec;
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) throw usage_error(flag + ": '" + dir + "' is not a directory");
    if (::access(p.c_str(), W_OK) != 0)
      throw usage_error(flag + ": cannot write into '" + dir + "': " + std::strerror(errno));
    return;
  }
  // "out/" names the directory "out": its parent is the parent of "out".
  fs::path parent = p.has_filename() ? p.parent_path() : p.parent_path().parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec))
    throw usage_error(flag + ": cannot create directory '" + dir + "': its parent '" +
                      parent.string() + "' does not exist");
  if (!fs::create_directory(p, ec) && ec)
    throw usage_error(flag + ": cannot create directory '" + dir + "': " + ec.message());
}

void print_deprecation_note(const std::string& old_name, const std::string& new_name) {
  std::fprintf(stderr, "backprop: note: %s is deprecated; use %s\n", old_name.c_str(),
               new_name.c_str());
}

bool apply_model_scaling(const ModelInfo& info, Matrix<double>& x) {
  if (info.input_mean.size() == 0) return false;
  Standardizer{info.input_mean, info.input_scale}.apply(x);
  return true;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
      out += escaped;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

namespace {
// A CLI11 check that a number given to a flag satisfies `ok`: "--n: expected WHAT, found -5".
CLI::Validator number_check(bool (*ok)(double), const std::string& what) {
  return CLI::Validator(
      [ok, what](std::string& text) {
        double value = 0;
        if (CLI::detail::lexical_cast(text, value) && ok(value)) return std::string();
        return "expected " + what + ", found " + text;
      },
      "", what);
}
}  // namespace

void add_generator_options(CLI::App* cmd, int& n, double& noise, unsigned& seed,
                           const std::string& of) {
  // The generators' own defaults, as make_dataset documents them (data/dataset.h).
  cmd->add_option(
         "--n", n,
         "Samples of " + of + " (default: xor 4, circle 200, moons 200, spirals 300, blobs 300)")
      ->check(number_check([](double v) { return v > 0; }, "a positive number"));
  cmd->add_option("--noise", noise,
                  "Noise of " + of +
                      " (default: xor 0, circle 0.1, moons 0.1, spirals 0.2; blobs: spread 1)")
      ->check(number_check([](double v) { return std::isfinite(v) && v >= 0; },
                           "a finite number >= 0"));
  cmd->add_option("--data-seed", seed, "Seed of " + of)->capture_default_str();
}

}  // namespace backprop::cli
