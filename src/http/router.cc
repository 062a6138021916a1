#include "http/router.h"

#include <optional>

namespace muster::http {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

// The captures if `path` matches `pattern`, else nullopt. Captures must be non-empty.
std::optional<Parameters> MatchPattern(std::string_view pattern, std::string_view path) {
  std::vector<std::string_view> want = Segments(pattern);
  std::vector<std::string_view> have = Segments(path);
  if (want.size() != have.size()) return std::nullopt;
  Parameters captures;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      captures.emplace(std::string(want[i].substr(1, want[i].size() - 2)), std::string(have[i]));
    } else if (want[i] != have[i]) {
      return std::nullopt;
    }
  }
  return captures;
}

}  // namespace

void Router::Add(beast_http::verb method, std::string pattern, Execution execution,
                 Access access, std::string_view scope, Handler handler) {
  routes_.push_back(Route{method, std::move(pattern), execution, access, std::string(scope),
                          std::move(handler)});
}

Router::Match Router::Find(beast_http::verb method, std::string_view path) const {
  Match match;
  for (const Route& route : routes_) {
    std::optional<Parameters> captures = MatchPattern(route.pattern, path);
    if (!captures) continue;
    if (route.method == method) {
      match.route = &route;
      match.path = std::move(*captures);
      match.allow.clear();
      return match;
    }
    std::string name(beast_http::to_string(route.method));
    if (match.allow.find(name) == std::string::npos) {
      match.allow += match.allow.empty() ? name : ", " + name;
    }
  }
  return match;
}

}  // namespace muster::http
