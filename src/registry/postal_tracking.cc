// Reading a postal operator's tracking file (delivery.h): CSV through libcsv (RFC 4180, as the
// agency feeds read theirs), JSON lines through Boost.JSON. Form only; the registry checks
// each event against its summons when it imports them (delivery.cc).

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <set>

#include "common/csv_rows.h"
#include "registry/delivery.h"

namespace muster {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 5> kColumns = {"tracking_number", "summons_id", "event",
                                                      "at", "office"};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                           text.front() == '\n')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Russian Post's 14-digit domestic numbers and the UPU S10 international form
// ("RA123456785RU"). Check digits differ between operators and are not checked: a mistyped
// number simply matches no letter, which is reported.
Result<std::string> TrackingNumber(std::string_view raw) {
  std::string text(Trim(raw));
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  bool domestic = text.size() == 14 && AllDigits(text);
  auto letter = [](char c) { return c >= 'A' && c <= 'Z'; };
  bool s10 = text.size() == 13 && letter(text[0]) && letter(text[1]) &&
             AllDigits(std::string_view(text).substr(2, 9)) && letter(text[11]) && letter(text[12]);
  if (!domestic && !s10) {
    return InvalidArgument("tracking_number: '" + std::string(raw) +
                           "' is neither 14 digits nor an S10 number such as RA123456785RU");
  }
  return text;
}

// Field values of one line by column name; builds a PostalEvent or the line's error.
struct LineBuilder {
  ParsedPostalFile* file;

  void Error(int64_t line, std::string field, std::string message) {
    file->errors.push_back({line, std::move(field), std::move(message)});
  }

  void Add(int64_t line, std::string_view tracking, std::string_view summons,
           std::string_view event, std::string_view at, std::string_view office) {
    ++file->lines;
    PostalEvent parsed;
    parsed.line = line;
    tracking = Trim(tracking);
    summons = Trim(summons);
    if (tracking.empty() && summons.empty()) {
      return Error(line, "tracking_number",
                   "tracking_number: give the tracking number, the summons id or both");
    }
    if (!tracking.empty()) {
      auto number = TrackingNumber(tracking);
      if (!number.ok()) return Error(line, "tracking_number", number.status().message());
      parsed.tracking_number = std::move(number).value();
    }
    if (!summons.empty()) {
      if (!AllDigits(summons) || summons.size() > 18 || std::stoll(std::string(summons)) <= 0) {
        return Error(line, "summons_id",
                     "summons_id: '" + std::string(summons) + "' is not a summons id");
      }
      parsed.summons_id = std::stoll(std::string(summons));
    }
    parsed.event = std::string(Trim(event));
    if (std::find(std::begin(kPostalEvents), std::end(kPostalEvents), parsed.event) ==
        std::end(kPostalEvents)) {
      return Error(line, "event",
                   "event: '" + parsed.event +
                       "' is not a postal event (expected one of accepted, delivered, refused, "
                       "addressee_absent, returned)");
    }
    auto instant = ParseInstant(Trim(at), "at");
    if (!instant.ok()) return Error(line, "at", instant.status().message());
    parsed.at = *instant;
    parsed.office = std::string(Trim(office));
    file->events.push_back(std::move(parsed));
  }
};

Status ReadCsv(std::string_view bytes, LineBuilder& builder) {
  std::vector<std::string> header;
  CsvRowHandlers handlers;
  handlers.header = [&](std::vector<std::string>& names) -> Status {
    std::set<std::string> seen;
    Status error;
    for (const std::string& name : names) {
      if (std::find(kColumns.begin(), kColumns.end(), name) == kColumns.end()) {
        error = InvalidArgument("header: unknown column '" + name +
                                "' (expected tracking_number, summons_id, event, at, office)");
      } else if (!seen.insert(name).second) {
        error = InvalidArgument("header: column '" + name + "' appears twice");
      }
    }
    header = std::move(names);
    RETURN_IF_ERROR(error);
    for (std::string_view required : {"event", "at"}) {
      if (!seen.contains(std::string(required))) {
        return InvalidArgument("header: column '" + std::string(required) + "' is missing");
      }
    }
    if (!seen.contains("tracking_number") && !seen.contains("summons_id")) {
      return InvalidArgument("header: give a tracking_number or a summons_id column, or both");
    }
    return Status::Ok();
  };
  handlers.row = [&](std::vector<std::string>& row, int64_t line) {
    if (row.size() != header.size()) {
      ++builder.file->lines;
      builder.Error(line, "", "line: expected " + std::to_string(header.size()) +
                                  " fields, got " + std::to_string(row.size()));
      return;
    }
    std::string_view fields[kColumns.size()];
    for (size_t i = 0; i < row.size(); ++i) {
      size_t column = std::find(kColumns.begin(), kColumns.end(), header[i]) - kColumns.begin();
      fields[column] = row[i];
    }
    builder.Add(line, fields[0], fields[1], fields[2], fields[3], fields[4]);
  };
  handlers.broken = [&](int64_t line, const std::string& reason) {
    ++builder.file->lines;
    builder.Error(line, "", "line: " + reason);
  };
  ASSIGN_OR_RETURN(CsvRowsRead read, ReadCsvRows(bytes, handlers));
  if (!read.header_seen) {
    return InvalidArgument("header: the file is empty (expected a header line)");
  }
  return Status::Ok();
}

void ReadJsonLines(std::string_view bytes, LineBuilder& builder) {
  size_t pos = 0;
  int64_t line = 0;
  while (pos < bytes.size()) {
    size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view text = Trim(bytes.substr(pos, end - pos));
    pos = end + 1;
    ++line;
    if (text.empty()) continue;
    std::error_code error;
    json::value value = json::parse(text, error);
    if (error || !value.is_object()) {
      ++builder.file->lines;
      builder.Error(line, "", "line: not a JSON object" + (error ? " (" + error.message() + ")" : std::string()));
      continue;
    }
    const json::object& object = value.get_object();
    std::string fields[kColumns.size()];
    bool bad = false;
    for (const auto& [key, field] : object) {
      size_t column = std::find(kColumns.begin(), kColumns.end(), std::string_view(key)) -
                      kColumns.begin();
      if (column == kColumns.size()) {
        ++builder.file->lines;
        builder.Error(line, std::string(key),
                      std::string(key) + ": unknown field (expected tracking_number, summons_id, "
                                         "event, at, office)");
        bad = true;
        break;
      }
      if (field.is_string()) {
        fields[column] = std::string(field.get_string());
      } else if (field.is_int64() && std::string_view(key) == "summons_id") {
        fields[column] = std::to_string(field.get_int64());
      } else if (!field.is_null()) {
        ++builder.file->lines;
        builder.Error(line, std::string(key), std::string(key) + ": expected a string");
        bad = true;
        break;
      }
    }
    if (bad) continue;
    builder.Add(line, fields[0], fields[1], fields[2], fields[3], fields[4]);
  }
}

}  // namespace

Result<std::string> NormalizeTrackingNumber(std::string_view raw) { return TrackingNumber(raw); }

Result<PostalFormat> ParsePostalFormat(std::string_view text, std::string_view field) {
  if (text == "csv") return PostalFormat::kCsv;
  if (text == "jsonl" || text == "ndjson") return PostalFormat::kJsonLines;
  return InvalidArgument(std::string(field) + ": unknown format '" + std::string(text) +
                         "' (expected csv or jsonl)");
}

Result<ParsedPostalFile> ParsePostalFile(std::string_view bytes, PostalFormat format) {
  ParsedPostalFile file;
  LineBuilder builder{&file};
  if (format == PostalFormat::kCsv) {
    RETURN_IF_ERROR(ReadCsv(bytes, builder));
  } else {
    ReadJsonLines(bytes, builder);
  }
  std::stable_sort(file.errors.begin(), file.errors.end(),
                   [](const PostalLineError& a, const PostalLineError& b) { return a.line < b.line; });
  return file;
}

std::string PostalImportReportJson(const PostalImportReport& report) {
  json::array errors;
  for (const PostalLineError& error : report.errors) {
    errors.push_back(json::object{{"line", error.line},
                                  {"field", error.field},
                                  {"message", error.message}});
  }
  return json::serialize(json::object{{"lines", report.lines},
                                      {"recorded", report.recorded},
                                      {"duplicates", report.duplicates},
                                      {"served", report.served},
                                      {"errors", std::move(errors)}});
}

}  // namespace muster
