#include "feeds/feed_format.h"


#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "common/csv_rows.h"
#include "domain/region.h"

namespace muster::feeds {
namespace json = boost::json;

namespace {

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxTextBytes = 1000;

enum class FieldType {
  kText,             // free text, trimmed
  kName,             // letters of any script, spaces, hyphens, apostrophes
  kDate,             // YYYY-MM-DD
  kPastDate,         // YYYY-MM-DD, not after today
  kSex,              // M or F
  kRegion,           // ISO region code
  kIdentifier,       // a person's identifier of `kind`
  kOrganisationInn,  // 10 digits (organisation) or 12 (entrepreneur), with check digits
  kEnum,             // one of `values`
  kFitness,          // А Б В Г Д or A B V G D
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  IdentifierKind kind = IdentifierKind::kSnils;
  std::vector<std::string_view> values = {};
};

// Every field any agency may send. A field means the same thing in every agency's records.
const std::vector<FieldSpec>& AllFieldSpecs() {
  static const std::vector<FieldSpec> specs = {
      {"record_id", FieldType::kText},
      {"event", FieldType::kText},
      {"family_name", FieldType::kName},
      {"given_name", FieldType::kName},
      {"patronymic", FieldType::kName},
      {"birth_date", FieldType::kPastDate},
      {"sex", FieldType::kSex},
      {"region", FieldType::kRegion},
      {"snils", FieldType::kIdentifier, IdentifierKind::kSnils},
      {"inn", FieldType::kIdentifier, IdentifierKind::kInn},
      {"passport", FieldType::kIdentifier, IdentifierKind::kPassport},
      {"foreign_passport", FieldType::kIdentifier, IdentifierKind::kForeignPassport},
      {"driving_licence", FieldType::kIdentifier, IdentifierKind::kDrivingLicence},
      {"birth_place", FieldType::kText},
      {"date_of_death", FieldType::kPastDate},
      {"new_family_name", FieldType::kName},
      {"new_given_name", FieldType::kName},
      {"new_patronymic", FieldType::kName},
      {"changed_on", FieldType::kPastDate},
      {"address", FieldType::kText},
      {"registered_on", FieldType::kPastDate},
      {"issued_on", FieldType::kPastDate},
      {"employer_name", FieldType::kText},
      {"employer_inn", FieldType::kOrganisationInn},
      {"employed_from", FieldType::kPastDate},
      {"disability_group", FieldType::kEnum, IdentifierKind::kSnils, {"1", "2", "3"}},
      {"disability_from", FieldType::kPastDate},
      {"institution", FieldType::kText},
      {"mode", FieldType::kEnum, IdentifierKind::kSnils, {"full_time", "part_time", "distance"}},
      {"enrolled_on", FieldType::kDate},
      {"expected_graduation", FieldType::kDate},
      {"finding", FieldType::kText},
      {"fitness_hint", FieldType::kFitness},
      {"examined_on", FieldType::kPastDate},
  };
  return specs;
}

const FieldSpec* FindField(std::string_view name) {
  static const std::unordered_map<std::string_view, const FieldSpec*> index = [] {
    std::unordered_map<std::string_view, const FieldSpec*> map;
    for (const FieldSpec& spec : AllFieldSpecs()) map.emplace(spec.name, &spec);
    return map;
  }();
  auto found = index.find(name);
  return found == index.end() ? nullptr : found->second;
}

// Fields every record may carry besides its event's own.
constexpr std::string_view kCommonFields[] = {
    "record_id", "event", "family_name", "given_name", "patronymic", "birth_date", "sex",
    "region", "snils", "inn", "passport", "foreign_passport", "driving_licence"};

struct EventSpec {
  std::string_view event;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

const std::vector<EventSpec>& EventsOf(Agency agency) {
  static const std::vector<EventSpec> civil_status = {
      {"birth", {"sex", "region"}, {"birth_place"}},
      {"death", {"date_of_death"}, {}},
      {"name_change", {"new_family_name", "changed_on"}, {"new_given_name", "new_patronymic"}},
  };
  static const std::vector<EventSpec> interior = {
      {"residence", {"address", "region", "registered_on"}, {}},
      {"passport", {"passport"}, {"issued_on"}},
      {"driving_licence", {"driving_licence"}, {"issued_on"}},
  };
  static const std::vector<EventSpec> tax = {
      {"inn", {"inn"}, {}},
      {"employer", {"employer_name", "employed_from"}, {"employer_inn"}},
  };
  static const std::vector<EventSpec> social_fund = {
      {"snils", {"snils"}, {}},
      {"disability", {"disability_group", "disability_from"}, {}},
  };
  static const std::vector<EventSpec> education = {
      {"enrolment", {"institution", "mode", "enrolled_on"}, {"expected_graduation"}},
  };
  static const std::vector<EventSpec> health = {
      {"finding", {"finding", "examined_on"}, {"fitness_hint"}},
  };
  switch (agency) {
    case Agency::kCivilStatus: return civil_status;
    case Agency::kInterior: return interior;
    case Agency::kTax: return tax;
    case Agency::kSocialFund: return social_fund;
    case Agency::kEducation: return education;
    case Agency::kHealth: return health;
  }
  return health;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Decodes one UTF-8 code point at `pos`; returns false on a malformed sequence.
bool NextCodePoint(std::string_view text, size_t& pos, char32_t& out) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || pos + length > text.size()) return false;
  char32_t value = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
  for (int i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return false;
    value = (value << 6) | (byte(pos + i) & 0x3F);
  }
  pos += length;
  out = value;
  return true;
}

std::optional<std::string> CheckName(std::string_view text) {
  if (text.size() > kMaxNameBytes) return "longer than " + std::to_string(kMaxNameBytes) + " bytes";
  size_t pos = 0;
  bool letter = false;
  while (pos < text.size()) {
    char32_t c = 0;
    if (!NextCodePoint(text, pos, c)) return std::string("not valid UTF-8");
    bool is_letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= 0x00C0 && c <= 0x024F && c != 0x00D7 && c != 0x00F7) ||
                     (c >= 0x0400 && c <= 0x04FF);
    if (is_letter) {
      letter = true;
    } else if (c != ' ' && c != '-' && c != '\'' && c != 0x2019 && c != '.') {
      if (c >= '0' && c <= '9') return std::string("contains a digit");
      return std::string("contains a character that is not a letter, space, hyphen or apostrophe");
    }
  }
  if (!letter) return std::string("has no letters");
  return std::nullopt;
}

std::optional<std::string> CheckText(std::string_view text) {
  if (text.size() > kMaxTextBytes) return "longer than " + std::to_string(kMaxTextBytes) + " bytes";
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t c = 0;
    if (!NextCodePoint(text, pos, c)) return std::string("not valid UTF-8");
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return std::string("contains a control character");
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckOrganisationInn(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != ' ') {
      return std::string("expected digits");
    }
  }
  if (digits.size() == 12) {
    auto person = NormalizeIdentifier(IdentifierKind::kInn, digits);
    if (!person.ok()) return person.status().message();
    return std::nullopt;
  }
  if (digits.size() != 10) {
    return "expected 10 digits (organisation) or 12 (entrepreneur), got " +
           std::to_string(digits.size());
  }
  static constexpr int kWeights[] = {2, 4, 10, 3, 5, 9, 4, 6, 8};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * kWeights[i];
  int check = sum % 11 % 10;
  if (check != digits[9] - '0') {
    return "check digit mismatch (expected " + std::to_string(check) + ", got " + digits[9] + ")";
  }
  return std::nullopt;
}

Rejection Reject(int64_t line, std::string_view field, std::string_view code, std::string reason) {
  return Rejection{line, std::string(field), std::string(code), std::move(reason)};
}

// Dates that must not precede the birth date, and must not lie in the future when past-only.
constexpr std::string_view kDatesAfterBirth[] = {
    "date_of_death", "changed_on", "registered_on", "issued_on", "employed_from",
    "disability_from", "enrolled_on", "examined_on"};

}  // namespace

std::string_view AgencyName(Agency agency) {
  switch (agency) {
    case Agency::kCivilStatus: return "civil_status";
    case Agency::kInterior: return "interior";
    case Agency::kTax: return "tax";
    case Agency::kSocialFund: return "social_fund";
    case Agency::kEducation: return "education";
    case Agency::kHealth: return "health";
  }
  return "?";
}

Result<Agency> ParseAgency(std::string_view text, std::string_view field) {
  for (Agency agency : kAllAgencies) {
    if (AgencyName(agency) == text) return agency;
  }
  return InvalidArgument(std::string(field) + ": unknown agency '" + std::string(text) +
                         "' (expected civil_status, interior, tax, social_fund, education or "
                         "health)");
}

std::string_view FeedFormatName(FeedFormat format) {
  return format == FeedFormat::kCsv ? "csv" : "jsonl";
}

Result<FeedFormat> ParseFeedFormat(std::string_view text, std::string_view field) {
  if (text == "csv") return FeedFormat::kCsv;
  if (text == "jsonl" || text == "json-lines" || text == "ndjson") return FeedFormat::kJsonLines;
  return InvalidArgument(std::string(field) + ": unknown format '" + std::string(text) +
                         "' (expected csv or jsonl)");
}

std::vector<std::string_view> AgencyEvents(Agency agency) {
  std::vector<std::string_view> events;
  for (const EventSpec& spec : EventsOf(agency)) events.push_back(spec.event);
  return events;
}

std::vector<std::string_view> AgencyFields(Agency agency) {
  std::vector<std::string_view> fields(std::begin(kCommonFields), std::end(kCommonFields));
  for (const EventSpec& spec : EventsOf(agency)) {
    for (const auto* list : {&spec.required, &spec.optional}) {
      for (std::string_view name : *list) {
        if (std::find(fields.begin(), fields.end(), name) == fields.end()) fields.push_back(name);
      }
    }
  }
  return fields;
}

const std::string& FeedRecord::Value(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return kEmpty;
}

json::object FeedRecord::ToJson() const {
  json::object object;
  if (!record_id.empty()) object["record_id"] = record_id;
  object["event"] = event;
  object["family_name"] = family_name;
  object["given_name"] = given_name;
  if (!patronymic.empty()) object["patronymic"] = patronymic;
  object["birth_date"] = FormatDate(birth_date);
  if (sex) object["sex"] = SexName(*sex);
  if (!region.empty()) object["region"] = region;
  for (const auto& [kind, value] : identifiers) object[IdentifierKindName(kind)] = value;
  for (const auto& [name, value] : values) object[name] = value;
  return object;
}

RawFields FieldsOfJson(const json::object& object) {
  RawFields fields;
  for (const auto& [key, value] : object) {
    if (value.is_string()) fields.emplace_back(key, std::string_view(value.get_string()));
  }
  return fields;
}

std::variant<FeedRecord, Rejection> ValidateRecord(Agency agency, int64_t line,
                                                   const RawFields& fields, CivilDate today) {
  FeedRecord record;
  record.line = line;
  // The event decides which fields belong.
  const EventSpec* event = nullptr;
  for (const auto& [name, raw] : fields) {
    if (name != "event") continue;
    std::string_view value = Trim(raw);
    if (value.empty()) break;
    for (const EventSpec& spec : EventsOf(agency)) {
      if (spec.event == value) event = &spec;
    }
    if (event == nullptr) {
      std::string expected;
      for (const EventSpec& spec : EventsOf(agency)) {
        expected += (expected.empty() ? "" : ", ") + std::string(spec.event);
      }
      return Reject(line, "event", "invalid_value",
                    "event: '" + std::string(value) + "' is not an event of agency " +
                        std::string(AgencyName(agency)) + " (expected " + expected + ")");
    }
  }
  if (event == nullptr) return Reject(line, "event", "missing_field", "event: required");
  record.event = std::string(event->event);
  auto belongs = [&](std::string_view name) {
    return std::find(std::begin(kCommonFields), std::end(kCommonFields), name) !=
               std::end(kCommonFields) ||
           std::find(event->required.begin(), event->required.end(), name) !=
               event->required.end() ||
           std::find(event->optional.begin(), event->optional.end(), name) != event->optional.end();
  };
  std::set<std::string_view> present;
  std::vector<std::string_view> agency_fields = AgencyFields(agency);
  for (const auto& [name, raw] : fields) {
    std::string_view value = Trim(raw);
    const FieldSpec* spec = FindField(name);
    bool of_agency = spec != nullptr &&
                     std::find(agency_fields.begin(), agency_fields.end(), name) != agency_fields.end();
    if (!of_agency) {
      return Reject(line, name, "unknown_field",
                    std::string(name) + ": not a field of agency " + std::string(AgencyName(agency)));
    }
    if (value.empty() || name == "event") continue;
    if (!belongs(name)) {
      return Reject(line, name, "unknown_field",
                    std::string(name) + ": not a field of event " + record.event);
    }
    if (!present.insert(name).second) {
      return Reject(line, name, "malformed", std::string(name) + ": given twice");
    }
    auto invalid = [&](std::string reason) {
      return Reject(line, name, "invalid_value", std::string(name) + ": " + reason);
    };
    std::string canonical(value);
    switch (spec->type) {
      case FieldType::kText:
        if (auto fault = CheckText(value)) return invalid(*fault);
        break;
      case FieldType::kName:
        if (auto fault = CheckName(value)) return invalid(*fault);
        break;
      case FieldType::kDate:
      case FieldType::kPastDate: {
        auto date = ParseDate(value, name);
        if (!date.ok()) return Reject(line, name, "invalid_value", date.status().message());
        if (spec->type == FieldType::kPastDate && *date > today) {
          return Reject(line, name, "inconsistent",
                        std::string(name) + ": " + canonical + " is in the future");
        }
        break;
      }
      case FieldType::kSex: {
        auto sex = ParseSex(value, name);
        if (!sex.ok()) return Reject(line, name, "invalid_value", sex.status().message());
        record.sex = *sex;
        canonical = std::string(SexName(*sex));
        break;
      }
      case FieldType::kRegion: {
        auto region = LookupRegion(value, name);
        if (!region.ok()) return Reject(line, name, "invalid_value", region.status().message());
        break;
      }
      case FieldType::kIdentifier: {
        auto identifier = NormalizeIdentifier(spec->kind, value);
        if (!identifier.ok()) {
          return Reject(line, name, "invalid_value", identifier.status().message());
        }
        canonical = std::move(identifier).value();
        record.identifiers.emplace_back(spec->kind, canonical);
        continue;
      }
      case FieldType::kOrganisationInn:
        if (auto fault = CheckOrganisationInn(value)) return invalid(*fault);
        break;
      case FieldType::kEnum:
        if (std::find(spec->values.begin(), spec->values.end(), value) == spec->values.end()) {
          std::string expected;
          for (std::string_view known : spec->values) {
            expected += (expected.empty() ? "" : ", ") + std::string(known);
          }
          return invalid("'" + canonical + "' is not one of " + expected);
        }
        break;
      case FieldType::kFitness: {
        auto category = ParseFitnessCategory(value, name);
        if (!category.ok()) return Reject(line, name, "invalid_value", category.status().message());
        canonical = std::string(FitnessCategoryName(*category));
        break;
      }
    }
    if (name == "record_id") {
      record.record_id = std::move(canonical);
    } else if (name == "family_name") {
      record.family_name = std::move(canonical);
    } else if (name == "given_name") {
      record.given_name = std::move(canonical);
    } else if (name == "patronymic") {
      record.patronymic = std::move(canonical);
    } else if (name == "birth_date") {
      record.birth_date = *ParseDate(canonical, name);
    } else if (name == "region") {
      record.region = std::move(canonical);
    } else if (name != "sex") {
      record.values.emplace_back(std::string(name), std::move(canonical));
    }
  }
  for (std::string_view name : {std::string_view("family_name"), std::string_view("given_name"),
                                std::string_view("birth_date")}) {
    if (!present.contains(name)) return Reject(line, name, "missing_field", std::string(name) + ": required");
  }
  for (std::string_view name : event->required) {
    if (!present.contains(name)) {
      return Reject(line, name, "missing_field",
                    std::string(name) + ": required for event " + record.event);
    }
  }
  for (std::string_view name : kDatesAfterBirth) {
    const std::string& text = record.Value(name);
    if (text.empty()) continue;
    CivilDate date = *ParseDate(text, name);
    if (date < record.birth_date) {
      return Reject(line, name, "inconsistent",
                    std::string(name) + ": " + text + " is before the birth date " +
                        FormatDate(record.birth_date));
    }
  }
  if (const std::string& until = record.Value("expected_graduation"); !until.empty()) {
    const std::string& from = record.Value("enrolled_on");
    if (!from.empty() && until < from) {
      return Reject(line, "expected_graduation", "inconsistent",
                    "expected_graduation: " + until + " is before enrolled_on " + from);
    }
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// Reading a batch

namespace {

struct BatchBuilder {
  Agency agency;
  CivilDate today;
  ParsedBatch batch;
  std::set<std::string> record_ids;

  void Add(int64_t line, const RawFields& fields) {
    ++batch.lines;
    auto result = ValidateRecord(agency, line, fields, today);
    if (auto* rejection = std::get_if<Rejection>(&result)) {
      batch.rejections.push_back(std::move(*rejection));
      return;
    }
    FeedRecord& record = std::get<FeedRecord>(result);
    if (!record.record_id.empty() && !record_ids.insert(record.record_id).second) {
      batch.rejections.push_back(Reject(line, "record_id", "duplicate_record",
                                        "record_id: '" + record.record_id +
                                            "' appears earlier in this batch"));
      return;
    }
    batch.records.push_back(std::move(record));
  }

  void Malformed(int64_t line, std::string reason) {
    ++batch.lines;
    batch.rejections.push_back(Reject(line, "", "malformed", std::move(reason)));
  }
};

Status ReadCsv(std::string_view bytes, BatchBuilder& builder) {
  std::vector<std::string> header;
  CsvRowHandlers handlers;
  handlers.header = [&](std::vector<std::string>& names) -> Status {
    std::vector<std::string_view> known = AgencyFields(builder.agency);
    std::set<std::string> seen;
    Status error;
    for (const std::string& name : names) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        error = InvalidArgument("header: unknown column '" + name + "' for agency " +
                                std::string(AgencyName(builder.agency)));
      } else if (!seen.insert(name).second) {
        error = InvalidArgument("header: column '" + name + "' appears twice");
      }
    }
    header = std::move(names);
    return error;
  };
  handlers.row = [&](std::vector<std::string>& row, int64_t line) {
    if (row.size() != header.size()) {
      builder.Malformed(line, "expected " + std::to_string(header.size()) + " fields, got " +
                                  std::to_string(row.size()));
      return;
    }
    RawFields fields;
    fields.reserve(row.size());
    for (size_t i = 0; i < row.size(); ++i) fields.emplace_back(header[i], row[i]);
    builder.Add(line, fields);
  };
  handlers.broken = [&](int64_t line, const std::string& reason) {
    builder.Malformed(line, "line " + std::to_string(line) + ": " + reason);
  };
  return ReadCsvRows(bytes, handlers).status();
}

void ReadJsonLines(std::string_view bytes, BatchBuilder& builder) {
  size_t pos = 0;
  int64_t line = 0;
  std::deque<std::string> numbers;  // text of numeric values, kept while a record is validated
  while (pos < bytes.size()) {
    size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view text = Trim(bytes.substr(pos, end - pos));
    pos = end + 1;
    ++line;
    if (text.empty()) continue;
    std::error_code error;
    json::value value = json::parse(text, error);
    if (error) {
      builder.Malformed(line, "line " + std::to_string(line) + ": not JSON (" + error.message() + ")");
      continue;
    }
    if (!value.is_object()) {
      builder.Malformed(line, "line " + std::to_string(line) + ": not a JSON object");
      continue;
    }
    RawFields fields;
    numbers.clear();
    std::optional<Rejection> bad;
    for (const auto& [key, item] : value.get_object()) {
      if (item.is_string()) {
        fields.emplace_back(key, std::string_view(item.get_string()));
      } else if (item.is_int64() || item.is_uint64()) {
        numbers.push_back(json::serialize(item));
        fields.emplace_back(key, numbers.back());
      } else if (!item.is_null()) {
        bad = Reject(line, key, "malformed", std::string(key) + ": expected a string");
        break;
      }
    }
    if (bad) {
      ++builder.batch.lines;
      builder.batch.rejections.push_back(std::move(*bad));
      continue;
    }
    builder.Add(line, fields);
  }
}

}  // namespace

Result<ParsedBatch> ParseBatch(Agency agency, FeedFormat format, std::string_view bytes,
                               CivilDate today) {
  BatchBuilder builder{.agency = agency, .today = today};
  if (format == FeedFormat::kCsv) {
    RETURN_IF_ERROR(ReadCsv(bytes, builder));
  } else {
    ReadJsonLines(bytes, builder);
  }
  return std::move(builder.batch);
}

}  // namespace muster::feeds
