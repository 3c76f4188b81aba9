#include "backprop/plot/style.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace backprop::plot {

Rgb categorical(std::size_t k) {
  static constexpr std::array<Rgb, 8> okabe_ito = {hex(0x0072B2), hex(0xD55E00), hex(0x009E73),
                                                   hex(0xE69F00), hex(0xCC79A7), hex(0x56B4E9),
                                                   hex(0xF0E442), hex(0x000000)};
  return okabe_ito[k % okabe_ito.size()];
}

Rgb diverging(double t) {
  // ColorBrewer RdYlBu, reversed so that low values are blue and high ones red (matplotlib's
  // RdYlBu_r, the lesson's neuron-map colours).
  static constexpr std::array<Rgb, 11> stops = {
      hex(0x313695), hex(0x4575B4), hex(0x74ADD1), hex(0xABD9E9), hex(0xE0F3F8), hex(0xFFFFBF),
      hex(0xFEE090), hex(0xFDAE61), hex(0xF46D43), hex(0xD73027), hex(0xA50026)};
  if (std::isnan(t)) return hex(0x808080);
  const double u = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(u), stops.size() - 2);
  const double f = u - static_cast<double>(i);
  const Rgb& a = stops[i];
  const Rgb& b = stops[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

Rgb lighten(const Rgb& c, double amount) {
  const double t = std::clamp(amount, 0.0, 1.0);
  return {c.r + t * (1 - c.r), c.g + t * (1 - c.g), c.b + t * (1 - c.b)};
}

}  // namespace backprop::plot
