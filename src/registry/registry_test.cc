// The summons lifecycle and its due-process gates, end to end through a real SQLite store.
#include "registry/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger/ledger.h"
#include "testing/registry_fixture.h"

namespace muster {
namespace {

using ::testing::HasSubstr;
using testing::AddPerson;
using testing::At;
using testing::Count;
using testing::Day;
using testing::Events;
using testing::MeasuresInForce;
using testing::PersonSpec;

CommandContext Officer(std::string key = "") { return {.idempotency_key = std::move(key), .actor = "officer"}; }

std::string SummonsStatus(Registry& registry, SummonsId id) {
  auto query = Query::Make(registry.connection(), "SELECT status FROM summonses WHERE summons_id = $1");
  query->Bind(id);
  EXPECT_TRUE(*query->Next());
  std::string status = query->Text(0);
  query->Finish();
  return status;
}

std::optional<Instant> ServedAt(Registry& registry, SummonsId id) {
  auto query = Query::Make(registry.connection(), "SELECT served_at FROM summonses WHERE summons_id = $1");
  query->Bind(id);
  EXPECT_TRUE(*query->Next());
  auto served = query->OptionalInt(0);
  query->Finish();
  if (!served) return std::nullopt;
  return FromUnixSeconds(*served);
}

class RuLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
  }

  SummonsId Issue(PersonId person, std::vector<Channel> channels = {}) {
    auto summons = registry_->IssueSummons(Officer(), {.person_id = person, .channels = std::move(channels)});
    EXPECT_TRUE(summons.ok()) << summons.status().ToString();
    return summons.ok() ? *summons : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RuLifecycleTest, PortalPostingServesAtOnceAndStartsTheExitBan) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  EXPECT_EQ(SummonsStatus(*registry_, summons), "served");
  EXPECT_EQ(ServedAt(*registry_, summons), At("2026-04-01T09:00:00+03:00"));
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM measures WHERE person_id = $1 AND kind = 'exit' AND lifted_at IS NULL", person), 1);
  EXPECT_EQ(MeasuresInForce(*registry_, person), 1);
}

TEST_F(RuLifecycleTest, RegisterPostingIsDeemedServedWhenSevenLocalDaysHaveExpired) {
  PersonId person = AddPerson(*registry_, {.portal = false});
  SummonsId summons = Issue(person);
  EXPECT_EQ(SummonsStatus(*registry_, summons), "issued");
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0) << "no measure without proof of service";
  // Posted 1 April; the 7 days are 2–8 April; deemed served at 00:00 Moscow time on 9 April.
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-08T23:59:59+03:00")).ok());
  EXPECT_EQ(SummonsStatus(*registry_, summons), "issued");
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-09T00:00:00+03:00")).ok());
  EXPECT_EQ(SummonsStatus(*registry_, summons), "served");
  EXPECT_EQ(ServedAt(*registry_, summons), At("2026-04-09T00:00:00+03:00"));
  EXPECT_EQ(MeasuresInForce(*registry_, person), 1);
}

TEST_F(RuLifecycleTest, RegisteredMailServesAtDeliveryOrRefusalButNotWhenSent) {
  PersonId delivered = AddPerson(*registry_, {.portal = false, .serial = 1});
  PersonId refused = AddPerson(*registry_, {.portal = false, .serial = 2});
  SummonsId first = Issue(delivered, {Channel::kRegisteredMail});
  SummonsId second = Issue(refused, {Channel::kRegisteredMail});
  EXPECT_EQ(SummonsStatus(*registry_, first), "issued") << "'sent' is evidence, not service";
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-03T12:00:00+03:00")).ok());
  ASSERT_TRUE(registry_->RecordServiceMark(Officer(), first, Channel::kRegisteredMail, "delivered", At("2026-04-03T10:15:00+03:00"), "tracking 80080012345678").ok());
  ASSERT_TRUE(registry_->RecordServiceMark(Officer(), second, Channel::kRegisteredMail, "refused", At("2026-04-03T11:00:00+03:00"), "tracking 80080012345679").ok());
  EXPECT_EQ(ServedAt(*registry_, first), At("2026-04-03T10:15:00+03:00"));
  EXPECT_EQ(ServedAt(*registry_, second), At("2026-04-03T11:00:00+03:00"));
  EXPECT_EQ(MeasuresInForce(*registry_, delivered), 1);
  EXPECT_EQ(MeasuresInForce(*registry_, refused), 1);
}

TEST_F(RuLifecycleTest, InPersonRefusalCountsAsService) {
  PersonId person = AddPerson(*registry_, {.portal = false});
  SummonsId summons = Issue(person, {Channel::kInPerson});
  EXPECT_EQ(SummonsStatus(*registry_, summons), "issued");
  ASSERT_TRUE(registry_->RecordServiceMark(Officer(), summons, Channel::kInPerson, "refused", At("2026-04-01T09:00:00+03:00"), "refusal act").ok());
  EXPECT_EQ(SummonsStatus(*registry_, summons), "served");
}

TEST_F(RuLifecycleTest, SixMeasuresStartTwentyCalendarDaysAfterTheAppearanceDate) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);  // appearance 15 April 09:00 by the profile's default of 14 days
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-05T23:59:59+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 1);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-06T00:00:00+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 7);
  for (std::string kind : {"driving", "vehicle_registration", "credit", "real_estate", "entrepreneur", "self_employed"}) {
    auto query = Query::Make(registry_->connection(), "SELECT start_at, rule_id FROM measures WHERE person_id = $1 AND kind = $2");
    query->Bind(person).Bind(kind);
    ASSERT_TRUE(*query->Next()) << kind;
    EXPECT_EQ(FromUnixSeconds(query->Int(0)), At("2026-05-06T00:00:00+03:00")) << kind;
    EXPECT_EQ(query->Text(1), "ru-127fz/no-show-measures");
    query->Finish();
  }
}

TEST_F(RuLifecycleTest, AppearanceLiftsEveryMeasureInTheSameTransaction) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-10T10:00:00+03:00")).ok());
  ASSERT_EQ(MeasuresInForce(*registry_, person), 7);
  ASSERT_TRUE(registry_->RecordAppearance(Officer(), summons, registry_->Now()).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM measures WHERE person_id = $1 AND lifted_at = (SELECT at FROM appearances) ", person), 7);
  EXPECT_EQ(SummonsStatus(*registry_, summons), "appeared");
  // Nothing more falls due for a closed summons.
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM due_actions WHERE summons_id = $1", summons), 0);
}

TEST_F(RuLifecycleTest, AppearanceBeforeTheDeadlinePreventsTheSixMeasures) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-15T09:30:00+03:00")).ok());
  ASSERT_TRUE(registry_->RecordAppearance(Officer(), summons, registry_->Now()).ok());
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-06-01T00:00:00+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM measures WHERE person_id = $1", person), 1) << "only the exit ban ever existed";
}

TEST_F(RuLifecycleTest, AcceptedExcuseLiftsAndPreventsMeasures) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  auto excuse = registry_->FileExcuse(Officer(), summons, "illness", "certificate of incapacity 123");
  ASSERT_TRUE(excuse.ok()) << excuse.status().ToString();
  ASSERT_TRUE(registry_->DecideExcuse(Officer(), *excuse, true, "verified").ok());
  EXPECT_EQ(SummonsStatus(*registry_, summons), "excused");
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-06-01T00:00:00+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
}

TEST_F(RuLifecycleTest, PendingExcuseWithholdsMeasuresUntilItIsRejected) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  auto excuse = registry_->FileExcuse(Officer(), summons, "force_majeure", "flood certificate");
  ASSERT_TRUE(excuse.ok());
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-07T00:00:00+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 1) << "the six are withheld while the excuse is pending";
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM decisions WHERE person_id = $1 AND outcome = 'withheld: excuse_pending'", person), 6);
  ASSERT_TRUE(registry_->DecideExcuse(Officer(), *excuse, false, "not documented").ok());
  ASSERT_TRUE(registry_->RunDue().ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 7);
}

TEST_F(RuLifecycleTest, CancelledSummonsLiftsItsMeasures) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  ASSERT_TRUE(registry_->CancelSummons(Officer(), summons, "issued in error").ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  EXPECT_EQ(SummonsStatus(*registry_, summons), "cancelled");
}

// --- Gates -----------------------------------------------------------------------------------

TEST_F(RuLifecycleTest, ActiveDefermentRefusesASummons) {
  PersonId person = AddPerson(*registry_, {});
  ASSERT_TRUE(registry_->GrantGround(Officer(), {.person_id = person, .basis = "student_full_time", .valid_from = Day("2025-09-01"), .valid_until = Day("2029-06-30"), .evidence = "enrolment certificate"}).ok());
  int64_t before = Events(*registry_);
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person});
  EXPECT_EQ(summons.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(summons.status().message(), HasSubstr("gate deferment"));
  EXPECT_THAT(summons.status().message(), HasSubstr("student_full_time"));
  EXPECT_EQ(Events(*registry_), before) << "a refused command changes nothing";
}

TEST_F(RuLifecycleTest, ExpiredDefermentNoLongerBlocks) {
  PersonId person = AddPerson(*registry_, {});
  ASSERT_TRUE(registry_->GrantGround(Officer(), {.person_id = person, .basis = "student_full_time", .valid_from = Day("2022-09-01"), .valid_until = Day("2026-03-31"), .evidence = "old"}).ok());
  EXPECT_TRUE(registry_->IssueSummons(Officer(), {.person_id = person}).ok());
}

TEST_F(RuLifecycleTest, ExemptionRefusesASummons) {
  PersonId person = AddPerson(*registry_, {});
  ASSERT_TRUE(registry_->GrantGround(Officer(), {.person_id = person, .exemption = true, .basis = "unfit", .valid_from = Day("2024-01-01"), .evidence = "commission decision"}).ok());
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person});
  EXPECT_THAT(summons.status().message(), HasSubstr("gate exemption"));
}

TEST_F(RuLifecycleTest, PersonsOutsideTheLiableAgesOrSexAreRefused) {
  PersonId too_young = AddPerson(*registry_, {.birth_date = Day("2008-04-02"), .serial = 1});  // 17 on 1 April 2026
  PersonId too_old = AddPerson(*registry_, {.birth_date = Day("1996-04-01"), .serial = 2});    // 30 today
  PersonId woman = AddPerson(*registry_, {.sex = Sex::kFemale, .serial = 3});
  PersonId just_eighteen = AddPerson(*registry_, {.birth_date = Day("2008-04-01"), .serial = 4});
  for (PersonId person : {too_young, too_old, woman}) {
    EXPECT_THAT(registry_->IssueSummons(Officer(), {.person_id = person}).status().message(), HasSubstr("gate not_liable")) << person;
  }
  EXPECT_TRUE(registry_->IssueSummons(Officer(), {.person_id = just_eighteen}).ok());
}

TEST_F(RuLifecycleTest, ASecondOpenSummonsIsRefused) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  EXPECT_THAT(registry_->IssueSummons(Officer(), {.person_id = person, .purpose = "other"}).status().message(), HasSubstr("gate open_summons"));
}

TEST_F(RuLifecycleTest, PendingObjectionBlocksNewMeasuresAndItsRejectionReleasesThem) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  auto objection = registry_->FileObjection(Officer(), person, summons, "not my address");
  ASSERT_TRUE(objection.ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 1) << "ru-127fz: an objection does not suspend measures already in force";
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-07T00:00:00+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 1);
  ASSERT_TRUE(registry_->DecideObjection(Officer(), *objection, false, "address confirmed").ok());
  ASSERT_TRUE(registry_->RunDue().ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 7);
}

TEST_F(RuLifecycleTest, UpheldObjectionCancelsTheSummonsAndLifts) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  auto objection = registry_->FileObjection(Officer(), person, summons, "wrong person");
  ASSERT_TRUE(objection.ok());
  ASSERT_TRUE(registry_->DecideObjection(Officer(), *objection, true, "identity mismatch").ok());
  EXPECT_EQ(SummonsStatus(*registry_, summons), "cancelled");
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
}

TEST_F(RuLifecycleTest, DefermentGrantedAfterServiceLiftsAndWithholdsLaterMeasures) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  ASSERT_EQ(MeasuresInForce(*registry_, person), 1);
  ASSERT_TRUE(registry_->GrantGround(Officer(), {.person_id = person, .basis = "it_specialist", .valid_from = Day("2026-04-01"), .evidence = "accreditation"}).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-07T00:00:00+03:00")).ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM decisions WHERE person_id = $1 AND outcome = 'withheld: deferment'", person), 7);
}

TEST(RolloutTest, TheProfileAppliesOnlyInTestRegionsBeforeNationwideRollout) {
  testing::TempDir dir;
  auto registry = testing::MakeRegistry(dir, "ru-127fz", At("2025-01-15T09:00:00+03:00"));
  PersonId ryazan = AddPerson(*registry, {.office = "RYA-02", .serial = 1});
  PersonId moscow = AddPerson(*registry, {.office = "MOW-01", .serial = 2});
  EXPECT_TRUE(registry->IssueSummons(Officer(), {.person_id = ryazan}).ok());
  EXPECT_THAT(registry->IssueSummons(Officer(), {.person_id = moscow}).status().message(), HasSubstr("gate region_not_active"));
}

// --- Time zones --------------------------------------------------------------------------------

TEST(TimeZoneTest, MidnightDeadlinesFallAtTheOfficesOwnMidnight) {
  testing::TempDir dir;
  auto registry = testing::MakeRegistry(dir, "ru-127fz", At("2026-04-01T00:30:00Z"));
  PersonId kaliningrad = AddPerson(*registry, {.office = "KGD-01", .serial = 1});  // UTC+2
  PersonId vladivostok = AddPerson(*registry, {.office = "PRI-01", .serial = 2});  // UTC+10
  ASSERT_TRUE(registry->IssueSummons(Officer(), {.person_id = kaliningrad}).ok());
  ASSERT_TRUE(registry->IssueSummons(Officer(), {.person_id = vladivostok}).ok());
  // Both appear on 15 April local; the six measures start at 00:00 local on 6 May:
  // 2026-05-05T14:00Z in Vladivostok, 2026-05-05T22:00Z in Kaliningrad.
  ASSERT_TRUE(registry->AdvanceTo(At("2026-05-05T13:59:59Z")).ok());
  EXPECT_EQ(MeasuresInForce(*registry, vladivostok), 1);
  ASSERT_TRUE(registry->AdvanceTo(At("2026-05-05T14:00:00Z")).ok());
  EXPECT_EQ(MeasuresInForce(*registry, vladivostok), 7);
  EXPECT_EQ(MeasuresInForce(*registry, kaliningrad), 1);
  ASSERT_TRUE(registry->AdvanceTo(At("2026-05-05T21:59:59Z")).ok());
  EXPECT_EQ(MeasuresInForce(*registry, kaliningrad), 1);
  ASSERT_TRUE(registry->AdvanceTo(At("2026-05-05T22:00:00Z")).ok());
  EXPECT_EQ(MeasuresInForce(*registry, kaliningrad), 7);
}

// --- Idempotency and bad input ----------------------------------------------------------------

TEST_F(RuLifecycleTest, RetryWithTheSameKeyReturnsTheSameSummonsAndChangesNothing) {
  PersonId person = AddPerson(*registry_, {});
  auto first = registry_->IssueSummons(Officer("req-42"), {.person_id = person});
  ASSERT_TRUE(first.ok());
  int64_t events = Events(*registry_);
  auto retry = registry_->IssueSummons(Officer("req-42"), {.person_id = person});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(*retry, *first);
  EXPECT_EQ(Events(*registry_), events);
}

TEST_F(RuLifecycleTest, TheSameKeyForADifferentRequestIsAConflict) {
  PersonId first = AddPerson(*registry_, {.serial = 1});
  PersonId second = AddPerson(*registry_, {.serial = 2});
  ASSERT_TRUE(registry_->IssueSummons(Officer("req-7"), {.person_id = first}).ok());
  auto conflict = registry_->IssueSummons(Officer("req-7"), {.person_id = second});
  EXPECT_EQ(conflict.status().code(), StatusCode::kAborted);
}

TEST_F(RuLifecycleTest, RepeatedAppearanceRecordIsSafe) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  ASSERT_TRUE(registry_->RecordAppearance(Officer("appear-1"), summons, registry_->Now()).ok());
  int64_t events = Events(*registry_);
  // The same key and request again is the same command: answered as the first run was, even
  // though the summons it closed is no longer open, and nothing changes.
  EXPECT_TRUE(registry_->RecordAppearance(Officer("appear-1"), summons, registry_->Now()).ok());
  EXPECT_EQ(Events(*registry_), events);
  // Another key is another command, which finds the summons closed.
  EXPECT_EQ(registry_->RecordAppearance(Officer("appear-2"), summons, registry_->Now()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Events(*registry_), events);
}

TEST_F(RuLifecycleTest, BadInputIsRefusedPreciselyAndChangesNothing) {
  PersonId person = AddPerson(*registry_, {});
  int64_t events = Events(*registry_);
  EXPECT_EQ(registry_->IssueSummons(Officer(), {.person_id = 999}).status().code(), StatusCode::kNotFound);
  auto too_late = registry_->IssueSummons(Officer(), {.person_id = person, .appearance_at = At("2026-05-15T09:00:00+03:00")});
  EXPECT_THAT(too_late.status().message(), HasSubstr("appearance_at"));
  EXPECT_THAT(too_late.status().message(), HasSubstr("44 days"));
  EXPECT_EQ(Events(*registry_), events);
  SummonsId summons = Issue(person, {Channel::kRegisteredMail});
  events = Events(*registry_);
  auto bad_mark = registry_->RecordServiceMark(Officer(), summons, Channel::kRegisteredMail, "lost", registry_->Now(), "x");
  EXPECT_THAT(bad_mark.status().message(), HasSubstr("mark: 'lost' is not a mark of channel registered_mail"));
  auto future = registry_->RecordServiceMark(Officer(), summons, Channel::kRegisteredMail, "delivered", registry_->Now() + std::chrono::hours(1), "x");
  EXPECT_THAT(future.status().message(), HasSubstr("in the future"));
  EXPECT_THAT(registry_->FileExcuse(Officer(), summons, "hangover", "none").status().message(), HasSubstr("not a valid excuse"));
  EXPECT_THAT(registry_->FileExcuse(Officer(), summons, "illness", "").status().message(), HasSubstr("documentary proof"));
  EXPECT_EQ(Events(*registry_), events);
  NewPerson bad;
  bad.family_name = "Петров";
  bad.given_name = "Пётр";
  bad.office = "RYA-01";
  bad.birth_date = Day("2000-01-01");
  bad.identifiers = {{IdentifierKind::kSnils, "112-233-445 96"}};
  EXPECT_THAT(registry_->RegisterPerson(Officer(), bad).status().message(), HasSubstr("snils: check number mismatch"));
  bad.identifiers = {};
  bad.office = "XXX-01";
  EXPECT_THAT(registry_->RegisterPerson(Officer(), bad).status().message(), HasSubstr("office"));
  EXPECT_EQ(Events(*registry_), events);
}

TEST_F(RuLifecycleTest, DuplicateIdentifierRejectsTheWholeBatch) {
  AddPerson(*registry_, {.serial = 5});
  int64_t events = Events(*registry_);
  NewPerson copy;
  copy.family_name = "Сидоров";
  copy.given_name = "Сидор";
  copy.office = "RYA-01";
  copy.birth_date = Day("2001-01-01");
  copy.identifiers = {{IdentifierKind::kSnils, testing::TestSnils(5)}};
  NewPerson fresh = copy;
  fresh.identifiers = {{IdentifierKind::kSnils, testing::TestSnils(6)}};
  auto result = registry_->RegisterPersons(Officer(), {fresh, copy}, {});
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Events(*registry_), events) << "nothing half-applied";
}

TEST_F(RuLifecycleTest, ReopenedRegistryKeepsItsClockAndState) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-04-10T00:00:00+03:00")).ok());
  registry_.reset();
  auto connection = OpenStore(testing::StoreUrl(dir_, "registry"), OpenMode::kExisting);
  ASSERT_TRUE(connection.ok());
  auto reopened = Registry::Open(std::move(connection).value());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Now(), At("2026-04-10T00:00:00+03:00"));
  EXPECT_EQ(MeasuresInForce(**reopened, person), 1);
  EXPECT_TRUE(VerifyLedger((*reopened)->connection()).ok());
}

TEST_F(RuLifecycleTest, ExplainCitesTheServiceEventRuleAndProfile) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-05-07T00:00:00+03:00")).ok());
  auto explanation = registry_->Explain(person);
  ASSERT_TRUE(explanation.ok()) << explanation.status().ToString();
  ASSERT_EQ(explanation->measures.size(), 7u);
  const MeasureExplanation& exit = explanation->measures.front();
  EXPECT_TRUE(exit.in_force);
  std::string text;
  for (const std::string& line : exit.lines) text += line + "\n";
  EXPECT_THAT(text, HasSubstr("ru-127fz/exit-ban"));
  EXPECT_THAT(text, HasSubstr("profile version 2026.1"));
  EXPECT_THAT(text, HasSubstr("portal posted at 2026-04-01 09:00 +03, served 2026-04-01 09:00 +03"));
}

// --- A second profile: the same engine, different outcomes ------------------------------------

class UaLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ua-mobilisation", At("2026-03-02T10:00:00+02:00"));  // a Monday
    ASSERT_NE(registry_, nullptr);
  }
  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(UaLifecycleTest, AddresseeAbsentIsDeemedServedAfterThreeWorkingDays) {
  PersonId person = AddPerson(*registry_, {.birth_date = Day("1990-05-05"), .office = "MOW-01", .portal = false});
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person, .channels = {Channel::kRegisteredMail}});
  ASSERT_TRUE(summons.ok()) << summons.status().ToString();
  // "Addressee absent" marked on Wednesday 4 March: working days Thu 5, Fri 6, Mon 9 →
  // deemed served at 00:00 local on Tuesday 10 March.
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-03-04T18:00:00+03:00")).ok());
  ASSERT_TRUE(registry_->RecordServiceMark(Officer(), *summons, Channel::kRegisteredMail, "addressee_absent", At("2026-03-04T11:00:00+03:00"), "postal notice").ok());
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-03-09T23:59:00+03:00")).ok());
  EXPECT_EQ(SummonsStatus(*registry_, *summons), "issued");
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-03-10T00:00:00+03:00")).ok());
  EXPECT_EQ(ServedAt(*registry_, *summons), At("2026-03-10T00:00:00+03:00"));
}

TEST_F(UaLifecycleTest, NoShowBringsNoAutomaticDrivingBanAndAgesAreDifferent) {
  PersonId liable = AddPerson(*registry_, {.birth_date = Day("1990-05-05"), .office = "MOW-01", .serial = 1});
  PersonId young = AddPerson(*registry_, {.birth_date = Day("2004-06-15"), .office = "MOW-01", .serial = 2});
  EXPECT_THAT(registry_->IssueSummons(Officer(), {.person_id = young}).status().message(), HasSubstr("not_liable"))
      << "21-year-olds are liable under ru-127fz but not under this profile";
  ASSERT_TRUE(registry_->IssueSummons(Officer(), {.person_id = liable, .channels = {Channel::kPortal}}).ok());
  ASSERT_TRUE(registry_->AdvanceTo(At("2026-06-01T00:00:00+03:00")).ok());
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM measures WHERE person_id = $1 AND kind <> 'exit'", liable), 0);
  EXPECT_EQ(MeasuresInForce(*registry_, liable), 1);
}

TEST_F(UaLifecycleTest, AnObjectionSuspendsMeasuresUnderThisProfile) {
  PersonId person = AddPerson(*registry_, {.birth_date = Day("1990-05-05"), .office = "MOW-01"});
  auto summons = registry_->IssueSummons(Officer(), {.person_id = person, .channels = {Channel::kPortal}});
  ASSERT_TRUE(summons.ok());
  ASSERT_EQ(MeasuresInForce(*registry_, person), 1);
  ASSERT_TRUE(registry_->FileObjection(Officer(), person, *summons, "medical grounds").ok());
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
}

}  // namespace
}  // namespace muster
