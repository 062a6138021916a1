// The event ledger: the registry's single source of truth.
//
// Every change to the registry is an immutable event appended here inside the same
// transaction as the projection rows it changes (DESIGN.md §3). Events are hash-chained:
// each event's hash is SHA-256 over the previous event's hash and the event's canonical
// bytes, so editing, inserting, deleting or reordering any stored event breaks the chain at
// that point and `VerifyLedger` names the first bad sequence number. (Rewriting the whole
// tail consistently is caught only against an externally kept head, which the audit issue
// adds with signed checkpoints.)
//
// Appends are serialised by the ledger head row: a writer reads it under the write lock,
// appends with consecutive seq numbers and writes the head back before commit. Sequence
// order is therefore commit order, with no gaps — a tailing reader that has seen seq N has
// seen everything up to N.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "store/bulk_insert.h"
#include "store/database.h"

namespace muster {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct LedgerEvent {
  int64_t seq = 0;
  Instant recorded_at;   // when the registry wrote it (the clock at the time)
  Instant effective_at;  // when the fact took effect (may be earlier: a due action)
  std::string type;      // "PersonRegistered", "SummonsServed", …
  std::optional<int64_t> person_id;
  int64_t command_id = 0;
  std::string payload;  // canonical JSON, see registry/events.h
  std::string prev_hash;
  std::string hash;
};

// The bytes the hash covers: every field but the hash itself, unambiguously delimited.
std::string CanonicalEventBytes(const LedgerEvent& event);
std::string ChainHash(std::string_view prev_hash, const LedgerEvent& event);

// Appends events within a write transaction that the caller owns.
class LedgerWriter {
 public:
  // Reads the head under the transaction's write lock. Call after Connection::BeginWrite().
  static Result<LedgerWriter> Open(Connection& connection);

  // Assigns seq, prev_hash and hash to `event` and inserts it.
  Status Append(LedgerEvent& event);

  // Assigns seq, prev_hash and hash to `event` like Append, but keeps the row to be inserted
  // with others by Flush (many rows per statement): the bulk path of the feeds. Until then the
  // event is not in ledger_events, so flush before anything in the transaction reads it.
  // Returns the event's seq.
  int64_t AppendBuffered(LedgerEvent& event);
  // Inserts the rows kept by AppendBuffered. Append flushes first, so rows go in in seq order.
  Status Flush();

  // Writes the new head (after a Flush). Call once before committing; a no-op if nothing was
  // appended.
  Status Finish();

  int64_t last_seq() const { return head_seq_; }
  int64_t appended() const { return head_seq_ - opened_seq_; }

 private:
  LedgerWriter(Connection& connection, int64_t seq, std::string hash)
      : connection_(&connection), opened_seq_(seq), head_seq_(seq), head_hash_(std::move(hash)) {}

  Connection* connection_;  // not owned
  int64_t opened_seq_;
  int64_t head_seq_;
  std::string head_hash_;
  std::unique_ptr<RowBuffer> pending_;  // rows of AppendBuffered, created on first use
};

// Reads events in seq order, from `after_seq` (exclusive), at most `limit`.
Status ReadEvents(Connection& connection, int64_t after_seq, int64_t limit,
                  const std::function<Status(const LedgerEvent&)>& visit);

// Events of one person in seq order.
Status ReadPersonEvents(Connection& connection, int64_t person_id,
                        const std::function<Status(const LedgerEvent&)>& visit);

struct LedgerVerification {
  int64_t events_checked = 0;
  std::string head_hash;
};

// Recomputes the whole chain. kDataLoss naming the first bad seq ("ledger: event 1234: hash
// mismatch — the event was changed after it was written") if anything was tampered with.
// `progress` is called now and then with the number of events checked.
Result<LedgerVerification> VerifyLedger(Connection& connection,
                                        const std::function<void(int64_t)>& progress = {});

}  // namespace muster
