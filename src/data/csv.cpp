// csv.cpp — strict RFC 4180 reader; see backprop/data/csv.h for the accepted format.
//
// The whole input is held in one string and scanned once, byte by byte, so cost is linear in the
// file size whatever the line lengths are (a single 10 MB line is fine).

#include "backprop/data/csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "backprop/error.h"

namespace backprop {
namespace {

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }

// '\r' counts as blank too: a lone CR at the end of an unquoted cell is a line-ending leftover.
bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim_view(std::string_view s, bool (*blank)(char)) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && blank(s[begin])) ++begin;
  while (end > begin && blank(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

void trim_in_place(std::string& s) {
  std::string_view trimmed = trim_view(s, is_blank_char);
  if (trimmed.size() == s.size()) return;
  const std::size_t offset = static_cast<std::size_t>(trimmed.data() - s.data());
  s.erase(offset + trimmed.size());
  s.erase(0, offset);
}

std::string hex_byte(unsigned char byte) {
  static const char digits[] = "0123456789abcdef";
  std::string out = "0x";
  out.push_back(digits[byte >> 4]);
  out.push_back(digits[byte & 0xF]);
  return out;
}

// A cell as it appears inside a one-line message: control characters escaped, long text cut.
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const char c = text[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += "\\x" + hex_byte(static_cast<unsigned char>(c)).substr(2);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

// A single unexpected byte, for "expected X, found Y" messages.
std::string shown_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7F) return std::string("'") + c + "'";
  return "byte " + hex_byte(byte);
}

// Most columns a file may have. Far above any real table (spreadsheets stop at 16384), and it
// bounds the header's memory: a line of commas alone would otherwise cost 32 bytes per byte.
constexpr std::size_t kMaxColumns = std::size_t{1} << 20;

struct Record {
  std::vector<std::string> fields;  // the first `keep` fields (see Parser::next)
  std::size_t count = 0;            // fields in the record, stored or not
  std::size_t line = 0;             // physical line on which the record starts
  bool any_quoted = false;          // a quoted empty field ("") is data, not a blank line

  bool blank() const { return !any_quoted && count == 1 && fields[0].empty(); }
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text_.substr(0, kBom.size()) == kBom) {
      pos_ = kBom.size();
      line_start_ = pos_;  // byte offsets in messages count from after the (invisible) BOM
    }
  }

  // Reads the next record (which may span several physical lines); false at end of input.
  // Only the first `keep` (>= 1) fields are stored; the rest are still read and checked, so
  // errors and the count stay exact, but a row far wider than the header costs no memory.
  bool next(Record& record, std::size_t keep) {
    if (pos_ >= text_.size()) return false;
    record.fields.clear();
    record.count = 0;
    record.line = line_;
    record.any_quoted = false;
    std::string field;
    for (;;) {
      if (read_field(field, record.count + 1)) record.any_quoted = true;
      ++record.count;
      if (record.fields.size() < keep) {
        record.fields.push_back(std::move(field));
        field = std::string();
      }
      if (pos_ >= text_.size()) return true;
      const char delimiter = text_[pos_++];
      if (delimiter == '\n') {
        start_line();
        return true;
      }
      // Otherwise read_field stopped at a ',': another field follows.
    }
  }

 private:
  void start_line() {
    ++line_;
    line_start_ = pos_;
  }

  std::string where(std::size_t line, std::size_t column) const {
    return source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  // Reads one field into `out`, stopping at ',' / '\n' / end of input (not consumed).
  // Returns whether the field was quoted.
  bool read_field(std::string& out, std::size_t column) {
    out.clear();
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ',' || c == '\n') break;
      if (c == '"') {
        // Spaces before an opening quote are tolerated (common in hand-written files).
        if (trim_view(out, is_blank_char).empty()) {
          ++pos_;
          read_quoted_rest(out, column);
          return true;
        }
        throw Error(where(line_, column) + "unexpected '\"' inside unquoted field '" + shown(out) +
                    "' (expected a field either fully quoted, \"...\", or free of "
                    "quotes)");
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        append_utf8_sequence(out, column);
      } else {
        out.push_back(c);
        ++pos_;
      }
    }
    trim_in_place(out);
    return false;
  }

  // Called just after the opening quote; consumes through the closing quote and any trailing
  // blanks, leaving pos_ on the ',' / '\n' / end that follows.
  void read_quoted_rest(std::string& out, std::size_t column) {
    out.clear();
    const std::size_t open_line = line_;
    for (;;) {
      if (pos_ >= text_.size()) {
        const std::string opened = "the quote opened on line " + std::to_string(open_line);
        throw Error(where(open_line, column) + "unterminated quoted field: " + opened +
                    " is never closed (expected a closing '\"' before the end of the file)");
      }
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          out.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        ++pos_;  // store CRLF inside quotes as "\n" so CRLF and LF files give identical cells
        continue;
      }
      if (c == '\n') {
        out.push_back('\n');
        ++pos_;
        start_line();
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        append_utf8_sequence(out, column);
      } else {
        out.push_back(c);
        ++pos_;
      }
    }
    while (pos_ < text_.size() && is_blank_char(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') {
      const std::string found = shown_byte(text_[pos_]);
      throw Error(where(line_, column) +
                  "expected ',' or end of line after the closing quote of a quoted field, found " +
                  found);
    }
  }

  [[noreturn]] void throw_invalid_utf8(std::size_t column, const char* reason) const {
    const auto byte = static_cast<unsigned char>(text_[pos_]);
    throw Error(where(line_, column) + "invalid UTF-8 byte " + hex_byte(byte) + " at byte " +
                std::to_string(pos_ - line_start_ + 1) + " of the line (" + reason +
                "); expected UTF-8 text");
  }

  // Validates the multi-byte sequence starting at pos_ (lead byte >= 0x80) and appends it.
  // Checks the full Unicode 3.0+ well-formedness table: lead bytes, continuation bytes,
  // overlong forms, surrogates and code points above U+10FFFF.
  void append_utf8_sequence(std::string& out, std::size_t column) {
    const auto lead = static_cast<unsigned char>(text_[pos_]);
    std::size_t length = 0;
    unsigned char second_min = 0x80;  // the second byte's valid range depends on the lead
    unsigned char second_max = 0xBF;
    const char* second_reason = "expected a continuation byte after it";
    if (lead >= 0x80 && lead <= 0xBF) {
      throw_invalid_utf8(column, "continuation byte without a lead byte");
    } else if (lead == 0xC0 || lead == 0xC1) {
      throw_invalid_utf8(column, "overlong encoding");
    } else if (lead <= 0xDF) {
      length = 2;
    } else if (lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) {
        second_min = 0xA0;
        second_reason = "overlong encoding or missing continuation byte";
      } else if (lead == 0xED) {
        second_max = 0x9F;
        second_reason = "encoded surrogate or missing continuation byte";
      }
    } else if (lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) {
        second_min = 0x90;
        second_reason = "overlong encoding or missing continuation byte";
      } else if (lead == 0xF4) {
        second_max = 0x8F;
        second_reason = "code point above U+10FFFF or missing continuation byte";
      }
    } else {
      throw_invalid_utf8(column, "never valid in UTF-8");
    }
    for (std::size_t i = 1; i < length; ++i) {
      if (pos_ + i >= text_.size()) throw_invalid_utf8(column, "sequence cut off by end of file");
      const auto next = static_cast<unsigned char>(text_[pos_ + i]);
      const unsigned char min = i == 1 ? second_min : 0x80;
      const unsigned char max = i == 1 ? second_max : 0xBF;
      if (next < min || next > max) {
        throw_invalid_utf8(column,
                           i == 1 ? second_reason : "expected a continuation byte after it");
      }
    }
    out.append(text_.substr(pos_, length));
    pos_ += length;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;  // offset of the current physical line's first byte
};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

void set_header(CsvTable& table, Record& record) {
  std::unordered_map<std::string_view, std::size_t> first_column;  // name -> 1-based column
  first_column.reserve(record.fields.size());
  table.header = std::move(record.fields);
  for (std::size_t i = 0; i < table.header.size(); ++i) {
    std::string& name = table.header[i];
    trim_in_place(name);  // quoted names too: " x " as a column name is never intended
    const std::string at =
        table.source + ":" + std::to_string(record.line) + ":" + std::to_string(i + 1) + ": ";
    if (name.empty()) throw Error(at + "empty column name (expected a name for every column)");
    // Views into table.header stay valid: the vector is not resized in this loop.
    const auto [it, inserted] = first_column.emplace(std::string_view(name), i + 1);
    if (!inserted) {
      throw Error(at + "duplicate column name '" + shown(name) + "' (columns " +
                  std::to_string(it->second) + " and " + std::to_string(i + 1) +
                  "; expected unique names)");
    }
  }
}

CsvTable parse_text(std::string_view text, const std::string& source) {
  CsvTable table;
  table.source = source;
  Parser parser(text, source);
  Record record;
  bool have_header = false;
  std::size_t header_line = 0;
  while (parser.next(record, have_header ? table.header.size() : kMaxColumns)) {
    if (record.blank()) continue;
    if (!have_header) {
      if (record.count > kMaxColumns) {
        throw Error(source + ":" + std::to_string(record.line) + ": header of " +
                    std::to_string(record.count) + " columns (expected at most " +
                    std::to_string(kMaxColumns) + ")");
      }
      header_line = record.line;
      set_header(table, record);
      have_header = true;
      continue;
    }
    if (record.count != table.header.size()) {
      throw Error(source + ":" + std::to_string(record.line) + ": expected " +
                  std::to_string(table.header.size()) + " fields (as in the header), found " +
                  std::to_string(record.count));
    }
    table.rows.push_back(std::move(record.fields));
    table.line_numbers.push_back(record.line);
  }
  if (!have_header) throw Error(source + ": empty file, expected a header row");
  if (table.rows.empty()) {
    throw Error(source + ": no data rows after the header (line " + std::to_string(header_line) +
                ")");
  }
  return table;
}

// Decimal exponent of the leading significant digit of a validated number, e.g. 0 for "1.5",
// -3 for "0.001", 999 for "1e999". Saturates instead of overflowing on absurd exponents.
long long decimal_magnitude(std::string_view mantissa, std::string_view exponent) {
  long long first_significant = -1;  // position counted over digits only
  long long integer_digits = 0;
  long long position = 0;
  bool after_point = false;
  for (const char c : mantissa) {
    if (c == '.') {
      after_point = true;
      continue;
    }
    if (!after_point) ++integer_digits;
    if (c != '0' && first_significant < 0) first_significant = position;
    ++position;
  }
  if (first_significant < 0) return 0;  // zero never overflows; caller won't ask
  constexpr long long kCap = 1'000'000'000;
  long long exp = 0;
  bool negative = false;
  std::size_t i = 0;
  if (i < exponent.size() && (exponent[i] == '+' || exponent[i] == '-')) {
    negative = exponent[i] == '-';
    ++i;
  }
  for (; i < exponent.size(); ++i) exp = std::min(kCap, exp * 10 + (exponent[i] - '0'));
  if (negative) exp = -exp;
  return integer_digits - 1 - first_significant + exp;
}

}  // namespace

std::size_t CsvTable::column_index(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw Error(source + ": no column '" + shown(name) + "' (columns: " + join_names(header) + ")");
}

CsvTable read_csv(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(path + ": cannot open: " + std::strerror(EISDIR));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int saved = errno;
    throw Error(path + ": cannot open: " + (saved != 0 ? std::strerror(saved) : "unknown error"));
  }
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size >= 0) {
    text.resize(static_cast<std::size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
  } else {
    // Not seekable (a pipe or device): read it as a stream.
    in.clear();
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) {
    const int saved = errno;
    throw Error(path + ": cannot read: " + (saved != 0 ? std::strerror(saved) : "I/O error"));
  }
  return parse_text(text, path);
}

CsvTable parse_csv(std::istream& in, const std::string& source) {
  std::string text(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
  if (in.bad()) throw Error(source + ": cannot read: I/O error");
  return parse_text(text, source);
}

CsvTable parse_csv_text(std::string_view text, const std::string& source) {
  return parse_text(text, source);
}

double parse_number(const std::string& cell, const std::string& source, std::size_t line,
                    std::size_t column, const std::string& column_name) {
  const std::string where = source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                            " (column '" + shown(column_name) + "'): expected a finite number, ";
  const std::string_view text = trim_view(cell, is_space_or_tab);
  if (text.empty()) throw Error(where + "found an empty cell");
  const auto reject = [&](const char* why) -> Error {
    return Error(where + "found '" + shown(cell) + "'" + why);
  };

  // Check the grammar ourselves: from_chars would accept "inf" and "nan", strtod also hex floats,
  // and strtod depends on the C locale's decimal point.
  //   number := [+-]? (digits ['.' digits?] | '.' digits) ([eE] [+-]? digits)?
  std::size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  const std::size_t mantissa_begin = i;
  std::size_t digit_count = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++digit_count;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++digit_count;
  }
  if (digit_count == 0) throw reject("");
  const std::size_t mantissa_end = i;
  std::size_t exponent_begin = i;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    exponent_begin = i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t exponent_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++exponent_digits;
    if (exponent_digits == 0) throw reject("");
  }
  if (i != text.size()) throw reject("");

  // from_chars takes a leading '-' but not a '+'.
  const std::size_t convert_from = text[0] == '+' ? 1 : 0;
  double value = 0.0;
  const auto result = std::from_chars(text.data() + convert_from, text.data() + text.size(), value,
                                      std::chars_format::general);
  if (result.ec == std::errc::result_out_of_range) {
    const long long magnitude = decimal_magnitude(
        text.substr(mantissa_begin, mantissa_end - mantissa_begin),
        exponent_begin < text.size() ? text.substr(exponent_begin) : std::string_view());
    if (magnitude >= 0) throw reject(" (too large for a double)");
    // Underflow: like strtod, round to zero keeping the sign.
    return text[0] == '-' ? -0.0 : 0.0;
  }
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) throw reject("");
  if (!std::isfinite(value)) throw reject(" (too large for a double)");
  return value;
}

Matrix<double> numeric_columns(const CsvTable& table, const std::vector<std::size_t>& columns) {
  for (const std::size_t c : columns) {
    if (c >= table.header.size()) {
      throw Error(table.source + ": column index " + std::to_string(c) +
                  " out of range (expected less than " + std::to_string(table.header.size()) +
                  ", the number of columns)");
    }
  }
  const auto samples = static_cast<Eigen::Index>(table.rows.size());
  Matrix<double> out(static_cast<Eigen::Index>(columns.size()), samples);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::vector<std::string>& row = table.rows[r];
    // Tables built by hand may lack line numbers; fall back to "header line + r + 1".
    const std::size_t line = r < table.line_numbers.size() ? table.line_numbers[r] : r + 2;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const std::size_t c = columns[k];
      if (c >= row.size()) {
        throw Error(table.source + ":" + std::to_string(line) + ": expected " +
                    std::to_string(table.header.size()) + " fields (as in the header), found " +
                    std::to_string(row.size()));
      }
      out(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(r)) =
          parse_number(row[c], table.source, line, c + 1, table.header[c]);
    }
  }
  return out;
}

std::string csv_field(const std::string& text) {
  const bool needs_quotes = text.empty() || text.find_first_of(",\"\r\n") != std::string::npos ||
                            text.front() == ' ' || text.front() == '\t' || text.back() == ' ' ||
                            text.back() == '\t';
  if (!needs_quotes) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace backprop
