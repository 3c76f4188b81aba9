// style.h — the colours every figure shares, public so that tests and callers can match them.
//
//   binary regions   class 0 light blue #ADD8E6, class 1 light red #FFCCCB (the lesson's contourf)
//   binary points    class 0 blue circles, class 1 red squares (the lesson's scatter)
//   categorical      Okabe–Ito, distinguishable with every common colour-vision deficiency
//   continuous       RdYlBu reversed (low blue, middle pale yellow, high red), as the lesson's
//                    neuron maps; linear interpolation between ColorBrewer's 11 stops
//   weights          positive blue, negative orange (TensorFlow Playground)
#pragma once

#include <cstddef>

namespace backprop::plot {

// A colour with components in [0, 1].
struct Rgb {
  double r = 0, g = 0, b = 0;
};

// 0xRRGGBB -> Rgb.
constexpr Rgb hex(unsigned rgb) {
  return {((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0, (rgb & 0xFF) / 255.0};
}

inline constexpr Rgb kRegion0 = hex(0xADD8E6);  // lesson: region of class 0 (light blue)
inline constexpr Rgb kRegion1 = hex(0xFFCCCB);  // lesson: region of class 1 (light red)
inline constexpr Rgb kPoint0 = hex(0x1F77B4);   // class 0 markers (blue)
inline constexpr Rgb kPoint1 = hex(0xD62728);   // class 1 markers (red)
inline constexpr Rgb kPositiveWeight = hex(0x0877BD);
inline constexpr Rgb kNegativeWeight = hex(0xF59322);
inline constexpr Rgb kText = hex(0x222222);
inline constexpr Rgb kGrid = hex(0xE5E5E5);

// Okabe–Ito colour k (cycled): blue, vermillion, bluish green, orange, reddish purple, sky blue,
// yellow, black.
Rgb categorical(std::size_t k);

// The diverging map for activations: t in [0, 1] (clamped) -> colour; NaN -> mid grey.
Rgb diverging(double t);

// c mixed towards white: amount 0 gives c, 1 gives white.
Rgb lighten(const Rgb& c, double amount);

}  // namespace backprop::plot
