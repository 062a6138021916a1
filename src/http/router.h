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

#include "http/problem.h"

namespace muster {
class Registry;
}

namespace muster::http {

using Parameters = std::map<std::string, std::string, std::less<>>;

// What a handler sees: the message, the path captures and the decoded query parameters.
struct RouteRequest {
  const Request& message;
  Parameters path;
  Parameters query;
};

enum class Execution {
  kInline,          // cheap and registry-free: runs on the I/O thread (health, metrics)
  kRegistryWorker,  // touches the Registry: runs on the worker thread that owns it
};

// A handler returns a complete response; the server sets its version and keep-alive. For
// kRegistryWorker routes `registry` is the worker's registry; for kInline it is null.
using Handler = std::function<Response(const RouteRequest& request, Registry* registry)>;

struct Route {
  beast_http::verb method;
  std::string pattern;  // also the route's label in metrics
  Execution execution;
  Handler handler;
};

class Router {
 public:
  // Adds a route. Patterns must be unique per method; the first added wins otherwise.
  void Add(beast_http::verb method, std::string pattern, Execution execution, Handler handler);

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
