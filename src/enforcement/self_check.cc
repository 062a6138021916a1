#include "enforcement/self_check.h"

#include <boost/json.hpp>

#include "enforcement/checks.h"

namespace muster::enforcement {
namespace {

std::string InstantText(Instant instant) {
  std::string text;
  AppendInstant(text, instant);
  return text;
}

std::string JoinReasons(const std::vector<std::string>& reasons) {
  std::string text;
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (i > 0) text += ", ";
    text += reasons[i];
  }
  return text;
}

}  // namespace

TravelAnswer CheckTravel(const MeasureIndex& index, const TravelCheckInput& input) {
  TravelAnswer travel;
  CheckAnswer answer = index.CheckAll(input.person_id, input.now);
  travel.office = std::string(answer.office);
  for (uint8_t i = 0; i < answer.count; ++i) {
    if (answer.measures[i].kind != MeasureKind::kExit) continue;
    travel.measure_id = answer.measures[i].measure_id;
    travel.since = answer.measures[i].since;
  }
  if (travel.measure_id) {
    travel.can_cross = false;
    travel.answer = "No. A temporary exit ban (reference " + std::to_string(*travel.measure_id) +
                    ") has been in force since " + InstantText(*travel.since) +
                    "; border control will not let you leave the country until it is lifted.";
    travel.why = input.explanation;
    const std::string office =
        travel.office.empty() ? "your registration office" : "registration office " + travel.office;
    travel.how_to_fix.push_back(
        "Appear at " + office +
        " (the place named in your summons). The ban is lifted as soon "
        "as your appearance is recorded, and border control must apply the lifting within " +
        std::to_string(input.lift_deadline_hours) + " hours.");
    std::string excuse = "If a valid reason kept you from appearing";
    if (!input.excuse_reasons.empty()) excuse += " (" + JoinReasons(input.excuse_reasons) + ")";
    excuse += ", file an excuse with its documents; the ban is lifted when it is accepted.";
    travel.how_to_fix.push_back(excuse);
    travel.how_to_fix.push_back(
        "If you believe the summons or the ban is wrong, file an objection; an officer must "
        "review it, and the explanation above shows the facts and rules the ban rests on.");
  } else {
    travel.can_cross = true;
    travel.answer = "Yes. No exit ban is in force for you today (" + InstantText(input.now) + ").";
  }
  for (const LiftConfirmation& lift : input.lifts) {
    if (lift.consumer != "border" || lift.confirmed_at) continue;
    std::string note = "Your exit ban (reference " + std::to_string(lift.measure_id) +
                       ") was lifted at " + InstantText(lift.lifted_at) +
                       ", but border control has not yet confirmed that it applied the lifting";
    if (lift.state == "escalated") {
      note += "; it was due by " + InstantText(lift.deadline_at) +
              " and officers have been alerted. If you are stopped, show the reference number.";
    } else {
      note += " (due by " + InstantText(lift.deadline_at) + ").";
    }
    travel.notes.push_back(std::move(note));
  }
  return travel;
}

std::string TravelAnswerJson(const TravelAnswer& answer) {
  namespace json = boost::json;
  auto strings = [](const std::vector<std::string>& lines) {
    json::array array;
    for (const std::string& line : lines) array.emplace_back(line);
    return array;
  };
  json::object object;
  object["can_cross"] = answer.can_cross;
  object["answer"] = answer.answer;
  if (answer.measure_id) object["measure_id"] = *answer.measure_id;
  if (answer.since) object["since"] = InstantText(*answer.since);
  if (!answer.office.empty()) object["office"] = answer.office;
  object["why"] = strings(answer.why);
  object["how_to_fix"] = strings(answer.how_to_fix);
  object["notes"] = strings(answer.notes);
  return json::serialize(object);
}

}  // namespace muster::enforcement
