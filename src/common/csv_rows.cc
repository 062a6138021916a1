#include "common/csv_rows.h"

#include <csv.h>

namespace muster {
namespace {

std::string_view TrimBlanks(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  size_t first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
}

// libcsv calls back per field and per row.
struct RowCollector {
  const CsvRowHandlers* handlers;
  std::vector<std::string> row;
  int64_t row_start = 0;  // first line of the row being read
  int64_t current_line = 0;
  bool header_seen = false;
  Status header_error;

  static void OnField(void* data, size_t length, void* self) {
    auto* collector = static_cast<RowCollector*>(self);
    collector->row.emplace_back(static_cast<const char*>(data), data ? length : 0);
  }
  static void OnRow(int, void* self) { static_cast<RowCollector*>(self)->EndRow(); }

  void EndRow() {
    int64_t line = row_start > 0 ? row_start : current_line;
    row_start = 0;
    if (!header_seen) {
      header_seen = true;
      for (std::string& name : row) {
        name = std::string(TrimBlanks(name));
        if (&name == &row.front() && name.starts_with("\xEF\xBB\xBF")) name = name.substr(3);
      }
      header_error = handlers->header(row);
    } else {
      handlers->row(row, line);
    }
    row.clear();
  }
};

}  // namespace

Result<CsvRowsRead> ReadCsvRows(std::string_view bytes, const CsvRowHandlers& handlers) {
  RowCollector collector{.handlers = &handlers};
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return Internal("csv: cannot initialise");
  size_t pos = 0;
  int64_t line = 0;
  while (pos < bytes.size() && collector.header_error.ok()) {
    size_t end = bytes.find('\n', pos);
    end = end == std::string_view::npos ? bytes.size() : end + 1;
    std::string_view text = bytes.substr(pos, end - pos);
    pos = end;
    ++line;
    collector.current_line = line;
    if (collector.row_start == 0 && collector.row.empty() && !TrimBlanks(text).empty()) {
      collector.row_start = line;
    }
    size_t parsed = csv_parse(&parser, text.data(), text.size(), RowCollector::OnField,
                              RowCollector::OnRow, &collector);
    if (parsed != text.size()) {
      // A broken row: report it and start afresh on the next line.
      int64_t start = collector.row_start > 0 ? collector.row_start : line;
      std::string reason = csv_strerror(csv_error(&parser));
      csv_free(&parser);
      if (!collector.header_seen) {
        return InvalidArgument("header: line " + std::to_string(start) + ": " + reason);
      }
      handlers.broken(start, reason);
      if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return Internal("csv: cannot initialise");
      collector.row.clear();
      collector.row_start = 0;
    }
  }
  if (collector.header_error.ok() &&
      csv_fini(&parser, RowCollector::OnField, RowCollector::OnRow, &collector) != 0) {
    int64_t start = collector.row_start > 0 ? collector.row_start : line;
    handlers.broken(start, std::string(csv_strerror(csv_error(&parser))) +
                               " (unterminated quoted field)");
  }
  csv_free(&parser);
  RETURN_IF_ERROR(collector.header_error);
  return CsvRowsRead{.header_seen = collector.header_seen};
}

}  // namespace muster
