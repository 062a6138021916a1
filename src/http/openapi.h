// The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json.
//
// api/openapi.json is written by hand and is the contract: the build embeds it in the binary
// (CMakeLists.txt generates a byte array from it, so the served document is always the one the
// binary was built with, and a document that is not JSON stops the configure), `make test`
// lints it with Redocly CLI (ctest openapi_lint), and tests/integration/openapi_test.cc checks
// it against the route table (methods, paths, scopes, public or not) and calls every documented
// operation on a live server, validating each answer against the documented schema.
#pragma once

#include <string_view>

#include "http/problem.h"
#include "http/router.h"

namespace muster::http {

// The document's bytes (UTF-8 JSON), valid for the life of the program.
std::string_view OpenApiDocument();

// The GET /openapi.json handler: the document as application/json. Registry-free (kInline).
Response ServeOpenApiDocument(const RouteRequest& request, Registry* registry);

}  // namespace muster::http
