// fuzz_check.h — what the fuzz targets share: the invariant check that turns a broken promise
// into a crash libFuzzer records (with the input that caused it).
//
// The contract under test (backprop/error.h): every input either parses or throws
// backprop::Error. The targets catch backprop::Error and nothing else, so any other exception
// escapes LLVMFuzzerTestOneInput, reaches std::terminate and is reported as a crash, as are
// sanitizer reports, timeouts and allocations above -malloc_limit_mb.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// Aborts with a message when an invariant the reader promises does not hold. A macro, so the
// message names the line of the failed check.
#define FUZZ_CHECK(condition, what)                                                              \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, #condition, \
                   what);                                                                        \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)

// The text with every LF line ending written as CRLF (the readers must read both alike).
inline std::string with_crlf(std::string_view text) {
  std::string crlf;
  crlf.reserve(text.size() * 2);
  for (const char c : text) {
    if (c == '\n') crlf.push_back('\r');
    crlf.push_back(c);
  }
  return crlf;
}
