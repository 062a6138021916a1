// A summons as a document: the facts printed on the notice and the exact bytes that are signed.
//
// The signature (documents/signing_keys.h) covers `CanonicalContent(document)`: compact JSON
// with a fixed member order, UTF-8, integers and strings only, tagged with the format version
// "muster-summons-v1". The same document always gives the same bytes, on every machine and
// build, so a verifier can recompute them. The bytes are also stored beside the summons
// (summonses.document) because the person's name may be corrected later: the notice must
// still verify as what was printed on the day it was issued, not as today's record says.
//
// Changing the content or its order is a new format version, never an edit of v1: every
// notice ever signed must keep verifying.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"

namespace muster {

inline constexpr std::string_view kSummonsFormatV1 = "muster-summons-v1";

struct SummonsDocument {
  SummonsId summons_id = 0;
  PersonId person_id = 0;
  std::string family_name;  // as on the day of issue, Cyrillic
  std::string given_name;
  std::string patronymic;  // may be empty
  CivilDate birth_date;
  std::string purpose;          // "medical examination and call-up commission"
  std::string office;           // registration office id, "RYA-01"
  std::string place;            // where to appear (address), printed as given
  std::string time_zone;        // IANA zone of the office: how appearance_at is printed
  std::string legal_basis;      // the profile's legal-basis id, e.g. "fz53-art31-service"
  std::string profile_version;  // "ru-127fz@2026.1"-style version of the rules in force
  Instant appearance_at;
  Instant issued_at;

  bool operator==(const SummonsDocument&) const = default;
};

// The exact bytes that are signed. Deterministic; never fails (validity is checked separately
// by ValidateSummonsDocument, which SignSummons calls before signing).
std::string CanonicalContent(const SummonsDocument& document);

// Checks what signing requires: positive ids, non-empty names, purpose, office, place, legal
// basis and profile version, valid UTF-8 in every text (the canonical JSON must parse back),
// a known IANA zone, a real birth date. kInvalidArgument naming the field.
Status ValidateSummonsDocument(const SummonsDocument& document);

// Parses stored canonical bytes back into a document. kDataLoss if the bytes are not exactly
// the canonical form of a v1 document (unknown format, missing or extra member, different
// order or spacing): stored documents are written by Muster, so anything else is corruption.
Result<SummonsDocument> ParseCanonicalContent(std::string_view content);

// "С. И. П.": the first letter of the family name, given name and patronymic (family first, as
// Russian documents order a full name), each followed by a dot. The only personal data the
// public verification page shows.
std::string Initials(const SummonsDocument& document);

// The appearance as the citizen reads it, in the document's time zone: the local date, and
// "04.05.2026 09:00". kInvalidArgument if the zone is unknown.
Result<CivilDate> AppearanceLocalDate(const SummonsDocument& document);
Result<std::string> FormatLocalDateTime(Instant instant, std::string_view time_zone);
// "04.05.2026"
std::string FormatRussianDate(CivilDate date);

}  // namespace muster
