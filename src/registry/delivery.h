// Delivery channels (issue 6): what the registry reads from postal operators and how it writes
// notification addresses. The lifecycle side — the cascade, consent, notifications, the
// earliest legally valid service — is Registry's (registry.h, delivery.cc).
//
// A postal operator reports what happened to each registered letter as CSV or JSON lines, one
// event per line: the tracking number and/or the summons id, the event ("accepted",
// "delivered", "refused", "addressee_absent", "returned"), when, and the post office.
//
//   tracking_number,summons_id,event,at,office
//   80080012345678,42,accepted,2026-04-01T15:10:00+03:00,390000
//   80080012345678,,delivered,2026-04-04T11:02:00+03:00,390023
//
//   {"tracking_number":"80080012345678","event":"returned","at":"2026-04-20T09:00:00+03:00"}
//
// The first line that names both a tracking number and a summons links them (normally the
// "accepted" event); later lines may give the tracking number alone. The whole file is read and
// checked before anything is recorded, every problem is reported with its line number, and a
// bad line never blocks the good ones. Importing the same file again records nothing new.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"

namespace muster {

enum class PostalFormat { kCsv, kJsonLines };
// "csv" or "jsonl" (also "ndjson"); kInvalidArgument naming `field` otherwise.
Result<PostalFormat> ParsePostalFormat(std::string_view text, std::string_view field);

// The events a postal operator reports; each is a mark of the registered_mail channel.
inline constexpr std::string_view kPostalEvents[] = {"accepted", "delivered", "refused",
                                                     "addressee_absent", "returned"};

// One event line, checked for form (not yet against the registry).
struct PostalEvent {
  int64_t line = 0;             // 1-based line of the file
  std::string tracking_number;  // upper case; empty if the line gives only the summons
  std::optional<SummonsId> summons_id;
  std::string event;  // one of kPostalEvents
  Instant at;
  std::string office;  // the post office (its index), may be empty
};

struct PostalLineError {
  int64_t line = 0;
  std::string field;    // "at", "event", "tracking_number", "summons_id", "" for the whole line
  std::string message;  // starts with the field: "at: no such date '2026-02-30'"
};

struct ParsedPostalFile {
  int64_t lines = 0;  // event lines read (not the header, not blank lines)
  std::vector<PostalEvent> events;
  std::vector<PostalLineError> errors;
};

// Reads a postal operator's file. A problem with one line is a PostalLineError of that line; a
// file that cannot be read at all (a CSV header without the required columns, or with unknown
// ones) is kInvalidArgument naming the header.
Result<ParsedPostalFile> ParsePostalFile(std::string_view bytes, PostalFormat format);

// What an import did. `recorded + duplicates + errors.size()` is `lines`.
struct PostalImportReport {
  int64_t lines = 0;
  int64_t recorded = 0;    // new marks on registered_mail, with the tracking number as evidence
  int64_t duplicates = 0;  // already on record (a re-import): nothing changed
  int64_t served = 0;      // recorded marks that served their summons or moved its service earlier
  std::vector<PostalLineError> errors;  // in line order
};

// {"lines":…,"recorded":…,"duplicates":…,"served":…,"errors":[{"line":…,"field":…,
//  "message":…}]}
std::string PostalImportReportJson(const PostalImportReport& report);

// A postal tracking number as the import stores it: trimmed, upper case, 14 digits (Russian
// Post) or the UPU S10 form ("RA123456785RU"); kInvalidArgument naming "tracking_number"
// otherwise. A mark recorded by hand with its tracking number must use this form, or the
// operator's later events would not find the letter.
Result<std::string> NormalizeTrackingNumber(std::string_view raw);

// A notification address in canonical form: "+79101234567" for sms (E.164; blanks, hyphens and
// brackets dropped), the address with a lower-case domain for email. kInvalidArgument naming
// "address" otherwise.
Result<std::string> NormalizeNotificationAddress(NotificationChannel channel,
                                                 std::string_view address);
// The address as logs show it: "+7*******4567", "i***@mail.ru".
std::string MaskNotificationAddress(std::string_view address);

}  // namespace muster
