// Errors as application/problem+json (RFC 9457), and the one table that maps Muster's status
// codes to HTTP statuses.
//
// Every error the HTTP layer returns is a Problem: a stable `type` URI (relative, so no host
// is named: "/problems/gate-refused"), a short `title` that depends only on the type, the
// `status`, a `detail` for people, and — where one input is at fault — the `field` that is
// (so a client can point at it). A gate refusal also carries the stable `gate` code
// ("deferment", "open_summons", …) from the registry.
#pragma once

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace muster::http {

namespace beast_http = boost::beast::http;

using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

struct Problem {
  beast_http::status status = beast_http::status::internal_server_error;
  std::string type;   // "/problems/invalid-request"
  std::string title;  // "Invalid request"
  std::string detail;
  std::optional<std::string> field;  // the input at fault
  std::optional<std::string> gate;   // the refusing gate's code, for gate refusals
};

// The HTTP status for a Muster status code (the one table; kOk maps to 200).
beast_http::status HttpStatusFor(StatusCode code);

// The problem for a non-OK status from the registry or the domain. The field is the message's
// leading "field: " prefix for kInvalidArgument; the gate is the "gate CODE: " prefix of a
// kFailedPrecondition refusal.
Problem ProblemFromStatus(const Status& status);

// Problems the HTTP layer raises itself.
Problem InvalidField(std::string field, std::string detail);
Problem RouteNotFound(std::string_view target);
Problem MethodNotAllowed(std::string_view method, std::string_view allow);
Problem PayloadTooLarge(uint64_t limit);
Problem HeadersTooLarge();
Problem MalformedRequest(std::string detail);

boost::json::object ProblemJson(const Problem& problem);

// A complete response carrying `problem` as application/problem+json.
Response ProblemResponse(const Problem& problem, unsigned version, bool keep_alive);

// A complete JSON response.
Response JsonResponse(beast_http::status status, const boost::json::value& body, unsigned version,
                      bool keep_alive);

}  // namespace muster::http
