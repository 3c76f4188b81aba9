// bench_common.h — what the C++ benchmark programs share: the suite's input files, arguments,
// clocks, resource usage and JSON output. (The C program bench_fann.c has its own copy of the
// file readers; the formats are written by competitors/inputs.py.)
//
// Weights file (text, written once from NumPy so every implementation starts from the same
// numbers, printed with 17 significant digits so doubles round-trip exactly):
//   backprop-bench-weights 1
//   L n0 n1 ... nL                      layer sizes, inputs first
//   W(1) row by row (n1 x n0), b(1) (n1), then W(2), b(2), ...
// Data file:
//   backprop-bench-data 1
//   features targets N
//   x row by row (features x N), then y row by row (targets x N)
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Weights {
  std::vector<int> sizes;                 // n0 (inputs), n1, ..., nL
  std::vector<std::vector<double>> W, b;  // W row-major (units x inputs)
};

struct Data {
  int features = 0, targets = 0, n = 0;
  std::vector<double> x, y;  // row-major (features x N), (targets x N)
};

inline void expect_header(std::ifstream& in, const std::string& path, const char* magic) {
  std::string word;
  int version = 0;
  if (!(in >> word >> version) || word != magic || version != 1)
    throw std::runtime_error(path + ": expected a '" + magic + " 1' file");
}

inline void read_numbers(std::ifstream& in, const std::string& path, std::size_t count,
                         std::vector<double>& out) {
  out.resize(count);
  for (std::size_t i = 0; i < count; ++i)
    if (!(in >> out[i])) throw std::runtime_error(path + ": file ends early");
}

inline Weights read_weights(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  expect_header(in, path, "backprop-bench-weights");
  int layers = 0;
  in >> layers;
  Weights w;
  w.sizes.resize(static_cast<std::size_t>(layers) + 1);
  for (int& s : w.sizes) in >> s;
  w.W.resize(layers);
  w.b.resize(layers);
  for (int l = 0; l < layers; ++l) {
    read_numbers(in, path, static_cast<std::size_t>(w.sizes[l + 1]) * w.sizes[l], w.W[l]);
    read_numbers(in, path, static_cast<std::size_t>(w.sizes[l + 1]), w.b[l]);
  }
  return w;
}

inline Data read_data(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  expect_header(in, path, "backprop-bench-data");
  Data d;
  in >> d.features >> d.targets >> d.n;
  read_numbers(in, path, static_cast<std::size_t>(d.features) * d.n, d.x);
  read_numbers(in, path, static_cast<std::size_t>(d.targets) * d.n, d.y);
  return d;
}

// --key value pairs after the mode word.
class Args {
 public:
  Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
      std::string key = argv[i];
      if (key.rfind("--", 0) != 0 || i + 1 >= argc)
        throw std::runtime_error("expected --key value, found '" + key + "'");
      values_[key.substr(2)] = argv[++i];
    }
  }
  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = values_.find(key);
    if (it != values_.end()) return it->second;
    if (fallback.empty()) throw std::runtime_error("missing --" + key);
    return fallback;
  }
  int integer(const std::string& key, int fallback) const {
    return std::stoi(get(key, std::to_string(fallback)));
  }
  double number(const std::string& key, double fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : std::stod(it->second);
  }

 private:
  std::map<std::string, std::string> values_;
};

// CPU seconds (user + system) of this process so far, and its peak resident set in KiB.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
inline long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// One flat JSON object on one line, fields in insertion order.
class Json {
 public:
  Json& add(const std::string& key, const std::string& value) {
    std::string quoted = "\"";
    for (char c : value)
      quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return raw(key, quoted + "\"");
  }
  Json& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  Json& add(const std::string& key, double value) { return raw(key, number(value)); }
  Json& add(const std::string& key, long value) { return raw(key, std::to_string(value)); }
  Json& add(const std::string& key, int value) { return raw(key, std::to_string(value)); }
  Json& add(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
  Json& add(const std::string& key, const std::vector<double>& values) {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + number(values[i]);
    return raw(key, s + "]");
  }
  void print() const {
    std::printf("{%s}\n", body_.c_str());
    std::fflush(stdout);
  }

 private:
  static std::string number(double v) {
    if (v != v) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }
  Json& raw(const std::string& key, const std::string& value) {
    if (!body_.empty()) body_ += ", ";
    body_ += "\"" + key + "\": " + value;
    return *this;
  }
  std::string body_;
};

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace bench
