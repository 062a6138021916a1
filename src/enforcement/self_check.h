// The citizen's pre-travel self check: "can I cross the border today, and if not, why and how
// do I fix it".
//
// The answer comes from the same measure index border control checks against, so what the
// citizen is told is what the border gate will see. Why a ban is in force is the registry's
// own explanation (Registry::Explain: the summons, the service event, the rule and its legal
// basis), passed in by the caller; this layer adds the plain answer, what the citizen can do,
// and whether border control has confirmed a lifting yet (a lifted ban that the border has not
// applied can still stop someone at the gate).
//
// Pure given its inputs; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "domain/model.h"
#include "enforcement/lift_confirmations.h"
#include "enforcement/measure_index.h"

namespace muster::enforcement {

struct TravelCheckInput {
  PersonId person_id = 0;
  Instant now;
  // Registry::Explain(person_id) → the MeasureExplanation of kind exit → its lines.
  std::vector<std::string> explanation;
  // LiftConfirmations::OfPerson(person_id): the border's confirmations of past liftings.
  std::vector<LiftConfirmation> lifts;
  // Profile::excuse_reasons and Profile::lift_deadline_hours, for the advice.
  std::vector<std::string> excuse_reasons;
  int lift_deadline_hours = 24;
};

struct TravelAnswer {
  bool can_cross = false;
  std::string answer;                   // one plain sentence
  std::optional<MeasureId> measure_id;  // the exit ban in force, if any
  std::optional<Instant> since;
  std::string office;                   // where to have it lifted
  std::vector<std::string> why;         // the registry's explanation, when a ban is in force
  std::vector<std::string> how_to_fix;  // what the citizen can do
  std::vector<std::string> notes;       // e.g. a lifting border control has not confirmed yet
};

// kNotFound-free: an unknown person simply has no ban ("no exit ban is recorded").
TravelAnswer CheckTravel(const MeasureIndex& index, const TravelCheckInput& input);

// {"can_cross":false,"answer":"…","measure_id":77,"since":"…","office":"RYA-01",
//  "why":[…],"how_to_fix":[…],"notes":[…]}
std::string TravelAnswerJson(const TravelAnswer& answer);

}  // namespace muster::enforcement
