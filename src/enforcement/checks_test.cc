// Checks: every answer journalled before it leaves, bulk answers streamed in request order and
// journalled in batches, request parsing.
#include "enforcement/checks.h"

#include "enforcement/test_support.h"

namespace muster::enforcement {
namespace {

using testing::At;
using testing::ConsumerNamed;
using ::testing::ElementsAre;
using testing::EventMaker;
using ::testing::HasSubstr;
using testing::RecordingJournal;

// Persons 1..count; every third has an exit ban and every fifth a credit ban since t0.
class BulkCheckTest : public ::testing::Test {
 protected:
  void Build(PersonId count) {
    MeasureId measure = 0;
    for (PersonId person = 1; person <= count; ++person) {
      ASSERT_TRUE(index_.Apply(events_.Person(person)).ok());
      if (person % 3 == 0) {
        ASSERT_TRUE(index_.Apply(events_.Impose(person, ++measure, MeasureKind::kExit, t0_)).ok());
      }
      if (person % 5 == 0) {
        ASSERT_TRUE(
            index_.Apply(events_.Impose(person, ++measure, MeasureKind::kCredit, t0_)).ok());
      }
    }
  }

  CheckContext Context(std::string_view consumer) {
    return {.consumer = &ConsumerNamed(consumer),
            .account_id = 7,
            .actor = "agency:test",
            .purpose = "nightly run",
            .at = t0_ + std::chrono::hours(1)};
  }

  const Instant t0_ = At("2026-05-06T00:00:00+03:00");
  EventMaker events_;
  MeasureIndex index_;
  RecordingJournal journal_;
};

TEST_F(BulkCheckTest, ASingleCheckIsJournalledAndAnUnknownIdIsNotFound) {
  Build(10);
  CheckService service(index_, journal_);
  auto answer = service.Check(Context("border"), 3);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->count, 1);
  ASSERT_EQ(journal_.records.size(), 1u);
  EXPECT_EQ(journal_.records[0].person_id, 3);
  EXPECT_EQ(journal_.records[0].answer, KindBit(MeasureKind::kExit));
  EXPECT_EQ(journal_.purposes[0], "nightly run");

  auto unknown = service.Check(Context("border"), 11);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), "person_id: no person 11");
  EXPECT_EQ(journal_.records.size(), 1u);
}

TEST_F(BulkCheckTest, NoAnswerLeavesWhenTheJournalFails) {
  Build(10);
  journal_.Fail();
  CheckService service(index_, journal_);
  EXPECT_EQ(service.Check(Context("border"), 3).status().code(), StatusCode::kUnavailable);
  std::string streamed;
  auto bulk = service.CheckBulk(Context("border"), std::vector<PersonId>{1, 2, 3},
                                [&](std::string_view chunk) {
                                  streamed += chunk;
                                  return Status::Ok();
                                });
  EXPECT_EQ(bulk.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(streamed, "");
}

TEST_F(BulkCheckTest, BulkAnswersStreamInRequestOrderAndAreJournalledInBatchesFirst) {
  Build(20000);
  CheckService service(index_, journal_);
  std::vector<PersonId> ids;
  for (PersonId person = 20000; person >= 1; --person) ids.push_back(person);
  ids.push_back(99999);  // unknown: answered, not journalled
  std::string streamed;
  auto summary = service.CheckBulk(Context("lenders"), ids, [&](std::string_view chunk) {
    journal_.events.push_back("sink:" +
                              std::to_string(std::count(chunk.begin(), chunk.end(), '\n')));
    streamed += chunk;
    return Status::Ok();
  });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->ids, 20001);
  EXPECT_EQ(summary->known, 20000);
  EXPECT_EQ(summary->in_force, 4000);
  EXPECT_EQ(summary->as_of_seq, events_.seq());
  // Each chunk's records reach the journal before its lines reach the sink.
  EXPECT_THAT(journal_.events, ElementsAre("journal:8192", "sink:8192", "journal:8192", "sink:8192",
                                           "journal:3616", "sink:3617", "sink:1"));
  EXPECT_EQ(journal_.records.size(), 20000u);

  std::vector<std::string> lines;
  for (size_t start = 0; start < streamed.size();) {
    size_t end = streamed.find('\n', start);
    lines.push_back(streamed.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 20002u);
  for (size_t i = 0; i < 20000; ++i) {
    boost::json::object line = boost::json::parse(lines[i]).as_object();
    PersonId person = ids[i];
    ASSERT_EQ(line["person_id"].as_int64(), person) << i;
    ASSERT_EQ(line["in_force"].as_bool(), person % 5 == 0) << lines[i];
    if (person % 5 == 0) {
      const boost::json::array& measures = line["measures"].as_array();
      ASSERT_EQ(measures.size(), 1u) << lines[i];
      EXPECT_EQ(measures[0].as_object().at("kind").as_string(), "credit");
      EXPECT_EQ(measures[0].as_object().at("since").as_string(), "2026-05-05T21:00:00Z");
    }
  }
  EXPECT_EQ(lines[20000], "{\"person_id\":99999,\"known\":false}");
  EXPECT_EQ(lines[20001],
            "{\"summary\":{\"ids\":20001,\"known\":20000,\"in_force\":4000,\"as_of_seq\":" +
                std::to_string(events_.seq()) + "}}");
}

TEST_F(BulkCheckTest, MoreThanTheLimitIsRefusedBeforeAnythingIsWritten) {
  Build(1);
  CheckService service(index_, journal_);
  std::vector<PersonId> ids(kMaxBulkIds + 1, 1);
  bool wrote = false;
  auto bulk = service.CheckBulk(Context("tax"), ids, [&](std::string_view) {
    wrote = true;
    return Status::Ok();
  });
  EXPECT_EQ(bulk.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bulk.status().message(), HasSubstr("at most 100000"));
  EXPECT_FALSE(wrote);
  EXPECT_TRUE(journal_.records.empty());
}

TEST_F(BulkCheckTest, ASinkErrorStopsTheStream) {
  Build(20000);
  CheckService service(index_, journal_);
  std::vector<PersonId> ids;
  for (PersonId person = 1; person <= 20000; ++person) ids.push_back(person);
  int chunks = 0;
  auto bulk = service.CheckBulk(Context("border"), ids, [&](std::string_view) {
    return ++chunks == 2 ? Unavailable("client went away") : Status::Ok();
  });
  EXPECT_EQ(bulk.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(chunks, 2);
}

TEST(ParsePersonIdsTest, AcceptsLinesCommasAndAJsonArray) {
  EXPECT_THAT(*ParsePersonIds("1\n2\r\n3\n"), ElementsAre(1, 2, 3));
  EXPECT_THAT(*ParsePersonIds("[4, 5,6]"), ElementsAre(4, 5, 6));
  EXPECT_THAT(*ParsePersonIds(" [ ] "), ElementsAre());
  EXPECT_THAT(*ParsePersonIds(""), ElementsAre());
}

TEST(ParsePersonIdsTest, NamesTheBadItem) {
  EXPECT_EQ(ParsePersonIds("1\nx7\n3").status().message(),
            "person_ids: item 2: 'x7' is not a person id");
  EXPECT_EQ(ParsePersonIds("1,0").status().message(), "person_ids: item 2: '0' is not a person id");
  EXPECT_EQ(ParsePersonIds("[1,2").status().message(), "person_ids: missing ']'");
  EXPECT_EQ(ParsePersonIds("[1] 2").status().message(), "person_ids: text after ']'");
  std::string many;
  for (size_t i = 0; i <= kMaxBulkIds; ++i) many += "1\n";
  EXPECT_THAT(ParsePersonIds(many).status().message(), HasSubstr("at most 100000"));
}

TEST(DescribeAnswerTest, ReadsAsTheCitizenSeesIt) {
  EXPECT_EQ(DescribeAnswer(0), "clear");
  EXPECT_EQ(
      DescribeAnswer(KindBit(MeasureKind::kDriving) | KindBit(MeasureKind::kVehicleRegistration)),
      "in force: driving,vehicle_registration");
}

TEST(AppendInstantTest, FormatsLikeFormatInstant) {
  for (std::string_view text : {"2026-05-05T21:00:00Z", "1970-01-01T00:00:00Z",
                                "2000-02-29T23:59:59Z", "2099-12-31T01:02:03Z"}) {
    std::string out;
    AppendInstant(out, At(text));
    EXPECT_EQ(out, text);
    EXPECT_EQ(out, FormatInstant(At(text)));
  }
}

}  // namespace
}  // namespace muster::enforcement
