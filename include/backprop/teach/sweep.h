// sweep.h — the lesson's Exercise 9.3: how many hidden neurons does XOR need?
//
// For every hidden size H and seed s (first_seed, first_seed + 1, ...; seed 42 gives the
// lesson's exact NumPy initialisation) a 2-H-1 network (sigmoid hidden and output, mse, he_normal
// weights, zero biases) is trained with full-batch gradient descent, recording loss and accuracy
// every epoch. Per size the summary gives the final loss (median, min, max over seeds), the mean
// final accuracy, how many seeds end at 100 % accuracy, and the median epoch at which those first
// reached 100 % (the number of updates made before that epoch's forward pass).
// The lesson's answers: 1 neuron never solves XOR (one line cannot split it); 2 can, but not from
// every start; 4 and 8 do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backprop/activations.h"
#include "backprop/data/dataset.h"

namespace backprop {

struct SweepOptions {
  std::vector<int> hidden_sizes{1, 2, 4, 8};
  int seeds = 5;                  // runs per size
  std::uint32_t first_seed = 42;  // seeds first_seed .. first_seed + seeds − 1
  int epochs = 10000;
  double lr = 2.0;
  Activation activation = Activation::sigmoid;  // hidden layer; the output is always sigmoid

  // Throws an option_error naming the field for an empty or non-positive size list, seeds < 1,
  // epochs < 1 or a learning rate that is not positive and finite.
  void validate() const;
};

struct SweepRun {
  int hidden = 0;
  std::uint32_t seed = 0;
  std::vector<double> loss, accuracy;  // per epoch
  int first_perfect_epoch = -1;        // first epoch at 100 % accuracy; −1 if never
  double final_loss() const { return loss.back(); }
  double final_accuracy() const { return accuracy.back(); }
};

struct SweepSummary {
  int hidden = 0;
  int runs = 0;
  double loss_median = 0, loss_min = 0, loss_max = 0;  // final loss over seeds
  double accuracy_mean = 0;                            // final accuracy, fraction
  int solved = 0;                                      // runs ending at 100 % accuracy
  double median_epochs_to_solve = 0;                   // over solved runs; NaN if none
  std::vector<double> median_loss;                     // per epoch, the median over seeds
};

struct SweepResult {
  std::string dataset;  // description for titles ("XOR" for the lesson's data)
  SweepOptions options;
  std::vector<SweepRun> runs;  // size-major, then seed
  std::vector<SweepSummary> summary;
};

// Runs the sweep on a classification data set with 2 classes (binary targets, one sigmoid output)
// or more (one-hot targets, one sigmoid output per class). Throws for data without class labels.
SweepResult run_sweep(const Dataset& data, const SweepOptions& options);

// The summary as CSV: hidden,runs,final_loss_median,final_loss_min,final_loss_max,
// final_accuracy_mean,solved,median_epochs_to_100 (an empty cell when no run was solved).
std::string sweep_csv(const SweepResult& result);
// Every run as CSV: hidden,seed,final_loss,final_accuracy,first_epoch_at_100 (empty if never).
std::string sweep_runs_csv(const SweepResult& result);
// The summary as an aligned text table for a terminal.
std::string sweep_table(const SweepResult& result);

}  // namespace backprop
