// fann_data.cpp — FANN's training files (see fann_data.h for the format).
#include "backprop/data/fann_data.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "backprop/error.h"
#include "backprop/io/files.h"

namespace backprop {
namespace {

// The numbers of one line, each checked: a finite number in C's syntax.
std::vector<double> numbers_of(std::string_view line, const std::string& where) {
  std::vector<double> values;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    std::size_t end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    const std::string token(line.substr(i, end - i));
    char* stop = nullptr;
    errno = 0;
    const double v = std::strtod(token.c_str(), &stop);
    if (stop != token.c_str() + token.size() || !std::isfinite(v) || token.size() > 64)
      throw Error(where + ": expected a finite number, found '" + token.substr(0, 64) + "'");
    values.push_back(v);
    i = end;
  }
  return values;
}

// A whole number for the header (at most 9 digits: no count that large fits in a file anyway).
long count_of(double v, const std::string& what, const std::string& where) {
  if (!(v >= 0) || v != std::floor(v) || v > 999999999)
    throw Error(where + ": expected the header's " + what + " as a whole number, found " +
                std::to_string(v));
  return static_cast<long>(v);
}

}  // namespace

bool is_fann_data_path(const std::string& path) {
  const std::string name = path.substr(path.find_last_of('/') + 1);  // npos + 1 = 0
  for (const std::string suffix : {".data", ".train", ".test"})
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  return false;
}

Dataset parse_fann_data(std::string_view text, const std::string& source) {
  // Lines with their numbers (1-based), blank ones skipped.
  std::vector<std::pair<long, std::string_view>> lines;
  long number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) lines.emplace_back(number, line);
    start = end + 1;
  }
  const std::string header_help =
      " (FANN's training files start with a line 'PAIRS INPUTS OUTPUTS', e.g. '4 2 1')";
  if (lines.empty()) throw Error(source + ": the file is empty" + header_help);
  const std::string at_header = source + ":" + std::to_string(lines[0].first);
  const std::vector<double> header = numbers_of(lines[0].second, at_header);
  if (header.size() != 3)
    throw Error(at_header + ": expected the header's 3 numbers, found " +
                std::to_string(header.size()) + header_help);
  const long pairs = count_of(header[0], "number of pairs", at_header);
  const long inputs = count_of(header[1], "number of inputs", at_header);
  const long outputs = count_of(header[2], "number of outputs", at_header);
  const std::string counts = "the header says " + std::to_string(pairs) + " pairs of " +
                             std::to_string(inputs) + " inputs and " + std::to_string(outputs) +
                             " outputs";
  if (pairs < 1 || inputs < 1 || outputs < 1)
    throw Error(at_header + ": expected at least one pair, input and output; " + counts);
  // Every number takes at least two bytes ("0 " or "0\n"): a header the file cannot fulfil is
  // refused before its matrices are allocated.
  if (static_cast<double>(pairs) * static_cast<double>(inputs + outputs) * 2 >
      static_cast<double>(text.size()) + 1)
    throw Error(at_header + ": " + counts + ", more numbers than a file of " +
                std::to_string(text.size()) + " bytes can hold");

  Dataset d;
  d.source = source;
  d.x.resize(inputs, pairs);
  d.y.resize(outputs, pairs);
  for (long k = 0; k < inputs; ++k) d.feature_names.push_back("x" + std::to_string(k));
  for (long k = 0; k < outputs; ++k) d.target_names.push_back("y" + std::to_string(k));
  const std::size_t needed = 1 + 2 * static_cast<std::size_t>(pairs);
  for (std::size_t i = 1; i < lines.size() && i < needed; ++i) {
    const long p = static_cast<long>((i - 1) / 2);
    const bool input = (i - 1) % 2 == 0;
    const std::string where = source + ":" + std::to_string(lines[i].first);
    const std::vector<double> values = numbers_of(lines[i].second, where);
    const long expected = input ? inputs : outputs;
    if (static_cast<long>(values.size()) != expected)
      throw Error(where + ": expected the " + (input ? "inputs" : "outputs") + " of pair " +
                  std::to_string(p + 1) + ", " + std::to_string(expected) + " numbers (" + counts +
                  "), found " + std::to_string(values.size()));
    for (long k = 0; k < expected; ++k)
      (input ? d.x : d.y)(k, p) = values[static_cast<std::size_t>(k)];
  }
  if (lines.size() < needed) {
    const long complete = static_cast<long>(lines.size() - 1) / 2;
    throw Error(source + ":" + std::to_string(lines.back().first) + ": the file ends after " +
                std::to_string(complete) + " complete pairs" +
                ((lines.size() - 1) % 2 ? " and one line of inputs" : std::string()) + "; " +
                counts);
  }
  if (lines.size() > needed)
    throw Error(source + ":" + std::to_string(lines[needed].first) +
                ": expected the end of the file after the " + std::to_string(pairs) + " pairs (" +
                counts + "), found more lines");
  return d;
}

Dataset load_fann_data(const std::string& path) { return parse_fann_data(read_file(path), path); }

}  // namespace backprop
