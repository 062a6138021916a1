#include "enforcement/lift_confirmations.h"

namespace muster::enforcement {
namespace {

constexpr std::string_view kColumns =
    "SELECT consumer, measure_id, person_id, kind, lifted_seq, lifted_at, deadline_at, state, "
    "confirmed_at, escalated_at FROM lift_confirmations ";

Result<std::vector<LiftConfirmation>> ReadRows(Query& query) {
  std::vector<LiftConfirmation> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return rows;
    LiftConfirmation row;
    row.consumer = query.Text(0);
    row.measure_id = query.Int(1);
    row.person_id = query.Int(2);
    ASSIGN_OR_RETURN(row.kind, ParseMeasureKind(query.TextView(3), "lift_confirmations.kind"));
    row.lifted_seq = query.Int(4);
    row.lifted_at = FromUnixSeconds(query.Int(5));
    row.deadline_at = FromUnixSeconds(query.Int(6));
    row.state = query.Text(7);
    if (auto at = query.OptionalInt(8)) row.confirmed_at = FromUnixSeconds(*at);
    if (auto at = query.OptionalInt(9)) row.escalated_at = FromUnixSeconds(*at);
    rows.push_back(std::move(row));
  }
}

struct Lifting {
  int64_t lifted_seq;
  MeasureId measure_id;
  PersonId person_id;
  MeasureKind kind;
  int64_t lifted_at;
};

}  // namespace

Result<int64_t> LiftConfirmations::Track(Connection& connection) const {
  int64_t opened = 0;
  while (true) {
    int64_t cursor = 0;
    {
      ASSIGN_OR_RETURN(Query query, Query::Make(connection,
                                                "SELECT seq FROM enforcement_cursors WHERE name = "
                                                "'lift_confirmations'"));
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) return DataLoss("enforcement_cursors: row 'lift_confirmations' missing");
      cursor = query.Int(0);
    }
    // One statement: liftings are read by lifted_seq alone, so no head cap is needed (see
    // feed.cc for the two-statement case).
    std::vector<Lifting> liftings;
    {
      ASSIGN_OR_RETURN(Query query,
                       Query::Make(connection,
                                   "SELECT lifted_seq, measure_id, person_id, kind, lifted_at FROM "
                                   "measures WHERE lifted_seq > $1 ORDER BY lifted_seq LIMIT $2"));
      query.Bind(cursor).Bind(page_);
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, query.Next());
        if (!has_row) break;
        ASSIGN_OR_RETURN(MeasureKind kind, ParseMeasureKind(query.TextView(3), "measures.kind"));
        liftings.push_back({query.Int(0), query.Int(1), query.Int(2), kind, query.Int(4)});
      }
    }
    if (liftings.empty()) return opened;
    RETURN_IF_ERROR(connection.BeginWrite());
    auto write = [&]() -> Result<bool> {
      for (const Lifting& lifting : liftings) {
        for (const Consumer& consumer : AllConsumers()) {
          if ((consumer.kinds & KindBit(lifting.kind)) == 0) continue;
          ASSIGN_OR_RETURN(
              int64_t inserted,
              ExecuteSql(connection,
                         "INSERT INTO lift_confirmations (consumer, measure_id, person_id, kind, "
                         "lifted_seq, lifted_at, deadline_at, state) VALUES ($1, $2, $3, $4, $5, "
                         "$6, $7, 'pending') ON CONFLICT (consumer, measure_id) DO NOTHING",
                         consumer.id, lifting.measure_id, lifting.person_id,
                         MeasureKindName(lifting.kind), lifting.lifted_seq, lifting.lifted_at,
                         lifting.lifted_at + int64_t{3600} * lift_deadline_hours_));
          opened += inserted;
        }
      }
      ASSIGN_OR_RETURN(int64_t moved,
                       ExecuteSql(connection,
                                  "UPDATE enforcement_cursors SET seq = $1 WHERE name = "
                                  "'lift_confirmations' AND seq = $2",
                                  liftings.back().lifted_seq, cursor));
      return moved == 1;
    };
    auto moved = write();
    if (!moved.ok()) {
      (void)connection.Rollback();
      return moved.status();
    }
    RETURN_IF_ERROR(connection.Commit());
    if (!*moved) return opened;  // another node is tracking; it carries on
    if (liftings.size() < static_cast<size_t>(page_)) return opened;
  }
}

Status LiftConfirmations::Confirm(Connection& connection, const Consumer& consumer,
                                  MeasureId measure_id, Instant at) const {
  const std::string unknown =
      "measure_id: no measure " + std::to_string(measure_id) + " for " + std::string(consumer.id);
  Lifting lifting{};
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection,
                                 "SELECT lifted_seq, person_id, kind, lifted_at FROM measures "
                                 "WHERE measure_id = $1"));
    query.Bind(measure_id);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return NotFound(unknown);
    ASSIGN_OR_RETURN(MeasureKind kind, ParseMeasureKind(query.TextView(2), "measures.kind"));
    if ((consumer.kinds & KindBit(kind)) == 0) return NotFound(unknown);
    if (query.IsNull(0)) {
      return FailedPrecondition("measure_id: measure " + std::to_string(measure_id) +
                                " is in force, not lifted");
    }
    lifting = {query.Int(0), measure_id, query.Int(1), kind, query.Int(3)};
  }
  // Insert-or-update in one statement, so a confirmation that overtakes Track still counts and
  // a repeated one keeps the first instant.
  return ExecuteSql(connection,
                    "INSERT INTO lift_confirmations (consumer, measure_id, person_id, kind, "
                    "lifted_seq, lifted_at, deadline_at, state, confirmed_at) VALUES ($1, $2, $3, "
                    "$4, $5, $6, $7, 'confirmed', $8) ON CONFLICT (consumer, measure_id) DO UPDATE "
                    "SET state = 'confirmed', confirmed_at = excluded.confirmed_at WHERE "
                    "lift_confirmations.confirmed_at IS NULL",
                    consumer.id, measure_id, lifting.person_id, MeasureKindName(lifting.kind),
                    lifting.lifted_seq, lifting.lifted_at,
                    lifting.lifted_at + int64_t{3600} * lift_deadline_hours_, ToUnixSeconds(at))
      .status();
}

Result<std::vector<LiftConfirmation>> LiftConfirmations::Escalate(Connection& connection,
                                                                  Instant now) const {
  const int64_t now_seconds = ToUnixSeconds(now);
  RETURN_IF_ERROR(connection.BeginWrite());
  auto escalate = [&]() -> Result<std::vector<LiftConfirmation>> {
    std::vector<LiftConfirmation> rows;
    {
      std::string sql(kColumns);
      sql += "WHERE state = 'pending' AND deadline_at <= $1 ORDER BY deadline_at, measure_id";
      ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
      query.Bind(now_seconds);
      ASSIGN_OR_RETURN(rows, ReadRows(query));
    }
    for (LiftConfirmation& row : rows) {
      RETURN_IF_ERROR(ExecuteSql(connection,
                                 "UPDATE lift_confirmations SET state = 'escalated', escalated_at "
                                 "= $1 WHERE consumer = $2 AND measure_id = $3 AND state = "
                                 "'pending'",
                                 now_seconds, row.consumer, row.measure_id)
                          .status());
      row.state = "escalated";
      row.escalated_at = now;
    }
    return rows;
  };
  auto rows = escalate();
  if (!rows.ok()) {
    (void)connection.Rollback();
    return rows.status();
  }
  RETURN_IF_ERROR(connection.Commit());
  return rows;
}

Result<std::vector<LiftConfirmation>> LiftConfirmations::Overdue(Connection& connection,
                                                                 int limit) const {
  if (limit < 1 || limit > 1000) {
    return InvalidArgument("limit: must be 1..1000, got " + std::to_string(limit));
  }
  std::string sql(kColumns);
  sql += "WHERE state = 'escalated' ORDER BY deadline_at, measure_id LIMIT $1";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(limit);
  return ReadRows(query);
}

Result<std::vector<LiftConfirmation>> LiftConfirmations::OfPerson(Connection& connection,
                                                                  PersonId person_id) const {
  std::string sql(kColumns);
  sql += "WHERE person_id = $1 ORDER BY lifted_seq DESC, consumer";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(person_id);
  return ReadRows(query);
}

}  // namespace muster::enforcement
