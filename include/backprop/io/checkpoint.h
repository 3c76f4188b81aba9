// checkpoint.h — training checkpoints: everything needed to resume a run bit for bit.
//
//   {"format": "backprop-checkpoint", "version": 1, "fingerprint": "...",
//    "epochs_done": 40, "steps": 120, "random_state": "...",
//    "model": {a version-1 model file}, "optimizer": [{"first": [...], "second": [...]}, ...],
//    "history": {"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]},
//    "early_stopping": {"best": ..., "best_epoch": ..., "since_best": ..., "model": {...}}}
//
// Matrices are flattened column-major; numbers are written in round-trip form, so a float or
// double state comes back exactly. The fingerprint names the settings that must not change
// between the interrupted run and its resumption (architecture, data, optimizer, batching, seed).
#pragma once

#include <string>

#include "backprop/train.h"

namespace backprop {

std::string checkpoint_to_json(const TrainState& state, const std::string& fingerprint);
// Parses a checkpoint; `source` names the file in messages. Returns the fingerprint through
// `fingerprint`.
TrainState parse_checkpoint(const std::string& text, const std::string& source,
                            std::string* fingerprint);

}  // namespace backprop
