#include "http/static_files.h"

#include <fstream>
#include <sstream>

#include "common/crypto.h"

namespace muster::http {
namespace {

std::string_view ContentType(const std::filesystem::path& path) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".svg", "image/svg+xml"},
      {".png", "image/png"},                   {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},                {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},   {".map", "application/json"}};
  auto found = kTypes.find(path.extension().string());
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

}  // namespace

Result<StaticFiles> StaticFiles::Load(const std::filesystem::path& root) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(root / "index.html", error)) {
    return NotFound("web: no index.html in " + root.string() + " (build the front end first)");
  }
  StaticFiles files;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    if (!in && !in.eof()) return Unavailable("web: cannot read " + it->path().string());
    std::string url = "/" + std::filesystem::relative(it->path(), root).generic_string();
    File file{std::string(ContentType(it->path())), body.str(), ""};
    file.etag = "\"" + Sha256Hex(file.body).substr(0, 32) + "\"";
    files.files_.emplace(std::move(url), std::move(file));
  }
  if (error) return Unavailable("web: cannot list " + root.string() + ": " + error.message());
  return files;
}

std::optional<Response> StaticFiles::Serve(const Request& request, std::string_view path) const {
  if (request.method() != beast_http::verb::get && request.method() != beast_http::verb::head) {
    return std::nullopt;
  }
  auto found = files_.find(path == "/" ? std::string_view("/index.html") : path);
  if (found == files_.end()) {
    // A front-end route ("/citizen/summonses"): the browser gets the app, others a 404.
    auto accept = request.find(beast_http::field::accept);
    bool browser = accept != request.end() && accept->value().find("text/html") != std::string::npos;
    bool has_extension = path.rfind('.') != std::string_view::npos &&
                         path.rfind('.') > path.rfind('/');
    if (!browser || has_extension) return std::nullopt;
    found = files_.find("/index.html");
  }
  const File& file = found->second;
  Response response{beast_http::status::ok, 11};
  if (auto match = request.find(beast_http::field::if_none_match);
      match != request.end() && match->value() == file.etag) {
    response.result(beast_http::status::not_modified);
  } else if (request.method() == beast_http::verb::get) {
    response.body() = file.body;
  }
  response.set(beast_http::field::content_type, file.content_type);
  response.set(beast_http::field::etag, file.etag);
  // Vite puts a content hash in asset names: those never change; the page is revalidated.
  response.set(beast_http::field::cache_control, found->first.starts_with("/assets/")
                                                     ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "frame-ancestors 'none'");
  response.prepare_payload();
  if (request.method() == beast_http::verb::head) {
    response.content_length(file.body.size());
  }
  return response;
}

}  // namespace muster::http
