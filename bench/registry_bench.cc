// muster_bench: Muster's bulk write path beside `sqlite3 .import` of the same rows, in one run.
//
// Two workloads, each measured against its peer on the same machine in the same run
// (DESIGN.md §4):
//
//   persons    Muster: LoadSyntheticPopulation, the write path `muster generate` and the demo
//              use — validation, one PersonRegistered (and GroundGranted) event per person with
//              canonical JSON and the SHA-256 hash chain, and the projection rows, 10,000
//              persons per transaction.
//              Peer: the persons and person_identifiers rows Muster stored, exported as CSV and
//              loaded with `sqlite3 .import` into tables created from the very CREATE TABLE and
//              CREATE INDEX statements in Muster's store (same columns, primary keys, unique
//              keys, secondary indexes and foreign keys).
//   summonses  Muster: IssueBatch of M summonses with the default channels — gates, the
//              SummonsIssued event, dispatch marks, service on the portal, the measures that
//              start on service, due actions.
//              Peer: the summonses rows Muster stored, loaded the same way.
//
// A second, informative peer ("all rows") imports every row Muster added in the workload —
// ledger events and commands included — into a copy of Muster's whole schema. Muster's time
// over that peer's is the cost of doing the work row by row with its checks, JSON and hash
// chain; the all-rows peer's time over the first peer's is the cost of simply storing more.
//
// Both peers run with the store's own settings (WAL, synchronous=FULL, foreign_keys=ON, 64 MiB
// cache). Only the `sqlite3` child that imports is timed; exporting the CSV and creating the
// peer's schema are not. A benchmark is not a test: the program exits 0 whether or not the
// target (Muster at least half the .import rate) is met, and non-zero only when it cannot run.
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "app/population_loader.h"
#include "app/progress.h"
#include "registry/registry.h"
#include "store/engines/open.h"

#ifndef MUSTER_SOURCE_DIR
#define MUSTER_SOURCE_DIR "."
#endif

extern char** environ;

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

constexpr double kTargetRatio = 0.5;
constexpr std::string_view kProfileId = "ru-127fz";
constexpr std::string_view kSimulatedStart = "2026-04-01T09:00:00+03:00";
// The settings Muster's SQLite engine opens every connection with (store/sqlite), applied to
// the peers' connections too. journal_mode = WAL is persistent and set with the schema.
constexpr std::string_view kStorePragmas =
    "PRAGMA synchronous = FULL;\nPRAGMA foreign_keys = ON;\nPRAGMA cache_size = -65536;\n"
    "PRAGMA temp_store = MEMORY;\n";

// Every table the two workloads write, parents before children so that the all-rows peer can
// load them in this order with foreign keys on.
constexpr std::string_view kWrittenTables[] = {
    "persons",  "person_identifiers", "grounds",     "summonses",     "service_attempts",
    "measures", "decisions",          "due_actions", "ledger_events", "commands"};

struct Options {
  int64_t persons = 1000000;
  int64_t summonses = 100000;
  uint64_t seed = 1;
  int64_t batch = LoadOptions{}.batch_size;  // persons per transaction, as `muster generate`
  std::string dir;  // empty: a fresh mkdtemp directory under /tmp, removed afterwards
  std::string sqlite3 = "sqlite3";
  bool keep = false;
};

// The files the benchmark creates, so that it removes exactly those.
class Scratch {
 public:
  explicit Scratch(fs::path dir) : dir_(std::move(dir)) {}
  const fs::path& dir() const { return dir_; }
  // A path in the scratch directory, registered for removal.
  fs::path File(const std::string& name) {
    fs::path path = dir_ / name;
    files_.push_back(path);
    return path;
  }
  // A database path, registered with its -wal and -shm companions.
  fs::path Database(const std::string& name) {
    File(name + "-wal");
    File(name + "-shm");
    return File(name);
  }
  void RemoveFiles() const {
    std::error_code error;
    for (const fs::path& path : files_) fs::remove(path, error);
  }

 private:
  fs::path dir_;
  std::vector<fs::path> files_;
};

// Rows and the highest rowid of a table at one moment.
struct TableState {
  int64_t rows = 0;
  int64_t max_rowid = 0;
};
using Snapshot = std::map<std::string, TableState>;

// What one peer did for one workload.
struct PeerRun {
  double seconds = 0;
  int64_t csv_rows = 0;
  int64_t csv_bytes = 0;
  uintmax_t database_bytes = 0;  // after the import, closed
};

// One workload's figures: Muster beside the peers.
struct Measurement {
  std::string name;
  std::string unit;                 // what a row is: "person", "summons"
  int64_t rows = 0;                 // rows of the unit written by Muster and by the first peer
  double muster_seconds = 0;        // the workload, then closing the store
  double muster_close_seconds = 0;  // of which closing: the final WAL checkpoint
  CpuTime muster_cpu;               // CPU time Muster used in those seconds
  int64_t considered = 0;           // summonses: candidates the gates were run for
  std::map<std::string, int64_t> refused;  // summonses: gate → candidates it refused
  int64_t events = 0;                      // ledger events Muster appended
  uintmax_t muster_bytes = 0;              // database size after the workload, closed
  uintmax_t muster_wal_bytes = 0;          // the WAL file left at the end of the timed workload
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

// The size of a database's main file plus its WAL. Measure a closed database: an open one's
// WAL keeps its high-water size.
uintmax_t DatabaseBytes(const fs::path& database) {
  uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code error;
    uintmax_t size = fs::file_size(database.string() + suffix, error);
    if (!error) total += size;
  }
  return total;
}

Status WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Internal("cannot write " + path.string());
  return Status::Ok();
}

// Runs a script of SQL and dot-commands with the sqlite3 shell against `database`.
Result<double> RunSqliteScript(const Options& options, const fs::path& database,
                               const fs::path& script_path, std::string_view script) {
  RETURN_IF_ERROR(WriteFile(script_path, script));
  return bench::RunChild({options.sqlite3, "-batch", "-bail", database.string(),
                   ".read '" + script_path.string() + "'"});
}

Result<int64_t> QueryInt(Connection& connection, const std::string& sql) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  int64_t value = has_row ? query.Int(0) : 0;
  query.Finish();
  return value;
}

Result<Snapshot> TakeSnapshot(Connection& connection) {
  Snapshot snapshot;
  for (std::string_view name : kWrittenTables) {
    std::string table(name);
    ASSIGN_OR_RETURN(Query query, Query::Make(connection,
                                              "SELECT COUNT(*), COALESCE(MAX(rowid), "
                                              "0) FROM " +
                                                  table));
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (has_row) snapshot[table] = {.rows = query.Int(0), .max_rowid = query.Int(1)};
    query.Finish();
  }
  return snapshot;
}

// One peer: a database that receives, by `sqlite3 .import`, rows Muster stored. Each Import
// exports the rows Muster added since a snapshot to CSV (untimed), gives the peer Muster's own
// CREATE statements for any table it does not have yet (untimed), then runs one sqlite3 process
// that imports every CSV, one .import (one transaction) per table in the order given (timed),
// and checks that every row arrived.
class Peer {
 public:
  Peer(const Options& options, Scratch& scratch, fs::path muster_db, std::string name)
      : options_(options),
        scratch_(scratch),
        muster_db_(std::move(muster_db)),
        name_(std::move(name)),
        database_(scratch.Database(name_ + ".db")) {}

  Result<PeerRun> Import(Connection& muster, const std::vector<std::string>& tables,
                         const Snapshot& since) {
    PeerRun run;
    // 1. Export Muster's new rows; the sqlite3 shell writes the CSV its own .import reads back.
    std::string export_script = ".mode csv\n.headers off\n";
    for (const std::string& table : tables) {
      export_script += ".output '" + Csv(table).string() + "'\nSELECT * FROM " + table +
                       " WHERE rowid > " + std::to_string(After(since, table)) +
                       " ORDER BY rowid;\n";
    }
    export_script += ".output stdout\n";
    RETURN_IF_ERROR(
        RunSqliteScript(options_, muster_db_, Script("export"), export_script).status());
    for (const std::string& table : tables) {
      std::error_code error;
      run.csv_bytes += static_cast<int64_t>(fs::file_size(Csv(table), error));
      ASSIGN_OR_RETURN(int64_t rows,
                       QueryInt(muster, "SELECT COUNT(*) FROM " + table + " WHERE rowid > " +
                                            std::to_string(After(since, table))));
      run.csv_rows += rows;
      expected_rows_[table] += rows;
    }

    // 2. The schema of tables new to the peer: Muster's CREATE TABLE, then its indexes.
    std::string schema = ".output /dev/null\nPRAGMA journal_mode = WAL;\n.output stdout\n";
    for (const std::string& table : tables) {
      if (!created_.insert(table).second) continue;
      ASSIGN_OR_RETURN(Query ddl, Query::Make(muster,
                                              "SELECT sql FROM sqlite_master WHERE tbl_name = $1 "
                                              "AND sql IS NOT NULL ORDER BY type DESC, name"));
      ddl.Bind(table);
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, ddl.Next());
        if (!has_row) break;
        std::string statement = ddl.Text(0) + ";\n";
        schema += statement;
        schema_ += statement;
      }
      ddl.Finish();
    }
    RETURN_IF_ERROR(RunSqliteScript(options_, database_, Script("schema"), schema).status());

    // 3. The timed import.
    std::string import_script(kStorePragmas);
    for (const std::string& table : tables) {
      import_script += ".import --csv '" + Csv(table).string() + "' " + table + "\n";
    }
    ASSIGN_OR_RETURN(run.seconds,
                     RunSqliteScript(options_, database_, Script("import"), import_script));
    run.database_bytes = DatabaseBytes(database_);

    // 4. A row .import cannot store is only a message on stderr, so count what arrived.
    ASSIGN_OR_RETURN(auto stored, CountRows());
    if (stored != expected_rows_) {
      std::string detail;
      for (const auto& [table, rows] : expected_rows_) {
        detail += " " + table + " " + std::to_string(stored[table]) + "/" + std::to_string(rows);
      }
      return Internal("peer " + name_ +
                      ": .import did not store every row (stored/expected):" + detail);
    }
    std::error_code error;
    for (const std::string& table : tables) fs::remove(Csv(table), error);
    return run;
  }

  // The CREATE statements the peer was given, for the report.
  const std::string& schema() const { return schema_; }

 private:
  static int64_t After(const Snapshot& since, const std::string& table) {
    auto found = since.find(table);
    return found == since.end() ? 0 : found->second.max_rowid;
  }
  fs::path Csv(const std::string& table) { return scratch_.File(name_ + "-" + table + ".csv"); }
  fs::path Script(const std::string& what) { return scratch_.File(name_ + "-" + what + ".sql"); }

  // Rows in each table the peer holds, read back through the shell.
  Result<std::map<std::string, int64_t>> CountRows() {
    fs::path output = scratch_.File(name_ + "-count.out");
    std::string script = ".mode list\n.output '" + output.string() + "'\n";
    for (const auto& [table, rows] : expected_rows_) {
      script += "SELECT '" + table + "', COUNT(*) FROM " + table + ";\n";
    }
    script += ".output stdout\n";
    RETURN_IF_ERROR(RunSqliteScript(options_, database_, Script("count"), script).status());
    ASSIGN_OR_RETURN(std::string text, ReadFile(output));
    std::map<std::string, int64_t> counts;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      size_t bar = line.find('|');
      if (bar != std::string::npos) counts[line.substr(0, bar)] = std::stoll(line.substr(bar + 1));
    }
    return counts;
  }

  const Options& options_;
  Scratch& scratch_;
  fs::path muster_db_;
  std::string name_;
  fs::path database_;
  std::string schema_;
  std::set<std::string> created_;
  std::map<std::string, int64_t> expected_rows_;  // table → rows the peer should hold
};

void PrintReport(const Options& options, const std::vector<Measurement>& measurements,
                 const std::string& peer_schema, const std::string& sqlite_version) {
  std::printf("\nmuster_bench: Muster's write path beside sqlite3 .import of the same rows\n");
  std::printf(
      "persons %lld (%lld per transaction), summonses %lld, seed %llu, profile %.*s; "
      "every database: SQLite WAL, synchronous=FULL, foreign_keys=ON, 64 MiB cache\n",
      static_cast<long long>(options.persons), static_cast<long long>(options.batch),
      static_cast<long long>(options.summonses), static_cast<unsigned long long>(options.seed),
      static_cast<int>(kProfileId.size()), kProfileId.data());
  std::printf("peer: the %s shell, .import --csv, one transaction per table\n\n",
              sqlite_version.c_str());
  std::printf("%-10s %10s | %9s %13s | %9s %14s | %6s\n", "workload", "rows", "Muster s",
              "Muster rows/s", ".import s", ".import rows/s", "ratio");
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
        "  Muster: %s events (%.2f per %s); database %s; the WAL had grown to %s by the "
        "end of the workload; closing the store took %.2f s of the %.2f s; CPU: user "
        "%.2f s, system %.2f s\n",
        Thousands(static_cast<double>(m.events)).c_str(),
        m.rows > 0 ? static_cast<double>(m.events) / static_cast<double>(m.rows) : 0.0,
        m.unit.c_str(), MiB(m.muster_bytes).c_str(), MiB(m.muster_wal_bytes).c_str(),
        m.muster_close_seconds, m.muster_seconds, m.muster_cpu.user, m.muster_cpu.system);
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
    std::printf(
        "  .import (%s): %s CSV rows, %s of CSV; peer database %s\n", Join(m.peer_tables).c_str(),
        Thousands(static_cast<double>(m.peer.csv_rows)).c_str(),
        MiB(m.peer.csv_bytes).c_str(), MiB(m.peer.database_bytes).c_str());
    std::printf(
        "  .import of every row Muster added (informative): %s CSV rows, %s of CSV in "
        "%.2f s; Muster / this = %.2fx\n",
        Thousands(static_cast<double>(m.peer_all.csv_rows)).c_str(),
        MiB(m.peer_all.csv_bytes).c_str(), m.peer_all.seconds,
        m.AllRowsRatio());
  }
  std::printf("\npeer schema (Muster's own CREATE statements):\n%s\n", peer_schema.c_str());
  bool met = true;
  for (const Measurement& m : measurements) met = met && m.Ratio() >= kTargetRatio;
  std::printf("target %.1fx: %s\n", kTargetRatio, met ? "met" : "missed");
}

Result<std::string> SqliteVersion(const Options& options, Scratch& scratch) {
  fs::path output = scratch.File("version.out");
  RETURN_IF_ERROR(bench::RunChild({options.sqlite3, "-batch", ":memory:",
                            ".output '" + output.string() + "'", "SELECT sqlite_version();"})
                      .status());
  ASSIGN_OR_RETURN(std::string text, ReadFile(output));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return "sqlite3 " + text;
}

// Summonses are signed when issued: the key directory sits beside the store, as the CLI's.
fs::path KeyDirectory(const fs::path& muster_db) { return muster_db.string() + ".keys"; }

Result<std::unique_ptr<Registry>> OpenMuster(const fs::path& muster_db) {
  ASSIGN_OR_RETURN(auto connection, OpenStore("sqlite:" + muster_db.string(), OpenMode::kExisting));
  ASSIGN_OR_RETURN(auto registry, Registry::Open(std::move(connection)));
  RETURN_IF_ERROR(registry->EnableSigning(KeyDirectory(muster_db)));
  return registry;
}

// After a workload: what Muster wrote, the WAL it left behind, the time to close the store
// (closing checkpoints the WAL into the main file and removes it) and the database's size.
// The registry is reopened for what follows. Then both peers import the same rows.
Status Settle(std::unique_ptr<Registry>& registry, const fs::path& muster_db,
              const Snapshot& before, CpuTime cpu_before, Peer& peer, Peer& peer_all,
              Measurement& m) {
  std::error_code error;
  uintmax_t wal = fs::file_size(muster_db.string() + "-wal", error);
  m.muster_wal_bytes = error ? 0 : wal;
  // Closing copies what the WAL holds into the main file. The peer's sqlite3 process does the
  // same before it exits, inside its timing, so Muster's close is timed too.
  auto timer = std::chrono::steady_clock::now();
  registry.reset();
  m.muster_close_seconds = SecondsSince(timer);
  m.muster_seconds += m.muster_close_seconds;
  CpuTime cpu = ProcessCpuTime();
  m.muster_cpu = {.user = cpu.user - cpu_before.user, .system = cpu.system - cpu_before.system};
  m.muster_bytes = DatabaseBytes(muster_db);
  ASSIGN_OR_RETURN(registry, OpenMuster(muster_db));

  ASSIGN_OR_RETURN(Snapshot after, TakeSnapshot(registry->connection()));
  std::vector<std::string> written;
  for (std::string_view name : kWrittenTables) {
    std::string table(name);
    auto found = before.find(table);
    int64_t added = after[table].rows - (found == before.end() ? 0 : found->second.rows);
    m.muster_rows_by_table[table] = added;
    if (added > 0) written.push_back(table);
  }
  m.events = m.muster_rows_by_table["ledger_events"];

  std::fprintf(stderr, "peer: importing %s\n", Join(m.peer_tables).c_str());
  ASSIGN_OR_RETURN(m.peer, peer.Import(registry->connection(), m.peer_tables, before));
  std::fprintf(stderr, "peer (all rows): importing %s\n", Join(written).c_str());
  ASSIGN_OR_RETURN(m.peer_all, peer_all.Import(registry->connection(), written, before));
  return Status::Ok();
}

Status Run(const Options& options, Scratch& scratch) {
  ASSIGN_OR_RETURN(std::string sqlite_version, SqliteVersion(options, scratch));
  ASSIGN_OR_RETURN(std::string profile_text, ReadProfile(kProfileId));
  ASSIGN_OR_RETURN(Instant start, ParseInstant(kSimulatedStart, "start"));
  fs::path muster_db = scratch.Database("muster.db");
  ASSIGN_OR_RETURN(auto connection, OpenStore("sqlite:" + muster_db.string(), OpenMode::kCreate));
  ASSIGN_OR_RETURN(auto registry, Registry::Create(std::move(connection), profile_text,
                                                   std::string(kProfileId) + ".toml", start));
  RETURN_IF_ERROR(registry->EnableSigning(KeyDirectory(muster_db)));
  RETURN_IF_ERROR(registry->RotateSigningKey().status());
  Peer peer(options, scratch, muster_db, "peer");
  Peer peer_all(options, scratch, muster_db, "peer-all");
  std::vector<Measurement> measurements;

  // Workload 1: the population.
  {
    Measurement m{.name = "persons", .unit = "person"};
    m.peer_tables = {"persons", "person_identifiers"};
    ASSIGN_OR_RETURN(Snapshot before, TakeSnapshot(registry->connection()));
    LoadOptions load{.count = options.persons, .seed = options.seed, .batch_size = options.batch};
    ProgressLine progress("muster: load persons");
    CpuTime cpu_before = ProcessCpuTime();
    auto timer = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(m.rows,
                     LoadSyntheticPopulation(*registry, load, [&](int64_t done, int64_t total) {
                       progress.Update(done, total);
                     }));
    m.muster_seconds = SecondsSince(timer);
    progress.Finish(m.rows, "persons");
    RETURN_IF_ERROR(Settle(registry, muster_db, before, cpu_before, peer, peer_all, m));
    measurements.push_back(std::move(m));
  }

  // Workload 2: a batch of summonses to the liable persons.
  {
    Measurement m{.name = "summonses", .unit = "summons"};
    m.peer_tables = {"summonses"};
    ASSIGN_OR_RETURN(Snapshot before, TakeSnapshot(registry->connection()));
    Selection selection{.limit = options.summonses};
    SummonsRequest request;
    request.batch = "bench";
    ProgressLine progress("muster: issue summonses");
    CpuTime cpu_before = ProcessCpuTime();
    auto timer = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(BatchResult batch,
                     registry->IssueBatch(
                         {.idempotency_key = "bench-issue", .actor = "bench"}, selection, request,
                         [&](int64_t done, int64_t total) { progress.Update(done, total); }));
    m.muster_seconds = SecondsSince(timer);
    progress.Finish(batch.issued, "summonses");
    m.rows = batch.issued;
    if (batch.issued < options.summonses) {
      std::fprintf(stderr, "note: only %lld of %lld summonses issued (%lld considered)\n",
                   static_cast<long long>(batch.issued), static_cast<long long>(options.summonses),
                   static_cast<long long>(batch.considered));
    }
    m.considered = batch.considered;
    m.refused = batch.refused;
    RETURN_IF_ERROR(Settle(registry, muster_db, before, cpu_before, peer, peer_all, m));
    measurements.push_back(std::move(m));
  }

  PrintReport(options, measurements, peer.schema(), sqlite_version);
  return Status::Ok();
}

}  // namespace
}  // namespace muster

int main(int argc, char** argv) {
  using namespace muster;
  Options options;
  CLI::App app{"muster_bench: Muster's write path beside sqlite3 .import of the same rows"};
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
  app.add_option("--dir", options.dir, "scratch directory (default: a new one under /tmp)");
  app.add_option("--sqlite3", options.sqlite3, "the sqlite3 shell to run as the peer")
      ->capture_default_str();
  app.add_flag("--keep", options.keep, "keep the databases in the scratch directory");
  CLI11_PARSE(app, argc, argv);

  if (options.dir.find('\'') != std::string::npos) {
    std::fprintf(stderr, "muster_bench: --dir must not contain a quote\n");
    return 2;
  }
  bool made_dir = options.dir.empty();
  fs::path dir;
  if (made_dir) {
    std::string pattern = (fs::temp_directory_path() / "muster-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("muster_bench: mkdtemp");
      return 1;
    }
    dir = pattern;
  } else {
    dir = options.dir;
    std::error_code error;
    fs::create_directories(dir, error);
    for (const char* name : {"muster.db", "peer.db", "peer-all.db"}) {
      if (fs::exists(dir / name)) {
        std::fprintf(stderr, "muster_bench: %s already holds %s\n", dir.string().c_str(), name);
        return 2;
      }
    }
  }
  std::fprintf(stderr, "scratch directory: %s\n", dir.string().c_str());
  Scratch scratch(dir);
  Status status = Run(options, scratch);
  if (options.keep) {
    std::fprintf(stderr, "kept: %s\n", dir.string().c_str());
  } else if (made_dir) {
    std::error_code error;
    fs::remove_all(dir, error);
  } else {
    scratch.RemoveFiles();
  }
  if (!status.ok()) {
    std::fprintf(stderr, "muster_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
