// The route table: (method, path pattern) → handler.
//
// Patterns are literal segments and `{name}` captures ("/persons/{id}/timeline"). A request
// whose path matches no pattern is 404; one whose path matches only under other methods is
// 405 with the Allow list. Each route says whether its handler needs the Registry: such
// handlers run on the registry's worker thread, never on an I/O thread (server.h).
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "access/access_journal.h"
#include "access/identity_store.h"
#include "access/principal.h"
#include "common/time.h"
#include "http/problem.h"

namespace muster {
class Registry;
}
namespace muster::http {
class EnforcementNode;
}
namespace muster::feeds {
class FeedIngestor;
}
namespace muster::http {
class ResponseStream;
}

namespace muster::http {

using Parameters = std::map<std::string, std::string, std::less<>>;

// What the server offers every handler besides the request.
struct ApiEnvironment {
  bool demo_logins = false;              // POST /auth/citizen/demo is enabled
  bool secure_cookies = false;           // TLS: session cookies get the Secure attribute
  const Clock* identity_clock = nullptr;  // real time for sessions and TOTP
  // Drops a token from the server's authentication cache (after logout).
  std::function<void(const std::string& token)> forget_token;
  EnforcementNode* enforcement = nullptr;  // the measure index, tailer and webhooks
  // The feed ingestor of the worker's registry, created on first use (worker thread only).
  std::function<Result<feeds::FeedIngestor*>(Registry&)> feed_ingestor;

};

// What a handler sees: the message, the path captures, the decoded query parameters, and for
// authenticated routes the caller. Handlers that disclose or touch a person's data add an
// entry to `accesses`; the server answers only once those entries are durable.
struct RouteRequest {
  const Request& message;
  Parameters path;
  Parameters query;
  const access::Principal* principal = nullptr;          // null on public routes
  std::vector<access::AccessEntry>* accesses = nullptr;  // never null
  access::IdentityStore* identity = nullptr;             // kIdentity routes only
  const ApiEnvironment* environment = nullptr;           // never null
  std::string remote;                                    // the client's address
  std::string token;  // the credential the caller presented (authenticated routes); never logged
  // kStreaming routes only: where a streamed answer goes, journalled chunk by chunk
  // (http/response_stream.h). Such handlers record their accesses through it, not `accesses`.
  ResponseStream* stream = nullptr;
};

enum class Execution {
  kInline,          // cheap and registry-free: runs on the I/O thread (health, metrics)
  kRegistryWorker,  // touches the Registry: runs on the worker thread that owns it
  kIdentity,        // touches accounts and credentials: runs on the identity thread
  kBlocking,        // long, registry-free work that may block: a small pool
  // Like kBlocking, and the handler may answer as a stream (RouteRequest::stream): sent chunk
  // by chunk (HTTP/1.1 chunked), each chunk once its journal entries are committed.
  kStreaming,
};

enum class Access {
  kPublic,         // anyone (health, metrics, the profile, login, notice verification)
  kAuthenticated,  // a valid session or API key; the handler checks scope and jurisdiction
};

// A handler returns a complete response; the server sets its version and keep-alive. For
// kRegistryWorker routes `registry` is the worker's registry; for the others it is null. A
// kStreaming handler that began a stream returns its outcome instead: a 2xx status when the
// stream is complete, any other when it failed (ResponseStream).
using Handler = std::function<Response(const RouteRequest& request, Registry* registry)>;

struct Route {
  beast_http::verb method;
  std::string pattern;  // also the route's label in metrics
  Execution execution;
  Access access;
  std::string scope;  // the scope the handler requires ("" for none), for docs and tests
  Handler handler;
  // The pattern split at '/', once, when the route is added: Find runs on every request.
  std::vector<std::string> segments;
};

class Router {
 public:
  // Adds a route. Patterns must be unique per method; the first added wins otherwise.
  void Add(beast_http::verb method, std::string pattern, Execution execution, Access access,
           std::string_view scope, Handler handler);
  const std::vector<Route>& routes() const { return routes_; }

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    Parameters path;
    std::string allow;  // with no route: the methods the path does allow ("GET, POST"), if any
  };
  // Finds the route for `method` and `path` (the target without its query).
  Match Find(beast_http::verb method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace muster::http
