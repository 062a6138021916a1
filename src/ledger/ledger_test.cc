#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "store/bulk_insert.h"
#include "store/engines/open.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"
#include "testing/test_store.h"

namespace muster {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    auto db = OpenStore(testing::StoreUrl(dir_, "ledger"), OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_ = std::move(db).value();
    ASSERT_TRUE(Migrate(*db_).ok());
  }

  void AppendEvents(int count) {
    ASSERT_TRUE(db_->BeginWrite().ok());
    auto writer = LedgerWriter::Open(*db_);
    ASSERT_TRUE(writer.ok());
    for (int i = 0; i < count; ++i) {
      LedgerEvent event;
      event.recorded_at = FromUnixSeconds(1'700'000'000 + i);
      event.effective_at = event.recorded_at;
      event.type = "TestEvent";
      event.person_id = i % 3;
      event.command_id = 1;
      event.payload = "{\"n\":" + std::to_string(i) + "}";
      ASSERT_TRUE(writer->Append(event).ok());
    }
    ASSERT_TRUE(writer->Finish().ok());
    ASSERT_TRUE(db_->Commit().ok());
  }

  Status Verify() { return VerifyLedger(*db_).status(); }

  testing::TempDir dir_;
  std::unique_ptr<Connection> db_;
};

// Buffered appends (the bulk path) give the same chain as appends one by one, across the
// multi-row statements' sizes (RowBuffer: up to 128 rows, powers of two), and an Append after
// them keeps seq order.
TEST_F(LedgerTest, BufferedAppendsChainExactlyAsAppendsOneByOne) {
  auto event_number = [](int i) {
    LedgerEvent event;
    event.recorded_at = FromUnixSeconds(1'700'000'000 + i);
    event.effective_at = event.recorded_at;
    event.type = "TestEvent";
    if (i % 5 != 0) event.person_id = i % 7;  // some without a person: NULL
    event.command_id = 1;
    event.payload = "{\"n\":" + std::to_string(i) + ",\"text\":\"é,\\\"q\\\"\"}";
    return event;
  };
  constexpr int kBuffered = 300;  // 128 + 128 + 32 + 8 + 4
  ASSERT_TRUE(db_->BeginWrite().ok());
  auto writer = LedgerWriter::Open(*db_);
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> hashes;
  for (int i = 0; i < kBuffered; ++i) {
    LedgerEvent event = event_number(i);
    EXPECT_EQ(writer->AppendBuffered(event), i + 1);
    hashes.push_back(event.hash);
  }
  LedgerEvent last = event_number(kBuffered);
  ASSERT_TRUE(writer->Append(last).ok());  // flushes the buffered ones first
  hashes.push_back(last.hash);
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_TRUE(db_->Commit().ok());
  auto verification = VerifyLedger(*db_);
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  EXPECT_EQ(verification->events_checked, kBuffered + 1);
  // The same events appended one by one into another store chain to the same hashes.
  testing::TempDir other_dir;
  auto other = OpenStore(testing::StoreUrl(other_dir, "one-by-one"), OpenMode::kCreate);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(Migrate(**other).ok());
  ASSERT_TRUE((*other)->BeginWrite().ok());
  auto single = LedgerWriter::Open(**other);
  ASSERT_TRUE(single.ok());
  for (int i = 0; i <= kBuffered; ++i) {
    LedgerEvent event = event_number(i);
    ASSERT_TRUE(single->Append(event).ok());
    EXPECT_EQ(event.hash, hashes[static_cast<size_t>(i)]) << i;
  }
  ASSERT_TRUE(single->Finish().ok());
  ASSERT_TRUE((*other)->Commit().ok());
  std::vector<std::string> stored;
  ASSERT_TRUE(ReadEvents(*db_, 0, 1000, [&](const LedgerEvent& event) {
                stored.push_back(event.payload + (event.person_id ? "" : "/no person"));
                return Status::Ok();
              }).ok());
  ASSERT_EQ(stored.size(), static_cast<size_t>(kBuffered + 1));
  EXPECT_EQ(stored[5], event_number(5).payload + "/no person");
  EXPECT_EQ(stored[6], event_number(6).payload);
}

TEST(RowBufferTest, SortsRowsByTheGivenColumnsKeepingTheOrderOfEqualOnes) {
  RowBuffer rows("INSERT INTO t (a, b)", 2);
  rows.Row().Add(int64_t{2}).Add("x");
  rows.Row().Add(int64_t{1}).Add("y");
  rows.Row().Add(int64_t{2}).Add("a");
  rows.Row().Add(int64_t{1}).AddNull();
  rows.SortBy({0});
  EXPECT_EQ(rows.rows(), 4u);
  // Flushed into a real table, the order of insertion shows in the rowids.
  testing::TempDir dir;
  auto db = OpenStore(testing::StoreUrl(dir, "rows"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("CREATE TABLE t (n " + std::string((*db)->dialect().big_key) +
                             " PRIMARY KEY, a BIGINT, b TEXT)")
                  .ok());
  ASSERT_TRUE(rows.Flush(**db).ok());
  EXPECT_TRUE(rows.empty());
  auto query = Query::Make(**db, "SELECT a, b FROM t ORDER BY n");
  ASSERT_TRUE(query.ok());
  std::vector<std::string> order;
  while (*query->Next()) {
    order.push_back(std::to_string(query->Int(0)) + (query->IsNull(1) ? "-" : query->Text(1)));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"1y", "1-", "2x", "2a"}));
}

TEST_F(LedgerTest, AppendsConsecutiveSequenceNumbersAcrossTransactions) {
  AppendEvents(3);
  AppendEvents(2);
  auto verification = VerifyLedger(*db_);
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  EXPECT_EQ(verification->events_checked, 5);
  std::vector<int64_t> seqs;
  ASSERT_TRUE(ReadEvents(*db_, 0, 100, [&](const LedgerEvent& event) {
                seqs.push_back(event.seq);
                return Status::Ok();
              }).ok());
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(LedgerTest, EmptyLedgerVerifies) { EXPECT_TRUE(Verify().ok()); }

TEST_F(LedgerTest, EditedPayloadIsFoundAtItsSequenceNumber) {
  AppendEvents(5);
  ASSERT_TRUE(db_->Execute("UPDATE ledger_events SET payload = '{\"n\":99}' WHERE seq = 3").ok());
  Status status = Verify();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("event 3: hash mismatch"), std::string::npos) << status.message();
}

TEST_F(LedgerTest, EditedAndRehashedEventBreaksTheNextLink) {
  AppendEvents(5);
  // A forger who recomputes the edited event's own hash still breaks event 4's link.
  LedgerEvent forged;
  ASSERT_TRUE(ReadEvents(*db_, 2, 1, [&](const LedgerEvent& event) {
                forged = event;
                return Status::Ok();
              }).ok());
  forged.payload = "{\"n\":-1}";
  forged.hash = ChainHash(forged.prev_hash, forged);
  ASSERT_TRUE(ExecuteSql(*db_, "UPDATE ledger_events SET payload = $1, hash = $2 WHERE seq = 3",
                         forged.payload, forged.hash).ok());
  Status status = Verify();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("event 4: previous-hash link broken"), std::string::npos) << status.message();
}

TEST_F(LedgerTest, DeletedEventIsASequenceGap) {
  AppendEvents(5);
  ASSERT_TRUE(db_->Execute("DELETE FROM ledger_events WHERE seq = 2").ok());
  Status status = Verify();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("event 3: sequence gap"), std::string::npos) << status.message();
}

TEST_F(LedgerTest, TruncatedTailDisagreesWithTheHead) {
  AppendEvents(5);
  ASSERT_TRUE(db_->Execute("DELETE FROM ledger_events WHERE seq = 5").ok());
  Status status = Verify();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("head says seq 5"), std::string::npos) << status.message();
}

TEST_F(LedgerTest, ChangedTimestampOrPersonIsFound) {
  AppendEvents(4);
  ASSERT_TRUE(db_->Execute("UPDATE ledger_events SET effective_at = effective_at - 86400 WHERE seq = 2").ok());
  EXPECT_EQ(Verify().code(), StatusCode::kDataLoss);
}

TEST_F(LedgerTest, RolledBackAppendLeavesNoTrace) {
  AppendEvents(2);
  ASSERT_TRUE(db_->BeginWrite().ok());
  auto writer = LedgerWriter::Open(*db_);
  ASSERT_TRUE(writer.ok());
  LedgerEvent event;
  event.type = "Lost";
  event.payload = "{}";
  ASSERT_TRUE(writer->Append(event).ok());
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_TRUE(db_->Rollback().ok());
  auto verification = VerifyLedger(*db_);
  ASSERT_TRUE(verification.ok());
  EXPECT_EQ(verification->events_checked, 2);
}

}  // namespace
}  // namespace muster
