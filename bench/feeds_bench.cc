// muster_feeds_bench: agency feeds end to end — parsing, validation, identity resolution and
// application — on a registry that already holds a population, with the quality of linking
// measured against the generator's known truth (docs/FEEDS.md, "Benchmark").
//
//   muster_feeds_bench [--persons N] [--records N] [--unidentified F] [--seed N]
//                      [--chunk N] [--format jsonl|csv|mixed] [--dir PATH] [--keep]
//
// Targets (issue 7): at least 100,000 records/s end to end; precision >= 0.995 and recall >=
// 0.98 of linking on the generated truth.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
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
  int64_t chunk = 50000;
  std::string format = "mixed";
  std::string dir;
  bool keep = false;
};

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
  auto connection = OpenStore("sqlite:" + (dir / "feeds.db").string(), OpenMode::kCreate);
  if (!connection.ok()) return fail(connection.status());
  auto start = ParseInstant("2026-04-01T09:00:00+03:00", "start");
  auto registry = Registry::Create(std::move(connection).value(), *profile, "ru-127fz.toml", *start);
  if (!registry.ok()) return fail(registry.status());
  Registry& reg = **registry;

  std::printf("muster_feeds_bench: %s persons on file, %s feed records (%.0f %% without "
              "identifiers), %s format, chunks of %s\n",
              bench::Thousands(static_cast<double>(options.persons)).c_str(),
              bench::Thousands(static_cast<double>(options.records)).c_str(), options.unidentified * 100,
              options.format.c_str(), bench::Thousands(static_cast<double>(options.chunk)).c_str());
  auto setup = std::chrono::steady_clock::now();
  auto loaded = LoadSyntheticPopulation(reg, {.count = options.persons, .seed = options.seed}, {});
  if (!loaded.ok()) return fail(loaded.status());
  std::printf("population loaded in %.1f s\n", bench::SecondsSince(setup));

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
  std::printf("feeds generated: %zu batches, %s\n\n", batches.size(), bench::MiB(static_cast<double>(bytes)).c_str());

  auto weights = feeds::LoadMatchWeights(feeds::DefaultWeightsPath());
  if (!weights.ok()) return fail(weights.status());
  auto ingestor = feeds::FeedIngestor::Create(reg, *weights, {.chunk_records = options.chunk});
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
  std::printf("%-12s %-6s %10s %8.2f %12s   (target 100,000: %s; CPU user %.1f s, system %.1f s)\n\n",
              "all", "", bench::Thousands(static_cast<double>(total_records)).c_str(), total_seconds,
              bench::Thousands(rate).c_str(), rate >= 100000 ? "met" : "NOT met", cpu.user, cpu.system);
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
  app.add_option("--format", options.format)->check(CLI::IsMember({"jsonl", "csv", "mixed"}))->capture_default_str();
  app.add_option("--dir", options.dir, "where the store goes (default: a temporary directory)");
  app.add_flag("--keep", options.keep, "keep the store");
  CLI11_PARSE(app, argc, argv);
  return muster::Run(options);
}
