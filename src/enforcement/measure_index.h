// MeasureIndex: which measures are in force for whom, in memory, fed by the ledger's tail.
//
// Checks by border gates, loan desks and nightly bank runs are answered from here, never from
// SQL (DESIGN.md §3, "measure index (memory) → checks"). Person ids are dense consecutive
// integers, so the index is an array of 8-byte slots indexed by person id (a bitmask of kinds
// in force, the office, and a link to per-kind details for persons who ever had a measure),
// kept in fixed-size pages so growing it never copies or moves what readers are looking at.
// Document numbers (passport, SNILS, INN, driving licence …) map to person ids through an
// exact 64-bit packing of the canonical identifier. The index follows every event that changes
// what a check reads — PersonRegistered and PersonRecorded (a person on file, with office and
// identifiers), AttributeRecorded (identifiers recorded later), PersonsMerged and PersonSplit
// (identifiers moving between records), MeasureImposed and MeasureLifted — exactly as the
// projector applies them to persons, person_identifiers and measures.
//
// Freshness: `CatchUp` applies the ledger events after `applied_seq()` in seq order. The
// ledger has no gaps and seq order is commit order (ledger.h), so an index that has applied
// seq N reflects exactly the registry as of N; a gap is reported as kDataLoss rather than
// skipped. A `Tailer` (tailer.h) runs CatchUp every ≤ 250 ms on its own connection, which is
// what makes a change visible to checks within one second on every node, including nodes that
// did not make the change. `Load` starts from a consistent snapshot of the projections (one
// read transaction) instead of replaying the whole ledger, then catches up.
//
// Thread safety: any number of threads may call the const methods while one thread updates
// (Load, CatchUp, Apply — updates are serialised among themselves). Readers share a
// std::shared_mutex; an update parses events outside the lock and holds it exclusively only
// to apply a page of them. A bulk reader takes the shared lock once per chunk of ids.
#pragma once

#include <array>
#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/identifiers.h"
#include "domain/model.h"
#include "enforcement/consumers.h"
#include "ledger/ledger.h"
#include "store/database.h"

namespace muster::enforcement {

// One measure in force, as much of it as a consumer is told.
struct MeasureInForce {
  MeasureKind kind = MeasureKind::kExit;
  MeasureId measure_id = 0;  // the reference number; also what ConfirmLift names
  Instant since;             // when it took effect
};

// What one consumer may learn about one person: only its own kinds, nothing else.
struct CheckAnswer {
  PersonId person_id = 0;
  bool known = false;     // false: no person with this id (or document) in the registry
  KindMask in_force = 0;  // the consumer's kinds in force at the instant of the check
  // Where the citizen can have the measures lifted: the responsible registration office id
  // ("RYA-01"). Points into the index; valid for the index's lifetime. Empty if unknown.
  std::string_view office;
  uint8_t count = 0;  // measures[0, count) are in force, in kAllMeasureKinds order
  std::array<MeasureInForce, kAllMeasureKinds.size()> measures;
  int64_t as_of_seq = 0;  // the ledger seq the index had applied when it answered
};

struct MeasureIndexStats {
  int64_t applied_seq = 0;
  int64_t persons = 0;
  int64_t documents = 0;
  std::array<int64_t, kAllMeasureKinds.size()> in_force{};  // by kind
  int64_t approximate_bytes = 0;
};

// Packs a canonical identifier (NormalizeIdentifier's output) into one exact 64-bit key:
// the kind, the digit count and the digits, and for a driving licence with series letters the
// two Cyrillic code points. nullopt for a value that does not pack (never for a canonical
// identifier of today's kinds; such values go to a slower string map).
std::optional<uint64_t> PackDocumentKey(IdentifierKind kind, std::string_view canonical);

class MeasureIndex {
 public:
  MeasureIndex();
  ~MeasureIndex();
  MeasureIndex(const MeasureIndex&) = delete;
  MeasureIndex& operator=(const MeasureIndex&) = delete;

  // Replaces the contents with a consistent snapshot of the projections (persons,
  // person_identifiers, measures in force and the ledger head, read in one read transaction),
  // then catches up. The connection must not be in a transaction.
  Status Load(Connection& connection);

  // Applies every ledger event after applied_seq(), page by page. Returns how many events it
  // read. kDataLoss for a gap or a malformed payload (the index stops before it); errors from
  // the store as they come. Safe to call while readers run.
  Result<int64_t> CatchUp(Connection& connection);

  // Applies one event. Events must come in seq order: one at or below applied_seq() is
  // ignored (already applied), one beyond applied_seq() + 1 is kDataLoss (a gap). Used by
  // CatchUp, and by benchmarks and tests to build an index without a store.
  Status Apply(const LedgerEvent& event);

  int64_t applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }

  // The consumer's answer about `person_id` at `now`: measures of its kinds imposed at or
  // before `now` and not lifted. An unknown id gives known = false.
  CheckAnswer Check(const Consumer& consumer, PersonId person_id, Instant now) const;

  // Check for each of `ids` into `answers` (same size), under one shared lock.
  void CheckMany(const Consumer& consumer, std::span<const PersonId> ids, Instant now,
                 std::span<CheckAnswer> answers) const;

  // Every kind in force for `person_id` at `now`, for the citizen's own view (self check).
  CheckAnswer CheckAll(PersonId person_id, Instant now) const;

  // The person holding the canonical identifier, if any.
  std::optional<PersonId> FindDocument(IdentifierKind kind, std::string_view canonical) const;

  MeasureIndexStats Stats() const;

 private:
  struct Slot;
  struct KindDetail {
    MeasureId measure_id = 0;
    int64_t since = 0;  // Unix seconds
  };
  using Details = std::array<KindDetail, kAllMeasureKinds.size()>;
  struct Change;  // a parsed event, applied under the lock

  Result<Change> Parse(const LedgerEvent& event) const;
  Status ApplyLocked(const Change& change);  // requires mutex_ held exclusively
  Slot* SlotFor(PersonId person_id);         // creates pages; requires exclusive mutex_
  const Slot* FindSlot(PersonId person_id) const;
  Result<uint16_t> InternOffice(std::string_view office);
  void Impose(PersonId person_id, MeasureKind kind, MeasureId measure_id, int64_t since);
  void Lift(PersonId person_id, MeasureKind kind, MeasureId measure_id);
  // Points the document at `person_id`; with `only_from`, only if it points at only_from now.
  void AddDocument(IdentifierKind kind, std::string_view canonical, PersonId person_id,
                   PersonId only_from = 0);
  void FillAnswer(const Slot* slot, KindMask kinds, int64_t now, CheckAnswer& answer) const;
  void Clear();
  Status ApplyBatch(std::vector<Change>& batch, int64_t last_seq);

  static constexpr int kPageBits = 16;
  static constexpr int64_t kPageSize = int64_t{1} << kPageBits;

  std::mutex update_mutex_;          // serialises Load / CatchUp / Apply
  mutable std::shared_mutex mutex_;  // readers shared, appliers exclusive; guards all below
  std::vector<std::unique_ptr<Slot[]>> pages_;
  int64_t persons_ = 0;
  std::deque<Details> details_;  // a deque: growing never moves existing elements
  std::vector<uint32_t> free_details_;
  // A second measure of a kind already in force for the person (a rare overlap of two
  // summonses): kept aside, promoted when the first is lifted.
  std::map<std::pair<PersonId, int>, std::vector<KindDetail>> overlaps_;
  std::deque<std::string> offices_;  // by office index; a deque so string_views stay valid
  std::unordered_map<std::string, uint16_t> office_ids_;
  boost::unordered_flat_map<uint64_t, PersonId> documents_;
  std::unordered_map<std::string, PersonId> unpacked_documents_;  // "kind:value"
  std::array<int64_t, kAllMeasureKinds.size()> in_force_counts_{};
  std::atomic<int64_t> applied_seq_{0};
};

}  // namespace muster::enforcement
