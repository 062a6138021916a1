// The measure index: what each consumer is told, consistency after a restart and across two
// nodes tailing one store, freshness within a second, and the document map.
#include "enforcement/measure_index.h"

#include <chrono>
#include <set>
#include <thread>

#include "enforcement/checks.h"
#include "enforcement/tailer.h"
#include "enforcement/test_support.h"

namespace muster::enforcement {
namespace {

using testing::AddPerson;
using testing::At;
using testing::ConsumerNamed;
using testing::EnforcementTest;
using testing::EventMaker;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Officer;
using testing::OpenAgain;
using testing::RecordingJournal;

std::set<std::string> Keys(const boost::json::object& object) {
  std::set<std::string> keys;
  for (const auto& item : object) keys.insert(std::string(item.key()));
  return keys;
}

// Every answer of every consumer for persons 1..last, as text: two indexes agree iff these do.
std::string Everything(const MeasureIndex& index, PersonId last, Instant now) {
  std::string text;
  for (PersonId person = 1; person <= last + 1; ++person) {
    for (const Consumer& consumer : AllConsumers()) {
      CheckAnswer answer = index.Check(consumer, person, now);
      text += std::string(consumer.id) + ":" + CheckAnswerJson(answer) + "\n";
    }
  }
  return text;
}

TEST_F(EnforcementTest, ALendersAnswerCarriesNothingButCredit) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  AdvanceTo("2026-05-06T00:00:00+03:00");  // all seven measures in force
  MeasureIndex index;
  ASSERT_TRUE(index.CatchUp(registry_->connection()).ok());

  CheckAnswer answer = index.Check(ConsumerNamed("lenders"), person, registry_->Now());
  ASSERT_EQ(answer.count, 1);
  EXPECT_EQ(answer.measures[0].kind, MeasureKind::kCredit);
  EXPECT_EQ(answer.in_force, KindBit(MeasureKind::kCredit));
  EXPECT_EQ(answer.measures[0].since, At("2026-05-06T00:00:00+03:00"));

  std::string json = CheckAnswerJson(answer);
  auto parsed = boost::json::parse(json).as_object();
  EXPECT_EQ(Keys(parsed),
            (std::set<std::string>{"person_id", "in_force", "lift_at_office", "measures"}));
  ASSERT_EQ(parsed["measures"].as_array().size(), 1u);
  EXPECT_EQ(Keys(parsed["measures"].as_array()[0].as_object()),
            (std::set<std::string>{"kind", "measure_id", "since"}));
  EXPECT_EQ(parsed["measures"].as_array()[0].as_object()["kind"].as_string(), "credit");
  EXPECT_EQ(parsed["lift_at_office"].as_string(), "RYA-01");
  // Nothing of the person, nor of any other agency's measures.
  const std::string snils = muster::testing::TestSnils(1);
  for (std::string_view absent :
       {std::string_view("exit"), std::string_view("driving"), std::string_view("vehicle"),
        std::string_view("real_estate"), std::string_view("entrepreneur"),
        std::string_view("self_employed"), std::string_view("Иван"), std::string_view("Ivan"),
        std::string_view("2004"), std::string_view("snils"), std::string_view(snils)}) {
    EXPECT_THAT(json, Not(HasSubstr(std::string(absent)))) << absent;
  }

  // Border control sees the exit ban only; traffic police its two; tax its two.
  EXPECT_EQ(index.Check(ConsumerNamed("border"), person, registry_->Now()).in_force,
            KindBit(MeasureKind::kExit));
  EXPECT_EQ(index.Check(ConsumerNamed("traffic_police"), person, registry_->Now()).in_force,
            KindBit(MeasureKind::kDriving) | KindBit(MeasureKind::kVehicleRegistration));
  EXPECT_EQ(index.Check(ConsumerNamed("tax"), person, registry_->Now()).in_force,
            KindBit(MeasureKind::kEntrepreneur) | KindBit(MeasureKind::kSelfEmployed));
  EXPECT_EQ(index.Check(ConsumerNamed("land_registry"), person, registry_->Now()).count, 1);
}

TEST_F(EnforcementTest, BeforeTheNoShowMeasuresOnlyTheExitBanIsInForce) {
  PersonId person = AddPerson(*registry_, {});
  PersonId other = AddPerson(*registry_, {.serial = 2});
  Issue(person);
  MeasureIndex index;
  ASSERT_TRUE(index.CatchUp(registry_->connection()).ok());
  EXPECT_EQ(CheckAnswerJson(index.Check(ConsumerNamed("lenders"), person, registry_->Now())),
            "{\"person_id\":" + std::to_string(person) + ",\"in_force\":false}");
  EXPECT_EQ(index.Check(ConsumerNamed("border"), person, registry_->Now()).count, 1);
  EXPECT_EQ(index.Check(ConsumerNamed("border"), other, registry_->Now()).count, 0);
  CheckAnswer unknown = index.Check(ConsumerNamed("border"), other + 100, registry_->Now());
  EXPECT_FALSE(unknown.known);
  EXPECT_EQ(CheckAnswerJson(unknown),
            "{\"person_id\":" + std::to_string(other + 100) + ",\"known\":false}");
}

TEST_F(EnforcementTest, TwoNodesTailingOneStoreSeeEveryChangeAfterCatchUp) {
  PersonId person = AddPerson(*registry_, {});
  auto node_a = OpenAgain(dir_);
  auto node_b = OpenAgain(dir_);
  MeasureIndex index_a;
  MeasureIndex index_b;
  ASSERT_TRUE(index_a.Load(*node_a).ok());
  ASSERT_TRUE(index_b.Load(*node_b).ok());
  const Consumer& border = ConsumerNamed("border");
  EXPECT_EQ(index_a.Check(border, person, registry_->Now()).count, 0);

  SummonsId summons = Issue(person);  // made through the registry's own connection
  ASSERT_TRUE(index_a.CatchUp(*node_a).ok());
  ASSERT_TRUE(index_b.CatchUp(*node_b).ok());
  EXPECT_EQ(index_a.applied_seq(), Head());
  EXPECT_EQ(index_b.applied_seq(), Head());
  EXPECT_EQ(index_a.Check(border, person, registry_->Now()).count, 1);
  EXPECT_EQ(index_b.Check(border, person, registry_->Now()).count, 1);

  AdvanceTo("2026-05-06T00:00:00+03:00");
  Appear(summons);
  ASSERT_TRUE(index_a.CatchUp(*node_a).ok());
  ASSERT_TRUE(index_b.CatchUp(*node_b).ok());
  EXPECT_EQ(index_a.Check(border, person, registry_->Now()).count, 0);
  EXPECT_EQ(index_b.Check(border, person, registry_->Now()).count, 0);
  EXPECT_EQ(Everything(index_a, person, registry_->Now()),
            Everything(index_b, person, registry_->Now()));
}

TEST_F(EnforcementTest, AnIndexLoadedAfterARestartEqualsOneThatTailedAllAlong) {
  auto tail_connection = OpenAgain(dir_);
  MeasureIndex tailing;  // caught up after every step, as a running node would be
  auto step = [&] { ASSERT_TRUE(tailing.CatchUp(*tail_connection).ok()); };
  std::vector<PersonId> persons;
  std::vector<SummonsId> summonses;
  for (int i = 1; i <= 6; ++i) {
    persons.push_back(AddPerson(*registry_, {.serial = i}));
    step();
  }
  for (int i = 0; i < 5; ++i) {
    summonses.push_back(Issue(persons[static_cast<size_t>(i)]));
    step();
  }
  AdvanceTo("2026-04-10T12:00:00+03:00");
  Appear(summonses[0]);  // lifts the exit ban early
  step();
  AdvanceTo("2026-05-06T00:00:00+03:00");  // the no-show measures for the rest
  step();
  AdvanceTo("2026-05-07T10:00:00+03:00");
  Appear(summonses[1]);
  ASSERT_TRUE(registry_->CancelSummons(Officer(), summonses[2], "sent in error").ok());
  step();

  // Restart: a fresh index from the snapshot, and a fresh index replaying the whole ledger.
  auto restarted_connection = OpenAgain(dir_);
  MeasureIndex loaded;
  ASSERT_TRUE(loaded.Load(*restarted_connection).ok());
  MeasureIndex replayed;
  ASSERT_TRUE(replayed.CatchUp(*restarted_connection).ok());

  const PersonId last = persons.back();
  const Instant now = registry_->Now();
  std::string expected = Everything(tailing, last, now);
  EXPECT_EQ(Everything(loaded, last, now), expected);
  EXPECT_EQ(Everything(replayed, last, now), expected);
  EXPECT_EQ(loaded.applied_seq(), Head());
  EXPECT_EQ(replayed.applied_seq(), Head());
  EXPECT_EQ(loaded.Stats().in_force, tailing.Stats().in_force);
  EXPECT_EQ(loaded.Stats().persons, 6);
  // Persons 4 and 5 still have all seven; 1 and 2 appeared, 3's summons was cancelled, 6 none.
  EXPECT_EQ(tailing.CheckAll(persons[3], now).count, 7);
  EXPECT_EQ(tailing.CheckAll(persons[0], now).count, 0);
  EXPECT_EQ(tailing.CheckAll(persons[2], now).count, 0);
  EXPECT_EQ(tailing.Stats().in_force[0], 2);
}

TEST_F(EnforcementTest, ATailerMakesAChangeOnAnotherNodeVisibleWithinOneSecond) {
  PersonId person = AddPerson(*registry_, {});
  MeasureIndex index;  // another node's index: the registry's writes are not its own
  auto connection = OpenAgain(dir_);
  ASSERT_TRUE(index.Load(*connection).ok());
  auto tailer =
      Tailer::Start(index, std::move(connection), {.interval = std::chrono::milliseconds(100)});
  ASSERT_TRUE(tailer.ok()) << tailer.status().ToString();

  Issue(person);
  const int64_t seq = Head();
  const auto start = std::chrono::steady_clock::now();
  while (index.applied_seq() < seq &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(1)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(index.applied_seq(), seq) << "not visible within one second, no poke";
  EXPECT_EQ(index.Check(ConsumerNamed("border"), person, registry_->Now()).count, 1);
  EXPECT_TRUE((*tailer)->last_status().ok()) << (*tailer)->last_status().ToString();
  EXPECT_TRUE((*tailer)->CheckFresh(std::chrono::seconds(1)).ok());
  EXPECT_TRUE((*tailer)->WaitFor(seq, std::chrono::seconds(5)).ok());
  EXPECT_EQ((*tailer)->WaitFor(seq + 1000, std::chrono::milliseconds(50)).code(),
            StatusCode::kUnavailable);
}

TEST(TailerTest, AnIndexThatCannotCatchUpIsNotFresh) {
  muster::testing::TempDir dir;
  auto connection = OpenStore(muster::testing::StoreUrl(dir, "broken"), OpenMode::kCreate);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  // An empty store: no schema, so every catch-up fails.
  MeasureIndex index;
  auto tailer = Tailer::Start(index, std::move(connection).value(),
                              {.interval = std::chrono::milliseconds(10)});
  ASSERT_TRUE(tailer.ok());
  EXPECT_EQ((*tailer)->WaitFor(1, std::chrono::milliseconds(100)).code(), StatusCode::kUnavailable);
  Status fresh = (*tailer)->CheckFresh(std::chrono::seconds(1));
  EXPECT_EQ(fresh.code(), StatusCode::kUnavailable);
  EXPECT_THAT(fresh.message(), HasSubstr("not caught up yet; last error"));
}

TEST(TailerTest, RefusesAnIntervalThatBreaksTheOneSecondPromise) {
  MeasureIndex index;
  auto tailer = Tailer::Start(index, nullptr, {.interval = std::chrono::milliseconds(500)});
  EXPECT_EQ(tailer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(tailer.status().message(), HasSubstr("interval"));
}

TEST_F(EnforcementTest, DocumentNumbersFindThePersonInAnyCanonicalForm) {
  NewPerson person;
  person.family_name = "Петров";
  person.given_name = "Пётр";
  person.patronymic = "Петрович";
  person.family_name_latin = "Petrov";
  person.given_name_latin = "Petr";
  person.patronymic_latin = "Petrovich";
  person.birth_date = muster::testing::Day("2003-02-10");
  person.office = "RYA-02";
  const std::string inn_body = "5001234567";
  person.identifiers = {{IdentifierKind::kSnils, muster::testing::TestSnils(7)},
                        {IdentifierKind::kPassport, "45 09 123456"},
                        {IdentifierKind::kForeignPassport, "75 1234567"},
                        {IdentifierKind::kInn, inn_body + InnCheckDigits(inn_body)},
                        {IdentifierKind::kDrivingLicence, "99 АВ 123456"}};
  auto id = registry_->RegisterPerson(Officer(), person);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  Issue(*id);

  MeasureIndex index;
  ASSERT_TRUE(index.CatchUp(registry_->connection()).ok());
  RecordingJournal journal;
  CheckService service(index, journal);
  CheckContext context{.consumer = &ConsumerNamed("border"), .at = registry_->Now()};
  for (auto [kind, raw] : std::vector<std::pair<IdentifierKind, std::string>>{
           {IdentifierKind::kPassport, "4509 123456"},
           {IdentifierKind::kForeignPassport, "751234567"},
           {IdentifierKind::kInn, inn_body + InnCheckDigits(inn_body)},
           {IdentifierKind::kDrivingLicence, "99АВ123456"},
           {IdentifierKind::kSnils, muster::testing::TestSnils(7)}}) {
    auto answer = service.CheckDocument(context, kind, raw);
    ASSERT_TRUE(answer.ok()) << raw << ": " << answer.status().ToString();
    EXPECT_EQ(answer->person_id, *id) << raw;
    EXPECT_EQ(answer->count, 1) << raw;
    EXPECT_EQ(answer->office, "RYA-02");
  }
  EXPECT_EQ(journal.records.size(), 5u);

  auto nobody = service.CheckDocument(context, IdentifierKind::kPassport, "4509 654321");
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->known);
  EXPECT_EQ(CheckAnswerJson(*nobody), "{\"in_force\":false}");
  EXPECT_EQ(journal.records.size(), 5u) << "a number nobody holds touches nobody's record";
  auto malformed = service.CheckDocument(context, IdentifierKind::kPassport, "45 09");
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("passport"));
}

TEST(PackDocumentKeyTest, DistinctIdentifiersGetDistinctKeys) {
  std::set<uint64_t> keys;
  std::vector<std::pair<IdentifierKind, std::string>> identifiers = {
      {IdentifierKind::kPassport, "4509123456"},
      {IdentifierKind::kPassport, "0450912345"},
      {IdentifierKind::kSnils, "4509123456"},
      {IdentifierKind::kSnils, "04509123456"},
      {IdentifierKind::kForeignPassport, "450912345"},
      {IdentifierKind::kInn, "450912345600"},
      {IdentifierKind::kDrivingLicence, "4509123456"},
      {IdentifierKind::kDrivingLicence, "45АВ123456"},
      {IdentifierKind::kDrivingLicence, "45ВА123456"},
      {IdentifierKind::kDrivingLicence, "45АА123456"},
      {IdentifierKind::kDrivingLicence, "46АВ123456"},
  };
  for (const auto& [kind, value] : identifiers) {
    auto key = PackDocumentKey(kind, value);
    ASSERT_TRUE(key.has_value()) << value;
    EXPECT_TRUE(keys.insert(*key).second) << value;
  }
  EXPECT_FALSE(PackDocumentKey(IdentifierKind::kDrivingLicence, "45ABC23456").has_value());
}

TEST(MeasureIndexTest, AGapInTheLedgerIsDataLossNotASkip) {
  MeasureIndex index;
  EventMaker events;
  ASSERT_TRUE(index.Apply(events.Person(1)).ok());
  events.Other();  // seq 2 never reaches the index
  Status status = index.Apply(events.Person(2));
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("gap"));
  EXPECT_EQ(index.applied_seq(), 1);
}

TEST(MeasureIndexTest, OverlappingMeasuresOfOneKindStayInForceUntilTheLastIsLifted) {
  MeasureIndex index;
  EventMaker events;
  const Instant t0 = At("2026-04-01T06:00:00Z");
  const Consumer& border = ConsumerNamed("border");
  ASSERT_TRUE(index.Apply(events.Person(1)).ok());
  ASSERT_TRUE(index.Apply(events.Impose(1, 10, MeasureKind::kExit, t0)).ok());
  ASSERT_TRUE(
      index.Apply(events.Impose(1, 11, MeasureKind::kExit, t0 + std::chrono::hours(1))).ok());
  ASSERT_TRUE(index.Apply(events.Lift(1, 10, MeasureKind::kExit, t0 + std::chrono::hours(2))).ok());
  CheckAnswer answer = index.Check(border, 1, t0 + std::chrono::hours(3));
  ASSERT_EQ(answer.count, 1);
  EXPECT_EQ(answer.measures[0].measure_id, 11);
  EXPECT_EQ(answer.measures[0].since, t0 + std::chrono::hours(1));
  ASSERT_TRUE(index.Apply(events.Lift(1, 11, MeasureKind::kExit, t0 + std::chrono::hours(4))).ok());
  EXPECT_EQ(index.Check(border, 1, t0 + std::chrono::hours(5)).count, 0);
  EXPECT_EQ(index.Stats().in_force[0], 0);
}

TEST(MeasureIndexTest, AMeasureIsNotInForceBeforeItTakesEffect) {
  MeasureIndex index;
  EventMaker events;
  const Instant start = At("2026-05-06T00:00:00+03:00");
  ASSERT_TRUE(index.Apply(events.Person(1)).ok());
  ASSERT_TRUE(index.Apply(events.Impose(1, 5, MeasureKind::kCredit, start)).ok());
  EXPECT_EQ(index.Check(ConsumerNamed("lenders"), 1, start - std::chrono::seconds(1)).count, 0);
  EXPECT_EQ(index.Check(ConsumerNamed("lenders"), 1, start).count, 1);
}

TEST(MeasureIndexTest, FollowsIdentifiersRecordedLaterMergedAndSplit) {
  MeasureIndex index;
  EventMaker events;
  namespace json = boost::json;
  const Instant at = At("2026-04-01T06:00:00Z");
  const std::string passport = "4509123456";
  ASSERT_TRUE(index.Apply(events.Person(1)).ok());
  json::object recorded{{"person_id", 2}, {"office", "MOW-03"}, {"identifiers", json::array{}}};
  ASSERT_TRUE(index.Apply(events.Make(events::kPersonRecorded, 2, recorded, at)).ok());
  EXPECT_TRUE(index.Check(ConsumerNamed("border"), 2, at).known) << "on file, not registered";
  EXPECT_EQ(index.Check(ConsumerNamed("border"), 2, at).office, "MOW-03");

  json::object attributes{
      {"person_id", 2},
      {"attributes", json::object{{"passport", passport}, {"family_name", "Ким"}}}};
  ASSERT_TRUE(index.Apply(events.Make(events::kAttributeRecorded, 2, attributes, at)).ok());
  EXPECT_EQ(index.FindDocument(IdentifierKind::kPassport, passport), 2);

  json::object moved{
      {"identifiers", json::array{json::object{{"kind", "passport"}, {"value", passport}}}},
      {"grounds", json::array{}},
      {"attributes", json::array{}}};
  json::object merge{{"merge_id", 1}, {"survivor_id", 1}, {"merged_id", 2}, {"moved", moved}};
  ASSERT_TRUE(index.Apply(events.Make(events::kPersonsMerged, 1, merge, at)).ok());
  EXPECT_EQ(index.FindDocument(IdentifierKind::kPassport, passport), 1);
  json::object split{{"merge_id", 1}, {"survivor_id", 1}, {"restored_id", 2}, {"moved", moved}};
  ASSERT_TRUE(index.Apply(events.Make(events::kPersonSplit, 2, split, at)).ok());
  EXPECT_EQ(index.FindDocument(IdentifierKind::kPassport, passport), 2);
  EXPECT_EQ(index.Stats().persons, 2);
  json::object other{
      {"identifiers", json::array{json::object{{"kind", "inn"}, {"value", "500100732259"}}}},
      {"grounds", json::array{}},
      {"attributes", json::array{}}};
  json::object stray{{"merge_id", 2}, {"survivor_id", 1}, {"restored_id", 2}, {"moved", other}};
  ASSERT_TRUE(index.Apply(events.Make(events::kPersonSplit, 2, stray, at)).ok());
  EXPECT_EQ(index.FindDocument(IdentifierKind::kInn, "500100732259"), std::nullopt)
      << "a split moves nothing that was not there";
  EXPECT_EQ(index.Stats().documents, 1);
}

TEST(MeasureIndexTest, AMalformedPayloadStopsTheIndexJustBeforeIt) {
  MeasureIndex index;
  EventMaker events;
  ASSERT_TRUE(index.Apply(events.Person(1)).ok());
  LedgerEvent bad = events.Impose(1, 5, MeasureKind::kExit, At("2026-04-01T06:00:00Z"));
  bad.payload = "{\"person_id\":1,\"measure_id\":5,\"kind\":\"teleport\"}";
  Status status = index.Apply(bad);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("event 2"));
  EXPECT_EQ(index.applied_seq(), 1);
}

}  // namespace
}  // namespace muster::enforcement
