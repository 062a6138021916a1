#include "http/router.h"


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

bool IsCapture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether the path's segments `have` match the route's; captures are non-empty by
// construction (Segments drops empty ones).
bool Matches(const std::vector<std::string>& want, const std::vector<std::string_view>& have) {
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!IsCapture(want[i]) && want[i] != have[i]) return false;
  }
  return true;
}

Parameters Captures(const std::vector<std::string>& want,
                    const std::vector<std::string_view>& have) {
  Parameters captures;
  for (size_t i = 0; i < want.size(); ++i) {
    if (IsCapture(want[i])) {
      captures.emplace(want[i].substr(1, want[i].size() - 2), std::string(have[i]));
    }
  }
  return captures;
}

}  // namespace

void Router::Add(beast_http::verb method, std::string pattern, Execution execution,
                 Access access, std::string_view scope, Handler handler) {
  std::vector<std::string> segments;
  for (std::string_view segment : Segments(pattern)) segments.emplace_back(segment);
  routes_.push_back(Route{method, std::move(pattern), execution, access, std::string(scope),
                          std::move(handler), std::move(segments)});
}

Router::Match Router::Find(beast_http::verb method, std::string_view path) const {
  Match match;
  std::vector<std::string_view> have = Segments(path);
  for (const Route& route : routes_) {
    if (!Matches(route.segments, have)) continue;
    if (route.method == method) {
      match.route = &route;
      match.path = Captures(route.segments, have);
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
