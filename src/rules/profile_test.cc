#include "rules/profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "testing/temp_dir.h"

namespace muster {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::filesystem::path ShippedProfileDir() { return muster::testing::SourceDir() / "profiles"; }

CivilDate Day(std::string_view text) {
  Result<CivilDate> date = ParseDate(text, "test.date");
  EXPECT_TRUE(date.ok()) << date.status().ToString();
  return date.ok() ? *date : CivilDate{};
}

// A small valid profile that the validation tests break one line at a time.
constexpr std::string_view kValidProfile = R"(id = "test-profile"
version = "1"
title = "Test profile"
country = "RU"
effective_from = 2024-09-01

[[rollout]]
from = 2024-09-01
regions = ["RYA", "SAK"]
note = "test mode"

[[rollout]]
from = 2025-05-01
note = "nationwide"

[liability]
min_age = 18
max_age = 30
max_age_inclusive = false
sexes = ["M"]
rule_id = "test-profile/age"
legal_basis = "law-a"

[appearance]
min_days = 3
default_days = 14
max_days = 30
default_hour = 9
rule_id = "test-profile/appearance"
legal_basis = "law-a"

[channels.portal]
marks = ["posted"]

[[channels.portal.service]]
mark = "posted"
timing = "immediately"
rule_id = "test-profile/portal"
legal_basis = "law-a"

[channels.registered_mail]
marks = ["sent", "delivered", "addressee_absent"]

[[channels.registered_mail.service]]
mark = "delivered"
timing = "immediately"
rule_id = "test-profile/mail-delivered"
legal_basis = "law-a"

[[channels.registered_mail.service]]
mark = "addressee_absent"
timing = "after_working_days"
days = 3
rule_id = "test-profile/mail-absent"
legal_basis = "law-a"

[channels.register]
marks = ["posted"]

[[channels.register.service]]
mark = "posted"
timing = "after_calendar_days"
days = 7
rule_id = "test-profile/register"
legal_basis = "law-b"

[measures.exit]
trigger = "on_service"
rule_id = "test-profile/exit"
legal_basis = "law-b"

[measures.driving]
trigger = "after_no_show"
days_after_appearance = 20
rule_id = "test-profile/no-show"
legal_basis = "law-b"

[lifting]
deadline_hours = 24
rule_id = "test-profile/lift"
legal_basis = "law-b"

[objections]
suspend_measures = false
rule_id = "test-profile/objection"
legal_basis = "law-b"

[excuses]
reasons = ["illness", "force_majeure"]
rule_id = "test-profile/excuses"
legal_basis = "law-a"

[deferments]
bases = ["student_full_time"]
rule_id = "test-profile/deferments"
legal_basis = "law-a"

[exemptions]
bases = ["unfit"]
rule_id = "test-profile/exemptions"
legal_basis = "law-a"

[legal_bases]
law-a = "Law A, art. 1"
law-b = "Law B, art. 2"
)";

// kValidProfile with the single occurrence of `old_text` replaced by `new_text`.
std::string Edited(std::string_view old_text, std::string_view new_text) {
  std::string text(kValidProfile);
  const size_t position = text.find(old_text);
  EXPECT_NE(position, std::string::npos) << "not in the test profile: " << old_text;
  EXPECT_EQ(text.find(old_text, position + 1), std::string::npos)
      << "ambiguous in the test profile: " << old_text;
  if (position != std::string::npos) text.replace(position, old_text.size(), new_text);
  return text;
}

// The 1-based line of the first occurrence of `needle` in `text`.
size_t LineOf(std::string_view text, std::string_view needle) {
  const size_t position = text.find(needle);
  EXPECT_NE(position, std::string_view::npos) << needle;
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + position, '\n'));
}

// --- The shipped profiles. ---

TEST(ShippedProfileTest, Ru127fzLoadsWithTheReformParameters) {
  Result<Profile> profile = LoadProfile("ru-127fz", ShippedProfileDir());
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->id, "ru-127fz");
  EXPECT_EQ(profile->country, "RU");
  EXPECT_EQ(profile->effective_from, Day("2024-09-01"));
  ASSERT_EQ(profile->rollout.size(), 2u);
  EXPECT_EQ(profile->rollout[0].note, "test mode");
  EXPECT_EQ(profile->min_age, 18);
  EXPECT_EQ(profile->max_age, 30);
  EXPECT_EQ(profile->appearance_min_days, 3);
  EXPECT_EQ(profile->appearance_default_days, 14);
  EXPECT_EQ(profile->appearance_max_days, 30);
  EXPECT_EQ(profile->appearance_default_hour, 9);

  ASSERT_EQ(profile->channels.size(), 4u);
  const ChannelRules* register_channel = profile->FindChannel(Channel::kRegister);
  ASSERT_NE(register_channel, nullptr);
  const ServiceRule* deemed = register_channel->FindServiceRule("posted");
  ASSERT_NE(deemed, nullptr);
  EXPECT_EQ(deemed->timing, ServiceTiming::kAfterCalendarDays);
  EXPECT_EQ(deemed->days, 7);
  EXPECT_EQ(deemed->rule_id, "ru-127fz/register-deemed-7d");
  const ChannelRules* mail = profile->FindChannel(Channel::kRegisteredMail);
  ASSERT_NE(mail, nullptr);
  EXPECT_TRUE(mail->HasMark("returned"));
  EXPECT_EQ(mail->FindServiceRule("returned"), nullptr);  // evidence only
  ASSERT_NE(mail->FindServiceRule("refused"), nullptr);
  EXPECT_EQ(mail->FindServiceRule("refused")->timing, ServiceTiming::kImmediately);

  ASSERT_EQ(profile->measures.size(), 7u);
  const MeasureRule* exit = profile->FindMeasure(MeasureKind::kExit);
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->trigger, MeasureTrigger::kOnService);
  EXPECT_EQ(exit->rule_id, "ru-127fz/exit-ban");
  for (MeasureKind kind : kAllMeasureKinds) {
    if (kind == MeasureKind::kExit) continue;
    const MeasureRule* rule = profile->FindMeasure(kind);
    ASSERT_NE(rule, nullptr) << MeasureKindName(kind);
    EXPECT_EQ(rule->trigger, MeasureTrigger::kAfterNoShow);
    EXPECT_EQ(rule->days_after_appearance, 20);
    EXPECT_EQ(rule->rule_id, "ru-127fz/no-show-measures");
    EXPECT_EQ(profile->legal_bases.count(rule->legal_basis), 1u);
  }
  EXPECT_EQ(profile->lift_deadline_hours, 24);
  EXPECT_FALSE(profile->objection_suspends_measures);
  EXPECT_TRUE(profile->HasExcuseReason("relative_illness_or_funeral"));
  EXPECT_TRUE(profile->HasDefermentBasis("it_specialist"));
  EXPECT_TRUE(profile->HasExemptionBasis("other_state_service"));
  EXPECT_FALSE(profile->HasDefermentBasis("unfit"));
}

TEST(ShippedProfileTest, UaMobilisationLoadsWithoutRegisterOrNoShowMeasures) {
  Result<Profile> profile = LoadProfile("ua-mobilisation", ShippedProfileDir());
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->min_age, 25);
  EXPECT_EQ(profile->max_age, 60);
  EXPECT_EQ(profile->appearance_min_days, 7);
  EXPECT_EQ(profile->appearance_default_days, 7);
  EXPECT_EQ(profile->appearance_max_days, 10);
  EXPECT_EQ(profile->FindChannel(Channel::kRegister), nullptr);
  const ChannelRules* mail = profile->FindChannel(Channel::kRegisteredMail);
  ASSERT_NE(mail, nullptr);
  const ServiceRule* absent = mail->FindServiceRule("addressee_absent");
  ASSERT_NE(absent, nullptr);
  EXPECT_EQ(absent->timing, ServiceTiming::kAfterWorkingDays);
  EXPECT_EQ(absent->days, 3);
  ASSERT_EQ(profile->measures.size(), 1u);
  EXPECT_EQ(profile->measures[0].kind, MeasureKind::kExit);
  EXPECT_EQ(profile->FindMeasure(MeasureKind::kDriving), nullptr);
  EXPECT_TRUE(profile->objection_suspends_measures);
  EXPECT_TRUE(profile->IsActiveIn("MOW", Day("2024-05-18")));
  EXPECT_FALSE(profile->IsActiveIn("MOW", Day("2024-05-17")));
}

TEST(ShippedProfileTest, Ru127fzRollsOutToTestRegionsFirst) {
  Result<Profile> profile = LoadProfile("ru-127fz", ShippedProfileDir());
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  // Ryazan, a test-mode region.
  EXPECT_FALSE(profile->IsActiveIn("RYA", Day("2024-08-31")));
  EXPECT_TRUE(profile->IsActiveIn("RYA", Day("2024-09-01")));
  EXPECT_TRUE(profile->IsActiveIn("RYA", Day("2025-05-01")));
  // Moscow only from the nationwide stage.
  EXPECT_FALSE(profile->IsActiveIn("MOW", Day("2024-09-01")));
  EXPECT_FALSE(profile->IsActiveIn("MOW", Day("2025-04-30")));
  EXPECT_TRUE(profile->IsActiveIn("MOW", Day("2025-05-01")));
}

TEST(ShippedProfileTest, Ru127fzLiabilityEndsOnThe30thBirthday) {
  Result<Profile> profile = LoadProfile("ru-127fz", ShippedProfileDir());
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_FALSE(profile->IsLiable(Sex::kMale, 17));
  EXPECT_TRUE(profile->IsLiable(Sex::kMale, 18));
  EXPECT_TRUE(profile->IsLiable(Sex::kMale, 29));
  EXPECT_FALSE(profile->IsLiable(Sex::kMale, 30));
  EXPECT_FALSE(profile->IsLiable(Sex::kFemale, 20));
  // Born 4 May 1996: liable on the day before the 30th birthday, not on it.
  const CivilDate birth = Day("1996-05-04");
  EXPECT_TRUE(profile->IsLiable(Sex::kMale, AgeOn(birth, Day("2026-05-03"))));
  EXPECT_FALSE(profile->IsLiable(Sex::kMale, AgeOn(birth, Day("2026-05-04"))));
}

// --- Profile semantics on the test profile. ---

TEST(ProfileTest, InclusiveMaxAgeKeepsPeopleOfThatAgeLiable) {
  Result<Profile> profile =
      ParseProfile(Edited("max_age_inclusive = false", "max_age_inclusive = true"), "test.toml");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_TRUE(profile->IsLiable(Sex::kMale, 30));
  EXPECT_FALSE(profile->IsLiable(Sex::kMale, 31));
}

TEST(ProfileTest, EffectiveUntilIsTheLastDayInForce) {
  Result<Profile> profile = ParseProfile(Edited("effective_from = 2024-09-01\n",
                                                "effective_from = 2024-09-01\n"
                                                "effective_until = 2025-12-31\n"),
                                         "test.toml");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_TRUE(profile->IsActiveIn("MOW", Day("2025-12-31")));
  EXPECT_FALSE(profile->IsActiveIn("MOW", Day("2026-01-01")));
  EXPECT_FALSE(profile->IsActiveIn("SAK", Day("2026-01-01")));
}

TEST(ProfileTest, ChannelsAndMeasuresComeInCanonicalOrder) {
  Result<Profile> profile = ParseProfile(kValidProfile, "test.toml");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  ASSERT_EQ(profile->channels.size(), 3u);
  EXPECT_EQ(profile->channels[0].channel, Channel::kPortal);
  EXPECT_EQ(profile->channels[1].channel, Channel::kRegisteredMail);
  EXPECT_EQ(profile->channels[2].channel, Channel::kRegister);
  EXPECT_EQ(profile->FindChannel(Channel::kInPerson), nullptr);
  ASSERT_EQ(profile->measures.size(), 2u);
  EXPECT_EQ(profile->measures[0].kind, MeasureKind::kExit);
  EXPECT_EQ(profile->measures[1].kind, MeasureKind::kDriving);
  EXPECT_EQ(profile->liability_rule.rule_id, "test-profile/age");
  EXPECT_EQ(profile->lifting_rule.legal_basis, "law-b");
}

TEST(ProfileTest, ValidationErrorsCarryTheSourceLineAndPath) {
  const std::string text = Edited("days = 7", "days = -7");
  const size_t line = LineOf(text, "days = -7");
  Result<Profile> profile = ParseProfile(text, "test.toml");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(profile.status().message(),
            "test.toml line " + std::to_string(line) +
                ": channels.register.service[0].days: must be >= 0, got -7");
}

TEST(ProfileTest, TomlSyntaxErrorsCarryLineAndColumn) {
  const std::string text = Edited("default_hour = 9", "default_hour = = 9");
  Result<Profile> profile = ParseProfile(text, "test.toml");
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(
      profile.status().message(),
      StartsWith("test.toml line " + std::to_string(LineOf(text, "= = 9")) + ", column 16: "));
}

// --- Loading files. ---

class ProfileFileTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, std::string_view text) {
    std::ofstream(directory_.File(name)) << text;
  }

  muster::testing::TempDir directory_;
};

TEST_F(ProfileFileTest, LoadsByIdFromTheDirectory) {
  Write("test-profile.toml", kValidProfile);
  Result<Profile> profile = LoadProfile("test-profile", directory_.path());
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->id, "test-profile");
}

TEST_F(ProfileFileTest, LoadsADirectPath) {
  Write("anything.toml", kValidProfile);
  Result<Profile> profile =
      LoadProfile(directory_.File("anything.toml"), "/nonexistent-profile-dir");
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->id, "test-profile");
}

TEST_F(ProfileFileTest, UnknownIdIsNotFound) {
  Result<Profile> profile = LoadProfile("no-such-profile", directory_.path());
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(profile.status().message(), HasSubstr("no-such-profile.toml"));
}

TEST_F(ProfileFileTest, MissingFileIsNotFound) {
  Result<Profile> profile = LoadProfileFile(directory_.File("missing.toml"));
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kNotFound);
}

TEST_F(ProfileFileTest, FileWhoseIdDiffersFromItsNameIsRejected) {
  Write("other.toml", kValidProfile);
  Result<Profile> profile = LoadProfile("other", directory_.path());
  ASSERT_FALSE(profile.ok());
  EXPECT_EQ(profile.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(profile.status().message(),
              HasSubstr("declares profile 'test-profile', expected 'other'"));
}

TEST_F(ProfileFileTest, ErrorsNameTheFile) {
  Write("broken.toml", Edited("max_days = 30", "max_days = 10"));
  Result<Profile> profile = LoadProfileFile(directory_.File("broken.toml"));
  ASSERT_FALSE(profile.ok());
  EXPECT_THAT(profile.status().message(), HasSubstr("broken.toml line "));
  EXPECT_THAT(profile.status().message(),
              HasSubstr("appearance.default_days: 14 is greater than appearance.max_days 10"));
}

// --- Validation: each broken profile fails with its specific message. ---

struct BrokenProfile {
  std::string name;
  std::string old_text;
  std::string new_text;
  std::string expected;  // a substring of the error message
};

void PrintTo(const BrokenProfile& broken, std::ostream* out) { *out << broken.name; }

class ProfileValidationTest : public ::testing::TestWithParam<BrokenProfile> {};

TEST_P(ProfileValidationTest, FailsWithTheSpecificMessage) {
  const BrokenProfile& broken = GetParam();
  Result<Profile> profile = ParseProfile(Edited(broken.old_text, broken.new_text), "test.toml");
  ASSERT_FALSE(profile.ok()) << "accepted a broken profile: " << broken.name;
  EXPECT_EQ(profile.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(profile.status().message(), HasSubstr(broken.expected));
}

const BrokenProfile kBrokenProfiles[] = {
    // Missing required fields.
    {"MissingVersion", "version = \"1\"\n", "", "version: required key is missing"},
    {"MissingMinAge", "min_age = 18\n", "", "liability.min_age: required key is missing"},
    {"MissingServiceTiming", "timing = \"after_calendar_days\"\n", "",
     "channels.register.service[0].timing: required key is missing"},
    {"MissingDeemedDays", "days = 7\n", "",
     "channels.register.service[0].days: required key is missing"},
    {"MissingNoShowDays", "days_after_appearance = 20\n", "",
     "measures.driving.days_after_appearance: required key is missing"},
    {"MissingRuleId", "rule_id = \"test-profile/exit\"\n", "",
     "measures.exit.rule_id: required key is missing"},
    {"MissingLegalBases", "[legal_bases]\nlaw-a = \"Law A, art. 1\"\nlaw-b = \"Law B, art. 2\"\n",
     "", "legal_bases: required key is missing"},
    // Wrong types.
    {"MaxAgeAsString", "max_age = 30", "max_age = \"30\"",
     "liability.max_age: expected an integer, got a string"},
    {"MaxDaysAsFloat", "max_days = 30", "max_days = 30.0",
     "appearance.max_days: expected an integer, got a floating-point number"},
    {"DateInQuotes", "effective_from = 2024-09-01", "effective_from = \"2024-09-01\"",
     "effective_from: expected a TOML date written without quotes"},
    {"SuspendAsString", "suspend_measures = false", "suspend_measures = \"no\"",
     "objections.suspend_measures: expected a boolean"},
    {"SexesAsString", "sexes = [\"M\"]", "sexes = \"M\"",
     "liability.sexes: expected an array of strings, got a string"},
    {"ChannelAsValue",
     "[channels.register]\nmarks = [\"posted\"]\n\n[[channels.register.service]]\n"
     "mark = \"posted\"\ntiming = \"after_calendar_days\"\ndays = 7\n"
     "rule_id = \"test-profile/register\"\nlegal_basis = \"law-b\"\n",
     "[channels]\nregister = 7\n", "channels.register: expected a table, got an integer"},
    {"EmptyTitle", "title = \"Test profile\"", "title = \"\"", "title: must not be empty"},
    // Contradictions.
    {"MinAgeAboveMaxAge", "min_age = 18", "min_age = 40",
     "liability.min_age: 40 is greater than liability.max_age 30"},
    {"EmptyAgeRange", "max_age = 30", "max_age = 18",
     "liability.max_age: equals liability.min_age while max_age_inclusive = false"},
    {"AppearanceMinAboveDefault", "min_days = 3", "min_days = 15",
     "appearance.min_days: 15 is greater than appearance.default_days 14"},
    {"AppearanceDefaultAboveMax", "default_days = 14", "default_days = 31",
     "appearance.default_days: 31 is greater than appearance.max_days 30"},
    {"NegativeDeemedDays", "days = 7", "days = -1",
     "channels.register.service[0].days: must be >= 0, got -1"},
    {"NegativeNoShowDays", "days_after_appearance = 20", "days_after_appearance = -20",
     "measures.driving.days_after_appearance: must be >= 0, got -20"},
    {"NegativeAppearanceDays", "min_days = 3", "min_days = -3",
     "appearance.min_days: must be >= 0, got -3"},
    {"HourOutOfRange", "default_hour = 9", "default_hour = 24",
     "appearance.default_hour: must be <= 23, got 24"},
    {"NegativeLiftDeadline", "deadline_hours = 24", "deadline_hours = -1",
     "lifting.deadline_hours: must be >= 0, got -1"},
    {"EffectiveUntilBeforeFrom", "effective_from = 2024-09-01\n",
     "effective_from = 2024-09-01\neffective_until = 2024-08-31\n",
     "effective_until: 2024-08-31 is before effective_from 2024-09-01"},
    {"RolloutBeforeEffectiveFrom", "from = 2024-09-01\nregions", "from = 2024-08-31\nregions",
     "rollout[0].from: 2024-08-31 is before effective_from 2024-09-01"},
    {"RolloutAfterEffectiveUntil", "effective_from = 2024-09-01\n",
     "effective_from = 2024-09-01\neffective_until = 2025-04-30\n",
     "rollout[1].from: 2025-05-01 is after effective_until 2025-04-30"},
    {"RolloutOutOfOrder", "from = 2025-05-01", "from = 2025-05-01\n[[rollout]]\nfrom = 2024-12-01",
     "rollout[2].from: 2024-12-01 is before the previous stage's 2025-05-01"},
    // Service marks.
    {"ServiceMarkNotAChannelMark", "mark = \"delivered\"", "mark = \"deliverd\"",
     "channels.registered_mail.service[0].mark: 'deliverd' is not one of "
     "channels.registered_mail.marks (sent, delivered, addressee_absent)"},
    {"TwoServiceRulesForOneMark", "mark = \"addressee_absent\"", "mark = \"delivered\"",
     "channels.registered_mail.service[1].mark: a second service rule for mark 'delivered'"},
    {"DuplicateMark", "marks = [\"sent\", \"delivered\", \"addressee_absent\"]",
     "marks = [\"sent\", \"delivered\", \"sent\"]",
     "channels.registered_mail.marks[2]: duplicate value 'sent' (also at "
     "channels.registered_mail.marks[0])"},
    {"MarkNotSnakeCase", "marks = [\"sent\", \"delivered\", \"addressee_absent\"]",
     "marks = [\"sent\", \"delivered\", \"Addressee absent\"]",
     "channels.registered_mail.marks[2]: 'Addressee absent' is not a lower-case snake_case name"},
    {"UnknownTiming", "timing = \"after_working_days\"", "timing = \"after_business_days\"",
     "channels.registered_mail.service[1].timing: unknown timing 'after_business_days'"},
    {"DaysWithImmediateTiming", "mark = \"posted\"\ntiming = \"immediately\"\n",
     "mark = \"posted\"\ntiming = \"immediately\"\ndays = 1\n",
     "channels.portal.service[0].days: only allowed with timing after_calendar_days"},
    {"ChannelWithoutServiceRules",
     "[[channels.portal.service]]\nmark = \"posted\"\ntiming = \"immediately\"\n"
     "rule_id = \"test-profile/portal\"\nlegal_basis = \"law-a\"\n",
     "service = []\n", "channels.portal.service: needs at least one rule"},
    // Legal bases and rule ids.
    {"MeasureLegalBasisUnknown", "rule_id = \"test-profile/exit\"\nlegal_basis = \"law-b\"",
     "rule_id = \"test-profile/exit\"\nlegal_basis = \"law-c\"",
     "measures.exit.legal_basis: unknown legal basis 'law-c' (not a key of [legal_bases])"},
    {"ServiceLegalBasisUnknown", "rule_id = \"test-profile/register\"\nlegal_basis = \"law-b\"",
     "rule_id = \"test-profile/register\"\nlegal_basis = \"law-z\"",
     "channels.register.service[0].legal_basis: unknown legal basis 'law-z'"},
    {"RuleIdOfAnotherProfile", "rule_id = \"test-profile/lift\"", "rule_id = \"ru-127fz/lift\"",
     "lifting.rule_id: 'ru-127fz/lift' must have the form 'test-profile/<name>'"},
    {"LegalBasisEmptyCitation", "law-b = \"Law B, art. 2\"", "law-b = \"\"",
     "legal_bases.law-b: must not be empty"},
    // Unknown names.
    {"UnknownChannel", "[channels.register]", "[channels.fax]",
     "channels.fax: unknown channel 'fax' (expected one of portal, registered_mail, in_person, "
     "register)"},
    {"UnknownMeasure", "[measures.driving]", "[measures.curfew]",
     "measures.curfew: unknown measure 'curfew'"},
    {"UnknownSex", "sexes = [\"M\"]", "sexes = [\"M\", \"X\"]",
     "test.toml line 20: liability.sexes[1]: unknown sex 'X' (expected M or F)"},
    {"UnknownTrigger", "trigger = \"after_no_show\"", "trigger = \"after_court_order\"",
     "measures.driving.trigger: unknown trigger 'after_court_order'"},
    {"UnknownKey", "default_hour = 9", "default_hour = 9\ndefault_dasy = 14",
     "appearance.default_dasy: unknown key"},
    {"UnknownTopLevelKey", "version = \"1\"", "version = \"1\"\nversoin = \"2\"",
     "versoin: unknown key"},
    {"UnknownRegion", "regions = [\"RYA\", \"SAK\"]", "regions = [\"RYA\", \"XX\"]",
     "rollout[0].regions[1]: unknown region code 'XX'"},
    {"BadCountry", "country = \"RU\"", "country = \"Russia\"",
     "country: 'Russia' is not an ISO 3166-1 alpha-2 code"},
    {"BadProfileId", "id = \"test-profile\"", "id = \"Test Profile\"",
     "id: 'Test Profile' is not a profile id"},
    // Duplicates.
    {"DuplicateSex", "sexes = [\"M\"]", "sexes = [\"M\", \"m\"]",
     "liability.sexes[1]: duplicate sex M"},
    {"DuplicateRegion", "regions = [\"RYA\", \"SAK\"]", "regions = [\"RYA\", \"RYA\"]",
     "rollout[0].regions[1]: duplicate value 'RYA'"},
    {"DuplicateExcuseReason", "reasons = [\"illness\", \"force_majeure\"]",
     "reasons = [\"illness\", \"illness\"]", "excuses.reasons[1]: duplicate value 'illness'"},
    // A channel or measure defined twice is rejected by the TOML parser, with its position.
    {"DuplicateChannel", "[channels.register]", "[channels.portal]",
     "column 1: Error while parsing table header: cannot redefine existing table "
     "'channels.portal'"},
    {"DuplicateMeasure", "[measures.driving]", "[measures.exit]",
     "column 1: Error while parsing table header: cannot redefine existing table "
     "'measures.exit'"},
};

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileValidationTest, ::testing::ValuesIn(kBrokenProfiles),
                         [](const ::testing::TestParamInfo<BrokenProfile>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace muster
