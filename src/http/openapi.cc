#include "http/openapi.h"

#include <cstddef>

namespace muster::http {

// Defined in the file CMakeLists.txt generates from api/openapi.json (openapi_document.cc in
// the build directory).
namespace generated {
extern const unsigned char kOpenApiDocument[];
extern const std::size_t kOpenApiDocumentSize;
}  // namespace generated

std::string_view OpenApiDocument() {
  return std::string_view(reinterpret_cast<const char*>(generated::kOpenApiDocument),
                          generated::kOpenApiDocumentSize);
}

Response ServeOpenApiDocument(const RouteRequest&, Registry*) {
  Response response{beast_http::status::ok, 11};
  response.set(beast_http::field::content_type, "application/json");
  response.keep_alive(true);
  response.body() = std::string(OpenApiDocument());
  response.prepare_payload();
  return response;
}

}  // namespace muster::http
