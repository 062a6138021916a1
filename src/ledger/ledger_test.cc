#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
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
