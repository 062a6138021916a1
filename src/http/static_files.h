// StaticFiles: the built web front end (web/dist), served from memory on the same origin as
// the API.
//
// The files are read once when the server starts — the front end is a build artefact that
// changes by deployment, not at run time — so serving them never touches the disk from an I/O
// thread. A GET for a path that is no file and has no extension, from a browser (Accept:
// text/html), gets index.html: the front end's own router takes it from there.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "http/problem.h"

namespace muster::http {

class StaticFiles {
 public:
  // Loads every regular file under `root`. kNotFound if `root` has no index.html.
  static Result<StaticFiles> Load(const std::filesystem::path& root);
  StaticFiles() = default;

  // The response for a GET or HEAD of `path`, or nothing if no file answers it.
  std::optional<Response> Serve(const Request& request, std::string_view path) const;
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string etag;
  };
  std::map<std::string, File, std::less<>> files_;  // by URL path ("/assets/app-1a2b.js")
};

}  // namespace muster::http
