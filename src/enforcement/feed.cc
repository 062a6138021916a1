#include "enforcement/feed.h"

#include <algorithm>

#include "enforcement/checks.h"

namespace muster::enforcement {
namespace {

// "kind IN ($3, $4)" for the kinds of `mask`, bound from parameter `first`.
std::string KindFilter(KindMask mask, int first) {
  std::string sql = "kind IN (";
  int parameter = first;
  for (MeasureKind kind : kAllMeasureKinds) {
    if ((mask & KindBit(kind)) == 0) continue;
    if (parameter != first) sql += ", ";
    sql += "$" + std::to_string(parameter++);
  }
  return sql + ")";
}

// One side of the feed: impositions or liftings, each by its own seq column and index.
Status ReadSide(Connection& connection, KindMask kinds, int64_t since, int64_t ceiling, int limit,
                bool lifted, std::vector<FeedEntry>& out) {
  std::string sql = lifted
                        ? "SELECT lifted_seq, measure_id, person_id, kind, lifted_at FROM measures "
                          "WHERE lifted_seq > $1 AND lifted_seq <= $3 AND "
                        : "SELECT imposed_seq, measure_id, person_id, kind, start_at FROM measures "
                          "WHERE imposed_seq > $1 AND imposed_seq <= $3 AND ";
  sql += KindFilter(kinds, 4);
  sql += lifted ? " ORDER BY lifted_seq LIMIT $2" : " ORDER BY imposed_seq LIMIT $2";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(since).Bind(static_cast<int64_t>(limit)).Bind(ceiling);
  for (MeasureKind kind : kAllMeasureKinds) {
    if (kinds & KindBit(kind)) query.Bind(MeasureKindName(kind));
  }
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return Status::Ok();
    ASSIGN_OR_RETURN(MeasureKind kind, ParseMeasureKind(query.TextView(3), "measures.kind"));
    out.push_back({.seq = query.Int(0),
                   .measure_id = query.Int(1),
                   .person_id = query.Int(2),
                   .kind = kind,
                   .lifted = lifted,
                   .at = FromUnixSeconds(query.Int(4))});
  }
}

}  // namespace

Result<std::vector<FeedEntry>> ReadChanges(Connection& connection, KindMask kinds, int64_t since,
                                           int limit) {
  if (since < 0) return InvalidArgument("since: must be >= 0, got " + std::to_string(since));
  if (limit < 1 || limit > kMaxFeedPage) {
    return InvalidArgument("limit: must be 1.." + std::to_string(kMaxFeedPage) + ", got " +
                           std::to_string(limit));
  }
  std::vector<FeedEntry> entries;
  if (kinds == 0) return entries;
  // The two sides are two statements, and under READ COMMITTED each sees its own snapshot: a
  // commit between them could put a lifting at seq N+1 in the page while hiding an imposition
  // at seq N, and the cursor would pass it by. So both are capped at the ledger head read
  // first: everything at or below it committed before it was read (seq order is commit
  // order), so both statements see all of it, whatever the isolation level.
  int64_t ceiling = 0;
  {
    ASSIGN_OR_RETURN(Query head,
                     Query::Make(connection, "SELECT seq FROM ledger_head WHERE id = 1"));
    ASSIGN_OR_RETURN(bool has_head, head.Next());
    if (!has_head) return DataLoss("ledger: the ledger head row is missing");
    ceiling = head.Int(0);
  }
  if (ceiling <= since) return entries;
  RETURN_IF_ERROR(ReadSide(connection, kinds, since, ceiling, limit, false, entries));
  RETURN_IF_ERROR(ReadSide(connection, kinds, since, ceiling, limit, true, entries));
  // The first `limit` changes by seq are among the first `limit` of each side.
  std::sort(entries.begin(), entries.end(),
            [](const FeedEntry& a, const FeedEntry& b) { return a.seq < b.seq; });
  if (entries.size() > static_cast<size_t>(limit)) entries.resize(static_cast<size_t>(limit));
  return entries;
}

Result<std::vector<FeedEntry>> ReadFeed(Connection& connection, const Consumer& consumer,
                                        int64_t since, int limit) {
  return ReadChanges(connection, consumer.kinds, since, limit);
}

void AppendFeedLine(std::string& out, const FeedEntry& entry) {
  out += "{\"seq\":" + std::to_string(entry.seq) +
         ",\"measure_id\":" + std::to_string(entry.measure_id) +
         ",\"person_id\":" + std::to_string(entry.person_id) + ",\"kind\":\"";
  out += MeasureKindName(entry.kind);
  out +=
      entry.lifted ? "\",\"change\":\"lifted\",\"at\":\"" : "\",\"change\":\"imposed\",\"at\":\"";
  AppendInstant(out, entry.at);
  out += "\"}\n";
}

}  // namespace muster::enforcement
