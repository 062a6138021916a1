// Feed batches from source agencies: what each agency may send, and reading a batch (CSV per
// RFC 4180 through libcsv, or JSON Lines through Boost.JSON) into validated records.
//
// Six agencies send batches; each record names an `event` of its agency and carries the
// person's names and birth date, any identifiers the agency knows, and the event's own fields:
//
//   civil_status  birth (sex, region required), death (date_of_death), name_change
//                 (new_family_name, changed_on; new_given_name, new_patronymic optional)
//   interior      residence (address, region, registered_on), passport (passport, issued_on),
//                 driving_licence (driving_licence, issued_on)
//   tax           inn (inn), employer (employer_name, employed_from; employer_inn optional)
//   social_fund   snils (snils), disability (disability_group 1–3, disability_from)
//   education     enrolment (institution, mode full_time|part_time|distance, enrolled_on;
//                 expected_graduation optional)
//   health        finding (finding, examined_on; fitness_hint А–Д optional)
//
// Every record may also carry record_id, patronymic, sex, region and the identifiers snils, inn,
// passport, foreign_passport and driving_licence. docs/FEEDS.md lists every field.
//
// Reading never stops at a bad record: each one becomes a `Rejection` naming the line, the
// field and the reason, and the good records go on. Only a batch that cannot be read at all
// (an unknown agency, a CSV header with an unknown or repeated column) is an error.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/identifiers.h"
#include "domain/model.h"

namespace muster::feeds {

enum class Agency { kCivilStatus, kInterior, kTax, kSocialFund, kEducation, kHealth };
inline constexpr Agency kAllAgencies[] = {Agency::kCivilStatus, Agency::kInterior,
                                          Agency::kTax,         Agency::kSocialFund,
                                          Agency::kEducation,   Agency::kHealth};
// "civil_status", "interior", "tax", "social_fund", "education", "health"
std::string_view AgencyName(Agency agency);
Result<Agency> ParseAgency(std::string_view text, std::string_view field);

enum class FeedFormat { kCsv, kJsonLines };
std::string_view FeedFormatName(FeedFormat format);  // "csv", "jsonl"
Result<FeedFormat> ParseFeedFormat(std::string_view text, std::string_view field);

// Why a record was not applied. Codes are stable (the agency's systems read them):
//   malformed       the line is not a CSV row of the header's width, or not a JSON object
//   unknown_field   a JSON record has a field its agency does not define
//   missing_field   a required field is absent or empty
//   invalid_value   a bad date, identifier check digit, region, sex or enumerated value
//   inconsistent    dates that contradict each other or lie in the future
//   duplicate_record  the same record_id twice in one batch
//   identifier_conflict  the record's identifiers belong to different persons, or to a
//                   person whose birth date disagrees with the record
//   unknown_person  a death or name change for nobody the registry knows
//   insufficient_data  an unknown person without the sex and region needed to record them
//   not_applicable  the record's person was merged away or has died
struct Rejection {
  int64_t line = 0;
  std::string field;  // "" when the whole line is at fault
  std::string code;
  std::string reason;
};

// A validated record: canonical values (ISO dates, canonical identifiers, trimmed text).
struct FeedRecord {
  int64_t line = 0;
  std::string record_id;
  std::string event;
  std::string family_name;
  std::string given_name;
  std::string patronymic;
  CivilDate birth_date;
  std::optional<Sex> sex;
  std::string region;  // ISO region code, or empty
  std::vector<std::pair<IdentifierKind, std::string>> identifiers;
  // The event's own fields and anything else recorded, by field name.
  std::vector<std::pair<std::string, std::string>> values;

  // The value of field `name`, or "" when absent.
  const std::string& Value(std::string_view name) const;
  // Every field with its canonical value, to hold the record for a review.
  boost::json::object ToJson() const;
};

struct ParsedBatch {
  std::vector<FeedRecord> records;
  std::vector<Rejection> rejections;
  int64_t lines = 0;  // records read, good and bad
};

// Reads and validates a batch of `agency` in `format`. `today` is the registry's date, for
// the checks that dates are not in the future.
Result<ParsedBatch> ParseBatch(Agency agency, FeedFormat format, std::string_view bytes,
                               CivilDate today);

// One record as read: field name → text, in the order given. Views into the caller's buffers.
using RawFields = std::vector<std::pair<std::string_view, std::string_view>>;

// Validates one record (a line of either format, or a held record). Returns the record, or
// the rejection of its first fault. Empty values count as absent.
std::variant<FeedRecord, Rejection> ValidateRecord(Agency agency, int64_t line,
                                                   const RawFields& fields, CivilDate today);

// A held record (FeedRecord::ToJson) read back as raw fields; views into `object`.
RawFields FieldsOfJson(const boost::json::object& object);

// The fields an agency's records may carry, in the CSV column order the generator writes.
std::vector<std::string_view> AgencyFields(Agency agency);
// The events an agency may send.
std::vector<std::string_view> AgencyEvents(Agency agency);

}  // namespace muster::feeds
