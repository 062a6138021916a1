#include "domain/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <string_view>

namespace muster {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The message of the kInvalidArgument error in `result`.
template <typename T>
std::string RejectionOf(const Result<T>& result) {
  if (result.ok()) {
    ADD_FAILURE() << "value was accepted";
    return "";
  }
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
  return result.status().message();
}

// Names are stored in events and the database: every value needs its own, and parsing a name
// must give the value back.
template <typename Enum, size_t N>
void ExpectNamesRoundTrip(const std::array<Enum, N>& values, std::string_view (*name)(Enum),
                          Result<Enum> (*parse)(std::string_view, std::string_view)) {
  std::set<std::string_view> seen;
  for (Enum value : values) {
    EXPECT_TRUE(seen.insert(name(value)).second) << "duplicate name " << name(value);
    Result<Enum> parsed = parse(name(value), "field");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, value) << name(value);
  }
}

// --- Sex ----------------------------------------------------------------------------------

TEST(SexTest, NamesAreLatinLetters) {
  EXPECT_EQ(SexName(Sex::kMale), "M");
  EXPECT_EQ(SexName(Sex::kFemale), "F");
}

TEST(SexTest, ParsesLatinInEitherCaseAndCyrillicLetters) {
  for (std::string_view text : {"M", "m", "М"}) {
    Result<Sex> sex = ParseSex(text, "sex");
    ASSERT_TRUE(sex.ok()) << text;
    EXPECT_EQ(*sex, Sex::kMale) << text;
  }
  for (std::string_view text : {"F", "f", "Ж"}) {
    Result<Sex> sex = ParseSex(text, "sex");
    ASSERT_TRUE(sex.ok()) << text;
    EXPECT_EQ(*sex, Sex::kFemale) << text;
  }
}

TEST(SexTest, UnknownValueNamesTheField) {
  EXPECT_EQ(RejectionOf(ParseSex("X", "person.sex")),
            "person.sex: unknown sex 'X' (expected M or F)");
  EXPECT_THAT(RejectionOf(ParseSex("", "sex")), StartsWith("sex: unknown sex ''"));
  EXPECT_THAT(RejectionOf(ParseSex("male", "sex")), HasSubstr("'male'"));
}

// --- Fitness category ---------------------------------------------------------------------

TEST(FitnessCategoryTest, NamesAreCyrillicAndLatinTransliterations) {
  EXPECT_EQ(FitnessCategoryName(FitnessCategory::kA), "А");
  EXPECT_EQ(FitnessCategoryName(FitnessCategory::kB), "Б");
  EXPECT_EQ(FitnessCategoryName(FitnessCategory::kV), "В");
  EXPECT_EQ(FitnessCategoryName(FitnessCategory::kG), "Г");
  EXPECT_EQ(FitnessCategoryName(FitnessCategory::kD), "Д");
  EXPECT_EQ(FitnessCategoryLatin(FitnessCategory::kA), "A");
  EXPECT_EQ(FitnessCategoryLatin(FitnessCategory::kB), "B");
  EXPECT_EQ(FitnessCategoryLatin(FitnessCategory::kV), "V");
  EXPECT_EQ(FitnessCategoryLatin(FitnessCategory::kG), "G");
  EXPECT_EQ(FitnessCategoryLatin(FitnessCategory::kD), "D");
}

TEST(FitnessCategoryTest, CyrillicNamesRoundTrip) {
  ExpectNamesRoundTrip(kAllFitnessCategories, &FitnessCategoryName, &ParseFitnessCategory);
}

TEST(FitnessCategoryTest, LatinNamesRoundTrip) {
  ExpectNamesRoundTrip(kAllFitnessCategories, &FitnessCategoryLatin, &ParseFitnessCategory);
}

// Cyrillic "В" (category V) looks like Latin "B" (category Б): the parser must go by the
// alphabet, not the glyph, or a category-В conscript would be recorded as Б.
TEST(FitnessCategoryTest, LookAlikeLettersParseByAlphabet) {
  Result<FitnessCategory> cyrillic_ve = ParseFitnessCategory("В", "category");
  ASSERT_TRUE(cyrillic_ve.ok());
  EXPECT_EQ(*cyrillic_ve, FitnessCategory::kV);
  Result<FitnessCategory> latin_b = ParseFitnessCategory("B", "category");
  ASSERT_TRUE(latin_b.ok());
  EXPECT_EQ(*latin_b, FitnessCategory::kB);
}

TEST(FitnessCategoryTest, UnknownValueNamesTheFieldAndListsTheChoices) {
  EXPECT_EQ(RejectionOf(ParseFitnessCategory("Е", "fitness")),
            "fitness: unknown fitness category 'Е' (expected А, Б, В, Г, Д or A, B, V, G, D)");
  EXPECT_THAT(RejectionOf(ParseFitnessCategory("a", "fitness")),
              StartsWith("fitness: unknown fitness category 'a'"));
}

// --- Channel ------------------------------------------------------------------------------

TEST(ChannelTest, NamesAreTheStableStoreSpellings) {
  EXPECT_EQ(ChannelName(Channel::kPortal), "portal");
  EXPECT_EQ(ChannelName(Channel::kRegisteredMail), "registered_mail");
  EXPECT_EQ(ChannelName(Channel::kInPerson), "in_person");
  EXPECT_EQ(ChannelName(Channel::kRegister), "register");
}

TEST(ChannelTest, NamesRoundTrip) {
  ExpectNamesRoundTrip(kAllChannels, &ChannelName, &ParseChannel);
}

TEST(ChannelTest, UnknownValueNamesTheFieldAndListsTheChoices) {
  EXPECT_EQ(RejectionOf(ParseChannel("email", "summons.channel")),
            "summons.channel: unknown value 'email' (expected one of portal, registered_mail, "
            "in_person, register)");
}

TEST(ChannelTest, ParseIsCaseSensitive) {
  EXPECT_THAT(RejectionOf(ParseChannel("Portal", "channel")),
              StartsWith("channel: unknown value 'Portal'"));
}

// --- Measure kind -------------------------------------------------------------------------

TEST(MeasureKindTest, NamesAreTheStableStoreSpellings) {
  EXPECT_EQ(MeasureKindName(MeasureKind::kExit), "exit");
  EXPECT_EQ(MeasureKindName(MeasureKind::kDriving), "driving");
  EXPECT_EQ(MeasureKindName(MeasureKind::kVehicleRegistration), "vehicle_registration");
  EXPECT_EQ(MeasureKindName(MeasureKind::kCredit), "credit");
  EXPECT_EQ(MeasureKindName(MeasureKind::kRealEstate), "real_estate");
  EXPECT_EQ(MeasureKindName(MeasureKind::kEntrepreneur), "entrepreneur");
  EXPECT_EQ(MeasureKindName(MeasureKind::kSelfEmployed), "self_employed");
}

TEST(MeasureKindTest, NamesRoundTrip) {
  ExpectNamesRoundTrip(kAllMeasureKinds, &MeasureKindName, &ParseMeasureKind);
}

TEST(MeasureKindTest, UnknownValueNamesTheFieldAndListsTheChoices) {
  EXPECT_EQ(RejectionOf(ParseMeasureKind("travel", "measure")),
            "measure: unknown value 'travel' (expected one of exit, driving, "
            "vehicle_registration, credit, real_estate, entrepreneur, self_employed)");
}

// --- Summons status -----------------------------------------------------------------------

TEST(SummonsStatusTest, NamesAreTheStableStoreSpellings) {
  EXPECT_EQ(SummonsStatusName(SummonsStatus::kIssued), "issued");
  EXPECT_EQ(SummonsStatusName(SummonsStatus::kServed), "served");
  EXPECT_EQ(SummonsStatusName(SummonsStatus::kAppeared), "appeared");
  EXPECT_EQ(SummonsStatusName(SummonsStatus::kExcused), "excused");
  EXPECT_EQ(SummonsStatusName(SummonsStatus::kCancelled), "cancelled");
}

TEST(SummonsStatusTest, NamesRoundTrip) {
  constexpr std::array<SummonsStatus, 5> kAllStatuses = {
      SummonsStatus::kIssued, SummonsStatus::kServed, SummonsStatus::kAppeared,
      SummonsStatus::kExcused, SummonsStatus::kCancelled};
  ExpectNamesRoundTrip(kAllStatuses, &SummonsStatusName, &ParseSummonsStatus);
}

TEST(SummonsStatusTest, UnknownValueNamesTheFieldAndListsTheChoices) {
  EXPECT_EQ(RejectionOf(ParseSummonsStatus("canceled", "summons.status")),
            "summons.status: unknown value 'canceled' (expected one of issued, served, appeared, "
            "excused, cancelled)");
}

}  // namespace
}  // namespace muster
