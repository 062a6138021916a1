// The change feed: every change of the consumer's kinds exactly once, in ledger order, from a
// cursor kept by the consumer, across restarts on either side.
#include "enforcement/feed.h"

#include "enforcement/test_support.h"

namespace muster::enforcement {
namespace {

using testing::AddPerson;
using testing::ConsumerNamed;
using testing::EnforcementTest;
using ::testing::HasSubstr;
using testing::Officer;
using testing::OpenAgain;

// "seq kind imposed|lifted measure" for each change of `kinds`, straight from the ledger's
// events (not from the measures projection the feed reads).
std::vector<std::string> LedgerTruth(Connection& connection, KindMask kinds) {
  std::vector<std::string> truth;
  Status status = ReadEvents(connection, 0, 1000000, [&](const LedgerEvent& event) {
    bool imposed = event.type == events::kMeasureImposed;
    if (!imposed && event.type != events::kMeasureLifted) return Status::Ok();
    auto payload = boost::json::parse(event.payload).as_object();
    auto kind = ParseMeasureKind(payload["kind"].as_string(), "kind");
    EXPECT_TRUE(kind.ok());
    if ((kinds & KindBit(*kind)) == 0) return Status::Ok();
    truth.push_back(std::to_string(event.seq) + " " + std::string(MeasureKindName(*kind)) +
                    (imposed ? " imposed " : " lifted ") +
                    std::to_string(payload["measure_id"].as_int64()));
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return truth;
}

std::string Describe(const FeedEntry& entry) {
  return std::to_string(entry.seq) + " " + std::string(MeasureKindName(entry.kind)) +
         (entry.lifted ? " lifted " : " imposed ") + std::to_string(entry.measure_id);
}

// A consumer that pages through its feed, keeping its cursor across its own restarts.
struct FeedReader {
  const Consumer* consumer;
  int64_t cursor = 0;  // what the consumer stores
  std::vector<std::string> seen;

  void Drain(Connection& connection, int limit) {
    while (true) {
      auto page = ReadFeed(connection, *consumer, cursor, limit);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      if (page->empty()) return;
      for (const FeedEntry& entry : *page) {
        ASSERT_GT(entry.seq, cursor);
        seen.push_back(Describe(entry));
        cursor = entry.seq;
      }
    }
  }
};

TEST_F(EnforcementTest, TheFeedDeliversEveryChangeExactlyOnceInOrderAcrossRestarts) {
  std::vector<PersonId> persons;
  for (int i = 1; i <= 5; ++i) persons.push_back(AddPerson(*registry_, {.serial = i}));
  auto node = OpenAgain(dir_);
  FeedReader traffic{&ConsumerNamed("traffic_police")};
  FeedReader border{&ConsumerNamed("border")};

  std::vector<SummonsId> summonses;
  for (PersonId person : persons) summonses.push_back(Issue(person));
  border.Drain(*node, 2);
  AdvanceTo("2026-04-12T10:00:00+03:00");
  Appear(summonses[0]);
  traffic.Drain(*node, 3);

  node.reset();  // Muster restarts
  node = OpenAgain(dir_);
  AdvanceTo("2026-05-06T00:00:00+03:00");  // driving and vehicle bans for four persons
  traffic.Drain(*node, 3);
  FeedReader restarted_traffic{traffic.consumer, traffic.cursor,
                               traffic.seen};  // consumer restarts
  AdvanceTo("2026-05-08T10:00:00+03:00");
  Appear(summonses[1]);
  ASSERT_TRUE(registry_->CancelSummons(Officer(), summonses[2], "sent in error").ok());
  restarted_traffic.Drain(*node, 3);
  border.Drain(*node, 1);

  EXPECT_EQ(restarted_traffic.seen, LedgerTruth(*node, traffic.consumer->kinds));
  EXPECT_EQ(border.seen, LedgerTruth(*node, border.consumer->kinds));
  EXPECT_EQ(restarted_traffic.seen.size(), 4u * 2 + 2u * 2);  // 8 imposed, 4 lifted
  EXPECT_EQ(border.seen.size(), 5u + 3u);                     // 5 imposed, 3 lifted
}

TEST_F(EnforcementTest, AConsumersFeedHoldsOnlyItsOwnKinds) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  AdvanceTo("2026-05-06T00:00:00+03:00");
  Appear(summons);
  auto page = ReadFeed(registry_->connection(), ConsumerNamed("lenders"), 0, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].kind, MeasureKind::kCredit);
  EXPECT_FALSE((*page)[0].lifted);
  EXPECT_TRUE((*page)[1].lifted);
  EXPECT_EQ((*page)[1].at, registry_->Now());
  std::string line;
  AppendFeedLine(line, (*page)[1]);
  EXPECT_EQ(line,
            "{\"seq\":" + std::to_string((*page)[1].seq) + ",\"measure_id\":" +
                std::to_string((*page)[1].measure_id) + ",\"person_id\":" + std::to_string(person) +
                ",\"kind\":\"credit\",\"change\":\"lifted\",\"at\":\"2026-05-05T21:00:00Z\"}\n");
}

TEST_F(EnforcementTest, FeedArgumentsAreChecked) {
  const Consumer& border = ConsumerNamed("border");
  EXPECT_THAT(ReadFeed(registry_->connection(), border, -1, 10).status().message(),
              HasSubstr("since"));
  EXPECT_THAT(ReadFeed(registry_->connection(), border, 0, 0).status().message(),
              HasSubstr("limit"));
  EXPECT_THAT(ReadFeed(registry_->connection(), border, 0, kMaxFeedPage + 1).status().message(),
              HasSubstr("limit"));
  auto empty = ReadFeed(registry_->connection(), border, 1000000, 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace muster::enforcement
