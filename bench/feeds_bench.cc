// muster_feeds_bench: agency feeds end to end — parsing, validation, identity resolution and
// application — on a registry that already holds a population, with the quality of linking
// measured against the generator's known truth (docs/FEEDS.md, "Benchmark").
//
//   muster_feeds_bench [--persons N] [--records N] [--unidentified F] [--seed N]
//                      [--chunk N] [--piece N] [--format jsonl|csv|mixed] [--dir PATH] [--keep]
//                      [--base PATH] [--sqlite3 PATH]
//
// Targets (issue 7): at least 100,000 records/s end to end; precision >= 0.995 and recall >=
// 0.98 of linking on the generated truth.
//
// The peer, in the same run: the `sqlite3` shell's `.import --csv` of the same records into
// plain tables (one per agency, no keys), the JSON Lines batches written as CSV first
// (untimed). Only the sqlite3 child is timed, from spawn to exit.
//
// `--base PATH` keeps the population between runs: if PATH exists the store starts as a copy
// of it, otherwise the population is loaded and PATH written (a 1,000,000-person load takes
// about a minute; the copy a second).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "app/population_loader.h"
#include "bench_support.h"
#include "feeds/ingest.h"
#include "feeds/synthetic_feed.h"
#include "registry/registry.h"
#include "store/engines/open.h"

namespace muster {
namespace {

using feeds::Agency;
using feeds::FeedFormat;

struct Options {
  int64_t persons = 1000000;
  int64_t records = 1000000;
  double unidentified = 0.30;
  uint64_t seed = 7;
  int64_t chunk = feeds::IngestOptions{}.chunk_records;
  int64_t piece = feeds::IngestOptions{}.piece_records;
  std::string format = "mixed";
  std::string dir;
  bool keep = false;
  std::string base;
  std::string sqlite3 = "sqlite3";
  int64_t cache_mib = 0;  // 0: the store's own page cache
  int64_t autocheckpoint = -1;  // -1: the store's own
  int64_t mmap_mib = 0;
};

// RFC 4180 field: quoted when it holds a comma, quote or line break.
void AppendCsvField(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// The batch as CSV with the agency's columns: CSV batches as they are, JSON Lines rewritten.
Result<std::string> BatchAsCsv(const feeds::SyntheticFeed& batch) {
  if (batch.format == FeedFormat::kCsv) return batch.bytes;
  std::vector<std::string_view> fields = feeds::AgencyFields(batch.agency);
  std::string out;
  out.reserve(batch.bytes.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(fields[i]);
  }
  out.push_back('\n');
  size_t pos = 0;
  while (pos < batch.bytes.size()) {
    size_t end = batch.bytes.find('\n', pos);
    if (end == std::string::npos) end = batch.bytes.size();
    std::string_view line(batch.bytes.data() + pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    std::error_code error;
    boost::json::value value = boost::json::parse(line, error);
    if (error || !value.is_object()) return Internal("peer: a JSON Lines record is not an object");
    const boost::json::object& object = value.get_object();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out.push_back(',');
      const boost::json::value* field = object.if_contains(fields[i]);
      if (field != nullptr && field->is_string()) AppendCsvField(out, field->get_string());
    }
    out.push_back('\n');
  }
  return out;
}

struct PeerResult {
  double seconds = 0;
  int64_t rows = 0;
};

// `sqlite3 .import --csv` of every batch into a plain table per agency, with the settings
// Muster's store uses (WAL, synchronous = FULL, 64 MiB cache).
Result<PeerResult> ImportPeer(const Options& options, const std::filesystem::path& dir,
                              const std::vector<feeds::SyntheticFeed>& batches) {
  std::filesystem::path database = dir / "peer.db";
  std::filesystem::remove(database);
  std::string script =
      ".output /dev/null\nPRAGMA journal_mode = WAL;\n.output stdout\nPRAGMA synchronous = FULL;\n"
      "PRAGMA cache_size = -65536;\n";
  int64_t rows = 0;
  int index = 0;
  for (const feeds::SyntheticFeed& batch : batches) {
    ASSIGN_OR_RETURN(std::string csv, BatchAsCsv(batch));
    std::filesystem::path file = dir / ("peer-" + std::to_string(index++) + ".csv");
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << csv;
    out.close();
    if (!out) return Internal("peer: cannot write " + file.string());
    rows += static_cast<int64_t>(batch.lines.size());
    script += ".import --csv '" + file.string() + "' feed_" +
              std::string(feeds::AgencyName(batch.agency)) + "\n";
  }
  std::filesystem::path script_path = dir / "peer.sql";
  {
    std::ofstream out(script_path, std::ios::trunc);
    out << script;
  }
  ASSIGN_OR_RETURN(double seconds, bench::RunChild({options.sqlite3, "-batch", "-bail", database.string(),
                                             ".read '" + script_path.string() + "'"}));
  return PeerResult{.seconds = seconds, .rows = rows};
}

void PrintQuality(const char* title, feeds::LinkQuality quality) {
  feeds::FinishQuality(quality);
  std::printf("%-22s %10s %9s %9s %9s %8s %9s %9s %8s\n", title,
              bench::Thousands(static_cast<double>(quality.records)).c_str(),
              bench::Thousands(static_cast<double>(quality.linked)).c_str(),
              bench::Thousands(static_cast<double>(quality.created)).c_str(),
              bench::Thousands(static_cast<double>(quality.review)).c_str(),
              bench::Thousands(static_cast<double>(quality.rejected)).c_str(),
              (std::to_string(quality.precision).substr(0, 6)).c_str(),
              (std::to_string(quality.recall).substr(0, 6)).c_str(),
              (std::to_string(quality.f1).substr(0, 6)).c_str());
  std::printf("%-22s false links %lld, missed links %lld\n", "",
              static_cast<long long>(quality.false_links), static_cast<long long>(quality.missed_links));
}

int Run(const Options& options) {
  std::filesystem::path dir = options.dir.empty()
                                  ? std::filesystem::temp_directory_path() /
                                        ("muster-feeds-bench-" + std::to_string(::getpid()))
                                  : std::filesystem::path(options.dir);
  std::filesystem::create_directories(dir);
  auto cleanup = [&] {
    if (!options.keep) std::filesystem::remove_all(dir);
  };
  auto fail = [&](const Status& status) {
    std::fprintf(stderr, "muster_feeds_bench: %s\n", status.ToString().c_str());
    cleanup();
    return 1;
  };
  auto profile = bench::ReadProfile("ru-127fz");
  if (!profile.ok()) return fail(profile.status());
  std::filesystem::path store = dir / "feeds.db";
  bool from_base = !options.base.empty() && std::filesystem::exists(options.base);
  if (from_base) {
    std::filesystem::copy_file(options.base, store, std::filesystem::copy_options::overwrite_existing);
  }
  auto connection = OpenStore("sqlite:" + store.string(), from_base ? OpenMode::kExisting : OpenMode::kCreate);
  if (!connection.ok()) return fail(connection.status());
  auto start = ParseInstant("2026-04-01T09:00:00+03:00", "start");
  auto registry = from_base ? Registry::Open(std::move(connection).value())
                            : Registry::Create(std::move(connection).value(), *profile, "ru-127fz.toml", *start);
  if (!registry.ok()) return fail(registry.status());
  Registry& reg = **registry;
  if (options.cache_mib > 0) {
    Status cache = reg.connection().Execute("PRAGMA cache_size = -" + std::to_string(options.cache_mib * 1024));
    if (!cache.ok()) return fail(cache);
  }
  if (options.mmap_mib > 0) {
    Status pragma = reg.connection().Execute("PRAGMA mmap_size = " + std::to_string(options.mmap_mib << 20));
    if (!pragma.ok()) return fail(pragma);
  }
  if (options.autocheckpoint >= 0) {
    Status pragma = reg.connection().Execute("PRAGMA wal_autocheckpoint = " + std::to_string(options.autocheckpoint));
    if (!pragma.ok()) return fail(pragma);
  }

  std::printf("muster_feeds_bench: %s persons on file, %s feed records (%.0f %% without "
              "identifiers), %s format, chunks of %s decided in pieces of %s\n",
              bench::Thousands(static_cast<double>(options.persons)).c_str(),
              bench::Thousands(static_cast<double>(options.records)).c_str(), options.unidentified * 100,
              options.format.c_str(), bench::Thousands(static_cast<double>(options.chunk)).c_str(),
              bench::Thousands(static_cast<double>(options.piece)).c_str());
  auto setup = std::chrono::steady_clock::now();
  if (from_base) {
    auto stats = reg.Stats();
    if (!stats.ok()) return fail(stats.status());
    if (stats->persons != options.persons) {
      return fail(InvalidArgument("base: " + options.base + " holds " + std::to_string(stats->persons) +
                                  " persons, not " + std::to_string(options.persons)));
    }
    std::printf("population copied from %s in %.1f s\n", options.base.c_str(), bench::SecondsSince(setup));
  } else {
    auto loaded = LoadSyntheticPopulation(reg, {.count = options.persons, .seed = options.seed}, {});
    if (!loaded.ok()) return fail(loaded.status());
    std::printf("population loaded in %.1f s\n", bench::SecondsSince(setup));
    if (!options.base.empty()) {
      // Checkpointed first, so that the file alone is the whole store.
      Status checkpoint = reg.connection().Execute("PRAGMA wal_checkpoint(TRUNCATE)");
      if (!checkpoint.ok()) return fail(checkpoint);
      std::filesystem::copy_file(store, options.base, std::filesystem::copy_options::overwrite_existing);
      std::printf("population kept in %s\n", options.base.c_str());
    }
  }

  auto base = feeds::LoadBasePersons(reg.connection(), options.persons);
  if (!base.ok()) return fail(base.status());
  CivilDate today = CivilDate(date::floor<date::days>(reg.Now()));
  feeds::SyntheticFeedGenerator generator(std::move(base).value(), today,
                                          {.seed = options.seed, .without_identifiers = options.unidentified});
  std::vector<feeds::SyntheticFeed> batches;
  size_t bytes = 0;
  int index = 0;
  for (Agency agency : feeds::kAllAgencies) {
    int64_t share = options.records / 6 + (index < options.records % 6 ? 1 : 0);
    FeedFormat format = options.format == "csv"     ? FeedFormat::kCsv
                        : options.format == "jsonl" ? FeedFormat::kJsonLines
                        : index % 2 == 0            ? FeedFormat::kJsonLines
                                                    : FeedFormat::kCsv;
    batches.push_back(generator.Generate(agency, format, share));
    bytes += batches.back().bytes.size();
    ++index;
  }
  std::printf("feeds generated: %zu batches, %s\n", batches.size(), bench::MiB(static_cast<double>(bytes)).c_str());
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) std::printf("load average before the feeds: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  std::printf("\n");

  auto weights = feeds::LoadMatchWeights(feeds::DefaultWeightsPath());
  if (!weights.ok()) return fail(weights.status());
  auto ingestor = feeds::FeedIngestor::Create(
      reg, *weights, {.chunk_records = options.chunk, .piece_records = options.piece});
  if (!ingestor.ok()) return fail(ingestor.status());

  std::map<int64_t, PersonId> newcomers;
  feeds::LinkQuality all, unidentified;
  double total_seconds = 0;
  int64_t total_records = 0;
  bench::CpuTime cpu_start = bench::ProcessCpuTime();
  std::printf("%-12s %-6s %10s %8s %12s %9s %9s %8s %8s\n", "agency", "format", "records", "s",
              "records/s", "linked", "created", "review", "rejected");
  int64_t sequence = 1;
  for (const feeds::SyntheticFeed& batch : batches) {
    std::vector<feeds::RecordOutcome> outcomes;
    auto began = std::chrono::steady_clock::now();
    auto report = (*ingestor)->Receive({.actor = "bench"}, batch.agency, sequence, batch.format,
                                       batch.bytes, &outcomes);
    double seconds = bench::SecondsSince(began);
    if (!report.ok()) return fail(report.status());
    total_seconds += seconds;
    total_records += report->records;
    std::printf("%-12s %-6s %10s %8.2f %12s %9s %9s %8s %8s\n",
                std::string(feeds::AgencyName(batch.agency)).c_str(),
                std::string(feeds::FeedFormatName(batch.format)).c_str(),
                bench::Thousands(static_cast<double>(report->records)).c_str(), seconds,
                bench::Thousands(report->records / seconds).c_str(),
                bench::Thousands(static_cast<double>(report->linked)).c_str(),
                bench::Thousands(static_cast<double>(report->created)).c_str(),
                bench::Thousands(static_cast<double>(report->review)).c_str(),
                bench::Thousands(static_cast<double>(report->rejected)).c_str());
    // A few rejections per batch, so that a generator or validation fault shows at once.
    for (size_t i = 0; i < report->rejections.size() && i < 2; ++i) {
      std::printf("    line %lld %s: %s\n", static_cast<long long>(report->rejections[i].line),
                  report->rejections[i].code.c_str(), report->rejections[i].reason.c_str());
    }
    feeds::AddQuality(batch, outcomes, newcomers, all, unidentified);
  }
  bench::CpuTime cpu = bench::ProcessCpuTime() - cpu_start;
  double rate = total_records / total_seconds;
  std::printf("%-12s %-6s %10s %8.2f %12s   (target 100,000: %s; CPU user %.1f s, system %.1f s: "
              "%s records per CPU-second)\n\n",
              "all", "", bench::Thousands(static_cast<double>(total_records)).c_str(), total_seconds,
              bench::Thousands(rate).c_str(), rate >= 100000 ? "met" : "NOT met", cpu.user, cpu.system,
              bench::Thousands(total_records / cpu.total()).c_str());
  std::printf("%-22s %10s %9s %9s %9s %8s %9s %9s %8s\n", "quality", "records", "linked", "created",
              "review", "rejected", "precision", "recall", "F1");
  PrintQuality("all records", all);
  PrintQuality("without identifiers", unidentified);
  feeds::FinishQuality(all);
  feeds::FinishQuality(unidentified);
  std::printf("\ntargets: precision >= 0.995 (%s), recall >= 0.98 (%s); review queue %s records\n",
              all.precision >= 0.995 ? "met" : "NOT met", all.recall >= 0.98 ? "met" : "NOT met",
              bench::Thousands(static_cast<double>(all.review)).c_str());
  auto stats = reg.Stats();
  if (stats.ok()) {
    std::printf("registry: %s persons, %s events\n", bench::Thousands(static_cast<double>(stats->persons)).c_str(),
                bench::Thousands(static_cast<double>(stats->events)).c_str());
  }
  auto peer = ImportPeer(options, dir, batches);
  if (!peer.ok()) {
    std::printf("\npeer: %s\n", peer.status().ToString().c_str());
  } else {
    double peer_rate = peer->rows / peer->seconds;
    std::printf("\npeer: sqlite3 .import --csv of the same %s records into plain tables: %.2f s, %s "
                "records/s; Muster / peer = %.2fx\n",
                bench::Thousands(static_cast<double>(peer->rows)).c_str(), peer->seconds,
                bench::Thousands(peer_rate).c_str(), rate / peer_rate);
  }
  if (getloadavg(load, 3) == 3) std::printf("load average at the end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  cleanup();
  return 0;
}

}  // namespace
}  // namespace muster

int main(int argc, char** argv) {
  CLI::App app{"muster_feeds_bench: agency feeds end to end, with linking quality"};
  muster::Options options;
  app.add_option("--persons", options.persons, "persons on file before the feeds")->capture_default_str();
  app.add_option("--records", options.records, "feed records, split over the six agencies")->capture_default_str();
  app.add_option("--unidentified", options.unidentified, "share of records without identifiers")->capture_default_str();
  app.add_option("--seed", options.seed)->capture_default_str();
  app.add_option("--chunk", options.chunk, "records per write transaction")->capture_default_str();
  app.add_option("--piece", options.piece, "records decided at a time (the next beside the writer)")
      ->capture_default_str();
  app.add_option("--format", options.format)->check(CLI::IsMember({"jsonl", "csv", "mixed"}))->capture_default_str();
  app.add_option("--dir", options.dir, "where the store goes (default: a temporary directory)");
  app.add_flag("--keep", options.keep, "keep the store");
  app.add_option("--base", options.base, "a population store to start from (written if missing)");
  app.add_option("--cache-mib", options.cache_mib, "SQLite page cache of the store, MiB (experiment)");
  app.add_option("--autocheckpoint", options.autocheckpoint, "SQLite wal_autocheckpoint pages (experiment)");
  app.add_option("--mmap-mib", options.mmap_mib, "SQLite mmap_size of the store, MiB (experiment)");
  app.add_option("--sqlite3", options.sqlite3, "the sqlite3 shell for the .import peer")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return muster::Run(options);
}
