// AccessJournal: who read or checked whose data, when, which fields and why.
//
// DESIGN.md §2: every read of personal data is logged and a citizen can list the reads of
// their own record. The journal is append-only and hash-chained like the ledger (each entry's
// hash covers the previous one), so an edit or a deletion is found by VerifyAccessJournal.
//
// Reads are frequent and must not each pay a durable commit: a writer thread with its own
// connection takes whatever entries are waiting and appends them in one transaction (group
// commit). A caller is told when its entries are committed, and the HTTP layer answers only
// then — no data leaves the registry without its journal entry in the store.
//
// How durable "committed" is, is a stated trade-off (docs/ARCHITECTURE.md, "Access journal
// durability"): with `sync_interval` zero every commit waits for stable storage. With a
// positive interval a commit returns once the store has the entries — they survive a crash of
// Muster at any instant — and a syncer thread makes them durable within the interval without
// holding up the writer (Connection::SyncCommitted), so a power loss can take at most the
// last `sync_interval` of entries; the chain then ends earlier, it is never broken.
//
// The by-person index (access_journal_persons) is a projection kept by a background indexer,
// so an append touches no page but the journal's last; readers complete it from the journal
// above the indexer's watermark (ReadAccessesOfPerson).
#pragma once

#include <chrono>
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
  // A packed entry (bulk checks): the persons it covers, one per line, "42" or
  // "42<TAB>outcome" where a person's outcome differs from `outcome`; person_id is then empty.
  // Covered by the entry's hash like every other field. See PackedPersons.
  std::string detail;
};

// Builds the `detail` of a packed entry, person by person.
class PackedPersons {
 public:
  // `outcome` is omitted when it equals the entry's `common_outcome`.
  void Add(PersonId person_id, std::string_view outcome, std::string_view common_outcome);
  size_t size() const { return count_; }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
  size_t count_ = 0;
};

struct AccessRecord {
  int64_t entry_id = 0;
  AccessEntry entry;
};

struct AccessJournalOptions {
  // Longest time a committed entry may wait for stable storage; zero syncs every commit.
  std::chrono::milliseconds sync_interval{0};
};

class AccessJournal {
 public:
  using Done = std::function<void(Status)>;
  using Connector = std::function<Result<std::unique_ptr<Connection>>()>;

  // Starts the writer thread on `connection` (its own; the journal owns it); every commit is
  // synced and there is no background indexer (tools and tests).
  static Result<std::unique_ptr<AccessJournal>> Start(std::unique_ptr<Connection> connection);
  // The server's journal: the writer, the indexer and (with a sync interval) the syncer, each
  // on a connection of its own from `connect`.
  static Result<std::unique_ptr<AccessJournal>> Start(const Connector& connect,
                                                      AccessJournalOptions options);
  // Flushes what is waiting, syncs, and stops the threads.
  ~AccessJournal();
  AccessJournal(const AccessJournal&) = delete;
  AccessJournal& operator=(const AccessJournal&) = delete;

  // Queues `entries`; `done` runs on the writer thread once they are committed (OK) or could
  // not be (the error). Thread-safe.
  void Append(std::vector<AccessEntry> entries, Done done);
  // Append and block until committed.
  Status AppendAndWait(std::vector<AccessEntry> entries);
  // Commits `entries` in the caller's thread if that needs no wait: the journal's connection
  // is free (the writer thread is not committing) and the store grants its write lock at once
  // (Connection::BeginWriteWithoutWaiting; never on PostgreSQL). Otherwise writes nothing and
  // returns nullopt — the caller then uses Append. For an event loop: one commit of the
  // entries its requests gathered, with no hand-off to the writer thread and back.
  std::optional<Status> TryCommit(const std::vector<AccessEntry>& entries);

  // Entries committed so far by this journal, the transactions that wrote them, and the
  // syncs that made committed entries durable (with a sync interval).
  int64_t entries_written() const;
  int64_t commits() const;
  int64_t syncs() const;

 private:
  AccessJournal(std::unique_ptr<Connection> connection, AccessJournalOptions options);
  void Run();
  void RunIndexer();
  void RunSyncer();
  // Bookkeeping after a commit of `entries` entries; wakes the syncer and the indexer.
  void Committed(size_t entries);

  // The writer's connection; connection_mutex_ is held while it is used (the writer thread
  // or a TryCommit caller), never together with mutex_.
  std::mutex connection_mutex_;
  std::unique_ptr<Connection> connection_;
  const AccessJournalOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  struct Pending {
    std::vector<AccessEntry> entries;
    Done done;
  };
  std::deque<Pending> pending_;  // guarded by mutex_
  bool stopping_ = false;        // guarded by mutex_
  bool writer_done_ = false;     // guarded by mutex_: the writer has committed its last
  int64_t entries_written_ = 0;  // guarded by mutex_
  int64_t commits_ = 0;          // guarded by mutex_
  int64_t syncs_ = 0;            // guarded by mutex_
  int64_t unsynced_commits_ = 0;  // guarded by mutex_
  int64_t unindexed_commits_ = 0;  // guarded by mutex_: commits since the indexer's last pass
  std::condition_variable index_wake_;
  std::condition_variable sync_wake_;
  std::thread writer_;
  std::unique_ptr<Connection> index_connection_;
  std::thread indexer_;
  std::unique_ptr<Connection> sync_connection_;
  std::thread syncer_;
};

// Indexes by person up to about `max_rows` persons of the entries above the index's
// watermark, in one transaction; returns how many entries it indexed (0: caught up). Run by
// the journal's indexer thread; tools and tests call it directly.
Result<int64_t> IndexAccessJournal(Connection& connection, int64_t max_rows = 2000);

// One committed write of `entries` in the caller's thread (tools and tests).
Status AppendAccessEntries(Connection& connection, const std::vector<AccessEntry>& entries);

// The accesses to `person_id`'s data, newest first; `before` pages (entry ids below it).
// Complete whether or not the indexer has caught up: entries above its watermark are read
// from the journal itself.
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
