// muster_pg_bench: Muster's bulk write path on PostgreSQL beside PostgreSQL's COPY of the same
// rows, in one run, on one server.
//
// The PostgreSQL counterpart of muster_bench (bench/registry_bench.cc), with the same two
// workloads and the same report (docs/BENCHMARKS.md):
//
//   persons    Muster: LoadSyntheticPopulation through a Registry whose store is a PostgreSQL
//              database — validation, one PersonRegistered (and GroundGranted) event per person
//              with canonical JSON and the SHA-256 hash chain, the projection rows.
//              Peer: the persons and person_identifiers rows Muster stored, exported with
//              `COPY (SELECT …) TO STDOUT (FORMAT csv)` and loaded with
//              `COPY … FROM STDIN (FORMAT csv)` into a second database whose schema Muster's own
//              migrations created (same columns, keys, indexes and foreign keys).
//   summonses  Muster: IssueBatch of M summonses with the default channels.
//              Peer: the summonses rows Muster stored, loaded the same way.
//
// A second, informative peer ("all rows") COPYs every row Muster added in the workload, ledger
// events and commands included, into a third database with the same schema.
//
// The server is a throwaway cluster from tests/testing/postgres_server.h (initdb into a
// temporary directory, a free loopback port, stopped and deleted at exit); Muster and both
// peers use that one server, so they run with the same settings, which the report prints.
// Before every timed section the server is quiesced (CHECKPOINT, no autovacuum worker
// running), and after it the tables just written are VACUUMed and ANALYZEd (what autovacuum
// would soon do), so that one side's background work does not land in the other's timing.
// Only the workload (Muster) and the COPY statements (peer) are timed. Beside the rates the
// report counts the statements Muster sent one at a time and times a bare round trip, which
// is where Muster's time goes on this engine.
//
// A benchmark is not a test: the program exits 0 whether or not the target (Muster at least
// half the COPY rate) is met, and non-zero only when it cannot run.
#include <arpa/inet.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "app/population_loader.h"
#include "app/progress.h"
#include "registry/registry.h"
#include "store/engines/open.h"
#include "store/migrations.h"
#include "testing/postgres_server.h"

#ifndef MUSTER_SOURCE_DIR
#define MUSTER_SOURCE_DIR "."
#endif

namespace muster {
namespace {

namespace fs = std::filesystem;
using bench::CpuTime;
using bench::Join;
using bench::MiB;
using bench::ProcessCpuTime;
using bench::ReadFile;
using bench::ReadProfile;
using bench::SecondsSince;
using bench::Thousands;
using testing::PostgresServer;

constexpr double kTargetRatio = 0.5;
constexpr std::string_view kProfileId = "ru-127fz";
constexpr std::string_view kSimulatedStart = "2026-04-01T09:00:00+03:00";
constexpr const char* kMusterDatabase = "muster";
// Executions of a trivial prepared statement that measure one round trip before each workload.
constexpr int kRoundTrips = 20000;

// The server settings the report shows: durability first, then memory, WAL and background
// work.
constexpr const char* kReportedSettings[] = {
    "fsync",       "synchronous_commit", "full_page_writes",   "wal_level", "shared_buffers",
    "wal_buffers", "max_wal_size",       "checkpoint_timeout", "work_mem",  "autovacuum",
    "jit",         "max_connections"};

// Every table the two workloads write, parents before children so that the all-rows peer can
// load them in this order with foreign keys checked. `key` only grows as rows are added (ids
// from id_counters, identity columns, the ledger seq; person_identifiers rows belong to new
// persons), so the rows a workload added are those above the highest key before it. `order`
// is the order they were inserted in (person_identifiers: the heap order of an insert-only
// table), so the peer inserts them in Muster's order, as muster_bench's `ORDER BY rowid`.
struct WrittenTable {
  std::string_view table;
  std::string_view key;
  std::string_view order;
};
constexpr WrittenTable kWrittenTables[] = {
    {"persons", "person_id", "person_id"},
    {"person_identifiers", "person_id", "ctid"},
    {"grounds", "ground_id", "ground_id"},
    {"summonses", "summons_id", "summons_id"},
    {"service_attempts", "attempt_id", "attempt_id"},
    {"measures", "measure_id", "measure_id"},
    {"decisions", "decision_id", "decision_id"},
    {"due_actions", "action_id", "action_id"},
    {"ledger_events", "seq", "seq"},
    {"commands", "command_id", "command_id"},
};

const WrittenTable& FindTable(std::string_view name) {
  for (const WrittenTable& table : kWrittenTables) {
    if (table.table == name) return table;
  }
  std::abort();  // a table name in this file that is not in kWrittenTables
}

struct Options {
  int64_t persons = 1000000;
  int64_t summonses = 100000;
  uint64_t seed = 1;
  int64_t batch = LoadOptions{}.batch_size;  // persons per transaction, as `muster generate`
  std::string dir;  // CSV scratch; empty: a fresh mkdtemp directory under /tmp, removed afterwards
  bool keep = false;
};

// /proc/PID/stat of another process: its parent, its CPU time and that of its reaped children.
struct ProcStat {
  bool ok = false;
  long parent = 0;
  CpuTime own;
  CpuTime children;
};

ProcStat ReadProcStat(long pid) {
  ProcStat stat;
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return stat;
  std::istringstream fields(text.substr(paren + 1));
  std::vector<std::string> field;  // field[0] is stat's third field, the state
  for (std::string word; fields >> word && field.size() < 15;) field.push_back(word);
  if (field.size() < 15) return stat;
  static const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  auto seconds = [&](size_t index) { return std::stod(field[index]) / tick; };
  stat.ok = true;
  stat.parent = std::stol(field[1]);
  stat.own = {.user = seconds(11), .system = seconds(12)};
  stat.children = {.user = seconds(13), .system = seconds(14)};
  return stat;
}

// Data segments a TCP socket of this process has sent. libpq sends each statement it runs on
// its own (PQexecPrepared, PQexec) in one segment and waits for the answer, so on Muster's
// connection the count is the number of round trips it made.
int64_t DataSegmentsSent(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return 0;
  return info.tcpi_data_segs_out;
}

// The socket of this process connected to 127.0.0.1:`port` other than `except`: Muster's
// store connection, which the Connection interface does not expose. -1 if there is none.
int FindServerSocket(int port, int except) {
  int found = -1;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    char* end = nullptr;
    long fd = std::strtol(entry.path().filename().c_str(), &end, 10);
    if (*end != '\0' || fd == except) continue;
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &length) != 0 ||
        peer.sin_family != AF_INET || ntohs(peer.sin_port) != port) {
      continue;
    }
    if (found >= 0) return -1;  // ambiguous
    found = static_cast<int>(fd);
  }
  return found;
}

// CPU used by the PostgreSQL server: one backend, and every server process together (the
// postmaster with the children it has reaped, plus its live children), so that background
// work — the WAL writer, the checkpointer, autovacuum workers that came and went — is counted.
struct ServerCpu {
  CpuTime backend;
  CpuTime all;
  ServerCpu operator-(const ServerCpu& other) const {
    return {.backend = backend - other.backend, .all = all - other.all};
  }
};

class ServerCpuMeter {
 public:
  explicit ServerCpuMeter(const PostgresServer& server) {
    std::ifstream pid_file(server.directory() / "data" / "postmaster.pid");
    pid_file >> postmaster_;
  }
  ServerCpu Read(long backend) const {
    ServerCpu cpu;
    cpu.backend = ReadProcStat(backend).own;
    ProcStat postmaster = ReadProcStat(postmaster_);
    cpu.all = {.user = postmaster.own.user + postmaster.children.user,
               .system = postmaster.own.system + postmaster.children.system};
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return cpu;
    while (dirent* entry = readdir(proc)) {
      char* end = nullptr;
      long pid = std::strtol(entry->d_name, &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      ProcStat stat = ReadProcStat(pid);
      if (!stat.ok || stat.parent != postmaster_) continue;
      cpu.all.user += stat.own.user;
      cpu.all.system += stat.own.system;
    }
    closedir(proc);
    return cpu;
  }

 private:
  long postmaster_ = 0;
};

// A plain libpq connection for what the store interface does not do: COPY in both directions,
// the server's own functions (WAL position, sizes), VACUUM and CHECKPOINT.
class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url) {
    PGconn* raw = PQconnectdb(url.c_str());
    if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) {
      std::string message = raw ? PQerrorMessage(raw) : "out of memory";
      if (raw) PQfinish(raw);
      return Unavailable("cannot connect to the benchmark's server: " + message);
    }
    return std::unique_ptr<PgConnection>(new PgConnection(raw));
  }
  ~PgConnection() { PQfinish(connection_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements without parameters) and returns the last result's
  // rows, each a vector of column texts.
  Result<std::vector<std::vector<std::string>>> Rows(const std::string& sql) {
    PGresult* result = PQexec(connection_, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      Status error = Failed(result, sql);
      PQclear(result);
      return error;
    }
    std::vector<std::vector<std::string>> rows;
    for (int row = 0; row < PQntuples(result); ++row) {
      std::vector<std::string>& columns = rows.emplace_back();
      for (int column = 0; column < PQnfields(result); ++column) {
        columns.emplace_back(PQgetvalue(result, row, column));
      }
    }
    PQclear(result);
    return rows;
  }
  Status Execute(const std::string& sql) { return Rows(sql).status(); }
  Result<std::string> Text(const std::string& sql) {
    ASSIGN_OR_RETURN(auto rows, Rows(sql));
    if (rows.empty() || rows[0].empty()) return Internal("no value from: " + sql);
    return rows[0][0];
  }
  Result<int64_t> Int(const std::string& sql) {
    ASSIGN_OR_RETURN(std::string text, Text(sql));
    return static_cast<int64_t>(std::stoll(text));
  }
  long BackendPid() const { return PQbackendPID(connection_); }
  int Socket() const { return PQsocket(connection_); }

  // The mean time, in seconds, of one execution of a trivial prepared statement: what every
  // statement sent on its own costs in round trip alone.
  Result<double> RoundTrip(int times) {
    bool ok = true;
    Status status;
    if (!round_trip_prepared_) {
      PGresult* prepared =
          PQprepare(connection_, "bench_round_trip", "SELECT $1::bigint", 0, nullptr);
      ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
      if (!ok) status = Failed(prepared, "PREPARE");
      PQclear(prepared);
      RETURN_IF_ERROR(status);
      round_trip_prepared_ = true;
    }
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < times; ++i) {
      std::string value = std::to_string(i);
      const char* values[] = {value.c_str()};
      PGresult* result =
          PQexecPrepared(connection_, "bench_round_trip", 1, values, nullptr, nullptr, 0);
      ok = PQresultStatus(result) == PGRES_TUPLES_OK;
      if (!ok) status = Failed(result, "SELECT $1::bigint");
      PQclear(result);
      RETURN_IF_ERROR(status);
    }
    return SecondsSince(start) / times;
  }

  // Runs `COPY … TO STDOUT` and writes what it sends to `path`. Returns the rows copied.
  Result<int64_t> CopyOut(const std::string& sql, const fs::path& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) return Internal("cannot write " + path.string());
    RETURN_IF_ERROR(StartCopy(sql, PGRES_COPY_OUT));
    while (true) {
      char* buffer = nullptr;
      int length = PQgetCopyData(connection_, &buffer, /*async=*/0);
      if (length == -1) break;  // done
      if (length < 0)
        return Internal("COPY TO failed: " + std::string(PQerrorMessage(connection_)));
      size_t written = std::fwrite(buffer, 1, static_cast<size_t>(length), file.get());
      PQfreemem(buffer);
      if (written != static_cast<size_t>(length)) return Internal("cannot write " + path.string());
    }
    if (std::fflush(file.get()) != 0) return Internal("cannot write " + path.string());
    return FinishCopy(sql);
  }

  // Runs `COPY … FROM STDIN` with the contents of `path`. Returns the rows the server stored.
  Result<int64_t> CopyIn(const std::string& sql, const fs::path& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return Internal("cannot read " + path.string());
    RETURN_IF_ERROR(StartCopy(sql, PGRES_COPY_IN));
    std::vector<char> buffer(1 << 20);
    while (size_t length = std::fread(buffer.data(), 1, buffer.size(), file.get())) {
      if (PQputCopyData(connection_, buffer.data(), static_cast<int>(length)) != 1) {
        return Internal("COPY FROM failed: " + std::string(PQerrorMessage(connection_)));
      }
    }
    const char* error = std::ferror(file.get()) ? "could not read the CSV file" : nullptr;
    if (PQputCopyEnd(connection_, error) != 1) {
      return Internal("COPY FROM failed: " + std::string(PQerrorMessage(connection_)));
    }
    return FinishCopy(sql);
  }

 private:
  explicit PgConnection(PGconn* connection) : connection_(connection) {}

  Status Failed(const PGresult* result, const std::string& sql) const {
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(connection_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Internal("postgresql: " + message + " (in: " + sql.substr(0, 200) + ")");
  }
  Status StartCopy(const std::string& sql, ExecStatusType expected) {
    PGresult* result = PQexec(connection_, sql.c_str());
    bool ok = PQresultStatus(result) == expected;
    Status status = ok ? Status::Ok() : Failed(result, sql);
    PQclear(result);
    return status;
  }
  Result<int64_t> FinishCopy(const std::string& sql) {
    Result<int64_t> rows = Internal("no result for: " + sql);
    while (PGresult* result = PQgetResult(connection_)) {
      if (PQresultStatus(result) == PGRES_COMMAND_OK) {
        rows = static_cast<int64_t>(std::atoll(PQcmdTuples(result)));
      } else {
        rows = Failed(result, sql);
      }
      PQclear(result);
    }
    return rows;
  }

  PGconn* connection_;
  bool round_trip_prepared_ = false;
};

// Rows and the highest key of every written table at one moment.
struct TableState {
  int64_t rows = 0;
  int64_t max_key = 0;
};
using Snapshot = std::map<std::string, TableState>;

Result<Snapshot> TakeSnapshot(PgConnection& database) {
  Snapshot snapshot;
  for (const WrittenTable& table : kWrittenTables) {
    ASSIGN_OR_RETURN(auto rows,
                     database.Rows("SELECT COUNT(*), COALESCE(MAX(" + std::string(table.key) +
                                   "), 0) FROM " + std::string(table.table)));
    snapshot[std::string(table.table)] = {.rows = std::stoll(rows[0][0]),
                                          .max_key = std::stoll(rows[0][1])};
  }
  return snapshot;
}

// Waits until the server has no background work of its own in flight: a CHECKPOINT writes out
// what earlier sections left dirty, and no autovacuum worker may be running.
Status Quiesce(PgConnection& any) {
  RETURN_IF_ERROR(any.Execute("CHECKPOINT"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (true) {
    ASSIGN_OR_RETURN(int64_t workers, any.Int("SELECT COUNT(*) FROM pg_stat_activity "
                                              "WHERE backend_type = 'autovacuum worker'"));
    if (workers == 0) return Status::Ok();
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "note: autovacuum still running after 10 minutes; going on\n");
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// VACUUM (ANALYZE) of `tables` in the database `connection` is connected to, then Quiesce:
// what autovacuum would do on its own soon after a bulk load, done now and outside every
// timing. Only the tables written: like autovacuum, it leaves a table that never had a row
// alone, and a table VACUUMed while empty would change the plans Muster's prepared statements
// get later (see docs/BENCHMARKS.md).
Status Settle(PgConnection& connection, const std::vector<std::string>& tables) {
  if (!tables.empty()) {
    std::string list;
    for (const std::string& table : tables) list += (list.empty() ? "" : ", ") + table;
    RETURN_IF_ERROR(connection.Execute("VACUUM (ANALYZE) " + list));
  }
  return Quiesce(connection);
}

Result<int64_t> WalPosition(PgConnection& any) {
  return any.Int("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
}

Result<int64_t> DatabaseBytes(PgConnection& any, const std::string& database) {
  return any.Int("SELECT pg_database_size('" + database + "')");
}

// Autovacuum and autoanalyze runs so far on the tables of the database `connection` is on.
Result<int64_t> AutovacuumRuns(PgConnection& connection) {
  return connection.Int(
      "SELECT COALESCE(SUM(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables");
}

// What one peer did for one workload.
struct PeerRun {
  double seconds = 0;
  int64_t csv_rows = 0;
  int64_t csv_bytes = 0;
  int64_t database_bytes = 0;  // after the COPY
  int64_t wal_bytes = 0;       // WAL the server wrote during the COPY
  ServerCpu server_cpu;        // during the COPY
};

// One peer: a database with Muster's schema that receives, by COPY, rows Muster stored. Each
// Import exports the rows Muster added since a snapshot to CSV (untimed), quiesces the server,
// runs one COPY per table over one connection, each its own transaction (timed), checks that
// every row arrived, and settles the peer's database (untimed).
class Peer {
 public:
  Peer(const Options& options, const PostgresServer& server, const ServerCpuMeter& meter,
       fs::path dir, std::string name)
      : options_(options),
        server_(server),
        meter_(meter),
        dir_(std::move(dir)),
        name_(std::move(name)) {}

  // Creates the peer's database and runs Muster's migrations in it: every table, key, index
  // and foreign key Muster's store has.
  Status Create() {
    RETURN_IF_ERROR(server_.CreateDatabase(name_));
    ASSIGN_OR_RETURN(auto store, OpenStore(server_.UrlFor(name_), OpenMode::kCreate));
    return Migrate(*store);
  }

  Result<PeerRun> Import(PgConnection& muster, const std::vector<std::string>& tables,
                         const Snapshot& since) {
    PeerRun run;
    ++imports_;
    std::map<std::string, int64_t> expected;
    for (const std::string& name : tables) {
      const WrittenTable& table = FindTable(name);
      std::string copy_out = "COPY (SELECT * FROM " + name + " WHERE " + std::string(table.key) +
                             " > " + std::to_string(After(since, name)) + " ORDER BY " +
                             std::string(table.order) + ") TO STDOUT WITH (FORMAT csv)";
      ASSIGN_OR_RETURN(expected[name], muster.CopyOut(copy_out, Csv(name)));
      run.csv_rows += expected[name];
      std::error_code error;
      run.csv_bytes += static_cast<int64_t>(fs::file_size(Csv(name), error));
    }

    ASSIGN_OR_RETURN(auto peer, PgConnection::Open(server_.UrlFor(name_)));
    RETURN_IF_ERROR(Quiesce(*peer));
    ASSIGN_OR_RETURN(int64_t wal_before, WalPosition(muster));
    ServerCpu cpu_before = meter_.Read(peer->BackendPid());
    auto timer = std::chrono::steady_clock::now();
    for (const std::string& name : tables) {
      ASSIGN_OR_RETURN(int64_t stored,
                       peer->CopyIn("COPY " + name + " FROM STDIN WITH (FORMAT csv)", Csv(name)));
      if (stored != expected[name]) {
        return Internal("peer " + name_ + ": COPY stored " + std::to_string(stored) + " of " +
                        std::to_string(expected[name]) + " rows of " + name);
      }
    }
    run.seconds = SecondsSince(timer);
    run.server_cpu = meter_.Read(peer->BackendPid()) - cpu_before;
    ASSIGN_OR_RETURN(int64_t wal_after, WalPosition(muster));
    run.wal_bytes = wal_after - wal_before;
    ASSIGN_OR_RETURN(run.database_bytes, DatabaseBytes(muster, name_));

    if (!options_.keep) {
      std::error_code error;
      for (const std::string& name : tables) fs::remove(Csv(name), error);
    }
    RETURN_IF_ERROR(Settle(*peer, tables));
    return run;
  }

 private:
  static int64_t After(const Snapshot& since, const std::string& table) {
    auto found = since.find(table);
    return found == since.end() ? 0 : found->second.max_key;
  }
  // "peer-1-persons.csv": the peer, the workload, the table.
  fs::path Csv(const std::string& table) const {
    return dir_ / (name_ + "-" + std::to_string(imports_) + "-" + table + ".csv");
  }

  const Options& options_;
  const PostgresServer& server_;
  const ServerCpuMeter& meter_;
  fs::path dir_;
  std::string name_;
  int imports_ = 0;
};

// One workload's figures: Muster beside the peers.
struct Measurement {
  std::string name;
  std::string unit;           // what a row is: "person", "summons"
  int64_t rows = 0;           // rows of the unit written by Muster and by the first peer
  double muster_seconds = 0;  // the workload, then closing the store
  CpuTime muster_cpu;         // CPU this process (Muster and libpq) used in those seconds
  ServerCpu server_cpu;       // CPU the server used: Muster's backend, all processes
  int64_t wal_bytes = 0;      // WAL the server wrote during the workload
  int64_t round_trips = 0;    // statements Muster sent one at a time (TCP data segments)
  double round_trip = 0;      // seconds for a trivial statement, measured just before
  int64_t autovacuum_runs = 0;
  int64_t considered = 0;                  // summonses: candidates the gates were run for
  std::map<std::string, int64_t> refused;  // summonses: gate → candidates it refused
  int64_t events = 0;                      // ledger events Muster appended
  int64_t muster_bytes = 0;                // Muster's database after the workload
  std::map<std::string, int64_t> muster_rows_by_table;  // rows Muster added, per table
  std::vector<std::string> peer_tables;
  PeerRun peer;      // the unit's own tables
  PeerRun peer_all;  // every row Muster added

  double MusterRate() const { return Rate(muster_seconds); }
  double PeerRate() const { return Rate(peer.seconds); }
  double Ratio() const { return PeerRate() > 0 ? MusterRate() / PeerRate() : 0; }
  double AllRowsRatio() const {
    return Rate(peer_all.seconds) > 0 ? MusterRate() / Rate(peer_all.seconds) : 0;
  }

 private:
  double Rate(double seconds) const {
    return seconds > 0 ? static_cast<double>(rows) / seconds : 0;
  }
};

std::string CpuText(const ServerCpu& cpu) {
  char text[160];
  std::snprintf(text, sizeof text,
                "server CPU %.2f s (of which the connection's backend %.2f s: user %.2f, "
                "system %.2f)",
                cpu.all.total(), cpu.backend.total(), cpu.backend.user, cpu.backend.system);
  return text;
}

void PrintReport(const Options& options, const std::vector<Measurement>& measurements,
                 const std::string& version, const std::string& settings) {
  std::printf(
      "\nmuster_pg_bench: Muster's write path on PostgreSQL beside COPY of the same rows\n");
  std::printf("persons %lld (%lld per transaction), summonses %lld, seed %llu, profile %.*s\n",
              static_cast<long long>(options.persons), static_cast<long long>(options.batch),
              static_cast<long long>(options.summonses),
              static_cast<unsigned long long>(options.seed), static_cast<int>(kProfileId.size()),
              kProfileId.data());
  std::printf(
      "server: %s, a throwaway cluster (tests/testing/postgres_server.h) on 127.0.0.1, the same "
      "one for Muster and the peers; %s\n",
      version.c_str(), settings.c_str());
  std::printf(
      "Muster: its PostgreSQL store, one libpq connection over TCP loopback; peer: COPY … FROM "
      "STDIN (FORMAT csv) through libpq over the same loopback, one COPY (one transaction) per "
      "table, into a database with Muster's schema\n\n");
  std::printf("%-10s %10s | %9s %13s | %9s %14s | %6s\n", "workload", "rows", "Muster s",
              "Muster rows/s", "COPY s", "COPY rows/s", "ratio");
  std::printf("%s\n", std::string(86, '-').c_str());
  for (const Measurement& m : measurements) {
    std::printf("%-10s %10s | %9.2f %13s | %9.2f %14s | %5.2fx\n", m.name.c_str(),
                Thousands(static_cast<double>(m.rows)).c_str(), m.muster_seconds,
                Thousands(m.MusterRate()).c_str(), m.peer.seconds, Thousands(m.PeerRate()).c_str(),
                m.Ratio());
  }
  std::printf("\n");
  for (const Measurement& m : measurements) {
    std::printf("%s\n", m.name.c_str());
    std::printf(
        "  Muster: %s events (%.2f per %s); database %s; WAL written %s; CPU: Muster's process "
        "user %.2f s, system %.2f s; %s; autovacuum/autoanalyze runs during the workload: %lld\n",
        Thousands(static_cast<double>(m.events)).c_str(),
        m.rows > 0 ? static_cast<double>(m.events) / static_cast<double>(m.rows) : 0.0,
        m.unit.c_str(), MiB(m.muster_bytes).c_str(), MiB(m.wal_bytes).c_str(), m.muster_cpu.user,
        m.muster_cpu.system, CpuText(m.server_cpu).c_str(),
        static_cast<long long>(m.autovacuum_runs));
    std::printf(
        "  Muster sent %s statements one at a time (%.1f per %s; TCP data segments from its "
        "connection): %.1f us of wall time per statement, beside %.1f us for the round trip of "
        "a trivial prepared statement (SELECT $1, mean of %s just before the workload)\n",
        Thousands(static_cast<double>(m.round_trips)).c_str(),
        m.rows > 0 ? static_cast<double>(m.round_trips) / static_cast<double>(m.rows) : 0.0,
        m.unit.c_str(),
        m.round_trips > 0 ? m.muster_seconds / static_cast<double>(m.round_trips) * 1e6 : 0.0,
        m.round_trip * 1e6, Thousands(kRoundTrips).c_str());
    if (m.considered > 0) {
      std::string refused;
      for (const auto& [gate, count] : m.refused) {
        refused +=
            (refused.empty() ? "" : ", ") + gate + " " + Thousands(static_cast<double>(count));
      }
      std::printf("  Muster ran the gates for %s candidates; refused: %s\n",
                  Thousands(static_cast<double>(m.considered)).c_str(),
                  refused.empty() ? "none" : refused.c_str());
    }
    std::string tables;
    for (const auto& [table, added] : m.muster_rows_by_table) {
      if (added == 0) continue;
      tables += (tables.empty() ? "" : ", ") + table + " " + Thousands(static_cast<double>(added));
    }
    std::printf("  Muster added rows: %s\n", tables.c_str());
    std::printf("  COPY (%s): %s CSV rows, %s of CSV; WAL written %s; %s; peer database %s\n",
                Join(m.peer_tables).c_str(),
                Thousands(static_cast<double>(m.peer.csv_rows)).c_str(),
                MiB(m.peer.csv_bytes).c_str(), MiB(m.peer.wal_bytes).c_str(),
                CpuText(m.peer.server_cpu).c_str(), MiB(m.peer.database_bytes).c_str());
    std::printf(
        "  COPY of every row Muster added (informative): %s CSV rows, %s of CSV in %.2f s; "
        "Muster / this = %.2fx\n",
        Thousands(static_cast<double>(m.peer_all.csv_rows)).c_str(),
        MiB(m.peer_all.csv_bytes).c_str(), m.peer_all.seconds, m.AllRowsRatio());
  }
  bool met = true;
  for (const Measurement& m : measurements) met = met && m.Ratio() >= kTargetRatio;
  std::printf("\ntarget %.1fx: %s\n", kTargetRatio, met ? "met" : "missed");
}

// Summonses are signed when issued: the key directory sits beside the server's data.
fs::path KeyDirectory(const PostgresServer& server) { return server.directory() / "muster.keys"; }

Result<std::unique_ptr<Registry>> OpenMuster(const PostgresServer& server) {
  ASSIGN_OR_RETURN(auto connection, OpenStore(server.UrlFor(kMusterDatabase), OpenMode::kExisting));
  ASSIGN_OR_RETURN(auto registry, Registry::Open(std::move(connection)));
  RETURN_IF_ERROR(registry->EnableSigning(KeyDirectory(server)));
  return registry;
}

// Everything about one timed Muster workload: its start, then (Finish) its end, what it wrote,
// and both peers' COPY of the same rows.
class MusterTimer {
 public:
  MusterTimer(const ServerCpuMeter& meter, PgConnection& admin, int port)
      : meter_(meter), admin_(admin), port_(port) {}

  // Quiesces the server, takes the snapshot the peers export from, then starts the clock.
  Status Start(Registry& registry, Measurement& m) {
    RETURN_IF_ERROR(Quiesce(admin_));
    ASSIGN_OR_RETURN(m.round_trip, admin_.RoundTrip(kRoundTrips));
    ASSIGN_OR_RETURN(before_, TakeSnapshot(admin_));
    ASSIGN_OR_RETURN(autovacuum_before_, AutovacuumRuns(admin_));
    ASSIGN_OR_RETURN(Query pid, Query::Make(registry.connection(), "SELECT pg_backend_pid()"));
    ASSIGN_OR_RETURN(bool has_row, pid.Next());
    backend_ = has_row ? static_cast<long>(pid.Int(0)) : 0;
    pid.Finish();
    ASSIGN_OR_RETURN(wal_before_, WalPosition(admin_));
    server_cpu_before_ = meter_.Read(backend_);
    socket_ = FindServerSocket(port_, admin_.Socket());
    segments_before_ = DataSegmentsSent(socket_);
    cpu_before_ = ProcessCpuTime();
    start_ = std::chrono::steady_clock::now();
    return Status::Ok();
  }

  // Stops the clock after closing the store (untimed afterwards: the rest), settles Muster's
  // database, runs both peers and reopens the registry.
  Status Finish(std::unique_ptr<Registry>& registry, const PostgresServer& server, Peer& peer,
                Peer& peer_all, Measurement& m) {
    ServerCpu server_cpu = meter_.Read(backend_);  // before the backend exits with the close
    m.round_trips = DataSegmentsSent(socket_) - segments_before_;
    registry.reset();
    m.muster_seconds = SecondsSince(start_);
    m.muster_cpu = ProcessCpuTime() - cpu_before_;
    m.server_cpu = server_cpu - server_cpu_before_;
    ASSIGN_OR_RETURN(int64_t wal_after, WalPosition(admin_));
    m.wal_bytes = wal_after - wal_before_;
    ASSIGN_OR_RETURN(int64_t autovacuum_after, AutovacuumRuns(admin_));
    m.autovacuum_runs = autovacuum_after - autovacuum_before_;
    ASSIGN_OR_RETURN(m.muster_bytes, DatabaseBytes(admin_, kMusterDatabase));

    ASSIGN_OR_RETURN(Snapshot after, TakeSnapshot(admin_));
    std::vector<std::string> written;
    for (const WrittenTable& entry : kWrittenTables) {
      std::string table(entry.table);
      int64_t added = after[table].rows - before_[table].rows;
      m.muster_rows_by_table[table] = added;
      if (added > 0) written.push_back(table);
    }
    m.events = m.muster_rows_by_table["ledger_events"];
    RETURN_IF_ERROR(Settle(admin_, written));

    std::fprintf(stderr, "peer: COPY %s\n", Join(m.peer_tables).c_str());
    ASSIGN_OR_RETURN(m.peer, peer.Import(admin_, m.peer_tables, before_));
    std::fprintf(stderr, "peer (all rows): COPY %s\n", Join(written).c_str());
    ASSIGN_OR_RETURN(m.peer_all, peer_all.Import(admin_, written, before_));
    ASSIGN_OR_RETURN(registry, OpenMuster(server));
    return Status::Ok();
  }

 private:
  const ServerCpuMeter& meter_;
  PgConnection& admin_;
  int port_;
  Snapshot before_;
  int64_t autovacuum_before_ = 0;
  long backend_ = 0;
  int64_t wal_before_ = 0;
  ServerCpu server_cpu_before_;
  int socket_ = -1;
  int64_t segments_before_ = 0;
  CpuTime cpu_before_;
  std::chrono::steady_clock::time_point start_;
};

Status Run(const Options& options, const fs::path& dir) {
  ASSIGN_OR_RETURN(std::string profile_text, ReadProfile(kProfileId));
  ASSIGN_OR_RETURN(Instant start, ParseInstant(kSimulatedStart, "start"));
  std::fprintf(stderr, "starting a throwaway PostgreSQL server\n");
  // Declared first, so destroyed last: every connection closes before the server stops.
  ASSIGN_OR_RETURN(std::unique_ptr<PostgresServer> server, PostgresServer::Start());
  std::fprintf(stderr, "server: %s\n", server->directory().c_str());
  ServerCpuMeter meter(*server);

  RETURN_IF_ERROR(server->CreateDatabase(kMusterDatabase));
  Peer peer(options, *server, meter, dir, "peer");
  Peer peer_all(options, *server, meter, dir, "peer_all");
  RETURN_IF_ERROR(peer.Create());
  RETURN_IF_ERROR(peer_all.Create());

  ASSIGN_OR_RETURN(auto admin, PgConnection::Open(server->UrlFor(kMusterDatabase)));
  ASSIGN_OR_RETURN(std::string version, admin->Text("SELECT 'PostgreSQL ' || "
                                                    "current_setting('server_version')"));
  std::string settings;
  for (const char* name : kReportedSettings) {
    ASSIGN_OR_RETURN(std::string value,
                     admin->Text("SELECT current_setting('" + std::string(name) + "')"));
    settings += (settings.empty() ? "" : ", ") + std::string(name) + "=" + value;
  }

  ASSIGN_OR_RETURN(auto connection, OpenStore(server->UrlFor(kMusterDatabase), OpenMode::kCreate));
  ASSIGN_OR_RETURN(auto registry, Registry::Create(std::move(connection), profile_text,
                                                   std::string(kProfileId) + ".toml", start));
  RETURN_IF_ERROR(registry->EnableSigning(KeyDirectory(*server)));
  RETURN_IF_ERROR(registry->RotateSigningKey().status());
  std::vector<Measurement> measurements;

  // Workload 1: the population.
  {
    Measurement m{.name = "persons", .unit = "person"};
    m.peer_tables = {"persons", "person_identifiers"};
    LoadOptions load{.count = options.persons, .seed = options.seed, .batch_size = options.batch};
    MusterTimer timer(meter, *admin, server->port());
    RETURN_IF_ERROR(timer.Start(*registry, m));
    ProgressLine progress("muster: load persons");
    ASSIGN_OR_RETURN(m.rows,
                     LoadSyntheticPopulation(*registry, load, [&](int64_t done, int64_t total) {
                       progress.Update(done, total);
                     }));
    progress.Finish(m.rows, "persons");
    RETURN_IF_ERROR(timer.Finish(registry, *server, peer, peer_all, m));
    measurements.push_back(std::move(m));
  }

  // Workload 2: a batch of summonses to the liable persons.
  {
    Measurement m{.name = "summonses", .unit = "summons"};
    m.peer_tables = {"summonses"};
    Selection selection{.limit = options.summonses};
    SummonsRequest request;
    request.batch = "bench";
    MusterTimer timer(meter, *admin, server->port());
    RETURN_IF_ERROR(timer.Start(*registry, m));
    ProgressLine progress("muster: issue summonses");
    ASSIGN_OR_RETURN(BatchResult batch,
                     registry->IssueBatch(
                         {.idempotency_key = "bench-issue", .actor = "bench"}, selection, request,
                         [&](int64_t done, int64_t total) { progress.Update(done, total); }));
    progress.Finish(batch.issued, "summonses");
    m.rows = batch.issued;
    if (batch.issued < options.summonses) {
      std::fprintf(stderr, "note: only %lld of %lld summonses issued (%lld considered)\n",
                   static_cast<long long>(batch.issued), static_cast<long long>(options.summonses),
                   static_cast<long long>(batch.considered));
    }
    m.considered = batch.considered;
    m.refused = batch.refused;
    RETURN_IF_ERROR(timer.Finish(registry, *server, peer, peer_all, m));
    measurements.push_back(std::move(m));
  }

  registry.reset();
  admin.reset();
  PrintReport(options, measurements, version, settings);
  return Status::Ok();
}

}  // namespace
}  // namespace muster

int main(int argc, char** argv) {
  using namespace muster;
  Options options;
  CLI::App app{"muster_pg_bench: Muster's write path on PostgreSQL beside COPY of the same rows"};
  app.add_option("--persons", options.persons, "persons to generate and store")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--summonses", options.summonses, "summonses to issue")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", options.seed, "population seed")->capture_default_str();
  app.add_option("--batch", options.batch, "persons per transaction")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--dir", options.dir,
                 "scratch directory for the CSV files (default: a new one under /tmp); the "
                 "server's own directory is always a new one under /tmp");
  app.add_flag("--keep", options.keep,
               "keep the CSV files (the server and its databases are always removed)");
  CLI11_PARSE(app, argc, argv);

  bool made_dir = options.dir.empty();
  fs::path dir;
  if (made_dir) {
    std::string pattern = (fs::temp_directory_path() / "muster-pg-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("muster_pg_bench: mkdtemp");
      return 1;
    }
    dir = pattern;
  } else {
    dir = options.dir;
    std::error_code error;
    fs::create_directories(dir, error);
  }
  std::fprintf(stderr, "scratch directory: %s\n", dir.string().c_str());
  Status status = Run(options, dir);
  if (options.keep) {
    std::fprintf(stderr, "kept: %s\n", dir.string().c_str());
  } else if (made_dir) {
    std::error_code error;
    fs::remove_all(dir, error);
  } else {
    // The peers remove their CSV files after each COPY; these are what an error left behind.
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      std::string name = entry.path().filename().string();
      if ((name.starts_with("peer-") || name.starts_with("peer_all-")) && name.ends_with(".csv")) {
        fs::remove(entry.path(), error);
      }
    }
  }
  if (!status.ok()) {
    std::fprintf(stderr, "muster_pg_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
