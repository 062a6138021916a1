#include "http/channels_api.h"

#include <algorithm>
#include <cstdio>

#include "http/api_support.h"
#include "registry/delivery.h"
#include "registry/queries.h"
#include "registry/registry.h"

namespace muster::http {
namespace {

using namespace api;
using beast_http::status;
using beast_http::verb;
namespace scope = access::scope;

bool IsCitizen(const RouteRequest& request) {
  return request.principal->kind == access::PrincipalKind::kCitizen;
}

// What a consent or a withdrawal rests on. A citizen acts through their portal session, which
// is the evidence; an officer records a signed form or letter and must say which.
Result<std::string> Evidence(const RouteRequest& request, const json::object& body,
                             std::string_view what) {
  ASSIGN_OR_RETURN(std::optional<std::string> evidence, OptionalString(body, "evidence"));
  if (evidence && !evidence->empty()) return *evidence;
  if (IsCitizen(request)) {
    return "portal: " + std::string(what) + " by the citizen in session " +
           std::to_string(request.principal->credential_id);
  }
  return InvalidArgument("evidence: is required (the signed form or letter the " +
                         std::string(what) + " rests on)");
}

// ---- Postal tracking ----------------------------------------------------------------------

// The file's format: ?format=csv|jsonl, else the Content-Type.
Result<PostalFormat> TrackingFormat(const RouteRequest& request) {
  if (auto format = request.query.find("format"); format != request.query.end()) {
    return ParsePostalFormat(format->second, "format");
  }
  auto type = request.message.find(beast_http::field::content_type);
  std::string_view content_type = type == request.message.end() ? "" : type->value();
  if (content_type.starts_with("text/csv")) return PostalFormat::kCsv;
  if (content_type.starts_with("application/x-ndjson") ||
      content_type.starts_with("application/jsonl")) {
    return PostalFormat::kJsonLines;
  }
  return InvalidArgument(
      "format: send Content-Type text/csv or application/x-ndjson, or ?format=csv|jsonl");
}

// The operator's file names summonses anywhere in the country: a national grant only.
Result<Response> PostMailTracking(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(
      request.principal->AuthorizeArea(scope::kMailTracking, std::nullopt, std::nullopt));
  for (const auto& [name, value] : request.query) {
    if (name != "format") return InvalidArgument(name + ": unknown parameter (format)");
  }
  ASSIGN_OR_RETURN(PostalFormat format, TrackingFormat(request));
  const std::string& body = request.message.body();
  // A body of which not one line reads as an event line — nothing at all, not JSON lines, every
  // CSV row broken — is no tracking file: a problem, not a report of refused lines. (A file
  // whose CSV header cannot be read is refused by the import itself.)
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgument("body: the file is empty");
  }
  ASSIGN_OR_RETURN(ParsedPostalFile parsed, ParsePostalFile(body, format));
  bool unreadable = parsed.events.empty() && !parsed.errors.empty() &&
                    std::all_of(parsed.errors.begin(), parsed.errors.end(),
                                [](const PostalLineError& error) { return error.field.empty(); });
  if (unreadable) {
    const PostalLineError& first = parsed.errors.front();
    return InvalidArgument("body: no line reads as a tracking event (line " +
                           std::to_string(first.line) + ": " + first.message + ")");
  }
  ASSIGN_OR_RETURN(PostalImportReport report,
                   registry.ImportPostalTracking(Context(request), body, format));
  return TextResponse(status::ok, "application/json", PostalImportReportJson(report));
}

// ---- Consents -----------------------------------------------------------------------------

json::object ConsentJson(PersonId person_id, const ConsentRow& consent) {
  return json::object{{"consent_id", consent.consent_id},
                      {"person_id", person_id},
                      {"channel", consent.channel},
                      {"address", consent.address},
                      {"evidence", consent.evidence},
                      {"given_at", FormatInstant(consent.given_at)},
                      {"in_force", !consent.withdrawn_at.has_value()},
                      {"withdrawn_at", InstantOrNull(consent.withdrawn_at)},
                      {"withdrawal_evidence", consent.withdrawal_evidence}};
}

Result<ConsentRow> FindConsentOf(Connection& db, PersonId person_id, int64_t consent_id) {
  ASSIGN_OR_RETURN(std::vector<ConsentRow> consents, ReadConsentsOfPerson(db, person_id));
  for (ConsentRow& consent : consents) {
    if (consent.consent_id == consent_id) return std::move(consent);
  }
  return NotFound("consent_id: person " + std::to_string(person_id) + " has no consent " +
                  std::to_string(consent_id));
}

Result<Response> GetConsents(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Connection& db = registry.connection();
  ReadSnapshot snapshot(db);
  RETURN_IF_ERROR(snapshot.Begin());
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(db, person_id),
                        "GET /persons/{id}/consents", "consents"));
  ASSIGN_OR_RETURN(std::vector<ConsentRow> rows, ReadConsentsOfPerson(db, person_id));
  json::array consents;
  for (const ConsentRow& row : rows) consents.push_back(ConsentJson(person_id, row));
  return Json(status::ok,
              json::object{{"person_id", person_id}, {"consents", std::move(consents)}});
}

Result<Response> PostConsent(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Connection& db = registry.connection();
  RETURN_IF_ERROR(Admit(request, scope::kConsentRecord, LocatePerson(db, person_id),
                        "POST /persons/{id}/consents", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"channel", "address", "evidence"}));
  ASSIGN_OR_RETURN(std::string channel_name, RequiredString(body, "channel"));
  ASSIGN_OR_RETURN(NotificationChannel channel, ParseNotificationChannel(channel_name, "channel"));
  ASSIGN_OR_RETURN(std::string address, RequiredString(body, "address"));
  ASSIGN_OR_RETURN(std::string evidence, Evidence(request, body, "consent"));
  ASSIGN_OR_RETURN(int64_t consent_id,
                   registry.RecordConsent(Context(request), person_id, channel, address, evidence));
  // The answer shows the address as recorded (normalised), so the caller sees what is in force.
  ASSIGN_OR_RETURN(ConsentRow consent, FindConsentOf(db, person_id, consent_id));
  return Json(status::created, ConsentJson(person_id, consent));
}

Result<Response> PostConsentWithdrawal(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  Connection& db = registry.connection();
  RETURN_IF_ERROR(Admit(request, scope::kConsentRecord, LocatePerson(db, person_id),
                        "POST /persons/{id}/consents/{consent_id}/withdraw", ""));
  ASSIGN_OR_RETURN(int64_t consent_id, PositiveId(request.path.at("consent_id"), "consent_id"));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"evidence"}));
  ASSIGN_OR_RETURN(ConsentRow consent, FindConsentOf(db, person_id, consent_id));
  if (consent.withdrawn_at) {
    return FailedPrecondition(
        "consent_id: consent " + std::to_string(consent_id) + " is no longer in force (withdrawn " +
        FormatInstant(*consent.withdrawn_at) + ": " + consent.withdrawal_evidence + ")");
  }
  ASSIGN_OR_RETURN(NotificationChannel channel,
                   ParseNotificationChannel(consent.channel, "channel"));
  ASSIGN_OR_RETURN(std::string evidence, Evidence(request, body, "withdrawal"));
  RETURN_IF_ERROR(registry.WithdrawConsent(Context(request), person_id, channel, evidence));
  ASSIGN_OR_RETURN(ConsentRow withdrawn, FindConsentOf(db, person_id, consent_id));
  return Json(status::ok, ConsentJson(person_id, withdrawn));
}

// ---- Notifications ------------------------------------------------------------------------

// A notification tells the citizen a summons exists; it never serves it. The answer carries the
// summons's service as it stands after the notification, which the notification left alone.
Result<Response> PostNotification(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(SummonsId summons_id, PathId(request));
  Connection& db = registry.connection();
  RETURN_IF_ERROR(Admit(request, scope::kNotificationRecord, LocateSummons(db, summons_id),
                        "POST /summonses/{id}/notifications", ""));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"channel", "mark", "at", "evidence"}));
  ASSIGN_OR_RETURN(std::string channel_name, RequiredString(body, "channel"));
  ASSIGN_OR_RETURN(NotificationChannel channel, ParseNotificationChannel(channel_name, "channel"));
  ASSIGN_OR_RETURN(std::optional<std::string> mark, OptionalString(body, "mark"));
  ASSIGN_OR_RETURN(std::string evidence, RequiredString(body, "evidence"));
  ASSIGN_OR_RETURN(Instant at, InstantOrNow(body, "at", registry));
  ASSIGN_OR_RETURN(int64_t attempt_id,
                   registry.RecordNotification(Context(request), summons_id, channel,
                                               mark.value_or("sent"), at, evidence));
  ASSIGN_OR_RETURN(SummonsRow summons, ReadSummons(db, summons_id));
  return Json(status::created,
              json::object{{"summons_id", summons_id},
                           {"attempt_id", attempt_id},
                           {"channel", NotificationChannelName(channel)},
                           {"mark", mark.value_or("sent")},
                           {"at", FormatInstant(at)},
                           {"notification", true},
                           {"serves", false},
                           {"status", summons.status},
                           {"served_at", InstantOrNull(summons.served_at)},
                           {"served_rule", summons.served_rule ? json::value(*summons.served_rule)
                                                               : json::value(nullptr)}});
}

}  // namespace

void RecordCitizenFirstViews(const RouteRequest& request, Registry& registry, PersonId person_id,
                             std::optional<SummonsId> only, std::string_view route) {
  const access::Principal& principal = *request.principal;
  if (principal.kind != access::PrincipalKind::kCitizen || principal.person_id != person_id) {
    return;
  }
  Connection& db = registry.connection();
  std::vector<SummonsRow> rows;
  Status read = Status::Ok();
  if (only) {
    Result<SummonsRow> row = ReadSummons(db, *only);
    if (row.ok()) rows.push_back(std::move(row).value());
    read = row.status();
  } else {
    Result<std::vector<SummonsRow>> all = ReadSummonsesOfPerson(db, person_id);
    if (all.ok()) rows = std::move(all).value();
    read = all.status();
  }
  if (!read.ok()) {
    std::fprintf(stderr, "muster serve: warning: first views of person %lld: %s\n",
                 static_cast<long long>(person_id), read.ToString().c_str());
    return;
  }
  for (const SummonsRow& summons : rows) {
    if (summons.person_id != person_id) continue;
    if (summons.status != "issued" && summons.status != "served") continue;
    bool posted = false, viewed = false;
    for (const ServiceAttemptRow& attempt : summons.attempts) {
      if (attempt.channel != "portal") continue;
      posted = posted || attempt.mark == "posted";
      viewed = viewed || attempt.mark == "viewed";
    }
    if (!posted || viewed) continue;
    // The key is derived from the summons and the instant: a retried read records nothing twice.
    CommandContext context{.idempotency_key = "", .actor = principal.Actor()};
    std::string evidence = "portal: opened by the citizen in session " +
                           std::to_string(principal.credential_id) + " (" + std::string(route) +
                           ")";
    Result<int64_t> view =
        registry.RecordFirstView(context, summons.summons_id, registry.Now(), evidence);
    if (!view.ok() && view.status().code() != StatusCode::kFailedPrecondition) {
      std::fprintf(stderr, "muster serve: warning: first view of summons %lld: %s\n",
                   static_cast<long long>(summons.summons_id), view.status().ToString().c_str());
    }
  }
}

void AddChannelRoutes(Router& router) {
  using E = Execution;
  using A = Access;
  router.Add(verb::post, "/mail/tracking", E::kRegistryWorker, A::kAuthenticated,
             scope::kMailTracking, Wrap(PostMailTracking));
  router.Add(verb::get, "/persons/{id}/consents", E::kRegistryWorker, A::kAuthenticated,
             scope::kPersonRead, Wrap(GetConsents));
  router.Add(verb::post, "/persons/{id}/consents", E::kRegistryWorker, A::kAuthenticated,
             scope::kConsentRecord, Wrap(PostConsent));
  router.Add(verb::post, "/persons/{id}/consents/{consent_id}/withdraw", E::kRegistryWorker,
             A::kAuthenticated, scope::kConsentRecord, Wrap(PostConsentWithdrawal));
  router.Add(verb::post, "/summonses/{id}/notifications", E::kRegistryWorker, A::kAuthenticated,
             scope::kNotificationRecord, Wrap(PostNotification));
}

}  // namespace muster::http
