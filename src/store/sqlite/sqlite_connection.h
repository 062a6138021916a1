// The SQLite engine: one database file in WAL mode with foreign keys on.
//
// Durability: synchronous=FULL, so a committed transaction survives a crash of the process
// or the machine; WAL keeps readers off the writer's back. Checkpoints (copying the WAL back
// into the database file, and its fsync) run on a thread of the connection's own, on a
// connection of that thread's, instead of inside the COMMIT that crossed the threshold
// (`Checkpointer` below): a commit returns once its WAL frames are durable. Writers take the lock at BEGIN
// (BEGIN IMMEDIATE) and wait up to busy_timeout for another writer, so concurrent Muster
// processes on one file serialise instead of failing.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
  // Checkpoints the database beside the connection that writes it: SQLite's automatic
  // checkpoint runs inside the COMMIT that takes the WAL past kCheckpointPages, on the
  // writer's thread, and copies every page the transactions since wrote (a bulk feed chunk:
  // tens of thousands) and syncs the file before COMMIT returns. Here the commit only asks;
  // a thread started on the first request opens a connection of its own to the same file and
  // runs a PASSIVE checkpoint (it never waits for a lock and never blocks readers or the
  // writer), so the copying overlaps the writer's next transaction. The WAL is restarted by
  // the writer's next transaction after a complete checkpoint, as with the automatic one.
  class Checkpointer {
   public:
    explicit Checkpointer(std::string path) : path_(std::move(path)) {}
    ~Checkpointer();
    void Request();

   private:
    void Run();

    std::string path_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;  // guarded by mutex_
    bool stopping_ = false;   // guarded by mutex_
    std::thread thread_;      // started by the first Request
  };

  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  static int OnWalCommit(void* connection, sqlite3* db, const char* name, int pages);

  sqlite3* db_;  // owned
  std::unique_ptr<Checkpointer> checkpointer_;  // file databases; stopped before db_ is closed
  int wal_fd_ = -1;  // the WAL file, opened by SyncCommitted; owned
  StatementCache statements_;
};

}  // namespace muster
