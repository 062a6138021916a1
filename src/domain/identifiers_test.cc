#include "domain/identifiers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace muster {
namespace {

using ::testing::StartsWith;

// Expects `raw` to normalize to `canonical`, reporting the error message otherwise.
void ExpectCanonical(IdentifierKind kind, std::string_view raw, std::string_view canonical) {
  Result<std::string> result = NormalizeIdentifier(kind, raw);
  ASSERT_TRUE(result.ok()) << "input '" << raw << "': " << result.status().ToString();
  EXPECT_EQ(*result, canonical) << "input '" << raw << "'";
}

// The message of the kInvalidArgument error that normalizing `raw` must produce.
std::string RejectionOf(IdentifierKind kind, std::string_view raw) {
  Result<std::string> result = NormalizeIdentifier(kind, raw);
  if (result.ok()) {
    ADD_FAILURE() << "input '" << raw << "' was accepted as '" << *result << "'";
    return "";
  }
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
  return result.status().message();
}

// --- Kind names ---------------------------------------------------------------------------

TEST(IdentifierKindTest, NamesRoundTripThroughParse) {
  for (IdentifierKind kind : kAllIdentifierKinds) {
    Result<IdentifierKind> parsed = ParseIdentifierKind(IdentifierKindName(kind), "kind");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, kind);
  }
}

TEST(IdentifierKindTest, NamesAreTheStableStoreSpellings) {
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kSnils), "snils");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kInn), "inn");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kPassport), "passport");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kForeignPassport), "foreign_passport");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kDrivingLicence), "driving_licence");
}

TEST(IdentifierKindTest, UnknownKindNamesTheFieldAndListsTheChoices) {
  Result<IdentifierKind> parsed = ParseIdentifierKind("ssn", "identifier_kind");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "identifier_kind: unknown value 'ssn' (expected one of snils, inn, passport, "
            "foreign_passport, driving_licence)");
}

TEST(IdentifierKindTest, ParseIsCaseSensitive) {
  EXPECT_FALSE(ParseIdentifierKind("SNILS", "kind").ok());
}

TEST(NormalizeIdentifierTest, EveryErrorStartsWithTheKindName) {
  for (IdentifierKind kind : kAllIdentifierKinds) {
    EXPECT_THAT(RejectionOf(kind, ""), StartsWith(std::string(IdentifierKindName(kind)) + ": "));
    EXPECT_THAT(RejectionOf(kind, "?"), StartsWith(std::string(IdentifierKindName(kind)) + ": "));
  }
}

// --- SNILS --------------------------------------------------------------------------------

TEST(SnilsTest, CheckNumberOfThePensionFundExample) {
  EXPECT_EQ(SnilsCheckNumber("112233445"), 95);
}

TEST(SnilsTest, CheckNumberBelowOneHundredIsTheSum) {
  EXPECT_EQ(SnilsCheckNumber("010000000"), 8);  // 1 × 8
}

TEST(SnilsTest, CheckNumberOfSumsOneHundredAndOneHundredOneIsZero) {
  EXPECT_EQ(SnilsCheckNumber("002506816"), 0);  // sum 100
  EXPECT_EQ(SnilsCheckNumber("002229651"), 0);  // sum 101
}

TEST(SnilsTest, CheckNumberAboveOneHundredOneIsTheSumModulo101) {
  EXPECT_EQ(SnilsCheckNumber("003567962"), 49);  // sum 150
  EXPECT_EQ(SnilsCheckNumber("987654321"), 83);  // sum 285
}

TEST(SnilsTest, CheckNumberWhoseModuloIsOneHundredBecomesZero) {
  EXPECT_EQ(SnilsCheckNumber("007994683"), 0);  // sum 201, 201 mod 101 = 100
}

TEST(SnilsTest, AcceptsDashedSpacedAndBareForms) {
  ExpectCanonical(IdentifierKind::kSnils, "112-233-445 95", "11223344595");
  ExpectCanonical(IdentifierKind::kSnils, "11223344595", "11223344595");
  ExpectCanonical(IdentifierKind::kSnils, "112 233 445 95", "11223344595");
}

TEST(SnilsTest, AcceptsZeroCheckNumbers) {
  ExpectCanonical(IdentifierKind::kSnils, "002-506-816 00", "00250681600");
  ExpectCanonical(IdentifierKind::kSnils, "007-994-683 00", "00799468300");
}

TEST(SnilsTest, RejectsWrongCheckNumberSayingExpectedAndGot) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, "112-233-445 96"),
            "snils: check number mismatch (expected 95, got 96)");
}

TEST(SnilsTest, CheckNumbersInMessagesKeepTheLeadingZero) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, "010-000-000 09"),
            "snils: check number mismatch (expected 08, got 09)");
}

TEST(SnilsTest, OldNumbersUpToTheLastUncheckedBodyAreAcceptedWithAnyCheckNumber) {
  ExpectCanonical(IdentifierKind::kSnils, "001-001-998 00", "00100199800");
  ExpectCanonical(IdentifierKind::kSnils, "001-001-998 37", "00100199837");
  ExpectCanonical(IdentifierKind::kSnils, "000-000-001 99", "00000000199");
}

TEST(SnilsTest, FirstCheckedBodyIsValidated) {
  ExpectCanonical(IdentifierKind::kSnils, "001-001-999 65", "00100199965");
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, "001-001-999 00"),
            "snils: check number mismatch (expected 65, got 00)");
}

TEST(SnilsTest, RejectsWrongDigitCount) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, "112-233-445 9"),
            "snils: expected 11 digits, got 10");
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, "112-233-445 950"),
            "snils: expected 11 digits, got 12");
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, ""), "snils: expected 11 digits, got 0");
}

TEST(SnilsTest, RejectsOtherSeparators) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kSnils, "112.233.445 95"),
            "snils: unexpected character '.'");
}

// --- INN ----------------------------------------------------------------------------------

TEST(InnTest, CheckDigitsOfAValidNumber) { EXPECT_EQ(InnCheckDigits("5001007322"), "59"); }

TEST(InnTest, CheckDigitWhoseRemainderIsTenBecomesZero) {
  EXPECT_EQ(InnCheckDigits("1000418916"), "09");  // first remainder 10
  EXPECT_EQ(InnCheckDigits("1001885122"), "40");  // second remainder 10
}

TEST(InnTest, AcceptsAValidNaturalPersonInn) {
  ExpectCanonical(IdentifierKind::kInn, "500100732259", "500100732259");
  ExpectCanonical(IdentifierKind::kInn, "100041891609", "100041891609");
  ExpectCanonical(IdentifierKind::kInn, "100188512240", "100188512240");
}

TEST(InnTest, RejectsWrongSecondCheckDigit) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kInn, "500100732258"),
            "inn: check digits mismatch (expected 59, got 58)");
}

TEST(InnTest, RejectsWrongFirstCheckDigit) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kInn, "500100732249"),
            "inn: check digits mismatch (expected 59, got 49)");
}

TEST(InnTest, RejectsWrongDigitCount) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kInn, "50010073225"), "inn: expected 12 digits, got 11");
  // A legal entity's ten-digit INN is not a person's INN.
  EXPECT_EQ(RejectionOf(IdentifierKind::kInn, "7707083893"), "inn: expected 12 digits, got 10");
}

TEST(InnTest, RejectsSeparators) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kInn, "5001 00732259"), "inn: unexpected character ' '");
  EXPECT_EQ(RejectionOf(IdentifierKind::kInn, "5001-00732259"), "inn: unexpected character '-'");
}

// --- Passports ----------------------------------------------------------------------------

TEST(PassportTest, AcceptsGroupedAndBareForms) {
  ExpectCanonical(IdentifierKind::kPassport, "45 09 123456", "4509123456");
  ExpectCanonical(IdentifierKind::kPassport, "4509 123456", "4509123456");
  ExpectCanonical(IdentifierKind::kPassport, "4509123456", "4509123456");
}

TEST(PassportTest, RejectsLetters) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kPassport, "4509 12345x"),
            "passport: unexpected character 'x'");
}

TEST(PassportTest, RejectsDashes) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kPassport, "4509-123456"),
            "passport: unexpected character '-'");
}

TEST(PassportTest, RejectsWrongDigitCount) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kPassport, "4509 12345"),
            "passport: expected 10 digits, got 9");
  EXPECT_EQ(RejectionOf(IdentifierKind::kPassport, "4509 1234567"),
            "passport: expected 10 digits, got 11");
}

TEST(ForeignPassportTest, AcceptsGroupedAndBareForms) {
  ExpectCanonical(IdentifierKind::kForeignPassport, "75 1234567", "751234567");
  ExpectCanonical(IdentifierKind::kForeignPassport, "751234567", "751234567");
}

TEST(ForeignPassportTest, RejectsWrongDigitCount) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kForeignPassport, "75 123456"),
            "foreign_passport: expected 9 digits, got 8");
  EXPECT_EQ(RejectionOf(IdentifierKind::kForeignPassport, "4509 123456"),
            "foreign_passport: expected 9 digits, got 10");
}

TEST(ForeignPassportTest, RejectsOtherCharacters) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kForeignPassport, "75 №1234567"),
            "foreign_passport: unexpected character '№'");
}

// --- Driving licence ----------------------------------------------------------------------

TEST(DrivingLicenceTest, AcceptsAllDigitSeries) {
  ExpectCanonical(IdentifierKind::kDrivingLicence, "99 01 123456", "9901123456");
  ExpectCanonical(IdentifierKind::kDrivingLicence, "9901123456", "9901123456");
}

TEST(DrivingLicenceTest, AcceptsCyrillicSeriesLetters) {
  ExpectCanonical(IdentifierKind::kDrivingLicence, "77 АВ 123456", "77АВ123456");
  ExpectCanonical(IdentifierKind::kDrivingLicence, "50ХУ654321", "50ХУ654321");
}

TEST(DrivingLicenceTest, UpperCasesCyrillicLetters) {
  ExpectCanonical(IdentifierKind::kDrivingLicence, "77 ав 123456", "77АВ123456");
  ExpectCanonical(IdentifierKind::kDrivingLicence, "77 Ех 123456", "77ЕХ123456");
}

TEST(DrivingLicenceTest, AcceptsEveryAllowedLetter) {
  const std::string_view kLetters[] = {"А", "В", "Е", "К", "М", "Н", "О", "Р", "С", "Т", "У", "Х"};
  for (std::string_view letter : kLetters) {
    const std::string series = "12" + std::string(letter) + std::string(letter);
    ExpectCanonical(IdentifierKind::kDrivingLicence, series + " 123456", series + "123456");
  }
}

TEST(DrivingLicenceTest, RejectsCyrillicLettersOutsideTheSeriesSet) {
  EXPECT_THAT(RejectionOf(IdentifierKind::kDrivingLicence, "77 БВ 123456"),
              StartsWith("driving_licence: letter 'Б' is not used in series"));
  EXPECT_THAT(RejectionOf(IdentifierKind::kDrivingLicence, "77 аж 123456"),
              StartsWith("driving_licence: letter 'ж' is not used in series"));
}

TEST(DrivingLicenceTest, RejectsLatinLookAlikesWithAHint) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "77 AB 123456"),
            "driving_licence: unexpected character 'A' (series letters are Cyrillic)");
}

TEST(DrivingLicenceTest, RejectsOtherLatinLetters) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "77 ZZ 123456"),
            "driving_licence: unexpected character 'Z'");
}

TEST(DrivingLicenceTest, RejectsLettersOutsideTheLastTwoSeriesPlaces) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "7А 01 123456"),
            "driving_licence: series '7А01' must be 4 digits or 2 digits followed by 2 letters");
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "77 А1 123456"),
            "driving_licence: series '77А1' must be 4 digits or 2 digits followed by 2 letters");
}

TEST(DrivingLicenceTest, RejectsLettersInTheNumber) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "9901 12345А"),
            "driving_licence: number '12345А' must be 6 digits");
}

TEST(DrivingLicenceTest, RejectsWrongLength) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "99 01 12345"),
            "driving_licence: expected 10 characters (4 of series, 6 of number), got 9");
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "77 АВ 1234567"),
            "driving_licence: expected 10 characters (4 of series, 6 of number), got 11");
}

TEST(DrivingLicenceTest, EscapesUnprintableAndMalformedInput) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "99\t01 123456"),
            "driving_licence: unexpected character '\\x09'");
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence,
                        "99\xff"
                        "01 123456"),
            "driving_licence: unexpected character '\\xff'");
  // A truncated two-byte sequence (the first half of 'А').
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "9901123456\xd0"),
            "driving_licence: unexpected character '\\xd0'");
}

TEST(DrivingLicenceTest, QuotesMultiByteCharactersWhole) {
  EXPECT_EQ(RejectionOf(IdentifierKind::kDrivingLicence, "99 01 12345😀"),
            "driving_licence: unexpected character '😀'");
}

}  // namespace
}  // namespace muster
