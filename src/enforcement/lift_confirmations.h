// Lift confirmations: each consumer confirms that it applied the lifting of a measure it
// enforces; a lifting not confirmed within the profile's deadline is escalated to officers and
// shown to the citizen (DESIGN.md §2.4: "each consumer's confirmation is tracked").
//
// `Track` follows the liftings in ledger order (its cursor is the enforcement_cursors row
// 'lift_confirmations') and opens one pending row per (consumer, measure) for every consumer
// that enforces the measure's kind, due at lifted_at + lift_deadline_hours. `Confirm` closes
// it — it also works before Track has caught up, since it checks the measure itself. `Escalate`
// marks pending rows past their deadline as escalated; a confirmation that comes later still
// closes the row, which keeps its escalated_at so the lateness stays visible.
//
// States: pending → confirmed, or pending → escalated → confirmed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"
#include "enforcement/consumers.h"
#include "store/database.h"

namespace muster::enforcement {

struct LiftConfirmation {
  std::string consumer;
  MeasureId measure_id = 0;
  PersonId person_id = 0;
  MeasureKind kind = MeasureKind::kExit;
  int64_t lifted_seq = 0;
  Instant lifted_at;
  Instant deadline_at;
  std::string state;  // "pending", "confirmed", "escalated"
  std::optional<Instant> confirmed_at;
  std::optional<Instant> escalated_at;

  bool late() const { return confirmed_at ? *confirmed_at > deadline_at : false; }
};

class LiftConfirmations {
 public:
  // `lift_deadline_hours`: Profile::lift_deadline_hours.
  explicit LiftConfirmations(int lift_deadline_hours, int page = 2000)
      : lift_deadline_hours_(lift_deadline_hours), page_(page) {}

  // Opens pending rows for the liftings after the cursor, up to the ledger head. Returns rows
  // opened. Idempotent and safe to run on several nodes at once.
  Result<int64_t> Track(Connection& connection) const;

  // `consumer` applied the lifting of `measure_id`; recorded at `at` (the server's clock, not
  // the consumer's word). A repeated confirmation keeps the first instant and is OK.
  // kNotFound if there is no such measure among the consumer's kinds (another agency's
  // measure is as unknown as a missing one); kFailedPrecondition if it is not lifted.
  Status Confirm(Connection& connection, const Consumer& consumer, MeasureId measure_id,
                 Instant at) const;

  // Escalates every pending row whose deadline is at or before `now`; returns them.
  Result<std::vector<LiftConfirmation>> Escalate(Connection& connection, Instant now) const;

  // Escalated and still unconfirmed, oldest deadline first: the officers' list. 1..1000.
  Result<std::vector<LiftConfirmation>> Overdue(Connection& connection, int limit) const;

  // All rows of one person, newest lifting first: what the citizen sees.
  Result<std::vector<LiftConfirmation>> OfPerson(Connection& connection, PersonId person_id) const;

 private:
  int lift_deadline_hours_;
  int page_;
};

}  // namespace muster::enforcement
