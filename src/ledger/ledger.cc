#include "ledger/ledger.h"

#include "common/crypto.h"

namespace muster {
namespace {

constexpr char kFieldSeparator = '\x1f';  // ASCII unit separator: never in JSON text or names

void AppendField(std::string& out, std::string_view value) {
  out.append(value);
  out.push_back(kFieldSeparator);
}

LedgerEvent ReadEventRow(const Query& query) {
  LedgerEvent event;
  event.seq = query.Int(0);
  event.recorded_at = FromUnixSeconds(query.Int(1));
  event.effective_at = FromUnixSeconds(query.Int(2));
  event.type = query.Text(3);
  event.person_id = query.OptionalInt(4);
  event.command_id = query.Int(5);
  event.payload = query.Text(6);
  event.prev_hash = query.Text(7);
  event.hash = query.Text(8);
  return event;
}

constexpr std::string_view kInsertEvent =
    "INSERT INTO ledger_events (seq, recorded_at, effective_at, type, person_id, command_id, "
    "payload, prev_hash, hash)";

constexpr std::string_view kSelectEvents =
    "SELECT seq, recorded_at, effective_at, type, person_id, command_id, payload, prev_hash, hash "
    "FROM ledger_events ";

}  // namespace

std::string CanonicalEventBytes(const LedgerEvent& event) {
  std::string out;
  out.reserve(event.payload.size() + 128);
  out.append("muster-event-v1");
  out.push_back(kFieldSeparator);
  AppendField(out, std::to_string(event.seq));
  AppendField(out, std::to_string(ToUnixSeconds(event.recorded_at)));
  AppendField(out, std::to_string(ToUnixSeconds(event.effective_at)));
  AppendField(out, event.type);
  AppendField(out, event.person_id ? std::to_string(*event.person_id) : "-");
  AppendField(out, std::to_string(event.command_id));
  out.append(event.payload);
  return out;
}

std::string ChainHash(std::string_view prev_hash, const LedgerEvent& event) {
  return Sha256Hex({prev_hash, std::string_view(&kFieldSeparator, 1), CanonicalEventBytes(event)});
}

Result<LedgerWriter> LedgerWriter::Open(Connection& connection) {
  std::string sql = "SELECT seq, hash FROM ledger_head WHERE id = 1";
  sql += connection.dialect().lock_suffix;
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return DataLoss("ledger: the ledger head row is missing");
  return LedgerWriter(connection, query.Int(0), query.Text(1));
}

Status LedgerWriter::Append(LedgerEvent& event) {
  RETURN_IF_ERROR(Flush());
  event.seq = head_seq_ + 1;
  event.prev_hash = head_hash_;
  event.hash = ChainHash(event.prev_hash, event);
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(*connection_, std::string(kInsertEvent) +
                                                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"));
  query.Bind(event.seq)
      .Bind(ToUnixSeconds(event.recorded_at))
      .Bind(ToUnixSeconds(event.effective_at))
      .Bind(event.type)
      .Bind(event.person_id)
      .Bind(event.command_id)
      .Bind(event.payload)
      .Bind(event.prev_hash)
      .Bind(event.hash);
  RETURN_IF_ERROR(query.Run().status());
  head_seq_ = event.seq;
  head_hash_ = event.hash;
  return Status::Ok();
}

int64_t LedgerWriter::AppendBuffered(LedgerEvent& event) {
  event.seq = head_seq_ + 1;
  event.prev_hash = head_hash_;
  event.hash = ChainHash(event.prev_hash, event);
  if (!pending_) pending_ = std::make_unique<RowBuffer>(std::string(kInsertEvent), 9);
  pending_->Row()
      .Add(event.seq)
      .Add(ToUnixSeconds(event.recorded_at))
      .Add(ToUnixSeconds(event.effective_at))
      .Add(event.type)
      .Add(event.person_id)
      .Add(event.command_id)
      .Add(event.payload)
      .Add(event.prev_hash)
      .Add(event.hash);
  head_seq_ = event.seq;
  head_hash_ = event.hash;
  return event.seq;
}

Status LedgerWriter::Flush() {
  if (!pending_ || pending_->empty()) return Status::Ok();
  return pending_->Flush(*connection_);
}

Status LedgerWriter::Finish() {
  RETURN_IF_ERROR(Flush());
  if (head_seq_ == opened_seq_) return Status::Ok();
  ASSIGN_OR_RETURN(int64_t changed,
                   ExecuteSql(*connection_, "UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1",
                              head_seq_, head_hash_));
  if (changed != 1) return DataLoss("ledger: the ledger head row is missing");
  opened_seq_ = head_seq_;
  return Status::Ok();
}

Status ReadEvents(Connection& connection, int64_t after_seq, int64_t limit,
                  const std::function<Status(const LedgerEvent&)>& visit) {
  std::string sql(kSelectEvents);
  sql += "WHERE seq > $1 ORDER BY seq LIMIT $2";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(after_seq).Bind(limit);
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return Status::Ok();
    RETURN_IF_ERROR(visit(ReadEventRow(query)));
  }
}

Status ReadPersonEvents(Connection& connection, int64_t person_id,
                        const std::function<Status(const LedgerEvent&)>& visit) {
  std::string sql(kSelectEvents);
  sql += "WHERE person_id = $1 ORDER BY seq";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(person_id);
  std::vector<LedgerEvent> events;  // collected first: `visit` may run queries of its own
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) break;
    events.push_back(ReadEventRow(query));
  }
  for (const LedgerEvent& event : events) RETURN_IF_ERROR(visit(event));
  return Status::Ok();
}

// The walk itself; VerifyLedger runs it inside one read snapshot.
Result<LedgerVerification> VerifyLedgerInSnapshot(Connection& connection,
                                                  const std::function<void(int64_t)>& progress);

Result<LedgerVerification> VerifyLedger(Connection& connection,
                                        const std::function<void(int64_t)>& progress) {
  // One snapshot for the whole walk: writers committing meanwhile must not make the chain and
  // the head disagree.
  bool own_transaction = !connection.InTransaction();
  if (own_transaction) RETURN_IF_ERROR(connection.BeginRead());
  auto verification = VerifyLedgerInSnapshot(connection, progress);
  if (own_transaction) {
    Status ended = connection.Rollback();
    if (verification.ok() && !ended.ok()) return ended;
  }
  return verification;
}

Result<LedgerVerification> VerifyLedgerInSnapshot(Connection& connection,
                                                  const std::function<void(int64_t)>& progress) {
  constexpr int64_t kPage = 50000;
  LedgerVerification verification;
  std::string expected_prev(kGenesisHash);
  int64_t last_seq = 0;
  while (true) {
    int64_t page_events = 0;
    RETURN_IF_ERROR(ReadEvents(connection, last_seq, kPage, [&](const LedgerEvent& event) {
      ++page_events;
      std::string where = "ledger: event " + std::to_string(event.seq) + ": ";
      if (event.seq != last_seq + 1) {
        return DataLoss(where + "sequence gap after " + std::to_string(last_seq) +
                        " — an event was deleted");
      }
      if (event.prev_hash != expected_prev) {
        return DataLoss(where + "previous-hash link broken — an earlier event was changed, "
                                "removed or reordered");
      }
      if (ChainHash(event.prev_hash, event) != event.hash) {
        return DataLoss(where + "hash mismatch — the event was changed after it was written");
      }
      expected_prev = event.hash;
      last_seq = event.seq;
      return Status::Ok();
    }));
    verification.events_checked = last_seq;
    if (progress) progress(last_seq);
    if (page_events < kPage) break;
  }
  ASSIGN_OR_RETURN(Query head, Query::Make(connection, "SELECT seq, hash FROM ledger_head WHERE id = 1"));
  ASSIGN_OR_RETURN(bool found, head.Next());
  if (!found) return DataLoss("ledger: the ledger head row is missing");
  if (head.Int(0) != last_seq || head.TextView(1) != expected_prev) {
    return DataLoss("ledger: head says seq " + std::to_string(head.Int(0)) +
                    " but the chain ends at " + std::to_string(last_seq) +
                    " — events were removed from the end or the head was edited");
  }
  verification.head_hash = expected_prev;
  return verification;
}

}  // namespace muster
