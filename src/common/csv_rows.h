// CSV rows with their line numbers: RFC 4180 through libcsv (strict), fed one line at a time so
// that every row is handed over with the line it starts on and a row libcsv cannot read costs
// only itself. Shared by the agencies' feeds (feeds/feed_format) and the postal operator's
// tracking files (registry/postal_tracking); what a row means is theirs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace muster {

struct CsvRowHandlers {
  // The first row, its names trimmed and a leading byte-order mark removed. An error stops
  // the reading and is what ReadCsvRows returns.
  std::function<Status(std::vector<std::string>& names)> header;
  // Every later row, with the line it starts on.
  std::function<void(std::vector<std::string>& row, int64_t line)> row;
  // A later row libcsv could not read, with libcsv's reason; reading goes on at the next line.
  std::function<void(int64_t line, const std::string& reason)> broken;
};

struct CsvRowsRead {
  bool header_seen = false;  // false: the text held no row at all
};

// Reads `bytes`. A header line libcsv cannot read is "header: line N: reason".
Result<CsvRowsRead> ReadCsvRows(std::string_view bytes, const CsvRowHandlers& handlers);

}  // namespace muster
