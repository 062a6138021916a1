// WriteTransaction: the one write path. A command opens one, appends events (each projected
// at once), and commits — all or nothing.
//
// It also makes commands idempotent: the command's idempotency key and a hash of its request
// are recorded with its result. Running the same key and request again returns the recorded
// result and changes nothing; the same key with a different request is kAborted (HTTP 409).
#pragma once

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/time.h"
#include "ledger/ledger.h"
#include "store/database.h"

namespace muster {

class ProjectionBuffer;

// Who asks for a change, and the key that makes a retry safe.
struct CommandContext {
  std::string idempotency_key;  // empty: derived from the request, so an identical retry is safe
  std::string actor = "system";
};

class WriteTransaction {
 public:
  // Starts a write transaction for command `kind` with canonical request text `request`.
  // If the key was seen before, the transaction is already finished and `replayed()` holds
  // the earlier result.
  static Result<std::unique_ptr<WriteTransaction>> Begin(Connection& connection, Instant now,
                                                         const CommandContext& context,
                                                         std::string_view kind,
                                                         std::string_view request);
  ~WriteTransaction();  // rolls back unless committed
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  const std::optional<std::string>& replayed() const { return replayed_; }

  // A new id from the named counter ("person", "summons", …), unique within the registry.
  Result<int64_t> NextId(std::string_view counter);

  // Appends an event and applies it to the projections. Returns its seq.
  Result<int64_t> Emit(std::string_view type, std::optional<int64_t> person_id,
                       Instant effective_at, const boost::json::object& payload);

  // Buffered mode (the bulk path of the feeds): from now on, events whose projection only
  // creates rows (CanProjectBuffered) are chained at once but inserted, with their projection
  // rows, many per statement when the transaction flushes — before any other event, at Flush
  // and at Commit. What is buffered is not yet in the store: whoever reads in a buffered
  // transaction calls Flush first.
  void SetBuffered();
  Status Flush();

  // Records the command's result and commits.
  Status Commit(std::string_view result);

  Connection& connection() { return *connection_; }
  Instant now() const { return now_; }
  int64_t events_emitted() const { return ledger_ ? ledger_->appended() : 0; }

 private:
  WriteTransaction(Connection& connection, Instant now);

  Connection* connection_;  // not owned
  Instant now_;
  bool open_ = false;
  std::optional<std::string> replayed_;
  std::string idempotency_key_;
  std::string request_hash_;
  std::string kind_;
  std::string actor_;
  int64_t command_id_ = 0;
  int64_t first_seq_ = 0;
  std::optional<LedgerWriter> ledger_;
  std::unique_ptr<ProjectionBuffer> buffer_;  // buffered mode
  std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> counters_;  // name → (next, start)
};

}  // namespace muster
