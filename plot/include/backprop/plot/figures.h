// figures.h — the lesson's figures drawn from a model, its training history and its data:
// loss curves, decision boundaries, what each hidden neuron computes, and the network's weights.
//
// Every figure is drawn in the raw input space: a model trained on standardised inputs
// (ModelInfo::input_mean/input_scale) is fed (x − mean) / scale for every grid point, so the axes
// show the data as it was given. A grid point x of a 2-D input plane is coloured by a(L)(x):
//   one output            p = a(x),          class 1 where p > 0.5
//   two outputs           s = a₁(x) − a₀(x), class 1 where s > 0 (softmax: where a₁ > 0.5)
//   more than two         k = argmax a(x),   shaded by the confidence a_k(x)
// The same drawing routine renders every format through a cairo surface (PNG image, SVG, PDF),
// and files are written atomically (temporary name, then rename), so a failure never leaves a
// partial file. Every problem is a backprop::Error that names what was wrong; nothing is printed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backprop/data/dataset.h"
#include "backprop/model/model.h"

namespace backprop::plot {

enum class Format { png, svg, pdf };

// "png", "svg", "pdf"; anything else is a usage Error listing them.
Format format_from_string(const std::string& name);
// "png", "svg", "pdf" (no dot).
std::string extension(Format format);

// Where one panel's data coordinates land on the figure, in pixels (PNG) or points (SVG, PDF),
// y growing downwards; reported so that callers and tests can find a data point in an image.
struct Panel {
  double left = 0, top = 0, width = 0, height = 0;  // the plot area
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  double pixel_x(double x) const { return left + (x - x_min) / (x_max - x_min) * width; }
  double pixel_y(double y) const { return top + (y_max - y) / (y_max - y_min) * height; }
};

// Optional settings of the 2-D figures.
struct FigureOptions {
  bool show_points = true;               // draw the data set's samples on top
  std::vector<Panel>* panels = nullptr;  // receives the plot areas, in drawing order
};

// Loss per epoch on a log-scale y axis (training, and validation when recorded), accuracy in a
// second panel when recorded. Epochs are counted from 0, as the lesson's loss_history. NaN
// entries are gaps. Throws "no loss history to plot" when no epoch has a loss.
void loss_curve(const std::vector<EpochRecord>& history, const std::string& title,
                const std::string& path, Format format);

// 2-D inputs only: the network's decision over a grid covering the data with a margin (50 % of
// the span for a handful of points, so XOR gets the lesson's −0.5..1.5; 10 % for more), the class
// regions, the boundary in black, and the samples by class on top. Throws when the model or the
// data do not have exactly 2 inputs.
void decision_boundary(const Model& model, const Dataset& data, const std::string& path,
                       Format format, const FigureOptions& options = {});

// One panel per neuron of hidden layer `layer` (0-based): its activation a over the input plane,
// with a colour bar (sigmoid on 0..1, tanh on −1..1, others on the range seen) and the samples.
// Throws for non-2-D inputs, a model without hidden layers, or `layer` out of range. At most 64
// neurons are drawn (the title says so when there are more).
void neuron_maps(const Model& model, const Dataset& data, std::size_t layer,
                 const std::string& path, Format format, const FigureOptions& options = {});

// Layers as columns of nodes, every weight an edge coloured by its sign (blue positive, orange
// negative) and as wide as |w| (TensorFlow Playground's picture). Nodes are tinted by their bias.
// Throws for a layer wider than kMaxDiagramUnits.
inline constexpr int kMaxDiagramUnits = 64;
void network_diagram(const Model& model, const std::string& path, Format format);

// Every figure that applies, into the existing directory `dir` (a missing one is an Error naming
// it): loss.EXT when the model has a history; boundary.EXT and neurons.EXT (of hidden layer
// `layer`) for 2-D inputs when data is given; network.EXT when every layer has at most
// kMaxDiagramUnits units. Returns the paths written.
std::vector<std::string> write_training_figures(const Model& model, const Dataset* data,
                                                const std::string& dir, Format format,
                                                std::size_t layer = 0);

}  // namespace backprop::plot
