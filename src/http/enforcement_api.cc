#include "http/enforcement_api.h"

#include "enforcement/consumers.h"
#include "enforcement/feed.h"
#include "enforcement/self_check.h"
#include "enforcement/signature.h"
#include "http/api_support.h"
#include "http/response_stream.h"

namespace muster::http {

using namespace api;
using beast_http::status;
using beast_http::verb;
namespace scope = access::scope;

// ---- StoreClock ---------------------------------------------------------------------------

Result<std::unique_ptr<StoreClock>> StoreClock::Open(std::unique_ptr<Connection> connection) {
  std::unique_ptr<StoreClock> clock(new StoreClock(std::move(connection)));
  ASSIGN_OR_RETURN(Query query, Query::Make(*clock->connection_,
                                            "SELECT value FROM registry_meta WHERE key = 'clock'"));
  ASSIGN_OR_RETURN(bool found, query.Next());
  clock->simulated_ = found && query.TextView(0) == "simulated";
  return clock;
}

Instant StoreClock::Now() const {
  if (!simulated_) return SystemClock().Now();
  std::lock_guard lock(mutex_);
  auto steady_now = std::chrono::steady_clock::now();
  if (last_ && steady_now - last_read_ < kReuse) return *last_;
  auto query = Query::Make(*connection_,
                           "SELECT value FROM registry_meta WHERE key = 'simulated_now'");
  if (query.ok()) {
    auto found = query->Next();
    if (found.ok() && *found) {
      auto now = ParseInstant(query->TextView(0), "simulated_now");
      if (now.ok()) {
        last_ = *now;
        last_read_ = steady_now;
        return *now;
      }
    }
  }
  last_.reset();
  return SystemClock().Now();  // the store is unreachable: real time is the safe side
}

// ---- EnforcementNode ----------------------------------------------------------------------

EnforcementNode::EnforcementNode(const Profile& profile, EnforcementOptions options)
    : profile_(profile),
      options_(options),
      lifts_(profile.lift_deadline_hours),
      webhooks_(enforcement::WebhookOptions{.lift_deadline_hours = profile.lift_deadline_hours}) {}

EnforcementNode::~EnforcementNode() {
  if (worker_) worker_->Stop();
  if (tailer_) tailer_->Stop();
}

Result<std::unique_ptr<EnforcementNode>> EnforcementNode::Start(
    const std::function<Result<std::unique_ptr<Connection>>()>& connect, const Profile& profile,
    EnforcementOptions options) {
  std::unique_ptr<EnforcementNode> node(new EnforcementNode(profile, options));
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> tail_connection, connect());
  RETURN_IF_ERROR(node->index_.Load(*tail_connection).WithContext("measure index"));
  ASSIGN_OR_RETURN(node->tailer_,
                   enforcement::Tailer::Start(node->index_, std::move(tail_connection),
                                              {.interval = options.tail_interval}));
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> clock_connection, connect());
  ASSIGN_OR_RETURN(node->clock_, StoreClock::Open(std::move(clock_connection)));
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> worker_connection, connect());
  ASSIGN_OR_RETURN(node->worker_,
                   enforcement::DeliveryWorker::Start(
                       std::move(worker_connection), *node->clock_,
                       {.interval = options.delivery_interval,
                        .lift_deadline_hours = profile.lift_deadline_hours}));
  return node;
}

namespace {

// ---- Agencies: who is asking ----------------------------------------------------------------

// The consumer the calling agency enforces for: from its account, never from the request.
Result<const enforcement::Consumer*> CallingConsumer(const RouteRequest& request) {
  const access::Principal& principal = *request.principal;
  RETURN_IF_ERROR(principal.RequireScope(scope::kMeasureCheck));
  if (principal.kind != access::PrincipalKind::kAgency || principal.consumer.empty()) {
    return PermissionDenied("consumer: checks are for agency systems that enforce measures");
  }
  return enforcement::FindConsumer(principal.consumer);
}

EnforcementNode& Node(const RouteRequest& request) { return *request.environment->enforcement; }

// Journals checks as access entries in the request's list, which the server makes durable
// before it answers.
class RequestJournal final : public enforcement::CheckJournal {
 public:
  explicit RequestJournal(const RouteRequest& request) : request_(request) {}
  Status Record(const enforcement::CheckContext& context,
                std::span<const enforcement::CheckRecord> records) override {
    std::string fields = enforcement::KindMaskNames(context.consumer->kinds);
    for (const enforcement::CheckRecord& record : records) {
      Note(request_, record.person_id, "check", route_, fields,
           enforcement::DescribeAnswer(record.answer));
      request_.accesses->back().purpose = context.purpose;
    }
    return Status::Ok();
  }
  void set_route(std::string route) { route_ = std::move(route); }

 private:
  const RouteRequest& request_;
  std::string route_;
};

// Journals bulk checks chunk by chunk, one packed entry per chunk (the persons and any answer
// other than "clear" in its detail, under the entry's hash), through the answer's stream: the
// entry is appended at once and the chunk's lines, written next, go out only once it is
// committed (ResponseStream) — journalled before disclosed, without the checking thread
// waiting for the writer. The citizen's access log finds their line in it
// (access::ReadAccessesOfPerson).
class BulkJournal final : public enforcement::CheckJournal {
 public:
  BulkJournal(ResponseStream& stream, const access::Principal& principal, const Clock& real_time)
      : stream_(stream), principal_(principal), real_time_(real_time) {}
  Status Record(const enforcement::CheckContext& context,
                std::span<const enforcement::CheckRecord> records) override {
    static const std::string kClear = enforcement::DescribeAnswer(0);
    access::PackedPersons persons;
    for (const enforcement::CheckRecord& record : records) {
      if (record.answer == 0) {
        persons.Add(record.person_id, kClear, kClear);
      } else {
        persons.Add(record.person_id, enforcement::DescribeAnswer(record.answer), kClear);
      }
    }
    std::vector<access::AccessEntry> entries;
    entries.push_back({.at = real_time_.Now(),  // when it was asked, like every other entry
                       .account_id = principal_.account_id,
                       .actor = principal_.Actor(),
                       .actor_kind = "agency",
                       .person_id = std::nullopt,
                       .action = "check",
                       .resource = "POST /checks/bulk",
                       .fields = enforcement::KindMaskNames(context.consumer->kinds),
                       .purpose = context.purpose,
                       .outcome = kClear,
                       .detail = persons.Take()});
    return stream_.Journal(std::move(entries));
  }

 private:
  ResponseStream& stream_;
  const access::Principal& principal_;
  const Clock& real_time_;
};

enforcement::CheckContext MakeCheckContext(const RouteRequest& request,
                                           const enforcement::Consumer& consumer) {
  return {.consumer = &consumer,
          .account_id = request.principal->account_id,
          .actor = request.principal->Actor(),
          .purpose = Purpose(request, consumer.purpose),
          .at = Node(request).clock().Now()};
}

Response NdJson(std::string body) {
  return TextResponse(status::ok, "application/x-ndjson", std::move(body));
}

Response JsonText(status code, std::string body) {
  return TextResponse(code, "application/json", std::move(body));
}

// ---- Checks -----------------------------------------------------------------------------------

Response Unwrapped(Result<Response> response) {
  return response.ok() ? std::move(response).value() : Fail(response.status());
}

Result<Response> CheckPerson(const RouteRequest& request) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  EnforcementNode& node = Node(request);
  RETURN_IF_ERROR(node.tailer().CheckFresh(node.options().max_staleness));
  RequestJournal journal(request);
  journal.set_route("GET /checks/persons/{id}");
  enforcement::CheckService checks(node.index(), journal);
  ASSIGN_OR_RETURN(enforcement::CheckAnswer answer,
                   checks.Check(MakeCheckContext(request, *consumer), person_id));
  return JsonText(status::ok, enforcement::CheckAnswerJson(answer));
}

Result<Response> CheckDocument(const RouteRequest& request) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"kind", "number"}));
  ASSIGN_OR_RETURN(std::string kind_name, RequiredString(body, "kind"));
  ASSIGN_OR_RETURN(IdentifierKind kind, ParseIdentifierKind(kind_name, "kind"));
  ASSIGN_OR_RETURN(std::string number, RequiredString(body, "number"));
  EnforcementNode& node = Node(request);
  RETURN_IF_ERROR(node.tailer().CheckFresh(node.options().max_staleness));
  RequestJournal journal(request);
  journal.set_route("POST /checks/documents");
  enforcement::CheckService checks(node.index(), journal);
  ASSIGN_OR_RETURN(enforcement::CheckAnswer answer,
                   checks.CheckDocument(MakeCheckContext(request, *consumer), kind, number));
  return JsonText(status::ok, enforcement::CheckAnswerJson(answer));
}

// Runs on the blocking pool and streams the answer (a kStreaming route): each chunk of 8,192
// answers goes out as soon as its journal entry is committed, while the next is computed. The
// errors found before Begin — credentials, ids, a stale index — are whole problem answers.
Result<Response> CheckBulk(const RouteRequest& request) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(std::vector<PersonId> ids, enforcement::ParsePersonIds(request.message.body()));
  EnforcementNode& node = Node(request);
  RETURN_IF_ERROR(node.tailer().CheckFresh(node.options().max_staleness));
  ResponseStream& stream = *request.stream;
  BulkJournal bulk_journal(stream, *request.principal, *request.environment->identity_clock);
  enforcement::CheckService checks(node.index(), bulk_journal);
  stream.Begin(NdJson(""));
  auto sink = [&stream](std::string_view chunk) { return stream.Write(chunk); };
  RETURN_IF_ERROR(checks.CheckBulk(MakeCheckContext(request, *consumer), ids, sink).status());
  return NdJson("");  // complete: the stream has the body
}

// ---- The change feed, webhooks and lift confirmations (agency side) -------------------------

Result<Response> GetFeed(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  int64_t since = 0;
  int limit = 1000;
  for (const auto& [name, value] : request.query) {
    if (name == "since") {
      if (value != "0") {
        ASSIGN_OR_RETURN(since, PositiveId(value, "since"));
      }
    } else if (name == "limit") {
      auto parsed = PositiveId(value, "limit");
      if (!parsed.ok() || *parsed > enforcement::kMaxFeedPage) {
        return InvalidArgument("limit: must be 1 to " + std::to_string(enforcement::kMaxFeedPage));
      }
      limit = static_cast<int>(*parsed);
    } else {
      return InvalidArgument(name + ": unknown parameter (since, limit)");
    }
  }
  ASSIGN_OR_RETURN(std::vector<enforcement::FeedEntry> entries,
                   enforcement::ReadFeed(registry.connection(), *consumer, since, limit));
  std::string body;
  for (const enforcement::FeedEntry& entry : entries) enforcement::AppendFeedLine(body, entry);
  Response response = NdJson(std::move(body));
  // The cursor to send next time: the last entry's seq, or the one given.
  response.set("Muster-Next-Since", std::to_string(entries.empty() ? since : entries.back().seq));
  return response;
}

json::object SubscriptionJson(const enforcement::Subscription& subscription) {
  return json::object{{"subscription_id", subscription.subscription_id},
                      {"consumer", subscription.consumer},
                      {"url", subscription.url},
                      {"scheme", enforcement::SignatureSchemeName(subscription.scheme)},
                      {"enqueued_seq", subscription.enqueued_seq},
                      {"active", subscription.active},
                      {"created_at", FormatInstant(subscription.created_at)}};
}

Result<Response> PostWebhook(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"url", "scheme", "since"}));
  ASSIGN_OR_RETURN(std::string url, RequiredString(body, "url"));
  ASSIGN_OR_RETURN(std::optional<std::string> scheme_name, OptionalString(body, "scheme"));
  ASSIGN_OR_RETURN(enforcement::SignatureScheme scheme,
                   enforcement::ParseSignatureScheme(scheme_name.value_or("hmac-sha256"), "scheme"));
  ASSIGN_OR_RETURN(std::optional<int64_t> since, OptionalInt(body, "since"));
  ASSIGN_OR_RETURN(enforcement::Subscription subscription,
                   Node(request).webhooks().Subscribe(registry.connection(), *consumer, url,
                                                      scheme, since, Node(request).clock().Now()));
  json::object out = SubscriptionJson(subscription);
  // The HMAC secret is shown once, here.
  if (!subscription.secret.empty()) out["secret"] = subscription.secret;
  return Json(status::created, out);
}

Result<Response> GetWebhooks(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(std::vector<enforcement::Subscription> subscriptions,
                   Node(request).webhooks().List(registry.connection(), consumer->id));
  json::array out;
  for (const auto& subscription : subscriptions) out.push_back(SubscriptionJson(subscription));
  return Json(status::ok, json::object{{"subscriptions", std::move(out)}});
}

Result<Response> PostWebhookActive(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(int64_t subscription_id, PathId(request));
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"active"}));
  ASSIGN_OR_RETURN(bool active, RequiredBool(body, "active"));
  // Another agency's subscription is as unknown as a missing one.
  ASSIGN_OR_RETURN(std::vector<enforcement::Subscription> own,
                   Node(request).webhooks().List(registry.connection(), consumer->id));
  bool mine = false;
  for (const auto& subscription : own) mine = mine || subscription.subscription_id == subscription_id;
  if (!mine) return NotFound("subscription: no subscription " + std::to_string(subscription_id));
  RETURN_IF_ERROR(Node(request).webhooks().SetActive(registry.connection(), subscription_id, active));
  return Json(status::ok, json::object{{"subscription_id", subscription_id}, {"active", active}});
}

Result<Response> PostLiftConfirmation(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(const enforcement::Consumer* consumer, CallingConsumer(request));
  ASSIGN_OR_RETURN(int64_t measure_id, PathId(request));
  Instant now = Node(request).clock().Now();
  RETURN_IF_ERROR(Node(request).lifts().Confirm(registry.connection(), *consumer, measure_id, now));
  return Json(status::ok, json::object{{"measure_id", measure_id},
                                       {"consumer", consumer->id},
                                       {"confirmed_at", FormatInstant(now)}});
}

// ---- Officers' oversight ------------------------------------------------------------------

// Lists that span every region need the oversight scope with an 'all' jurisdiction.
Status RequireNationalOversight(const RouteRequest& request) {
  return request.principal->AuthorizeArea(scope::kMeasureLift, std::nullopt, std::nullopt);
}

json::object LiftJson(const enforcement::LiftConfirmation& lift) {
  return json::object{{"consumer", lift.consumer},
                      {"measure_id", lift.measure_id},
                      {"person_id", lift.person_id},
                      {"kind", MeasureKindName(lift.kind)},
                      {"lifted_at", FormatInstant(lift.lifted_at)},
                      {"deadline_at", FormatInstant(lift.deadline_at)},
                      {"state", lift.state},
                      {"late", lift.late()},
                      {"confirmed_at", InstantOrNull(lift.confirmed_at)},
                      {"escalated_at", InstantOrNull(lift.escalated_at)}};
}

Result<Response> GetDeadLetters(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(RequireNationalOversight(request));
  ASSIGN_OR_RETURN(std::vector<enforcement::Delivery> dead,
                   Node(request).webhooks().DeadLetters(registry.connection(), 200));
  json::array out;
  for (const enforcement::Delivery& delivery : dead) {
    out.push_back(json::object{{"delivery_id", delivery.delivery_id},
                               {"subscription_id", delivery.subscription_id},
                               {"consumer", delivery.consumer},
                               {"url", delivery.url},
                               {"seq", delivery.seq},
                               {"attempts", delivery.attempts},
                               {"last_error", delivery.last_error},
                               {"created_at", FormatInstant(delivery.created_at)},
                               {"finished_at", InstantOrNull(delivery.finished_at)}});
  }
  return Json(status::ok, json::object{{"dead_letters", std::move(out)}});
}

Result<Response> PostRedeliver(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(RequireNationalOversight(request));
  ASSIGN_OR_RETURN(int64_t delivery_id, PathId(request));
  RETURN_IF_ERROR(Node(request).webhooks().Redeliver(registry.connection(), delivery_id,
                                                     Node(request).clock().Now()));
  return Json(status::ok, json::object{{"delivery_id", delivery_id}, {"requeued", true}});
}

Result<Response> GetOverdueLifts(const RouteRequest& request, Registry& registry) {
  RETURN_IF_ERROR(RequireNationalOversight(request));
  ASSIGN_OR_RETURN(std::vector<enforcement::LiftConfirmation> overdue,
                   Node(request).lifts().Overdue(registry.connection(), 500));
  json::array out;
  for (const auto& lift : overdue) out.push_back(LiftJson(lift));
  return Json(status::ok, json::object{{"overdue", std::move(out)}});
}

// ---- The citizen's side ---------------------------------------------------------------------

Result<Response> GetLiftConfirmations(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(registry.connection(), person_id),
                        "GET /persons/{id}/lift-confirmations", "lift_confirmations"));
  ASSIGN_OR_RETURN(std::vector<enforcement::LiftConfirmation> lifts,
                   Node(request).lifts().OfPerson(registry.connection(), person_id));
  json::array out;
  for (const auto& lift : lifts) out.push_back(LiftJson(lift));
  return Json(status::ok, json::object{{"person_id", person_id}, {"lifts", std::move(out)}});
}

Result<Response> GetTravelCheck(const RouteRequest& request, Registry& registry) {
  ASSIGN_OR_RETURN(PersonId person_id, PathId(request));
  RETURN_IF_ERROR(Admit(request, scope::kPersonRead, LocatePerson(registry.connection(), person_id),
                        "GET /persons/{id}/travel-check", "measures:exit"));
  EnforcementNode& node = Node(request);
  enforcement::TravelCheckInput input{.person_id = person_id,
                                      .now = registry.Now(),
                                      .excuse_reasons = registry.profile().excuse_reasons,
                                      .lift_deadline_hours = registry.profile().lift_deadline_hours};
  ASSIGN_OR_RETURN(Explanation explanation, registry.Explain(person_id));
  for (const MeasureExplanation& measure : explanation.measures) {
    if (measure.kind == MeasureKind::kExit) input.explanation = measure.lines;
  }
  ASSIGN_OR_RETURN(input.lifts, node.lifts().OfPerson(registry.connection(), person_id));
  // The answer comes from the index the border gate checks against (at most one tail
  // interval behind this node's own writes).
  return JsonText(status::ok, enforcement::TravelAnswerJson(enforcement::CheckTravel(node.index(), input)));
}

}  // namespace

void AddEnforcementRoutes(Router& router) {
  using E = Execution;
  using A = Access;
  auto registry_free = [](Result<Response> (*body)(const RouteRequest&)) {
    return [body](const RouteRequest& request, Registry*) { return Unwrapped(body(request)); };
  };
  std::string check(scope::kMeasureCheck);
  router.Add(verb::get, "/checks/persons/{id}", E::kInline, A::kAuthenticated, check,
             registry_free(CheckPerson));
  router.Add(verb::post, "/checks/documents", E::kInline, A::kAuthenticated, check,
             registry_free(CheckDocument));
  router.Add(verb::post, "/checks/bulk", E::kStreaming, A::kAuthenticated, check,
             registry_free(CheckBulk));
  router.Add(verb::get, "/feed", E::kRegistryWorker, A::kAuthenticated, check, Wrap(GetFeed));
  router.Add(verb::post, "/webhooks", E::kRegistryWorker, A::kAuthenticated, check,
             Wrap(PostWebhook));
  router.Add(verb::get, "/webhooks", E::kRegistryWorker, A::kAuthenticated, check,
             Wrap(GetWebhooks));
  router.Add(verb::post, "/webhooks/{id}/active", E::kRegistryWorker, A::kAuthenticated, check,
             Wrap(PostWebhookActive));
  router.Add(verb::post, "/lifts/{id}/confirm", E::kRegistryWorker, A::kAuthenticated, check,
             Wrap(PostLiftConfirmation));
  std::string oversee(scope::kMeasureLift);
  router.Add(verb::get, "/enforcement/dead-letters", E::kRegistryWorker, A::kAuthenticated,
             oversee, Wrap(GetDeadLetters));
  router.Add(verb::post, "/enforcement/dead-letters/{id}/redeliver", E::kRegistryWorker,
             A::kAuthenticated, oversee, Wrap(PostRedeliver));
  router.Add(verb::get, "/enforcement/overdue-lifts", E::kRegistryWorker, A::kAuthenticated,
             oversee, Wrap(GetOverdueLifts));
  std::string read(scope::kPersonRead);
  router.Add(verb::get, "/persons/{id}/travel-check", E::kRegistryWorker, A::kAuthenticated,
             read, Wrap(GetTravelCheck));
  router.Add(verb::get, "/persons/{id}/lift-confirmations", E::kRegistryWorker,
             A::kAuthenticated, read, Wrap(GetLiftConfirmations));
}

}  // namespace muster::http
