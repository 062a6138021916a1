// What every route handler uses: strict JSON body parsing that names the offending field,
// responses and problems, and the access decision with its journal entry (Admit, Note).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "access/principal.h"
#include "common/status.h"
#include "common/time.h"
#include "http/problem.h"
#include "http/router.h"
#include "registry/queries.h"
#include "registry/registry.h"

namespace muster::http::api {

namespace json = boost::json;

Response Fail(const Status& error);
Response Json(beast_http::status code, const json::value& body);
// A body already serialised (NDJSON, HTML, pre-built JSON) with its content type.
Response TextResponse(beast_http::status code, std::string_view content_type, std::string body);

// "id" path parameters and other ids: positive decimal integers, else 400 naming `field`.
Result<int64_t> PositiveId(std::string_view text, std::string_view field);
Result<int64_t> PathId(const RouteRequest& request);

// The body as a JSON object with only `allowed` members (an unknown member is a 400 naming
// it). An empty body is an empty object.
Result<json::object> BodyObject(const RouteRequest& request,
                                std::initializer_list<std::string_view> allowed);
Result<std::optional<std::string>> OptionalString(const json::object& body, std::string_view field);
Result<std::string> RequiredString(const json::object& body, std::string_view field);
Result<int64_t> RequiredId(const json::object& body, std::string_view field);
Result<bool> RequiredBool(const json::object& body, std::string_view field);
Result<std::optional<int64_t>> OptionalId(const json::object& body, std::string_view field);
Result<std::optional<int64_t>> OptionalInt(const json::object& body, std::string_view field);
Result<std::optional<CivilDate>> OptionalDate(const json::object& body, std::string_view field);
// An optional instant with offset; absent means the registry's now.
Result<Instant> InstantOrNow(const json::object& body, std::string_view field, Registry& registry);
json::value DateOrNull(const std::optional<CivilDate>& date);
json::value InstantOrNull(const std::optional<Instant>& instant);

// The command's context: the Idempotency-Key header and the caller as the journal's actor.
CommandContext Context(const RouteRequest& request);

// Handlers written as Result-returning functions; Wrap turns an error into its problem.
using Body = std::function<Result<Response>(const RouteRequest&, Registry&)>;
Handler Wrap(Body body);

// The stated purpose of a read: the X-Purpose header, or `fallback`.
std::string Purpose(const RouteRequest& request, std::string_view fallback);
// Adds an access-journal entry for the request's caller.
void Note(const RouteRequest& request, std::optional<PersonId> person_id, std::string_view action,
          std::string_view resource, std::string_view fields, std::string outcome);
// Checks that the caller may use `scope` on the record at `location`; journals a read
// (`fields` non-empty) and every refusal.
Status Admit(const RouteRequest& request, std::string_view wanted,
             const Result<RecordLocation>& location, std::string_view resource,
             std::string_view fields);

}  // namespace muster::http::api
