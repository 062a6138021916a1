// AccessJournal: who read or checked whose data, when, which fields and why.
//
// DESIGN.md §2: every read of personal data is logged and a citizen can list the reads of
// their own record. The journal is append-only and hash-chained like the ledger (each entry's
// hash covers the previous one), so an edit or a deletion is found by VerifyAccessJournal.
//
// Reads are frequent and must not each pay a durable commit: a writer thread with its own
// connection takes whatever entries are waiting and appends them in one transaction (group
// commit). A caller is told when its entries are durable, and the HTTP layer answers only
// then — no data leaves the registry without its journal entry on disk.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"
#include "store/database.h"

namespace muster::access {

struct AccessEntry {
  Instant at{};
  int64_t account_id = 0;
  std::string actor;       // "officer:ivanova", "agency:border-fsb", "citizen:citizen-17"
  std::string actor_kind;  // officer | agency | citizen | admin
  std::optional<PersonId> person_id;
  std::string action;    // read | search | check | issue | record | …
  std::string resource;  // "GET /persons/{id}/timeline"
  std::string fields;    // what was disclosed: "card,identifiers"
  std::string purpose;   // stated purpose (X-Purpose header), or the route's default
  std::string outcome;   // "ok", "denied: jurisdiction", an answer summary for checks
};

struct AccessRecord {
  int64_t entry_id = 0;
  AccessEntry entry;
};

class AccessJournal {
 public:
  using Done = std::function<void(Status)>;

  // Starts the writer thread on `connection` (its own; the journal owns it).
  static Result<std::unique_ptr<AccessJournal>> Start(std::unique_ptr<Connection> connection);
  // Flushes what is waiting and stops the writer.
  ~AccessJournal();
  AccessJournal(const AccessJournal&) = delete;
  AccessJournal& operator=(const AccessJournal&) = delete;

  // Queues `entries`; `done` runs on the writer thread once they are committed (OK) or could
  // not be (the error). Thread-safe.
  void Append(std::vector<AccessEntry> entries, Done done);
  // Append and block until committed.
  Status AppendAndWait(std::vector<AccessEntry> entries);

  // Entries committed so far by this journal, and the transactions that wrote them.
  int64_t entries_written() const;
  int64_t commits() const;

 private:
  explicit AccessJournal(std::unique_ptr<Connection> connection);
  void Run();
  Status Write(const std::vector<AccessEntry>& entries);

  std::unique_ptr<Connection> connection_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  struct Pending {
    std::vector<AccessEntry> entries;
    Done done;
  };
  std::deque<Pending> pending_;  // guarded by mutex_
  bool stopping_ = false;        // guarded by mutex_
  int64_t entries_written_ = 0;  // guarded by mutex_
  int64_t commits_ = 0;          // guarded by mutex_
  std::thread writer_;
};

// One committed write of `entries` in the caller's thread (tools and tests).
Status AppendAccessEntries(Connection& connection, const std::vector<AccessEntry>& entries);

// The accesses to `person_id`'s data, newest first; `before` pages (entry ids below it).
Result<std::vector<AccessRecord>> ReadAccessesOfPerson(Connection& connection, PersonId person_id,
                                                       int limit,
                                                       std::optional<int64_t> before = {});

struct AccessJournalCheck {
  int64_t entries = 0;
  std::optional<int64_t> first_bad_entry;  // the first entry whose hash does not verify
};
// Recomputes the chain. A broken link is reported in first_bad_entry, not as an error.
Result<AccessJournalCheck> VerifyAccessJournal(Connection& connection);

}  // namespace muster::access
