// The figure of the lesson's Exercise 9.3 sweep (the sweep itself: backprop/teach/sweep.h).
#include "backprop/plot/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "backprop/error.h"
#include "canvas.h"

namespace backprop::plot {

void sweep_figure(const SweepResult& result, const std::string& path, Format format) {
  if (result.runs.empty()) throw Error("sweep: no runs to plot");
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  std::size_t epochs = 0;
  for (const SweepRun& r : result.runs) {
    epochs = std::max(epochs, r.loss.size());
    for (double v : r.loss)
      if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!(hi > 0)) throw Error("sweep: no loss history to plot");

  const int left = 84, top = 86, plot_w = 620, plot_h = 400;
  const int width = left + plot_w + 30, height = top + plot_h + 62;
  detail::Axes axes;
  axes.left = left;
  axes.top = top;
  axes.width = plot_w;
  axes.height = plot_h;
  axes.x = detail::Axis{0, std::max(1.0, static_cast<double>(epochs)), false, true};
  axes.y = detail::padded_log(lo, hi);
  const SweepOptions& o = result.options;

  detail::render(format, width, height, path, [&](cairo_t* cr) {
    detail::text(cr, "Effect of hidden layer size on " + result.dataset, width / 2.0, 14,
                 detail::kTitleFont, 0.5, 0);
    detail::text(cr,
                 fmt::format("2-H-1 {}/sigmoid, mse, gradient descent lr {}; {} seeds per size "
                             "(thin), median per epoch (bold)",
                             to_string(o.activation), o.lr, o.seeds),
                 width / 2.0, 38, detail::Font{12, false}, 0.5, 0, detail::kSubtle);
    detail::draw_grid(cr, axes);
    std::vector<detail::LegendItem> items;
    for (std::size_t k = 0; k < result.summary.size(); ++k) {
      const SweepSummary& s = result.summary[k];
      const Rgb color = categorical(k);
      std::vector<std::vector<double>> curves;
      for (const SweepRun& r : result.runs)
        if (r.hidden == s.hidden) curves.push_back(r.loss);
      for (const std::vector<double>& c : curves)
        detail::plot_series(cr, axes, c, color, 0.9, 0.45);
      detail::plot_series(cr, axes, s.median_loss, color, 2.6);
      items.push_back({detail::LegendItem::Kind::line,
                       fmt::format("{} hidden ({}/{} solved)", s.hidden, s.solved, s.runs), color,
                       2.6});
    }
    detail::draw_frame(cr, axes, "Epoch", "MSE loss");
    std::vector<const std::vector<double>*> curves;
    for (const SweepRun& r : result.runs) curves.push_back(&r.loss);
    detail::draw_legend_best(cr, items, axes, curves);
  });
}

}  // namespace backprop::plot
