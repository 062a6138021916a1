// The storage boundary: a SQL connection with prepared statements and transactions.
//
// Everything above the store (ledger, registry) speaks this interface and one portable SQL
// dialect: `$1`-style positional parameters, `ON CONFLICT`, no engine-specific functions.
// Where the engines must differ (the type of an auto-assigned key, how a writer takes the
// ledger lock, bulk loading) the difference lives in `SqlDialect`, filled in by each engine,
// so callers never branch on the engine's name. SQLite (store/sqlite) is the embedded default;
// PostgreSQL follows behind the same interface.
//
// A Connection is used by one thread at a time. Engine errors are converted to Status at this
// boundary: busy/locked → kUnavailable, constraint violations → kAlreadyExists, anything
// else → kInternal with the engine's message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace muster {

// What differs between engines, in one place.
struct SqlDialect {
  std::string_view name;         // "sqlite" or "postgresql"
  std::string_view big_key;      // type of a 64-bit key column that fills itself when omitted
  std::string_view lock_suffix;  // appended to the ledger-head SELECT to lock it for writing
  std::string_view clustered_table;  // after CREATE TABLE (…) keyed for reading by its key
  // Per-connection commit durability, run between transactions. By default COMMIT returns
  // once the data is on stable storage. After `written_commits`, COMMIT returns once the
  // engine has the data (in the OS page cache for SQLite's WAL, in the server's WAL buffers
  // for PostgreSQL): it survives a crash of the Muster process but not of the machine until
  // Connection::SyncCommitted (or a synced commit of any connection on the same store).
  std::string_view written_commits;
  // Moves committed pages from the log into the database without blocking writers; empty
  // where the engine does that itself.
  std::string_view checkpoint;
};

// A prepared statement. Parameters are numbered from 1 ($1); columns from 0.
class Statement {
 public:
  virtual ~Statement() = default;

  virtual void BindNull(int index) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindText(int index, std::string_view value) = 0;
  // As BindText, for a caller that keeps `value` alive and unchanged until Reset: an engine
  // may then use the bytes where they are instead of copying them (a bulk insert binds
  // hundreds of texts per statement).
  virtual void BindTextKept(int index, std::string_view value) { BindText(index, value); }

  // Runs the statement on the first call and moves to the next row on later ones. Returns
  // true while a row is available, false when done.
  virtual Result<bool> Step() = 0;

  virtual bool IsNull(int column) const = 0;
  virtual int64_t ColumnInt(int column) const = 0;
  // Valid until the next Step() or Reset().
  virtual std::string_view ColumnText(int column) const = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual int64_t ChangedRows() const = 0;

  // Clears bindings and results so the statement can run again.
  virtual void Reset() = 0;
};

// Prepared statements of one connection by their SQL text. The hash and equality take a
// string_view, so finding a statement copies no text — every query of every caller passes here.
struct SqlTextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using StatementCache =
    std::unordered_map<std::string, std::unique_ptr<Statement>, SqlTextHash, std::equal_to<>>;

class Connection {
 public:
  virtual ~Connection() = default;

  virtual const SqlDialect& dialect() const = 0;

  // Runs SQL without parameters; may hold several statements separated by ';'.
  virtual Status Execute(std::string_view sql) = 0;

  // Returns a prepared statement for `sql`, reset and ready to bind. Statements are cached
  // per connection by text and owned by it; the pointer stays valid for the connection's
  // life. Do not use the same statement twice at once (for example while iterating it).
  virtual Result<Statement*> Prepare(std::string_view sql) = 0;

  // Starts a transaction that will write: SQLite takes the write lock at once (BEGIN
  // IMMEDIATE) so two writers never deadlock on upgrade; PostgreSQL begins at READ COMMITTED
  // and the ledger serialises writers on its head row.
  virtual Status BeginWrite() = 0;
  // Like BeginWrite, but never waits: kUnavailable, and no transaction, unless the write lock
  // is free this instant. An event loop that must not block calls this and hands the work to
  // a thread of its own when refused. Across the network every statement waits on a round
  // trip, so PostgreSQL always refuses.
  virtual Status BeginWriteWithoutWaiting() = 0;
  virtual Status BeginRead() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool InTransaction() const = 0;

  // Makes every transaction committed on this store so far — by any connection, including
  // those committed under `written_commits` — durable on stable storage, without taking the
  // store's write lock (so writers go on meanwhile). Not inside a transaction.
  virtual Status SyncCommitted() = 0;
};

// Query: a small helper over a cached Statement that binds parameters in order.
//   ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT name FROM persons WHERE person_id = $1"));
//   query.Bind(person_id);
//   ASSIGN_OR_RETURN(bool found, query.Next());
//
// A Query resets its statement when it goes out of scope: a cached SQLite statement left
// stepped on a row would keep a read transaction open across COMMIT, which blocks WAL
// checkpoints and hides other processes' writes.
class Query {
 public:
  static Result<Query> Make(Connection& connection, std::string_view sql);
  Query(Query&& other) noexcept : statement_(other.statement_), next_index_(other.next_index_) {
    other.statement_ = nullptr;
  }
  Query& operator=(Query&& other) noexcept {
    if (this != &other) {
      if (statement_ != nullptr) statement_->Reset();
      statement_ = other.statement_;
      next_index_ = other.next_index_;
      other.statement_ = nullptr;
    }
    return *this;
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    if (statement_ != nullptr) statement_->Reset();
  }

  Query& Bind(int64_t value);
  Query& Bind(int value) { return Bind(static_cast<int64_t>(value)); }
  Query& Bind(std::string_view value);
  Query& Bind(const std::string& value) { return Bind(std::string_view(value)); }
  Query& Bind(const char* value) { return Bind(std::string_view(value)); }
  Query& Bind(bool value) { return Bind(static_cast<int64_t>(value ? 1 : 0)); }
  Query& BindNull();
  template <typename T>
  Query& Bind(const std::optional<T>& value) {
    return value ? Bind(*value) : BindNull();
  }

  // Steps to the next row: true if there is one.
  Result<bool> Next() { return statement_->Step(); }
  // Runs a statement that returns no rows; returns the number of changed rows.
  Result<int64_t> Run();
  // Releases the statement's results before the caller ends the transaction.
  void Finish() { statement_->Reset(); }

  int64_t Int(int column) const { return statement_->ColumnInt(column); }
  std::string Text(int column) const { return std::string(statement_->ColumnText(column)); }
  std::string_view TextView(int column) const { return statement_->ColumnText(column); }
  bool IsNull(int column) const { return statement_->IsNull(column); }
  std::optional<int64_t> OptionalInt(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<int64_t>(Int(column));
  }
  std::optional<std::string> OptionalText(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<std::string>(Text(column));
  }

 private:
  explicit Query(Statement* statement) : statement_(statement) {}
  Statement* statement_;  // owned by the connection
  int next_index_ = 1;
};

// Runs `sql` with `args` bound in order and returns the changed-row count.
template <typename... Args>
Result<int64_t> ExecuteSql(Connection& connection, std::string_view sql, const Args&... args) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  (query.Bind(args), ...);
  return query.Run();
}

}  // namespace muster
