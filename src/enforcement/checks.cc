#include "enforcement/checks.h"

#include <boost/json.hpp>
#include <charconv>

namespace muster::enforcement {
namespace {

void AppendInt(std::string& out, int64_t value) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void AppendTwo(char* at, unsigned value) {
  at[0] = static_cast<char>('0' + value / 10);
  at[1] = static_cast<char>('0' + value % 10);
}

// Office ids are validated "<REGION>-<NN>" codes, so escaping is never needed in practice;
// the check keeps the output valid JSON whatever the ledger holds.
void AppendJsonString(std::string& out, std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
      out += boost::json::serialize(boost::json::string(text));
      return;
    }
  }
  out += '"';
  out += text;
  out += '"';
}

}  // namespace

void AppendInstant(std::string& out, Instant instant) {
  // The checks' hot path formats thousands of these per millisecond: calendar arithmetic from
  // date, digits by hand ("YYYY-MM-DDTHH:MM:SSZ").
  const auto day = date::floor<date::days>(instant);
  const date::year_month_day ymd(day);
  const int64_t seconds = (instant - day).count();
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    out += FormatInstant(instant);
    return;
  }
  char text[20];
  AppendTwo(text, static_cast<unsigned>(year / 100));
  AppendTwo(text + 2, static_cast<unsigned>(year % 100));
  text[4] = '-';
  AppendTwo(text + 5, static_cast<unsigned>(ymd.month()));
  text[7] = '-';
  AppendTwo(text + 8, static_cast<unsigned>(ymd.day()));
  text[10] = 'T';
  AppendTwo(text + 11, static_cast<unsigned>(seconds / 3600));
  text[13] = ':';
  AppendTwo(text + 14, static_cast<unsigned>(seconds / 60 % 60));
  text[16] = ':';
  AppendTwo(text + 17, static_cast<unsigned>(seconds % 60));
  text[19] = 'Z';
  out.append(text, sizeof text);
}

std::string DescribeAnswer(KindMask answer) {
  return answer == 0 ? "clear" : "in force: " + KindMaskNames(answer);
}

void AppendCheckLine(std::string& out, const CheckAnswer& answer) {
  if (answer.person_id == 0 && !answer.known) {
    out += "{\"in_force\":false}\n";
    return;
  }
  out += "{\"person_id\":";
  AppendInt(out, answer.person_id);
  if (!answer.known) {
    out += ",\"known\":false}\n";
    return;
  }
  if (answer.count == 0) {
    out += ",\"in_force\":false}\n";
    return;
  }
  out += ",\"in_force\":true,\"lift_at_office\":";
  AppendJsonString(out, answer.office);
  out += ",\"measures\":[";
  for (uint8_t i = 0; i < answer.count; ++i) {
    const MeasureInForce& measure = answer.measures[i];
    out += i == 0 ? "{\"kind\":\"" : ",{\"kind\":\"";
    out += MeasureKindName(measure.kind);
    out += "\",\"measure_id\":";
    AppendInt(out, measure.measure_id);
    out += ",\"since\":\"";
    AppendInstant(out, measure.since);
    out += "\"}";
  }
  out += "]}\n";
}

std::string CheckAnswerJson(const CheckAnswer& answer) {
  std::string out;
  AppendCheckLine(out, answer);
  out.pop_back();  // the newline
  return out;
}

Result<CheckAnswer> CheckService::Check(const CheckContext& context, PersonId person_id) const {
  if (context.consumer == nullptr) return InvalidArgument("consumer: required");
  CheckAnswer answer = index_.Check(*context.consumer, person_id, context.at);
  if (!answer.known) return NotFound("person_id: no person " + std::to_string(person_id));
  CheckRecord record{person_id, answer.in_force};
  RETURN_IF_ERROR(journal_.Record(context, std::span<const CheckRecord>(&record, 1)));
  return answer;
}

Result<CheckAnswer> CheckService::CheckDocument(const CheckContext& context, IdentifierKind kind,
                                                std::string_view raw) const {
  if (context.consumer == nullptr) return InvalidArgument("consumer: required");
  ASSIGN_OR_RETURN(std::string canonical, NormalizeIdentifier(kind, raw));
  std::optional<PersonId> person_id = index_.FindDocument(kind, canonical);
  if (!person_id) {
    CheckAnswer answer;
    answer.as_of_seq = index_.applied_seq();
    return answer;
  }
  return Check(context, *person_id);
}

Result<BulkSummary> CheckService::CheckBulk(const CheckContext& context,
                                            std::span<const PersonId> ids,
                                            const ChunkSink& sink) const {
  if (context.consumer == nullptr) return InvalidArgument("consumer: required");
  if (ids.size() > kMaxBulkIds) {
    return InvalidArgument("person_ids: at most " + std::to_string(kMaxBulkIds) +
                           " ids per request, got " + std::to_string(ids.size()));
  }
  BulkSummary summary;
  summary.ids = static_cast<int64_t>(ids.size());
  std::vector<CheckAnswer> answers(std::min(kBulkChunk, ids.size()));
  std::vector<CheckRecord> records;
  records.reserve(answers.size());
  std::string lines;
  lines.reserve(answers.size() * 40);
  for (size_t start = 0; start < ids.size(); start += kBulkChunk) {
    const size_t count = std::min(kBulkChunk, ids.size() - start);
    std::span<CheckAnswer> chunk(answers.data(), count);
    index_.CheckMany(*context.consumer, ids.subspan(start, count), context.at, chunk);
    if (start == 0) summary.as_of_seq = chunk[0].as_of_seq;
    records.clear();
    lines.clear();
    for (const CheckAnswer& answer : chunk) {
      AppendCheckLine(lines, answer);
      if (!answer.known) continue;
      ++summary.known;
      if (answer.in_force != 0) ++summary.in_force;
      records.push_back({answer.person_id, answer.in_force});
    }
    if (!records.empty()) RETURN_IF_ERROR(journal_.Record(context, records));
    RETURN_IF_ERROR(sink(lines));
  }
  lines.clear();
  lines += "{\"summary\":{\"ids\":";
  AppendInt(lines, summary.ids);
  lines += ",\"known\":";
  AppendInt(lines, summary.known);
  lines += ",\"in_force\":";
  AppendInt(lines, summary.in_force);
  lines += ",\"as_of_seq\":";
  AppendInt(lines, summary.as_of_seq);
  lines += "}}\n";
  RETURN_IF_ERROR(sink(lines));
  return summary;
}

Result<std::vector<PersonId>> ParsePersonIds(std::string_view body) {
  std::vector<PersonId> ids;
  size_t pos = 0;
  auto skip_separators = [&] {
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\n' || body[pos] == '\r' ||
                                 body[pos] == '\t' || body[pos] == ',')) {
      ++pos;
    }
  };
  skip_separators();
  bool array = pos < body.size() && body[pos] == '[';
  if (array) ++pos;
  while (true) {
    skip_separators();
    if (pos >= body.size()) {
      if (array) return InvalidArgument("person_ids: missing ']'");
      break;
    }
    if (array && body[pos] == ']') {
      ++pos;
      skip_separators();
      if (pos != body.size()) return InvalidArgument("person_ids: text after ']'");
      break;
    }
    size_t end = pos;
    while (end < body.size() && body[end] != ' ' && body[end] != '\n' && body[end] != '\r' &&
           body[end] != '\t' && body[end] != ',' && body[end] != ']') {
      ++end;
    }
    std::string_view item = body.substr(pos, end - pos);
    PersonId id = 0;
    auto [parsed_end, error] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (error != std::errc() || parsed_end != item.data() + item.size() || id <= 0) {
      return InvalidArgument("person_ids: item " + std::to_string(ids.size() + 1) + ": '" +
                             std::string(item.substr(0, 32)) + "' is not a person id");
    }
    if (ids.size() == kMaxBulkIds) {
      return InvalidArgument("person_ids: at most " + std::to_string(kMaxBulkIds) +
                             " ids per request");
    }
    ids.push_back(id);
    pos = end;
  }
  return ids;
}

}  // namespace muster::enforcement
