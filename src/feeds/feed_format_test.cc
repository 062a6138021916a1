#include "feeds/feed_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/registry_fixture.h"

namespace muster::feeds {
namespace {

using ::testing::HasSubstr;
using testing::Day;
using testing::TestSnils;

const CivilDate kToday = Day("2026-04-01");

ParsedBatch Parse(Agency agency, FeedFormat format, std::string_view text) {
  auto batch = ParseBatch(agency, format, text, kToday);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return batch.ok() ? std::move(batch).value() : ParsedBatch{};
}

// The single rejection of a one-record batch.
Rejection OnlyRejection(Agency agency, FeedFormat format, std::string_view text) {
  ParsedBatch batch = Parse(agency, format, text);
  EXPECT_EQ(batch.records.size(), 0u);
  EXPECT_EQ(batch.rejections.size(), 1u);
  return batch.rejections.empty() ? Rejection{} : batch.rejections.front();
}

std::string Person(std::string_view extra = "") {
  return R"("family_name":"Иванов","given_name":"Иван","patronymic":"Иванович","birth_date":"2004-06-15")" +
         std::string(extra);
}

// One accepted record of every event of every agency, in JSON Lines.
TEST(FeedFormatTest, EveryEventOfEveryAgencyIsAcceptedAsJsonLines) {
  std::string snils = TestSnils(7);
  struct Case {
    Agency agency;
    std::string fields;
  };
  std::vector<Case> cases = {
      {Agency::kCivilStatus, R"("event":"birth","sex":"M","region":"RYA","birth_place":"Рязань")"},
      {Agency::kCivilStatus, R"("event":"death","date_of_death":"2026-01-10")"},
      {Agency::kCivilStatus, R"("event":"name_change","new_family_name":"Петров","changed_on":"2025-05-05")"},
      {Agency::kInterior, R"("event":"residence","address":"ул. Ленина, 1","region":"MOW","registered_on":"2024-01-01")"},
      {Agency::kInterior, R"("event":"passport","passport":"4509 123456","issued_on":"2018-07-01")"},
      {Agency::kInterior, R"("event":"driving_licence","driving_licence":"99 01 123456")"},
      {Agency::kTax, R"("event":"inn","inn":"500100732259")"},
      {Agency::kTax, R"("event":"employer","employer_name":"ООО Ромашка","employer_inn":"7707083893","employed_from":"2025-02-01")"},
      {Agency::kSocialFund, R"("event":"snils","snils":")" + snils + R"(")"},
      {Agency::kSocialFund, R"("event":"disability","disability_group":"2","disability_from":"2023-03-03")"},
      {Agency::kEducation, R"("event":"enrolment","institution":"МГУ","mode":"full_time","enrolled_on":"2025-09-01","expected_graduation":"2029-06-30")"},
      {Agency::kHealth, R"("event":"finding","finding":"J45","examined_on":"2026-02-02","fitness_hint":"В")"},
  };
  for (const Case& test : cases) {
    std::string line = "{" + Person("," + test.fields) + "}\n";
    ParsedBatch batch = Parse(test.agency, FeedFormat::kJsonLines, line);
    ASSERT_EQ(batch.records.size(), 1u) << AgencyName(test.agency) << ": "
                                        << (batch.rejections.empty() ? "" : batch.rejections[0].reason);
    EXPECT_EQ(batch.records[0].family_name, "Иванов");
    EXPECT_EQ(batch.records[0].line, 1);
  }
}

TEST(FeedFormatTest, EveryAgencyReadsCsvWithItsOwnHeader) {
  for (Agency agency : kAllAgencies) {
    std::vector<std::string_view> fields = AgencyFields(agency);
    std::string header;
    for (std::string_view field : fields) header += (header.empty() ? "" : ",") + std::string(field);
    std::string event(AgencyEvents(agency).front());
    std::map<std::string_view, std::string> values = {
        {"event", event}, {"family_name", "Сидоров"}, {"given_name", "Пётр"},
        {"birth_date", "2005-01-02"}, {"sex", "M"}, {"region", "RYA"},
        {"address", "\"Рязань, ул. Есенина, д. 5, кв. \"\"7\"\"\""}, {"registered_on", "2024-01-01"},
        {"inn", "500100732259"}, {"snils", TestSnils(9)}, {"institution", "РГУ"},
        {"mode", "full_time"}, {"enrolled_on", "2025-09-01"}, {"finding", "ok"},
        {"examined_on", "2026-01-01"}};
    std::string row;
    for (size_t i = 0; i < fields.size(); ++i) {
      row += (i == 0 ? "" : ",") + (values.contains(fields[i]) ? values[fields[i]] : std::string());
    }
    ParsedBatch batch = Parse(agency, FeedFormat::kCsv, header + "\r\n" + row + "\r\n");
    ASSERT_EQ(batch.records.size(), 1u)
        << AgencyName(agency) << ": " << (batch.rejections.empty() ? "" : batch.rejections[0].reason);
    EXPECT_EQ(batch.records[0].line, 2);
    EXPECT_EQ(batch.records[0].event, event);
  }
}

TEST(FeedFormatTest, CsvLinesAreCountedAcrossQuotedNewlines) {
  std::string text =
      "event,family_name,given_name,birth_date,address,region,registered_on\n"
      "residence,Орлов,Олег,2001-01-01,\"Москва,\nул. Тверская, 1\",MOW,2020-01-01\n"
      "\n"
      "residence,Орлов,Олег,2001-01-01,Москва,MOW,2999-01-01\n";
  ParsedBatch batch = Parse(Agency::kInterior, FeedFormat::kCsv, text);
  ASSERT_EQ(batch.records.size(), 1u) << (batch.rejections.empty() ? "" : batch.rejections[0].reason);
  EXPECT_EQ(batch.records[0].line, 2);
  EXPECT_EQ(batch.records[0].Value("address"), "Москва,\nул. Тверская, 1");
  ASSERT_EQ(batch.rejections.size(), 1u);
  EXPECT_EQ(batch.rejections[0].line, 5);
  EXPECT_EQ(batch.rejections[0].code, "inconsistent");
}

TEST(FeedFormatTest, AnUnknownCsvColumnRejectsTheBatch) {
  auto batch = ParseBatch(Agency::kTax, FeedFormat::kCsv, "event,family_name,colour\n", kToday);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(batch.status().message(), HasSubstr("header: unknown column 'colour'"));
}

TEST(FeedFormatTest, MalformedCsvRowsAreRejectedOneByOne) {
  std::string text =
      "event,family_name,given_name,birth_date,inn\n"
      "inn,Орлов,Олег,2001-01-01\n"                    // too few fields
      "inn,Орлов,\"Ол\"ег,2001-01-01,500100732259\n"   // a quote inside a field
      "inn,Орлов,Олег,2001-01-01,500100732259\n";
  ParsedBatch batch = Parse(Agency::kTax, FeedFormat::kCsv, text);
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].line, 4);
  ASSERT_EQ(batch.rejections.size(), 2u);
  EXPECT_EQ(batch.rejections[0].code, "malformed");
  EXPECT_EQ(batch.rejections[0].line, 2);
  EXPECT_THAT(batch.rejections[0].reason, HasSubstr("expected 5 fields, got 4"));
  EXPECT_EQ(batch.rejections[1].code, "malformed");
  EXPECT_EQ(batch.rejections[1].line, 3);
}

TEST(FeedFormatTest, MalformedJsonLinesAreRejectedOneByOne) {
  std::string text = "{not json\n[1,2]\n{" + Person(R"(,"event":"inn","inn":"500100732259")") +
                     "}\n{" + Person(R"(,"event":"inn","inn":5001007322)") + "}\n{" +
                     Person(R"(,"event":"inn","inn":["x"])") + "}\n";
  ParsedBatch batch = Parse(Agency::kTax, FeedFormat::kJsonLines, text);
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].line, 3);
  ASSERT_EQ(batch.rejections.size(), 4u);
  EXPECT_EQ(batch.rejections[0].code, "malformed");
  EXPECT_EQ(batch.rejections[1].code, "malformed");
  EXPECT_THAT(batch.rejections[1].reason, HasSubstr("not a JSON object"));
  // A number where text is expected is read as its digits, and then checked as an INN.
  EXPECT_EQ(batch.rejections[2].code, "invalid_value");
  EXPECT_EQ(batch.rejections[2].field, "inn");
  EXPECT_EQ(batch.rejections[3].code, "malformed");
  EXPECT_EQ(batch.rejections[3].field, "inn");
}

TEST(FeedFormatTest, UnknownFieldsAreRejected) {
  Rejection rejection = OnlyRejection(Agency::kTax, FeedFormat::kJsonLines,
                                      "{" + Person(R"(,"event":"inn","inn":"500100732259","colour":"red")") + "}");
  EXPECT_EQ(rejection.code, "unknown_field");
  EXPECT_EQ(rejection.field, "colour");
  rejection = OnlyRejection(Agency::kTax, FeedFormat::kJsonLines,
                            "{" + Person(R"(,"event":"inn","inn":"500100732259","employer_name":"X")") + "}");
  EXPECT_EQ(rejection.code, "unknown_field");
  EXPECT_THAT(rejection.reason, HasSubstr("not a field of event inn"));
}

TEST(FeedFormatTest, MissingFieldsAreRejected) {
  Rejection rejection = OnlyRejection(Agency::kTax, FeedFormat::kJsonLines,
                                      R"({"event":"inn","family_name":"Иванов","inn":"500100732259"})");
  EXPECT_EQ(rejection.code, "missing_field");
  EXPECT_EQ(rejection.field, "given_name");
  rejection = OnlyRejection(Agency::kCivilStatus, FeedFormat::kJsonLines,
                            "{" + Person(R"(,"event":"death")") + "}");
  EXPECT_EQ(rejection.code, "missing_field");
  EXPECT_EQ(rejection.field, "date_of_death");
  EXPECT_EQ(rejection.reason, "date_of_death: required for event death");
  rejection = OnlyRejection(Agency::kTax, FeedFormat::kJsonLines, "{" + Person() + "}");
  EXPECT_EQ(rejection.code, "missing_field");
  EXPECT_EQ(rejection.field, "event");
}

TEST(FeedFormatTest, InvalidValuesAreRejectedNamingTheField) {
  struct Case {
    Agency agency;
    std::string fields;
    std::string field;
    std::string reason;
  };
  std::string bad_snils = TestSnils(5);
  bad_snils.back() = bad_snils.back() == '9' ? '0' : static_cast<char>(bad_snils.back() + 1);
  std::vector<Case> cases = {
      {Agency::kSocialFund, R"("event":"snils","snils":")" + bad_snils + "\"", "snils", "check number mismatch"},
      {Agency::kTax, R"("event":"inn","inn":"50010073225")", "inn", "expected 12 digits"},
      {Agency::kTax, R"("event":"employer","employer_name":"X","employer_inn":"7707083890","employed_from":"2025-01-01")",
       "employer_inn", "check digit mismatch"},
      {Agency::kCivilStatus, R"("event":"death","date_of_death":"2025-02-30")", "date_of_death", "date_of_death"},
      {Agency::kCivilStatus, R"("event":"birth","sex":"X","region":"RYA")", "sex", "unknown sex"},
      {Agency::kCivilStatus, R"("event":"birth","sex":"M","region":"ZZZ")", "region", "region"},
      {Agency::kEducation, R"("event":"enrolment","institution":"МГУ","mode":"evening","enrolled_on":"2025-09-01")",
       "mode", "'evening' is not one of full_time, part_time, distance"},
      {Agency::kHealth, R"("event":"finding","finding":"x","examined_on":"2026-01-01","fitness_hint":"Z")",
       "fitness_hint", "fitness_hint"},
      {Agency::kTax, R"("event":"bankruptcy")", "event", "is not an event of agency tax"},
  };
  for (const Case& test : cases) {
    Rejection rejection = OnlyRejection(test.agency, FeedFormat::kJsonLines, "{" + Person("," + test.fields) + "}");
    EXPECT_EQ(rejection.code, "invalid_value") << test.fields;
    EXPECT_EQ(rejection.field, test.field) << test.fields;
    EXPECT_THAT(rejection.reason, HasSubstr(test.reason)) << test.fields;
    EXPECT_EQ(rejection.reason.rfind(test.field + ":", 0), 0u) << rejection.reason;
  }
  Rejection name = OnlyRejection(Agency::kTax, FeedFormat::kJsonLines,
                                 R"({"event":"inn","family_name":"Ivan0v","given_name":"Иван","birth_date":"2004-06-15","inn":"500100732259"})");
  EXPECT_EQ(name.code, "invalid_value");
  EXPECT_EQ(name.reason, "family_name: contains a digit");
}

TEST(FeedFormatTest, InconsistentDatesAreRejected) {
  Rejection future = OnlyRejection(
      Agency::kTax, FeedFormat::kJsonLines,
      R"({"event":"inn","family_name":"Иванов","given_name":"Иван","birth_date":"2027-01-01","inn":"500100732259"})");
  EXPECT_EQ(future.code, "inconsistent");
  EXPECT_EQ(future.field, "birth_date");
  Rejection early = OnlyRejection(Agency::kCivilStatus, FeedFormat::kJsonLines,
                                  "{" + Person(R"(,"event":"death","date_of_death":"2003-01-01")") + "}");
  EXPECT_EQ(early.code, "inconsistent");
  EXPECT_EQ(early.reason, "date_of_death: 2003-01-01 is before the birth date 2004-06-15");
  Rejection order = OnlyRejection(
      Agency::kEducation, FeedFormat::kJsonLines,
      "{" + Person(R"(,"event":"enrolment","institution":"МГУ","mode":"full_time","enrolled_on":"2025-09-01","expected_graduation":"2025-06-30")") + "}");
  EXPECT_EQ(order.code, "inconsistent");
  EXPECT_EQ(order.field, "expected_graduation");
}

TEST(FeedFormatTest, ARecordIdTwiceInOneBatchIsADuplicate) {
  std::string line = "{" + Person(R"(,"record_id":"T-1","event":"inn","inn":"500100732259")") + "}\n";
  ParsedBatch batch = Parse(Agency::kTax, FeedFormat::kJsonLines, line + line);
  ASSERT_EQ(batch.records.size(), 1u);
  ASSERT_EQ(batch.rejections.size(), 1u);
  EXPECT_EQ(batch.rejections[0].code, "duplicate_record");
  EXPECT_EQ(batch.rejections[0].line, 2);
}

TEST(FeedFormatTest, HeldRecordsReadBackTheSame) {
  ParsedBatch batch = Parse(Agency::kInterior, FeedFormat::kJsonLines,
                            "{" + Person(R"(,"event":"passport","passport":"45 09 123456","sex":"M")") + "}");
  ASSERT_EQ(batch.records.size(), 1u);
  boost::json::object held = batch.records[0].ToJson();
  auto again = ValidateRecord(Agency::kInterior, 1, FieldsOfJson(held), kToday);
  ASSERT_TRUE(std::holds_alternative<FeedRecord>(again));
  const FeedRecord& record = std::get<FeedRecord>(again);
  EXPECT_EQ(record.identifiers, batch.records[0].identifiers);
  EXPECT_EQ(record.sex, std::optional<Sex>(Sex::kMale));
  EXPECT_EQ(boost::json::serialize(record.ToJson()), boost::json::serialize(held));
}

}  // namespace
}  // namespace muster::feeds
