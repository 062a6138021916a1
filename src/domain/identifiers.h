// Personal identifiers and their validation: SNILS, INN, internal passport, foreign passport,
// driving licence.
//
// Each identifier has one canonical form, the form stored and compared:
//   snils             11 digits, no separators ("11223344595"); input may be "112-233-445 95".
//                     Check number per the Pension Fund rule (weights 9..1 over the first nine
//                     digits; sum < 100 → sum, 100/101 → 00, > 101 → sum mod 101, then 100 → 00).
//                     Numbers up to 001-001-998 carry no check number and are accepted as is.
//   inn               12 digits (a natural person's INN), two check digits per the FNS rule.
//   passport          internal passport: 4-digit series + 6-digit number, "4509123456";
//                     input may be "45 09 123456" or "4509 123456".
//   foreign_passport  2-digit series + 7-digit number, "751234567"; input may be "75 1234567".
//   driving_licence   4 characters of series (digits, or 2 digits + 2 Cyrillic letters) +
//                     6 digits, "9901123456"; input may hold spaces.
// Pure functions, no I/O, thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/status.h"

namespace muster {

enum class IdentifierKind { kSnils, kInn, kPassport, kForeignPassport, kDrivingLicence };
inline constexpr std::array<IdentifierKind, 5> kAllIdentifierKinds = {
    IdentifierKind::kSnils, IdentifierKind::kInn, IdentifierKind::kPassport,
    IdentifierKind::kForeignPassport, IdentifierKind::kDrivingLicence};

// "snils", "inn", "passport", "foreign_passport", "driving_licence"
std::string_view IdentifierKindName(IdentifierKind kind);
Result<IdentifierKind> ParseIdentifierKind(std::string_view text, std::string_view field);

// Validates `raw` as an identifier of `kind` and returns its canonical form. Errors are
// kInvalidArgument with a message that starts with the kind's name and says what is wrong
// ("snils: check number mismatch (expected 95, got 96)", "inn: expected 12 digits, got 11").
Result<std::string> NormalizeIdentifier(IdentifierKind kind, std::string_view raw);

// The SNILS check number (0..99) of the nine-digit body.
int SnilsCheckNumber(std::string_view nine_digits);
// The two INN check digits of the ten-digit body of a natural person's INN.
std::string InnCheckDigits(std::string_view ten_digits);

}  // namespace muster
