// csv.h — reading training data from CSV files (RFC 4180) into text cells and numeric matrices,
// and the one rule for writing a CSV field.
//
// The reader is strict so that bad data fails loudly at load time instead of silently training on
// garbage: every problem throws backprop::Error (Kind::data) with one line naming the file, the
// physical line, the column and what was expected versus found.
//
// Accepted input: comma-separated UTF-8 text with a header row; fields may be quoted with "..."
// (a doubled "" inside quotes is a quote; commas and newlines may appear inside quotes); LF or
// CRLF line endings; an optional UTF-8 byte-order mark; blank lines anywhere are skipped; at most
// 1048576 (2^20) columns.
//
// Column numbers in messages ("file.csv:LINE:COL") are 1-based field numbers, not byte offsets,
// because that is what a user looks up in a spreadsheet; byte-level problems (invalid UTF-8)
// additionally give the byte offset within the line.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/tensor.h"

namespace backprop {

struct CsvTable {
  std::string source;                          // file name used in messages
  std::vector<std::string> header;             // column names, in file order (trimmed)
  std::vector<std::vector<std::string>> rows;  // data cells as text, each row header.size() cells
  std::vector<std::size_t> line_numbers;       // 1-based physical line on which each row starts

  // Index of a column by name; throws Error "FILE: no column 'x' (columns: a, b, c)".
  std::size_t column_index(const std::string& name) const;
};

// Reads and parses a whole CSV file. Throws Error if the file cannot be opened or read (the
// message names the file and the system's reason) or if its contents break any rule above.
CsvTable read_csv(const std::string& path);

// Same rules as read_csv, from a stream; `source` is the name used in messages.
CsvTable parse_csv(std::istream& in, const std::string& source);

// Same rules as read_csv, from text already in memory (any bytes; a view, not copied).
CsvTable parse_csv_text(std::string_view text, const std::string& source);

// Strict number parse of one cell: optional surrounding spaces/tabs, then a complete decimal or
// scientific number ("1", "-2.5", ".5", "3.", "1e-3"). Rejected: empty cells, trailing junk,
// hex floats, "nan"/"inf"/"infinity" in any case, and values that overflow a double (1e999).
// Values that underflow become (signed) zero, as with std::strtod. Independent of the C locale.
// Error message form: "data.csv:7:3 (column 'x2'): expected a finite number, found 'abc'".
double parse_number(const std::string& cell, const std::string& source, std::size_t line,
                    std::size_t column, const std::string& column_name);

// The given columns (0-based indices into table.header) as a (columns.size() x rows) matrix:
// one matrix column per sample (row of the file), one matrix row per selected column, in the
// order given. Every cell is parsed with parse_number, so errors name file:line:column.
Matrix<double> numeric_columns(const CsvTable& table, const std::vector<std::size_t>& columns);

// Writing: one field of a CSV row, quoted (with doubled inner quotes) when the reader above would
// otherwise split, trim or skip it — so every file this project writes reads back exactly.
std::string csv_field(const std::string& text);

}  // namespace backprop
