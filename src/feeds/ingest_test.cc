#include "feeds/ingest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/events.h"
#include "testing/registry_fixture.h"

namespace muster::feeds {
namespace {

using ::testing::HasSubstr;
using testing::AddPerson;
using testing::At;
using testing::Count;
using testing::Day;
using testing::Events;
using testing::MeasuresInForce;
using testing::PersonSpec;
using testing::TestSnils;

// A valid natural person's INN for serial `n`.
std::string TestInn(int n) {
  std::string body = std::to_string(5001000000LL + n);
  return body + InnCheckDigits(body);
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
    auto weights = LoadMatchWeights(testing::SourceDir() / "data/matching/weights.toml");
    ASSERT_TRUE(weights.ok()) << weights.status().ToString();
    auto ingestor = FeedIngestor::Create(*registry_, *weights, {.chunk_records = 3, .piece_records = 2});
    ASSERT_TRUE(ingestor.ok()) << ingestor.status().ToString();
    ingestor_ = std::move(ingestor).value();
  }

  FeedReport Receive(Agency agency, int64_t sequence, const std::string& lines,
                     std::vector<RecordOutcome>* outcomes = nullptr) {
    auto report = ingestor_->Receive({.actor = "test"}, agency, sequence, FeedFormat::kJsonLines,
                                     lines, outcomes);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : FeedReport{};
  }

  std::string Status(PersonId person) {
    auto query = Query::Make(registry_->connection(), "SELECT status FROM persons WHERE person_id = $1");
    EXPECT_TRUE(query.ok());
    query->Bind(person);
    auto found = query->Next();
    EXPECT_TRUE(found.ok() && *found);
    return found.ok() && *found ? query->Text(0) : "";
  }

  PersonId Owner(IdentifierKind kind, const std::string& value) {
    auto person = registry_->FindPerson(kind, value);
    return person.ok() ? *person : 0;
  }

  // The current value of attribute `name` of `person`, as ReadPersonAttributes folds it.
  std::optional<PersonAttribute> Attribute(PersonId person, std::string_view name) {
    auto attributes = ReadPersonAttributes(registry_->connection(), person);
    EXPECT_TRUE(attributes.ok()) << attributes.status().ToString();
    if (!attributes.ok()) return std::nullopt;
    for (const PersonAttribute& attribute : *attributes) {
      if (attribute.name == name) return attribute;
    }
    return std::nullopt;
  }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<FeedIngestor> ingestor_;
};

std::string Line(const std::string& fields) { return "{" + fields + "}\n"; }

// Иванов Иван Иванович, 2004-06-15, RYA (the fixture's person), with `extra` fields.
std::string Ivanov(const std::string& extra) {
  return Line(R"("family_name":"Иванов","given_name":"Иван","patronymic":"Иванович","birth_date":"2004-06-15",)" + extra);
}

TEST_F(IngestTest, BirthsRecordPersonsAndRegisterOnlyThoseWithinTheRegistrationAges) {
  std::string batch =
      Line(R"("event":"birth","family_name":"Новиков","given_name":"Лев","patronymic":"Ильич","birth_date":"2026-03-01","sex":"M","region":"RYA")") +
      Line(R"("event":"birth","family_name":"Смирнов","given_name":"Олег","patronymic":"Ильич","birth_date":"2009-05-05","sex":"M","region":"RYA")") +
      Line(R"("event":"birth","family_name":"Смирнов","given_name":"Пётр","patronymic":"Ильич","birth_date":"1960-05-05","sex":"M","region":"RYA")");
  std::vector<RecordOutcome> outcomes;
  FeedReport report = Receive(Agency::kCivilStatus, 1, batch, &outcomes);
  EXPECT_EQ(report.created, 3);
  ASSERT_EQ(outcomes.size(), 3u);
  PersonId newborn = outcomes[0].person_id, teenager = outcomes[1].person_id, retired = outcomes[2].person_id;
  EXPECT_EQ(Status(newborn), "recorded");
  EXPECT_EQ(Status(teenager), "registered");  // 17 in 2026: on the register from 2026-01-01
  EXPECT_EQ(Status(retired), "recorded");     // past the reserve age limit
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM person_notices WHERE person_id = $1", teenager), 1);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM decisions WHERE person_id = $1 AND rule_id = 'ru-127fz/registration-ages'", teenager), 1);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM person_notices WHERE person_id = $1", newborn), 0);
  // Not on the register: no summons.
  auto summons = registry_->IssueSummons({.actor = "test"}, {.person_id = newborn});
  ASSERT_FALSE(summons.ok());
  EXPECT_THAT(summons.status().message(), HasSubstr("gate deregistered"));
  // Seventeen years on, the sweep puts the newborn on the register.
  ASSERT_TRUE(registry_->AdvanceTo(At("2043-01-01T12:00:00+03:00")).ok());
  auto sweep = registry_->SweepRegistration({.actor = "test"});
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  EXPECT_EQ(sweep->registered, 1);
  EXPECT_EQ(Status(newborn), "registered");
  // And the teenager, 50 in 2059, is taken off then, with a notice.
  ASSERT_TRUE(registry_->AdvanceTo(At("2059-05-06T12:00:00+03:00")).ok());
  sweep = registry_->SweepRegistration({.actor = "test"});
  ASSERT_TRUE(sweep.ok());
  EXPECT_EQ(sweep->deregistered, 1);
  EXPECT_EQ(Status(teenager), "deregistered");
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM person_notices WHERE person_id = $1", teenager), 2);
}

TEST_F(IngestTest, ResendingABatchChangesNothing) {
  PersonId person = AddPerson(*registry_, {});
  std::string batch = Ivanov(R"("event":"inn","snils":")" + TestSnils(1) + R"(","inn":")" + TestInn(1) + "\"") +
                      Line(R"("event":"inn","family_name":"Петров"})");
  FeedReport first = Receive(Agency::kTax, 1, batch);
  EXPECT_EQ(first.linked, 1);
  EXPECT_EQ(first.rejected, 1);
  EXPECT_FALSE(first.resent);
  EXPECT_EQ(Owner(IdentifierKind::kInn, TestInn(1)), person);
  int64_t events = Events(*registry_);
  FeedReport again = Receive(Agency::kTax, 1, batch);
  EXPECT_TRUE(again.resent);
  EXPECT_EQ(again.linked, 1);
  EXPECT_EQ(again.rejected, 1);
  ASSERT_EQ(again.rejections.size(), 1u);
  EXPECT_EQ(again.rejections[0].line, 2);
  EXPECT_EQ(again.checksum, first.checksum);
  EXPECT_EQ(Events(*registry_), events);
}

TEST_F(IngestTest, ADifferentBatchUnderAUsedSequenceIsRefused) {
  AddPerson(*registry_, {});
  Receive(Agency::kTax, 1, Ivanov(R"("event":"inn","inn":")" + TestInn(1) + "\""));
  auto report = ingestor_->Receive({}, Agency::kTax, 1, FeedFormat::kJsonLines,
                                   Ivanov(R"("event":"inn","inn":")" + TestInn(2) + "\""));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kAborted);
  EXPECT_THAT(report.status().message(), HasSubstr("sequence: batch 1 of agency tax was already received"));
  // Another agency's sequence numbers are its own.
  FeedReport other = Receive(Agency::kSocialFund, 1, Ivanov(R"("event":"snils","snils":")" + TestSnils(1) + "\""));
  EXPECT_FALSE(other.gap_from.has_value());
}

TEST_F(IngestTest, AGapInAnAgencysSequenceIsReported) {
  AddPerson(*registry_, {});
  std::string record = Ivanov(R"("event":"snils","snils":")" + TestSnils(1) + "\"");
  EXPECT_FALSE(Receive(Agency::kSocialFund, 1, record).gap_from.has_value());
  FeedReport jump = Receive(Agency::kSocialFund, 4, record + "\n");
  ASSERT_TRUE(jump.gap_from.has_value());
  EXPECT_EQ(*jump.gap_from, 2);
  EXPECT_EQ(*jump.gap_to, 3);
  EXPECT_EQ(boost::json::serialize(jump.ToJson().at("gap")), R"({"from":2,"to":3})");
  FeedReport late = Receive(Agency::kSocialFund, 2, record + "\n\n");
  EXPECT_FALSE(late.gap_from.has_value());
}

TEST_F(IngestTest, IdentifiedRecordsLinkAndKeepTheirProvenance) {
  PersonId person = AddPerson(*registry_, {});
  std::string batch =
      Ivanov(R"("record_id":"T-9","event":"employer","snils":")" + TestSnils(1) + R"(","inn":")" + TestInn(1) +
             R"(","employer_name":"ООО Ромашка","employer_inn":"7707083893","employed_from":"2025-02-01")");
  std::vector<RecordOutcome> outcomes;
  FeedReport report = Receive(Agency::kTax, 7, batch, &outcomes);
  EXPECT_EQ(report.linked, 1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].method, "identifier snils");
  EXPECT_EQ(Owner(IdentifierKind::kInn, TestInn(1)), person);
  std::optional<PersonAttribute> employer = Attribute(person, "employer_name");
  ASSERT_TRUE(employer.has_value());
  EXPECT_EQ(employer->value, "ООО Ромашка");
  EXPECT_EQ(employer->agency, "tax");
  EXPECT_EQ(employer->sequence, 7);
  EXPECT_EQ(employer->record, 1);
  EXPECT_EQ(employer->from_person, 0);
  // One attribute row for the record, whatever it carried.
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM person_attribute_records WHERE person_id = $1", person), 1);
  ASSERT_TRUE(Attribute(person, "inn").has_value());
  EXPECT_EQ(Attribute(person, "employed_from")->value, "2025-02-01");
  auto timeline = registry_->PersonTimeline(person);
  ASSERT_TRUE(timeline.ok());
}

TEST_F(IngestTest, ConflictingIdentifiersAreRejectedAndNeverHalfApplied) {
  PersonId first = AddPerson(*registry_, {.serial = 1});
  PersonId second = AddPerson(*registry_, {.birth_date = Day("2001-01-01"), .serial = 2});
  std::string batch =
      // SNILS of one person, passport of the other.
      Ivanov(R"("event":"passport","snils":")" + TestSnils(1) + R"(","passport":"4509 000001")") +
      // The first person's SNILS with another birth date.
      Line(R"("family_name":"Иванов","given_name":"Иван","birth_date":"1999-09-09","event":"passport","snils":")" +
           TestSnils(1) + R"(","passport":"4509 000009")") +
      // The first person gets INN 4; then the second person's record claims INN 4 as well:
      // rejected whole at application, and its passport is not recorded either.
      Ivanov(R"("event":"passport","snils":")" + TestSnils(1) + R"(","inn":")" + TestInn(4) + R"(","passport":"4509 000003")") +
      Line(R"("family_name":"Иванов","given_name":"Иван","birth_date":"2001-01-01","event":"passport","snils":")" +
           TestSnils(2) + R"(","inn":")" + TestInn(4) + R"(","passport":"4509 000002")");
  // Give the second person a passport first so the first record conflicts.
  Receive(Agency::kInterior, 1,
          Line(R"("family_name":"Иванов","given_name":"Иван","birth_date":"2001-01-01","event":"passport","snils":")" +
               TestSnils(2) + R"(","passport":"4509 000001")"));
  ASSERT_EQ(Owner(IdentifierKind::kPassport, "4509000001"), second);
  FeedReport report = Receive(Agency::kInterior, 2, batch);
  EXPECT_EQ(report.linked, 1);
  ASSERT_EQ(report.rejections.size(), 3u);
  EXPECT_EQ(report.rejections[0].line, 1);
  EXPECT_EQ(report.rejections[0].code, "identifier_conflict");
  EXPECT_EQ(report.rejections[1].line, 2);
  EXPECT_EQ(report.rejections[1].code, "identifier_conflict");
  EXPECT_THAT(report.rejections[1].reason, HasSubstr("the record says 1999-09-09"));
  EXPECT_EQ(report.rejections[2].line, 4);
  EXPECT_EQ(report.rejections[2].code, "identifier_conflict");
  EXPECT_EQ(report.rejections[2].field, "inn");
  EXPECT_EQ(Owner(IdentifierKind::kInn, TestInn(4)), first);
  EXPECT_EQ(Owner(IdentifierKind::kPassport, "4509000002"), 0);  // nothing of line 4 applied
}

TEST_F(IngestTest, RecordsWithoutIdentifiersLinkProbabilistically) {
  PersonId person = AddPerson(*registry_, {});
  // Latin, no patronymic, day and month swapped, no identifiers.
  std::string batch = Line(R"("event":"residence","family_name":"Ivanov","given_name":"Ivan","birth_date":"2004-06-15","sex":"M","region":"RYA","address":"Рязань, ул. Есенина, 5","registered_on":"2025-01-01")") +
                      Line(R"("event":"residence","family_name":"Иванов","given_name":"Иван","patronymic":"Иванович","birth_date":"2004-06-15","sex":"M","region":"RYA","address":"Рязань, ул. Есенина, 5","registered_on":"2025-01-01")");
  std::vector<RecordOutcome> outcomes;
  FeedReport report = Receive(Agency::kInterior, 1, batch, &outcomes);
  EXPECT_EQ(report.linked, 2);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].person_id, person);
  EXPECT_EQ(outcomes[0].method, "probabilistic");
  EXPECT_GE(outcomes[0].weight, ingestor_->weights().upper);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM persons WHERE person_id <> $1", person), 0);
}

TEST_F(IngestTest, UncertainRecordsWaitForAnOfficerWhoLinksOrCreates) {
  PersonId person = AddPerson(*registry_, {});
  // Same family name, patronymic and birth date, another given name: a twin or the same man?
  std::string batch =
      Line(R"("event":"residence","family_name":"Иванов","given_name":"Пётр","patronymic":"Иванович","birth_date":"2004-06-15","sex":"M","region":"RYA","address":"Рязань, 1","registered_on":"2025-01-01")") +
      Line(R"("event":"residence","family_name":"Иванов","given_name":"Павел","patronymic":"Иванович","birth_date":"2004-06-15","sex":"M","region":"RYA","address":"Рязань, 2","registered_on":"2025-01-01")");
  FeedReport report = Receive(Agency::kInterior, 1, batch);
  EXPECT_EQ(report.review, 2);
  auto open = ingestor_->OpenReviews(10);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 2u);
  const ReviewCase& first = (*open)[0];
  EXPECT_EQ(first.candidate_id, person);
  EXPECT_EQ(first.record.at("given_name").as_string(), "Пётр");
  EXPECT_EQ(first.candidate.at("given_name").as_string(), "Иван");
  EXPECT_EQ(first.comparison.at("given_name").as_string(), "different");
  auto created = ingestor_->DecideReview({.actor = "officer-7"}, first.review_id, "new", "a twin brother");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_NE(*created, person);
  EXPECT_EQ(Status(*created), "registered");  // 21: within the registration ages
  auto linked = ingestor_->DecideReview({.actor = "officer-7"}, (*open)[1].review_id, "link", "same man, nickname");
  ASSERT_TRUE(linked.ok()) << linked.status().ToString();
  EXPECT_EQ(*linked, person);
  ASSERT_TRUE(Attribute(person, "address").has_value());
  EXPECT_EQ(Attribute(person, "address")->value, "Рязань, 2");
  auto again = ingestor_->DecideReview({.actor = "officer-7"}, first.review_id, "link", "changed my mind");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ingestor_->OpenReviews(10)->empty());
}

TEST_F(IngestTest, RecordsAboutNobodyAreRejectedUnlessTheyCanRecordAPerson) {
  std::string batch =
      Line(R"("event":"death","family_name":"Зайцев","given_name":"Игорь","birth_date":"1990-01-01","date_of_death":"2026-01-01")") +
      Line(R"("event":"name_change","family_name":"Зайцев","given_name":"Игорь","birth_date":"1990-01-01","new_family_name":"Волков","changed_on":"2026-01-01")") +
      Line(R"("event":"employer","family_name":"Зайцев","given_name":"Игорь","birth_date":"1990-01-01","employer_name":"X","employed_from":"2025-01-01")") +
      Line(R"("event":"employer","family_name":"Зайцев","given_name":"Игорь","birth_date":"1990-01-01","sex":"M","region":"MOW","employer_name":"X","employed_from":"2025-01-01")");
  FeedReport report = Receive(Agency::kCivilStatus, 1, batch.substr(0, batch.find("\n{\"event\":\"employer\"") + 1));
  ASSERT_EQ(report.rejections.size(), 2u);
  EXPECT_EQ(report.rejections[0].code, "unknown_person");
  EXPECT_EQ(report.rejections[1].code, "unknown_person");
  FeedReport tax = Receive(Agency::kTax, 1, batch.substr(batch.find("\n{\"event\":\"employer\"") + 1));
  ASSERT_EQ(tax.rejections.size(), 1u);
  EXPECT_EQ(tax.rejections[0].code, "insufficient_data");
  EXPECT_EQ(tax.rejections[0].field, "sex");
  EXPECT_EQ(tax.created, 1);
}

TEST_F(IngestTest, FullTimeEnrolmentDefersAndTheGateRefusesTheSummons) {
  PersonId person = AddPerson(*registry_, {});
  auto summons = registry_->IssueSummons({.actor = "test"}, {.person_id = person});
  ASSERT_TRUE(summons.ok()) << summons.status().ToString();
  EXPECT_GT(MeasuresInForce(*registry_, person), 0);  // the portal serves at once: exit ban
  FeedReport report = Receive(
      Agency::kEducation, 1,
      Ivanov(R"("event":"enrolment","snils":")" + TestSnils(1) +
             R"(","institution":"Рязанский государственный университет","mode":"full_time","enrolled_on":"2025-09-01","expected_graduation":"2029-06-30")"));
  EXPECT_EQ(report.linked, 1);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM grounds WHERE person_id = $1 AND basis = 'student_full_time'", person), 1);
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);  // lifted with the deferment
  ASSERT_TRUE(registry_->CancelSummons({.actor = "test"}, *summons, "superseded").ok());
  auto refused = registry_->IssueSummons({.actor = "test"}, {.person_id = person, .purpose = "second call"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("gate deferment"));
  EXPECT_THAT(refused.status().message(), HasSubstr("student_full_time, until 2029-06-30"));
  // The same enrolment again grants nothing new; part-time grants nothing at all.
  Receive(Agency::kEducation, 2,
          Ivanov(R"("event":"enrolment","snils":")" + TestSnils(1) +
                 R"(","institution":"Рязанский государственный университет","mode":"full_time","enrolled_on":"2025-09-01","expected_graduation":"2029-06-30")"));
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM grounds WHERE person_id = $1", person), 1);
  auto explained = registry_->Explain(person);
  ASSERT_TRUE(explained.ok());
  ASSERT_FALSE(explained->gates.empty());
  EXPECT_THAT(explained->gates[0], HasSubstr("deferment"));
}

TEST_F(IngestTest, ADeathDeregistersCancelsSummonsesAndLiftsMeasures) {
  PersonId person = AddPerson(*registry_, {});
  auto summons = registry_->IssueSummons({.actor = "test"}, {.person_id = person});
  ASSERT_TRUE(summons.ok());
  ASSERT_GT(MeasuresInForce(*registry_, person), 0);
  std::string death = Ivanov(R"("event":"death","snils":")" + TestSnils(1) + R"(","date_of_death":"2026-03-30")");
  FeedReport report = Receive(Agency::kCivilStatus, 1, death);
  EXPECT_EQ(report.linked, 1);
  EXPECT_EQ(Status(person), "deceased");
  EXPECT_EQ(MeasuresInForce(*registry_, person), 0);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM summonses WHERE person_id = $1 AND status = 'cancelled'", person), 1);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM decisions WHERE person_id = $1 AND rule_id = 'muster/death-deregistration'", person), 1);
  int64_t events = Events(*registry_);
  // The same death from another batch changes nothing but the batch's own record.
  Receive(Agency::kCivilStatus, 2, death);
  EXPECT_EQ(Events(*registry_), events + 1);
  // Later facts about the deceased are not applied.
  FeedReport later = Receive(Agency::kTax, 1, Ivanov(R"("event":"inn","snils":")" + TestSnils(1) + R"(","inn":")" + TestInn(1) + "\""));
  ASSERT_EQ(later.rejections.size(), 1u);
  EXPECT_EQ(later.rejections[0].code, "not_applicable");
  // Refused by the decision pass, in the writer's words, beside records that are applied.
  EXPECT_EQ(later.rejections[0].field, "person");
  EXPECT_EQ(later.rejections[0].reason,
            "person: " + std::to_string(person) + " is deceased; later facts are not applied");
  // A repeated death that records nothing new is no fault: applied, changing nothing.
  FeedReport again = Receive(Agency::kCivilStatus, 3, death);
  EXPECT_EQ(again.linked, 1);
  EXPECT_TRUE(again.rejections.empty());
}

TEST_F(IngestTest, MergeAndSplitKeepHistory) {
  PersonId survivor = AddPerson(*registry_, {.serial = 1});
  PersonId duplicate = AddPerson(*registry_, {.serial = 2});
  Receive(Agency::kTax, 1, Ivanov(R"("event":"inn","snils":")" + TestSnils(2) + R"(","inn":")" + TestInn(2) + "\""));
  ASSERT_TRUE(registry_->GrantGround({.actor = "test"}, {.person_id = duplicate, .basis = "carer",
                                                         .valid_from = Day("2026-01-01"), .evidence = "x"}).ok());
  auto merge = registry_->MergePersons({.actor = "officer"}, survivor, duplicate, "same man, two SNILS");
  ASSERT_TRUE(merge.ok()) << merge.status().ToString();
  EXPECT_EQ(Status(duplicate), "merged");
  EXPECT_EQ(Owner(IdentifierKind::kSnils, TestSnils(2)), survivor);
  EXPECT_EQ(Owner(IdentifierKind::kInn, TestInn(2)), survivor);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM grounds WHERE person_id = $1", survivor), 1);
  // The survivor shows the attributes it lacked from the merged record, which keeps its rows.
  ASSERT_TRUE(Attribute(survivor, "inn").has_value());
  EXPECT_EQ(Attribute(survivor, "inn")->value, TestInn(2));
  EXPECT_EQ(Attribute(survivor, "inn")->from_person, duplicate);
  // A feed record carrying the merged SNILS now lands on the survivor.
  std::vector<RecordOutcome> outcomes;
  Receive(Agency::kInterior, 1, Ivanov(R"("event":"passport","snils":")" + TestSnils(2) + R"(","passport":"4509 111111")"), &outcomes);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].person_id, survivor);
  auto twice = registry_->MergePersons({.actor = "officer"}, survivor, duplicate, "again");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(registry_->SplitPerson({.actor = "officer"}, *merge, "two men after all").ok());
  EXPECT_EQ(Status(duplicate), "registered");
  EXPECT_EQ(Owner(IdentifierKind::kSnils, TestSnils(2)), duplicate);
  EXPECT_EQ(Owner(IdentifierKind::kInn, TestInn(2)), duplicate);
  EXPECT_EQ(Owner(IdentifierKind::kPassport, "4509111111"), survivor);  // recorded after the merge
  EXPECT_FALSE(Attribute(survivor, "inn").has_value());
  EXPECT_EQ(Attribute(duplicate, "inn")->value, TestInn(2));
  EXPECT_EQ(Attribute(survivor, "passport")->value, "4509111111");
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM grounds WHERE person_id = $1", duplicate), 1);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM person_merges WHERE merge_id = $1 AND split_at IS NOT NULL", *merge), 1);
  EXPECT_EQ(Count(*registry_, "SELECT COUNT(*) FROM ledger_events WHERE type IN ('PersonsMerged', 'PersonSplit') AND seq > $1", 0), 2);
  EXPECT_EQ(registry_->SplitPerson({.actor = "officer"}, *merge, "again").code(), StatusCode::kFailedPrecondition);
}

TEST_F(IngestTest, ANameChangeKeepsTheFormerNameForMatching) {
  PersonId person = AddPerson(*registry_, {});
  Receive(Agency::kCivilStatus, 1,
          Ivanov(R"("event":"name_change","snils":")" + TestSnils(1) + R"(","new_family_name":"Соколов","changed_on":"2026-02-01")"));
  auto card = registry_->PersonTimeline(person);
  ASSERT_TRUE(card.ok());
  EXPECT_THAT((*card)[0], HasSubstr("Соколов Иван Иванович"));
  std::vector<RecordOutcome> outcomes;
  std::string old_name = Line(R"("event":"finding","family_name":"Иванов","given_name":"Иван","patronymic":"Иванович","birth_date":"2004-06-15","sex":"M","region":"RYA","finding":"healthy","examined_on":"2026-03-01")");
  std::string new_name = Line(R"("event":"finding","family_name":"Sokolov","given_name":"Ivan","patronymic":"Ivanovich","birth_date":"2004-06-15","sex":"M","region":"RYA","finding":"healthy","examined_on":"2026-03-02")");
  Receive(Agency::kHealth, 1, old_name + new_name, &outcomes);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].person_id, person);
  EXPECT_EQ(outcomes[1].person_id, person);
}

TEST_F(IngestTest, DuplicatesWithinOneBatchLandOnOnePerson) {
  std::string birth = R"("event":"birth","family_name":"Ковалёв","given_name":"Артём","patronymic":"Денисович","birth_date":"2008-08-08","sex":"M","region":"SAK")";
  std::string snils = TestSnils(44);
  std::vector<RecordOutcome> outcomes;
  FeedReport report = Receive(
      Agency::kCivilStatus, 1,
      Line(birth + R"(,"snils":")" + snils + "\"") + Line(birth) +
          Line(R"("event":"birth","family_name":"Kovalev","given_name":"Artem","patronymic":"Denisovich","birth_date":"2008-08-08","sex":"M","region":"SAK")") +
          Line(R"("event":"birth","family_name":"Другой","given_name":"Человек","birth_date":"2008-08-08","sex":"M","region":"SAK","snils":")" + snils + "\""),
      &outcomes);
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(report.created, 1);
  EXPECT_EQ(outcomes[1].person_id, outcomes[0].person_id);
  EXPECT_EQ(outcomes[2].person_id, outcomes[0].person_id);
  // The SNILS is known from the first record: the fourth is the same person by identifier.
  EXPECT_EQ(outcomes[3].person_id, outcomes[0].person_id);
  EXPECT_EQ(outcomes[3].method, "identifier snils (this batch)");
}

}  // namespace
}  // namespace muster::feeds
