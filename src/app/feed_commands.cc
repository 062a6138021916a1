#include "app/feed_commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "feeds/ingest.h"
#include "feeds/synthetic_feed.h"
#include "registry/registry.h"
#include "store/engines/open.h"

namespace muster {
namespace {

namespace json = boost::json;

int Fail(const Status& status) {
  std::fprintf(stderr, "muster: %s\n", status.message().c_str());
  return 1;
}

Result<std::unique_ptr<Registry>> Open(const std::string& store) {
  ASSIGN_OR_RETURN(auto connection, OpenStore(store, OpenMode::kExisting));
  return Registry::Open(std::move(connection));
}

Result<std::unique_ptr<feeds::FeedIngestor>> Ingestor(Registry& registry) {
  ASSIGN_OR_RETURN(feeds::MatchWeights weights, feeds::LoadMatchWeights(feeds::DefaultWeightsPath()));
  return feeds::FeedIngestor::Create(registry, std::move(weights));
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("file: cannot read '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void PrintReport(const feeds::FeedReport& report) {
  std::printf("batch %s #%lld (%s, sha256 %s)%s\n", report.agency.c_str(),
              static_cast<long long>(report.sequence), report.format.c_str(),
              report.checksum.substr(0, 16).c_str(),
              report.resent ? ": already received — nothing changed" : "");
  if (report.gap_from && report.gap_to) {
    std::printf("GAP: sequences %lld–%lld of %s were never received\n",
                static_cast<long long>(*report.gap_from), static_cast<long long>(*report.gap_to),
                report.agency.c_str());
  }
  std::printf("records %lld: linked %lld, new persons %lld, for review %lld, rejected %lld\n",
              static_cast<long long>(report.records), static_cast<long long>(report.linked),
              static_cast<long long>(report.created), static_cast<long long>(report.review),
              static_cast<long long>(report.rejected));
  for (const feeds::Rejection& rejection : report.rejections) {
    std::printf("  line %lld [%s] %s\n", static_cast<long long>(rejection.line),
                rejection.code.c_str(), rejection.reason.c_str());
  }
}

void PrintReview(const feeds::ReviewCase& review) {
  std::printf("review %lld (%s): %s batch %lld line %lld, weight %.2f\n",
              static_cast<long long>(review.review_id), review.status.c_str(), review.agency.c_str(),
              static_cast<long long>(review.sequence), static_cast<long long>(review.line), review.weight);
  std::printf("  %-18s %-34s %-34s %s\n", "field", "record", "candidate", "comparison");
  for (std::string_view field : {"family_name", "given_name", "patronymic", "birth_date", "sex",
                                 "region", "snils", "inn", "passport"}) {
    auto text = [&](const json::object& object) -> std::string {
      const json::value* value = object.if_contains(field);
      return value && value->is_string() ? std::string(value->get_string()) : "";
    };
    std::string level;
    std::string_view key = field == "sex" || field == "region" ? (field == "sex" ? "sex" : "address") : field;
    if (const json::value* found = review.comparison.if_contains(key); found && found->is_string()) {
      level = std::string(found->get_string());
    }
    std::printf("  %-18s %-34s %-34s %s\n", std::string(field).c_str(), text(review.record).c_str(),
                text(review.candidate).c_str(), level.c_str());
  }
  std::printf("  candidate: person %lld\n", static_cast<long long>(review.candidate_id));
}

}  // namespace

void AddFeedCommands(CLI::App& app, const std::string& store, const std::string& actor,
                     int& exit_code) {
  auto* feed = app.add_subcommand("feed", "agency data feeds, the review queue, merges (docs/FEEDS.md)");
  feed->require_subcommand(1);
  auto run = [&exit_code](auto body) { return [&exit_code, body]() { exit_code = body(); }; };
  auto context = [&actor]() { return CommandContext{.actor = actor}; };

  // upload
  struct Upload {
    std::string agency, file, format;
    int64_t sequence = 0;
    bool json = false;
  };
  auto upload_options = std::make_shared<Upload>();
  auto* upload = feed->add_subcommand("upload", "receive a batch from a source agency");
  upload->add_option("--agency", upload_options->agency,
                     "civil_status, interior, tax, social_fund, education or health")->required();
  upload->add_option("--sequence", upload_options->sequence, "the agency's batch number")->required();
  upload->add_option("--file", upload_options->file, "the batch")->required();
  upload->add_option("--format", upload_options->format, "csv or jsonl (default: from the file name)");
  upload->add_flag("--json", upload_options->json, "print the report as JSON");
  upload->callback(run([&store, context, upload_options] {
    const Upload& options = *upload_options;
    std::string format = options.format;
    if (format.empty()) {
      format = options.file.size() >= 4 && options.file.substr(options.file.size() - 4) == ".csv" ? "csv" : "jsonl";
    }
    auto bytes = ReadAll(options.file);
    if (!bytes.ok()) return Fail(bytes.status());
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto report = feeds::ReceiveFeedBatch(**registry, context(), options.agency, options.sequence, format, *bytes);
    if (!report.ok()) return Fail(report.status());
    if (options.json) {
      std::printf("%s\n", json::serialize(report->ToJson()).c_str());
    } else {
      PrintReport(*report);
    }
    return 0;
  }));

  // generate
  struct Generate {
    std::string agency, out, truth, format = "jsonl";
    int64_t records = 1000;
    feeds::SyntheticFeedOptions options;
  };
  auto generate_options = std::make_shared<Generate>();
  auto* generate = feed->add_subcommand("generate", "write a synthetic batch about the registry's persons, with its truth");
  generate->add_option("--agency", generate_options->agency)->required();
  generate->add_option("--records", generate_options->records)->capture_default_str();
  generate->add_option("--out", generate_options->out, "where the batch goes")->required();
  generate->add_option("--format", generate_options->format)->check(CLI::IsMember({"csv", "jsonl"}))->capture_default_str();
  generate->add_option("--truth", generate_options->truth, "CSV of line,person (negative: a newcomer)");
  generate->add_option("--seed", generate_options->options.seed)->capture_default_str();
  generate->add_option("--unidentified", generate_options->options.without_identifiers)->capture_default_str();
  generate->add_option("--newcomers", generate_options->options.newcomers)->capture_default_str();
  generate->callback(run([&store, generate_options] {
    const Generate& options = *generate_options;
    auto agency = feeds::ParseAgency(options.agency, "agency");
    if (!agency.ok()) return Fail(agency.status());
    auto format = feeds::ParseFeedFormat(options.format, "format");
    if (!format.ok()) return Fail(format.status());
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto base = feeds::LoadBasePersons((*registry)->connection(), 10000000);
    if (!base.ok()) return Fail(base.status());
    if (base->empty()) return Fail(FailedPrecondition("registry: no registered persons to write about (run `muster generate` first)"));
    feeds::SyntheticFeedGenerator generator(std::move(base).value(),
                                            CivilDate(date::floor<date::days>((*registry)->Now())), options.options);
    feeds::SyntheticFeed batch = generator.Generate(*agency, *format, options.records);
    std::ofstream out(options.out, std::ios::binary);
    out << batch.bytes;
    if (!out) return Fail(Internal("out: cannot write '" + options.out + "'"));
    if (!options.truth.empty()) {
      std::ofstream truth(options.truth);
      truth << "line,person,identified\n";
      for (size_t i = 0; i < batch.lines.size(); ++i) {
        truth << batch.lines[i] << ',' << batch.truth[i] << ',' << (batch.identified[i] ? 1 : 0) << '\n';
      }
    }
    std::printf("wrote %lld %s records of agency %s to %s\n", static_cast<long long>(options.records),
                options.format.c_str(), options.agency.c_str(), options.out.c_str());
    return 0;
  }));

  // review
  struct Review {
    int64_t limit = 20, review_id = 0;
    bool link = false, create = false;
    std::string note;
  };
  auto review_options = std::make_shared<Review>();
  auto* review = feed->add_subcommand("review", "records held for an officer: list, show, decide");
  review->require_subcommand(1);
  auto* review_list = review->add_subcommand("list", "open reviews, oldest first");
  review_list->add_option("--limit", review_options->limit)->capture_default_str();
  review_list->callback(run([&store, review_options] {
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto ingestor = Ingestor(**registry);
    if (!ingestor.ok()) return Fail(ingestor.status());
    auto reviews = (*ingestor)->OpenReviews(review_options->limit);
    if (!reviews.ok()) return Fail(reviews.status());
    for (const feeds::ReviewCase& item : *reviews) PrintReview(item);
    std::printf("%zu open review(s) shown\n", reviews->size());
    return 0;
  }));
  auto* review_show = review->add_subcommand("show", "a held record beside its candidate");
  review_show->add_option("review", review_options->review_id)->required();
  review_show->callback(run([&store, review_options] {
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto ingestor = Ingestor(**registry);
    if (!ingestor.ok()) return Fail(ingestor.status());
    auto item = (*ingestor)->GetReview(review_options->review_id);
    if (!item.ok()) return Fail(item.status());
    PrintReview(*item);
    return 0;
  }));
  auto* review_decide = review->add_subcommand("decide", "link the record to its candidate, or record a new person");
  review_decide->add_option("review", review_options->review_id)->required();
  review_decide->add_flag("--link", review_options->link);
  review_decide->add_flag("--new", review_options->create);
  review_decide->add_option("--note", review_options->note)->required();
  review_decide->callback(run([&store, context, review_options] {
    const Review& options = *review_options;
    if (options.link == options.create) return Fail(InvalidArgument("decision: give exactly one of --link or --new"));
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto ingestor = Ingestor(**registry);
    if (!ingestor.ok()) return Fail(ingestor.status());
    auto person = (*ingestor)->DecideReview(context(), options.review_id, options.link ? "link" : "new", options.note);
    if (!person.ok()) return Fail(person.status());
    std::printf("review %lld decided: the record belongs to person %lld\n",
                static_cast<long long>(options.review_id), static_cast<long long>(*person));
    return 0;
  }));

  // merge and split
  struct Merge {
    int64_t survivor = 0, merged = 0, merge_id = 0;
    std::string reason;
  };
  auto merge_options = std::make_shared<Merge>();
  auto* merge = feed->add_subcommand("merge", "merge two records of one person (keeps history)");
  merge->add_option("--survivor", merge_options->survivor, "the person id that stays")->required();
  merge->add_option("--merged", merge_options->merged, "the person id merged into it")->required();
  merge->add_option("--reason", merge_options->reason)->required();
  merge->callback(run([&store, context, merge_options] {
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto merge_id = (*registry)->MergePersons(context(), merge_options->survivor, merge_options->merged, merge_options->reason);
    if (!merge_id.ok()) return Fail(merge_id.status());
    std::printf("merge %lld: person %lld merged into %lld\n", static_cast<long long>(*merge_id),
                static_cast<long long>(merge_options->merged), static_cast<long long>(merge_options->survivor));
    return 0;
  }));
  auto* split = feed->add_subcommand("split", "undo a merge");
  split->add_option("--merge", merge_options->merge_id)->required();
  split->add_option("--reason", merge_options->reason)->required();
  split->callback(run([&store, context, merge_options] {
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    Status status = (*registry)->SplitPerson(context(), merge_options->merge_id, merge_options->reason);
    if (!status.ok()) return Fail(status);
    std::printf("merge %lld split\n", static_cast<long long>(merge_options->merge_id));
    return 0;
  }));

  // sweep
  auto* sweep = feed->add_subcommand("sweep", "put on the register whoever reached the registration age; take off whoever left it");
  sweep->callback(run([&store, context] {
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto result = (*registry)->SweepRegistration(context());
    if (!result.ok()) return Fail(result.status());
    std::printf("registration sweep: %lld put on the register, %lld taken off\n",
                static_cast<long long>(result->registered), static_cast<long long>(result->deregistered));
    return 0;
  }));
}

}  // namespace muster
