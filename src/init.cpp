#include "backprop/init.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "backprop/error.h"
#include "backprop/random.h"

namespace backprop {

std::string to_string(Init init) {
  switch (init) {
    case Init::he_normal:
      return "he_normal";
    case Init::he_uniform:
      return "he_uniform";
    case Init::glorot_normal:
      return "glorot_normal";
    case Init::glorot_uniform:
      return "glorot_uniform";
    case Init::uniform:
      return "uniform";
  }
  return "?";
}

namespace {
std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}
}  // namespace

void WeightInit::validate() const {
  if (kind == Init::uniform && !(std::isfinite(low) && std::isfinite(high) && low < high))
    throw option_error("FitOptions.weight_init",
                       "expected a range LOW < HIGH of finite numbers, "
                       "found uniform:" +
                           number(low) + "," + number(high));
}

bool operator==(const WeightInit& a, const WeightInit& b) {
  return a.kind == b.kind && (a.kind != Init::uniform || (a.low == b.low && a.high == b.high));
}

std::string to_string(const WeightInit& init) {
  if (init.kind != Init::uniform) return to_string(init.kind);
  char text[64];
  std::snprintf(text, sizeof text, "uniform:%g,%g", init.low, init.high);
  // the shortest text that reads back to the same numbers
  if (weight_init_from_string(text) == init) return text;
  return "uniform:" + number(init.low) + "," + number(init.high);
}

WeightInit weight_init_from_string(const std::string& spec) {
  const std::string prefix = "uniform:";
  if (spec.compare(0, prefix.size(), prefix) != 0) return init_from_string(spec);
  const std::string range = spec.substr(prefix.size());
  const std::size_t comma = range.find(',');
  const auto parse = [&](const std::string& text, double& value) {
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size() && !std::isspace(text[0]);
  };
  WeightInit init(0.0, 0.0);
  if (comma == std::string::npos || !parse(range.substr(0, comma), init.low) ||
      !parse(range.substr(comma + 1), init.high) || !std::isfinite(init.low) ||
      !std::isfinite(init.high) || !(init.low < init.high))
    throw usage_error(
        "expected uniform:LOW,HIGH with finite numbers LOW < HIGH (as "
        "uniform:-0.1,0.1), found '" +
        spec + "'");
  return init;
}

Init init_from_string(const std::string& name) {
  for (Init init : {Init::he_normal, Init::he_uniform, Init::glorot_normal, Init::glorot_uniform,
                    Init::uniform})
    if (name == to_string(init)) return init;
  throw usage_error("unknown initialisation '" + name +
                    "' (expected one of: he_normal, he_uniform, glorot_normal, glorot_uniform, "
                    "uniform:LOW,HIGH)");
}

template <typename S>
void initialize(Network<S>& network, const WeightInit& scheme, std::uint32_t seed) {
  scheme.validate();
  const Init init = scheme.kind;
  Random random(seed);
  for (DenseLayer<S>& layer : network.layers()) {
    const double fan_in = static_cast<double>(layer.inputs());
    const double fan_out = static_cast<double>(layer.units());
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) {
        double w = 0.0;
        switch (init) {
          case Init::he_normal:
            w = random.normal() * std::sqrt(2.0 / fan_in);
            break;
          case Init::glorot_normal:
            w = random.normal() * std::sqrt(2.0 / (fan_in + fan_out));
            break;
          case Init::he_uniform: {
            const double r = std::sqrt(6.0 / fan_in);
            w = random.uniform(-r, r);
            break;
          }
          case Init::glorot_uniform: {
            const double r = std::sqrt(6.0 / (fan_in + fan_out));
            w = random.uniform(-r, r);
            break;
          }
          case Init::uniform:
            w = random.uniform(scheme.low, scheme.high);
            break;
        }
        layer.W(i, j) = static_cast<S>(w);
      }
    }
    layer.b.setZero();
    if (init == Init::uniform)  // FANN draws the biases too
      for (Eigen::Index i = 0; i < layer.b.size(); ++i)
        layer.b(i) = static_cast<S>(random.uniform(scheme.low, scheme.high));
  }
}

template void initialize<float>(Network<float>&, const WeightInit&, std::uint32_t);
template void initialize<double>(Network<double>&, const WeightInit&, std::uint32_t);

}  // namespace backprop
