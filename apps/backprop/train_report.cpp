#include "train_report.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace backprop::cli {

std::string percent(double fraction) {
  const double p = 100.0 * fraction;
  return std::abs(p - std::round(p)) < 1e-9 ? fmt::format("{:.0f}%", p) : fmt::format("{:.1f}%", p);
}

std::string epoch_line(const EpochRecord& r) {
  std::string line = fmt::format("Epoch {:5d}: Loss = {:.6f}", r.epoch, r.loss);
  if (!std::isnan(r.accuracy)) line += ", Accuracy = " + percent(r.accuracy);
  if (!std::isnan(r.val_loss)) line += fmt::format(", Val loss = {:.6f}", r.val_loss);
  if (!std::isnan(r.val_accuracy)) line += ", Val accuracy = " + percent(r.val_accuracy);
  if (!std::isnan(r.test_loss)) line += fmt::format(", Test loss = {:.6f}", r.test_loss);
  if (!std::isnan(r.test_accuracy)) line += ", Test accuracy = " + percent(r.test_accuracy);
  return line;
}

std::string setup_line(const FitSetup& s, const FitOptions& o) {
  // OpenBLAS obeys OPENBLAS_CORETYPE over its own choice for the CPU; the wrong one can cost
  // 1.6x (bench/W3_CLI.md), so the line says which kernels that made it run.
  std::string kernels;
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  if (forced != nullptr && gemm_backend().rfind("OpenBLAS", 0) == 0)
    kernels = fmt::format("; {} from OPENBLAS_CORETYPE={}", gemm_backend(), forced);
  std::string held_out;
  if (s.validation_samples > 0) held_out += fmt::format(" (+{} validation)", s.validation_samples);
  if (s.test_samples > 0) held_out += fmt::format(" (+{} test)", s.test_samples);
  const TrainOptions& t = o.training;
  return fmt::format(
      "Training {} on {}: {} samples{}, {}, {} lr {}, {} epochs, {}, {}, {} thread{} ({}){}",
      s.architecture, s.data, s.train_samples, held_out, to_string(s.loss),
      to_string(t.optimizer.kind),
      t.lr_schedule.kind == ScheduleKind::constant
          ? fmt::format("{}", t.optimizer.lr)
          : fmt::format("{} {}", t.optimizer.lr, t.lr_schedule.describe(t.epochs)),
      t.epochs, t.batch_size > 0 ? fmt::format("batch {}", t.batch_size) : "full batch",
      o.precision == Precision::float32 ? "float32" : "float64", s.threads.threads,
      s.threads.threads == 1 ? "" : "s", s.threads.reason, kernels);
}

void Progress::finish() {
  if (shown_) std::fputs("\r\033[K", stderr);
  shown_ = false;
  enabled_ = false;
}

void Progress::update(const EpochRecord& r) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const int done = r.epoch + 1;
  if (shown_ && now - last_ < std::chrono::milliseconds(100) && done < epochs_) return;
  last_ = now;
  shown_ = true;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = done / std::max(seconds, 1e-9);
  std::fprintf(stderr, "\r\033[K%d/%d epochs  loss %.6g%s  %.0f epochs/s  %.0fs left", done,
               epochs_, r.loss,
               std::isnan(r.accuracy) ? "" : ("  accuracy " + percent(r.accuracy)).c_str(), rate,
               (epochs_ - done) / rate);
  std::fflush(stderr);
}

std::string summary_lines(const FitResult& result) {
  const TrainResult& t = result.training;
  const EpochRecord* kept = result.kept_epoch();
  if (kept == nullptr) return "";
  std::string out =
      fmt::format("Trained {} epochs in {:.3g} s", result.history().size(), result.seconds);
  if (result.test_seconds > 0)
    out += fmt::format(" (+{:.2g} s evaluating the test set)", result.test_seconds);
  if (t.stopped_early)
    out += fmt::format(" (stopped early; kept epoch {})", kept->epoch);
  else if (t.reached_stop_loss && kept == &result.history().back())
    out += " (stopped: the loss fell below --stop-loss)";
  else if (kept != &result.history().back())
    out += fmt::format(" (kept the best epoch, {})", kept->epoch);
  out += fmt::format(": loss {:.6g}", kept->loss);
  if (!std::isnan(kept->accuracy)) out += ", training accuracy " + percent(kept->accuracy);
  if (!std::isnan(kept->val_loss)) out += fmt::format(", validation loss {:.6g}", kept->val_loss);
  if (!std::isnan(kept->val_accuracy))
    out += ", validation accuracy " + percent(kept->val_accuracy);
  out += "\n";
  if (result.test) {
    out += fmt::format("Test: loss {:.6g}", result.test->loss);
    if (!std::isnan(result.test->accuracy)) out += ", accuracy " + percent(result.test->accuracy);
    out += fmt::format(" ({} samples)\n", result.test->samples);
  }
  return out;
}

std::string xor_table(const FitResult& result) {
  const Dataset& d = result.train_data;
  const Matrix<double> out = result.model.predict(d.x);
  std::string text = fmt::format("\n{0}\nFINAL RESULTS\n{0}\n", std::string(50, '='));
  for (Eigen::Index j = 0; j < d.x.cols(); ++j) {
    const double p = out(0, j), truth = d.y(0, j);
    text += fmt::format(
        "{} Input: ({:.0f}, {:.0f}) \u2192 Output: {:.4f} \u2192 Predicted: {} (True: {})\n",
        (p > 0.5) == (truth > 0.5) ? "\u2713" : "\u2717", d.x(0, j), d.x(1, j), p, p > 0.5 ? 1 : 0,
        static_cast<int>(truth));
  }
  return text;
}

}  // namespace backprop::cli
