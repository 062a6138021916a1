#include "store/engines/open.h"

#include "store/postgres/postgres_connection.h"
#include "store/sqlite/sqlite_connection.h"

namespace muster {

Result<std::unique_ptr<Connection>> OpenStore(std::string_view url, OpenMode mode) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    // The database must exist either way: Muster creates schemas, not databases.
    ASSIGN_OR_RETURN(auto connection, PostgresConnection::Open(std::string(url)));
    return std::unique_ptr<Connection>(std::move(connection));
  }
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
