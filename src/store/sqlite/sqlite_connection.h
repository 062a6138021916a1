// The SQLite engine: one database file in WAL mode with foreign keys on.
//
// Durability: synchronous=FULL, so a committed transaction survives a crash of the process
// or the machine; WAL keeps readers off the writer's back. Writers take the lock at BEGIN
// (BEGIN IMMEDIATE) and wait up to busy_timeout for another writer, so concurrent Muster
// processes on one file serialise instead of failing.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "store/database.h"

struct sqlite3;

namespace muster {

class SqliteConnection final : public Connection {
 public:
  // Opens `path`. With `create` false a missing file is kNotFound.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool create);
  ~SqliteConnection() override;

  const SqlDialect& dialect() const override;
  Status Execute(std::string_view sql) override;
  Result<Statement*> Prepare(std::string_view sql) override;
  Status BeginWrite() override;
  Status BeginWriteWithoutWaiting() override;
  Status BeginRead() override;
  Status Commit() override;
  Status Rollback() override;
  bool InTransaction() const override;
  Status SyncCommitted() override;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;  // owned
  int wal_fd_ = -1;  // the WAL file, opened by SyncCommitted; owned
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace muster
