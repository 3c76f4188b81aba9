// field.h — a network evaluated over the input plane, and the contours of such a field
// (internal to backprop_plot).
#pragma once

#include <cairo.h>

#include <cstddef>
#include <vector>

#include "backprop/data/dataset.h"
#include "backprop/io/model_file.h"
#include "canvas.h"

namespace backprop::plot::detail {

// A rectangle of the input plane (raw, unstandardised inputs).
struct Plane {
  double x_min = -1, x_max = 1, y_min = -1, y_max = 1;
};

// Covers the samples with a margin of 50 % of their span for up to 16 samples (XOR's 0..1 becomes
// the lesson's −0.5..1.5) and 10 % for more; when the two spans are within a factor 1.5 of each
// other both get the larger one, so that a circle stays round on a square plot.
Plane plane_around(const Matrix<double>& x);

// The model's network behind its input standardisation: points in raw input space.
class Evaluator {
 public:
  explicit Evaluator(const Model& model);
  // a(layer) (0-based) at the columns of `points` (2 x n): (units x n).
  Matrix<double> activations(const Matrix<double>& points, std::size_t layer);
  const Network<double>& network() const { return network_; }

 private:
  Network<double> network_;
  Vector<double> mean_, scale_;
};

// Samples of a field on a vertex grid: value(i, j) at x_min + i dx, y_min + j dy
// (i < nx, j < ny, j = 0 at the bottom), as np.linspace over the plane.
struct Field {
  int nx = 0, ny = 0;
  Plane plane;
  std::vector<double> values;  // j-major: values[j * nx + i]
  double operator()(int i, int j) const { return values[static_cast<std::size_t>(j) * nx + i]; }
};
// The nx x ny vertex points of the plane as columns (2 x nx·ny), in Field order.
Matrix<double> vertex_points(const Plane& plane, int nx, int ny);
// The centres of a width x height pixel grid over the plane (2 x width·height), row 0 at the top
// (image order), so that one sample lands on each PNG pixel of an equally sized plot area.
Matrix<double> pixel_points(const Plane& plane, int width, int height);

// Marching squares. region_path adds {value > level} to the current path as cell polygons of one
// orientation (full cells merged into runs), so one nonzero-winding fill paints their union
// without seams; contour_path adds the line value = level as segments. NaN counts as below.
void region_path(cairo_t* cr, const Axes& axes, const Field& field, double level);
void contour_path(cairo_t* cr, const Axes& axes, const Field& field, double level);

}  // namespace backprop::plot::detail
