#include "access/access_journal.h"

#include <future>

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
  return Sha256Hex({prev_hash, kSep, id, kSep, at, kSep, account, kSep, entry.actor, kSep,
                    entry.actor_kind, kSep, person, kSep, entry.action, kSep, entry.resource, kSep,
                    entry.fields, kSep, entry.purpose, kSep, entry.outcome});
}

}  // namespace

Status AppendAccessEntries(Connection& connection, const std::vector<AccessEntry>& entries) {
  if (entries.empty()) return Status::Ok();
  RETURN_IF_ERROR(connection.BeginWrite());
  auto write = [&]() -> Status {
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
                                   "outcome, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, "
                                   "$7, $8, $9, $10, $11, $12, $13)"));
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
          .Bind(hash)
          .Bind(next);
      RETURN_IF_ERROR(insert.Run().status());
      hash = std::move(next);
    }
    return ExecuteSql(connection,
                      "UPDATE access_journal_head SET entry_id = $1, hash = $2 WHERE id = 1",
                      last_id, hash)
        .status();
  };
  Status status = write();
  if (!status.ok()) {
    (void)connection.Rollback();
    return status.WithContext("access journal");
  }
  return connection.Commit();
}

Result<std::unique_ptr<AccessJournal>> AccessJournal::Start(std::unique_ptr<Connection> connection) {
  if (connection == nullptr) return Internal("access journal: no connection");
  std::unique_ptr<AccessJournal> journal(new AccessJournal(std::move(connection)));
  journal->writer_ = std::thread([raw = journal.get()] { raw->Run(); });
  return journal;
}

AccessJournal::AccessJournal(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

AccessJournal::~AccessJournal() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
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
    Status status = AppendAccessEntries(*connection_, entries);
    if (status.ok()) {
      std::lock_guard lock(mutex_);
      entries_written_ += static_cast<int64_t>(entries.size());
      ++commits_;
    }
    for (Pending& pending : batch) pending.done(status);
  }
}

Result<std::vector<AccessRecord>> ReadAccessesOfPerson(Connection& connection, PersonId person_id,
                                                       int limit, std::optional<int64_t> before) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT entry_id, at, account_id, actor, actor_kind, action, "
                               "resource, fields, purpose, outcome FROM access_journal "
                               "WHERE person_id = $1 AND entry_id < $2 "
                               "ORDER BY entry_id DESC LIMIT $3"));
  query.Bind(person_id).Bind(before.value_or(INT64_MAX)).Bind(static_cast<int64_t>(limit));
  std::vector<AccessRecord> records;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    AccessRecord record;
    record.entry_id = query.Int(0);
    record.entry.at = FromUnixSeconds(query.Int(1));
    record.entry.account_id = query.Int(2);
    record.entry.actor = query.Text(3);
    record.entry.actor_kind = query.Text(4);
    record.entry.person_id = person_id;
    record.entry.action = query.Text(5);
    record.entry.resource = query.Text(6);
    record.entry.fields = query.Text(7);
    record.entry.purpose = query.Text(8);
    record.entry.outcome = query.Text(9);
    records.push_back(std::move(record));
  }
  return records;
}

Result<AccessJournalCheck> VerifyAccessJournal(Connection& connection) {
  AccessJournalCheck check;
  RETURN_IF_ERROR(connection.BeginRead());
  auto verify = [&]() -> Status {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection,
                                 "SELECT entry_id, at, account_id, actor, actor_kind, person_id, "
                                 "action, resource, fields, purpose, outcome, prev_hash, hash "
                                 "FROM access_journal ORDER BY entry_id"));
    std::string expected_prev(64, '0');
    int64_t expected_id = 0;
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      ++check.entries;
      AccessEntry entry;
      int64_t id = query.Int(0);
      entry.at = FromUnixSeconds(query.Int(1));
      entry.account_id = query.Int(2);
      entry.actor = query.Text(3);
      entry.actor_kind = query.Text(4);
      entry.person_id = query.OptionalInt(5);
      entry.action = query.Text(6);
      entry.resource = query.Text(7);
      entry.fields = query.Text(8);
      entry.purpose = query.Text(9);
      entry.outcome = query.Text(10);
      std::string hash = query.Text(12);
      if (!check.first_bad_entry &&
          (id != ++expected_id || query.TextView(11) != expected_prev ||
           EntryHash(expected_prev, id, entry) != hash)) {
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
