// fann_data.h — FANN's training-file format (what fann_read_train_from_file and
// fann_train_on_file read), as a data set with numeric targets.
//
//   PAIRS INPUTS OUTPUTS        the header: three whole numbers
//   x_1 x_2 ... x_INPUTS        then, PAIRS times, one line of inputs
//   y_1 ... y_OUTPUTS           and one line of outputs
//
// Numbers are separated by spaces or tabs; blank lines are skipped, CRLF line endings accepted.
// The inputs are named x0, x1, ... and the targets y0, y1, ... (FANN's files name nothing).
// Targets stay numeric; one-hot outputs (FANN's classification sets) are recognised as classes
// where classes matter (train.h: looks_like_classes), so accuracy is reported by the argmax.
// Every problem is a data Error naming the file and line and what was expected: the header's
// counts, how many numbers a line should hold and how many it has, a bad number, too few or too
// many pairs. The header's counts are checked against the file's size before anything is
// allocated.
#pragma once

#include <string>
#include <string_view>

#include "backprop/data/dataset.h"

namespace backprop {

// Reads a FANN training file.
Dataset load_fann_data(const std::string& path);
// The same from text in memory; `source` names it in messages.
Dataset parse_fann_data(std::string_view text, const std::string& source);
// Whether a data file is read as FANN's format: its name ends in ".data" (FANN's examples, e.g.
// xor.data) or ".train" / ".test" (FANN's datasets/, e.g. diabetes.train).
bool is_fann_data_path(const std::string& path);

}  // namespace backprop
