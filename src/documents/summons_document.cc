#include "documents/summons_document.h"

#include <date/tz.h>

#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

namespace muster {
namespace {

namespace json = boost::json;

// The OS time-zone database is read through date/tz, which reports an unknown zone by
// throwing; the exception stops here.
Result<const date::time_zone*> LocateZone(std::string_view name) {
  if (name.empty()) return InvalidArgument("time_zone: empty");
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return InvalidArgument("time_zone: unknown IANA time zone '" + std::string(name) + "'");
  }
}

// The first UTF-8 code point of `text` (1 to 4 bytes), or "" for an empty string.
std::string_view FirstCharacter(std::string_view text) {
  if (text.empty()) return {};
  auto lead = static_cast<unsigned char>(text[0]);
  size_t length = lead < 0x80           ? 1
                  : (lead >> 5) == 0x6  ? 2
                  : (lead >> 4) == 0xE  ? 3
                  : (lead >> 3) == 0x1E ? 4
                                        : 1;
  return text.substr(0, std::min(length, text.size()));
}

Result<std::string> Member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    return DataLoss("document: member '" + std::string(key) + "' missing or not a string");
  }
  return std::string(value->get_string());
}

Result<int64_t> IntegerMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_int64()) {
    return DataLoss("document: member '" + std::string(key) + "' missing or not an integer");
  }
  return value->get_int64();
}

}  // namespace

std::string CanonicalContent(const SummonsDocument& document) {
  // Member order is the format: json::object keeps insertion order and serialize() writes
  // no whitespace and escapes only what JSON requires, so the bytes are fixed by this list.
  json::object object;
  object.reserve(15);
  object.emplace("format", kSummonsFormatV1);
  object.emplace("summons_id", document.summons_id);
  object.emplace("person_id", document.person_id);
  object.emplace("family_name", document.family_name);
  object.emplace("given_name", document.given_name);
  object.emplace("patronymic", document.patronymic);
  object.emplace("birth_date", FormatDate(document.birth_date));
  object.emplace("purpose", document.purpose);
  object.emplace("office", document.office);
  object.emplace("place", document.place);
  object.emplace("time_zone", document.time_zone);
  object.emplace("appearance_at", FormatInstant(document.appearance_at));
  object.emplace("legal_basis", document.legal_basis);
  object.emplace("profile_version", document.profile_version);
  object.emplace("issued_at", FormatInstant(document.issued_at));
  return json::serialize(object);
}

Status ValidateSummonsDocument(const SummonsDocument& document) {
  if (document.summons_id <= 0) return InvalidArgument("summons_id: must be positive");
  if (document.person_id <= 0) return InvalidArgument("person_id: must be positive");
  struct Required {
    std::string_view field;
    const std::string& value;
  };
  for (const Required& required :
       {Required{"family_name", document.family_name}, Required{"given_name", document.given_name},
        Required{"purpose", document.purpose}, Required{"office", document.office},
        Required{"place", document.place}, Required{"legal_basis", document.legal_basis},
        Required{"profile_version", document.profile_version}}) {
    if (required.value.empty()) return InvalidArgument(std::string(required.field) + ": empty");
  }
  if (!document.birth_date.ok()) return InvalidArgument("birth_date: not a calendar date");
  RETURN_IF_ERROR(LocateZone(document.time_zone).status());
  // Boost.JSON writes strings byte for byte; its parser rejects invalid UTF-8. A document
  // that does not parse back could be signed but never verified, so refuse it here.
  boost::system::error_code error;
  json::value parsed = json::parse(CanonicalContent(document), error);
  if (error) return InvalidArgument("document: text is not valid UTF-8 (" + error.message() + ")");
  return Status::Ok();
}

Result<SummonsDocument> ParseCanonicalContent(std::string_view content) {
  boost::system::error_code error;
  json::value parsed = json::parse(content, error);
  if (error || !parsed.is_object()) return DataLoss("document: not a JSON object");
  const json::object& object = parsed.get_object();
  ASSIGN_OR_RETURN(std::string format, Member(object, "format"));
  if (format != kSummonsFormatV1) return DataLoss("document: unknown format '" + format + "'");
  SummonsDocument document;
  ASSIGN_OR_RETURN(document.summons_id, IntegerMember(object, "summons_id"));
  ASSIGN_OR_RETURN(document.person_id, IntegerMember(object, "person_id"));
  ASSIGN_OR_RETURN(document.family_name, Member(object, "family_name"));
  ASSIGN_OR_RETURN(document.given_name, Member(object, "given_name"));
  ASSIGN_OR_RETURN(document.patronymic, Member(object, "patronymic"));
  ASSIGN_OR_RETURN(std::string birth_date, Member(object, "birth_date"));
  ASSIGN_OR_RETURN(document.purpose, Member(object, "purpose"));
  ASSIGN_OR_RETURN(document.office, Member(object, "office"));
  ASSIGN_OR_RETURN(document.place, Member(object, "place"));
  ASSIGN_OR_RETURN(document.time_zone, Member(object, "time_zone"));
  ASSIGN_OR_RETURN(std::string appearance_at, Member(object, "appearance_at"));
  ASSIGN_OR_RETURN(document.legal_basis, Member(object, "legal_basis"));
  ASSIGN_OR_RETURN(document.profile_version, Member(object, "profile_version"));
  ASSIGN_OR_RETURN(std::string issued_at, Member(object, "issued_at"));
  auto birth = ParseDate(birth_date, "birth_date");
  auto appearance = ParseInstant(appearance_at, "appearance_at");
  auto issued = ParseInstant(issued_at, "issued_at");
  if (!birth.ok() || !appearance.ok() || !issued.ok()) {
    return DataLoss("document: malformed date or instant");
  }
  document.birth_date = *birth;
  document.appearance_at = *appearance;
  document.issued_at = *issued;
  // Byte equality with the canonical form rejects reordered, extra or re-spaced members, so
  // one document has exactly one stored form.
  if (CanonicalContent(document) != content) {
    return DataLoss("document: not in canonical form");
  }
  return document;
}

std::string Initials(const SummonsDocument& document) {
  std::string initials;
  for (const std::string* name :
       {&document.family_name, &document.given_name, &document.patronymic}) {
    std::string_view first = FirstCharacter(*name);
    if (first.empty()) continue;
    if (!initials.empty()) initials += ' ';
    initials.append(first);
    initials += '.';
  }
  return initials;
}

Result<CivilDate> AppearanceLocalDate(const SummonsDocument& document) {
  ASSIGN_OR_RETURN(const date::time_zone* zone, LocateZone(document.time_zone));
  auto local = zone->to_local(document.appearance_at);
  return CivilDate(date::floor<date::days>(local));
}

Result<std::string> FormatLocalDateTime(Instant instant, std::string_view time_zone) {
  ASSIGN_OR_RETURN(const date::time_zone* zone, LocateZone(time_zone));
  auto local = zone->to_local(instant);
  auto day = date::floor<date::days>(local);
  date::hh_mm_ss<std::chrono::seconds> time(local - day);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%s %02d:%02d", FormatRussianDate(CivilDate(day)).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()));
  return std::string(buffer);
}

std::string FormatRussianDate(CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02u.%02u.%04d", static_cast<unsigned>(date.day()),
                static_cast<unsigned>(date.month()), static_cast<int>(date.year()));
  return buffer;
}

}  // namespace muster
