#include "canvas.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>

#include "backprop/error.h"
#include "backprop/io/model_file.h"

namespace backprop::plot::detail {

// ---- surfaces -----------------------------------------------------------------------------------

namespace {

// cairo's write callback: every surface streams into one string, written to disk only once the
// figure is complete, so a failure can never leave half a file.
cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using ContextPtr = std::unique_ptr<cairo_t, ContextDeleter>;

void check(cairo_status_t status, const std::string& path) {
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error(path + ": cannot draw the figure (cairo: " + cairo_status_to_string(status) + ")");
}

}  // namespace

void render(Format format, int width, int height, const std::string& path,
            const std::function<void(cairo_t*)>& draw) {
  std::string bytes;
  SurfacePtr surface;
  switch (format) {
    case Format::png:
      surface.reset(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
      break;
    case Format::svg:
      surface.reset(cairo_svg_surface_create_for_stream(append, &bytes, width, height));
      // Sizes in pixels, so that a browser shows the SVG at the PNG's size.
      cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
      break;
    case Format::pdf:
      surface.reset(cairo_pdf_surface_create_for_stream(append, &bytes, width, height));
      break;
  }
  check(cairo_surface_status(surface.get()), path);
  {
    ContextPtr cr(cairo_create(surface.get()));
    check(cairo_status(cr.get()), path);
    // Unhinted metrics: text is laid out identically on every surface.
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr.get(), options);
    cairo_font_options_destroy(options);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    draw(cr.get());
    check(cairo_status(cr.get()), path);
  }
  if (format == Format::png) {
    cairo_surface_flush(surface.get());
    check(cairo_surface_write_to_png_stream(surface.get(), append, &bytes), path);
  } else {
    cairo_surface_finish(surface.get());  // flushes the document into `bytes`
    check(cairo_surface_status(surface.get()), path);
  }
  write_file_atomically(path, bytes);
}

// ---- colour and text ----------------------------------------------------------------------------

void set_color(cairo_t* cr, const Rgb& c, double alpha) {
  if (alpha >= 1.0)
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
  else
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

namespace {

void select_font(cairo_t* cr, Font font) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, font.size);
}

}  // namespace

double text_width(cairo_t* cr, const std::string& s, Font font) {
  select_font(cr, font);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

void text(cairo_t* cr, const std::string& s, double x, double y, Font font, double ax, double ay,
          const Rgb& color, double angle) {
  if (s.empty()) return;
  select_font(cr, font);
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  cairo_text_extents_t te;
  cairo_text_extents(cr, s.c_str(), &te);
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  cairo_move_to(cr, -ax * te.x_advance, -ay * (fe.ascent + fe.descent) + fe.ascent);
  set_color(cr, color);
  cairo_show_text(cr, s.c_str());
  cairo_restore(cr);
}

std::string pretty_name(const std::string& name) {
  static const char* const subscripts[] = {"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"};
  if (name.size() < 2 || name.size() > 4 || !std::isalpha(static_cast<unsigned char>(name[0])))
    return name;
  std::string out(1, name[0]);
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return name;
    out += subscripts[name[i] - '0'];
  }
  return out;
}

std::string with_minus(const std::string& number) {
  if (!number.empty() && number[0] == '-') return "\u2212" + number.substr(1);
  return number;
}

// ---- axes ---------------------------------------------------------------------------------------

namespace {

double to_axis(const Axis& a, double v) { return a.log ? std::log10(v) : v; }

// A 1-unit line lands on whole PNG pixels when drawn half a unit off the integer grid.
double snap(double v) { return std::floor(v) + 0.5; }

std::string superscript(int n) {
  static const char* const digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out = n < 0 ? "⁻" : "";
  const std::string d = std::to_string(std::abs(n));
  for (char c : d) out += digits[c - '0'];
  return out;
}

std::string format_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos) s = s.substr(s[0] == '-' ? 1 : 0);
  return with_minus(s);
}

std::string format_general(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return with_minus(buf);
}

}  // namespace

double Axes::px(double v) const {
  return left +
         (to_axis(x, v) - to_axis(x, x.min)) / (to_axis(x, x.max) - to_axis(x, x.min)) * width;
}

double Axes::py(double v) const {
  return top +
         (to_axis(y, y.max) - to_axis(y, v)) / (to_axis(y, y.max) - to_axis(y, y.min)) * height;
}

Panel Axes::panel() const {
  Panel p;
  p.left = left;
  p.top = top;
  p.width = width;
  p.height = height;
  p.x_min = x.min;
  p.x_max = x.max;
  p.y_min = y.min;
  p.y_max = y.max;
  return p;
}

Axis padded(double lo, double hi, double fraction) {
  if (!(hi > lo)) {
    const double half = lo == 0 ? 0.5 : std::abs(lo) * 0.1;
    return {lo - half, hi + half, false};
  }
  const double pad = (hi - lo) * fraction;
  return {lo - pad, hi + pad, false};
}

Axis padded_log(double lo, double hi, double fraction) {
  double a = std::log10(lo), b = std::log10(hi);
  if (!(b > a)) {
    a -= 0.5;
    b += 0.5;
  }
  const double pad = (b - a) * fraction;
  return {std::pow(10.0, a - pad), std::pow(10.0, b + pad), true};
}

std::vector<Tick> axis_ticks(const Axis& axis, double length) {
  std::vector<Tick> ticks;
  const double lo = std::min(axis.min, axis.max), hi = std::max(axis.min, axis.max);
  if (axis.log) {
    const int e0 = static_cast<int>(std::floor(std::log10(lo)));
    const int e1 = static_cast<int>(std::ceil(std::log10(hi)));
    const double eps = 1e-9;
    int decades_inside = 0;
    for (int e = e0; e <= e1; ++e) {
      const double v = std::pow(10.0, e);
      if (v >= lo * (1 - eps) && v <= hi * (1 + eps)) ++decades_inside;
    }
    const int every = std::max(1, (e1 - e0 + 7) / 8);  // at most about 8 labelled decades
    for (int e = e0; e <= e1; ++e) {
      for (int m = 1; m <= 9; ++m) {
        const double v = m * std::pow(10.0, e);
        if (v < lo * (1 - eps) || v > hi * (1 + eps)) continue;
        const bool decade = m == 1;
        if (decade && (e - e0) % every == 0) {
          // Within two decades every label is a plain number (0.1, 0.2, 0.5), not a mix.
          ticks.push_back({v, decades_inside < 2 ? format_general(v) : "10" + superscript(e)});
        } else if (!decade && decades_inside < 2 && (m == 2 || m == 5)) {
          ticks.push_back({v, format_general(v)});  // too few decades to read the scale
        } else if (decade || e1 - e0 <= 12) {
          ticks.push_back({v, ""});  // minor
        }
      }
    }
    const auto labelled =
        std::count_if(ticks.begin(), ticks.end(), [](const Tick& t) { return !t.label.empty(); });
    if (labelled >= 2) return ticks;
    // A range much narrower than a decade (0.166..0.170): plain linear ticks read it best.
    Axis linear = axis;
    linear.log = false;
    return axis_ticks(linear, length);
  }
  // About one labelled tick per 60 units, and at least 4 or 5 on a short axis.
  const double target = std::max(4.5, length / 60.0);
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / magnitude;
  const double factor = r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10;
  double step = factor * magnitude;
  if (axis.integer && step < 1) step = 1;
  if (axis.integer && factor == 2.5 && step < 10) step = 2 * magnitude;  // 2, not 2.5
  int decimals = 0;  // as many as the step needs: 0.25 -> 2, 25 -> 0
  while (decimals < 12 && std::abs(step * std::pow(10.0, decimals) -
                                   std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k += 1) {
    const double v = k * step;
    ticks.push_back({v, format_fixed(v, decimals)});
  }
  return ticks;
}

void clip_to(cairo_t* cr, const Axes& axes) {
  cairo_save(cr);
  cairo_rectangle(cr, axes.left, axes.top, axes.width, axes.height);
  cairo_clip(cr);
}

void draw_grid(cairo_t* cr, const Axes& axes, double alpha) {
  cairo_save(cr);
  cairo_set_line_width(cr, 1.0);
  // Lines at the labelled ticks, about matplotlib's grid at alpha 0.3; on a log axis also fainter
  // lines at the minor ticks, which show how far apart the decades are.
  for (const bool major : {true, false}) {
    for (const Tick& t : axis_ticks(axes.x, axes.width)) {
      if (t.label.empty() == major || (!major && !axes.x.log)) continue;
      const double x = snap(axes.px(t.value));
      if (x <= axes.left + 1 || x >= axes.left + axes.width - 1) continue;
      cairo_move_to(cr, x, axes.top);
      cairo_line_to(cr, x, axes.top + axes.height);
    }
    for (const Tick& t : axis_ticks(axes.y, axes.height)) {
      if (t.label.empty() == major || (!major && !axes.y.log)) continue;
      const double y = snap(axes.py(t.value));
      if (y <= axes.top + 1 || y >= axes.top + axes.height - 1) continue;
      cairo_move_to(cr, axes.left, y);
      cairo_line_to(cr, axes.left + axes.width, y);
    }
    set_color(cr, hex(0xB0B0B0), (major ? 0.5 : 0.15) * alpha);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
}

void draw_frame(cairo_t* cr, const Axes& axes, const std::string& x_label,
                const std::string& y_label, const std::string& title) {
  constexpr double tick_major = 5, tick_minor = 3, gap = 3;
  const Rgb frame = hex(0x333333);
  cairo_save(cr);
  cairo_set_line_width(cr, 1.0);
  set_color(cr, frame);
  const double l = snap(axes.left), t = snap(axes.top);
  const double r = snap(axes.left + axes.width - 1), b = snap(axes.top + axes.height - 1);
  cairo_rectangle(cr, l, t, r - l, b - t);
  cairo_stroke(cr);

  // x ticks and labels
  for (const Tick& tick : axis_ticks(axes.x, axes.width)) {
    const double x = snap(axes.px(tick.value));
    const double len = tick.label.empty() ? tick_minor : tick_major;
    cairo_move_to(cr, x, b);
    cairo_line_to(cr, x, b + len);
    text(cr, tick.label, x, b + tick_major + gap, kTickFont, 0.5, 0, kText);
  }
  // y ticks and labels; remember the widest for the axis label
  double widest = 0;
  for (const Tick& tick : axis_ticks(axes.y, axes.height)) {
    const double y = snap(axes.py(tick.value));
    const double len = tick.label.empty() ? tick_minor : tick_major;
    cairo_move_to(cr, l, y);
    cairo_line_to(cr, l - len, y);
    text(cr, tick.label, l - tick_major - gap, y, kTickFont, 1, 0.5, kText);
    widest = std::max(widest, text_width(cr, tick.label, kTickFont));
  }
  set_color(cr, frame);
  cairo_stroke(cr);
  text(cr, x_label, axes.left + axes.width / 2, b + tick_major + gap + kTickFont.size * 1.3 + 6,
       kLabelFont, 0.5, 0);
  text(cr, y_label, l - tick_major - gap - widest - 8, axes.top + axes.height / 2, kLabelFont, 0.5,
       1, kText, -kPi / 2);
  text(cr, title, axes.left + axes.width / 2, axes.top - 8, Font{14, false}, 0.5, 1);
  cairo_restore(cr);
}

void plot_series(cairo_t* cr, const Axes& axes, const std::vector<double>& y, const Rgb& color,
                 double width, double alpha) {
  const auto usable = [&](double v) { return std::isfinite(v) && (!axes.y.log || v > 0); };
  struct Point {
    double x, y;
  };
  std::vector<std::vector<Point>> runs(1);
  const auto add = [&](double i, double v) {
    if (!usable(v)) {
      if (!runs.back().empty()) runs.emplace_back();
      return;
    }
    runs.back().push_back({axes.px(i), axes.py(v)});
  };
  const std::size_t n = y.size();
  if (static_cast<double>(n) <= 4 * axes.width) {
    for (std::size_t i = 0; i < n; ++i) add(static_cast<double>(i), y[i]);
  } else {
    // One bucket per pixel column: its first, lowest, highest and last sample, in index order.
    std::size_t i = 0;
    while (i < n) {
      const double column = std::floor(axes.px(static_cast<double>(i)));
      std::size_t end = i;
      std::size_t lo = i, hi = i;
      bool gap = false;
      while (end < n && std::floor(axes.px(static_cast<double>(end))) == column) {
        if (!usable(y[end]))
          gap = true;
        else {
          if (!usable(y[lo]) || y[end] < y[lo]) lo = end;
          if (!usable(y[hi]) || y[end] > y[hi]) hi = end;
        }
        ++end;
      }
      std::vector<std::size_t> keep = {i, std::min(lo, hi), std::max(lo, hi), end - 1};
      keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
      for (std::size_t k : keep) add(static_cast<double>(k), y[k]);
      if (gap) add(0, std::numeric_limits<double>::quiet_NaN());
      i = end;
    }
  }
  clip_to(cr, axes);
  set_color(cr, color, alpha);
  cairo_set_line_width(cr, width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (const std::vector<Point>& run : runs) {
    if (run.empty()) continue;
    if (run.size() == 1) {  // a single recorded epoch: a dot
      cairo_new_sub_path(cr);
      cairo_arc(cr, run[0].x, run[0].y, std::max(3.5, width * 2.2), 0, 2 * kPi);
      cairo_fill(cr);
      continue;
    }
    cairo_move_to(cr, run[0].x, run[0].y);
    for (std::size_t k = 1; k < run.size(); ++k) cairo_line_to(cr, run[k].x, run[k].y);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
}

// ---- markers, legend, colour bar ----------------------------------------------------------------

Marker class_marker(std::size_t k) {
  static constexpr Marker order[] = {Marker::circle,        Marker::square,   Marker::triangle,
                                     Marker::diamond,       Marker::pentagon, Marker::hexagon,
                                     Marker::triangle_down, Marker::star};
  return order[k % (sizeof order / sizeof order[0])];
}

namespace {

void polygon(cairo_t* cr, double x, double y, double r, int corners, double rotation,
             double inner = 0) {
  const int points = inner > 0 ? 2 * corners : corners;
  for (int i = 0; i < points; ++i) {
    const double angle = rotation + 2 * kPi * i / points;
    const double radius = (inner > 0 && i % 2 == 1) ? inner : r;
    const double px = x + radius * std::sin(angle), py = y - radius * std::cos(angle);
    if (i == 0)
      cairo_move_to(cr, px, py);
    else
      cairo_line_to(cr, px, py);
  }
  cairo_close_path(cr);
}

}  // namespace

void draw_marker(cairo_t* cr, Marker marker, double x, double y, double radius, const Rgb& fill,
                 double fill_alpha, const Rgb& edge, double edge_width) {
  cairo_save(cr);
  cairo_new_path(cr);
  switch (marker) {
    case Marker::circle:
      cairo_arc(cr, x, y, radius, 0, 2 * kPi);
      break;
    case Marker::square: {
      const double h = radius * 0.9;  // about the circle's area, as matplotlib's 's' vs 'o'
      cairo_rectangle(cr, x - h, y - h, 2 * h, 2 * h);
      break;
    }
    case Marker::triangle:
      polygon(cr, x, y + radius * 0.15, radius * 1.2, 3, 0);
      break;
    case Marker::triangle_down:
      polygon(cr, x, y - radius * 0.15, radius * 1.2, 3, kPi);
      break;
    case Marker::diamond:
      polygon(cr, x, y, radius * 1.15, 4, 0);
      break;
    case Marker::pentagon:
      polygon(cr, x, y, radius * 1.05, 5, 0);
      break;
    case Marker::hexagon:
      polygon(cr, x, y, radius * 1.05, 6, 0);
      break;
    case Marker::star:
      polygon(cr, x, y, radius * 1.3, 5, 0, radius * 0.55);
      break;
  }
  set_color(cr, fill, fill_alpha);
  if (edge_width > 0) {
    cairo_fill_preserve(cr);
    set_color(cr, edge);
    cairo_set_line_width(cr, edge_width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
  } else {
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

namespace {
constexpr double kLegendPad = 8, kLegendRow = 20, kLegendHandle = 26, kLegendGap = 8;
}

void legend_size(const std::vector<LegendItem>& items, double* width, double* height) {
  // Text is measured on a scratch surface: layouts are fixed before the figure's own exists.
  SurfacePtr scratch(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1));
  ContextPtr cr(cairo_create(scratch.get()));
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr.get(), options);
  cairo_font_options_destroy(options);
  legend_size(cr.get(), items, width, height);
}

void legend_size(cairo_t* cr, const std::vector<LegendItem>& items, double* width, double* height) {
  double widest = 0;
  for (const LegendItem& item : items)
    widest = std::max(widest, text_width(cr, item.label, kLegendFont));
  *width = 2 * kLegendPad + kLegendHandle + kLegendGap + widest;
  *height = 2 * kLegendPad + kLegendRow * static_cast<double>(items.size()) - 4;
}

void draw_legend(cairo_t* cr, const std::vector<LegendItem>& items, double x, double y, double ax,
                 double ay) {
  if (items.empty()) return;
  double w = 0, h = 0;
  legend_size(cr, items, &w, &h);
  const double left = std::round(x - ax * w), top = std::round(y - ay * h);
  cairo_save(cr);
  // A rounded box, white with a light frame.
  const double radius = 4;
  cairo_new_path(cr);
  cairo_arc(cr, left + w - radius, top + radius, radius, -kPi / 2, 0);
  cairo_arc(cr, left + w - radius, top + h - radius, radius, 0, kPi / 2);
  cairo_arc(cr, left + radius, top + h - radius, radius, kPi / 2, kPi);
  cairo_arc(cr, left + radius, top + radius, radius, kPi, 1.5 * kPi);
  cairo_close_path(cr);
  set_color(cr, hex(0xFFFFFF), 0.9);
  cairo_fill_preserve(cr);
  set_color(cr, hex(0xCCCCCC));
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (std::size_t k = 0; k < items.size(); ++k) {
    const LegendItem& item = items[k];
    const double cy = top + kLegendPad + kLegendRow * (static_cast<double>(k) + 0.5) - 2;
    const double hx = left + kLegendPad;
    switch (item.kind) {
      case LegendItem::Kind::line:
        set_color(cr, item.color);
        cairo_set_line_width(cr, item.line_width);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_move_to(cr, hx, cy);
        cairo_line_to(cr, hx + kLegendHandle, cy);
        cairo_stroke(cr);
        break;
      case LegendItem::Kind::marker:
        draw_marker(cr, item.marker, hx + kLegendHandle / 2, cy, 6, item.color, 1, item.edge, 1.2);
        break;
      case LegendItem::Kind::patch:
        cairo_rectangle(cr, hx + 2, cy - 6, kLegendHandle - 4, 12);
        set_color(cr, item.color);
        cairo_fill_preserve(cr);
        set_color(cr, hex(0x999999));
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
        break;
    }
    text(cr, item.label, hx + kLegendHandle + kLegendGap, cy, kLegendFont, 0, 0.5);
  }
  cairo_restore(cr);
}

void draw_legend_best(cairo_t* cr, const std::vector<LegendItem>& items, const Axes& axes,
                      const std::vector<const std::vector<double>*>& series) {
  if (items.empty()) return;
  double w = 0, h = 0;
  legend_size(cr, items, &w, &h);
  constexpr double pad = 10;
  // matplotlib's order of preference among equally good places.
  static constexpr double anchors[][2] = {{1, 0},   {0, 0},   {0, 1},   {1, 1},    {1, 0.5},
                                          {0, 0.5}, {0.5, 1}, {0.5, 0}, {0.5, 0.5}};
  double best_x = 0, best_y = 0, best_ax = 1, best_ay = 0;
  long best = -1;
  for (const auto& anchor : anchors) {
    const double ax = anchor[0], ay = anchor[1];
    const double x = axes.left + pad + ax * (axes.width - 2 * pad);
    const double y = axes.top + pad + ay * (axes.height - 2 * pad);
    const double x0 = x - ax * w - 4, y0 = y - ay * h - 4, x1 = x0 + w + 8, y1 = y0 + h + 8;
    long covered = 0;
    for (const std::vector<double>* s : series) {
      const std::size_t step = std::max<std::size_t>(1, s->size() / 2000);
      for (std::size_t i = 0; i < s->size(); i += step) {
        const double v = (*s)[i];
        if (!std::isfinite(v) || (axes.y.log && v <= 0)) continue;
        const double px = axes.px(static_cast<double>(i)), py = axes.py(v);
        covered += px >= x0 && px <= x1 && py >= y0 && py <= y1;
      }
    }
    if (best < 0 || covered < best) {
      best = covered;
      best_x = x;
      best_y = y;
      best_ax = ax;
      best_ay = ay;
    }
  }
  draw_legend(cr, items, best_x, best_y, best_ax, best_ay);
}

void draw_colorbar(cairo_t* cr, double left, double top, double width, double height, double lo,
                   double hi) {
  cairo_save(cr);
  // The map is piecewise linear between its stops, so a linear gradient with the same stops is
  // the map itself.
  cairo_pattern_t* gradient = cairo_pattern_create_linear(0, top + height, 0, top);
  constexpr int stops = 10;
  for (int k = 0; k <= stops; ++k) {
    const double t = static_cast<double>(k) / stops;
    const Rgb c = diverging(t);
    cairo_pattern_add_color_stop_rgb(gradient, t, c.r, c.g, c.b);
  }
  cairo_rectangle(cr, left, top, width, height);
  cairo_set_source(cr, gradient);
  cairo_fill(cr);
  cairo_pattern_destroy(gradient);
  cairo_set_line_width(cr, 1);
  set_color(cr, hex(0x333333));
  cairo_rectangle(cr, snap(left), snap(top), std::round(width) - 1, std::round(height) - 1);
  cairo_stroke(cr);
  Axis axis{lo, hi, false};
  Axes scale;
  scale.left = left;
  scale.top = top;
  scale.width = width;
  scale.height = height;
  scale.y = axis;
  for (const Tick& t : axis_ticks(axis, height * 0.7)) {
    const double y = snap(scale.py(t.value));
    cairo_move_to(cr, left + width, y);
    cairo_line_to(cr, left + width + 4, y);
    text(cr, t.label, left + width + 7, y, kTickFont, 0, 0.5);
  }
  set_color(cr, hex(0x333333));
  cairo_stroke(cr);
  cairo_restore(cr);
}

// ---- images -------------------------------------------------------------------------------------

void draw_image(cairo_t* cr, const Image& image, const Axes& axes) {
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, image.width, image.height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) return;  // reported by cr
  cairo_surface_flush(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  const auto byte = [](double v) {
    return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
  };
  for (int row = 0; row < image.height; ++row) {
    auto* line = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(row) * stride);
    for (int col = 0; col < image.width; ++col) {
      const Rgb& c = image.pixels[static_cast<std::size_t>(row) * image.width + col];
      line[col] = (byte(c.r) << 16) | (byte(c.g) << 8) | byte(c.b);
    }
  }
  cairo_surface_mark_dirty(surface.get());
  cairo_save(cr);
  cairo_rectangle(cr, axes.left, axes.top, axes.width, axes.height);
  cairo_clip(cr);
  cairo_translate(cr, axes.left, axes.top);
  const double sx = axes.width / image.width, sy = axes.height / image.height;
  cairo_scale(cr, sx, sy);
  cairo_set_source_surface(cr, surface.get(), 0, 0);
  cairo_pattern_t* pattern = cairo_get_source(cr);
  // One image pixel per unit: copy exactly; otherwise interpolate, with padded edges.
  const bool exact = std::abs(sx - 1) < 1e-9 && std::abs(sy - 1) < 1e-9;
  cairo_pattern_set_filter(pattern, exact ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD);
  cairo_paint(cr);
  cairo_restore(cr);
}

}  // namespace backprop::plot::detail
