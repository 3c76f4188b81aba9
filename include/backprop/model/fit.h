// fit.h — the one training pipeline, from a data source to a trained model bundle.
//
//   data source ─→ target encoding ─→ test / validation split ─→ input scaling (fitted on the
//   training split) ─→ network (built, or a saved model's) ─→ training (train.h) ─→ Model
//
// Every front end — the command line, the Python package, the playground, several processes —
// calls fit() and shows what it reports; none repeats a step of it. Front ends watch and steer a
// run through callbacks (warnings, each epoch's record, cancellation) and never get a printed line:
// the library only throws, returns and calls back.
//
// The choices made when an option is left unset, in order:
//   output activation  sigmoid with `loss` bce, softmax with cross_entropy; else from the targets:
//                      two classes sigmoid (one output), more classes softmax, numbers linear
//   loss               cross_entropy for a softmax classifier, bce for a sigmoid classifier, mse
//   classes            a sigmoid output over two classes is one 0/1 output; otherwise one-hot
// Checkpoints (written every training.checkpoint_every epochs and when a stop is requested) carry
// a fingerprint of every setting that shapes the result; resuming from one with other settings is
// refused, and a resumed run ends bit-identical to an uninterrupted one.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backprop/activations.h"
#include "backprop/data/dataset.h"
#include "backprop/data/idx.h"
#include "backprop/init.h"
#include "backprop/losses.h"
#include "backprop/model/model.h"
#include "backprop/teach/diagnostics.h"
#include "backprop/threads.h"
#include "backprop/train.h"

namespace backprop {

// Where training data comes from. Build one with the named constructors.
struct DataSource {
  enum class Kind { none, generator, csv, fashion_mnist, in_memory };
  Kind kind = Kind::none;
  // generator: "xor", "circle", "moons", "spirals", "blobs" (generators.h); n or noise < 0 means
  // the generator's default.
  std::string generator;
  int n = -1;
  double noise = -1;
  std::uint32_t data_seed = 42;
  // csv: the file; fashion_mnist: the directory holding its IDX files. A csv file whose name
  // ends in ".data", ".train" or ".test" without target columns is read as FANN's format
  // (data/fann_data.h: inputs x0.., numeric targets y0..).
  std::string path;
  std::string target;                 // csv: the class-label column, or
  std::vector<std::string> targets;   // csv: numeric target columns
  std::vector<std::string> features;  // csv: input columns (default: every other column)
  Dataset dataset;                    // in_memory: labels + class_names, or numeric y

  static DataSource generated(const std::string& name, int n = -1, double noise = -1,
                              std::uint32_t seed = 42);
  static DataSource csv_classes(const std::string& path, const std::string& target_column);
  static DataSource csv_numeric(const std::string& path, std::vector<std::string> target_columns);
  static DataSource fashion_mnist(const std::string& directory = kFashionMnistDir);
  static DataSource in_memory(Dataset dataset);

  bool given() const { return kind != Kind::none; }
  // "moons", "iris_train.csv", "fashion-mnist", "in-memory data" — for messages and fingerprints.
  std::string describe() const;
};

// Names for data sources: every generator, then "fashion-mnist".
std::vector<std::string> builtin_dataset_names();
// A built-in data set by name (a generator or "fashion-mnist"); a usage Error listing every name.
DataSource builtin_dataset(const std::string& name, int n = -1, double noise = -1,
                           std::uint32_t seed = 42);

// The data of a source with class labels (not yet encoded: see Model::encode_for) or numeric
// targets. `class_names` fixes the classes (a trained model's); `training_part` false reads a
// source's own test part where it has one (fashion-mnist's t10k files).
Dataset read_data(const DataSource& source, const std::vector<std::string>& class_names = {},
                  bool training_part = true);

// A held-out file of a CSV source read with the training source's columns and classes.
Dataset read_held_out(const DataSource& source, const DataSource& training,
                      const std::vector<std::string>& class_names);

enum class Precision { float32, float64 };
std::string to_string(Precision precision);                // "float", "double"
Precision precision_from_string(const std::string& name);  // "float"/"float32", "double"/...

struct FitSetup;

// Weights of the classes in the training loss (losses.h; Keras' class_weight, scikit-learn's
// class_weight semantics). balanced: class c weighs n_samples / (n_classes · count_c), counted on
// the training split (so Σ over samples of their class's weight is n_samples). Explicit weights
// name a class by its name (a CSV label) or else its index; classes not named weigh 1.
struct ClassWeight {
  bool balanced = false;
  std::vector<std::pair<std::string, double>> weights;  // class name or index → weight
  bool given() const { return balanced || !weights.empty(); }
  // "balanced", or "name:weight,..." ("0:1,1:5", "setosa:2"); throws an option_error naming
  // FitOptions.class_weight for anything else.
  static ClassWeight parse(const std::string& text);
  std::string describe() const;  // "balanced" or "0:1,1:5" (fingerprints, settings)
};

// The weight of each class (class_names order) for the training split `train` (labels set).
// Throws an option_error naming FitOptions.class_weight for numeric targets, unknown classes
// and, with balanced, a class without training samples.
std::vector<double> class_weights_for(const ClassWeight& weights, const Dataset& train);

struct FitOptions {
  // ---- data
  DataSource data;
  // Held out of `data` (stratified for classes, from training.seed): test first, then validation.
  // Or separate sources with the same columns (csv: the training source's columns are used).
  // fashion_mnist brings its own test set (its t10k files) unless test_fraction is set.
  double test_fraction = 0, validation_fraction = 0;
  DataSource test_data, validation_data;
  bool standardize = false;  // fit (x − mean) / scale on the training split; stored in the model

  // ---- the network (ignored when init_model is set)
  std::vector<int> hidden = {16};
  ActivationSpec activation{Activation::relu, 0.01};
  std::optional<Activation> output_activation;  // unset: from the targets (see above)
  std::optional<Loss> loss;                     // unset: from the output (see above)
  WeightInit weight_init = Init::he_normal;     // seeded by training.seed
  // Start from this model instead: its architecture, weights, loss, classes and scaling.
  std::optional<Model> init_model;
  std::string init_model_name;  // where it came from, for messages and the saved settings

  // ---- training
  TrainOptions training;  // epochs, batch size, optimizer, seed, patience, ...
  Precision precision = Precision::float64;
  int threads = 0;  // 0: choose (threads.h choose_threads)
  // Checkpoints: written here every training.checkpoint_every epochs and when a stop is
  // requested; a run continues from `resume_path`'s checkpoint. Without a path, the state stays
  // in memory: training.on_checkpoint receives it and training.resume continues one (a front end
  // that keeps the state itself, such as the Python estimators' partial_fit; no fingerprint is
  // checked there).
  std::string checkpoint_path, resume_path;
  bool diagnose = false;  // after training, inspect the model on the training data

  // ---- regularisation and imbalance
  // Dropout rates of the hidden layers while training (layers/dropout.h: inverted dropout, masks
  // from training.seed, the step and each sample's index): one rate for every hidden layer or
  // one per hidden layer, each in [0, 1). Empty: none (or init_model's). Saved in the model.
  std::vector<double> dropout;
  // Class weights in the training loss (classification targets); see ClassWeight.
  ClassWeight class_weight;

  // ---- what the caller hears
  std::function<void(const std::string&)> on_warning;  // settings that will train badly
  std::function<void(const FitSetup&)> on_start;       // after the data and network are ready
  EpochCallback on_epoch;                              // each epoch; return false to stop
  const volatile std::sig_atomic_t* stop_requested = nullptr;  // e.g. set by a signal handler

  // Throws an option_error naming the first bad field ("FitOptions.validation_fraction").
  void validate() const;
};

// The command line's defaults, and the defaults that suit a data source: fashion-mnist gets
// 256,128 relu units, 15 epochs of Adam at lr 1e-3 on batches of 128, in float32.
FitOptions default_fit_options(const DataSource& data = {});

// What fit() set up, reported to on_start before the first epoch.
struct FitSetup {
  std::string data;  // description of the training data
  std::size_t train_samples = 0, validation_samples = 0, test_samples = 0;
  std::string architecture;  // "2-16-1"
  Loss loss = Loss::mse;
  bool classification = false;
  ThreadChoice threads;          // per process
  int processes = 1;             // training.communicator's size
  int resumed_after_epoch = -1;  // the last epoch of the checkpoint resumed from; -1: none
};

struct FitResult {
  Model model;  // the trained network with its names, scaling, settings and history
  FitSetup setup;
  // Early stopping, interruption, divergence. Its history is moved into the model (one copy of
  // every epoch's record): read it as history().
  TrainResult training;
  std::optional<Evaluation> test;          // on the test data after training
  std::optional<Diagnostics> diagnostics;  // with FitOptions.diagnose
  std::vector<std::string> warnings;       // everything passed to on_warning
  Dataset train_data;                      // the training split, raw (unscaled) and encoded
  double seconds = 0;                      // wall time of training
  double test_seconds = 0;                 // ... and of the test set's evaluation every epoch
  // Every epoch of the run (including those before a resume), as the model keeps it.
  const std::vector<EpochRecord>& history() const { return model.info.history; }
  // The epoch whose model was kept (the best one with early stopping), or the last.
  const EpochRecord* kept_epoch() const;
};

// Runs the pipeline. Throws an Error for bad options (naming the FitOptions field), bad data
// (naming file, line and column) or a checkpoint made with other settings. Divergence and
// interruption are not errors: they are reported in result.training, with the last good model.
FitResult fit(const FitOptions& options);

}  // namespace backprop
