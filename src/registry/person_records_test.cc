// Attributes packed one row per event (migration 8): reading the current values back, through
// merges, and the conversion of rows from the former one-row-per-attribute table.
#include "registry/person_records.h"

#include <gtest/gtest.h>

#include <map>

#include "registry/events.h"
#include "store/migrations.h"
#include "testing/registry_fixture.h"

namespace muster {
namespace {

using testing::AddPerson;
using testing::At;

class PersonAttributesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
  }

  // Records `attributes` of `person` as feed record `record` of batch `sequence`.
  void Record(PersonId person, int64_t sequence, int64_t record,
              const std::vector<std::pair<std::string, std::string>>& attributes) {
    auto result = registry_->WithPersonRecords(
        {.actor = "test"}, "test_attributes",
        std::to_string(person) + ":" + std::to_string(sequence) + ":" + std::to_string(record),
        [&](PersonRecordWriter& writer) -> Result<std::string> {
          Provenance source{.agency = "interior", .sequence = sequence, .record = record};
          RETURN_IF_ERROR(writer.RecordAttributes(person, attributes, source,
                                                  {.method = "identifier snils"}, writer.now()));
          return std::string("{}");
        });
    ASSERT_TRUE(result.ok()) << result.status().ToString();
  }

  std::map<std::string, PersonAttribute> Attributes(PersonId person) {
    auto attributes = ReadPersonAttributes(registry_->connection(), person);
    EXPECT_TRUE(attributes.ok()) << attributes.status().ToString();
    std::map<std::string, PersonAttribute> by_name;
    if (attributes.ok()) {
      for (PersonAttribute& attribute : *attributes) by_name[attribute.name] = attribute;
    }
    return by_name;
  }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(PersonAttributesTest, TheLatestValueOfEachAttributeWinsWithItsOwnProvenance) {
  PersonId person = AddPerson(*registry_, {});
  Record(person, 1, 5, {{"address", "Рязань, 1"}, {"residence_region", "RYA"}});
  Record(person, 2, 9, {{"address", "Москва, 2"}});
  auto attributes = Attributes(person);
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes["address"].value, "Москва, 2");
  EXPECT_EQ(attributes["address"].sequence, 2);
  EXPECT_EQ(attributes["address"].record, 9);
  EXPECT_EQ(attributes["residence_region"].value, "RYA");
  EXPECT_EQ(attributes["residence_region"].sequence, 1);
  EXPECT_EQ(attributes["residence_region"].record, 5);
  EXPECT_LT(attributes["residence_region"].seq, attributes["address"].seq);
  EXPECT_EQ(testing::Count(*registry_, "SELECT COUNT(*) FROM person_attribute_records WHERE "
                                       "person_id = $1", person),
            2);
}

TEST_F(PersonAttributesTest, ASurvivorShowsWhatItLackedFromTheMergedRecordUntilASplit) {
  PersonId survivor = AddPerson(*registry_, {.serial = 1});
  PersonId merged = AddPerson(*registry_, {.serial = 2});
  Record(survivor, 1, 1, {{"address", "Рязань, 1"}});
  Record(merged, 1, 2, {{"address", "Рязань, 2"}, {"employer_name", "ООО Ромашка"}});
  auto merge = registry_->MergePersons({.actor = "officer"}, survivor, merged, "one man");
  ASSERT_TRUE(merge.ok()) << merge.status().ToString();
  auto attributes = Attributes(survivor);
  EXPECT_EQ(attributes["address"].value, "Рязань, 1");  // the survivor's own stays
  EXPECT_EQ(attributes["address"].from_person, 0);
  EXPECT_EQ(attributes["employer_name"].value, "ООО Ромашка");
  EXPECT_EQ(attributes["employer_name"].from_person, merged);
  // The merge event names what moved, as before.
  auto moved = Query::Make(registry_->connection(),
                           "SELECT moved FROM person_merges WHERE merge_id = $1");
  ASSERT_TRUE(moved.ok());
  moved->Bind(*merge);
  ASSERT_TRUE(*moved->Next());
  EXPECT_NE(moved->Text(0).find("employer_name"), std::string::npos);
  EXPECT_EQ(moved->Text(0).find("address"), std::string::npos);
  moved->Finish();
  ASSERT_TRUE(registry_->SplitPerson({.actor = "officer"}, *merge, "two men").ok());
  EXPECT_EQ(Attributes(survivor).count("employer_name"), 0u);
  EXPECT_EQ(Attributes(merged)["employer_name"].value, "ООО Ромашка");
}

// Migration 8 turns rows of the former person_attributes table into one-attribute objects,
// with the person whose event recorded them, escaping what JSON needs escaped.
TEST_F(PersonAttributesTest, MigrationEightConvertsTheFormerRowsExactly) {
  PersonId first = AddPerson(*registry_, {.serial = 1});
  PersonId second = AddPerson(*registry_, {.serial = 2});
  Connection& db = registry_->connection();
  // The store as a build before migration 8 left it.
  ASSERT_TRUE(db.Execute("DROP TABLE person_attribute_records").ok());
  ASSERT_TRUE(db.Execute("DELETE FROM schema_migrations WHERE version = 8").ok());
  ASSERT_TRUE(db.Execute("CREATE TABLE person_attributes (person_id BIGINT NOT NULL, name TEXT "
                         "NOT NULL, value TEXT NOT NULL, agency TEXT NOT NULL, sequence BIGINT "
                         "NOT NULL, record BIGINT NOT NULL, recorded_at BIGINT NOT NULL, seq "
                         "BIGINT NOT NULL, PRIMARY KEY (person_id, name))")
                  .ok());
  // The PersonRegistered event of the second person, to stand for an event of theirs.
  auto second_seq = Query::Make(db, "SELECT seq FROM ledger_events WHERE person_id = $1");
  ASSERT_TRUE(second_seq.ok());
  second_seq->Bind(second);
  ASSERT_TRUE(*second_seq->Next());
  int64_t seq = second_seq->Int(0);
  second_seq->Finish();
  const std::vector<std::pair<std::string, std::string>> values = {
      {"employer_name", "ООО \"Ромашка\""},
      {"address", "C:\\дом\\5"},
      {"health_finding", "line one\nline two\r\tend"}};
  int64_t record = 0;
  for (const auto& [name, value] : values) {
    ++record;
    ASSERT_TRUE(ExecuteSql(db,
                           "INSERT INTO person_attributes (person_id, name, value, agency, "
                           "sequence, record, recorded_at, seq) VALUES ($1, $2, $3, 'tax', 3, $4, "
                           "1700000000, $5)",
                           first, name, value, record, 1000000 + record)
                    .ok());
  }
  // A row a merge moved to the first person; its event was the second person's.
  ASSERT_TRUE(ExecuteSql(db,
                         "INSERT INTO person_attributes (person_id, name, value, agency, sequence, "
                         "record, recorded_at, seq) VALUES ($1, 'inn', '500100732259', 'tax', 4, "
                         "1, 1700000000, $2)",
                         first, seq)
                  .ok());
  ASSERT_TRUE(Migrate(db).ok());
  auto attributes = Attributes(first);
  ASSERT_EQ(attributes.size(), 3u);
  for (const auto& [name, value] : values) {
    EXPECT_EQ(attributes[name].value, value) << name;
    EXPECT_EQ(attributes[name].agency, "tax");
    EXPECT_EQ(attributes[name].sequence, 3);
  }
  EXPECT_EQ(attributes["address"].record, 2);
  EXPECT_EQ(Attributes(second)["inn"].value, "500100732259");
  EXPECT_FALSE(Query::Make(db, "SELECT 1 FROM person_attributes").ok());
}

}  // namespace
}  // namespace muster
