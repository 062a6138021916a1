#include "access/access_index.h"

#include <algorithm>
#include <tuple>

#include "store/bulk_insert.h"

namespace muster::access {
namespace {

bool KeyLess(const IndexRow& a, const IndexRow& b) {
  return std::tie(a.person_id, a.entry_id) < std::tie(b.person_id, b.entry_id);
}

// Inserts `rows`, already in key order, into run `run_id`.
Status InsertRun(Connection& connection, int64_t run_id, const std::vector<IndexRow>& rows) {
  RowBuffer inserts("INSERT INTO access_journal_persons (run_id, person_id, entry_id, outcome)", 4);
  for (const IndexRow& row : rows) {
    inserts.Row().Add(run_id).Add(row.person_id).Add(row.entry_id).Add(row.outcome);
  }
  return inserts.Flush(connection);
}

// Larger than every run id in use, so a new run's rows go to the end of the table.
Result<int64_t> NextRunId(Connection& connection) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection,
                                            "SELECT COALESCE(MAX(run_id), 0) + 1 FROM "
                                            "access_index_runs"));
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return Internal("access index: no run id");
  return query.Int(0);
}

// The merge in progress (the run being filled), else a new one started over the lowest level
// holding kIndexFanIn runs; nullopt when neither.
Result<std::optional<int64_t>> MergeTarget(Connection& connection) {
  {
    ASSIGN_OR_RETURN(Query running, Query::Make(connection,
                                                "SELECT MIN(merging_into) FROM access_index_runs "
                                                "WHERE merging_into IS NOT NULL"));
    ASSIGN_OR_RETURN(bool found, running.Next());
    if (found) {
      if (std::optional<int64_t> target = running.OptionalInt(0)) return target;
    }
  }
  int level = 0;
  {
    ASSIGN_OR_RETURN(Query due, Query::Make(connection,
                                            "SELECT level FROM access_index_runs WHERE "
                                            "merging_into IS NULL GROUP BY level HAVING "
                                            "COUNT(*) >= $1 ORDER BY level LIMIT 1"));
    due.Bind(int64_t{kIndexFanIn});
    ASSIGN_OR_RETURN(bool found, due.Next());
    if (!found) return std::optional<int64_t>();
    level = static_cast<int>(due.Int(0));
  }
  ASSIGN_OR_RETURN(int64_t target, NextRunId(connection));
  // The kIndexFanIn oldest: a backlog of runs (an index rebuilt from a long journal) merges
  // eight at a time, each step reading a fair share of each.
  RETURN_IF_ERROR(ExecuteSql(connection,
                             "UPDATE access_index_runs SET merging_into = $1 WHERE run_id IN "
                             "(SELECT run_id FROM access_index_runs WHERE level = $2 AND "
                             "merging_into IS NULL ORDER BY run_id LIMIT $3)",
                             target, int64_t{level}, int64_t{kIndexFanIn})
                      .status());
  RETURN_IF_ERROR(ExecuteSql(connection,
                             "INSERT INTO access_index_runs (run_id, level, merging_into) VALUES "
                             "($1, $2, NULL)",
                             target, int64_t{level + 1})
                      .status());
  return std::optional<int64_t>(target);
}

// Moves the `max_rows` smallest rows of the runs merging into `target` to its end.
Status MoveSmallest(Connection& connection, int64_t target, int64_t max_rows) {
  std::vector<int64_t> sources;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection,
                                              "SELECT run_id FROM access_index_runs WHERE "
                                              "merging_into = $1"));
    query.Bind(target);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      sources.push_back(query.Int(0));
    }
  }
  // Every source's rows are above the target's, so the smallest rows of them all go to its
  // end. Each source gives its first `per_source` rows; the boundary is the smallest of the
  // last keys of the sources that had that many (a source with fewer gave all it has). Every
  // row at or below the boundary, in every source, is then among those read — so they move,
  // together, and at least the boundary's source's rows move. Reading max_rows in all (not
  // max_rows from each) keeps a step's reads and sort to what it may move.
  const int64_t per_source =
      std::max<int64_t>(1, max_rows / std::max<int64_t>(1, static_cast<int64_t>(sources.size())));
  std::vector<IndexRow> rows;
  std::optional<IndexRow> boundary;
  for (int64_t source : sources) {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection,
                                              "SELECT person_id, entry_id, outcome FROM "
                                              "access_journal_persons WHERE run_id = $1 ORDER BY "
                                              "person_id, entry_id LIMIT $2"));
    query.Bind(source).Bind(per_source);
    int64_t read = 0;
    for (;; ++read) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      rows.push_back({query.Int(0), query.Int(1), query.OptionalText(2)});
    }
    if (read == per_source && (!boundary || KeyLess(rows.back(), *boundary))) {
      boundary = IndexRow{rows.back().person_id, rows.back().entry_id, std::nullopt};
    }
  }
  if (boundary) {
    std::erase_if(rows, [&](const IndexRow& row) { return KeyLess(*boundary, row); });
  }
  if (!rows.empty()) {
    std::sort(rows.begin(), rows.end(), KeyLess);
    RETURN_IF_ERROR(InsertRun(connection, target, rows));
    const IndexRow& last = rows.back();
    for (int64_t source : sources) {
      RETURN_IF_ERROR(ExecuteSql(connection,
                                 "DELETE FROM access_journal_persons WHERE run_id = $1 AND "
                                 "(person_id < $2 OR (person_id = $2 AND entry_id <= $3))",
                                 source, last.person_id, last.entry_id)
                          .status());
    }
  }
  // Runs emptied by this step leave the index with it; when none is left the merge is done.
  return ExecuteSql(connection,
                    "DELETE FROM access_index_runs WHERE merging_into = $1 AND NOT EXISTS "
                    "(SELECT 1 FROM access_journal_persons p WHERE p.run_id = "
                    "access_index_runs.run_id)",
                    target)
      .status();
}

}  // namespace

Status AppendIndexRun(Connection& connection, std::vector<IndexRow> rows) {
  if (rows.empty()) return Status::Ok();
  std::sort(rows.begin(), rows.end(), KeyLess);
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const IndexRow& a, const IndexRow& b) {
                           return a.person_id == b.person_id && a.entry_id == b.entry_id;
                         }),
             rows.end());
  ASSIGN_OR_RETURN(int64_t run_id, NextRunId(connection));
  RETURN_IF_ERROR(ExecuteSql(connection,
                             "INSERT INTO access_index_runs (run_id, level, merging_into) "
                             "VALUES ($1, 0, NULL)",
                             run_id)
                      .status());
  return InsertRun(connection, run_id, rows);
}

Result<bool> MergeAccessIndexStep(Connection& connection, int64_t max_rows) {
  if (max_rows < 1) return InvalidArgument("access index: a merge step moves at least one row");
  RETURN_IF_ERROR(connection.BeginWrite());
  auto step = [&]() -> Result<bool> {
    ASSIGN_OR_RETURN(std::optional<int64_t> target, MergeTarget(connection));
    if (!target) return false;
    RETURN_IF_ERROR(MoveSmallest(connection, *target, max_rows));
    return true;
  };
  Result<bool> stepped = step();
  if (!stepped.ok()) {
    (void)connection.Rollback();
    return stepped.status().WithContext("access index merge");
  }
  RETURN_IF_ERROR(connection.Commit());
  return stepped;
}

Result<std::vector<int>> AccessIndexRunLevels(Connection& connection) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection,
                                            "SELECT level FROM access_index_runs ORDER BY level, "
                                            "run_id"));
  std::vector<int> levels;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    levels.push_back(static_cast<int>(query.Int(0)));
  }
  return levels;
}

}  // namespace muster::access
