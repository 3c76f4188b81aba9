#include "backprop/plot/figures.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "backprop/data/csv.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/error.h"
#include "backprop/train.h"  // predicted_class: the library's decision rule
#include "canvas.h"
#include "field.h"

namespace backprop::plot {

using detail::Axes;
using detail::Axis;
using detail::Field;
using detail::LegendItem;
using detail::Plane;

Format format_from_string(const std::string& name) {
  if (name == "png") return Format::png;
  if (name == "svg") return Format::svg;
  if (name == "pdf") return Format::pdf;
  throw usage_error("unknown plot format '" + name + "' (expected one of: png, svg, pdf)");
}

std::string extension(Format format) {
  switch (format) {
    case Format::png:
      return "png";
    case Format::svg:
      return "svg";
    case Format::pdf:
      return "pdf";
  }
  return "png";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool any_finite(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

std::string percent_text(double fraction) {
  const double p = 100 * fraction;
  char buf[32];
  std::snprintf(buf, sizeof buf, std::abs(p - std::round(p)) < 1e-9 ? "%.0f %%" : "%.1f %%", p);
  return buf;
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return detail::with_minus(buf);
}

// "2-4-1 network · sigmoid hidden, sigmoid output · mse loss", for subtitles
std::string describe(const Network<double>& net) {
  std::string sizes = std::to_string(net.inputs());
  for (const DenseLayer<double>& layer : net.layers()) sizes += "-" + std::to_string(layer.units());
  std::string hidden;
  for (std::size_t l = 0; l + 1 < net.depth(); ++l) {
    const std::string name = to_string(net.layer(l).activation.kind);
    if (hidden.find(name) == std::string::npos) hidden += (hidden.empty() ? "" : "/") + name;
  }
  std::string out = sizes + " network · ";
  if (!hidden.empty()) out += hidden + " hidden, ";
  out += to_string(net.layer(net.depth() - 1).activation.kind) + " output · " +
         to_string(net.loss()) + " loss";
  return out;
}

// ---- 2-D inputs: checks, classes, points ------------------------------------------------------

// A default-constructed network has no layers: nothing any figure could show.
void check_layers(const Model& model) {
  if (model.network.depth() == 0) throw usage_error("the model has no layers to draw");
}

void check_plane(const Model& model, const Dataset& data, const std::string& figure) {
  check_layers(model);
  const int inputs = model.network.inputs();
  if (inputs != 2)
    throw usage_error(figure + " needs 2 inputs, the model has " + std::to_string(inputs));
  if (data.x.rows() != 2)
    throw usage_error(figure + " needs 2-D data, " +
                      (data.source.empty() ? std::string("the data") : data.source) + " has " +
                      std::to_string(data.x.rows()) + " features");
  if (data.x.cols() == 0)
    throw Error(figure + ": " + (data.source.empty() ? std::string("the data") : data.source) +
                " has no samples to place the plot");
  if (!data.x.allFinite()) throw Error(figure + ": the data has non-finite values");
}

// The class of every sample: its label, else read from binary or one-hot targets; empty when
// the data are not labelled.
std::vector<int> sample_classes(const Dataset& data) {
  if (!data.labels.empty()) return data.labels;
  std::vector<int> classes;
  if (data.y.cols() != data.x.cols() || data.y.rows() == 0) return classes;
  for (Eigen::Index j = 0; j < data.y.cols(); ++j) {
    if (data.y.rows() == 1) {
      classes.push_back(data.y(0, j) > 0.5 ? 1 : 0);
    } else {
      Eigen::Index k;
      data.y.col(j).maxCoeff(&k);
      classes.push_back(static_cast<int>(k));
    }
  }
  return classes;
}

std::vector<std::string> class_names(const Model& model, const Dataset& data, int count) {
  std::vector<std::string> names = model.info.class_names;
  if (names.empty()) names = data.class_names;
  for (int k = static_cast<int>(names.size()); k < count; ++k) names.push_back(std::to_string(k));
  return names;
}

std::string class_label(const std::string& name) {
  const bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  return numeric ? "class " + name : name;
}

std::vector<std::string> axis_names(const Model& model, const Dataset& data) {
  std::vector<std::string> names = model.info.feature_names;
  if (names.size() != 2) names = data.feature_names;
  if (names.size() != 2) names = {"x1", "x2"};
  return {detail::pretty_name(names[0]), detail::pretty_name(names[1])};
}

// Marker colours: the lesson's blue and red for two classes, Okabe–Ito for more.
Rgb point_color(int k, int classes) {
  if (classes <= 2) return k == 0 ? kPoint0 : kPoint1;
  return categorical(static_cast<std::size_t>(k));
}

void draw_points(cairo_t* cr, const Axes& axes, const Dataset& data,
                 const std::vector<int>& classes, int class_count, double scale = 1.0) {
  const std::size_t n = data.size();
  // The lesson draws its 4 XOR points large with thick edges and 200 circle points small and
  // translucent; in between, sizes shrink with the count.
  const double radius = scale * (n <= 30 ? 9 : n <= 300 ? 4.5 : n <= 3000 ? 3 : 2);
  const double edge = n <= 30 ? 2 : n <= 300 ? 0.8 : 0.4;
  const double alpha = n <= 30 ? 1 : 0.85;
  detail::clip_to(cr, axes);
  for (std::size_t j = 0; j < n; ++j) {
    const double x = axes.px(data.x(0, static_cast<Eigen::Index>(j)));
    const double y = axes.py(data.x(1, static_cast<Eigen::Index>(j)));
    if (classes.empty()) {
      detail::draw_marker(cr, detail::Marker::circle, x, y, radius, hex(0x777777), alpha,
                          hex(0x000000), edge);
      continue;
    }
    const int k = classes[j];
    detail::draw_marker(cr, detail::class_marker(static_cast<std::size_t>(k)), x, y, radius,
                        point_color(k, class_count), alpha, hex(0x000000), edge);
  }
  cairo_restore(cr);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Throws unless `layer` names a hidden layer of the model (0-based).
void check_hidden_layer(const Model& model, std::size_t layer) {
  check_layers(model);
  const std::size_t hidden_layers = model.network.depth() - 1;
  if (hidden_layers == 0)
    throw usage_error(
        "neuron maps need a hidden layer; the model has none (its inputs go straight to the "
        "outputs)");
  if (layer >= hidden_layers)
    throw option_error(
        "plot.layer",
        "hidden layer " + std::to_string(layer) + " is out of range: the model has " +
            std::to_string(hidden_layers) + " hidden layer" +
            (hidden_layers == 1 ? " (0)" : "s (0.." + std::to_string(hidden_layers - 1) + ")"));
}

// Layout of one square 2-D plot: room for ticks and labels on the left and below.
constexpr int kPlotLeft = 76, kPlotTop = 70, kPlotSize = 460;

}  // namespace

// ---- loss curve
// -----------------------------------------------------------------------------------

void loss_curve(const std::vector<EpochRecord>& history, const std::string& title,
                const std::string& path, Format format) {
  const auto column = [&](double EpochRecord::*field) {
    std::vector<double> values;
    for (const EpochRecord& r : history) values.push_back(r.*field);
    return values;
  };
  std::vector<double> loss = column(&EpochRecord::loss), val_loss = column(&EpochRecord::val_loss),
                      test_loss = column(&EpochRecord::test_loss);
  const bool has_val = any_finite(val_loss), has_test = any_finite(test_loss);
  if (!any_finite(loss) && !has_val) throw Error("no loss history to plot");
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const std::vector<double>* series : {&loss, &val_loss, &test_loss})
    for (double v : *series)
      if (std::isfinite(v) && v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  if (!(hi > 0))
    throw Error("no loss history to plot: every recorded loss is 0, which a log scale cannot show");
  std::vector<double> accuracy = column(&EpochRecord::accuracy),
                      val_accuracy = column(&EpochRecord::val_accuracy),
                      test_accuracy = column(&EpochRecord::test_accuracy);
  for (std::vector<double>* series : {&accuracy, &val_accuracy, &test_accuracy})
    for (double& v : *series) v *= 100;  // percent
  const bool has_accuracy =
      any_finite(accuracy) || any_finite(val_accuracy) || any_finite(test_accuracy);
  const std::size_t epochs =
      std::max({loss.size(), val_loss.size(), accuracy.size(), val_accuracy.size()});

  const int panel_w = 500, panel_h = 330, left = 84, top = 86, gap = 110;
  const int width = left + panel_w + (has_accuracy ? gap + panel_w : 0) + 36;
  const int height = top + panel_h + 62;
  // Epochs 0..E−1 on an axis to E, so that the last tick is the epoch count; a short run gets half
  // an epoch of room on both sides, so that its few points sit inside the frame.
  const double e = static_cast<double>(epochs);
  const Axis epochs_axis =
      epochs < 10 ? Axis{-0.5, e - 0.5, false, true} : Axis{0, std::max(1.0, e), false, true};

  const Rgb train_color = categorical(0), val_color = categorical(1), test_color = categorical(2);
  const auto last = [](const std::vector<double>& v) {
    for (std::size_t i = v.size(); i-- > 0;)
      if (std::isfinite(v[i])) return v[i];
    return kNaN;
  };
  detail::render(format, width, height, path, [&](cairo_t* cr) {
    detail::text(cr, title, width / 2.0, 14, detail::kTitleFont, 0.5, 0);
    detail::text(cr, std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs"), width / 2.0, 38,
                 detail::Font{12, false}, 0.5, 0, detail::kSubtle);

    Axes axes;
    axes.left = left;
    axes.top = top;
    axes.width = panel_w;
    axes.height = panel_h;
    axes.x = epochs_axis;
    axes.y = detail::padded_log(lo, hi);
    detail::draw_grid(cr, axes);
    if (has_test) detail::plot_series(cr, axes, test_loss, test_color, 1.6);
    if (has_val) detail::plot_series(cr, axes, val_loss, val_color, 1.6);
    detail::plot_series(cr, axes, loss, train_color, 1.6);
    detail::draw_frame(cr, axes, "Epoch", "Loss", "Loss (log scale)");
    std::vector<LegendItem> items;
    if (any_finite(loss))
      items.push_back({LegendItem::Kind::line, "training (final " + short_number(last(loss)) + ")",
                       train_color});
    if (has_val)
      items.push_back({LegendItem::Kind::line,
                       "validation (final " + short_number(last(val_loss)) + ")", val_color});
    if (has_test)
      items.push_back({LegendItem::Kind::line, "test (final " + short_number(last(test_loss)) + ")",
                       test_color});
    detail::draw_legend_best(cr, items, axes, {&loss, &val_loss, &test_loss});

    if (!has_accuracy) return;
    Axes acc = axes;
    acc.left = left + panel_w + gap;
    acc.y = Axis{-3, 103, false};
    detail::draw_grid(cr, acc);
    if (any_finite(test_accuracy)) detail::plot_series(cr, acc, test_accuracy, test_color, 1.6);
    if (any_finite(val_accuracy)) detail::plot_series(cr, acc, val_accuracy, val_color, 1.6);
    if (any_finite(accuracy)) detail::plot_series(cr, acc, accuracy, train_color, 1.6);
    detail::draw_frame(cr, acc, "Epoch", "Accuracy (%)", "Accuracy");
    std::vector<LegendItem> acc_items;
    if (any_finite(accuracy))
      acc_items.push_back({LegendItem::Kind::line,
                           "training (final " + percent_text(last(accuracy) / 100) + ")",
                           train_color});
    if (any_finite(val_accuracy))
      acc_items.push_back({LegendItem::Kind::line,
                           "validation (final " + percent_text(last(val_accuracy) / 100) + ")",
                           val_color});
    if (any_finite(test_accuracy))
      acc_items.push_back({LegendItem::Kind::line,
                           "test (final " + percent_text(last(test_accuracy) / 100) + ")",
                           test_color});
    detail::draw_legend_best(cr, acc_items, acc, {&accuracy, &val_accuracy, &test_accuracy});
  });
}

// ---- decision boundary --------------------------------------------------------------------------

void decision_boundary(const Model& model, const Dataset& data, const std::string& path,
                       Format format, const FigureOptions& options) {
  check_plane(model, data, "decision boundary");
  detail::Evaluator evaluator(model);
  const std::size_t output = model.network.depth() - 1;
  const int outputs = model.network.outputs();
  const bool binary = outputs <= 2;
  const int class_count = binary ? 2 : outputs;
  const Plane plane = detail::plane_around(data.x);
  const std::vector<int> classes = sample_classes(data);
  const std::vector<std::string> names = class_names(model, data, class_count);
  const std::vector<std::string> axis_labels = axis_names(model, data);

  // Accuracy on the data, for the subtitle.
  std::string subtitle = describe(model.network);
  if (!classes.empty()) {
    const Matrix<double> a = evaluator.activations(data.x, output);
    std::size_t right = 0;
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      right += predicted_class(a, j) == classes[static_cast<std::size_t>(j)];
    subtitle += " · accuracy " + percent_text(static_cast<double>(right) / a.cols()) + " on " +
                std::to_string(a.cols()) + " samples";
  }

  // The decision as fields over the plane: binary, p − 0.5 (or a₁ − a₀) on a vertex grid for the
  // regions and the boundary; more classes, per pixel class and confidence, and per class
  // a_k − max_{j≠k} a_j, whose zero line is that class's border.
  constexpr int n = 241;
  Field decision{n, n, plane, {}};
  std::vector<Field> borders;
  detail::Image image;
  {
    const Matrix<double> a = evaluator.activations(detail::vertex_points(plane, n, n), output);
    decision.values.resize(static_cast<std::size_t>(n) * n);
    for (Eigen::Index k = 0; k < a.cols(); ++k)
      decision.values[static_cast<std::size_t>(k)] =
          outputs == 1 ? a(0, k) - 0.5 : a(std::min(1, outputs - 1), k) - a(0, k);
    if (!binary) {
      for (int c = 0; c < outputs; ++c) {
        Field border{n, n, plane, std::vector<double>(static_cast<std::size_t>(n) * n)};
        for (Eigen::Index k = 0; k < a.cols(); ++k) {
          double others = -std::numeric_limits<double>::infinity();
          for (int o = 0; o < outputs; ++o)
            if (o != c) others = std::max(others, a(o, k));
          border.values[static_cast<std::size_t>(k)] = a(c, k) - others;
        }
        borders.push_back(std::move(border));
      }
      const Matrix<double> p =
          evaluator.activations(detail::pixel_points(plane, kPlotSize, kPlotSize), output);
      image.width = image.height = kPlotSize;
      image.pixels.resize(static_cast<std::size_t>(kPlotSize) * kPlotSize);
      // Shade: the class colour, paler the less sure the network is (confidence 1/K -> almost
      // white, 1 -> a clear tint), so the regions stay light enough for the points on top.
      const bool softmax = model.network.layer(output).activation.kind == Activation::softmax;
      for (Eigen::Index k = 0; k < p.cols(); ++k) {
        const int c = predicted_class(p, k);
        double confidence = p(c, k);
        if (!softmax) confidence = confidence / std::max(1e-12, p.col(k).cwiseMax(0.0).sum());
        const double chance = 1.0 / outputs;
        const double t = std::clamp((confidence - chance) / (1 - chance), 0.0, 1.0);
        image.pixels[static_cast<std::size_t>(k)] =
            std::isfinite(confidence)
                ? lighten(categorical(static_cast<std::size_t>(c)), 0.9 - 0.45 * t)
                : hex(0xFFFFFF);
      }
    }
  }

  std::vector<LegendItem> items;
  for (int k = 0; k < class_count && k < 12; ++k) {
    LegendItem item;
    item.kind = LegendItem::Kind::marker;
    item.label = class_label(names[static_cast<std::size_t>(k)]);
    item.color = point_color(k, class_count);
    item.marker = detail::class_marker(static_cast<std::size_t>(k));
    items.push_back(item);
  }
  if (binary) {
    items.push_back({LegendItem::Kind::patch, class_label(names[0]) + " region", kRegion0});
    items.push_back({LegendItem::Kind::patch, class_label(names[1]) + " region", kRegion1});
    items.push_back({LegendItem::Kind::line,
                     outputs == 1 ? "boundary (output = 0.5)" : "boundary (a₁ = a₀)", hex(0x000000),
                     2});
  } else {
    items.push_back({LegendItem::Kind::line, "class borders", hex(0x333333), 1.2});
  }
  double legend_w = 0, legend_h = 0;
  detail::legend_size(items, &legend_w, &legend_h);
  const int legend_x = kPlotLeft + kPlotSize + 22;
  const int width = legend_x + std::max(150, static_cast<int>(std::ceil(legend_w))) + 20;
  const int height = kPlotTop + kPlotSize + 64;
  Axes axes;
  axes.left = kPlotLeft;
  axes.top = kPlotTop;
  axes.width = axes.height = kPlotSize;
  axes.x = Axis{plane.x_min, plane.x_max, false};
  axes.y = Axis{plane.y_min, plane.y_max, false};
  if (options.panels != nullptr) options.panels->assign(1, axes.panel());

  detail::render(format, width, height, path, [&](cairo_t* cr) {
    detail::text(cr, "Learned decision boundary", width / 2.0, 14, detail::kTitleFont, 0.5, 0);
    detail::text(cr, subtitle, width / 2.0, 38, detail::Font{12, false}, 0.5, 0, detail::kSubtle);
    detail::clip_to(cr, axes);
    if (binary) {
      cairo_rectangle(cr, axes.left, axes.top, axes.width, axes.height);
      detail::set_color(cr, kRegion0);
      cairo_fill(cr);
      cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
      detail::region_path(cr, axes, decision, 0);
      detail::set_color(cr, kRegion1);
      cairo_fill(cr);
    } else {
      detail::draw_image(cr, image, axes);
    }
    cairo_restore(cr);
    detail::draw_grid(cr, axes, 0.8);
    detail::clip_to(cr, axes);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    if (binary) {
      detail::contour_path(cr, axes, decision, 0);
      detail::set_color(cr, hex(0x000000));
      cairo_set_line_width(cr, 2);
    } else {
      for (const Field& border : borders) detail::contour_path(cr, axes, border, 0);
      detail::set_color(cr, hex(0x333333), 0.85);
      cairo_set_line_width(cr, 1.2);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
    if (options.show_points) draw_points(cr, axes, data, classes, class_count);
    detail::draw_frame(cr, axes, axis_labels[0], axis_labels[1]);
    detail::draw_legend(cr, items, legend_x, kPlotTop, 0, 0);
    if (!binary)
      detail::text(cr, "paler: less confident", legend_x + 4, kPlotTop + legend_h + 10,
                   detail::kTickFont, 0, 0, detail::kSubtle);
  });
}

// ---- neuron maps --------------------------------------------------------------------------------

void neuron_maps(const Model& model, const Dataset& data, std::size_t layer,
                 const std::string& path, Format format, const FigureOptions& options) {
  check_hidden_layer(model, layer);
  check_plane(model, data, "neuron maps");
  const Plane plane = detail::plane_around(data.x);
  const std::vector<int> classes = sample_classes(data);
  const int class_count =
      std::max(2, classes.empty() ? 2 : *std::max_element(classes.begin(), classes.end()) + 1);
  const std::vector<std::string> axis_labels = axis_names(model, data);

  const int units = static_cast<int>(model.network.layer(layer).units());
  const int shown = std::min(units, 64);
  const ActivationSpec activation = model.network.layer(layer).activation;

  constexpr int size = 220;  // plot area of one panel; one field sample per pixel
  detail::Evaluator evaluator(model);
  const Matrix<double> a = evaluator.activations(detail::pixel_points(plane, size, size), layer);

  // Colour ranges: the activation's own range where it has one, so that panels compare.
  std::vector<std::pair<double, double>> ranges;
  for (int u = 0; u < shown; ++u) {
    double lo = 0, hi = 1;
    if (activation.kind == Activation::tanh) {
      lo = -1;
    } else if (activation.kind != Activation::sigmoid && activation.kind != Activation::softmax) {
      lo = a.row(u).minCoeff();
      hi = a.row(u).maxCoeff();
      if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
      if (!(hi > lo)) lo -= 0.5, hi += 0.5;
    }
    ranges.emplace_back(lo, hi);
  }

  const int columns = std::min(shown, 4);
  const int rows = (shown + columns - 1) / columns;
  const int cell_w = 70 + size + 14 + 14 + 46, cell_h = 40 + size + 54;
  const int top = 74;
  const int width = columns * cell_w + 10, height = top + rows * cell_h;
  std::vector<Axes> panels;
  for (int u = 0; u < shown; ++u) {
    Axes axes;
    axes.left = (u % columns) * cell_w + 70;
    axes.top = top + (u / columns) * cell_h + 30;
    axes.width = axes.height = size;
    axes.x = Axis{plane.x_min, plane.x_max, false};
    axes.y = Axis{plane.y_min, plane.y_max, false};
    panels.push_back(axes);
  }
  if (options.panels != nullptr) {
    options.panels->clear();
    for (const Axes& axes : panels) options.panels->push_back(axes.panel());
  }

  const std::string layer_name = layer == 0 ? "h" : "h" + std::to_string(layer + 1) + ".";
  std::string subtitle = "a = " + to_string(activation.kind) + "(z) of hidden layer " +
                         std::to_string(layer + 1) + " over the input plane · " +
                         describe(model.network);
  if (shown < units)
    subtitle += " (the first " + std::to_string(shown) + " of " + std::to_string(units) + ")";

  detail::render(format, width, height, path, [&](cairo_t* cr) {
    detail::text(cr, "What each hidden neuron learned", width / 2.0, 14, detail::kTitleFont, 0.5,
                 0);
    detail::text(cr, subtitle, width / 2.0, 38, detail::Font{12, false}, 0.5, 0, detail::kSubtle);
    for (int u = 0; u < shown; ++u) {
      const Axes& axes = panels[static_cast<std::size_t>(u)];
      const auto [lo, hi] = ranges[static_cast<std::size_t>(u)];
      detail::Image image;
      image.width = image.height = size;
      image.pixels.resize(static_cast<std::size_t>(size) * size);
      for (Eigen::Index k = 0; k < a.cols(); ++k)
        image.pixels[static_cast<std::size_t>(k)] = diverging((a(u, k) - lo) / (hi - lo));
      detail::draw_image(cr, image, axes);
      // Smaller markers on the small panels (the lesson: s=150 here, s=300 on the boundary).
      if (options.show_points) draw_points(cr, axes, data, classes, class_count, 0.75);
      detail::draw_frame(cr, axes, axis_labels[0], axis_labels[1],
                         "Hidden neuron " + layer_name + std::to_string(u + 1));
      detail::draw_colorbar(cr, axes.left + size + 14, axes.top, 14, size, lo, hi);
    }
  });
}

// ---- network diagram ----------------------------------------------------------------------------

void network_diagram(const Model& model, const std::string& path, Format format) {
  check_layers(model);
  const Network<double>& net = model.network;
  std::vector<int> units = {net.inputs()};
  for (const DenseLayer<double>& layer : net.layers())
    units.push_back(static_cast<int>(layer.units()));
  for (std::size_t c = 0; c < units.size(); ++c)
    if (units[c] > kMaxDiagramUnits)
      throw usage_error("network diagram is drawn for small nets (at most " +
                        std::to_string(kMaxDiagramUnits) + " units per layer); " +
                        (c == 0 ? std::string("the input") : "layer " + std::to_string(c)) +
                        " has " + std::to_string(units[c]));
  const int widest = *std::max_element(units.begin(), units.end());
  const double spacing = widest <= 6 ? 70 : widest <= 12 ? 46 : widest <= 24 ? 30 : 17;
  const double radius = std::min(17.0, spacing * 0.33);
  const double column_gap = 210, margin_x = 140, top = 112;
  const int columns = static_cast<int>(units.size());
  const int width = static_cast<int>(2 * margin_x + column_gap * (columns - 1));
  const int height = static_cast<int>(top + spacing * widest + 84);
  const auto node = [&](int c, int i) {
    const double y0 = top + spacing * (widest - units[static_cast<std::size_t>(c)]) / 2.0;
    return std::pair<double, double>{margin_x + column_gap * c, y0 + spacing * (i + 0.5)};
  };

  double max_w = 0, max_b = 0;
  for (const DenseLayer<double>& layer : net.layers()) {
    max_w = std::max(max_w, layer.W.cwiseAbs().maxCoeff());
    max_b = std::max(max_b, layer.b.cwiseAbs().maxCoeff());
  }
  if (!(max_w > 0)) max_w = 1;
  if (!(max_b > 0)) max_b = 1;

  struct Edge {
    double x0, y0, x1, y1, w;
  };
  std::vector<Edge> edges;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const Matrix<double>& W = net.layer(l).W;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
      for (Eigen::Index j = 0; j < W.cols(); ++j) {
        const auto [x0, y0] = node(static_cast<int>(l), static_cast<int>(j));
        const auto [x1, y1] = node(static_cast<int>(l) + 1, static_cast<int>(i));
        edges.push_back({x0, y0, x1, y1, std::isfinite(W(i, j)) ? W(i, j) : 0.0});
      }
  }
  // Weak edges first, so that the strong ones are drawn on top.
  std::stable_sort(edges.begin(), edges.end(),
                   [](const Edge& a, const Edge& b) { return std::abs(a.w) < std::abs(b.w); });

  std::vector<std::string> inputs = model.info.feature_names;
  if (static_cast<int>(inputs.size()) != net.inputs()) {
    inputs.clear();
    for (int j = 0; j < net.inputs(); ++j) inputs.push_back("x" + std::to_string(j + 1));
  }
  std::vector<std::string> outputs;
  for (const std::string& name : model.info.class_names) outputs.push_back(class_label(name));
  if (static_cast<int>(outputs.size()) == 2 && net.outputs() == 1)
    outputs = {"p(" + outputs[1] + ")"};
  if (static_cast<int>(outputs.size()) != net.outputs()) {
    outputs.clear();
    if (net.outputs() == 1)
      outputs.push_back("ŷ");
    else
      for (int k = 0; k < net.outputs(); ++k) outputs.push_back("ŷ" + std::to_string(k + 1));
  }

  detail::render(format, width, height, path, [&](cairo_t* cr) {
    std::string sizes = std::to_string(net.inputs());
    for (std::size_t c = 1; c < units.size(); ++c) sizes += "-" + std::to_string(units[c]);
    detail::text(cr, "Network " + sizes + ": weights and biases", width / 2.0, 14,
                 detail::kTitleFont, 0.5, 0);
    detail::text(cr, describe(net), width / 2.0, 38, detail::Font{12, false}, 0.5, 0,
                 detail::kSubtle);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (const Edge& e : edges) {
      const double t = std::abs(e.w) / max_w;
      detail::set_color(cr, e.w >= 0 ? kPositiveWeight : kNegativeWeight, 0.25 + 0.7 * t);
      cairo_set_line_width(cr, 0.6 + 6.4 * t);
      const double mid = (e.x0 + e.x1) / 2;  // horizontal tangents at both ends, as the Playground
      cairo_move_to(cr, e.x0, e.y0);
      cairo_curve_to(cr, mid, e.y0, mid, e.y1, e.x1, e.y1);
      cairo_stroke(cr);
    }
    for (int c = 0; c < columns; ++c) {
      std::string header = c == 0             ? "Input"
                           : c + 1 == columns ? "Output"
                                              : "Hidden " + std::to_string(c);
      std::string detail_line =
          c == 0 ? std::to_string(units[0]) + (units[0] == 1 ? " feature" : " features")
                 : std::to_string(units[static_cast<std::size_t>(c)]) + " × " +
                       to_string(net.layer(static_cast<std::size_t>(c - 1)).activation.kind);
      const double x = margin_x + column_gap * c;
      detail::text(cr, header, x, top - 46, detail::Font{13, true}, 0.5, 0);
      detail::text(cr, detail_line, x, top - 28, detail::kTickFont, 0.5, 0, detail::kSubtle);
      for (int i = 0; i < units[static_cast<std::size_t>(c)]; ++i) {
        const auto [nx, ny] = node(c, i);
        Rgb fill = hex(0xFFFFFF);
        if (c > 0) {  // tinted by the bias: its sign's colour, stronger with |b|
          const double b = net.layer(static_cast<std::size_t>(c - 1)).b(i);
          const double t = std::isfinite(b) ? std::abs(b) / max_b : 0;
          fill = lighten(b >= 0 ? kPositiveWeight : kNegativeWeight, 1 - 0.75 * t);
        }
        detail::draw_marker(cr, detail::Marker::circle, nx, ny, radius, fill, 1, hex(0x444444),
                            1.5);
        const detail::Font label_font{radius >= 10 ? 12.0 : 9.0, false};
        if (c == 0)
          detail::text(cr, detail::pretty_name(inputs[static_cast<std::size_t>(i)]),
                       nx - radius - 8, ny, label_font, 1, 0.5);
        if (c + 1 == columns)
          detail::text(cr, outputs[static_cast<std::size_t>(i)], nx + radius + 8, ny, label_font, 0,
                       0.5);
      }
    }
    std::vector<LegendItem> items = {
        {LegendItem::Kind::line, "positive weight", kPositiveWeight, 3},
        {LegendItem::Kind::line, "negative weight", kNegativeWeight, 3}};
    detail::draw_legend(cr, items, 16, height - 12, 0, 1);
    detail::text(cr,
                 "line width ∝ |w| (largest " + short_number(max_w) +
                     "); node tint: bias (largest |b| " + short_number(max_b) + ")",
                 190, height - 30, detail::kTickFont, 0, 0.5, detail::kSubtle);
  });
}

// ---- everything at once
// ---------------------------------------------------------------------------

std::vector<std::string> write_training_figures(const Model& model, const Dataset* data,
                                                const std::string& dir, Format format,
                                                std::size_t layer) {
  check_layers(model);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    throw Error(dir + ": cannot write figures there (" + std::strerror(errno) + ")");
  if (!S_ISDIR(st.st_mode)) throw Error(dir + ": cannot write figures there (not a directory)");
  const bool plane = data != nullptr && model.network.inputs() == 2 && data->x.rows() == 2;
  if (plane && model.network.depth() > 1) check_hidden_layer(model, layer);  // before writing
  const std::string ext = "." + extension(format);
  std::vector<std::string> written;
  bool has_loss = false;
  for (const EpochRecord& r : model.info.history)
    has_loss = has_loss || std::isfinite(r.loss) || std::isfinite(r.val_loss);
  if (has_loss) {
    const std::string path = join_path(dir, "loss" + ext);
    loss_curve(model.info.history, "Training: " + describe(model.network), path, format);
    written.push_back(path);
  }
  if (plane) {
    std::string path = join_path(dir, "boundary" + ext);
    decision_boundary(model, *data, path, format);
    written.push_back(path);
    if (model.network.depth() > 1) {
      path = join_path(dir, "neurons" + ext);
      neuron_maps(model, *data, layer, path, format);
      written.push_back(path);
    }
  }
  bool small = model.network.inputs() <= kMaxDiagramUnits;
  for (const DenseLayer<double>& l : model.network.layers())
    small = small && l.units() <= kMaxDiagramUnits;
  if (small) {
    const std::string path = join_path(dir, "network" + ext);
    network_diagram(model, path, format);
    written.push_back(path);
  }
  return written;
}

}  // namespace backprop::plot
