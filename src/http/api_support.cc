#include "http/api_support.h"

#include "common/crypto.h"

#include <charconv>

namespace muster::http::api {

using beast_http::status;
using access::Principal;

Response Fail(const Status& error) { return ProblemResponse(ProblemFromStatus(error), 11, true); }

Response Json(status code, const json::value& body) { return JsonResponse(code, body, 11, true); }

Response TextResponse(status code, std::string_view content_type, std::string body) {
  Response response{code, 11};
  response.set(beast_http::field::content_type, content_type);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

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

// The command's context: the caller as the journal's actor and an idempotency key that is the
// caller's own. With an Idempotency-Key header, the key is that header within the caller's
// account, so two callers who pick the same key never meet. Without one, a retry of the same
// request (method, target, body) by the same caller within the same ten minutes of real time
// is recognised; the same request later — a second identical mark a month on — is a new
// command, not a silent replay of the first.
CommandContext Context(const RouteRequest& request) {
  const std::string account = std::to_string(request.principal->account_id);
  std::string idempotency_key;
  if (auto key = request.message.find("Idempotency-Key"); key != request.message.end()) {
    idempotency_key = "key:" + account + ":" + std::string(key->value());
  } else {
    constexpr int64_t kRetryWindowSeconds = 600;
    int64_t window = ToUnixSeconds(request.environment->identity_clock->Now()) / kRetryWindowSeconds;
    idempotency_key = "retry:" + account + ":" + std::to_string(window) + ":" +
                      Sha256Hex({request.message.method_string(), "\n", request.message.target(),
                                 "\n", request.message.body()});
  }
  return {.idempotency_key = std::move(idempotency_key), .actor = request.principal->Actor()};
}

Result<bool> RequiredBool(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) {
    return InvalidArgument(std::string(field) + ": is required");
  }
  if (!value->is_bool()) return InvalidArgument(std::string(field) + ": must be true or false");
  return value->as_bool();
}

Result<std::optional<int64_t>> OptionalId(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(int64_t id, RequiredId(body, field));
  return std::optional<int64_t>(id);
}

Result<std::optional<int64_t>> OptionalInt(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (value->is_int64()) return std::optional<int64_t>(value->as_int64());
  if (value->is_uint64() && value->as_uint64() <= INT64_MAX) {
    return std::optional<int64_t>(static_cast<int64_t>(value->as_uint64()));
  }
  return InvalidArgument(std::string(field) + ": must be an integer");
}

Result<std::optional<CivilDate>> OptionalDate(const json::object& body, std::string_view field) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(body, field));
  if (!text) return std::optional<CivilDate>();
  ASSIGN_OR_RETURN(CivilDate date, ParseDate(*text, field));
  return std::optional<CivilDate>(date);
}

json::value DateOrNull(const std::optional<CivilDate>& date) {
  return date ? json::value(FormatDate(*date)) : json::value(nullptr);
}
json::value InstantOrNull(const std::optional<Instant>& instant) {
  return instant ? json::value(FormatInstant(*instant)) : json::value(nullptr);
}

// Handlers are written as Result-returning functions; Wrap turns an error into its problem.
Handler Wrap(Body body) {
  return [body = std::move(body)](const RouteRequest& request, Registry* registry) {
    Result<Response> response = body(request, *registry);
    return response.ok() ? std::move(response).value() : Fail(response.status());
  };
}

// ---- Access: scope, jurisdiction and the journal ---------------------------------------

// The stated purpose of a read: the X-Purpose header, or the route's default.
std::string Purpose(const RouteRequest& request, std::string_view fallback) {
  auto header = request.message.find("X-Purpose");
  if (header == request.message.end() || header->value().empty()) return std::string(fallback);
  return std::string(header->value().substr(0, 200));
}

void Note(const RouteRequest& request, std::optional<PersonId> person_id, std::string_view action,
          std::string_view resource, std::string_view fields, std::string outcome) {
  const Principal& principal = *request.principal;
  request.accesses->push_back(access::AccessEntry{
      .at = request.environment->identity_clock->Now(),
      .account_id = principal.account_id,
      .actor = principal.Actor(),
      .actor_kind = std::string(access::PrincipalKindName(principal.kind)),
      .person_id = person_id,
      .action = std::string(action),
      .resource = std::string(resource),
      .fields = std::string(fields),
      .purpose = Purpose(request, principal.kind == access::PrincipalKind::kCitizen
                                      ? "own record"
                                      : "case work"),
      .outcome = std::move(outcome)});
}

// Checks that the caller may use `scope` on the record at `location`. A refusal is journalled
// too (the citizen sees attempts as well as reads); `fields` is what a read discloses, empty
// for a change (the ledger records changes with their actor).
Status Admit(const RouteRequest& request, std::string_view wanted,
             const Result<RecordLocation>& location, std::string_view resource,
             std::string_view fields) {
  if (!location.ok()) {
    // Unknown record: say so only to callers who could see such records somewhere.
    RETURN_IF_ERROR(request.principal->RequireScope(wanted));
    return location.status();
  }
  access::RecordPlace place{location->person_id, location->region, location->office};
  Status allowed = request.principal->Authorize(wanted, place);
  if (!allowed.ok()) {
    bool read = !fields.empty() || request.message.method() == beast_http::verb::get;
    Note(request, location->person_id, read ? "read" : "change", resource, fields,
         "denied: " + allowed.message());
    return allowed;
  }
  if (!fields.empty()) Note(request, location->person_id, "read", resource, fields, "ok");
  return Status::Ok();
}


}  // namespace muster::http::api
