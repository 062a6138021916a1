// Receiving a feed batch: bookkeeping, identity resolution and application.
//
//   bookkeeping  a batch is (agency, sequence, checksum = SHA-256 of its bytes). The same batch
//                sent again changes nothing and gets its first report back; another batch
//                under a used sequence number is refused (kAborted); a jump in an agency's
//                sequence is reported as a gap and the batch is applied all the same.
//   validation   every record is checked field by field (feeds/feed_format.h); a bad record
//                is rejected with its line, field and reason and never stops the good ones.
//   resolution   deterministic first: a record whose identifiers (SNILS, INN, passports,
//                driving licence) are on record belongs to that person — unless they belong
//                to two persons or to someone with another birth date (rejected:
//                identifier_conflict). Otherwise probabilistic (feeds/matching.h): link, a
//                new person, or the review queue.
//   application  records are applied in chunks, one write transaction per chunk, each
//                record whole: a record whose application fails (an identifier recorded for
//                someone else meanwhile, a death before the birth date) is rejected and its
//                chunk applied again without it, so no record is ever half applied. Chunks
//                carry idempotency keys: a batch interrupted part-way and sent again resumes.
//                A chunk is first decided (which person, or a new one, or a review: pure
//                computation), then written in bulk mode (PersonRecordWriter::Preload: what the
//                records need from the store read in a few statements, events and projection
//                rows written many per statement); chunk k + 1 is decided on a helper thread
//                while chunk k is written.
//   derived      a death deregisters the person, cancels open summonses and lifts measures; a
//                full-time enrolment grants the student deferment; a person recorded inside
//                the profile's registration ages is put on the register with a notice
//                (registry/person_records.h).
//
// A FeedIngestor is used by one thread at a time, like the Registry it writes to; the store is
// only ever used from that thread (the helper thread of a batch computes, it does not read).
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "feeds/feed_format.h"
#include "feeds/matching.h"
#include "registry/registry.h"

namespace muster::feeds {

enum class RecordDecision { kLinked, kCreated, kReview, kRejected };
std::string_view RecordDecisionName(RecordDecision decision);

// What became of one record (for the quality report; not kept when a batch is resumed).
struct RecordOutcome {
  int64_t line = 0;
  RecordDecision decision = RecordDecision::kRejected;
  PersonId person_id = 0;  // linked to, or created
  std::string method;      // "identifier snils", "probabilistic", "new person", …
  double weight = 0;       // best probabilistic weight, when one was computed
  int64_t review_id = 0;
};

struct FeedReport {
  std::string agency;
  int64_t sequence = 0;
  std::string checksum;
  std::string format;
  bool resent = false;  // the same batch was applied before: nothing changed
  int64_t records = 0;
  int64_t linked = 0;    // applied to a known person
  int64_t created = 0;   // applied to a person recorded from it
  int64_t review = 0;    // held for an officer
  int64_t rejected = 0;
  std::optional<int64_t> gap_from;  // sequences gap_from..gap_to were never received
  std::optional<int64_t> gap_to;
  std::vector<Rejection> rejections;  // in line order

  boost::json::object ToJson() const;
};

struct IngestOptions {
  // Records per write transaction. Larger transactions write each page of the random-key
  // indexes (ledger_events_person, person_attribute_records_person, …) once for more records,
  // and commit and checkpoint less often; they also hold the store's write lock longer — on
  // SQLite every other writer waits, the access journal too, and with it every answer that
  // discloses data (about 0.5–1 s at 25,000 records, 3–8 s at 200,000 on the 2-core machine;
  // docs/BENCHMARKS.md, "Feeds"). The gain of larger chunks was within the noise there.
  int64_t chunk_records = 25000;
  // Records decided at a time inside a transaction: the next piece is decided on a helper
  // thread while this one is written.
  int64_t piece_records = 25000;
  // Apply each chunk in bulk mode (PersonRecordWriter::Preload: reads once per chunk, many rows
  // per statement). Off: record by record, as a reference the bulk path is tested against.
  bool bulk = true;
};

// A record held for review, beside its best candidate.
struct ReviewCase {
  int64_t review_id = 0;
  std::string agency;
  int64_t sequence = 0;
  int64_t line = 0;
  std::string status;  // open, linked, created
  double weight = 0;
  boost::json::object comparison;
  boost::json::object record;
  PersonId candidate_id = 0;
  boost::json::object candidate;  // the candidate's card: names, birth date, sex, region, identifiers
};

class FeedIngestor {
 public:
  static Result<std::unique_ptr<FeedIngestor>> Create(Registry& registry, MatchWeights weights,
                                                      IngestOptions options = {});
  ~FeedIngestor();

  // Receives one batch. Errors: kInvalidArgument for a batch that cannot be read at all (bad
  // agency, format, sequence or CSV header), kAborted for a different batch under a sequence
  // number already used, store errors as they come. `outcomes`, when given, receives one entry
  // per record read.
  Result<FeedReport> Receive(const CommandContext& context, Agency agency, int64_t sequence,
                             FeedFormat format, std::string_view bytes,
                             std::vector<RecordOutcome>* outcomes = nullptr);

  // Open reviews, oldest first, at most `limit`.
  Result<std::vector<ReviewCase>> OpenReviews(int64_t limit);
  Result<ReviewCase> GetReview(int64_t review_id);
  // An officer's decision on a held record: "link" applies it to the candidate, "new" records
  // a new person from it. Returns the person the record now belongs to. kFailedPrecondition if
  // the review is already decided.
  Result<PersonId> DecideReview(const CommandContext& context, int64_t review_id,
                                std::string_view decision, std::string_view note);

  const MatchWeights& weights() const { return weights_; }

 private:
  FeedIngestor(Registry& registry, MatchWeights weights, IngestOptions options,
               std::unique_ptr<NameNormalizer> normalizer);
  class Batch;

  // Makes the candidate index cover `dates` (days since epoch) and catch up with what changed
  // in the store since the last batch: persons recorded by others, renamed, merged or split.
  // Runs inside the caller's read snapshot.
  Status PrepareCandidates(Connection& db, std::vector<int32_t> dates, bool with_addresses);

  Registry& registry_;
  MatchWeights weights_;
  IngestOptions options_;
  std::unique_ptr<NameNormalizer> normalizer_;
  // The decision pass runs on a helper thread beside the writer (Batch::ApplyChunks), and a
  // normalizer is not thread-safe: it has its own.
  std::unique_ptr<NameNormalizer> decide_normalizer_;
  // Candidates are kept from batch to batch: loading a national population's birth dates once
  // costs seconds, keeping them up to date costs little.
  CandidateIndex index_;
  std::unordered_set<int32_t> loaded_dates_;
  std::unordered_set<PersonId> merged_away_;
  std::unordered_set<PersonId> self_added_;  // added by this ingestor since the last refresh
  PersonId max_person_ = 0;
  int64_t seen_seq_ = 0;
  bool loaded_ = false;
  bool loaded_all_ = false;
  bool addresses_loaded_ = false;
};

// One call for the HTTP layer: receives a batch with the weights from DefaultWeightsPath().
// `agency` and `format` are names ("tax", "csv"); errors as FeedIngestor::Receive.
Result<FeedReport> ReceiveFeedBatch(Registry& registry, const CommandContext& context,
                                    std::string_view agency, int64_t sequence,
                                    std::string_view format, std::string_view bytes);

}  // namespace muster::feeds
