#include "http/problem.h"

#include <cctype>

namespace muster::http {
namespace {

namespace json = boost::json;

struct ProblemKind {
  beast_http::status status;
  const char* type;
  const char* title;
};

ProblemKind KindFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return {beast_http::status::ok, "about:blank", "OK"};
    case StatusCode::kInvalidArgument:
      return {beast_http::status::bad_request, "/problems/invalid-request", "Invalid request"};
    case StatusCode::kNotFound:
      return {beast_http::status::not_found, "/problems/not-found", "Not found"};
    case StatusCode::kAlreadyExists:
      return {beast_http::status::conflict, "/problems/already-exists", "Already exists"};
    case StatusCode::kFailedPrecondition:
      return {beast_http::status::unprocessable_entity, "/problems/precondition-failed",
              "The registry's state does not allow this"};
    case StatusCode::kAborted:
      return {beast_http::status::conflict, "/problems/idempotency-conflict",
              "Idempotency key reused for a different request"};
    case StatusCode::kUnavailable:
      return {beast_http::status::service_unavailable, "/problems/unavailable",
              "Temporarily unavailable"};
    case StatusCode::kDataLoss:
      return {beast_http::status::internal_server_error, "/problems/data-loss",
              "Stored data does not verify"};
    case StatusCode::kInternal:
      return {beast_http::status::internal_server_error, "/problems/internal", "Internal error"};
    case StatusCode::kUnauthenticated:
      return {beast_http::status::unauthorized, "/problems/unauthenticated",
              "Credentials missing, unknown, expired or revoked"};
    case StatusCode::kPermissionDenied:
      return {beast_http::status::forbidden, "/problems/forbidden",
              "Not permitted for this caller"};
    case StatusCode::kResourceExhausted:
      return {beast_http::status::too_many_requests, "/problems/rate-limited",
              "Too many requests"};
  }
  return {beast_http::status::internal_server_error, "/problems/internal", "Internal error"};
}

// "snils: check number mismatch" → "snils"; nullopt when the message has no field prefix.
std::optional<std::string> LeadingToken(std::string_view message) {
  size_t colon = message.find(':');
  if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
  std::string_view token = message.substr(0, colon);
  for (char c : token) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return std::nullopt;
    }
  }
  return std::string(token);
}

Problem Make(beast_http::status status, const char* type, const char* title, std::string detail) {
  return Problem{.status = status, .type = type, .title = title, .detail = std::move(detail)};
}

}  // namespace

beast_http::status HttpStatusFor(StatusCode code) { return KindFor(code).status; }

Problem ProblemFromStatus(const Status& status) {
  ProblemKind kind = KindFor(status.code());
  Problem problem = Make(kind.status, kind.type, kind.title, status.message());
  if (status.code() == StatusCode::kInvalidArgument) {
    problem.field = LeadingToken(status.message());
  } else if (status.code() == StatusCode::kFailedPrecondition) {
    // The registry names a refusing gate as "gate CODE: …" (Registry::CheckGates).
    constexpr std::string_view kGatePrefix = "gate ";
    std::string_view message = status.message();
    if (message.substr(0, kGatePrefix.size()) == kGatePrefix) {
      problem.gate = LeadingToken(message.substr(kGatePrefix.size()));
      if (problem.gate) {
        problem.type = "/problems/gate-refused";
        problem.title = "Refused by a due-process gate";
      }
    }
  }
  return problem;
}

Problem InvalidField(std::string field, std::string detail) {
  Problem problem = Make(beast_http::status::bad_request, "/problems/invalid-request",
                         "Invalid request", std::move(detail));
  problem.field = std::move(field);
  return problem;
}

Problem RouteNotFound(std::string_view target) {
  return Make(beast_http::status::not_found, "/problems/not-found", "Not found",
              "no route for " + std::string(target));
}

Problem MethodNotAllowed(std::string_view method, std::string_view allow) {
  return Make(beast_http::status::method_not_allowed, "/problems/method-not-allowed",
              "Method not allowed",
              std::string(method) + " is not allowed here; allowed: " + std::string(allow));
}

Problem PayloadTooLarge(uint64_t limit) {
  return Make(beast_http::status::payload_too_large, "/problems/payload-too-large",
              "Request body too large",
              "the request body exceeds the limit of " + std::to_string(limit) + " bytes");
}

Problem HeadersTooLarge() {
  return Make(beast_http::status::request_header_fields_too_large, "/problems/headers-too-large",
              "Request headers too large", "the request headers exceed the server's limit");
}

Problem MalformedRequest(std::string detail) {
  return Make(beast_http::status::bad_request, "/problems/malformed-request", "Malformed request",
              std::move(detail));
}

json::object ProblemJson(const Problem& problem) {
  json::object body{{"type", problem.type},
                    {"title", problem.title},
                    {"status", static_cast<int>(problem.status)},
                    {"detail", problem.detail}};
  if (problem.field) body["field"] = *problem.field;
  if (problem.gate) body["gate"] = *problem.gate;
  return body;
}

Response ProblemResponse(const Problem& problem, unsigned version, bool keep_alive) {
  Response response{problem.status, version};
  response.set(beast_http::field::content_type, "application/problem+json");
  response.keep_alive(keep_alive);
  response.body() = json::serialize(ProblemJson(problem));
  response.prepare_payload();
  return response;
}

Response JsonResponse(beast_http::status status, const json::value& body, unsigned version,
                      bool keep_alive) {
  Response response{status, version};
  response.set(beast_http::field::content_type, "application/json");
  response.keep_alive(keep_alive);
  response.body() = json::serialize(body);
  response.prepare_payload();
  return response;
}

}  // namespace muster::http
