#include "store/engines/open.h"

#include "store/sqlite/sqlite_connection.h"

namespace muster {

Result<std::unique_ptr<Connection>> OpenStore(std::string_view url, OpenMode mode) {
  constexpr std::string_view kSqlite = "sqlite:";
  std::string_view path = url;
  if (url.starts_with(kSqlite)) {
    path = url.substr(kSqlite.size());
  } else if (url.find("://") != std::string_view::npos) {
    return InvalidArgument("store: unknown store URL scheme in '" + std::string(url) +
                           "' (expected sqlite:PATH)");
  }
  if (path.empty()) return InvalidArgument("store: empty database path");
  ASSIGN_OR_RETURN(auto connection, SqliteConnection::Open(std::string(path), mode == OpenMode::kCreate));
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace muster
