#include "backprop/init.h"

#include <cmath>

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
  }
  return "?";
}

Init init_from_string(const std::string& name) {
  for (Init init : {Init::he_normal, Init::he_uniform, Init::glorot_normal, Init::glorot_uniform})
    if (name == to_string(init)) return init;
  throw usage_error("unknown initialisation '" + name +
                    "' (expected one of: he_normal, he_uniform, glorot_normal, glorot_uniform)");
}

template <typename S>
void initialize(Network<S>& network, Init init, std::uint32_t seed) {
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
        }
        layer.W(i, j) = static_cast<S>(w);
      }
    }
    layer.b.setZero();
  }
}

template void initialize<float>(Network<float>&, Init, std::uint32_t);
template void initialize<double>(Network<double>&, Init, std::uint32_t);

}  // namespace backprop
