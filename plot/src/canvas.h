// canvas.h — the small drawing kit the figures share (internal to backprop_plot): a cairo surface
// of the requested format, text, axes with ticks and grid, legends, markers, lines and a colour
// bar. One unit is one pixel of a PNG and one point of an SVG or PDF, so a figure's drawing
// routine is the same for every format and only the surface differs.
#pragma once

#include <cairo.h>

#include <functional>
#include <string>
#include <vector>

#include "backprop/plot/figures.h"
#include "backprop/plot/style.h"

namespace backprop::plot::detail {

inline constexpr double kPi = 3.14159265358979323846;

// Draws a figure of width x height units with `draw` onto a surface of `format` (white
// background already painted) and writes the file atomically. Throws an Error naming `path` when
// cairo fails or the file cannot be written.
void render(Format format, int width, int height, const std::string& path,
            const std::function<void(cairo_t*)>& draw);

// ---- colour and text ----------------------------------------------------------------------------

void set_color(cairo_t* cr, const Rgb& c, double alpha = 1.0);

struct Font {
  double size = 12;
  bool bold = false;
};
inline constexpr Font kTitleFont{16, true};
inline constexpr Font kLabelFont{13, false};
inline constexpr Font kTickFont{11, false};
inline constexpr Font kLegendFont{11.5, false};
inline constexpr Rgb kSubtle = hex(0x666666);

double text_width(cairo_t* cr, const std::string& text, Font font);
// Text anchored at (x, y): ax 0 left, 0.5 centre, 1 right; ay 0 top, 0.5 middle, 1 bottom of the
// font's line box (not the glyphs' ink, so labels of one row share a baseline). Rotated by
// `angle` radians about the anchor.
void text(cairo_t* cr, const std::string& s, double x, double y, Font font, double ax, double ay,
          const Rgb& color = kText, double angle = 0);

// "x1" -> "x₁": a one-letter name with a number gets the lesson's subscript.
std::string pretty_name(const std::string& name);
// Typographic minus for negative numbers in labels.
std::string with_minus(const std::string& number);

// ---- axes ---------------------------------------------------------------------------------------

struct Axis {
  double min = 0, max = 1;
  bool log = false;
  bool integer = false;  // ticks at whole numbers only (epochs)
};

struct Axes {
  double left = 0, top = 0, width = 0, height = 0;
  Axis x, y;
  double px(double v) const;
  double py(double v) const;
  Panel panel() const;
};

struct Tick {
  double value = 0;
  std::string label;  // empty: a minor tick
};

// Ticks at "nice" values (1, 2, 2.5, 5 × 10^k) about every 60 units of `length`; on a log axis
// at the decades (with minor ticks at 2..9), labelled 10ⁿ, falling back to plain numbers when
// the range holds fewer than two decades.
std::vector<Tick> axis_ticks(const Axis& axis, double length);
// A linear range padded by `fraction` of its span on both sides (a degenerate one widened).
Axis padded(double lo, double hi, double fraction = 0.05);
// A log range covering [lo, hi] (both > 0), padded by `fraction` of its span in decades.
Axis padded_log(double lo, double hi, double fraction = 0.05);

// Light grid lines at the ticks inside the plot area (over whatever is already drawn there).
void draw_grid(cairo_t* cr, const Axes& axes, double alpha = 1.0);
// Frame, tick marks and labels, axis labels and a panel title above the plot area.
void draw_frame(cairo_t* cr, const Axes& axes, const std::string& x_label,
                const std::string& y_label, const std::string& title = "");
// Clips drawing to the plot area until cairo_restore.
void clip_to(cairo_t* cr, const Axes& axes);

// y[i] at x = i through the axes: NaN values (and non-positive ones on a log axis) are gaps; a
// series much longer than the plot is wide is reduced to each pixel column's first, lowest,
// highest and last value, which draws the same picture with bounded file size.
void plot_series(cairo_t* cr, const Axes& axes, const std::vector<double>& y, const Rgb& color,
                 double width, double alpha = 1.0);

// ---- markers, legend, colour bar ----------------------------------------------------------------

enum class Marker { circle, square, triangle, diamond, triangle_down, pentagon, hexagon, star };
Marker class_marker(std::size_t k);  // circle, square, triangle, ... (the lesson's 0 and 1 first)

void draw_marker(cairo_t* cr, Marker marker, double x, double y, double radius, const Rgb& fill,
                 double fill_alpha, const Rgb& edge, double edge_width);

struct LegendItem {
  enum class Kind { line, marker, patch } kind = Kind::line;
  std::string label;
  Rgb color;
  double line_width = 2;
  Marker marker = Marker::circle;
  Rgb edge = hex(0x000000);
};

// Width and height of the legend box (measured on `cr`, or on a scratch surface).
void legend_size(cairo_t* cr, const std::vector<LegendItem>& items, double* width, double* height);
void legend_size(const std::vector<LegendItem>& items, double* width, double* height);
// The legend with its corner at (x, y): ax 0 puts its left edge there, 1 its right edge; ay 0
// its top, 1 its bottom. A white box with a light frame, as matplotlib's.
void draw_legend(cairo_t* cr, const std::vector<LegendItem>& items, double x, double y, double ax,
                 double ay);

// The legend inside the plot area where it hides the fewest points of `series` (y against
// index, as plot_series draws them), trying corners first as matplotlib's loc="best".
void draw_legend_best(cairo_t* cr, const std::vector<LegendItem>& items, const Axes& axes,
                      const std::vector<const std::vector<double>*>& series);

// A vertical colour bar of the diverging map from lo (bottom) to hi (top), ticks on its right.
void draw_colorbar(cairo_t* cr, double left, double top, double width, double height, double lo,
                   double hi);

// ---- images -------------------------------------------------------------------------------------

// An RGB image (row 0 at the top) stretched over the plot area; with one image pixel per unit it
// lands pixel for pixel on a PNG. Used for fields that vary per pixel (activations, confidence).
struct Image {
  int width = 0, height = 0;
  std::vector<Rgb> pixels;  // row-major, width * height
};
void draw_image(cairo_t* cr, const Image& image, const Axes& axes);

}  // namespace backprop::plot::detail
