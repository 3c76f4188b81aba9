#include "backprop/teach/diagnostics.h"

#include <fmt/format.h>

#include <cmath>

namespace backprop {

Diagnostics diagnose(Network<double>& network, const Matrix<double>& x, const Matrix<double>& y) {
  network.forward(x);
  network.backward(x, y, false);
  Diagnostics d;
  for (std::size_t l = 0; l < network.depth(); ++l) {
    const DenseLayer<double>& layer = network.layer(l);
    LayerDiagnostics ld;
    ld.activation = layer.activation.kind;
    ld.units = layer.units();
    ld.weight_norm = layer.W.norm();
    ld.gradient_norm = std::sqrt(layer.dW.squaredNorm() + layer.db.squaredNorm());
    const Matrix<double>& z = network.z(l);
    const Matrix<double>& a = network.a(l);
    const double samples = static_cast<double>(z.cols());
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
      if (ld.activation == Activation::relu) {
        if ((z.row(i).array() <= 0).all()) ++ld.dead_units;
      } else if (ld.activation == Activation::sigmoid) {
        const double flat = ((a.row(i).array() * (1 - a.row(i).array())) < 0.0025).count();
        if (flat >= 0.99 * samples) ++ld.saturated_units;
      } else if (ld.activation == Activation::tanh) {
        const double flat = ((1 - a.row(i).array().square()) < 0.01).count();
        if (flat >= 0.99 * samples) ++ld.saturated_units;
      }
    }
    const std::string where = fmt::format("layer {}", l + 1);
    if (ld.dead_units > 0) {
      const bool many =
          static_cast<double>(ld.dead_units) >= kDeadUnitsWarning * static_cast<double>(ld.units);
      (many ? d.warnings : d.notes)
          .push_back(fmt::format(
              "{}: {} of {} relu units are dead (z <= 0 on every sample, so they pass no "
              "gradient); try a smaller OptimizerOptions.lr, leaky_relu, or another "
              "TrainOptions.seed",
              where, ld.dead_units, ld.units));
    }
    if (ld.saturated_units > 0 && 2 * ld.saturated_units >= ld.units)
      d.warnings.push_back(
          fmt::format("{}: {} of {} {} units are saturated (flat for 99% of the samples); try "
                      "FitOptions.standardize, a smaller OptimizerOptions.lr or relu",
                      where, ld.saturated_units, ld.units, to_string(ld.activation)));
    d.layers.push_back(ld);
  }
  if (network.depth() >= 2) {
    const double first = d.layers.front().gradient_norm, last = d.layers.back().gradient_norm;
    if (last > 0 && first < 1e-2 * last)
      d.warnings.push_back(fmt::format(
          "gradients vanish towards the input (|dL/dW| {:.2g} in layer 1 vs {:.2g} in layer {}); "
          "try relu, fewer layers or FitOptions.standardize",
          first, last, network.depth()));
    if (first > 0 && first > 1e2 * last)
      d.warnings.push_back(fmt::format(
          "gradients explode towards the input (|dL/dW| {:.2g} in layer 1 vs {:.2g} in layer {}); "
          "try a smaller OptimizerOptions.lr or smaller initial weights",
          first, last, network.depth()));
  }
  for (const LayerDiagnostics& ld : d.layers)
    if (!std::isfinite(ld.gradient_norm) || ld.gradient_norm > 1e6) {
      d.warnings.push_back(fmt::format(
          "gradient norms are huge ({:.2g}); try a smaller OptimizerOptions.lr", ld.gradient_norm));
      break;
    }
  return d;
}

std::string format_diagnostics(const Diagnostics& d) {
  // One format for the header and the rows, so the columns line up (all right-aligned).
  constexpr const char* row = "  {:>5} {:>10} {:>5} {:>5} {:>9} {:>9} {:>9}\n";
  std::string out = "Diagnostics\n";
  out += fmt::format(row, "layer", "activation", "units", "dead", "saturated", "|W|", "|dL/dW|");
  for (std::size_t l = 0; l < d.layers.size(); ++l) {
    const LayerDiagnostics& ld = d.layers[l];
    out += fmt::format(row, l + 1, to_string(ld.activation), ld.units, ld.dead_units,
                       ld.saturated_units, fmt::format("{:.3g}", ld.weight_norm),
                       fmt::format("{:.3g}", ld.gradient_norm));
  }
  if (d.warnings.empty() && d.notes.empty()) out += "  no problems found\n";
  for (const std::string& w : d.warnings) out += "  warning: " + w + "\n";
  for (const std::string& n : d.notes) out += "  note: " + n + "\n";
  return out;
}

}  // namespace backprop
