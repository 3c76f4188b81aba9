// schedules.h — learning-rate schedules, PyTorch's torch.optim.lr_scheduler, stepped once per
// epoch. The rate used in epoch e (from 0) is the scheduler's after e calls of step(); lr0 is
// OptimizerOptions.lr, and every optimizer takes it (Adam as its step size; rprop refuses one).
//
//   constant   lr_e = lr0
//   step       StepLR:        lr_e = lr0·γ^⌊e/N⌋        computed as torch does, recursively:
//                             lr_e = lr_{e−1}·γ when e mod N = 0, else lr_{e−1}
//   exponential ExponentialLR: lr_e = lr0·γ^e            recursively lr_e = lr_{e−1}·γ
//   cosine     CosineAnnealingLR, T = t_max (default: the epochs), η = min_lr:
//                closed form   lr_e = η + (lr0 − η)·(1 + cos(π·e/T))/2
//                what torch computes (and so this), from the previous rate:
//                  lr_e = lr_{e−1} + (lr0 − η)·(1 − cos(π/T))/2          when (e − 1 − T) mod 2T =
//                  0 lr_e = (1 + cos(π·e/T)) / (1 + cos(π·(e−1)/T)) · (lr_{e−1} − η) + η otherwise
//                past T the rate climbs back towards lr0 (period 2T), as torch's does
//   plateau    ReduceLROnPlateau, mode min, threshold 1e-4 relative, cooldown 0, eps 1e-8: after
//              each epoch with the watched loss m (the validation loss when there is validation
//              data, else the epoch's training loss as the history records it):
//                m < best·(1 − 1e-4):  best ← m, bad ← 0;   else bad ← bad + 1
//                bad > patience:  new = max(lr·factor, min_lr); lr ← new if lr − new > 1e-8;
//                                 bad ← 0
#pragma once

#include <limits>
#include <string>

namespace backprop {

enum class ScheduleKind { constant, step, exponential, cosine, plateau };

std::string to_string(ScheduleKind kind);
// "constant", "step", "exponential", "cosine", "plateau"; a usage Error listing them otherwise.
ScheduleKind schedule_from_string(const std::string& name);

// The schedule and its parameters (those of other kinds are ignored). Defaults are PyTorch's
// where it has one (StepLR's and ReduceLROnPlateau's γ/factor 0.1, patience 10, eta_min 0).
struct LrSchedule {
  ScheduleKind kind = ScheduleKind::constant;
  int step_size = 10;   // step: N, epochs between decays
  double gamma = 0.1;   // step, exponential: γ
  int t_max = 0;        // cosine: T (0: TrainOptions.epochs)
  double min_lr = 0;    // cosine: eta_min; plateau: min_lr
  int patience = 10;    // plateau: epochs without improvement before a reduction
  double factor = 0.1;  // plateau: lr ← lr·factor

  // Throws an option_error naming the field ("TrainOptions.lr_schedule.gamma").
  void validate() const;
  // "step(step_size=5, gamma=0.5)": for fingerprints, settings and messages (epochs fills in
  // cosine's default T).
  std::string describe(int epochs) const;
};

// Where a scheduler stands (what a checkpoint keeps of it).
struct SchedulerState {
  int steps = 0;                                          // calls of step() so far: the epochs done
  double lr = 0;                                          // the rate for the next epoch
  double best = std::numeric_limits<double>::infinity();  // plateau: the best watched loss
  int bad_epochs = 0;                                     // plateau
};

class LrScheduler {
 public:
  // lr0 the initial rate; epochs gives cosine's default T.
  LrScheduler(const LrSchedule& schedule, double lr0, int epochs);
  double lr() const { return state_.lr; }
  // After an epoch: `watched` is the loss that plateau watches (the others ignore it).
  void step(double watched);
  const SchedulerState& state() const { return state_; }
  void restore(const SchedulerState& state) { state_ = state; }

 private:
  LrSchedule schedule_;
  double lr0_;
  int t_max_;
  SchedulerState state_;
};

}  // namespace backprop
