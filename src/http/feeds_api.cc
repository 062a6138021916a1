#include "http/feeds_api.h"

#include "feeds/ingest.h"
#include "feeds/matching.h"
#include "http/api_support.h"

namespace muster::http {
namespace {

using namespace api;
using beast_http::status;
using beast_http::verb;
namespace scope = access::scope;

// The batch's format: ?format=csv|jsonl, else the Content-Type.
Result<std::string> BatchFormat(const RouteRequest& request) {
  if (auto format = request.query.find("format"); format != request.query.end()) {
    return format->second;
  }
  auto type = request.message.find(beast_http::field::content_type);
  std::string_view content_type = type == request.message.end() ? "" : type->value();
  if (content_type.starts_with("text/csv")) return std::string("csv");
  if (content_type.starts_with("application/x-ndjson") ||
      content_type.starts_with("application/jsonl")) {
    return std::string("jsonl");
  }
  return InvalidArgument(
      "format: send Content-Type text/csv or application/x-ndjson, or ?format=csv|jsonl");
}

// An agency's key sends its own agency's feed and no other: a tax-service key cannot record a
// death. Officers with a national feed.upload grant may upload for any agency (a batch that
// came on a medium).
Status AdmitSender(const access::Principal& principal, std::string_view agency) {
  if (principal.kind != access::PrincipalKind::kAgency) return Status::Ok();
  if (principal.source_agency.empty()) {
    return PermissionDenied("agency: this account sends no feed (its account names no source "
                            "agency)");
  }
  if (principal.source_agency != agency) {
    return PermissionDenied("agency: this account sends the '" + principal.source_agency +
                            "' feed, not '" + std::string(agency) + "'");
  }
  return Status::Ok();
}

Result<Response> PostBatch(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(request.principal->AuthorizeArea(scope::kFeedUpload, std::nullopt, std::nullopt));
  ASSIGN_OR_RETURN(int64_t sequence, PositiveId(request.path.at("sequence"), "sequence"));
  ASSIGN_OR_RETURN(std::string format, BatchFormat(request));
  ASSIGN_OR_RETURN(feeds::FeedIngestor * ingestor, request.environment->feed_ingestor(registry));
  ASSIGN_OR_RETURN(feeds::Agency agency, feeds::ParseAgency(request.path.at("agency"), "agency"));
  RETURN_IF_ERROR(AdmitSender(*request.principal, request.path.at("agency")));
  ASSIGN_OR_RETURN(feeds::FeedFormat parsed_format, feeds::ParseFeedFormat(format, "format"));
  ASSIGN_OR_RETURN(feeds::FeedReport report,
                   ingestor->Receive(Context(request), agency, sequence, parsed_format,
                                     request.message.body()));
  return Json(report.resent ? status::ok : status::created, report.ToJson());
}

json::object ReviewJson(const feeds::ReviewCase& review) {
  return json::object{{"review_id", review.review_id},
                      {"agency", review.agency},
                      {"sequence", review.sequence},
                      {"line", review.line},
                      {"status", review.status},
                      {"weight", review.weight},
                      {"comparison", review.comparison},
                      {"record", review.record},
                      {"candidate_id", review.candidate_id},
                      {"candidate", review.candidate}};
}

// A review is about its candidate: the officer must hold review.match where the candidate is.
Status AdmitReview(const RouteRequest& request, Registry& registry,
                   const feeds::ReviewCase& review) {
  return Admit(request, scope::kReviewMatch, LocatePerson(registry.connection(), review.candidate_id),
               "review", "feed_record,candidate_card");
}

Result<Response> GetReviews(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(request.principal->RequireScope(scope::kReviewMatch));
  ASSIGN_OR_RETURN(feeds::FeedIngestor * ingestor, request.environment->feed_ingestor(registry));
  ASSIGN_OR_RETURN(std::vector<feeds::ReviewCase> reviews, ingestor->OpenReviews(200));
  json::array out;
  for (const feeds::ReviewCase& review : reviews) {
    auto location = LocatePerson(registry.connection(), review.candidate_id);
    if (!location.ok()) continue;
    access::RecordPlace place{location->person_id, location->region, location->office};
    if (!request.principal->Authorize(scope::kReviewMatch, place).ok()) continue;
    Note(request, review.candidate_id, "read", "GET /reviews", "feed_record,candidate_card", "ok");
    out.push_back(ReviewJson(review));
  }
  return Json(status::ok, json::object{{"reviews", std::move(out)}});
}

Result<Response> GetReview(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(int64_t review_id, PathId(request));
  RETURN_IF_ERROR(request.principal->RequireScope(scope::kReviewMatch));
  ASSIGN_OR_RETURN(feeds::FeedIngestor * ingestor, request.environment->feed_ingestor(registry));
  ASSIGN_OR_RETURN(feeds::ReviewCase review, ingestor->GetReview(review_id));
  RETURN_IF_ERROR(AdmitReview(request, registry, review));
  return Json(status::ok, ReviewJson(review));
}

Result<Response> PostReviewDecision(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(int64_t review_id, PathId(request));
  RETURN_IF_ERROR(request.principal->RequireScope(scope::kReviewMatch));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"decision", "note"}));
  ASSIGN_OR_RETURN(std::string decision, RequiredString(body, "decision"));
  if (decision != "link" && decision != "new") {
    return InvalidArgument("decision: must be 'link' (the candidate) or 'new' (another person)");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> note, OptionalString(body, "note"));
  ASSIGN_OR_RETURN(feeds::FeedIngestor * ingestor, request.environment->feed_ingestor(registry));
  ASSIGN_OR_RETURN(feeds::ReviewCase review, ingestor->GetReview(review_id));
  RETURN_IF_ERROR(AdmitReview(request, registry, review));
  ASSIGN_OR_RETURN(PersonId person_id,
                   ingestor->DecideReview(Context(request), review_id, decision, note.value_or("")));
  return Json(status::ok, json::object{{"review_id", review_id}, {"person_id", person_id},
                                       {"decision", decision}});
}

}  // namespace

void AddFeedRoutes(Router& router) {
  using E = Execution;
  using A = Access;
  router.Add(verb::post, "/feeds/{agency}/batches/{sequence}", E::kRegistryWorker,
             A::kAuthenticated, scope::kFeedUpload, Wrap(PostBatch));
  router.Add(verb::get, "/reviews", E::kRegistryWorker, A::kAuthenticated, scope::kReviewMatch,
             Wrap(GetReviews));
  router.Add(verb::get, "/reviews/{id}", E::kRegistryWorker, A::kAuthenticated,
             scope::kReviewMatch, Wrap(GetReview));
  router.Add(verb::post, "/reviews/{id}/decision", E::kRegistryWorker, A::kAuthenticated,
             scope::kReviewMatch, Wrap(PostReviewDecision));
}

}  // namespace muster::http
