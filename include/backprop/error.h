// error.h — the one error type the library throws.
//
// Contract: every public entry point validates its inputs (shapes, files, options) and throws
// backprop::Error whose message says what was expected, what was found, and where (file, line,
// column, layer, option field). The library never prints and never exits; only the command line
// chooses exit codes, from Error::kind().
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
      : std::runtime_error(message), kind_(kind), detail_(message) {}
  // A bad value of one option field, named as the library's options structs name it
  // ("TrainOptions.epochs"): what() is "TrainOptions.epochs: <detail>". A front end may name the
  // field its own way (the command line by its flag) from field() and detail().
  Error(const std::string& field, const std::string& detail, Kind kind)
      : std::runtime_error(field + ": " + detail), kind_(kind), field_(field), detail_(detail) {}

  Kind kind() const { return kind_; }
  const std::string& field() const { return field_; }    // empty unless about one option field
  const std::string& detail() const { return detail_; }  // the message without the field

 private:
  Kind kind_;
  std::string field_, detail_;
};

// Shorthand for an error in the caller's options (a flag, an argument).
inline Error usage_error(const std::string& message) { return Error(message, Error::Kind::usage); }
// A bad value of the option `field` ("TrainOptions.epochs"): a usage error.
inline Error option_error(const std::string& field, const std::string& detail) {
  return Error(field, detail, Error::Kind::usage);
}

}  // namespace backprop
