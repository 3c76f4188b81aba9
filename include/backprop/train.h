// train.h — the training loop: forward, loss, backward, optimizer step, and nothing else.
//
//   for epoch = 1..E:
//     lr ← the schedule's rate for this epoch (schedules.h; constant: optimizer.lr)
//     for each mini-batch (x_B, y_B) (the whole set when batch_size is 0, the lesson's way):
//       a = forward(x_B);  L_B = loss(a, y_B);  backward(x_B, y_B);  optimizer.step()
//     record the epoch's loss: the size-weighted mean of the L_B, each taken before its update
//     (for full-batch training exactly the lesson's loss_history), and accuracy from the same a
//     then, with validation data, its loss and accuracy after the epoch's updates; the schedule
//     steps; training stops early on patience, or when the loss is below stop_loss
//
// Mini-batches are reshuffled every epoch from the seed (NumPy's legacy shuffle), or taken in
// file order (consecutive columns, the last batch smaller). Subnormal floats are flushed to zero
// while training. Same seed, data and settings give a bit-identical model on the same build.
//
// Data parallelism. Each step's batch of N samples may split into a fixed layout of
// K = shard_count(N, widest, deterministic, processes) shards:
//   shard k = the batch's samples [⌊k N / K⌋, ⌊(k + 1) N / K⌋),  k = 0..K-1
// K depends on N, the net and the mode, never on the threads: a net with a wide layer
// (>= kShardMinWeights weights), or any net with TrainOptions.deterministic, trained on batches of
// at least 2 kShardSamples samples gets K = min(⌊N / kShardSamples⌋, kMaxShards); other nets 1.
// Workers (TrainOptions.threads) take shards, each on a replica of the network with
// single-threaded products; shard k's forward uses dropout masks keyed by its samples'
// training-set indices (as the whole batch would), and its backward divides by the whole batch's
// N (losses.h), giving sums g_k = (dW_k, db_k) of the batch gradient. Then
//   g = (((g_0 + g_1) + g_2) + ... + g_{K-1}),  element by element, always in this order,
// and one optimizer step. So the model is bit-identical whatever the number of threads (not to
// the unsharded computation: the sums are grouped differently). A net of one shard (the lesson's,
// anything with small layers or small batches) runs the plain loop, with the products on
// set_threads()'s threads (one with deterministic).
//
// Several processes (TrainOptions.communicator, distributed.h) share the shards out: rank r of P
// takes k = ⌊rK/P⌋ .. ⌊(r+1)K/P⌋ − 1. Deterministic: the same layout and the same sum, so the
// model is bit-identical to a one-process run (ranks beyond K idle); otherwise K is at least
// min(P, N), each rank adds its own shards and the ranks' sums are added by an allreduce.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "backprop/distributed.h"
#include "backprop/network.h"
#include "backprop/optimizers.h"
#include "backprop/schedules.h"

namespace backprop {

struct TrainState;

// The defaults are the command line's: 1000 epochs of full-batch Adam at lr 0.01, seed 42.
// The data-parallel shard layout (see above).
inline constexpr long kShardMinWeights = 32768;  // the widest layer's weights to shard at all
inline constexpr long kShardSamples = 64;        // samples per shard, at least
inline constexpr int kMaxShards = 16;
// K = 1 when batch_samples < 2 kShardSamples, or when widest_layer_weights < kShardMinWeights and
// not deterministic; else min(⌊batch_samples / kShardSamples⌋, kMaxShards). Then, with processes
// > 1 and not deterministic, at least min(processes, batch_samples).
int shard_count(long batch_samples, long widest_layer_weights, bool deterministic = false,
                int processes = 1);

struct TrainOptions {
  int epochs = 1000;
  int batch_size = 0;       // 0: full batch
  bool shuffle = true;      // reshuffle mini-batches every epoch (ignored for full batch)
  std::uint32_t seed = 42;  // of the shuffles
  // Data-parallel workers for a sharded batch (see above; 0: threads(), threads.h). The model
  // does not depend on it.
  int threads = 0;
  // A result that no setting of threads or processes can change: every net trained on batches
  // of >= 2 kShardSamples is split into the fixed shard layout, and the products of a net of
  // one shard run on one thread. The model is bit-identical to a one-thread, one-process run of
  // the same options. (Wide nets on one process are deterministic without it.)
  bool deterministic = false;
  // Train one model on several processes (distributed.h); null: this process alone. Every rank
  // calls train() with the same options and data; on_epoch is called on every rank,
  // on_checkpoint on rank 0 only.
  Communicator* communicator = nullptr;
  // Also report accuracy. Unset: inferred from the targets — classification when every target is
  // 0 or 1 and each column is one-hot (or the one output row is 0/1).
  std::optional<bool> classification;
  int patience = 0;  // early stopping after this many epochs without a better
                     // validation loss (training loss without validation); 0 = off
  // With patience: an epoch counts as better only when it lowers the watched loss by more than
  // this (scikit-learn's tol); the best model is still the one with the lowest loss.
  double tolerance = 0;
  // Keep the epoch with the lowest validation loss (the earliest on a tie) while training runs
  // every epoch (patience, if set, still stops early). Needs validation data.
  bool keep_best = false;
  OptimizerOptions optimizer{OptimizerKind::adam, 0.01};
  // The learning rate epoch by epoch (schedules.h), from optimizer.lr; not with rprop.
  LrSchedule lr_schedule;
  // FANN's desired error: stop once an epoch's training loss (as the history records it) is
  // below this (0: off).
  double stop_loss = 0;
  // Class weights in the training loss (losses.h; Keras' class_weight): one per output, or two
  // for one 0/1 output; empty: none. Validation losses and early stopping use the plain loss.
  // (Dropout rates belong to the network's layers: Network::set_dropout; the masks come from
  // `seed`, the optimizer's step and each sample's index, layers/dropout.h.)
  std::vector<double> class_weights;

  // Checkpoints and interruption. With `resume`, training continues that state (its weights,
  // optimizer state, epoch, generator and history) to the same result as an uninterrupted run.
  const TrainState* resume = nullptr;
  int checkpoint_every = 0;  // call on_checkpoint every this many epochs (0: never)
  // Called with the state every checkpoint_every epochs, and when training stops on request.
  std::function<void(const TrainState&)> on_checkpoint;
  // Checked after every epoch (a signal handler may set it): training then stops cleanly.
  const volatile std::sig_atomic_t* stop_requested = nullptr;

  // Throws an option_error naming the field (and the optimizer's, see OptimizerOptions).
  void validate() const;
};

struct EpochRecord {
  int epoch = 0;  // 0-based, as the lesson prints
  double loss = 0;
  double accuracy = std::numeric_limits<double>::quiet_NaN();  // fraction in [0, 1]
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
  double test_loss = std::numeric_limits<double>::quiet_NaN();  // filled by fit() (model/fit.h)
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();
  double lr = std::numeric_limits<double>::quiet_NaN();  // the learning rate the epoch used
};

// The per-epoch figures by name, in the order files list them (model files, checkpoints,
// history CSV files).
struct HistoryColumn {
  const char* name;
  double EpochRecord::*field;
};
inline constexpr HistoryColumn kHistoryColumns[] = {{"loss", &EpochRecord::loss},
                                                    {"accuracy", &EpochRecord::accuracy},
                                                    {"val_loss", &EpochRecord::val_loss},
                                                    {"val_accuracy", &EpochRecord::val_accuracy},
                                                    {"test_loss", &EpochRecord::test_loss},
                                                    {"test_accuracy", &EpochRecord::test_accuracy},
                                                    {"lr", &EpochRecord::lr}};

// Training stops as diverged when an epoch's loss exceeds the first epoch's by this factor.
inline constexpr double kDivergenceGrowth = 1e6;

struct TrainResult {
  std::vector<EpochRecord> history;  // every epoch of the run, including those before a resume
  int best_epoch = -1;               // with early stopping: the epoch whose model was kept
  bool stopped_early = false;
  bool reached_stop_loss = false;  // the training loss fell below TrainOptions.stop_loss
  bool interrupted = false;        // the callback or stop_requested asked to stop
  // Divergence: the loss or a parameter became NaN or infinite, or the loss grew
  // kDivergenceGrowth-fold. Training stopped, the network
  // holds the last good parameters, and `divergence` says when, where and what to try.
  bool diverged = false;
  std::string divergence;
};

// Everything needed to continue a run exactly where it stopped (what a checkpoint holds).
struct TrainState {
  int epochs_done = 0;
  long steps = 0;           // the optimizer's t
  Network<double> network;  // parameters after epochs_done epochs
  std::vector<Matrix<double>> optimizer_first, optimizer_second;  // see Optimizer::state()
  std::string random_state;                                       // the shuffling generator
  std::vector<EpochRecord> history;
  double best = std::numeric_limits<double>::infinity();  // early stopping
  int best_epoch = -1, since_best = 0;
  Network<double> best_network;
  std::optional<SchedulerState> scheduler;  // absent in checkpoints older than schedules
};

// Called after every epoch with its record as the history keeps it; it may fill in figures that
// train() does not compute (fit() adds the test set's). Return false to stop training.
using EpochCallback = std::function<bool(EpochRecord&)>;

// The decision rule, written once: the class of sample j (column j) of the outputs a
// (outputs x N). One output: class 1 when a > 0.5, else 0. Several: the argmax, the lowest index
// on ties (and where a value is NaN), so two outputs give class 1 exactly when a₁ > a₀.
template <typename S>
int predicted_class(const Matrix<S>& a, Eigen::Index j);
// predicted_class of every column of a.
template <typename S>
std::vector<int> predicted_classes(const Matrix<S>& a);

// Whether targets y (targets x N) are class labels, the rule that decides when training reports
// accuracy (TrainOptions.classification unset) and evaluate() does: every value 0 or 1, and
// each column one-hot when there are several rows.
template <typename S>
bool looks_like_classes(const Matrix<S>& y);

// Fraction of samples classified right: predicted_class of a against the class of the target,
// read by the same rule (y > 0.5 for one output, the argmax of y otherwise).
template <typename S>
double accuracy(const Matrix<S>& a, const Matrix<S>& y);

// Trains `network` in place on (x, y), samples as columns. Throws an Error naming the epoch when
// the loss becomes non-finite (divergence).
template <typename S>
TrainResult train(Network<S>& network, const Matrix<S>& x, const Matrix<S>& y,
                  const TrainOptions& options, const Matrix<S>* x_val = nullptr,
                  const Matrix<S>* y_val = nullptr, const EpochCallback& on_epoch = {});

// Flushes subnormal floats to zero (and treats subnormal inputs as zero) while alive: in the
// calling thread and in the OpenMP threads that run the parallel products (each restored after).
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

}  // namespace backprop
