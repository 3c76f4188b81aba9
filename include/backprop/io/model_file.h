// model_file.h — versioned, human-readable, lossless model files (JSON).
//
// Version 1:
//   {"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse",
//    "layers": [
//      {"activation": "sigmoid", "weights": [[0.5, 0.3], [-0.2, 0.8]], "bias": [0.1, -0.1]},
//      {"activation": "sigmoid", "weights": [[0.6, -0.4]], "bias": [0.2]}]}
//
// `weights` is a list of rows, one row per unit (W is units x inputs); leaky_relu layers may carry
// "alpha", and hidden layers trained with dropout their rate, "dropout": 0.5 (written only when
// not 0; used only by further training). Optional fields describe how the model was made and how to
// feed it:
//   "features": [names of the input columns], "target": "label column", "classes": [class names],
//   "targets": [numeric target columns], "standardize": {"mean": [...], "scale": [...]} (applied
//   as (x − mean) / scale before the first layer), "training": {"settings": {...},
//   "history": {"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...],
//   "test_loss": [...], "test_accuracy": [...]}} (one entry per epoch, null where not recorded).
//   Numbers are written in the shortest form that reads back to the same double, so a
// save/load round trip is bit-exact. Readers ignore fields they do not know. Loading checks
// everything (the JSON syntax with line and column, the format name and version, shapes chaining
// layer to layer, finite numbers, known names) and says exactly what is wrong where.
// Saving is atomic: a temporary file in the same directory is written, flushed and renamed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "backprop/io/files.h"
#include "backprop/model/model.h"
#include "backprop/network.h"

namespace backprop {

// The model as version-1 JSON text.
std::string model_to_json(const Model& model);
std::string model_to_json(const Network<double>& network);
// Parses version-1 JSON text; `source` names the file in error messages.
Model parse_model(const std::string& text, const std::string& source);
Network<double> model_from_json(const std::string& text, const std::string& source);

// A path ending in .onnx (any case) is read as ONNX (io/onnx.h): every --model accepts both.
Model read_model(const std::string& path);
Network<double> load_model(const std::string& path);
void save_model(const Model& model, const std::string& path);
void save_model(const Network<double>& network, const std::string& path);

}  // namespace backprop
