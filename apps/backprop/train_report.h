// train_report.h — what `backprop train` (and `xor`, `circle`) prints while and after the
// library's fit() runs: the set-up line, the lesson's epoch lines or a progress line, the summary,
// and what was written.
#pragma once

#include <chrono>
#include <string>

#include "backprop/model/fit.h"

namespace backprop::cli {

// "100%" or "97.4%".
std::string percent(double fraction);

// The lesson's progress line: "Epoch  2000: Loss = 0.000123, Accuracy = 100%", with the
// validation and test figures that were recorded.
std::string epoch_line(const EpochRecord& r);

// The set-up line: "Training 2-16-1 on moons: 200 samples (+40 validation), bce, adam lr 0.01,
// 1000 epochs, full batch, 1 thread (auto: ...)".
std::string setup_line(const FitSetup& setup, const FitOptions& options);

// An in-place progress line on a terminal: epochs done, loss, rate, time left.
class Progress {
 public:
  Progress(bool enabled, int epochs) : enabled_(enabled), epochs_(epochs) {}
  ~Progress() { finish(); }
  // Clears the line, so that what is printed next starts on a clean one.
  void finish();
  void update(const EpochRecord& r);

 private:
  bool enabled_;
  int epochs_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_;
};

// After training: "Trained 500 epochs in 1.2 s: loss 0.01, training accuracy 99%, ..." — the
// kept epoch's figures when early stopping kept an earlier one — and the test line.
std::string summary_lines(const FitResult& result);

// The lesson's section-7 table: every XOR input, the output, the prediction and a check mark.
std::string xor_table(const FitResult& result);

}  // namespace backprop::cli
