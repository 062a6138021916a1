// The change feed: every imposition and lifting of a consumer's measures, in ledger order,
// from a cursor the consumer keeps.
//
// The cursor is the ledger seq of the change (`since`: give the last seq you applied, 0 at
// first). Seq order is commit order with no gaps (ledger.h), so a consumer that pages with
// since = the last entry's seq sees every change exactly once and in order — across restarts
// of Muster (nothing is kept in memory) and of the consumer (it resumes from its own stored
// cursor). The feed is read from the measures projection (imposed_seq, lifted_seq; indexed by
// migration 4), written in the same transaction as the ledger events, so it is never behind
// the ledger; a page is capped at the ledger head read before it, so its two halves
// (impositions, liftings) agree even under READ COMMITTED.
//
// A feed entry carries what a check answer carries and no more: seq, measure id (the
// reference number), person id, kind, imposed or lifted, and the instant it took effect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"
#include "enforcement/consumers.h"
#include "store/database.h"

namespace muster::enforcement {

struct FeedEntry {
  int64_t seq = 0;  // the cursor value of this entry
  MeasureId measure_id = 0;
  PersonId person_id = 0;
  MeasureKind kind = MeasureKind::kExit;
  bool lifted = false;  // false: imposed
  Instant at;           // when the imposition or lifting took effect
};

// At most this many entries per page.
inline constexpr int kMaxFeedPage = 10000;

// The changes of `kinds` with seq > `since`, in seq order, at most `limit` (1..kMaxFeedPage).
// Correct inside or outside a transaction, at any isolation level (the page is capped at the
// ledger head read first).
// kInvalidArgument for a negative `since` or a limit out of range.
Result<std::vector<FeedEntry>> ReadChanges(Connection& connection, KindMask kinds, int64_t since,
                                           int limit);

// The consumer's feed: ReadChanges over the consumer's kinds.
Result<std::vector<FeedEntry>> ReadFeed(Connection& connection, const Consumer& consumer,
                                        int64_t since, int limit);

// {"seq":…,"measure_id":…,"person_id":…,"kind":"exit","change":"lifted","at":"…"} + '\n'.
void AppendFeedLine(std::string& out, const FeedEntry& entry);

}  // namespace muster::enforcement
