// Concurrent writers on PostgreSQL: the ledger head row lock must make sequence order equal
// commit order, so a reader tailing by "seq > last seen" never skips an event that commits
// late — the trap of database sequences under concurrent writers (DESIGN.md §3).
//
// Several writer threads, each on its own connection, append events in many small
// transactions while a reader on another connection tails the ledger. Without the head lock
// two writers would read the same head and collide on seq (an error here), or — with a
// sequence — commit out of order and the tailing reader would miss events; both fail below.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "ledger/ledger.h"
#include "store/migrations.h"
#include "store/postgres/postgres_connection.h"
#include "testing/postgres_server.h"

namespace muster {
namespace {

using testing::PostgresServer;

constexpr int kWriters = 4;
constexpr int kTransactionsPerWriter = 50;
constexpr int kRounds = 3;

struct SeenEvent {
  int64_t seq;
  std::string prev_hash;
  std::string hash;
  std::string payload;
};

// One writer: `kTransactionsPerWriter` transactions of 1–3 events, each event's payload naming
// the writer and its running number.
Status RunWriter(const std::string& url, int writer) {
  ASSIGN_OR_RETURN(auto db, PostgresConnection::Open(url));
  int number = 0;
  for (int transaction = 0; transaction < kTransactionsPerWriter; ++transaction) {
    RETURN_IF_ERROR(db->BeginWrite());
    auto appended = [&]() -> Status {
      ASSIGN_OR_RETURN(LedgerWriter ledger, LedgerWriter::Open(*db));
      for (int i = 0; i <= (transaction + writer) % 3; ++i) {
        LedgerEvent event;
        event.recorded_at = FromUnixSeconds(1'700'000'000 + transaction);
        event.effective_at = event.recorded_at;
        event.type = "TestEvent";
        event.person_id = writer;
        event.command_id = writer * 1000 + transaction;
        event.payload = std::to_string(writer) + ":" + std::to_string(number++);
        RETURN_IF_ERROR(ledger.Append(event));
      }
      return ledger.Finish();
    }();
    if (!appended.ok()) {
      (void)db->Rollback();
      return appended.WithContext("writer " + std::to_string(writer));
    }
    RETURN_IF_ERROR(db->Commit());
  }
  return Status::Ok();
}

TEST(LedgerConcurrencyTest, TailingReaderSeesEverySeqOnceInOrderUnderConcurrentWriters) {
  ASSERT_TRUE(InitCrypto().ok());
  auto server = PostgresServer::Shared();
  ASSERT_TRUE(server.ok()) << server.status().ToString();

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string database = "concurrency_" + std::to_string(round);
    ASSERT_TRUE((*server)->CreateDatabase(database).ok());
    const std::string url = (*server)->UrlFor(database);
    auto owner = PostgresConnection::Open(url);
    ASSERT_TRUE(owner.ok()) << owner.status().ToString();
    ASSERT_TRUE(Migrate(**owner).ok());

    std::atomic<int> writers_done{0};
    std::vector<Status> writer_status(kWriters);
    std::vector<SeenEvent> seen;
    Status reader_status;

    std::thread reader([&] {
      auto db = PostgresConnection::Open(url);
      if (!db.ok()) {
        reader_status = db.status();
        return;
      }
      int64_t last_seen = 0;
      while (true) {
        // Read after checking: once all writers are done, one more empty read means the
        // reader has everything.
        bool finished = writers_done.load() == kWriters;
        int64_t batch = 0;
        Status status = ReadEvents(**db, last_seen, 64, [&](const LedgerEvent& event) {
          seen.push_back({event.seq, event.prev_hash, event.hash, event.payload});
          last_seen = event.seq;
          ++batch;
          return Status::Ok();
        });
        if (!status.ok()) {
          reader_status = status;
          return;
        }
        if (batch == 0 && finished) return;
      }
    });

    std::vector<std::thread> writers;
    for (int writer = 0; writer < kWriters; ++writer) {
      writers.emplace_back([&, writer] {
        writer_status[writer] = RunWriter(url, writer);
        ++writers_done;
      });
    }
    for (std::thread& writer : writers) writer.join();
    reader.join();

    for (int writer = 0; writer < kWriters; ++writer) {
      ASSERT_TRUE(writer_status[writer].ok()) << writer_status[writer].ToString();
    }
    ASSERT_TRUE(reader_status.ok()) << reader_status.ToString();

    // Every seq exactly once, in order, no gaps, each linked to the one before.
    int64_t expected_events = 0;
    for (int writer = 0; writer < kWriters; ++writer) {
      for (int transaction = 0; transaction < kTransactionsPerWriter; ++transaction) {
        expected_events += (transaction + writer) % 3 + 1;
      }
    }
    ASSERT_EQ(static_cast<int64_t>(seen.size()), expected_events);
    std::string previous_hash(kGenesisHash);
    std::map<int, int> next_number;  // per writer: its events appear in the order it wrote them
    for (size_t i = 0; i < seen.size(); ++i) {
      ASSERT_EQ(seen[i].seq, static_cast<int64_t>(i) + 1);
      ASSERT_EQ(seen[i].prev_hash, previous_hash) << "seq " << seen[i].seq;
      previous_hash = seen[i].hash;
      size_t colon = seen[i].payload.find(':');
      int writer = std::stoi(seen[i].payload.substr(0, colon));
      int number = std::stoi(seen[i].payload.substr(colon + 1));
      ASSERT_EQ(number, next_number[writer]) << "writer " << writer << " at seq " << seen[i].seq;
      ++next_number[writer];
    }

    // What the reader saw is what the table holds.
    std::vector<SeenEvent> stored;
    ASSERT_TRUE(ReadEvents(**owner, 0, expected_events + 10, [&](const LedgerEvent& event) {
                  stored.push_back({event.seq, event.prev_hash, event.hash, event.payload});
                  return Status::Ok();
                }).ok());
    ASSERT_EQ(stored.size(), seen.size());
    for (size_t i = 0; i < stored.size(); ++i) {
      EXPECT_EQ(stored[i].seq, seen[i].seq);
      EXPECT_EQ(stored[i].hash, seen[i].hash);
    }

    auto verification = VerifyLedger(**owner);
    ASSERT_TRUE(verification.ok()) << verification.status().ToString();
    EXPECT_EQ(verification->events_checked, expected_events);
    EXPECT_EQ(verification->head_hash, previous_hash);
  }
}

}  // namespace
}  // namespace muster
