#include "domain/identifiers.h"

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace muster {
namespace {

// SNILS numbers issued before the check number was introduced (bodies up to 001-001-998)
// carry arbitrary last two digits, so they cannot be verified.
constexpr int64_t kLastSnilsWithoutCheck = 1001998;

// The Cyrillic letters allowed in driving-licence series: exactly those with a Latin
// look-alike, so the series reads the same in either script.
constexpr std::array<char32_t, 12> kLicenceSeriesLetters = {U'А', U'В', U'Е', U'К', U'М', U'Н',
                                                            U'О', U'Р', U'С', U'Т', U'У', U'Х'};
// Their Latin look-alikes, used only to explain a rejection: a licence typed on a Latin
// keyboard looks right on screen and the user needs to be told why it is refused.
constexpr std::string_view kLatinLookAlikes = "ABEKMHOPCTYXabekmhopctyx";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// One decoded UTF-8 character of the input. `bytes` is the raw sequence, so an error can quote
// the character as the user typed it; `code_point` is nullopt for a malformed sequence.
struct Utf8Char {
  std::string_view bytes;
  std::optional<char32_t> code_point;
};

// Decodes the character starting at `text[offset]`. Malformed sequences yield one byte with no
// code point, so the caller always makes progress.
Utf8Char DecodeUtf8(std::string_view text, size_t offset) {
  const auto lead = static_cast<unsigned char>(text[offset]);
  size_t length = 0;
  char32_t code_point = 0;
  if (lead < 0x80) return {text.substr(offset, 1), lead};
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return {text.substr(offset, 1), std::nullopt};
  }
  if (offset + length > text.size()) return {text.substr(offset, 1), std::nullopt};
  for (size_t i = 1; i < length; ++i) {
    const auto continuation = static_cast<unsigned char>(text[offset + i]);
    if ((continuation & 0xC0) != 0x80) return {text.substr(offset, 1), std::nullopt};
    code_point = (code_point << 6) | (continuation & 0x3F);
  }
  return {text.substr(offset, length), code_point};
}

std::string EncodeUtf8(char32_t code_point) {
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

// Quotes a character for an error message. Control characters and malformed bytes are
// escaped, so the message stays printable and valid UTF-8 when it reaches a log or a browser.
std::string QuoteCharacter(const Utf8Char& character) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string quoted = "'";
  if (character.code_point && *character.code_point >= 0x20 && *character.code_point != 0x7F) {
    quoted += character.bytes;
  } else {
    for (char byte : character.bytes) {
      const auto value = static_cast<unsigned char>(byte);
      quoted += "\\x";
      quoted += kHex[value >> 4];
      quoted += kHex[value & 0x0F];
    }
  }
  quoted += "'";
  return quoted;
}

Status Invalid(IdentifierKind kind, std::string_view what) {
  return InvalidArgument(std::string(IdentifierKindName(kind)) + ": " + std::string(what));
}

Status UnexpectedCharacter(IdentifierKind kind, const Utf8Char& character) {
  return Invalid(kind, "unexpected character " + QuoteCharacter(character));
}

// Collects the digits of `raw`, skipping characters listed in `separators`. Any other character
// is an error, so "12a45" is rejected rather than read as "1245".
Result<std::string> CollectDigits(IdentifierKind kind, std::string_view raw,
                                  std::string_view separators) {
  std::string digits;
  size_t offset = 0;
  while (offset < raw.size()) {
    const Utf8Char character = DecodeUtf8(raw, offset);
    offset += character.bytes.size();
    if (character.bytes.size() == 1 && IsDigit(character.bytes[0])) {
      digits += character.bytes[0];
    } else if (character.bytes.size() != 1 ||
               separators.find(character.bytes[0]) == std::string_view::npos) {
      return UnexpectedCharacter(kind, character);
    }
  }
  return digits;
}

Status CheckDigitCount(IdentifierKind kind, const std::string& digits, size_t expected) {
  if (digits.size() == expected) return Status::Ok();
  return Invalid(kind, "expected " + std::to_string(expected) + " digits, got " +
                           std::to_string(digits.size()));
}

// Two decimal digits, "05" rather than "5", matching how the check number is printed.
std::string TwoDigits(int value) {
  return std::string{static_cast<char>('0' + value / 10), static_cast<char>('0' + value % 10)};
}

Result<std::string> NormalizeSnils(std::string_view raw) {
  constexpr IdentifierKind kKind = IdentifierKind::kSnils;
  ASSIGN_OR_RETURN(std::string digits, CollectDigits(kKind, raw, "- "));
  RETURN_IF_ERROR(CheckDigitCount(kKind, digits, 11));
  const std::string_view body = std::string_view(digits).substr(0, 9);
  int64_t body_value = 0;
  for (char digit : body) body_value = body_value * 10 + (digit - '0');
  if (body_value <= kLastSnilsWithoutCheck) return digits;
  const int expected = SnilsCheckNumber(body);
  const int got = (digits[9] - '0') * 10 + (digits[10] - '0');
  if (expected != got) {
    return Invalid(kKind, "check number mismatch (expected " + TwoDigits(expected) + ", got " +
                              TwoDigits(got) + ")");
  }
  return digits;
}

Result<std::string> NormalizeInn(std::string_view raw) {
  constexpr IdentifierKind kKind = IdentifierKind::kInn;
  // No separators: an INN is always written as one run of digits, so a space signals a
  // pasting mistake worth reporting.
  ASSIGN_OR_RETURN(std::string digits, CollectDigits(kKind, raw, ""));
  RETURN_IF_ERROR(CheckDigitCount(kKind, digits, 12));
  const std::string expected = InnCheckDigits(std::string_view(digits).substr(0, 10));
  const std::string got = digits.substr(10, 2);
  if (expected != got) {
    return Invalid(kKind, "check digits mismatch (expected " + expected + ", got " + got + ")");
  }
  return digits;
}

Result<std::string> NormalizeDigitsWithSpaces(IdentifierKind kind, std::string_view raw,
                                              size_t expected_digits) {
  ASSIGN_OR_RETURN(std::string digits, CollectDigits(kind, raw, " "));
  RETURN_IF_ERROR(CheckDigitCount(kind, digits, expected_digits));
  return digits;
}

// A driving licence is ten symbols: a four-symbol series (four digits, or two digits and two
// series letters) and a six-digit number. Letters are stored as upper-case Cyrillic UTF-8.
Result<std::string> NormalizeDrivingLicence(std::string_view raw) {
  constexpr IdentifierKind kKind = IdentifierKind::kDrivingLicence;
  struct Symbol {
    std::string text;  // one ASCII digit, or one upper-case Cyrillic letter in UTF-8
    bool is_letter;
  };
  std::vector<Symbol> symbols;
  size_t offset = 0;
  while (offset < raw.size()) {
    const Utf8Char character = DecodeUtf8(raw, offset);
    offset += character.bytes.size();
    if (character.bytes == " ") continue;
    if (character.bytes.size() == 1 && IsDigit(character.bytes[0])) {
      symbols.push_back({std::string(character.bytes), false});
      continue;
    }
    if (!character.code_point) return UnexpectedCharacter(kKind, character);
    char32_t letter = *character.code_point;
    if (letter >= U'а' && letter <= U'я') letter -= U'а' - U'А';
    if (letter >= U'А' && letter <= U'Я') {
      bool allowed = false;
      for (char32_t series_letter : kLicenceSeriesLetters) allowed |= letter == series_letter;
      if (!allowed) {
        return Invalid(kKind, "letter " + QuoteCharacter(character) +
                                  " is not used in series (allowed: АВЕКМНОРСТУХ)");
      }
      symbols.push_back({EncodeUtf8(letter), true});
      continue;
    }
    if (character.bytes.size() == 1 &&
        kLatinLookAlikes.find(character.bytes[0]) != std::string_view::npos) {
      return Invalid(kKind, "unexpected character " + QuoteCharacter(character) +
                                " (series letters are Cyrillic)");
    }
    return UnexpectedCharacter(kKind, character);
  }
  if (symbols.size() != 10) {
    return Invalid(kKind, "expected 10 characters (4 of series, 6 of number), got " +
                              std::to_string(symbols.size()));
  }
  std::string series;
  std::string number;
  for (size_t i = 0; i < 4; ++i) series += symbols[i].text;
  for (size_t i = 4; i < 10; ++i) number += symbols[i].text;
  const bool series_ok = !symbols[0].is_letter && !symbols[1].is_letter &&
                         symbols[2].is_letter == symbols[3].is_letter;
  if (!series_ok) {
    return Invalid(kKind,
                   "series '" + series + "' must be 4 digits or 2 digits followed by 2 letters");
  }
  for (size_t i = 4; i < 10; ++i) {
    if (symbols[i].is_letter) return Invalid(kKind, "number '" + number + "' must be 6 digits");
  }
  return series + number;
}

}  // namespace

std::string_view IdentifierKindName(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kSnils:
      return "snils";
    case IdentifierKind::kInn:
      return "inn";
    case IdentifierKind::kPassport:
      return "passport";
    case IdentifierKind::kForeignPassport:
      return "foreign_passport";
    case IdentifierKind::kDrivingLicence:
      return "driving_licence";
  }
  return "?";
}

Result<IdentifierKind> ParseIdentifierKind(std::string_view text, std::string_view field) {
  std::string expected;
  for (IdentifierKind kind : kAllIdentifierKinds) {
    if (IdentifierKindName(kind) == text) return kind;
    if (!expected.empty()) expected += ", ";
    expected += IdentifierKindName(kind);
  }
  return InvalidArgument(std::string(field) + ": unknown value '" + std::string(text) +
                         "' (expected one of " + expected + ")");
}

Result<std::string> NormalizeIdentifier(IdentifierKind kind, std::string_view raw) {
  switch (kind) {
    case IdentifierKind::kSnils:
      return NormalizeSnils(raw);
    case IdentifierKind::kInn:
      return NormalizeInn(raw);
    case IdentifierKind::kPassport:
      return NormalizeDigitsWithSpaces(kind, raw, 10);
    case IdentifierKind::kForeignPassport:
      return NormalizeDigitsWithSpaces(kind, raw, 9);
    case IdentifierKind::kDrivingLicence:
      return NormalizeDrivingLicence(raw);
  }
  return Internal("unknown identifier kind " + std::to_string(static_cast<int>(kind)));
}

// Precondition: `nine_digits` is nine ASCII digits (callers validate user input first).
int SnilsCheckNumber(std::string_view nine_digits) {
  assert(nine_digits.size() == 9);
  int sum = 0;
  for (size_t i = 0; i < nine_digits.size() && i < 9; ++i) {
    sum += (nine_digits[i] - '0') * static_cast<int>(9 - i);
  }
  if (sum < 100) return sum;
  // Spelled out as the Pension Fund publishes it, although 101 would also fall through to 0.
  if (sum == 100 || sum == 101) return 0;
  const int remainder = sum % 101;
  return remainder == 100 ? 0 : remainder;
}

// Precondition: `ten_digits` is ten ASCII digits (callers validate user input first).
std::string InnCheckDigits(std::string_view ten_digits) {
  assert(ten_digits.size() == 10);
  // FNS weights; the second check digit is computed over the body and the first check digit.
  constexpr std::array<int, 11> kWeights12 = {3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8};
  constexpr std::array<int, 10> kWeights11 = {7, 2, 4, 10, 3, 5, 9, 4, 6, 8};
  std::string digits(ten_digits.substr(0, 10));
  int sum = 0;
  for (size_t i = 0; i < kWeights11.size() && i < digits.size(); ++i) {
    sum += (digits[i] - '0') * kWeights11[i];
  }
  digits += static_cast<char>('0' + sum % 11 % 10);
  sum = 0;
  for (size_t i = 0; i < kWeights12.size() && i < digits.size(); ++i) {
    sum += (digits[i] - '0') * kWeights12[i];
  }
  digits += static_cast<char>('0' + sum % 11 % 10);
  return digits.substr(digits.size() - 2);
}

}  // namespace muster
