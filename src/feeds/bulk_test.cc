// The bulk path of feed ingestion (IngestOptions::bulk, PersonRecordWriter::Preload, buffered
// ledger and projection writes) against the record-by-record path it replaces, and the
// projections it writes against a rebuild from the ledger.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "feeds/ingest.h"
#include "feeds/synthetic_feed.h"
#include "registry/projector.h"
#include "store/migrations.h"
#include "synth/population.h"
#include "testing/registry_fixture.h"

namespace muster::feeds {
namespace {

using testing::At;

// Every table the projector writes, with the columns compared: all but the keys an engine
// assigns itself (decision_id, notice_id, action_id), which PostgreSQL does not reuse after a
// rolled-back transaction (a chunk applied again without a faulty record).
const std::vector<std::pair<std::string, std::string>>& ProjectionTables() {
  static const std::vector<std::pair<std::string, std::string>> tables = {
      {"persons",
       "person_id, family_name, given_name, patronymic, family_name_latin, given_name_latin, "
       "patronymic_latin, sex, birth_date, region, office, has_portal_account, fitness, "
       "fitness_until, status, registered_at, source"},
      {"person_identifiers", "kind, value, person_id"},
      {"person_attribute_records", "person_id, seq, agency, sequence, record, recorded_at, attributes"},
      {"person_former_names", "person_id, family_name, given_name, patronymic, seq"},
      {"person_notices", "person_id, kind, text, created_at, seq"},
      {"person_merges", "merge_id, survivor_id, merged_id, reason, moved, merged_at, merge_seq, "
                        "split_at, split_seq"},
      {"decisions", "person_id, summons_id, at, kind, outcome, rule_id, profile_version, facts, seq"},
      {"grounds", "ground_id, person_id, kind, basis, valid_from, valid_until, evidence, "
                  "granted_seq, ended_at, end_reason"},
      {"summonses", "summons_id, person_id, status, served_at, closed_at, close_reason"},
      {"measures", "measure_id, person_id, summons_id, kind, start_at, imposed_seq, lifted_at, "
                   "lift_reason, lifted_seq"},
      {"due_actions", "due_at, kind, summons_id, person_id, attempt_id"},
      {"match_reviews", "review_id, agency, sequence, record, candidate_id, weight, comparison, "
                        "record_json, status, opened_at, opened_seq, decided_at, decided_by, "
                        "person_id, note"},
      {"feed_batches", "agency, sequence, checksum, format, received_at, records, applied, "
                       "created, review, rejected, gap_from, gap_to, seq"},
      {"feed_rejections", "agency, sequence, record, field, code, reason"},
  };
  return tables;
}

// The rows of `table`, each as its columns' text joined by '|', sorted.
std::vector<std::string> Rows(Connection& db, const std::string& table, const std::string& columns) {
  std::vector<std::string> rows;
  auto query = Query::Make(db, "SELECT " + columns + " FROM " + table + " ORDER BY " + columns);
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  if (!query.ok()) return rows;
  int count = 1 + static_cast<int>(std::count(columns.begin(), columns.end(), ','));
  while (true) {
    auto has_row = query->Next();
    EXPECT_TRUE(has_row.ok()) << has_row.status().ToString();
    if (!has_row.ok() || !*has_row) break;
    std::string row;
    for (int column = 0; column < count; ++column) {
      row += query->IsNull(column) ? std::string("NULL") : query->Text(column);
      row += '|';
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// A registry with a synthetic population, some of it summoned (open summonses, measures in
// force), and agency feeds about it.
class BulkIngestTest : public ::testing::Test {
 protected:
  static constexpr int kPersons = 400;

  std::unique_ptr<Registry> MakePopulatedRegistry(const std::string& name) {
    auto registry = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"), name);
    if (registry == nullptr) return nullptr;
    PopulationGenerator generator(11, CivilDate(date::year(2026), date::April, date::day(1)));
    std::vector<NewPerson> persons;
    for (int i = 0; i < kPersons; ++i) {
      SyntheticPerson synthetic = generator.Next();
      NewPerson person;
      person.family_name = synthetic.family_name;
      person.given_name = synthetic.given_name;
      person.patronymic = synthetic.patronymic;
      person.family_name_latin = synthetic.family_name_latin;
      person.given_name_latin = synthetic.given_name_latin;
      person.patronymic_latin = synthetic.patronymic_latin;
      person.sex = synthetic.sex;
      person.birth_date = synthetic.birth_date;
      person.office = synthetic.office_id;
      person.has_portal_account = synthetic.has_portal_account;
      person.source = "test";
      person.identifiers = {{IdentifierKind::kSnils, synthetic.snils},
                            {IdentifierKind::kInn, synthetic.inn},
                            {IdentifierKind::kPassport, synthetic.passport}};
      persons.push_back(std::move(person));
    }
    EXPECT_TRUE(registry->RegisterPersons({.actor = "test"}, persons, {}).ok());
    // Summonses for some: served at once on the portal, with the exit ban in force.
    auto issued = registry->IssueBatch({.actor = "test"}, {.limit = 40}, {});
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return registry;
  }

  // The feeds: every agency, JSON Lines and CSV, and records about summoned persons (a death, a
  // full-time enrolment) that take the paths reading summonses and measures.
  std::vector<SyntheticFeed> MakeFeeds(Registry& registry) {
    auto base = LoadBasePersons(registry.connection(), kPersons);
    EXPECT_TRUE(base.ok());
    SyntheticFeedGenerator generator(std::move(base).value(),
                                     CivilDate(date::year(2026), date::April, date::day(1)),
                                     {.seed = 5});
    std::vector<SyntheticFeed> feeds;
    int index = 0;
    for (Agency agency : kAllAgencies) {
      feeds.push_back(generator.Generate(agency, index++ % 2 == 0 ? FeedFormat::kJsonLines
                                                                  : FeedFormat::kCsv,
                                         150));
    }
    // Two summoned persons: one dies, one enrols full time.
    auto summoned = Query::Make(registry.connection(),
                                "SELECT p.family_name, p.given_name, p.patronymic, p.birth_date, "
                                "i.value FROM summonses s JOIN persons p ON p.person_id = "
                                "s.person_id JOIN person_identifiers i ON i.person_id = "
                                "p.person_id AND i.kind = 'snils' WHERE s.status IN ('issued', "
                                "'served') ORDER BY s.summons_id LIMIT 2");
    EXPECT_TRUE(summoned.ok());
    std::vector<std::string> lines;
    while (*summoned->Next()) {
      boost::json::object record{
          {"family_name", summoned->Text(0)},
          {"given_name", summoned->Text(1)},
          {"patronymic", summoned->Text(2)},
          {"birth_date", FormatDate(FromEpochDays(static_cast<int32_t>(summoned->Int(3))))},
          {"snils", summoned->Text(4)}};
      lines.push_back(boost::json::serialize(record));
    }
    EXPECT_EQ(lines.size(), 2u);
    auto with = [](std::string line, std::string_view extra) {
      line.pop_back();
      return line + "," + std::string(extra) + "}\n";
    };
    SyntheticFeed death{.agency = Agency::kCivilStatus, .format = FeedFormat::kJsonLines};
    death.bytes = with(lines[0], R"("event":"death","date_of_death":"2026-03-20")");
    SyntheticFeed enrolment{.agency = Agency::kEducation, .format = FeedFormat::kJsonLines};
    enrolment.bytes = with(lines[1], R"("event":"enrolment","institution":"МГУ","mode":"full_time","enrolled_on":"2025-09-01","expected_graduation":"2029-06-30")");
    feeds.push_back(std::move(death));
    feeds.push_back(std::move(enrolment));
    return feeds;
  }

  void Ingest(Registry& registry, const std::vector<SyntheticFeed>& feeds, bool bulk) {
    auto weights = LoadMatchWeights(testing::SourceDir() / "data/matching/weights.toml");
    ASSERT_TRUE(weights.ok());
    auto ingestor = FeedIngestor::Create(registry, *weights, {.chunk_records = 64, .piece_records = 16, .bulk = bulk});
    ASSERT_TRUE(ingestor.ok());
    std::map<Agency, int64_t> sequences;
    for (const SyntheticFeed& feed : feeds) {
      auto report = (*ingestor)->Receive({.actor = "test"}, feed.agency, ++sequences[feed.agency],
                                         feed.format, feed.bytes);
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      EXPECT_EQ(report->records, report->linked + report->created + report->review + report->rejected);
    }
  }

  testing::TempDir dir_;
};

TEST_F(BulkIngestTest, BulkAndRecordByRecordWriteTheSameEventsAndRows) {
  auto bulk = MakePopulatedRegistry("bulk");
  auto single = MakePopulatedRegistry("single");
  ASSERT_NE(bulk, nullptr);
  ASSERT_NE(single, nullptr);
  std::vector<SyntheticFeed> feeds = MakeFeeds(*bulk);
  // The registries differ only in their signing keys (summonses carry signatures), so compare
  // what the feeds appended.
  const int64_t before = testing::Events(*bulk);
  ASSERT_EQ(testing::Events(*single), before);
  Ingest(*bulk, feeds, true);
  Ingest(*single, feeds, false);
  // Byte for byte the same events …
  const std::string events = "(SELECT seq, type, person_id, command_id, recorded_at, effective_at, "
                             "payload FROM ledger_events WHERE seq > " + std::to_string(before) + ") e";
  std::vector<std::string> appended =
      Rows(bulk->connection(), events, "seq, type, person_id, command_id, recorded_at, effective_at, payload");
  EXPECT_EQ(appended, Rows(single->connection(), events,
                           "seq, type, person_id, command_id, recorded_at, effective_at, payload"));
  EXPECT_GT(appended.size(), 900u);
  // … and the same projection rows.
  for (const auto& [table, columns] : ProjectionTables()) {
    EXPECT_EQ(Rows(bulk->connection(), table, columns), Rows(single->connection(), table, columns))
        << table;
  }
  // The feeds did what the comparison is about.
  EXPECT_GT(testing::Count(*bulk, "SELECT COUNT(*) FROM person_attribute_records WHERE seq > $1", 0), 500);
  EXPECT_GT(testing::Count(*bulk, "SELECT COUNT(*) FROM persons WHERE source LIKE 'civil_status%' AND person_id > $1", 0), 10);
  EXPECT_GE(testing::Count(*bulk, "SELECT COUNT(*) FROM summonses WHERE close_reason LIKE 'person deceased%' AND summons_id > $1", 0), 1);
  EXPECT_GT(testing::Count(*bulk, "SELECT COUNT(*) FROM measures WHERE lift_reason LIKE 'deferment granted%' AND measure_id > $1", 0), 0);
  EXPECT_GT(testing::Count(*bulk, "SELECT COUNT(*) FROM feed_rejections WHERE record > $1", 0), 0);
}

TEST_F(BulkIngestTest, ARebuildFromTheLedgerGivesTheSameProjections) {
  auto registry = MakePopulatedRegistry("registry");
  ASSERT_NE(registry, nullptr);
  Ingest(*registry, MakeFeeds(*registry), true);
  // Merges, a split and review decisions too.
  auto weights = LoadMatchWeights(testing::SourceDir() / "data/matching/weights.toml");
  ASSERT_TRUE(weights.ok());
  auto ingestor = FeedIngestor::Create(*registry, *weights);
  ASSERT_TRUE(ingestor.ok());
  auto reviews = (*ingestor)->OpenReviews(2);
  ASSERT_TRUE(reviews.ok());
  for (size_t i = 0; i < reviews->size(); ++i) {
    auto decided = (*ingestor)->DecideReview({.actor = "officer"}, (*reviews)[i].review_id,
                                             i == 0 ? "link" : "new", "checked");
    ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  }
  std::vector<PersonId> free;  // persons without a summons: a merge refuses open ones
  {
    auto query = Query::Make(registry->connection(),
                             "SELECT person_id FROM persons WHERE status <> 'merged' AND "
                             "person_id NOT IN (SELECT person_id FROM summonses) ORDER BY "
                             "person_id LIMIT 4");
    ASSERT_TRUE(query.ok());
    while (*query->Next()) free.push_back(query->Int(0));
  }
  ASSERT_EQ(free.size(), 4u);
  auto first = registry->MergePersons({.actor = "officer"}, free[0], free[1], "one man");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(registry->MergePersons({.actor = "officer"}, free[2], free[3], "one man").ok());
  ASSERT_TRUE(registry->SplitPerson({.actor = "officer"}, *first, "two men").ok());

  // A fresh store, every event of the ledger appended and projected again in order.
  auto rebuilt = OpenStore(testing::StoreUrl(dir_, "rebuilt"), OpenMode::kCreate);
  ASSERT_TRUE(rebuilt.ok());
  Connection& target = **rebuilt;
  ASSERT_TRUE(Migrate(target).ok());
  ASSERT_TRUE(target.BeginWrite().ok());
  auto ledger = LedgerWriter::Open(target);
  ASSERT_TRUE(ledger.ok());
  Status replayed = ReadEvents(registry->connection(), 0, 1'000'000'000, [&](const LedgerEvent& stored) {
    LedgerEvent event = stored;
    RETURN_IF_ERROR(ledger->Append(event));
    if (event.hash != stored.hash) return DataLoss("chain differs at " + std::to_string(event.seq));
    std::error_code error;
    boost::json::value payload = boost::json::parse(event.payload, error);
    if (error || !payload.is_object()) return DataLoss("payload is not an object");
    return ProjectEvent(target, event, payload.get_object());
  });
  ASSERT_TRUE(replayed.ok()) << replayed.ToString();
  ASSERT_TRUE(ledger->Finish().ok());
  ASSERT_TRUE(target.Commit().ok());
  for (const auto& [table, columns] : ProjectionTables()) {
    EXPECT_EQ(Rows(target, table, columns), Rows(registry->connection(), table, columns)) << table;
  }
}

}  // namespace
}  // namespace muster::feeds
