// history.cpp — per-epoch figures to and from CSV.
#include "backprop/io/history.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "backprop/data/csv.h"
#include "backprop/error.h"
#include "backprop/io/files.h"

namespace backprop {

std::string history_to_csv(const std::vector<EpochRecord>& history) {
  std::string out = "epoch";
  for (const HistoryColumn& column : kHistoryColumns) out += std::string(",") + column.name;
  out += '\n';
  for (const EpochRecord& r : history) {
    out += std::to_string(r.epoch);
    for (const HistoryColumn& column : kHistoryColumns) {
      out += ',';
      const double v = r.*column.field;
      if (std::isnan(v)) continue;  // not recorded: an empty cell
      char buffer[64];
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
    }
    out += '\n';
  }
  return out;
}

void write_history_csv(const std::string& path, const std::vector<EpochRecord>& history) {
  write_file_atomically(path, history_to_csv(history));
}

std::vector<EpochRecord> read_history_csv(const std::string& path) {
  const CsvTable table = read_csv(path);
  table.column_index("loss");  // required: an Error listing the file's columns otherwise
  const auto column_of = [&](const std::string& name) {
    for (std::size_t c = 0; c < table.header.size(); ++c)
      if (table.header[c] == name) return c;
    return table.header.size();  // absent
  };
  const std::size_t epoch_column = column_of("epoch");
  const auto cell_value = [&](std::size_t r, std::size_t c) {
    std::string text = table.rows[r][c];
    text.erase(0, text.find_first_not_of(" \t"));
    text.erase(text.find_last_not_of(" \t") + 1);
    std::string lower = text;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (text.empty() || lower == "nan") return std::numeric_limits<double>::quiet_NaN();
    return parse_number(text, table.source, table.line_numbers[r], c + 1, table.header[c]);
  };
  std::vector<EpochRecord> history;
  bool any_loss = false;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    EpochRecord record;
    record.epoch = static_cast<int>(r);
    if (epoch_column < table.header.size()) {
      // Epochs must follow each other, so that a curve's x axis means what it says.
      const double first = cell_value(0, epoch_column);
      const double epoch = cell_value(r, epoch_column);
      if (!(epoch == first + static_cast<double>(r)))
        throw Error(table.source + ":" + std::to_string(table.line_numbers[r]) + ":" +
                    std::to_string(epoch_column + 1) + " (column 'epoch'): expected epoch " +
                    std::to_string(static_cast<long long>(first) + static_cast<long long>(r)) +
                    " (one row per epoch, in order), found '" + table.rows[r][epoch_column] + "'");
      record.epoch = static_cast<int>(epoch);
    }
    for (const HistoryColumn& column : kHistoryColumns) {
      const std::size_t c = column_of(column.name);
      if (c < table.header.size()) record.*column.field = cell_value(r, c);
    }
    any_loss = any_loss || std::isfinite(record.loss) || std::isfinite(record.val_loss);
    history.push_back(record);
  }
  if (!any_loss) throw Error(path + ": no loss history (no row has a loss)");
  return history;
}

}  // namespace backprop
