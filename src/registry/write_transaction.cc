#include "registry/write_transaction.h"

#include "common/crypto.h"
#include "registry/projector.h"

namespace muster {

Result<std::unique_ptr<WriteTransaction>> WriteTransaction::Begin(Connection& connection,
                                                                  Instant now,
                                                                  const CommandContext& context,
                                                                  std::string_view kind,
                                                                  std::string_view request) {
  auto transaction = std::unique_ptr<WriteTransaction>(new WriteTransaction(connection, now));
  transaction->request_hash_ = Sha256Hex({kind, "\n", request});
  transaction->idempotency_key_ = context.idempotency_key.empty()
                                      ? "auto:" + transaction->request_hash_
                                      : context.idempotency_key;
  transaction->kind_ = kind;
  transaction->actor_ = context.actor;
  RETURN_IF_ERROR(connection.BeginWrite());
  transaction->open_ = true;
  // Take the ledger head (the writers' lock) before looking the key up, so two concurrent
  // retries of one command cannot both miss it and both run.
  ASSIGN_OR_RETURN(LedgerWriter ledger, LedgerWriter::Open(connection));

  ASSIGN_OR_RETURN(Query existing,
                   Query::Make(connection,
                               "SELECT request_hash, result FROM commands WHERE idempotency_key = $1"));
  existing.Bind(transaction->idempotency_key_);
  ASSIGN_OR_RETURN(bool found, existing.Next());
  if (found) {
    std::string stored_hash = existing.Text(0);
    std::string result = existing.Text(1);
    existing.Finish();  // release the statement before rolling back
    RETURN_IF_ERROR(connection.Rollback());
    transaction->open_ = false;
    if (stored_hash != transaction->request_hash_) {
      return Aborted("idempotency key '" + transaction->idempotency_key_ +
                     "' was already used for a different request");
    }
    transaction->replayed_ = std::move(result);
    return transaction;
  }
  transaction->ledger_.emplace(std::move(ledger));
  transaction->first_seq_ = transaction->ledger_->last_seq() + 1;
  ASSIGN_OR_RETURN(transaction->command_id_, transaction->NextId("command"));
  return transaction;
}

WriteTransaction::WriteTransaction(Connection& connection, Instant now)
    : connection_(&connection), now_(now) {}

WriteTransaction::~WriteTransaction() {
  if (open_) (void)connection_->Rollback();
}

void WriteTransaction::SetBuffered() {
  if (!buffer_) buffer_ = std::make_unique<ProjectionBuffer>();
}

Status WriteTransaction::Flush() {
  if (!ledger_ || !buffer_) return Status::Ok();
  RETURN_IF_ERROR(ledger_->Flush());
  return buffer_->Flush(*connection_);
}

Result<int64_t> WriteTransaction::NextId(std::string_view counter) {
  auto found = counters_.find(counter);
  if (found == counters_.end()) {
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, "SELECT next FROM id_counters WHERE name = $1"));
    query.Bind(counter);
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    int64_t next = has_row ? query.Int(0) : 1;
    found = counters_.emplace(std::string(counter), std::make_pair(next, next)).first;
  }
  return found->second.first++;
}

Result<int64_t> WriteTransaction::Emit(std::string_view type, std::optional<int64_t> person_id,
                                       Instant effective_at, const boost::json::object& payload) {
  if (!ledger_) return Internal("write transaction: emit after finish");
  LedgerEvent event;
  event.recorded_at = now_;
  event.effective_at = effective_at;
  event.type = type;
  event.person_id = person_id;
  event.command_id = command_id_;
  event.payload = boost::json::serialize(payload);
  if (buffer_ && CanProjectBuffered(event, payload)) {
    ledger_->AppendBuffered(event);
    RETURN_IF_ERROR(ProjectEventBuffered(*buffer_, event, payload));
    return event.seq;
  }
  RETURN_IF_ERROR(Flush());
  RETURN_IF_ERROR(ledger_->Append(event));
  RETURN_IF_ERROR(ProjectEvent(*connection_, event, payload));
  return event.seq;
}

Status WriteTransaction::Commit(std::string_view result) {
  if (!ledger_) return Internal("write transaction: commit twice");
  RETURN_IF_ERROR(Flush());
  for (const auto& [name, range] : counters_) {
    if (range.first == range.second) continue;
    RETURN_IF_ERROR(ExecuteSql(*connection_,
                               "INSERT INTO id_counters (name, next) VALUES ($1, $2) "
                               "ON CONFLICT (name) DO UPDATE SET next = excluded.next",
                               name, range.first)
                        .status());
  }
  int64_t last_seq = ledger_->last_seq();
  RETURN_IF_ERROR(ledger_->Finish());
  std::optional<int64_t> first, last;
  if (last_seq >= first_seq_) {
    first = first_seq_;
    last = last_seq;
  }
  RETURN_IF_ERROR(ExecuteSql(*connection_,
                             "INSERT INTO commands (command_id, idempotency_key, request_hash, "
                             "kind, actor, recorded_at, first_seq, last_seq, result) VALUES ($1, "
                             "$2, $3, $4, $5, $6, $7, $8, $9)",
                             command_id_, idempotency_key_, request_hash_, kind_, actor_,
                             ToUnixSeconds(now_), first, last, result)
                      .status());
  ledger_.reset();
  RETURN_IF_ERROR(connection_->Commit());
  open_ = false;
  return Status::Ok();
}

}  // namespace muster
