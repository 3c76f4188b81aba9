#include "field.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "backprop/error.h"

namespace backprop::plot::detail {

Plane plane_around(const Matrix<double>& x) {
  double lo[2], hi[2], span[2];
  for (int r = 0; r < 2; ++r) {
    lo[r] = x.row(r).minCoeff();
    hi[r] = x.row(r).maxCoeff();
    span[r] = hi[r] - lo[r];
    if (!(span[r] > 0)) span[r] = std::max(1.0, std::abs(lo[r]));  // one distinct value
  }
  if (std::max(span[0], span[1]) <= 1.5 * std::min(span[0], span[1]))
    span[0] = span[1] = std::max(span[0], span[1]);
  // A handful of points (XOR's four) are the whole problem: show the regions well around them,
  // as the lesson does. A cloud of samples fills the plot itself and needs only a little room.
  const double margin = x.cols() <= 16 ? 0.5 : 0.1;
  Plane p;
  const double cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
  p.x_min = cx - (0.5 + margin) * span[0];
  p.x_max = cx + (0.5 + margin) * span[0];
  p.y_min = cy - (0.5 + margin) * span[1];
  p.y_max = cy + (0.5 + margin) * span[1];
  return p;
}

Evaluator::Evaluator(const Model& model)
    : network_(model.network), mean_(model.info.input_mean), scale_(model.info.input_scale) {
  if (mean_.size() != 0 &&
      (mean_.size() != network_.inputs() || scale_.size() != network_.inputs()))
    throw Error("the model's standardisation has " + std::to_string(mean_.size()) + " means and " +
                std::to_string(scale_.size()) + " scales, expected one per input (" +
                std::to_string(network_.inputs()) + ")");
}

Matrix<double> Evaluator::activations(const Matrix<double>& points, std::size_t layer) {
  const Eigen::Index n = points.cols();
  const Eigen::Index units = network_.layer(layer).units();
  Matrix<double> out(units, n);
  // In chunks, so that the caches of a wide network over a fine grid stay small.
  constexpr Eigen::Index chunk = 8192;
  Matrix<double> x;
  for (Eigen::Index start = 0; start < n; start += chunk) {
    const Eigen::Index count = std::min(chunk, n - start);
    x = points.middleCols(start, count);
    if (mean_.size() != 0) x = ((x.colwise() - mean_).array().colwise() / scale_.array()).matrix();
    network_.forward(x);
    out.middleCols(start, count) = network_.a(layer);
  }
  return out;
}

Matrix<double> vertex_points(const Plane& plane, int nx, int ny) {
  Matrix<double> p(2, static_cast<Eigen::Index>(nx) * ny);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const Eigen::Index k = static_cast<Eigen::Index>(j) * nx + i;
      p(0, k) = plane.x_min + (plane.x_max - plane.x_min) * i / (nx - 1);
      p(1, k) = plane.y_min + (plane.y_max - plane.y_min) * j / (ny - 1);
    }
  return p;
}

Matrix<double> pixel_points(const Plane& plane, int width, int height) {
  Matrix<double> p(2, static_cast<Eigen::Index>(width) * height);
  for (int row = 0; row < height; ++row)
    for (int col = 0; col < width; ++col) {
      const Eigen::Index k = static_cast<Eigen::Index>(row) * width + col;
      p(0, k) = plane.x_min + (plane.x_max - plane.x_min) * (col + 0.5) / width;
      p(1, k) = plane.y_max - (plane.y_max - plane.y_min) * (row + 0.5) / height;
    }
  return p;
}

namespace {

struct Vertex {
  double x, y;
  bool crossing;
};

// The part of cell (i, j) above `level`, walking its corners (i,j) (i+1,j) (i+1,j+1) (i,j+1)
// and adding the level's crossing on every edge whose ends disagree. Consecutive crossings in the
// walk are the contour's segments inside the cell; a saddle comes out joined, consistently for
// the fill and the line.
int cell_polygon(const Axes& axes, const Field& f, int i, int j, double level, Vertex* out) {
  const int ci[4] = {i, i + 1, i + 1, i};
  const int cj[4] = {j, j, j + 1, j + 1};
  double v[4];
  bool above[4];
  for (int k = 0; k < 4; ++k) {
    v[k] = f(ci[k], cj[k]);
    above[k] = v[k] > level;  // false for NaN
  }
  const double dx = (f.plane.x_max - f.plane.x_min) / (f.nx - 1);
  const double dy = (f.plane.y_max - f.plane.y_min) / (f.ny - 1);
  int n = 0;
  for (int k = 0; k < 4; ++k) {
    const int m = (k + 1) % 4;
    const double xk = f.plane.x_min + ci[k] * dx, yk = f.plane.y_min + cj[k] * dy;
    if (above[k]) out[n++] = {axes.px(xk), axes.py(yk), false};
    if (above[k] != above[m]) {
      double t = (level - v[k]) / (v[m] - v[k]);
      if (!std::isfinite(t)) t = 0.5;
      t = std::clamp(t, 0.0, 1.0);
      const double xm = f.plane.x_min + ci[m] * dx, ym = f.plane.y_min + cj[m] * dy;
      out[n++] = {axes.px(xk + t * (xm - xk)), axes.py(yk + t * (ym - yk)), true};
    }
  }
  return n;
}

}  // namespace

void region_path(cairo_t* cr, const Axes& axes, const Field& f, double level) {
  const Plane& p = f.plane;
  const double dx = (p.x_max - p.x_min) / (f.nx - 1), dy = (p.y_max - p.y_min) / (f.ny - 1);
  Vertex poly[8];
  for (int j = 0; j + 1 < f.ny; ++j) {
    const double y0 = axes.py(p.y_min + j * dy), y1 = axes.py(p.y_min + (j + 1) * dy);
    int run = -1;  // first cell of a run of cells wholly above the level
    for (int i = 0; i <= f.nx - 1; ++i) {
      const bool full = i + 1 < f.nx && f(i, j) > level && f(i + 1, j) > level &&
                        f(i + 1, j + 1) > level && f(i, j + 1) > level;
      if (full) {
        if (run < 0) run = i;
        continue;
      }
      if (run >= 0) {  // the run as one quadrilateral, same corner order as the cells
        const double x0 = axes.px(p.x_min + run * dx), x1 = axes.px(p.x_min + i * dx);
        cairo_move_to(cr, x0, y0);
        cairo_line_to(cr, x1, y0);
        cairo_line_to(cr, x1, y1);
        cairo_line_to(cr, x0, y1);
        cairo_close_path(cr);
        run = -1;
      }
      if (i + 1 >= f.nx) break;
      const int n = cell_polygon(axes, f, i, j, level, poly);
      if (n < 3) continue;
      cairo_move_to(cr, poly[0].x, poly[0].y);
      for (int k = 1; k < n; ++k) cairo_line_to(cr, poly[k].x, poly[k].y);
      cairo_close_path(cr);
    }
  }
}

void contour_path(cairo_t* cr, const Axes& axes, const Field& f, double level) {
  Vertex poly[8];
  for (int j = 0; j + 1 < f.ny; ++j)
    for (int i = 0; i + 1 < f.nx; ++i) {
      const int n = cell_polygon(axes, f, i, j, level, poly);
      for (int k = 0; k < n; ++k) {
        const Vertex& a = poly[k];
        const Vertex& b = poly[(k + 1) % n];
        if (a.crossing && b.crossing) {
          cairo_move_to(cr, a.x, a.y);
          cairo_line_to(cr, b.x, b.y);
        }
      }
    }
}

}  // namespace backprop::plot::detail
