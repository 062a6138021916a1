// Checks: a consumer asks whether its measures are in force for a person, one at a time (a
// border gate, a loan desk) or in bulk (a bank's nightly run), and every answer is journalled.
//
// The answer is the minimum (DESIGN.md §1, "each sees only what it enforces"): for each of
// the consumer's own measure kinds in force, since when, its reference number and the office
// where the citizen can have it lifted — never health, family, address or contact data, and
// never another agency's measures. The JSON shapes (one line each, also the bulk NDJSON lines):
//
//   {"person_id":42,"in_force":false}
//   {"person_id":42,"in_force":true,"lift_at_office":"RYA-01","measures":
//     [{"kind":"credit","measure_id":17,"since":"2026-06-01T21:00:00Z"}]}
//   {"person_id":43,"known":false}                 (an unknown person id)
//   {"in_force":false}                             (a document number nobody holds)
//
// Every check is an access to the person's record (DESIGN.md §2.6): the answer is handed to
// the CheckJournal *before* it leaves, so no answer goes out unjournalled. A bulk check
// journals a chunk of answers in one call, then streams that chunk's lines — the journal
// sees batches of thousands, never one statement per id.
//
// Thread-safe: a CheckService holds no mutable state; the index and the journal must be
// thread-safe themselves (MeasureIndex is).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/identifiers.h"
#include "enforcement/consumers.h"
#include "enforcement/measure_index.h"

namespace muster::enforcement {

// At most this many ids in one bulk request.
inline constexpr size_t kMaxBulkIds = 100000;

// Who checks and why: shared by all the records of one request.
struct CheckContext {
  const Consumer* consumer = nullptr;  // from FindConsumer; required
  int64_t account_id = 0;              // the agency account that asked (0: unknown)
  std::string actor;                   // "agency:border-fsb", for the journal
  std::string purpose;                 // stated purpose; empty: the consumer's default purpose
  Instant at;                          // the instant of the check (from the caller's clock)
};

// One journalled check: compact, so a bulk request of 100,000 ids is 1.6 MB of records.
struct CheckRecord {
  PersonId person_id = 0;
  KindMask answer = 0;  // the consumer's kinds in force in the answer (0: nothing in force)
};

// "clear", or "in force: exit" / "in force: driving,vehicle_registration" — the answer as the
// citizen sees it in the access log.
std::string DescribeAnswer(KindMask answer);

// The sink the access journal implements. Record must make the records durable (or queue them
// so that they will be) before returning OK; an error fails the check, and nothing of the
// batch is answered. Called from the checking thread; must be thread-safe.
class CheckJournal {
 public:
  virtual ~CheckJournal() = default;
  virtual Status Record(const CheckContext& context, std::span<const CheckRecord> records) = 0;
};

// Where a bulk answer goes, chunk by chunk (whole NDJSON lines). An error stops the check.
using ChunkSink = std::function<Status(std::string_view chunk)>;

struct BulkSummary {
  int64_t ids = 0;
  int64_t known = 0;
  int64_t in_force = 0;   // persons with at least one of the consumer's kinds in force
  int64_t as_of_seq = 0;  // every answer reflects at least this ledger seq
};

class CheckService {
 public:
  // Answers and journal records per chunk of a bulk check.
  static constexpr size_t kBulkChunk = 8192;

  CheckService(const MeasureIndex& index, CheckJournal& journal)
      : index_(index), journal_(journal) {}

  // One person by id. kNotFound ("person_id: no person 42") for an unknown id, which is not
  // journalled (there is no record to have accessed); journal errors as they come.
  Result<CheckAnswer> Check(const CheckContext& context, PersonId person_id) const;

  // One person by a document number as typed ("45 09 123456"). kInvalidArgument naming the
  // kind for a malformed number. A valid number nobody holds answers known = false (and is
  // not journalled): not being on the register is no measure.
  Result<CheckAnswer> CheckDocument(const CheckContext& context, IdentifierKind kind,
                                    std::string_view raw) const;

  // Up to kMaxBulkIds ids. Streams one NDJSON line per id, in request order, then a summary
  // line {"summary":{"ids":…,"known":…,"in_force":…,"as_of_seq":…}} — a stream without it
  // was cut short. Each chunk is journalled before it is written to `sink`. kInvalidArgument
  // for too many ids (before anything is written); journal and sink errors stop the stream.
  Result<BulkSummary> CheckBulk(const CheckContext& context, std::span<const PersonId> ids,
                                const ChunkSink& sink) const;

 private:
  const MeasureIndex& index_;
  CheckJournal& journal_;
};

// The answer's JSON (see the top of this file), without a newline.
std::string CheckAnswerJson(const CheckAnswer& answer);
// Appends the answer's JSON and a newline to `out`: the bulk line.
void AppendCheckLine(std::string& out, const CheckAnswer& answer);
// Appends "2026-06-01T21:00:00Z".
void AppendInstant(std::string& out, Instant instant);

// Parses a bulk request body: person ids as decimal integers separated by newlines, commas or
// spaces, optionally inside one JSON array ("[1,2,3]" or "1\n2\n3\n"). kInvalidArgument naming
// the offending position ("person_ids: item 3: 'x7' is not a person id"), or for more than
// kMaxBulkIds ids.
Result<std::vector<PersonId>> ParsePersonIds(std::string_view body);

}  // namespace muster::enforcement
