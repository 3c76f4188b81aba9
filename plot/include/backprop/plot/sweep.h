// sweep.h — the figure of the lesson's Exercise 9.3 sweep (backprop/teach/sweep.h runs it).
#pragma once

#include <string>

#include "backprop/plot/figures.h"
#include "backprop/teach/sweep.h"

namespace backprop::plot {

using backprop::run_sweep;
using backprop::sweep_csv;
using backprop::sweep_runs_csv;
using backprop::sweep_table;
using backprop::SweepOptions;
using backprop::SweepResult;

// Loss curves overlaid on a log axis: one colour per size, every seed a thin line, the
// per-epoch median over seeds bold.
void sweep_figure(const SweepResult& result, const std::string& path, Format format);

}  // namespace backprop::plot
