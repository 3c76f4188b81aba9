// error.h — the one error type the library throws.
//
// Contract: every public entry point validates its inputs (shapes, files, options) and throws
// backprop::Error whose message says what was expected, what was found, and where (file, line,
// column, layer, flag). The library never prints and never exits; only the command line chooses
// exit codes, from Error::kind().
#pragma once

#include <stdexcept>
#include <string>

namespace backprop {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    usage,  // bad options or arguments given by the caller (CLI exit status 2)
    data,   // bad input data or files, I/O failures, numerical faults (CLI exit status 1)
  };

  explicit Error(const std::string& message, Kind kind = Kind::data)
      : std::runtime_error(message), kind_(kind) {}

  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Shorthand for an error in the caller's options (a flag, an argument).
inline Error usage_error(const std::string& message) { return Error(message, Error::Kind::usage); }

}  // namespace backprop
