// Reads: explain, the person's timeline, registry statistics.
#include <map>

#include "registry/delivery.h"
#include "registry/events.h"
#include "registry/person_records.h"
#include "registry/queries.h"
#include "registry/registry.h"

namespace muster {
namespace json = boost::json;

namespace {

std::string Local(int64_t unix_seconds, TimeZone zone) {
  return FormatLocal(FromUnixSeconds(unix_seconds), zone);
}

// One line per event for the timeline, in words.
std::string DescribeEvent(const LedgerEvent& event, const json::object& p, TimeZone zone) {
  auto text = [&](std::string_view key) { return JsonOptionalString(p, key).value_or(""); };
  auto number = [&](std::string_view key) {
    auto value = JsonOptionalInt(p, key);
    return value ? std::to_string(*value) : std::string("?");
  };
  const std::string& type = event.type;
  if (type == events::kPersonRegistered) {
    return "registered: " + text("family_name") + " " + text("given_name") + " " + text("patronymic") +
           ", born " + text("birth_date") + ", office " + text("office") + " (source: " + text("source") + ")";
  }
  if (type == events::kFitnessDecided) return "fitness category " + text("category") + " by " + text("commission");
  if (type == events::kGroundGranted) {
    return text("kind") + " " + number("ground_id") + " granted: " + text("basis") + " from " +
           text("valid_from") + (p.contains("valid_until") ? " until " + text("valid_until") : "") +
           " (evidence: " + text("evidence") + ")";
  }
  if (type == events::kGroundEnded) return "ground " + number("ground_id") + " ended: " + text("reason");
  if (type == events::kSummonsIssued) {
    return "summons " + number("summons_id") + " issued (" + text("purpose") + "), appear " +
           text("appearance_local") + " at " + text("place") + " [profile " + text("profile_id") +
           " " + text("profile_version") + "]";
  }
  if (type == events::kServiceAttempted) {
    std::string line = "summons " + number("summons_id") + ": " + text("channel") + " " + text("mark") +
                       " (attempt " + number("attempt_id") + ", evidence: " + text("evidence") + ")";
    if (auto serves_at = JsonOptionalInt(p, "serves_at"); serves_at && *serves_at > ToUnixSeconds(event.effective_at)) {
      line += "; deemed served at " + Local(*serves_at, zone) + " unless served earlier (" + text("service_rule") + ")";
    }
    return line;
  }
  if (type == events::kSummonsServed) {
    std::string line = "summons " + number("summons_id") + " SERVED via " + text("channel") + " " +
                       text("mark") + " (attempt " + number("attempt_id") + ", rule " +
                       text("rule_id") + ")";
    if (const json::value* corrects = p.if_contains("corrects"); corrects && corrects->is_object()) {
      auto earlier = JsonOptionalInt(corrects->get_object(), "served_at");
      line += " — an earlier legally valid service than the one on record" +
              (earlier ? " (" + Local(*earlier, zone) + ")" : std::string());
    }
    return line;
  }
  if (type == events::kConsentRecorded) {
    return "consent " + number("consent_id") + " to notifications by " + text("channel") +
           " at " + MaskNotificationAddress(text("address")) + " (evidence: " + text("evidence") +
           ")" + (p.contains("supersedes") ? "; supersedes consent " + number("supersedes") : "");
  }
  if (type == events::kConsentWithdrawn) {
    return "consent " + number("consent_id") + " to notifications by " + text("channel") +
           " withdrawn (evidence: " + text("evidence") + ")";
  }
  if (type == events::kNotificationRecorded) {
    return "summons " + number("summons_id") + ": " + text("channel") + " notification " +
           text("mark") + " (attempt " + number("attempt_id") + ", evidence: " +
           text("evidence") + ") — a notification, not service";
  }
  if (type == events::kDeliveryFallback) {
    return "summons " + number("summons_id") + ": cascade fallback " + text("outcome") + ": " +
           text("detail") + " (rule " + text("rule_id") + ")";
  }
  if (type == events::kSummonsCancelled) return "summons " + number("summons_id") + " cancelled: " + text("reason");
  if (type == events::kAppeared) return "appeared for summons " + number("summons_id") + " at " + text("at_local");
  if (type == events::kExcuseFiled) {
    return "excuse " + number("excuse_id") + " filed for summons " + number("summons_id") + ": " +
           text("reason") + " (documents: " + text("documents") + ")";
  }
  if (type == events::kExcuseDecided) {
    bool accepted = p.contains("accepted") && p.at("accepted").is_bool() && p.at("accepted").get_bool();
    return "excuse " + number("excuse_id") + (accepted ? " ACCEPTED" : " rejected") + ": " + text("note");
  }
  if (type == events::kObjectionFiled) return "objection " + number("objection_id") + " filed: " + text("reason");
  if (type == events::kObjectionDecided) {
    bool upheld = p.contains("upheld") && p.at("upheld").is_bool() && p.at("upheld").get_bool();
    return "objection " + number("objection_id") + (upheld ? " upheld" : " rejected") + ": " + text("note");
  }
  if (type == events::kMeasureImposed) {
    return "MEASURE " + text("kind") + " imposed (measure " + number("measure_id") + ", rule " +
           text("rule_id") + ", basis " + text("legal_basis") + ", summons " + number("summons_id") + ")";
  }
  if (type == events::kMeasureWithheld) {
    return "measure " + text("kind") + " WITHHELD: " + text("detail") + " (rule " + text("rule_id") + ")";
  }
  if (type == events::kMeasureLifted) {
    return "measure " + text("kind") + " lifted (measure " + number("measure_id") + "): " + text("reason");
  }
  if (auto line = DescribePersonRecordEvent(type, p)) return *line;
  return type;
}

}  // namespace

Result<std::vector<std::string>> Registry::PersonTimeline(PersonId person_id) {
  ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(person_id));
  std::vector<std::string> lines;
  lines.push_back("person " + std::to_string(person_id) + ": " + person.family_name + " " +
                  person.given_name + " " + person.patronymic + ", born " +
                  FormatDate(person.birth_date) + ", sex " + std::string(SexName(person.sex)) +
                  ", office " + person.office + " (" + person.zone->name() + "), status " +
                  person.status + ", fitness " + person.fitness.value_or("not examined") +
                  ", portal account " + (person.has_portal_account ? "yes" : "no"));
  {
    ASSIGN_OR_RETURN(Query ids, Query::Make(*connection_, "SELECT kind, value FROM person_identifiers WHERE person_id = $1 ORDER BY kind"));
    ids.Bind(person_id);
    std::string line = "identifiers:";
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, ids.Next());
      if (!has_row) break;
      line += " " + ids.Text(0) + "=" + ids.Text(1);
    }
    lines.push_back(line);
  }
  lines.push_back("timeline (local time of office " + person.office + "):");
  RETURN_IF_ERROR(ReadPersonEvents(*connection_, person_id, [&](const LedgerEvent& event) -> Status {
    std::error_code error;
    json::value payload = json::parse(event.payload, error);
    if (error || !payload.is_object()) return DataLoss("event " + std::to_string(event.seq) + ": payload is not JSON");
    lines.push_back("  " + FormatLocal(event.effective_at, person.zone) + "  #" +
                    std::to_string(event.seq) + "  " + DescribeEvent(event, payload.get_object(), person.zone));
    return Status::Ok();
  }));
  return lines;
}

// How a summons was served, for people: the earliest legally valid service event first, then
// what every other entry of the delivery log counted for.
Result<std::vector<std::string>> Registry::ExplainService(const SummonsFacts& summons,
                                                          Instant now) {
  ASSIGN_OR_RETURN(SummonsRow row, ReadSummons(*connection_, summons.summons_id));
  TimeZone zone = summons.zone;
  std::string id = std::to_string(summons.summons_id);
  auto basis = [&](const std::string& rule_id) -> std::string {
    for (const ChannelRules& channel : profile_.channels) {
      for (const ServiceRule& rule : channel.service) {
        if (rule.rule_id == rule_id) return rule.legal_basis;
      }
    }
    return "";
  };
  auto entry = [&](const ServiceAttemptRow& attempt) {
    std::string text = attempt.channel + " " + attempt.mark + " at " + FormatLocal(attempt.at, zone) +
                       " (attempt " + std::to_string(attempt.attempt_id);
    if (attempt.reference) text += ", tracking " + *attempt.reference;
    return text + ", evidence: " + attempt.evidence + ")";
  };
  std::vector<std::string> lines;
  const ServiceAttemptRow* serving = nullptr;
  if (summons.served_attempt) {
    for (const ServiceAttemptRow& attempt : row.attempts) {
      if (attempt.attempt_id == *summons.served_attempt) serving = &attempt;
    }
  }
  const ServiceAttemptRow* pending = nullptr;
  if (serving != nullptr && summons.served_at) {
    std::string rule = summons.served_rule.value_or("");
    std::string cited = basis(rule);
    lines.push_back("summons " + id + " served " + FormatLocal(*summons.served_at, zone) + " by " +
                    entry(*serving) + " under rule " + rule +
                    (cited.empty() ? "" : ", legal basis " + cited) +
                    " — the earliest legally valid service event");
  } else if (summons.status != "issued") {
    lines.push_back("summons " + id + " was never served; it is " + summons.status);
  } else {
    // The earliest deemed service still to come, if any.
    for (const ServiceAttemptRow& attempt : row.attempts) {
      if (attempt.service_rule && attempt.serves_at && *attempt.serves_at > now &&
          (pending == nullptr || *attempt.serves_at < *pending->serves_at)) {
        pending = &attempt;
      }
    }
    if (pending != nullptr) {
      lines.push_back("summons " + id + " not served yet: " + entry(*pending) +
                      " will serve it at " + FormatLocal(*pending->serves_at, zone) +
                      " under rule " + *pending->service_rule + " unless an earlier service comes");
    } else {
      lines.push_back("summons " + id +
                      " not served yet: no event on record serves it (no measure without proof "
                      "of service)");
    }
  }
  for (const ServiceAttemptRow& attempt : row.attempts) {
    if (&attempt == serving || &attempt == pending) continue;
    std::string what;
    if (attempt.notification) {
      what = "a notification, never service";
    } else if (attempt.service_rule && attempt.serves_at) {
      what = serving != nullptr ? "would serve at " + FormatLocal(*attempt.serves_at, zone) +
                                      " under rule " + *attempt.service_rule +
                                      "; the earlier service counts"
                                : "would serve at " + FormatLocal(*attempt.serves_at, zone) +
                                      " under rule " + *attempt.service_rule;
    } else {
      Result<Channel> channel = ParseChannel(attempt.channel, "channel");
      const ChannelRules* rules = channel.ok() ? profile_.FindChannel(*channel) : nullptr;
      const ServiceRule* rule = rules ? rules->FindServiceRule(attempt.mark) : nullptr;
      if (rule != nullptr) {
        what = "after the service on record: evidence only";
      } else if (attempt.channel == "portal" && attempt.mark == "viewed") {
        what = "the citizen's first view: evidence, not service";
      } else {
        what = "evidence, not service";
      }
    }
    lines.push_back("also " + entry(attempt) + ": " + what);
  }
  for (const DeliveryDecisionRow& decision : row.delivery_decisions) {
    lines.push_back("cascade fallback " + decision.outcome + " at " +
                    FormatLocal(decision.at, zone) + ": " + decision.detail + " (rule " +
                    decision.rule_id + ")");
  }
  return lines;
}

Result<Explanation> Registry::Explain(PersonId person_id) {
  ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(person_id));
  Instant now = Now();
  Explanation explanation;
  explanation.person_id = person_id;
  explanation.profile = profile_.id + " " + profile_.version;
  ASSIGN_OR_RETURN(std::optional<GateFinding> gate,
                   CheckGates(person, now, GatePurpose::kImposeMeasure, std::nullopt));
  if (gate) explanation.gates.push_back(gate->code + ": " + gate->reason);

  // The latest summons decides the current state; older ones are history in the timeline.
  std::optional<SummonsFacts> summons;
  {
    ASSIGN_OR_RETURN(Query latest, Query::Make(*connection_, "SELECT summons_id FROM summonses WHERE person_id = $1 ORDER BY summons_id DESC LIMIT 1"));
    latest.Bind(person_id);
    ASSIGN_OR_RETURN(bool found, latest.Next());
    if (found) {
      SummonsId summons_id = latest.Int(0);
      latest.Finish();
      ASSIGN_OR_RETURN(SummonsFacts facts, LoadSummons(summons_id));
      summons = std::move(facts);
    }
  }
  if (summons) {
    ASSIGN_OR_RETURN(explanation.service, ExplainService(*summons, now));
  }
  for (const MeasureRule& rule : profile_.measures) {
    MeasureExplanation item;
    item.kind = rule.kind;
    std::string kind(MeasureKindName(rule.kind));
    std::string basis = profile_.legal_bases.contains(rule.legal_basis)
                            ? rule.legal_basis + " — " + profile_.legal_bases.at(rule.legal_basis)
                            : rule.legal_basis;
    // Measures of this kind on record, newest first.
    ASSIGN_OR_RETURN(Query measures,
                     Query::Make(*connection_,
                                 "SELECT m.measure_id, m.summons_id, m.rule_id, m.profile_version, "
                                 "m.start_at, m.lifted_at, m.lift_reason, a.channel, a.mark, a.at, "
                                 "COALESCE(a.service_rule, s.served_rule), COALESCE(a.serves_at, "
                                 "s.served_at) FROM measures m JOIN service_attempts a ON "
                                 "a.attempt_id = m.served_attempt JOIN summonses s ON s.summons_id = "
                                 "m.summons_id WHERE m.person_id = $1 AND m.kind = $2 ORDER BY "
                                 "m.measure_id DESC LIMIT 1"));
    measures.Bind(person_id).Bind(kind);
    ASSIGN_OR_RETURN(bool has_measure, measures.Next());
    if (has_measure) {
      bool lifted = !measures.IsNull(5);
      std::string cites = "summons " + std::to_string(measures.Int(1)) + ": " + measures.Text(7) +
                          " " + measures.Text(8) + " at " + Local(measures.Int(9), person.zone) +
                          ", served " + Local(measures.Int(11), person.zone) + " under rule " +
                          measures.Text(10);
      if (!lifted) {
        item.in_force = true;
        item.lines.push_back("IN FORCE since " + Local(measures.Int(4), person.zone) + " (measure " +
                             std::to_string(measures.Int(0)) + ")");
        item.lines.push_back("rule " + measures.Text(2) + ", profile version " + measures.Text(3) + ", legal basis " + basis);
        item.lines.push_back("rests on " + cites);
        item.lines.push_back("ends on appearance at office " + person.office + " or an accepted excuse; lifted at once");
      } else {
        item.lines.push_back("not in force: measure " + std::to_string(measures.Int(0)) + " imposed " +
                             Local(measures.Int(4), person.zone) + " was lifted " +
                             Local(measures.Int(5), person.zone) + " (" + measures.Text(6) + ")");
      }
    }
    measures.Finish();
    if (!item.in_force) {
      // Why it is not in force now, or when it would start.
      ASSIGN_OR_RETURN(Query withheld,
                       Query::Make(*connection_,
                                   "SELECT outcome, at FROM decisions WHERE person_id = $1 AND kind = $2 "
                                   "AND outcome LIKE 'withheld%' ORDER BY decision_id DESC LIMIT 1"));
      withheld.Bind(person_id).Bind("measure:" + kind);
      ASSIGN_OR_RETURN(bool was_withheld, withheld.Next());
      if (was_withheld) {
        item.lines.push_back("withheld at " + Local(withheld.Int(1), person.zone) + " — " + withheld.Text(0));
      }
      withheld.Finish();
      if (!summons) {
        item.lines.push_back("not in force: no summons on record");
      } else if (summons->status == "issued") {
        item.lines.push_back("not in force: summons " + std::to_string(summons->summons_id) +
                             " is not served yet — no measure without proof of service (rule " + rule.rule_id + ")");
      } else if (summons->status == "served") {
        if (rule.trigger == MeasureTrigger::kAfterNoShow) {
          Instant starts = AfterCalendarDays(summons->appearance_at, rule.days_after_appearance, summons->zone);
          if (starts > now) {
            item.lines.push_back("not in force: would start " + FormatLocal(starts, summons->zone) + " (" +
                                 std::to_string(rule.days_after_appearance) + " days after the appearance date " +
                                 FormatLocal(summons->appearance_at, summons->zone) +
                                 ") unless the person appears or an excuse is accepted (rule " + rule.rule_id + ")");
          } else if (gate) {
            item.lines.push_back("not in force: blocked by " + gate->code);
          }
        } else if (gate) {
          item.lines.push_back("not in force: blocked by " + gate->code);
        }
      } else if (!has_measure) {
        item.lines.push_back("not in force: summons " + std::to_string(summons->summons_id) + " is " + summons->status);
      }
      if (gate && item.lines.empty()) item.lines.push_back("not in force: blocked by " + gate->code + ": " + gate->reason);
      if (item.lines.empty()) item.lines.push_back("not in force");
    }
    explanation.measures.push_back(std::move(item));
  }
  return explanation;
}

Result<RegistryStats> Registry::Stats() {
  RegistryStats stats;
  auto scalar = [&](std::string_view sql, int64_t& out) -> Status {
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, sql));
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    out = has_row ? query.Int(0) : 0;
    query.Finish();
    return Status::Ok();
  };
  auto grouped = [&](std::string_view sql, std::map<std::string, int64_t>& out) -> Status {
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, sql));
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      out[query.IsNull(0) ? "-" : query.Text(0)] = query.Int(1);
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(scalar("SELECT COUNT(*) FROM persons", stats.persons));
  RETURN_IF_ERROR(scalar("SELECT seq FROM ledger_head WHERE id = 1", stats.events));
  RETURN_IF_ERROR(grouped("SELECT status, COUNT(*) FROM summonses GROUP BY status", stats.summonses_by_status));
  RETURN_IF_ERROR(grouped("SELECT served_rule, COUNT(*) FROM summonses WHERE served_rule IS NOT NULL GROUP BY served_rule", stats.services_by_rule));
  RETURN_IF_ERROR(grouped("SELECT kind, COUNT(*) FROM measures WHERE lifted_at IS NULL GROUP BY kind", stats.measures_in_force));
  RETURN_IF_ERROR(scalar("SELECT COUNT(*) FROM measures WHERE lifted_at IS NOT NULL", stats.measures_lifted));
  RETURN_IF_ERROR(scalar("SELECT COUNT(*) FROM decisions WHERE outcome LIKE 'withheld%'", stats.measures_withheld));
  RETURN_IF_ERROR(scalar("SELECT COUNT(*) FROM due_actions", stats.due_actions));
  return stats;
}

}  // namespace muster
