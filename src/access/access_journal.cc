#include "access/access_journal.h"


#include <algorithm>
#include <charconv>
#include <cstdio>
#include <future>
#include <tuple>
#include <thread>

#include "access/access_index.h"
#include "common/crypto.h"

namespace muster::access {
namespace {

std::string EntryHash(const std::string& prev_hash, int64_t entry_id, const AccessEntry& entry) {
  std::string id = std::to_string(entry_id);
  std::string at = std::to_string(ToUnixSeconds(entry.at));
  std::string account = std::to_string(entry.account_id);
  std::string person = entry.person_id ? std::to_string(*entry.person_id) : "";
  // Unit separators keep field boundaries unambiguous.
  constexpr std::string_view kSep = "\x1f";
  if (entry.detail.empty()) {
    // Entries written before packed entries existed hash exactly as they did.
    return Sha256Hex({prev_hash, kSep, id, kSep, at, kSep, account, kSep, entry.actor, kSep,
                      entry.actor_kind, kSep, person, kSep, entry.action, kSep, entry.resource,
                      kSep, entry.fields, kSep, entry.purpose, kSep, entry.outcome});
  }
  return Sha256Hex({prev_hash, kSep, id, kSep, at, kSep, account, kSep, entry.actor, kSep,
                    entry.actor_kind, kSep, person, kSep, entry.action, kSep, entry.resource, kSep,
                    entry.fields, kSep, entry.purpose, kSep, entry.outcome, kSep, entry.detail});
}

// Calls `visit(person_id, outcome)` for each line of a packed entry's detail; `outcome` is
// empty where the entry's own outcome applies. Stops early when `visit` returns false.
template <typename Visit>
void ForEachPacked(std::string_view detail, Visit visit) {
  while (!detail.empty()) {
    size_t end = detail.find('\n');
    std::string_view line = detail.substr(0, end);
    detail.remove_prefix(end == std::string_view::npos ? detail.size() : end + 1);
    size_t tab = line.find('\t');
    std::string_view id_text = line.substr(0, tab);
    PersonId person_id = 0;
    auto parsed = std::from_chars(id_text.data(), id_text.data() + id_text.size(), person_id);
    if (parsed.ec != std::errc() || person_id <= 0) continue;  // covered by the hash; skip
    std::string_view outcome = tab == std::string_view::npos ? "" : line.substr(tab + 1);
    if (!visit(person_id, outcome)) return;
  }
}

constexpr std::string_view kEntryColumns =
    "entry_id, at, account_id, actor, actor_kind, person_id, action, resource, fields, purpose, "
    "outcome, detail";

// Reads kEntryColumns from `query` (starting at column 0).
AccessRecord EntryFrom(const Query& query) {
  AccessRecord record;
  record.entry_id = query.Int(0);
  record.entry.at = FromUnixSeconds(query.Int(1));
  record.entry.account_id = query.Int(2);
  record.entry.actor = query.Text(3);
  record.entry.actor_kind = query.Text(4);
  record.entry.person_id = query.OptionalInt(5);
  record.entry.action = query.Text(6);
  record.entry.resource = query.Text(7);
  record.entry.fields = query.Text(8);
  record.entry.purpose = query.Text(9);
  record.entry.outcome = query.Text(10);
  record.entry.detail = query.Text(11);
  return record;
}

}  // namespace

void PackedPersons::Add(PersonId person_id, std::string_view outcome,
                        std::string_view common_outcome) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, person_id);
  text_.append(digits, end);
  if (outcome != common_outcome) {
    text_ += '\t';
    text_ += outcome;
  }
  text_ += '\n';
  ++count_;
}

namespace {

// Checks come by the thousand from one agency: the checks of one group commit asked by the same
// account, in the same second, through the same route and for the same purpose become one
// packed entry (their persons and answers in `detail`), so the chain grows by one row per
// group instead of one per check. Everything else is written as it came.
std::vector<AccessEntry> PackChecks(const std::vector<AccessEntry>& entries) {
  auto packable = [](const AccessEntry& entry) {
    return entry.action == "check" && entry.person_id && entry.detail.empty();
  };
  auto same_group = [](const AccessEntry& a, const AccessEntry& b) {
    return a.at == b.at && a.account_id == b.account_id && a.actor == b.actor &&
           a.actor_kind == b.actor_kind && a.resource == b.resource && a.fields == b.fields &&
           a.purpose == b.purpose;
  };
  std::vector<AccessEntry> out;
  out.reserve(entries.size());
  std::vector<bool> taken(entries.size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (taken[i]) continue;
    const AccessEntry& first = entries[i];
    if (!packable(first)) {
      out.push_back(first);
      continue;
    }
    PackedPersons persons;
    size_t members = 0;
    for (size_t j = i; j < entries.size(); ++j) {
      if (taken[j] || !packable(entries[j]) || !same_group(first, entries[j])) continue;
      taken[j] = true;
      persons.Add(*entries[j].person_id, entries[j].outcome, first.outcome);
      ++members;
    }
    if (members == 1) {
      out.push_back(first);
      continue;
    }
    AccessEntry packed = first;
    packed.person_id.reset();
    packed.detail = persons.Take();
    out.push_back(std::move(packed));
  }
  return out;
}

// Appends `entries` (packed) to the chain inside the caller's write transaction.
Status WriteEntries(Connection& connection, const std::vector<AccessEntry>& entries) {
  std::string head_sql = "SELECT entry_id, hash FROM access_journal_head WHERE id = 1";
  head_sql += connection.dialect().lock_suffix;
  int64_t last_id = 0;
  std::string hash;
  {
    ASSIGN_OR_RETURN(Query head, Query::Make(connection, head_sql));
    ASSIGN_OR_RETURN(bool found, head.Next());
    if (!found) return Internal("access journal: no head row");
    last_id = head.Int(0);
    hash = head.Text(1);
  }
  for (const AccessEntry& entry : entries) {
    // A Query binds once; the statement itself is cached by the connection.
    ASSIGN_OR_RETURN(Query insert,
                     Query::Make(connection,
                                 "INSERT INTO access_journal (entry_id, at, account_id, actor, "
                                 "actor_kind, person_id, action, resource, fields, purpose, "
                                 "outcome, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, "
                                 "$6, $7, $8, $9, $10, $11, $12, $13, $14)"));
    int64_t id = ++last_id;
    std::string next = EntryHash(hash, id, entry);
    insert.Bind(id)
        .Bind(ToUnixSeconds(entry.at))
        .Bind(entry.account_id)
        .Bind(entry.actor)
        .Bind(entry.actor_kind)
        .Bind(entry.person_id)
        .Bind(entry.action)
        .Bind(entry.resource)
        .Bind(entry.fields)
        .Bind(entry.purpose)
        .Bind(entry.outcome)
        .Bind(entry.detail)
        .Bind(hash)
        .Bind(next);
    RETURN_IF_ERROR(insert.Run().status());
    hash = std::move(next);
  }
  return ExecuteSql(connection,
                    "UPDATE access_journal_head SET entry_id = $1, hash = $2 WHERE id = 1",
                    last_id, hash)
      .status();
}

// The rest of a commit once `connection` is in a write transaction: write, then commit, or
// roll back on any error.
Status WriteAndCommit(Connection& connection, const std::vector<AccessEntry>& entries) {
  Status status = WriteEntries(connection, entries);
  if (!status.ok()) {
    (void)connection.Rollback();
    return status.WithContext("access journal");
  }
  return connection.Commit();
}

}  // namespace

Status AppendAccessEntries(Connection& connection, const std::vector<AccessEntry>& given) {
  if (given.empty()) return Status::Ok();
  const std::vector<AccessEntry> entries = PackChecks(given);
  RETURN_IF_ERROR(connection.BeginWrite());
  return WriteAndCommit(connection, entries);
}

Result<std::unique_ptr<AccessJournal>> AccessJournal::Start(std::unique_ptr<Connection> connection) {
  if (connection == nullptr) return Internal("access journal: no connection");
  std::unique_ptr<AccessJournal> journal(new AccessJournal(std::move(connection), {}));
  journal->writer_ = std::thread([raw = journal.get()] { raw->Run(); });
  return journal;
}

Result<std::unique_ptr<AccessJournal>> AccessJournal::Start(const Connector& connect,
                                                            AccessJournalOptions options) {
  if (options.sync_interval.count() < 0) {
    return InvalidArgument("journal-sync-ms: must not be negative");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, connect());
  std::unique_ptr<AccessJournal> journal(new AccessJournal(std::move(connection), options));
  ASSIGN_OR_RETURN(journal->index_connection_, connect());
  if (options.sync_interval.count() > 0) {
    ASSIGN_OR_RETURN(journal->sync_connection_, connect());
    // The writer's commits return once the store has them; the syncer makes them durable.
    const SqlDialect& dialect = journal->connection_->dialect();
    RETURN_IF_ERROR(journal->connection_->Execute(dialect.written_commits));
  }
  journal->writer_ = std::thread([raw = journal.get()] { raw->Run(); });
  journal->indexer_ = std::thread([raw = journal.get()] { raw->RunIndexer(); });
  if (journal->sync_connection_) {
    journal->syncer_ = std::thread([raw = journal.get()] { raw->RunSyncer(); });
  }
  return journal;
}

AccessJournal::AccessJournal(std::unique_ptr<Connection> connection, AccessJournalOptions options)
    : connection_(std::move(connection)), options_(options) {}

AccessJournal::~AccessJournal() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  index_wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(mutex_);
    writer_done_ = true;
  }
  sync_wake_.notify_all();
  if (syncer_.joinable()) syncer_.join();  // syncs what the writer committed last
  if (indexer_.joinable()) indexer_.join();
}

void AccessJournal::Append(std::vector<AccessEntry> entries, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push_back({std::move(entries), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Unavailable("access journal: stopping"));
}

Status AccessJournal::AppendAndWait(std::vector<AccessEntry> entries) {
  std::promise<Status> promise;
  std::future<Status> result = promise.get_future();
  Append(std::move(entries), [&promise](Status status) { promise.set_value(std::move(status)); });
  return result.get();
}

int64_t AccessJournal::entries_written() const {
  std::lock_guard lock(mutex_);
  return entries_written_;
}

int64_t AccessJournal::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

int64_t AccessJournal::syncs() const {
  std::lock_guard lock(mutex_);
  return syncs_;
}

void AccessJournal::Run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping with nothing left
      batch.swap(pending_);
    }
    std::vector<AccessEntry> entries;
    for (Pending& pending : batch) {
      for (AccessEntry& entry : pending.entries) entries.push_back(std::move(entry));
    }
    Status status;
    {
      std::lock_guard writing(connection_mutex_);
      status = AppendAccessEntries(*connection_, entries);
    }
    if (status.ok()) Committed(entries.size());
    for (Pending& pending : batch) pending.done(status);
  }
}

std::optional<Status> AccessJournal::TryCommit(const std::vector<AccessEntry>& entries) {
  if (entries.empty()) return Status::Ok();
  std::unique_lock writing(connection_mutex_, std::try_to_lock);
  if (!writing.owns_lock()) return std::nullopt;  // the writer thread is committing
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return std::nullopt;  // Append answers that
  }
  if (!connection_->BeginWriteWithoutWaiting().ok()) return std::nullopt;
  Status status = WriteAndCommit(*connection_, PackChecks(entries));
  writing.unlock();
  if (status.ok()) Committed(entries.size());
  return status;
}

void AccessJournal::Committed(size_t entries) {
  constexpr int64_t kIndexBatch = 4096;  // journal rows that wake the indexer before its timer
  bool wake_syncer = false;
  bool wake_indexer = false;
  {
    std::lock_guard lock(mutex_);
    entries_written_ += static_cast<int64_t>(entries);
    ++commits_;
    // Without a syncer every commit was synced itself.
    if (sync_connection_) wake_syncer = unsynced_commits_++ == 0;
    wake_indexer = unindexed_commits_++ == kIndexBatch;
  }
  // Each wake-up is a context switch: only the first unsynced commit starts the syncer's
  // interval, and the indexer comes by its timer unless the backlog grows large.
  if (wake_syncer) sync_wake_.notify_one();
  if (wake_indexer) index_wake_.notify_one();
}

void AccessJournal::RunSyncer() {
  using SteadyClock = std::chrono::steady_clock;
  SteadyClock::time_point last_checkpoint = SteadyClock::now();
  const SqlDialect& dialect = sync_connection_->dialect();
  for (;;) {
    int64_t syncing = 0;
    {
      std::unique_lock lock(mutex_);
      sync_wake_.wait(lock, [this] { return writer_done_ || unsynced_commits_ > 0; });
      if (unsynced_commits_ == 0) return;  // the writer stopped and everything is synced
      // Commits that arrive within the interval ride on one sync.
      if (!writer_done_) {
        sync_wake_.wait_for(lock, options_.sync_interval, [this] { return writer_done_; });
      }
      syncing = unsynced_commits_;
    }
    Status synced = sync_connection_->SyncCommitted();
    if (!synced.ok()) {
      std::fprintf(stderr, "access journal sync: %s\n", synced.ToString().c_str());
      std::lock_guard lock(mutex_);
      if (writer_done_) return;  // stopping: the next start's first sync carries them
      std::this_thread::sleep_for(options_.sync_interval);  // then retry
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      unsynced_commits_ -= syncing;
      ++syncs_;
    }
    // Unsynced commits leave checkpoints to others (sqlite_connection.cc); under a load of
    // reads alone nobody else commits, so the syncer keeps the WAL from growing.
    SteadyClock::time_point now = SteadyClock::now();
    if (!dialect.checkpoint.empty() && now - last_checkpoint >= std::chrono::seconds(1)) {
      Status checkpointed = sync_connection_->Execute(dialect.checkpoint);
      if (!checkpointed.ok()) {
        std::fprintf(stderr, "access journal checkpoint: %s\n", checkpointed.ToString().c_str());
      }
      last_checkpoint = now;
    }
  }
}

void AccessJournal::RunIndexer() {
  // The index is a projection that readers complete from the journal itself, so it works
  // behind the writer: on a timer, in passes of up to a few thousand rows (each a sorted run,
  // written sequentially — access_index.h), then the merges that are due, in bounded steps.
  // Commits are not synced: a power loss takes the watermark back with the rows, and the
  // indexer redoes them. It keeps the normal priority on purpose: its short transactions hold
  // the store's write lock (on SQLite), and a low-priority holder would be descheduled while
  // the journal's appends wait for it.
  constexpr auto kIndexInterval = std::chrono::milliseconds(200);
  constexpr int64_t kRowsPerPass = 8192;
  const SqlDialect& dialect = index_connection_->dialect();
  Status relaxed = index_connection_->Execute(dialect.written_commits);
  if (!relaxed.ok()) std::fprintf(stderr, "access journal index: %s\n", relaxed.ToString().c_str());
  bool catch_up = true;  // whatever an earlier process left
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      index_wake_.wait_for(lock, kIndexInterval, [this] { return stopping_; });
      if (stopping_) return;
      if (unindexed_commits_ == 0 && !catch_up) continue;
      unindexed_commits_ = 0;
      catch_up = false;
    }
    auto report = [&](const Status& status) {
      std::fprintf(stderr, "access journal index: %s\n", status.ToString().c_str());
      catch_up = true;  // retried at the next wake
    };
    // SQLite's lock is not fair: a writer waiting in its busy handler polls, and a loop of
    // transactions would take the lock back before it looks (a bulk check waited 1.2 s). So
    // after each transaction the indexer leaves the lock free for as long as it held it, and
    // at least a millisecond — at most half its time.
    auto yield = [&](std::chrono::steady_clock::time_point started) {
      auto held = std::chrono::steady_clock::now() - started;
      std::unique_lock lock(mutex_);
      index_wake_.wait_for(lock, std::max<std::chrono::steady_clock::duration>(
                                     held, std::chrono::milliseconds(1)),
                           [this] { return stopping_; });
      return !stopping_;
    };
    // Each pass is followed by the merges it made due, so runs never pile up — not even while
    // a long journal is indexed from the start.
    for (bool more = true; more;) {
      auto started = std::chrono::steady_clock::now();
      Result<int64_t> indexed = IndexAccessJournal(*index_connection_, kRowsPerPass);
      if (!indexed.ok()) {
        report(indexed.status());
        break;
      }
      more = *indexed > 0;
      if (!yield(started)) return;
      for (bool merging = true; merging;) {
        started = std::chrono::steady_clock::now();
        Result<bool> merged = MergeAccessIndexStep(*index_connection_);
        if (!merged.ok()) {
          report(merged.status());
          more = false;
          break;
        }
        merging = *merged;
        if (merging && !yield(started)) return;
      }
    }
  }
}

Result<int64_t> IndexAccessJournal(Connection& connection, int64_t max_rows) {
  RETURN_IF_ERROR(connection.BeginWrite());
  auto index = [&]() -> Result<int64_t> {
    std::string head_sql = "SELECT indexed_through FROM access_journal_index_head WHERE id = 1";
    head_sql += connection.dialect().lock_suffix;
    int64_t through = 0;
    {
      ASSIGN_OR_RETURN(Query head, Query::Make(connection, head_sql));
      ASSIGN_OR_RETURN(bool found, head.Next());
      if (!found) return Internal("access journal index: no head row");
      through = head.Int(0);
    }
    std::vector<IndexRow> rows;
    int64_t entries = 0;
    int64_t last = through;
    {
      ASSIGN_OR_RETURN(Query query,
                       Query::Make(connection,
                                   "SELECT entry_id, person_id, detail FROM access_journal "
                                   "WHERE entry_id > $1 ORDER BY entry_id LIMIT 2048"));
      query.Bind(through);
      for (;;) {
        if (static_cast<int64_t>(rows.size()) >= max_rows) break;
        ASSIGN_OR_RETURN(bool row, query.Next());
        if (!row) break;
        int64_t entry_id = query.Int(0);
        if (std::optional<int64_t> person = query.OptionalInt(1)) {
          rows.push_back({*person, entry_id, std::nullopt});
        }
        ForEachPacked(query.TextView(2), [&](PersonId person_id, std::string_view outcome) {
          rows.push_back({person_id, entry_id,
                          outcome.empty() ? std::nullopt : std::optional<std::string>(outcome)});
          return true;
        });
        ++entries;
        last = entry_id;
      }
    }
    if (entries == 0) return int64_t{0};
    RETURN_IF_ERROR(AppendIndexRun(connection, std::move(rows)));
    RETURN_IF_ERROR(ExecuteSql(connection,
                               "UPDATE access_journal_index_head SET indexed_through = $1 "
                               "WHERE id = 1",
                               last)
                        .status());
    return entries;
  };
  Result<int64_t> indexed = index();
  if (!indexed.ok()) {
    (void)connection.Rollback();
    return indexed.status().WithContext("access journal index");
  }
  RETURN_IF_ERROR(connection.Commit());
  return indexed;
}

Result<std::vector<AccessRecord>> ReadAccessesOfPerson(Connection& connection, PersonId person_id,
                                                       int limit, std::optional<int64_t> before) {
  const int64_t below = before.value_or(INT64_MAX);
  std::vector<AccessRecord> records;
  // The watermark first: entries above it come from the journal, those at or below it from
  // the index — complete under any isolation level, however far the indexer has come.
  int64_t through = 0;
  {
    ASSIGN_OR_RETURN(Query head, Query::Make(connection,
                                             "SELECT indexed_through FROM "
                                             "access_journal_index_head WHERE id = 1"));
    ASSIGN_OR_RETURN(bool found, head.Next());
    if (found) through = head.Int(0);
  }
  {
    ASSIGN_OR_RETURN(Query tail,
                     Query::Make(connection, "SELECT " + std::string(kEntryColumns) +
                                                 " FROM access_journal WHERE entry_id > $1 AND "
                                                 "entry_id < $2 AND (person_id = $3 OR "
                                                 "detail <> '') ORDER BY entry_id DESC"));
    tail.Bind(through).Bind(below).Bind(person_id);
    while (static_cast<int>(records.size()) < limit) {
      ASSIGN_OR_RETURN(bool row, tail.Next());
      if (!row) break;
      AccessRecord record = EntryFrom(tail);
      if (!record.entry.detail.empty()) {
        bool covered = false;
        ForEachPacked(record.entry.detail, [&](PersonId packed, std::string_view outcome) {
          if (packed != person_id) return true;
          covered = true;
          if (!outcome.empty()) record.entry.outcome = std::string(outcome);
          return false;
        });
        if (!covered) continue;
      }
      record.entry.person_id = person_id;
      record.entry.detail.clear();  // the other persons of a packed entry are not theirs to see
      records.push_back(std::move(record));
    }
  }
  if (static_cast<int>(records.size()) >= limit) return records;
  std::string indexed_sql = "SELECT j.entry_id, j.at, j.account_id, j.actor, j.actor_kind, "
                            "j.person_id, j.action, j.resource, j.fields, j.purpose, "
                            "COALESCE(p.outcome, j.outcome), '' FROM access_journal_persons p "
                            "JOIN access_journal j ON j.entry_id = p.entry_id "
                            "WHERE p.run_id IN (SELECT run_id FROM access_index_runs) AND "
                            "p.person_id = $1 AND p.entry_id <= $2 AND p.entry_id < $3 "
                            "ORDER BY p.entry_id DESC LIMIT $4";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, indexed_sql));
  query.Bind(person_id)
      .Bind(through)
      .Bind(below)
      .Bind(static_cast<int64_t>(limit - static_cast<int>(records.size())));
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    AccessRecord record = EntryFrom(query);
    record.entry.person_id = person_id;
    records.push_back(std::move(record));
  }
  return records;
}

Result<AccessJournalCheck> VerifyAccessJournal(Connection& connection) {
  AccessJournalCheck check;
  RETURN_IF_ERROR(connection.BeginRead());
  auto verify = [&]() -> Status {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection, "SELECT " + std::string(kEntryColumns) +
                                                 ", prev_hash, hash FROM access_journal "
                                                 "ORDER BY entry_id"));
    std::string expected_prev(64, '0');
    int64_t expected_id = 0;
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      ++check.entries;
      AccessRecord record = EntryFrom(query);
      const int64_t id = record.entry_id;
      std::string hash = query.Text(13);
      if (!check.first_bad_entry &&
          (id != ++expected_id || query.TextView(12) != expected_prev ||
           EntryHash(expected_prev, id, record.entry) != hash)) {
        check.first_bad_entry = id;
      }
      expected_prev = hash;
      expected_id = id;
    }
    return Status::Ok();
  };
  Status status = verify();
  (void)connection.Rollback();
  RETURN_IF_ERROR(status);
  return check;
}

}  // namespace muster::access
