#include "http/api.h"

#include "documents/verification_page.h"
#include "http/api_support.h"
#include "http/channels_api.h"
#include "http/enforcement_api.h"
#include "http/feeds_api.h"

#include <boost/json.hpp>
#include <charconv>
#include <initializer_list>

#include "access/passwords.h"
#include "domain/identifiers.h"
#include "domain/model.h"
#include "domain/region.h"
#include "http/openapi.h"
#include "registry/delivery.h"
#include "registry/queries.h"
#include "rules/calendar.h"
#include "registry/registry.h"

namespace muster::http {
namespace {

namespace json = boost::json;
using beast_http::status;
using beast_http::verb;

using access::Principal;
namespace scope = access::scope;
using namespace api;  // the shared request and response helpers (api_support.h)

// ---- JSON views ---------------------------------------------------------------------------

json::object CardJson(const PersonCard& card) {
  json::array identifiers;
  for (const auto& [kind, value] : card.identifiers) {
    identifiers.push_back(json::object{{"kind", kind}, {"value", value}});
  }
  json::array grounds;
  for (const GroundRow& ground : card.grounds) {
    grounds.push_back(json::object{{"ground_id", ground.ground_id},
                                   {"kind", ground.kind},
                                   {"basis", ground.basis},
                                   {"valid_from", FormatDate(ground.valid_from)},
                                   {"valid_until", DateOrNull(ground.valid_until)},
                                   {"evidence", ground.evidence},
                                   {"ended_at", InstantOrNull(ground.ended_at)},
                                   {"end_reason", ground.end_reason}});
  }
  json::value fitness = nullptr;
  if (card.fitness) {
    fitness = json::object{{"category", *card.fitness}, {"until", DateOrNull(card.fitness_until)}};
  }
  return json::object{{"person_id", card.person_id},
                      {"names", json::object{{"family", card.family_name},
                                             {"given", card.given_name},
                                             {"patronymic", card.patronymic}}},
                      {"names_latin", json::object{{"family", card.family_name_latin},
                                                   {"given", card.given_name_latin},
                                                   {"patronymic", card.patronymic_latin}}},
                      {"sex", card.sex},
                      {"birth_date", FormatDate(card.birth_date)},
                      {"region", card.region},
                      {"office", card.office},
                      {"has_portal_account", card.has_portal_account},
                      {"fitness", std::move(fitness)},
                      {"status", card.status},
                      {"source", card.source},
                      {"identifiers", std::move(identifiers)},
                      {"grounds", std::move(grounds)}};
}

json::object MeasureJson(const MeasureRow& measure, Instant now) {
  json::object out{{"measure_id", measure.measure_id},
                   {"summons_id", measure.summons_id},
                   {"kind", measure.kind},
                   {"rule_id", measure.rule_id},
                   {"legal_basis", measure.legal_basis},
                   {"profile_version", measure.profile_version},
                   {"start_at", FormatInstant(measure.start_at)},
                   {"in_force", measure.InForce(now)},
                   {"lifted_at", InstantOrNull(measure.lifted_at)}};
  if (measure.lifted_at) out["lift_reason"] = measure.lift_reason;
  return out;
}

json::object SummonsJson(const SummonsRow& summons) {
  json::array attempts;
  for (const ServiceAttemptRow& attempt : summons.attempts) {
    attempts.push_back(json::object{
        {"attempt_id", attempt.attempt_id},
        {"channel", attempt.channel},
        {"mark", attempt.mark},
        {"at", FormatInstant(attempt.at)},
        {"evidence", attempt.evidence},
        {"service_rule", attempt.service_rule ? json::value(*attempt.service_rule) : nullptr},
        {"serves_at", InstantOrNull(attempt.serves_at)},
        {"reference", attempt.reference ? json::value(*attempt.reference) : nullptr},
        {"notification", attempt.notification}});
  }
  // Why the cascade sent the summons on through a fallback channel, or skipped one.
  json::array decisions;
  for (const DeliveryDecisionRow& decision : summons.delivery_decisions) {
    decisions.push_back(json::object{{"at", FormatInstant(decision.at)},
                                     {"outcome", decision.outcome},
                                     {"rule_id", decision.rule_id},
                                     {"detail", decision.detail}});
  }
  json::array excuses;
  for (const ExcuseRow& excuse : summons.excuses) {
    excuses.push_back(json::object{
        {"excuse_id", excuse.excuse_id},
        {"reason", excuse.reason},
        {"documents", excuse.documents},
        {"filed_at", FormatInstant(excuse.filed_at)},
        {"decided_at", InstantOrNull(excuse.decided_at)},
        {"accepted", excuse.accepted ? json::value(*excuse.accepted) : nullptr},
        {"note", excuse.note}});
  }
  return json::object{
      {"summons_id", summons.summons_id},
      {"person_id", summons.person_id},
      {"batch", summons.batch},
      {"purpose", summons.purpose},
      {"office", summons.office},
      {"place", summons.place},
      {"appearance_at", FormatInstant(summons.appearance_at)},
      {"legal_basis", summons.legal_basis},
      {"profile_version", summons.profile_version},
      {"issued_at", FormatInstant(summons.issued_at)},
      {"status", summons.status},
      {"served_at", InstantOrNull(summons.served_at)},
      {"served_rule", summons.served_rule ? json::value(*summons.served_rule) : nullptr},
      {"closed_at", InstantOrNull(summons.closed_at)},
      {"close_reason", summons.close_reason},
      {"verification_code",
       summons.verification_code ? json::value(*summons.verification_code) : nullptr},
      {"delivery_log", std::move(attempts)},
      {"delivery_decisions", std::move(decisions)},
      {"excuses", std::move(excuses)}};
}

// ---- Persons ------------------------------------------------------------------------------

Result<Response> GetPerson(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(db, person_id),
                        "GET /persons/{id}", "card,identifiers,grounds"));
  ASSIGN_OR_RETURN(PersonCard card, ReadPersonCard(db, person_id));
  return Json(status::ok, CardJson(card));
}

Result<Response> FindPerson(const RouteRequest& request, Registry& registry) {
  std::optional<std::pair<IdentifierKind, std::string>> wanted;
  for (const auto& [name, value] : request.query) {
    auto kind = ParseIdentifierKind(name, name);
    if (!kind.ok()) {
      return InvalidArgument(name + ": unknown identifier kind (snils, inn, passport, …)");
    }
    if (wanted) return InvalidArgument("query: give exactly one identifier");
    wanted.emplace(*kind, value);
  }
  if (!wanted) return InvalidArgument("query: give one identifier, e.g. ?snils=…");
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  auto person_id = FindPersonByIdentifier(db, wanted->first, wanted->second);
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead,
                        person_id.ok() ? LocatePerson(db, *person_id)
                                       : Result<RecordLocation>(person_id.status()),
                        "GET /persons", "card,identifiers,grounds"));
  ASSIGN_OR_RETURN(PersonCard card, ReadPersonCard(db, *person_id));
  return Json(status::ok, CardJson(card));
}

Result<Response> SearchPersonsRoute(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(request.principal->RequireScope(scope::kPersonRead));
  if (request.principal->kind == access::PrincipalKind::kCitizen) {
    return PermissionDenied("person: citizens cannot search the registry");
  }
  PersonSearch search;
  for (const auto& [name, value] : request.query) {
    if (name == "family_name") {
      search.family_name = value;
    } else if (name == "given_name") {
      search.given_name = value;
    } else if (name == "birth_date") {
      ASSIGN_OR_RETURN(search.birth_date, ParseDate(value, "birth_date"));
    } else if (name == "limit") {
      auto limit = PositiveId(value, "limit");
      if (!limit.ok() || *limit > 500) return InvalidArgument("limit: must be 1 to 500");
      search.limit = static_cast<int>(*limit);
    } else {
      return InvalidArgument(name + ": unknown parameter (family_name, given_name, birth_date, limit)");
    }
  }
  if (search.family_name.empty()) return InvalidArgument("family_name: is required");
  if (!search.birth_date && !search.given_name) {
    return InvalidArgument("birth_date: give a birth date or a given name with the family name");
  }
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(std::vector<PersonSummary> found, SearchPersons(db, search));
  json::array results;
  int64_t outside = 0;
  for (const PersonSummary& person : found) {
    access::RecordPlace place{person.person_id, person.region, person.office};
    // Only matches inside the caller's jurisdiction are disclosed (and journalled).
    if (!request.principal->Authorize(scope::kPersonRead, place).ok()) {
      ++outside;
      continue;
    }
    Note(request, person.person_id, "search", "GET /persons/search", "names,birth_date,office",
         "ok");
    results.push_back(json::object{{"person_id", person.person_id},
                                   {"names", json::object{{"family", person.family_name},
                                                          {"given", person.given_name},
                                                          {"patronymic", person.patronymic}}},
                                   {"birth_date", FormatDate(person.birth_date)},
                                   {"region", person.region},
                                   {"office", person.office}});
  }
  return Json(status::ok, json::object{{"results", std::move(results)},
                                       {"outside_jurisdiction", outside}});
}

Result<Response> GetTimeline(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(registry.connection(), person_id),
                        "GET /persons/{id}/timeline", "timeline"));
  ASSIGN_OR_RETURN(std::vector<std::string> lines, registry.PersonTimeline(person_id));
  json::array lines_json;
  for (const std::string& line : lines) lines_json.push_back(json::string(line));
  return Json(status::ok, json::object{{"person_id", person_id}, {"lines", std::move(lines_json)}});
}

Result<Response> GetExplain(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(registry.connection(), person_id),
                        "GET /persons/{id}/explain", "measures,grounds,decisions"));
  ASSIGN_OR_RETURN(Explanation explanation, registry.Explain(person_id));
  json::array gates;
  for (const std::string& gate : explanation.gates) gates.push_back(json::string(gate));
  // The latest summons's service: the earliest legally valid service event first (issue 6).
  json::array service;
  for (const std::string& line : explanation.service) service.push_back(json::string(line));
  json::array measures;
  for (const MeasureExplanation& measure : explanation.measures) {
    json::array lines;
    for (const std::string& line : measure.lines) lines.push_back(json::string(line));
    measures.push_back(json::object{{"kind", MeasureKindName(measure.kind)},
                                    {"in_force", measure.in_force},
                                    {"lines", std::move(lines)}});
  }
  return Json(status::ok, json::object{{"person_id", person_id},
                                       {"profile", explanation.profile},
                                       {"at", FormatInstant(registry.Now())},
                                       {"gates", std::move(gates)},
                                       {"service", std::move(service)},
                                       {"measures", std::move(measures)}});
}

Result<Response> GetMeasures(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(db, person_id),
                        "GET /persons/{id}/measures", "measures"));
  ASSIGN_OR_RETURN(std::vector<MeasureRow> rows, ReadMeasures(db, person_id));
  Instant now = registry.Now();
  json::array measures;
  for (const MeasureRow& row : rows) measures.push_back(MeasureJson(row, now));
  return Json(status::ok, json::object{{"person_id", person_id},
                                       {"at", FormatInstant(now)},
                                       {"measures", std::move(measures)}});
}

Result<Response> GetPersonSummonses(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Connection& db = registry.connection();
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(db, person_id),
                        "GET /persons/{id}/summonses", "summonses,delivery_log,excuses"));
  // The citizen opening their summonses on the portal is its first view (evidence, issue 6):
  // recorded before the read, so the log they are shown includes it.
  RecordCitizenFirstViews(request, registry, person_id, std::nullopt,
                          "GET /persons/{id}/summonses");
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(std::vector<SummonsRow> rows, ReadSummonsesOfPerson(db, person_id));
  json::array summonses;
  for (const SummonsRow& row : rows) summonses.push_back(SummonsJson(row));
  ASSIGN_OR_RETURN(std::vector<ObjectionRow> objection_rows, ReadObjectionsOfPerson(db, person_id));
  json::array objections;
  for (const ObjectionRow& row : objection_rows) {
    objections.push_back(json::object{
        {"objection_id", row.objection_id},
        {"summons_id", row.summons_id ? json::value(*row.summons_id) : nullptr},
        {"reason", row.reason},
        {"filed_at", FormatInstant(row.filed_at)},
        {"decided_at", InstantOrNull(row.decided_at)},
        {"upheld", row.upheld ? json::value(*row.upheld) : nullptr}});
  }
  return Json(status::ok, json::object{{"person_id", person_id},
                                       {"summonses", std::move(summonses)},
                                       {"objections", std::move(objections)}});
}

Result<Response> GetAccessLog(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  std::optional<int64_t> before;
  int limit = 100;
  for (const auto& [name, value] : request.query) {
    if (name == "before") {
      ASSIGN_OR_RETURN(before, PositiveId(value, "before"));
    } else if (name == "limit") {
      auto parsed = PositiveId(value, "limit");
      if (!parsed.ok() || *parsed > 1000) return InvalidArgument("limit: must be 1 to 1000");
      limit = static_cast<int>(*parsed);
    } else {
      return InvalidArgument(name + ": unknown parameter (before, limit)");
    }
  }
  Connection& db = registry.connection();
  // Reading the access log is itself an access (by an auditor) — but a citizen looking at
  // their own list is not journalled, or every look would add a line to what they look at.
  bool own = request.principal->kind == access::PrincipalKind::kCitizen;
  RETURN_IF_ERROR(Admit(request, scope::kAuditRead, LocatePerson(db, person_id),
                        "GET /persons/{id}/access-log", own ? "" : "access_log"));
  ASSIGN_OR_RETURN(std::vector<access::AccessRecord> records,
                   access::ReadAccessesOfPerson(db, person_id, limit, before));
  json::array entries;
  for (const access::AccessRecord& record : records) {
    entries.push_back(json::object{{"entry_id", record.entry_id},
                                   {"at", FormatInstant(record.entry.at)},
                                   {"actor", record.entry.actor},
                                   {"actor_kind", record.entry.actor_kind},
                                   {"action", record.entry.action},
                                   {"resource", record.entry.resource},
                                   {"fields", record.entry.fields},
                                   {"purpose", record.entry.purpose},
                                   {"outcome", record.entry.outcome}});
  }
  return Json(status::ok, json::object{{"person_id", person_id}, {"entries", std::move(entries)}});
}

// ---- Grounds and fitness ------------------------------------------------------------------

Result<Response> PostGround(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Result<RecordLocation> location = LocatePerson(registry.connection(), person_id);
  RETURN_IF_ERROR(Admit(request, scope::kGroundGrant, location, "POST /persons/{id}/grounds", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"kind", "basis", "valid_from",
                                                           "valid_until", "evidence"}));
  NewGround ground;
  ground.person_id = person_id;
  ASSIGN_OR_RETURN(std::string kind, RequiredString(body, "kind"));
  if (kind != "deferment" && kind != "exemption") {
    return InvalidArgument("kind: must be 'deferment' or 'exemption'");
  }
  ground.exemption = kind == "exemption";
  ASSIGN_OR_RETURN(ground.basis, RequiredString(body, "basis"));
  ASSIGN_OR_RETURN(std::optional<CivilDate> valid_from, OptionalDate(body, "valid_from"));
  if (valid_from) {
    ground.valid_from = *valid_from;
  } else {  // today, in the person's region
    ASSIGN_OR_RETURN(const Region* region, LookupRegion(location->region, "region"));
    ASSIGN_OR_RETURN(TimeZone zone, LookupTimeZone(region->time_zone, "region"));
    ground.valid_from = LocalDate(registry.Now(), zone);
  }
  ASSIGN_OR_RETURN(ground.valid_until, OptionalDate(body, "valid_until"));
  ASSIGN_OR_RETURN(ground.evidence, RequiredString(body, "evidence"));
  ASSIGN_OR_RETURN(int64_t ground_id, registry.GrantGround(Context(request), ground));
  return Json(status::created, json::object{{"ground_id", ground_id}, {"person_id", person_id}});
}

Result<Response> PostGroundEnd(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(int64_t ground_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kGroundGrant, LocateGround(registry.connection(), ground_id),
                        "POST /grounds/{id}/end", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"reason"}));
  ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  RETURN_IF_ERROR(registry.EndGround(Context(request), ground_id, reason));
  return Json(status::ok, json::object{{"ground_id", ground_id}, {"ended", true}});
}

Result<Response> PostFitness(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kFitnessDecide,
                        LocatePerson(registry.connection(), person_id),
                        "POST /persons/{id}/fitness", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"category", "commission", "valid_until"}));
  ASSIGN_OR_RETURN(std::string category_text, RequiredString(body, "category"));
  ASSIGN_OR_RETURN(FitnessCategory category, ParseFitnessCategory(category_text, "category"));
  ASSIGN_OR_RETURN(std::string commission, RequiredString(body, "commission"));
  ASSIGN_OR_RETURN(std::optional<CivilDate> valid_until, OptionalDate(body, "valid_until"));
  RETURN_IF_ERROR(
      registry.DecideFitness(Context(request), person_id, category, commission, valid_until));
  return Json(status::ok, json::object{{"person_id", person_id},
                                       {"category", FitnessCategoryName(category)}});
}

// ---- Summonses ----------------------------------------------------------------------------

Result<SummonsRequest> ParseSummonsTemplate(const json::object& body) {
  SummonsRequest summons;
  ASSIGN_OR_RETURN(std::optional<std::string> appearance_at, OptionalString(body, "appearance_at"));
  if (appearance_at) {
    ASSIGN_OR_RETURN(summons.appearance_at, ParseInstant(*appearance_at, "appearance_at"));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> purpose, OptionalString(body, "purpose"));
  if (purpose) summons.purpose = *purpose;
  ASSIGN_OR_RETURN(std::optional<std::string> place, OptionalString(body, "place"));
  if (place) summons.place = *place;
  if (const json::value* channels = body.if_contains("channels");
      channels && !channels->is_null()) {
    if (!channels->is_array())
      return InvalidArgument("channels: must be an array of channel names");
    for (const json::value& channel : channels->as_array()) {
      if (!channel.is_string())
        return InvalidArgument("channels: must be an array of channel names");
      ASSIGN_OR_RETURN(Channel parsed, ParseChannel(channel.as_string(), "channels"));
      summons.channels.push_back(parsed);
    }
  }
  return summons;
}

Result<Response> PostSummons(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"person_id", "appearance_at", "channels",
                                                           "purpose", "place"}));
  ASSIGN_OR_RETURN(PersonId person_id, RequiredId(body, "person_id"));
  RETURN_IF_ERROR(Admit(request, scope::kSummonsIssue,
                        LocatePerson(registry.connection(), person_id), "POST /summonses", ""));
  ASSIGN_OR_RETURN(SummonsRequest summons, ParseSummonsTemplate(body));
  summons.person_id = person_id;
  ASSIGN_OR_RETURN(SummonsId summons_id, registry.IssueSummons(Context(request), summons));
  return Json(status::created, json::object{{"summons_id", summons_id}, {"person_id", person_id}});
}

Result<Response> PostSummonsBatch(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(json::object body,
                   BodyObject(request, {"region", "office", "min_age", "max_age", "limit",
                                        "appearance_at", "channels", "purpose", "place"}));
  Selection selection;
  ASSIGN_OR_RETURN(selection.region, OptionalString(body, "region"));
  ASSIGN_OR_RETURN(selection.office, OptionalString(body, "office"));
  if (selection.region) RETURN_IF_ERROR(LookupRegion(*selection.region, "region").status());
  if (selection.office) RETURN_IF_ERROR(RegionOfOffice(*selection.office, "office").status());
  ASSIGN_OR_RETURN(std::optional<int64_t> min_age, OptionalInt(body, "min_age"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_age, OptionalInt(body, "max_age"));
  for (auto [age, field] : {std::pair{min_age, "min_age"}, std::pair{max_age, "max_age"}}) {
    if (age && (*age < 0 || *age > 150)) {
      return InvalidArgument(std::string(field) + ": must be an age from 0 to 150");
    }
  }
  if (min_age) selection.min_age = static_cast<int>(*min_age);
  if (max_age) selection.max_age = static_cast<int>(*max_age);
  ASSIGN_OR_RETURN(std::optional<int64_t> limit, OptionalInt(body, "limit"));
  if (limit) {
    if (*limit < 1 || *limit > 100000) return InvalidArgument("limit: must be 1 to 100000");
    selection.limit = *limit;
  }
  // The whole selection must lie inside the caller's jurisdiction for issuing.
  RETURN_IF_ERROR(
      request.principal->AuthorizeArea(scope::kSummonsIssue, selection.region, selection.office));
  ASSIGN_OR_RETURN(SummonsRequest summons, ParseSummonsTemplate(body));
  ASSIGN_OR_RETURN(BatchResult result, registry.IssueBatch(Context(request), selection, summons));
  json::object refused;
  for (const auto& [gate, count] : result.refused) refused[gate] = count;
  return Json(status::created, json::object{{"batch", result.batch},
                                            {"considered", result.considered},
                                            {"issued", result.issued},
                                            {"refused", std::move(refused)}});
}

Result<Response> GetSummons(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(SummonsId summons_id, PathId(request));
  Connection& db = registry.connection();
  Result<RecordLocation> location = LocateSummons(db, summons_id);
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, location, "GET /summonses/{id}",
                        "summons,delivery_log,excuses"));
  RecordCitizenFirstViews(request, registry, location->person_id, summons_id,
                          "GET /summonses/{id}");
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(SummonsRow summons, ReadSummons(db, summons_id));
  return Json(status::ok, SummonsJson(summons));
}

Result<Response> PostMark(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(SummonsId summons_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kServiceRecord,
                        LocateSummons(registry.connection(), summons_id),
                        "POST /summonses/{id}/marks", ""));
  ASSIGN_OR_RETURN(json::object body,
                   BodyObject(request, {"channel", "mark", "at", "evidence", "reference"}));
  ASSIGN_OR_RETURN(std::string channel_name, RequiredString(body, "channel"));
  ASSIGN_OR_RETURN(Channel channel, ParseChannel(channel_name, "channel"));
  ASSIGN_OR_RETURN(std::string mark, RequiredString(body, "mark"));
  ASSIGN_OR_RETURN(std::string evidence, RequiredString(body, "evidence"));
  ASSIGN_OR_RETURN(Instant at, InstantOrNow(body, "at", registry));
  // The postal tracking number of a letter, by which the operator's later events find it:
  // stored in the form the import looks it up by.
  ASSIGN_OR_RETURN(std::optional<std::string> reference, OptionalString(body, "reference"));
  if (reference && channel == Channel::kRegisteredMail) {
    Result<std::string> number = NormalizeTrackingNumber(*reference);
    if (!number.ok()) {
      return InvalidArgument("reference: '" + *reference +
                             "' is neither 14 digits nor an S10 number such as RA123456785RU");
    }
    reference = *number;
  }
  ASSIGN_OR_RETURN(int64_t attempt_id,
                   registry.RecordServiceMark(Context(request), summons_id, channel, mark, at,
                                              evidence, reference.value_or("")));
  return Json(status::created, json::object{{"summons_id", summons_id}, {"attempt_id", attempt_id}});
}

Result<Response> PostAppearance(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(SummonsId summons_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kAppearanceRecord,
                        LocateSummons(registry.connection(), summons_id),
                        "POST /summonses/{id}/appearance", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"at"}));
  ASSIGN_OR_RETURN(Instant at, InstantOrNow(body, "at", registry));
  RETURN_IF_ERROR(registry.RecordAppearance(Context(request), summons_id, at));
  return Json(status::ok, json::object{{"summons_id", summons_id}, {"appeared_at", FormatInstant(at)}});
}

Result<Response> PostCancel(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(SummonsId summons_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kSummonsCancel,
                        LocateSummons(registry.connection(), summons_id),
                        "POST /summonses/{id}/cancel", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"reason"}));
  ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  RETURN_IF_ERROR(registry.CancelSummons(Context(request), summons_id, reason));
  return Json(status::ok, json::object{{"summons_id", summons_id}, {"cancelled", true}});
}

// ---- Excuses and objections ---------------------------------------------------------------

Result<Response> PostExcuse(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(SummonsId summons_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kExcuseFile,
                        LocateSummons(registry.connection(), summons_id),
                        "POST /summonses/{id}/excuses", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"reason", "documents"}));
  ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  // The registry records no excuse without the documents it rests on.
  ASSIGN_OR_RETURN(std::string documents, RequiredString(body, "documents"));
  ASSIGN_OR_RETURN(int64_t excuse_id,
                   registry.FileExcuse(Context(request), summons_id, reason, documents));
  return Json(status::created, json::object{{"excuse_id", excuse_id}, {"summons_id", summons_id}});
}

Result<Response> PostExcuseDecision(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(int64_t excuse_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kExcuseDecide, LocateExcuse(registry.connection(), excuse_id),
                        "POST /excuses/{id}/decision", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"accepted", "note"}));
  ASSIGN_OR_RETURN(bool accepted, RequiredBool(body, "accepted"));
  ASSIGN_OR_RETURN(std::optional<std::string> note, OptionalString(body, "note"));
  RETURN_IF_ERROR(registry.DecideExcuse(Context(request), excuse_id, accepted, note.value_or("")));
  return Json(status::ok, json::object{{"excuse_id", excuse_id}, {"accepted", accepted}});
}

Result<Response> PostObjection(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"person_id", "summons_id", "reason"}));
  ASSIGN_OR_RETURN(PersonId person_id, RequiredId(body, "person_id"));
  ASSIGN_OR_RETURN(std::optional<int64_t> summons_id, OptionalId(body, "summons_id"));
  RETURN_IF_ERROR(Admit(request, scope::kObjectionFile,
                        LocatePerson(registry.connection(), person_id), "POST /objections", ""));
  ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  ASSIGN_OR_RETURN(int64_t objection_id,
                   registry.FileObjection(Context(request), person_id, summons_id, reason));
  return Json(status::created, json::object{{"objection_id", objection_id}, {"person_id", person_id}});
}

Result<Response> PostObjectionDecision(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(int64_t objection_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kObjectionDecide,
                        LocateObjection(registry.connection(), objection_id),
                        "POST /objections/{id}/decision", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"upheld", "note"}));
  ASSIGN_OR_RETURN(bool upheld, RequiredBool(body, "upheld"));
  ASSIGN_OR_RETURN(std::optional<std::string> note, OptionalString(body, "note"));
  RETURN_IF_ERROR(
      registry.DecideObjection(Context(request), objection_id, upheld, note.value_or("")));
  return Json(status::ok, json::object{{"objection_id", objection_id}, {"upheld", upheld}});
}

// The objections waiting for a decision inside the caller's jurisdiction, oldest first.
Result<Response> GetPendingObjections(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(request.principal->RequireScope(scope::kObjectionDecide));
  int limit = 100;
  for (const auto& [name, value] : request.query) {
    if (name == "status") {
      if (value != "pending") return InvalidArgument("status: only 'pending' is listed");
    } else if (name == "limit") {
      auto parsed = PositiveId(value, "limit");
      if (!parsed.ok() || *parsed > 1000) return InvalidArgument("limit: must be 1 to 1000");
      limit = static_cast<int>(*parsed);
    } else {
      return InvalidArgument(name + ": unknown parameter (status, limit)");
    }
  }
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(std::vector<PendingObjection> pending, ReadPendingObjections(db, 5000));
  json::array out;
  for (const PendingObjection& objection : pending) {
    access::RecordPlace place{objection.location.person_id, objection.location.region,
                              objection.location.office};
    if (!request.principal->Authorize(scope::kObjectionDecide, place).ok()) continue;
    if (static_cast<int>(out.size()) >= limit) break;
    Note(request, objection.location.person_id, "read", "GET /objections", "objection", "ok");
    out.push_back(json::object{
        {"objection_id", objection.row.objection_id},
        {"person_id", objection.location.person_id},
        {"office", objection.location.office},
        {"summons_id", objection.row.summons_id ? json::value(*objection.row.summons_id) : nullptr},
        {"reason", objection.row.reason},
        {"filed_at", FormatInstant(objection.row.filed_at)}});
  }
  return Json(status::ok, json::object{{"objections", std::move(out)}});
}

// ---- The profile --------------------------------------------------------------------------

Result<Response> GetProfile(const RouteRequest&, Registry& registry) {
  const Profile& profile = registry.profile();
  json::array sexes;
  for (Sex sex : profile.liable_sexes) sexes.push_back(json::string(SexName(sex)));
  json::array channels;
  for (const ChannelRules& channel : profile.channels) {
    json::array marks;
    for (const std::string& mark : channel.marks) marks.push_back(json::string(mark));
    channels.push_back(
        json::object{{"channel", ChannelName(channel.channel)}, {"marks", std::move(marks)}});
  }
  json::array measures;
  for (const MeasureRule& measure : profile.measures) {
    measures.push_back(json::object{{"kind", MeasureKindName(measure.kind)},
                                    {"rule_id", measure.rule_id},
                                    {"legal_basis", measure.legal_basis}});
  }
  json::object body{{"id", profile.id},
                    {"version", profile.version},
                    {"title", profile.title},
                    {"country", profile.country},
                    {"effective_from", FormatDate(profile.effective_from)},
                    {"effective_until", profile.effective_until
                                            ? json::value(FormatDate(*profile.effective_until))
                                            : json::value(nullptr)},
                    {"clock", registry.simulated() ? "simulated" : "system"},
                    {"now", FormatInstant(registry.Now())},
                    {"liability", json::object{{"min_age", profile.min_age},
                                               {"max_age", profile.max_age},
                                               {"max_age_inclusive", profile.max_age_inclusive},
                                               {"sexes", std::move(sexes)}}},
                    {"appearance_days", json::object{{"min", profile.appearance_min_days},
                                                     {"max", profile.appearance_max_days},
                                                     {"default", profile.appearance_default_days}}},
                    {"channels", std::move(channels)},
                    {"measures", std::move(measures)},
                    {"lift_deadline_hours", profile.lift_deadline_hours}};
  auto names = [](const std::vector<std::string>& list) {
    json::array out;
    for (const std::string& name : list) out.push_back(json::string(name));
    return out;
  };
  body["excuse_reasons"] = names(profile.excuse_reasons);
  body["deferment_bases"] = names(profile.deferment_bases);
  body["exemption_bases"] = names(profile.exemption_bases);
  json::object bases;
  for (const auto& [id, citation] : profile.legal_bases) bases[id] = citation;
  body["legal_bases"] = std::move(bases);
  return Json(status::ok, body);
}

// ---- Public verification of a notice (docs/DOCUMENTS.md) ------------------------------------

// The page or JSON answer for a notice's code. Wrong, unknown and tampered codes are outcomes,
// not errors: the answer is always 200 with what a citizen needs to know.
Response VerificationResponse(std::string body, std::string_view content_type) {
  Response response = TextResponse(status::ok, content_type, std::move(body));
  response.set("Content-Security-Policy", VerificationPageContentSecurityPolicy());
  response.set(beast_http::field::cache_control, "no-store");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Content-Type-Options", "nosniff");
  return response;
}

bool WantsJson(const RouteRequest& request) {
  auto accept = request.message.find(beast_http::field::accept);
  return accept != request.message.end() &&
         accept->value().find("application/json") != std::string_view::npos &&
         accept->value().find("text/html") == std::string_view::npos;
}

Result<Response> GetVerification(const RouteRequest& request, Registry& registry) {
  std::string code = request.path.count("code") ? request.path.at("code") : "";
  if (code.empty()) {
    if (auto query = request.query.find("code"); query != request.query.end()) code = query->second;
  }
  if (code.empty()) {
    return VerificationResponse(RenderVerificationFormHtml(), "text/html; charset=utf-8");
  }
  KeyRing* key_ring = registry.key_ring();
  if (key_ring == nullptr) return Unavailable("verify: this server has no key ring loaded");
  ASSIGN_OR_RETURN(PublicVerification verification,
                   CheckVerificationCode(registry.connection(), *key_ring, code));
  if (WantsJson(request)) {
    return VerificationResponse(json::serialize(VerificationJson(verification)),
                                "application/json");
  }
  return VerificationResponse(RenderVerificationHtml(verification),
                              "text/html; charset=utf-8");
}

// ---- Campaign statistics ------------------------------------------------------------------

// Registry-wide counts and a per-day series for the officers' dashboard: aggregates only, no
// person's data, so any officer who reads persons somewhere may see them.
Result<Response> GetStats(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(request.principal->RequireScope(scope::kPersonRead));
  if (request.principal->kind == access::PrincipalKind::kCitizen) {
    return PermissionDenied("stats: for officers");
  }
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(RegistryStats stats, registry.Stats());
  Instant now = registry.Now();
  ASSIGN_OR_RETURN(CampaignSeries series, ReadCampaignSeries(db, now));
  auto counts = [](const std::map<std::string, int64_t>& map) {
    json::object out;
    for (const auto& [key, count] : map) out[key] = count;
    return out;
  };
  json::array days;
  for (const CampaignDay& day : series.days) {
    days.push_back(json::object{{"day", FormatDate(day.day)},
                                {"issued", day.issued},
                                {"served_by_channel", counts(day.served_by_channel)},
                                {"appeared", day.appeared},
                                {"measures_imposed", day.measures_imposed},
                                {"measures_lifted", day.measures_lifted}});
  }
  return Json(status::ok,
              json::object{{"at", FormatInstant(now)},
                           {"persons", stats.persons},
                           {"events", stats.events},
                           {"summonses_by_status", counts(stats.summonses_by_status)},
                           {"services_by_rule", counts(stats.services_by_rule)},
                           {"measures_in_force", counts(stats.measures_in_force)},
                           {"measures_lifted", stats.measures_lifted},
                           {"measures_withheld", stats.measures_withheld},
                           {"overdue", series.overdue},
                           {"due_actions", stats.due_actions},
                           {"days", std::move(days)}});
}

// ---- Authentication -----------------------------------------------------------------------

Response SessionResponse(const RouteRequest& request, const access::IssuedCredential& session,
                         json::object extra) {
  extra["token"] = session.token;
  extra["expires_at"] = FormatInstant(session.expires_at);
  Response response = Json(status::ok, extra);
  // For the browser front end: the same token as an HttpOnly, same-site cookie.
  std::string cookie = "muster_session=" + session.token +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(ToUnixSeconds(session.expires_at) -
                                      ToUnixSeconds(request.environment->identity_clock->Now()));
  if (request.environment->secure_cookies) cookie += "; Secure";
  response.set(beast_http::field::set_cookie, cookie);
  return response;
}

Response IdentityFail(const Status& error) {
  Response response = Fail(error);
  if (error.code() == StatusCode::kResourceExhausted) {
    // "…retry after N s": the lockout's remaining time as Retry-After.
    const std::string& message = error.message();
    size_t at = message.rfind("after ");
    if (at != std::string::npos) {
      response.set(beast_http::field::retry_after,
                   message.substr(at + 6, message.find(' ', at + 6) - (at + 6)));
    }
  }
  return response;
}

Response PostLogin(const RouteRequest& request, Registry*) {
  auto body = BodyObject(request, {"login", "password", "totp"});
  if (!body.ok()) return Fail(body.status());
  auto login = RequiredString(*body, "login");
  if (!login.ok()) return Fail(login.status());
  auto password = RequiredString(*body, "password");
  if (!password.ok()) return Fail(password.status());
  auto totp = RequiredString(*body, "totp");
  if (!totp.ok()) return Fail(totp.status());
  auto session = request.identity->Login(*login, *password, *totp,
                                         request.environment->identity_clock->Now());
  if (!session.ok()) return IdentityFail(session.status());
  return SessionResponse(request, *session, json::object{{"login", *login}});
}

Response PostCitizenDemoLogin(const RouteRequest& request, Registry*) {
  if (!request.environment->demo_logins) {
    return Fail(NotFound(
        "route: citizen demo login is off; production citizens log in through the national "
        "identity provider (docs/HTTP.md)"));
  }
  auto body = BodyObject(request, {"snils"});
  if (!body.ok()) return Fail(body.status());
  auto snils = RequiredString(*body, "snils");
  if (!snils.ok()) return Fail(snils.status());
  auto person_id = FindPersonByIdentifier(request.identity->connection(), IdentifierKind::kSnils,
                                          *snils);
  if (!person_id.ok()) return Fail(person_id.status());
  auto session =
      request.identity->StartCitizenSession(*person_id, request.environment->identity_clock->Now());
  if (!session.ok()) return Fail(session.status());
  return SessionResponse(request, *session, json::object{{"person_id", *person_id}});
}

Response PostLogout(const RouteRequest& request, Registry*) {
  if (request.principal->kind == access::PrincipalKind::kAgency) {
    return Fail(InvalidArgument(
        "credentials: an API key is not a session; revoke it with `muster account revoke-key`"));
  }
  Status revoked = request.identity->RevokeCredential(request.principal->credential_id,
                                                      request.environment->identity_clock->Now());
  if (!revoked.ok()) return Fail(revoked);
  // Whether it came as a header or the cookie: this node stops trusting it at once.
  request.environment->forget_token(request.token);
  Response response = Json(status::ok, json::object{{"logged_out", true}});
  response.set(beast_http::field::set_cookie,
               "muster_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return response;
}

Response GetMe(const RouteRequest& request, Registry*) {
  const Principal& principal = *request.principal;
  json::array grants;
  for (const access::Grant& grant : principal.grants) {
    grants.push_back(json::object{{"scope", grant.scope},
                                  {"jurisdiction", grant.jurisdiction.ToString()}});
  }
  json::object me{{"login", principal.login},
                  {"kind", access::PrincipalKindName(principal.kind)},
                  {"display_name", principal.display_name},
                  {"grants", std::move(grants)},
                  {"expires_at", FormatInstant(principal.expires_at)}};
  me["person_id"] = principal.person_id ? json::value(*principal.person_id) : nullptr;
  if (!principal.consumer.empty()) me["consumer"] = principal.consumer;
  return Json(status::ok, me);
}

}  // namespace

Router MakeApiRouter(const Metrics& metrics) {
  using E = Execution;
  using A = Access;
  Router router;
  router.Add(verb::get, "/health", E::kInline, A::kPublic, "", [](const RouteRequest&, Registry*) {
    return Json(status::ok, json::object{{"status", "ok"}});
  });
  router.Add(verb::get, "/metrics", E::kInline, A::kPublic, "",
             [&metrics](const RouteRequest&, Registry*) {
               Response response{status::ok, 11};
               response.set(beast_http::field::content_type,
                            "text/plain; version=0.0.4; charset=utf-8");
               response.body() = metrics.Render();
               response.prepare_payload();
               return response;
             });
  router.Add(verb::get, "/openapi.json", E::kInline, A::kPublic, "", ServeOpenApiDocument);
  router.Add(verb::get, "/profile", E::kRegistryWorker, A::kPublic, "", Wrap(GetProfile));
  router.Add(verb::get, "/verify", E::kRegistryWorker, A::kPublic, "", Wrap(GetVerification));
  router.Add(verb::get, "/verify/{code}", E::kRegistryWorker, A::kPublic, "",
             Wrap(GetVerification));
  router.Add(verb::get, "/stats", E::kRegistryWorker, A::kAuthenticated, scope::kPersonRead,
             Wrap(GetStats));

  router.Add(verb::post, "/auth/login", E::kIdentity, A::kPublic, "", PostLogin);
  router.Add(verb::post, "/auth/citizen/demo", E::kIdentity, A::kPublic, "", PostCitizenDemoLogin);
  router.Add(verb::post, "/auth/logout", E::kIdentity, A::kAuthenticated, "", PostLogout);
  router.Add(verb::get, "/auth/me", E::kInline, A::kAuthenticated, "", GetMe);

  const auto read = std::string(scope::kPersonRead);
  router.Add(verb::get, "/persons", E::kRegistryWorker, A::kAuthenticated, read, Wrap(FindPerson));
  // Before /persons/{id}, which would otherwise take "search" for an id.
  router.Add(verb::get, "/persons/search", E::kRegistryWorker, A::kAuthenticated, read,
             Wrap(SearchPersonsRoute));
  router.Add(verb::get, "/persons/{id}", E::kRegistryWorker, A::kAuthenticated, read, Wrap(GetPerson));
  router.Add(verb::get, "/persons/{id}/timeline", E::kRegistryWorker, A::kAuthenticated, read,
             Wrap(GetTimeline));
  router.Add(verb::get, "/persons/{id}/explain", E::kRegistryWorker, A::kAuthenticated, read,
             Wrap(GetExplain));
  router.Add(verb::get, "/persons/{id}/measures", E::kRegistryWorker, A::kAuthenticated, read,
             Wrap(GetMeasures));
  router.Add(verb::get, "/persons/{id}/summonses", E::kRegistryWorker, A::kAuthenticated, read,
             Wrap(GetPersonSummonses));
  router.Add(verb::get, "/persons/{id}/access-log", E::kRegistryWorker, A::kAuthenticated,
             scope::kAuditRead, Wrap(GetAccessLog));
  router.Add(verb::post, "/persons/{id}/grounds", E::kRegistryWorker, A::kAuthenticated,
             scope::kGroundGrant, Wrap(PostGround));
  router.Add(verb::post, "/persons/{id}/fitness", E::kRegistryWorker, A::kAuthenticated,
             scope::kFitnessDecide, Wrap(PostFitness));
  router.Add(verb::post, "/grounds/{id}/end", E::kRegistryWorker, A::kAuthenticated,
             scope::kGroundGrant, Wrap(PostGroundEnd));

  router.Add(verb::post, "/summonses", E::kRegistryWorker, A::kAuthenticated, scope::kSummonsIssue,
             Wrap(PostSummons));
  router.Add(verb::post, "/summonses/batch", E::kRegistryWorker, A::kAuthenticated,
             scope::kSummonsIssue, Wrap(PostSummonsBatch));
  router.Add(verb::get, "/summonses/{id}", E::kRegistryWorker, A::kAuthenticated, read,
             Wrap(GetSummons));
  router.Add(verb::post, "/summonses/{id}/marks", E::kRegistryWorker, A::kAuthenticated,
             scope::kServiceRecord, Wrap(PostMark));
  router.Add(verb::post, "/summonses/{id}/appearance", E::kRegistryWorker, A::kAuthenticated,
             scope::kAppearanceRecord, Wrap(PostAppearance));
  router.Add(verb::post, "/summonses/{id}/cancel", E::kRegistryWorker, A::kAuthenticated,
             scope::kSummonsCancel, Wrap(PostCancel));
  router.Add(verb::post, "/summonses/{id}/excuses", E::kRegistryWorker, A::kAuthenticated,
             scope::kExcuseFile, Wrap(PostExcuse));
  router.Add(verb::post, "/excuses/{id}/decision", E::kRegistryWorker, A::kAuthenticated,
             scope::kExcuseDecide, Wrap(PostExcuseDecision));
  router.Add(verb::post, "/objections", E::kRegistryWorker, A::kAuthenticated,
             scope::kObjectionFile, Wrap(PostObjection));
  router.Add(verb::get, "/objections", E::kRegistryWorker, A::kAuthenticated,
             scope::kObjectionDecide, Wrap(GetPendingObjections));
  router.Add(verb::post, "/objections/{id}/decision", E::kRegistryWorker, A::kAuthenticated,
             scope::kObjectionDecide, Wrap(PostObjectionDecision));
  AddEnforcementRoutes(router);
  AddFeedRoutes(router);
  AddChannelRoutes(router);
  return router;
}

}  // namespace muster::http
