#include "http/api.h"

#include <boost/json.hpp>
#include <charconv>
#include <initializer_list>

#include "domain/identifiers.h"
#include "domain/model.h"
#include "registry/registry.h"

namespace muster::http {
namespace {

namespace json = boost::json;
using beast_http::status;
using beast_http::verb;

// Who the journal records as acting; identity and scopes come with the next part of issue 4.
constexpr const char* kActor = "http";

Response Fail(const Status& error) { return ProblemResponse(ProblemFromStatus(error), 11, true); }

Response Json(status code, const json::value& body) { return JsonResponse(code, body, 11, true); }

Result<int64_t> PositiveId(std::string_view text, std::string_view field) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return InvalidArgument(std::string(field) + ": '" + std::string(text) +
                           "' is not a positive integer id");
  }
  return value;
}

Result<int64_t> PathId(const RouteRequest& request) {
  return PositiveId(request.path.at("id"), "id");
}

// The body as a JSON object with only `allowed` members. An empty body is an empty object.
Result<json::object> BodyObject(const RouteRequest& request,
                                std::initializer_list<std::string_view> allowed) {
  const std::string& text = request.message.body();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error) return InvalidArgument("body: malformed JSON: " + error.message());
  if (!value.is_object()) return InvalidArgument("body: must be a JSON object");
  for (const auto& member : value.as_object()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || member.key() == name;
    if (!known) return InvalidArgument(std::string(member.key()) + ": unknown field");
  }
  return std::move(value.as_object());
}

Result<std::optional<std::string>> OptionalString(const json::object& body,
                                                  std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) return InvalidArgument(std::string(field) + ": must be a string");
  return std::optional<std::string>(std::string(value->as_string()));
}

Result<std::string> RequiredString(const json::object& body, std::string_view field) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(body, field));
  if (!value) return InvalidArgument(std::string(field) + ": is required");
  return *value;
}

Result<int64_t> RequiredId(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) {
    return InvalidArgument(std::string(field) + ": is required");
  }
  if (value->is_int64() && value->as_int64() > 0) return value->as_int64();
  if (value->is_uint64() && value->as_uint64() <= INT64_MAX) {
    return static_cast<int64_t>(value->as_uint64());
  }
  return InvalidArgument(std::string(field) + ": must be a positive integer");
}

// An optional instant with offset; absent means the registry's now.
Result<Instant> InstantOrNow(const json::object& body, std::string_view field, Registry& registry) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(body, field));
  if (!text) return registry.Now();
  return ParseInstant(*text, field);
}

CommandContext Context(const RouteRequest& request) {
  auto key = request.message.find("Idempotency-Key");
  std::string idempotency_key =
      key == request.message.end() ? std::string() : std::string(key->value());
  return {.idempotency_key = std::move(idempotency_key), .actor = kActor};
}

// Closes a read transaction however the reads end.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Connection& connection) : connection_(connection) {}
  ~ReadSnapshot() {
    if (open_) (void)connection_.Rollback();
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  Status Begin() {
    RETURN_IF_ERROR(connection_.BeginRead());
    open_ = true;
    return Status::Ok();
  }

 private:
  Connection& connection_;
  bool open_ = false;
};

// The person card from the projections.
Result<json::object> PersonCard(Registry& registry, PersonId person_id) {
  Connection& connection = registry.connection();
  ReadSnapshot snapshot(connection);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(Query person,
                   Query::Make(connection,
                               "SELECT family_name, given_name, patronymic, family_name_latin, "
                               "given_name_latin, patronymic_latin, sex, birth_date, region, "
                               "office, has_portal_account, fitness, fitness_until, status "
                               "FROM persons WHERE person_id = $1"));
  person.Bind(person_id);
  ASSIGN_OR_RETURN(bool found, person.Next());
  if (!found) return NotFound("person: no person " + std::to_string(person_id));
  json::object card{{"person_id", person_id},
                    {"names", json::object{{"family", person.Text(0)},
                                           {"given", person.Text(1)},
                                           {"patronymic", person.Text(2)}}},
                    {"names_latin", json::object{{"family", person.Text(3)},
                                                 {"given", person.Text(4)},
                                                 {"patronymic", person.Text(5)}}},
                    {"sex", person.Text(6)},
                    {"birth_date", FormatDate(FromEpochDays(static_cast<int32_t>(person.Int(7))))},
                    {"region", person.Text(8)},
                    {"office", person.Text(9)},
                    {"has_portal_account", person.Int(10) != 0},
                    {"status", person.Text(13)}};
  if (std::optional<std::string> fitness = person.OptionalText(11)) {
    json::object fitness_json{{"category", *fitness}};
    if (std::optional<int64_t> until = person.OptionalInt(12)) {
      fitness_json["until"] = FormatDate(FromEpochDays(static_cast<int32_t>(*until)));
    }
    card["fitness"] = std::move(fitness_json);
  } else {
    card["fitness"] = nullptr;
  }
  person.Finish();
  ASSIGN_OR_RETURN(Query identifiers,
                   Query::Make(connection,
                               "SELECT kind, value FROM person_identifiers WHERE person_id = $1 "
                               "ORDER BY kind, value"));
  identifiers.Bind(person_id);
  json::array identifiers_json;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, identifiers.Next());
    if (!row) break;
    identifiers_json.push_back(
        json::object{{"kind", identifiers.Text(0)}, {"value", identifiers.Text(1)}});
  }
  card["identifiers"] = std::move(identifiers_json);
  return card;
}

Response GetPerson(const RouteRequest& request, Registry* registry) {
  auto person_id = PathId(request);
  if (!person_id.ok()) return Fail(person_id.status());
  auto card = PersonCard(*registry, *person_id);
  if (!card.ok()) return Fail(card.status());
  return Json(status::ok, *card);
}

Response FindPerson(const RouteRequest& request, Registry* registry) {
  std::optional<std::pair<IdentifierKind, std::string>> wanted;
  for (const auto& [name, value] : request.query) {
    auto kind = ParseIdentifierKind(name, name);
    if (!kind.ok()) {
      return Fail(InvalidArgument(name + ": unknown identifier kind (snils, inn, passport, …)"));
    }
    if (wanted) return Fail(InvalidArgument("query: give exactly one identifier"));
    wanted.emplace(*kind, value);
  }
  if (!wanted) return Fail(InvalidArgument("query: give one identifier, e.g. ?snils=…"));
  auto person_id = registry->FindPerson(wanted->first, wanted->second);
  if (!person_id.ok()) return Fail(person_id.status());
  auto card = PersonCard(*registry, *person_id);
  if (!card.ok()) return Fail(card.status());
  return Json(status::ok, *card);
}

Response GetTimeline(const RouteRequest& request, Registry* registry) {
  auto person_id = PathId(request);
  if (!person_id.ok()) return Fail(person_id.status());
  auto lines = registry->PersonTimeline(*person_id);
  if (!lines.ok()) return Fail(lines.status());
  json::array lines_json;
  for (const std::string& line : *lines) lines_json.push_back(json::string(line));
  return Json(status::ok,
              json::object{{"person_id", *person_id}, {"lines", std::move(lines_json)}});
}

Response GetExplain(const RouteRequest& request, Registry* registry) {
  auto person_id = PathId(request);
  if (!person_id.ok()) return Fail(person_id.status());
  auto explanation = registry->Explain(*person_id);
  if (!explanation.ok()) return Fail(explanation.status());
  json::array gates;
  for (const std::string& gate : explanation->gates) gates.push_back(json::string(gate));
  json::array measures;
  for (const MeasureExplanation& measure : explanation->measures) {
    json::array lines;
    for (const std::string& line : measure.lines) lines.push_back(json::string(line));
    measures.push_back(json::object{{"kind", MeasureKindName(measure.kind)},
                                    {"in_force", measure.in_force},
                                    {"lines", std::move(lines)}});
  }
  return Json(status::ok, json::object{{"person_id", *person_id},
                                       {"profile", explanation->profile},
                                       {"at", FormatInstant(registry->Now())},
                                       {"gates", std::move(gates)},
                                       {"measures", std::move(measures)}});
}

Result<json::array> Measures(Registry& registry, PersonId person_id) {
  Connection& connection = registry.connection();
  ReadSnapshot snapshot(connection);
  RETURN_IF_ERROR(snapshot.Begin());
  ASSIGN_OR_RETURN(Query exists,
                   Query::Make(connection, "SELECT 1 FROM persons WHERE person_id = $1"));
  exists.Bind(person_id);
  ASSIGN_OR_RETURN(bool found, exists.Next());
  if (!found) return NotFound("person: no person " + std::to_string(person_id));
  exists.Finish();
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT measure_id, summons_id, kind, rule_id, legal_basis, "
                               "profile_version, start_at, lifted_at, lift_reason "
                               "FROM measures WHERE person_id = $1 ORDER BY measure_id"));
  query.Bind(person_id);
  Instant now = registry.Now();
  json::array measures;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    Instant start = FromUnixSeconds(query.Int(6));
    std::optional<int64_t> lifted_at = query.OptionalInt(7);
    json::object measure{{"measure_id", query.Int(0)},
                         {"summons_id", query.Int(1)},
                         {"kind", query.Text(2)},
                         {"rule_id", query.Text(3)},
                         {"legal_basis", query.Text(4)},
                         {"profile_version", query.Text(5)},
                         {"start_at", FormatInstant(start)},
                         {"in_force", !lifted_at && start <= now}};
    if (lifted_at) {
      measure["lifted_at"] = FormatInstant(FromUnixSeconds(*lifted_at));
      measure["lift_reason"] = query.OptionalText(8).value_or("");
    }
    measures.push_back(std::move(measure));
  }
  return measures;
}

Response GetMeasures(const RouteRequest& request, Registry* registry) {
  auto person_id = PathId(request);
  if (!person_id.ok()) return Fail(person_id.status());
  auto measures = Measures(*registry, *person_id);
  if (!measures.ok()) return Fail(measures.status());
  return Json(status::ok,
              json::object{{"person_id", *person_id}, {"measures", std::move(*measures)}});
}

Result<SummonsRequest> ParseSummonsRequest(const RouteRequest& request) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(request, {"person_id", "appearance_at", "channels",
                                                           "purpose", "place"}));
  SummonsRequest summons;
  ASSIGN_OR_RETURN(summons.person_id, RequiredId(body, "person_id"));
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

Response PostSummons(const RouteRequest& request, Registry* registry) {
  auto summons = ParseSummonsRequest(request);
  if (!summons.ok()) return Fail(summons.status());
  auto summons_id = registry->IssueSummons(Context(request), *summons);
  if (!summons_id.ok()) return Fail(summons_id.status());
  return Json(status::created, json::object{{"summons_id", *summons_id}});
}

Response PostMark(const RouteRequest& request, Registry* registry) {
  auto summons_id = PathId(request);
  if (!summons_id.ok()) return Fail(summons_id.status());
  auto body = BodyObject(request, {"channel", "mark", "at", "evidence"});
  if (!body.ok()) return Fail(body.status());
  auto channel_name = RequiredString(*body, "channel");
  if (!channel_name.ok()) return Fail(channel_name.status());
  auto channel = ParseChannel(*channel_name, "channel");
  if (!channel.ok()) return Fail(channel.status());
  auto mark = RequiredString(*body, "mark");
  if (!mark.ok()) return Fail(mark.status());
  auto evidence = RequiredString(*body, "evidence");
  if (!evidence.ok()) return Fail(evidence.status());
  auto at = InstantOrNow(*body, "at", *registry);
  if (!at.ok()) return Fail(at.status());
  auto attempt_id =
      registry->RecordServiceMark(Context(request), *summons_id, *channel, *mark, *at, *evidence);
  if (!attempt_id.ok()) return Fail(attempt_id.status());
  return Json(status::created,
              json::object{{"summons_id", *summons_id}, {"attempt_id", *attempt_id}});
}

Response PostAppearance(const RouteRequest& request, Registry* registry) {
  auto summons_id = PathId(request);
  if (!summons_id.ok()) return Fail(summons_id.status());
  auto body = BodyObject(request, {"at"});
  if (!body.ok()) return Fail(body.status());
  auto at = InstantOrNow(*body, "at", *registry);
  if (!at.ok()) return Fail(at.status());
  Status recorded = registry->RecordAppearance(Context(request), *summons_id, *at);
  if (!recorded.ok()) return Fail(recorded);
  return Json(status::ok,
              json::object{{"summons_id", *summons_id}, {"appeared_at", FormatInstant(*at)}});
}

Response GetProfile(const RouteRequest&, Registry* registry) {
  const Profile& profile = registry->profile();
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
                    {"clock", registry->simulated() ? "simulated" : "system"},
                    {"now", FormatInstant(registry->Now())},
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
  return Json(status::ok, body);
}

}  // namespace

Router MakeApiRouter(const Metrics& metrics) {
  Router router;
  router.Add(verb::get, "/health", Execution::kInline, [](const RouteRequest&, Registry*) {
    return Json(status::ok, json::object{{"status", "ok"}});
  });
  router.Add(verb::get, "/metrics", Execution::kInline, [&metrics](const RouteRequest&, Registry*) {
    Response response{status::ok, 11};
    response.set(beast_http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = metrics.Render();
    response.prepare_payload();
    return response;
  });
  router.Add(verb::get, "/profile", Execution::kRegistryWorker, GetProfile);
  router.Add(verb::get, "/persons", Execution::kRegistryWorker, FindPerson);
  router.Add(verb::get, "/persons/{id}", Execution::kRegistryWorker, GetPerson);
  router.Add(verb::get, "/persons/{id}/timeline", Execution::kRegistryWorker, GetTimeline);
  router.Add(verb::get, "/persons/{id}/explain", Execution::kRegistryWorker, GetExplain);
  router.Add(verb::get, "/persons/{id}/measures", Execution::kRegistryWorker, GetMeasures);
  router.Add(verb::post, "/summonses", Execution::kRegistryWorker, PostSummons);
  router.Add(verb::post, "/summonses/{id}/marks", Execution::kRegistryWorker, PostMark);
  router.Add(verb::post, "/summonses/{id}/appearance", Execution::kRegistryWorker, PostAppearance);
  return router;
}

}  // namespace muster::http
