// sweep.cpp — the lesson's Exercise 9.3: hidden sizes on XOR, several seeds each.
#include "backprop/teach/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/train.h"

namespace backprop {

void SweepOptions::validate() const {
  if (hidden_sizes.empty())
    throw option_error("SweepOptions.hidden_sizes", "give at least one size, like 1,2,4,8");
  for (int h : hidden_sizes)
    if (h <= 0 || h > 100000)
      throw option_error("SweepOptions.hidden_sizes",
                         "expected positive sizes like 1,2,4,8, found " + std::to_string(h));
  if (seeds < 1 || seeds > 10000)
    throw option_error("SweepOptions.seeds", "expected between 1 and 10000 runs per size, found " +
                                                 std::to_string(seeds));
  if (epochs < 1)
    throw option_error("SweepOptions.epochs",
                       "expected a positive number, found " + std::to_string(epochs));
  if (!(lr > 0) || !std::isfinite(lr))
    throw option_error("SweepOptions.lr",
                       "expected a positive learning rate, found " + fmt::format("{}", lr));
}

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

SweepRun run_one(const Dataset& data, int outputs, const SweepOptions& o, int hidden,
                 std::uint32_t seed) {
  Network<double> net(static_cast<int>(data.x.rows()),
                      {{hidden, {o.activation}}, {outputs, {Activation::sigmoid}}}, Loss::mse);
  initialize(net, Init::he_normal, seed);
  TrainOptions t;
  t.epochs = o.epochs;
  t.batch_size = 0;  // full batch: the lesson's gradient descent
  t.classification = true;
  t.seed = seed;
  t.optimizer.kind = OptimizerKind::sgd;
  t.optimizer.lr = o.lr;
  SweepRun run;
  run.hidden = hidden;
  run.seed = seed;
  try {
    const TrainResult result = train(net, data.x, data.y, t);
    for (const EpochRecord& r : result.history) {
      run.loss.push_back(r.loss);
      run.accuracy.push_back(r.accuracy);
      if (run.first_perfect_epoch < 0 && r.accuracy >= 1.0) run.first_perfect_epoch = r.epoch;
    }
  } catch (const Error& e) {
    throw Error(fmt::format("sweep: hidden size {}, seed {}: {}", hidden, seed, e.what()));
  }
  return run;
}

}  // namespace

SweepResult run_sweep(const Dataset& data, const SweepOptions& options) {
  options.validate();
  if (!data.is_classification())
    throw usage_error("sweep: " + data.source + " has no class labels to classify");
  Dataset d = data;
  const int classes = static_cast<int>(d.class_names.size());
  encode_targets(d, classes == 2 ? TargetEncoding::binary : TargetEncoding::one_hot);
  const int outputs = classes == 2 ? 1 : classes;

  SweepResult result;
  result.dataset = data.source == "xor" ? "XOR" : data.source;  // as the lesson writes it
  result.options = options;
  for (int h : options.hidden_sizes)
    for (int s = 0; s < options.seeds; ++s) {
      SweepRun run;
      run.hidden = h;
      run.seed = options.first_seed + static_cast<std::uint32_t>(s);
      result.runs.push_back(run);
    }
  // Runs are independent and each is deterministic, so they may run on several threads and still
  // give the same result as one after the other.
  const std::size_t workers = std::max<std::size_t>(
      1, std::min<std::size_t>(result.runs.size(), std::thread::hardware_concurrency()));
  std::vector<std::string> errors(workers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      for (std::size_t k = w; k < result.runs.size(); k += workers) {
        try {
          result.runs[k] = run_one(d, outputs, options, result.runs[k].hidden, result.runs[k].seed);
        } catch (const std::exception& e) {
          errors[w] = e.what();
          return;
        }
      }
    });
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors)
    if (!e.empty()) throw Error(e);

  for (int h : options.hidden_sizes) {
    SweepSummary s;
    s.hidden = h;
    std::vector<double> losses, solved_epochs;
    double accuracy_sum = 0;
    for (const SweepRun& run : result.runs) {
      if (run.hidden != h) continue;
      ++s.runs;
      losses.push_back(run.final_loss());
      accuracy_sum += run.final_accuracy();
      if (run.final_accuracy() >= 1.0) {
        ++s.solved;
        solved_epochs.push_back(run.first_perfect_epoch);
      }
    }
    s.loss_median = median(losses);
    s.loss_min = *std::min_element(losses.begin(), losses.end());
    s.loss_max = *std::max_element(losses.begin(), losses.end());
    s.accuracy_mean = accuracy_sum / s.runs;
    s.median_epochs_to_solve = median(solved_epochs);
    for (std::size_t e = 0; e < static_cast<std::size_t>(options.epochs); ++e) {
      std::vector<double> at;
      for (const SweepRun& run : result.runs)
        if (run.hidden == h && e < run.loss.size()) at.push_back(run.loss[e]);
      s.median_loss.push_back(median(at));
    }
    result.summary.push_back(s);
  }
  return result;
}

std::string sweep_csv(const SweepResult& result) {
  std::string out =
      "hidden,runs,final_loss_median,final_loss_min,final_loss_max,final_accuracy_mean,solved,"
      "median_epochs_to_100\n";
  for (const SweepSummary& s : result.summary)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", s.hidden, s.runs, s.loss_median, s.loss_min,
                       s.loss_max, s.accuracy_mean, s.solved,
                       std::isnan(s.median_epochs_to_solve)
                           ? std::string()
                           : fmt::format("{}", s.median_epochs_to_solve));
  return out;
}

std::string sweep_runs_csv(const SweepResult& result) {
  std::string out = "hidden,seed,final_loss,final_accuracy,first_epoch_at_100\n";
  for (const SweepRun& r : result.runs)
    out += fmt::format(
        "{},{},{},{},{}\n", r.hidden, r.seed, r.final_loss(), r.final_accuracy(),
        r.first_perfect_epoch < 0 ? std::string() : std::to_string(r.first_perfect_epoch));
  return out;
}

std::string sweep_table(const SweepResult& result) {
  const SweepOptions& o = result.options;
  std::string out = fmt::format(
      "{}: 2-H-1, {} hidden, sigmoid output, mse, full-batch gradient descent, lr {}, {} epochs, "
      "{} seed{} ({}..{})\n\n",
      result.dataset, to_string(o.activation), o.lr, o.epochs, o.seeds, o.seeds == 1 ? "" : "s",
      o.first_seed, o.first_seed + static_cast<std::uint32_t>(o.seeds) - 1);
  out += fmt::format("{:>6}  {:>10}  {:>23}  {:>9}  {:>7}  {:>16}\n", "hidden", "final loss",
                     "[min, max]", "accuracy", "solved", "epochs to 100 %");
  for (const SweepSummary& s : result.summary) {
    out += fmt::format("{:>6}  {:>10.3e}  {:>23}  {:>8.1f}%  {:>7}  {:>16}\n", s.hidden,
                       s.loss_median, fmt::format("[{:.3e}, {:.3e}]", s.loss_min, s.loss_max),
                       100 * s.accuracy_mean, fmt::format("{}/{}", s.solved, s.runs),
                       std::isnan(s.median_epochs_to_solve)
                           ? std::string("never")
                           : fmt::format("{:.0f}", s.median_epochs_to_solve));
  }
  out +=
      "\nfinal loss: median over seeds; accuracy: mean final accuracy; solved: runs ending at "
      "100 %;\nepochs to 100 %: median, over the solved runs, of the first epoch at 100 %.\n";
  return out;
}

}  // namespace backprop
