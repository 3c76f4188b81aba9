// flag_names.h — the library names its option fields ("TrainOptions.epochs"); the command line
// names them by its flags ("--epochs"). This is the one table between the two.
#pragma once

#include <string>

namespace backprop::cli {

// The flag of a library option field, or the field itself when no flag sets it.
std::string flag_for_field(const std::string& field);
// A library message with every option field it names replaced by its flag.
std::string with_flag_names(const std::string& message);

}  // namespace backprop::cli
