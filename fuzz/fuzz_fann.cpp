// fuzz_fann — FANN's training-file reader (data/fann_data.h) on arbitrary bytes.
//
// Checks, beyond "parses or throws backprop::Error":
//   - a parsed data set is well formed: at least one pair, input and output; x and y with one
//     column per pair; every value finite; one name per input and per output;
//   - CRLF line endings read as LF ones do (for text without any CR of its own).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backprop/data/fann_data.h"
#include "backprop/error.h"
#include "fuzz_check.h"

namespace {

std::optional<backprop::Dataset> parse(std::string_view text) {
  try {
    return backprop::parse_fann_data(text, "fuzz.data");
  } catch (const backprop::Error&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<backprop::Dataset> plain = parse(text);
  if (plain) {
    const backprop::Dataset& d = *plain;
    FUZZ_CHECK(d.x.cols() >= 1 && d.x.rows() >= 1 && d.y.rows() >= 1, "non-empty");
    FUZZ_CHECK(d.x.cols() == d.y.cols(), "one target column per input column");
    FUZZ_CHECK(d.x.allFinite() && d.y.allFinite(), "finite values only");
    FUZZ_CHECK(d.feature_names.size() == static_cast<std::size_t>(d.x.rows()), "input names");
    FUZZ_CHECK(d.target_names.size() == static_cast<std::size_t>(d.y.rows()), "output names");
    FUZZ_CHECK(!d.is_classification(), "numeric targets");
  }
  if (text.find('\r') == std::string_view::npos && text.find('\n') != std::string_view::npos) {
    const std::optional<backprop::Dataset> dos = parse(with_crlf(text));
    FUZZ_CHECK(dos.has_value() == plain.has_value(), "CRLF and LF line endings read alike");
    if (plain) FUZZ_CHECK(dos->x == plain->x && dos->y == plain->y, "CRLF and LF read alike");
  }
  return 0;
}
