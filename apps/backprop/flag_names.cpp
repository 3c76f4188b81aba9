#include "flag_names.h"

#include <utility>
#include <vector>

namespace backprop::cli {
namespace {

// Longest field names first, so that a field that prefixes another is not replaced inside it.
const std::vector<std::pair<std::string, std::string>>& table() {
  static const std::vector<std::pair<std::string, std::string>> fields = {
      {"TrainOptions.lr_schedule.step_size", "--lr-step-size"},
      {"TrainOptions.lr_schedule.patience", "--lr-patience"},
      {"TrainOptions.lr_schedule.min_lr", "--lr-min"},
      {"TrainOptions.lr_schedule.factor", "--lr-factor"},
      {"TrainOptions.lr_schedule.gamma", "--lr-gamma"},
      {"TrainOptions.lr_schedule.t_max", "--lr-t-max"},
      {"TrainOptions.lr_schedule", "--lr-schedule"},
      {"TrainOptions.stop_loss", "--stop-loss"},
      {"OptimizerOptions.rprop_increase", "--rprop-increase"},
      {"OptimizerOptions.rprop_decrease", "--rprop-decrease"},
      {"OptimizerOptions.rprop_delta_min", "--rprop-delta-min"},
      {"OptimizerOptions.rprop_delta_max", "--rprop-delta-max"},
      {"FitOptions.weight_init", "--weight-init"},
      {"FitOptions.validation_fraction", "--validation-fraction"},
      {"FitOptions.validation_data", "--validation-data"},
      {"FitOptions.checkpoint_path", "--checkpoint"},
      {"FitOptions.test_fraction", "--test-fraction"},
      {"FitOptions.resume_path", "--resume"},
      {"FitOptions.test_data", "--test-data"},
      {"FitOptions.precision", "--precision"},
      {"FitOptions.threads", "--threads"},
      {"TrainOptions.threads", "--threads"},
      {"TrainOptions.deterministic", "--deterministic"},
      {"FitOptions.standardize", "--standardize"},
      {"FitOptions.hidden", "--hidden"},
      {"FitOptions.data", "--dataset or --data"},
      {"TrainOptions.checkpoint_every", "--checkpoint-every"},
      {"TrainOptions.batch_size", "--batch-size"},
      {"TrainOptions.keep_best", "--keep-best"},
      {"FitOptions.dropout", "--dropout"},
      {"FitOptions.class_weight", "--class-weight"},
      {"TrainOptions.class_weights", "--class-weight"},
      {"TrainOptions.patience", "--patience"},
      {"TrainOptions.epochs", "--epochs"},
      {"TrainOptions.seed", "--seed"},
      {"OptimizerOptions.weight_decay", "--weight-decay"},
      {"OptimizerOptions.clip_norm", "--clip-norm"},
      {"OptimizerOptions.momentum", "--momentum"},
      {"OptimizerOptions.epsilon", "--adam-epsilon"},
      {"OptimizerOptions.beta1", "--beta1"},
      {"OptimizerOptions.beta2", "--beta2"},
      {"OptimizerOptions.lr", "--lr"},
      {"DataSource.generator", "--dataset"},
      {"DataSource.targets", "--targets"},
      {"CsvDatasetOptions.targets", "--targets"},
      {"CsvDatasetOptions.features", "--features"},
      {"DataSource.target", "--target"},
      {"DataSource.n", "--n"},
      {"SweepOptions.hidden_sizes", "--hidden-sizes"},
      {"SweepOptions.seeds", "--seeds"},
      {"SweepOptions.epochs", "--epochs"},
      {"SweepOptions.lr", "--lr"},
      {"plot.layer", "--layer"},
      {"graph.path", "--out"},
      {"graph.x", "--x"},
      {"graph.y", "--y"},
      {"target", "--target"},
  };
  return fields;
}

}  // namespace

std::string flag_for_field(const std::string& field) {
  for (const auto& [name, flag] : table())
    if (name == field) return flag;
  return field;
}

std::string with_flag_names(const std::string& message) {
  std::string out = message;
  for (const auto& [name, flag] : table()) {
    if (name.find('.') == std::string::npos) continue;  // bare names only as a whole field
    for (std::size_t at = out.find(name); at != std::string::npos;
         at = out.find(name, at + flag.size()))
      out.replace(at, name.size(), flag);
  }
  return out;
}

}  // namespace backprop::cli
