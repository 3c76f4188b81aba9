// fuzz_csv — the CSV reader on arbitrary bytes.
//
// Checks, beyond "parses or throws backprop::Error":
//   - a parsed table is well formed: a non-empty header, every row as wide as the header, one
//     line number per row, increasing;
//   - numeric_columns over every column either throws Error or gives only finite numbers;
//   - the documented equivalences: the same text with a UTF-8 byte-order mark in front, or with
//     every LF turned into CRLF (for text without any CR of its own), gives the same table.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/csv.h"
#include "backprop/error.h"
#include "fuzz_check.h"

namespace {

struct Outcome {
  bool ok = false;
  backprop::CsvTable table;
};

Outcome parse(std::string_view text) {
  Outcome out;
  try {
    out.table = backprop::parse_csv_text(text, "fuzz.csv");
    out.ok = true;
  } catch (const backprop::Error&) {
  }
  return out;
}

bool same_table(const backprop::CsvTable& a, const backprop::CsvTable& b) {
  return a.header == b.header && a.rows == b.rows && a.line_numbers == b.line_numbers;
}

void check_numbers(const backprop::CsvTable& table) {
  std::vector<std::size_t> all(table.header.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  try {
    const backprop::Matrix<double> m = backprop::numeric_columns(table, all);
    FUZZ_CHECK(m.rows() == static_cast<Eigen::Index>(all.size()), "one matrix row per column");
    FUZZ_CHECK(m.cols() == static_cast<Eigen::Index>(table.rows.size()), "one column per row");
    FUZZ_CHECK(m.allFinite(), "numeric_columns promises finite numbers");
  } catch (const backprop::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Outcome plain = parse(text);
  if (plain.ok) {
    const backprop::CsvTable& t = plain.table;
    FUZZ_CHECK(!t.header.empty(), "a table has a header");
    FUZZ_CHECK(!t.rows.empty(), "a table has data rows");
    FUZZ_CHECK(t.line_numbers.size() == t.rows.size(), "one line number per row");
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      FUZZ_CHECK(t.rows[r].size() == t.header.size(), "rows as wide as the header");
      FUZZ_CHECK(r == 0 || t.line_numbers[r] > t.line_numbers[r - 1], "line numbers increase");
    }
    // column_index is a linear search: checking every column would make wide inputs quadratic.
    for (std::size_t c = 0; c < t.header.size() && c < 64; ++c)
      FUZZ_CHECK(t.column_index(t.header[c]) == c, "column names are unique");
    check_numbers(t);
  }

  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) != kBom) {
    const Outcome bom = parse(std::string(kBom) + std::string(text));
    FUZZ_CHECK(bom.ok == plain.ok, "a byte-order mark changes nothing");
    if (plain.ok)
      FUZZ_CHECK(same_table(bom.table, plain.table), "a byte-order mark changes nothing");
  }

  if (text.find('\r') == std::string_view::npos && text.find('\n') != std::string_view::npos) {
    const Outcome dos = parse(with_crlf(text));
    FUZZ_CHECK(dos.ok == plain.ok, "CRLF and LF line endings read alike");
    if (plain.ok) FUZZ_CHECK(same_table(dos.table, plain.table), "CRLF and LF read alike");
  }
  return 0;
}
