// Facts the lifecycle engine reads from the projections before it decides, and the findings
// of the due-process gates. Internal to the registry layer.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>

#include "common/time.h"
#include "domain/model.h"
#include "rules/calendar.h"

namespace muster {

struct PersonFacts {
  PersonId person_id = 0;
  std::string family_name;
  std::string given_name;
  std::string patronymic;
  Sex sex = Sex::kMale;
  CivilDate birth_date;
  std::string region;
  std::string office;
  bool has_portal_account = false;
  std::optional<std::string> fitness;
  std::string status;  // "registered"
  TimeZone zone = nullptr;
};

struct SummonsFacts {
  SummonsId summons_id = 0;
  PersonId person_id = 0;
  std::string office;
  Instant appearance_at;
  Instant issued_at;
  std::string status;
  std::optional<Instant> served_at;
  std::optional<int64_t> served_attempt;
  std::optional<std::string> served_rule;
  std::string profile_version;
  TimeZone zone = nullptr;
};

// Why a gate refused an adverse action. `code` is stable ("deferment", "exemption",
// "objection_pending", "excuse_pending", "not_liable", "region_not_active",
// "open_summons", "deregistered"); `reason` is for people; `facts` is what the gate read.
struct GateFinding {
  std::string code;
  std::string reason;
  boost::json::object facts;
};

enum class GatePurpose { kIssueSummons, kImposeMeasure };

}  // namespace muster
