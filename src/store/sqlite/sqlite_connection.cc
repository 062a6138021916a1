#include "store/sqlite/sqlite_connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

namespace muster {
namespace {

constexpr SqlDialect kSqliteDialect{
    .name = "sqlite",
    .big_key = "INTEGER",  // INTEGER PRIMARY KEY is the rowid: 64-bit and the fastest key
    .lock_suffix = "",     // BEGIN IMMEDIATE already holds the database's write lock
    .clustered_table = " WITHOUT ROWID",
    // In WAL mode NORMAL skips the fsync at COMMIT; the next FULL commit, checkpoint or
    // SyncCommitted syncs the WAL file, and with it every frame written before. Unsynced
    // commits also leave checkpoints to others: a checkpoint syncs, and while readers hold
    // the WAL it cannot reset it, so an automatic one would run — and sync — after every commit.
    .written_commits = "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0",
    .checkpoint = "PRAGMA wal_checkpoint(PASSIVE)",
};

Status FromSqlite(sqlite3* db, int code, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return AlreadyExists(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  ~SqliteStatement() override { sqlite3_finalize(statement_); }

  void BindNull(int index) override { sqlite3_bind_null(statement_, ParameterSlot(index)); }
  void BindInt(int index, int64_t value) override {
    sqlite3_bind_int64(statement_, ParameterSlot(index), value);
  }
  void BindText(int index, std::string_view value) override {
    sqlite3_bind_text(statement_, ParameterSlot(index), value.data(),
                      static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }

  void BindTextKept(int index, std::string_view value) override {
    sqlite3_bind_text(statement_, ParameterSlot(index), value.data(),
                      static_cast<int>(value.size()), SQLITE_STATIC);
  }

  Result<bool> Step() override {
    int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) {
      changed_rows_ = sqlite3_changes64(db_);
      return false;
    }
    Status status = FromSqlite(db_, code, "sqlite");
    sqlite3_reset(statement_);
    return status.WithContext(sqlite3_sql(statement_));
  }

  bool IsNull(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  int64_t ColumnInt(int column) const override { return sqlite3_column_int64(statement_, column); }
  std::string_view ColumnText(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    if (text == nullptr) return {};
    return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
  }
  int64_t ChangedRows() const override { return changed_rows_; }

  void Reset() override {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    changed_rows_ = 0;
  }

 private:
  // Parameters are written "$1", "$2", … in the portable SQL; SQLite treats them as named
  // parameters numbered by first appearance, so map the name to SQLite's slot.
  int ParameterSlot(int index) {
    if (index < static_cast<int>(slots_.size()) && slots_[index] != 0) return slots_[index];
    if (index >= static_cast<int>(slots_.size())) slots_.resize(index + 1, 0);
    std::string name = "$";
    name += std::to_string(index);
    int slot = sqlite3_bind_parameter_index(statement_, name.c_str());
    slots_[index] = slot;
    return slot;
  }

  sqlite3* db_;               // not owned
  sqlite3_stmt* statement_;   // owned
  std::vector<int> slots_;    // $N → SQLite parameter slot, 0 = not looked up yet
  int64_t changed_rows_ = 0;
};

// The most of the file mapped into memory (see Open); SQLite lowers it to its own maximum.
constexpr int64_t kMmapBytes = int64_t{16} << 30;
// WAL pages after a commit from which a checkpoint is asked for: SQLite's own default.
constexpr int kCheckpointPages = 1000;

}  // namespace

// Several connections of one process write the same file (the registry worker, the access
// journal, the identity thread), and a writer holds the lock for about one fsync. SQLite's
// own busy timeout sleeps up to 100 ms between tries, which turns a 1 ms wait into a 100 ms
// one; this retries every 200 µs for the first 50 ms, then backs off to 5 ms, for 30 s in all.
static int RetryWhileBusy(void*, int attempt) {
  constexpr int kFastTries = 250;  // 250 × 200 µs = 50 ms
  constexpr int kMaxTries = kFastTries + 6000;  // + 6000 × 5 ms = 30 s
  if (attempt >= kMaxTries) return 0;
  std::this_thread::sleep_for(attempt < kFastTries ? std::chrono::microseconds(200)
                                                   : std::chrono::microseconds(5000));
  return 1;
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                  bool create) {
  if (!create && !std::filesystem::exists(path)) {
    return NotFound("store: no registry at '" + path + "' (create one with `muster init`)");
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    Status status = FromSqlite(db, code, "store: cannot open '" + path + "'");
    sqlite3_close(db);
    return status;
  }
  auto connection = std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
  sqlite3_busy_handler(db, &RetryWhileBusy, nullptr);
  // mmap_size: pages are read from a mapping of the file instead of copied in by pread, which
  // at a million persons takes a third of the system time off the bulk feed path
  // (docs/BENCHMARKS.md, "Feeds"). The mapping is shared page cache, not memory of
  // the process; SQLite caps it at its compile-time SQLITE_MAX_MMAP_SIZE (2 GiB on Debian 12)
  // and ignores it for databases in memory. Written pages still go through the page cache and
  // the WAL, so durability and crash safety are those of a connection without it.
  RETURN_IF_ERROR(connection->Execute(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
      "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = " +
      std::to_string(kMmapBytes) + ";"));
  const char* file = sqlite3_db_filename(db, "main");
  if (file != nullptr && *file != '\0') {
    // Replaces the automatic checkpoint (a later `PRAGMA wal_autocheckpoint` puts SQLite's
    // own hook back, as `written_commits` does to leave checkpoints to its syncer).
    connection->checkpointer_ = std::make_unique<Checkpointer>(file);
    sqlite3_wal_hook(db, &SqliteConnection::OnWalCommit, connection.get());
  }
  return connection;
}

int SqliteConnection::OnWalCommit(void* connection, sqlite3*, const char*, int pages) {
  if (pages >= kCheckpointPages) static_cast<SqliteConnection*>(connection)->checkpointer_->Request();
  return SQLITE_OK;
}

void SqliteConnection::Checkpointer::Request() {
  std::lock_guard<std::mutex> lock(mutex_);
  requested_ = true;
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { Run(); });
  } else {
    wake_.notify_one();
  }
}

SqliteConnection::Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void SqliteConnection::Checkpointer::Run() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
          SQLITE_OK ||
      // The checkpoint syncs as its own connection says: as durably as the writer's.
      sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0", nullptr,
                   nullptr, nullptr) != SQLITE_OK) {
    // No checkpoints from here: the WAL grows until the last connection closes (which
    // checkpoints it), or an explicit checkpoint; nothing is lost.
    sqlite3_close(db);
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return requested_ || stopping_; });
    if (stopping_) break;
    requested_ = false;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, without waiting; what it leaves (SQLITE_BUSY
    // or a partial copy) is taken by the checkpoint the next commit asks for.
    (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
  lock.unlock();
  sqlite3_close(db);
}

SqliteConnection::~SqliteConnection() {
  checkpointer_.reset();  // its connection closes first: the last one to close checkpoints
  statements_.clear();
  sqlite3_close(db_);
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

Status SqliteConnection::SyncCommitted() {
  // Every commit appends its frames to the one WAL file with write(); an fdatasync of that
  // file, through any descriptor, makes all of them durable. SQLite's own sync happens in a
  // FULL commit, under the write lock — this one holds no lock, so writers go on.
  if (wal_fd_ < 0) {
    const char* main = sqlite3_db_filename(db_, "main");
    if (main == nullptr || *main == '\0') return Status::Ok();  // in memory: nothing to sync
    std::string wal = std::string(main) + "-wal";
    wal_fd_ = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
    if (wal_fd_ < 0) return Unavailable("sqlite: cannot open '" + wal + "' to sync it");
  }
  if (::fdatasync(wal_fd_) != 0) return Unavailable("sqlite: fdatasync of the WAL failed");
  return Status::Ok();
}

const SqlDialect& SqliteConnection::dialect() const { return kSqliteDialect; }

Status SqliteConnection::Execute(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    Status status = FromSqlite(nullptr, code, "sqlite");
    return Status(status.code(), "sqlite: " + message);
  }
  return Status::Ok();
}

Result<Statement*> SqliteConnection::Prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) {
    found->second->Reset();
    return found->second.get();
  }
  std::string key(sql);
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (code != SQLITE_OK) return FromSqlite(db_, code, "sqlite prepare '" + key + "'");
  auto statement = std::make_unique<SqliteStatement>(db_, raw);
  Statement* pointer = statement.get();
  statements_.emplace(std::move(key), std::move(statement));
  return pointer;
}

Status SqliteConnection::BeginWrite() { return Execute("BEGIN IMMEDIATE"); }
Status SqliteConnection::BeginWriteWithoutWaiting() {
  // Without a busy handler a taken lock is SQLITE_BUSY (kUnavailable) at once.
  sqlite3_busy_handler(db_, nullptr, nullptr);
  Status begun = BeginWrite();
  sqlite3_busy_handler(db_, &RetryWhileBusy, nullptr);
  return begun;
}
Status SqliteConnection::BeginRead() { return Execute("BEGIN DEFERRED"); }
Status SqliteConnection::Commit() { return Execute("COMMIT"); }
Status SqliteConnection::Rollback() { return Execute("ROLLBACK"); }
bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace muster
