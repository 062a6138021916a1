// The by-person index of the access journal: whose data each entry disclosed, found by person.
//
// A B-tree keyed by person puts each new row on a page of its own: under thousands of checks a
// second every index row rewrites a page (4 KiB of write-ahead log for 30 bytes), and on SQLite
// each such transaction holds the store's one write lock, which the journal's own appends (and
// so the answers waiting for them) queue behind. Measured: 1.6 GB of WAL in five seconds of
// checks, and answers waiting up to 1.6 s.
//
// So the index is log-structured. Each indexer pass writes its rows, sorted by person, as a new
// *run* keyed (run_id, person_id, entry_id): a new run id is the largest, so its rows go to the
// right edge of the table, page after page. Runs are merged in the background — kFanIn runs of a
// level into one of the next (a size-tiered merge), so each row is rewritten once per level,
// sequentially — in bounded steps, so no transaction holds the write lock for long. A read
// probes each run: a few dozen at most (fewer than kFanIn per level, one level per factor of
// kFanIn in size).
//
// Each row is in exactly one run at every commit: a merge step moves the smallest rows of the
// runs being merged (a prefix of each, in (person, entry) order) to the end of the new run in
// one transaction, and a run emptied by the merge is dropped in the step that empties it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "domain/model.h"
#include "store/database.h"

namespace muster::access {

struct IndexRow {
  PersonId person_id = 0;
  int64_t entry_id = 0;
  std::optional<std::string> outcome;  // set where the person's answer differs from the entry's
};

// Runs merged at a time into one run of the next level.
inline constexpr int kIndexFanIn = 8;

// Writes `rows` (any order; a row repeated — a bulk request naming a person twice — once) as a
// new run of level 0, inside the caller's write transaction.
Status AppendIndexRun(Connection& connection, std::vector<IndexRow> rows);

// One step, moving at most `max_rows` rows, of the merge in progress or else of the next one
// due (a level with kIndexFanIn runs); in a write transaction of its own. False when no merge
// is in progress or due.
Result<bool> MergeAccessIndexStep(Connection& connection, int64_t max_rows = 2048);

// The runs of the index by level, lowest first: for tests and `muster` diagnostics.
Result<std::vector<int>> AccessIndexRunLevels(Connection& connection);

}  // namespace muster::access
