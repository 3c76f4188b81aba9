#include "backprop/schedules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "backprop/error.h"

namespace backprop {

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant:
      return "constant";
    case ScheduleKind::step:
      return "step";
    case ScheduleKind::exponential:
      return "exponential";
    case ScheduleKind::cosine:
      return "cosine";
    case ScheduleKind::plateau:
      return "plateau";
  }
  return "?";
}

ScheduleKind schedule_from_string(const std::string& name) {
  for (ScheduleKind kind : {ScheduleKind::constant, ScheduleKind::step, ScheduleKind::exponential,
                            ScheduleKind::cosine, ScheduleKind::plateau})
    if (name == to_string(kind)) return kind;
  throw usage_error("unknown learning-rate schedule '" + name +
                    "' (expected one of: constant, step, exponential, cosine, plateau)");
}

namespace {

// The shortest text that reads back as v (fingerprints tell every value apart).
std::string number(double v) { return fmt::format("{}", v); }

void require(bool ok, const char* field, const std::string& expected, const std::string& found) {
  if (!ok)
    throw option_error(std::string("TrainOptions.lr_schedule.") + field,
                       "expected " + expected + ", found " + found);
}

}  // namespace

void LrSchedule::validate() const {
  switch (kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::step:
      require(step_size > 0, "step_size", "a positive number of epochs", std::to_string(step_size));
      [[fallthrough]];
    case ScheduleKind::exponential:
      require(std::isfinite(gamma) && gamma > 0, "gamma", "a positive factor", number(gamma));
      break;
    case ScheduleKind::cosine:
      require(t_max >= 0, "t_max", "a positive number of epochs (0: the epochs)",
              std::to_string(t_max));
      require(std::isfinite(min_lr) && min_lr >= 0, "min_lr", "a rate >= 0", number(min_lr));
      break;
    case ScheduleKind::plateau:
      require(patience >= 0, "patience", "a number of epochs >= 0", std::to_string(patience));
      require(factor > 0 && factor < 1, "factor", "a factor in (0, 1)", number(factor));
      require(std::isfinite(min_lr) && min_lr >= 0, "min_lr", "a rate >= 0", number(min_lr));
      break;
  }
}

std::string LrSchedule::describe(int epochs) const {
  const std::string name = to_string(kind);
  switch (kind) {
    case ScheduleKind::constant:
      return name;
    case ScheduleKind::step:
      return name + "(step_size=" + std::to_string(step_size) + ", gamma=" + number(gamma) + ")";
    case ScheduleKind::exponential:
      return name + "(gamma=" + number(gamma) + ")";
    case ScheduleKind::cosine:
      return name + "(t_max=" + std::to_string(t_max > 0 ? t_max : epochs) +
             ", min_lr=" + number(min_lr) + ")";
    case ScheduleKind::plateau:
      return name + "(patience=" + std::to_string(patience) + ", factor=" + number(factor) +
             ", min_lr=" + number(min_lr) + ")";
  }
  return name;
}

LrScheduler::LrScheduler(const LrSchedule& schedule, double lr0, int epochs)
    : schedule_(schedule), lr0_(lr0), t_max_(schedule.t_max > 0 ? schedule.t_max : epochs) {
  schedule_.validate();
  state_.lr = lr0;
}

void LrScheduler::step(double watched) {
  const int e = ++state_.steps;  // the epoch the new rate is for
  double& lr = state_.lr;
  const LrSchedule& s = schedule_;
  switch (s.kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::step:
      if (e % s.step_size == 0) lr = lr * s.gamma;
      break;
    case ScheduleKind::exponential:
      lr = lr * s.gamma;
      break;
    case ScheduleKind::cosine: {
      const double pi = std::acos(-1.0), T = static_cast<double>(t_max_), eta = s.min_lr;
      const long period = 2L * t_max_;
      const long phase = ((static_cast<long>(e) - 1 - t_max_) % period + period) % period;
      if (phase == 0)  // the trough just passed: torch's step back up
        lr = lr + (lr0_ - eta) * (1 - std::cos(pi / T)) / 2;
      else
        lr = (1 + std::cos(pi * e / T)) / (1 + std::cos(pi * (e - 1) / T)) * (lr - eta) + eta;
      break;
    }
    case ScheduleKind::plateau: {
      constexpr double threshold = 1e-4, eps = 1e-8;
      if (watched < state_.best * (1 - threshold)) {
        state_.best = watched;
        state_.bad_epochs = 0;
      } else {
        ++state_.bad_epochs;
      }
      if (state_.bad_epochs > s.patience) {
        const double reduced = std::max(lr * s.factor, s.min_lr);
        if (lr - reduced > eps) lr = reduced;
        state_.bad_epochs = 0;
      }
      break;
    }
  }
}

}  // namespace backprop
