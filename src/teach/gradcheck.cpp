#include "backprop/teach/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "backprop/error.h"

namespace backprop {

bool GradCheckReport::passed() const {
  return std::all_of(tensors.begin(), tensors.end(),
                     [](const GradCheckTensor& t) { return t.passed; });
}

std::vector<Matrix<double>> analytical_gradients(const Network<double>& network) {
  std::vector<Matrix<double>> grads;
  for (const DenseLayer<double>& layer : network.layers()) {
    grads.push_back(layer.dW);
    grads.push_back(layer.db);
  }
  grads.push_back(network.input_gradient());
  return grads;
}

namespace {

// The forward pass checked: the full network, or with options.dropout's fixed masks.
void pass(Network<double>& network, const Matrix<double>& x, const GradCheckOptions& options) {
  if (options.dropout != nullptr)
    network.forward_training(x, *options.dropout);
  else
    network.forward(x);
}

}  // namespace

GradCheckReport gradient_check(Network<double>& network, const Matrix<double>& x,
                               const Matrix<double>& y, const GradCheckOptions& options) {
  pass(network, x, options);
  network.backward(x, y, true, options.class_weights);
  return compare_with_numerical(network, x, y, analytical_gradients(network), options);
}

namespace {

// L at the current parameters and input.
double loss_at(Network<double>& network, const Matrix<double>& x, const Matrix<double>& y,
               const GradCheckOptions& options) {
  pass(network, x, options);
  return network.loss_value(y, options.class_weights);
}

using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

// The side of 0 of every relu/leaky_relu pre-activation after the last forward pass (z > 0),
// one mask per layer (empty for layers without a kink).
std::vector<Mask> kink_sides(const Network<double>& network) {
  std::vector<Mask> sides(network.depth());
  for (std::size_t l = 0; l < network.depth(); ++l) {
    const Activation kind = network.layer(l).activation.kind;
    if (kind == Activation::relu || kind == Activation::leaky_relu)
      sides[l] = network.z(l).array() > 0.0;
  }
  return sides;
}

bool same_sides(const Network<double>& network, const std::vector<Mask>& base) {
  for (std::size_t l = 0; l < base.size(); ++l)
    if (base[l].size() > 0 && ((network.z(l).array() > 0.0) != base[l]).any()) return false;
  return true;
}

struct Differences {
  Matrix<double> numerical;
  Mask kink_crossed;
};

// Central difference for every entry of `p` (a parameter or the input, perturbed in place), and
// whether any evaluation point put a relu/leaky_relu z on the other side of 0 than `base`.
template <typename Tensor>
Differences central_differences(Tensor& p, Network<double>& network, const Matrix<double>& x,
                                const Matrix<double>& y, const GradCheckOptions& options,
                                const std::vector<Mask>& base) {
  const double h = options.epsilon;
  Differences out{Matrix<double>(p.rows(), p.cols()), Mask::Constant(p.rows(), p.cols(), false)};
  Matrix<double>& numerical = out.numerical;
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      const double original = p(i, j);
      // L with this one entry moved by k·h
      auto loss_moved = [&](double k) {
        p(i, j) = original + k * h;
        const double loss = loss_at(network, x, y, options);
        if (!same_sides(network, base)) out.kink_crossed(i, j) = true;
        return loss;
      };
      if (options.order == 4) {
        // Differences first: a parameter with no effect then gives exactly 0.
        const double near_side = loss_moved(1) - loss_moved(-1);
        const double far_side = loss_moved(2) - loss_moved(-2);
        numerical(i, j) = (8 * near_side - far_side) / (12 * h);
      } else {
        numerical(i, j) = (loss_moved(1) - loss_moved(-1)) / (2 * h);
      }
      p(i, j) = original;
    }
  }
  return out;
}

GradCheckTensor compare(const std::string& name, const Matrix<double>& analytical,
                        const Differences& differences, const GradCheckOptions& options) {
  const Matrix<double>& numerical = differences.numerical;
  const double tolerance = options.tolerance;
  GradCheckTensor t;
  t.name = name;
  t.rows = numerical.rows();
  t.cols = numerical.cols();
  t.analytical = analytical;
  t.numerical = numerical;
  if (analytical.rows() != numerical.rows() || analytical.cols() != numerical.cols())
    throw Error("gradient " + name + " has shape " + std::to_string(analytical.rows()) + "x" +
                std::to_string(analytical.cols()) + ", expected " +
                std::to_string(numerical.rows()) + "x" + std::to_string(numerical.cols()));
  t.kink_crossed = differences.kink_crossed;
  t.kinks_crossed = static_cast<long>(t.kink_crossed.count());
  Eigen::ArrayXXd diff = (analytical - numerical).array().abs();
  if (options.exclude_kinks) diff = t.kink_crossed.select(0.0, diff);  // judge the rest
  const Eigen::ArrayXXd denom = (analytical.array().abs() + numerical.array().abs()).max(1e-8);
  t.max_abs_diff = diff.size() ? diff.maxCoeff() : 0.0;
  t.max_rel_error = diff.size() ? (diff / denom).maxCoeff() : 0.0;
  // NaN anywhere fails the check (a NaN comparison is false).
  t.passed = t.max_rel_error < tolerance && analytical.allFinite();
  return t;
}

}  // namespace

GradCheckReport compare_with_numerical(Network<double>& network, const Matrix<double>& x,
                                       const Matrix<double>& y,
                                       const std::vector<Matrix<double>>& analytical,
                                       const GradCheckOptions& options) {
  const std::size_t expected = 2 * network.depth() + 1;
  if (analytical.size() != expected)
    throw Error("expected " + std::to_string(expected) + " gradient tensors, found " +
                std::to_string(analytical.size()));
  if (options.order != 2 && options.order != 4)
    throw usage_error("gradient check order must be 2 or 4, found " +
                      std::to_string(options.order));
  if (!(options.epsilon > 0)) throw usage_error("gradient check epsilon must be positive");
  GradCheckReport report;
  report.options = options;
  report.loss = loss_at(network, x, y, options);
  const std::vector<Mask> base = kink_sides(network);  // the sides of the unperturbed pass
  for (std::size_t l = 0; l < network.depth(); ++l) {
    DenseLayer<double>& layer = network.layer(l);
    const std::string n = std::to_string(l + 1);
    report.tensors.push_back(compare("W" + n, analytical[2 * l],
                                     central_differences(layer.W, network, x, y, options, base),
                                     options));
    report.tensors.push_back(compare("b" + n, analytical[2 * l + 1],
                                     central_differences(layer.b, network, x, y, options, base),
                                     options));
  }
  if (options.check_input) {
    Matrix<double> x_copy = x;
    report.tensors.push_back(compare("x", analytical.back(),
                                     central_differences(x_copy, network, x_copy, y, options, base),
                                     options));
  }
  for (const GradCheckTensor& t : report.tensors) {
    report.max_rel_error = std::max(report.max_rel_error, t.max_rel_error);
    report.kinks_crossed += t.kinks_crossed;
    report.entries += static_cast<long>(t.rows * t.cols);
  }
  pass(network, x, options);  // leave the caches as they were: the pass on the unperturbed input
  return report;
}

std::string format_report(const GradCheckReport& report) {
  std::string out;
  char line[512];
  for (const GradCheckTensor& t : report.tensors) {
    std::snprintf(line, sizeof line, "Checking %s (shape %ldx%ld):\n", t.name.c_str(),
                  static_cast<long>(t.rows), static_cast<long>(t.cols));
    out += line;
    std::snprintf(line, sizeof line, "  Max absolute diff:  %.2e\n", t.max_abs_diff);
    out += line;
    std::snprintf(line, sizeof line, "  Max relative error: %.2e\n", t.max_rel_error);
    out += line;
    if (t.kinks_crossed > 0) {
      std::snprintf(line, sizeof line, "  Kink crossed:       %ld of %ld entries%s\n",
                    t.kinks_crossed, static_cast<long>(t.rows * t.cols),
                    report.options.exclude_kinks ? " (not judged)" : " (judged all the same)");
      out += line;
    }
    out += t.passed ? "  \u2713 PASSED\n"
                    : "  \u2717 FAILED \u2014 check the backprop implementation!\n";
  }
  std::snprintf(line, sizeof line,
                "Overall max relative error: %.2e (tolerance %.0e, epsilon %.0e, order %d)\n",
                report.max_rel_error, report.options.tolerance, report.options.epsilon,
                report.options.order);
  out += line;
  if (report.kinks_crossed > 0) {
    std::snprintf(line, sizeof line,
                  "Kink crossed: %ld of %ld entries move a relu/leaky_relu pre-activation across 0 "
                  "within \u00b1%sepsilon, where the central difference averages two slopes; "
                  "%s\n",
                  report.kinks_crossed, report.entries, report.options.order == 4 ? "2\u00b7" : "",
                  report.options.exclude_kinks ? "they are excluded and the other entries judged"
                                               : "they are judged all the same");
    out += line;
  }
  out += report.passed() ? "\u2713 All gradients verified!\n"
                         : "\u2717 Some gradients are incorrect!\n";
  return out;
}

}  // namespace backprop
