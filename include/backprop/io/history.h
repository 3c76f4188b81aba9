// history.h — a training run's per-epoch figures as a CSV file, one row per epoch:
//
//   epoch,loss,accuracy,val_loss,val_accuracy,test_loss,test_accuracy
//   0,0.25540,0.5,,,,
//
// Epochs count from 0, as the lesson's loss_history; an empty cell is a figure that was not
// recorded (NaN in an EpochRecord). Numbers are written in shortest round-trip form.
#pragma once

#include <string>
#include <vector>

#include "backprop/train.h"

namespace backprop {

std::string history_to_csv(const std::vector<EpochRecord>& history);
// Written atomically (files.h).
void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history);
// Reads such a file: "loss" is required, the other columns optional, an empty cell (or "nan") is
// NaN. Epochs must follow each other (0, 1, 2, ... or from any first epoch, one per row); errors
// name file:line:column. A file where no row has a loss is an Error.
std::vector<EpochRecord> read_history_csv(const std::string& path);

}  // namespace backprop
