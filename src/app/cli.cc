#include "app/cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/accounts.h"
#include "app/delivery_commands.h"
#include "app/demo.h"
#include "app/document_commands.h"
#include "app/feed_commands.h"
#include "app/population_loader.h"
#include "app/progress.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "store/engines/open.h"

#ifndef MUSTER_PROFILE_DIR
#define MUSTER_PROFILE_DIR "profiles"
#endif

namespace muster {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitVerifyFailed = 3;

// Where the shipped profiles live: $MUSTER_PROFILES, else the source tree's profiles/.
std::filesystem::path ProfileDir() {
  if (const char* dir = std::getenv("MUSTER_PROFILES")) return dir;
  return MUSTER_PROFILE_DIR;
}

struct Globals {
  std::string store = "sqlite:muster.db";
  std::string idempotency_key;
  std::string actor = "cli";
  std::string key_dir;  // signing keys (issue 6): default <path>.keys beside a SQLite store
};

int Fail(const Status& status) {
  std::fprintf(stderr, "muster: %s\n", status.message().c_str());
  return kExitFailed;
}

Result<std::unique_ptr<Registry>> OpenRegistry(const Globals& globals) {
  ASSIGN_OR_RETURN(auto connection, OpenStore(globals.store, OpenMode::kExisting));
  ASSIGN_OR_RETURN(auto registry, Registry::Open(std::move(connection)));
  // Every summons is signed when issued; a node without the key's secret only verifies.
  RETURN_IF_ERROR(registry->EnableSigning(KeyDirectoryFor(globals.store, globals.key_dir)));
  return registry;
}

CommandContext Context(const Globals& globals) {
  return {.idempotency_key = globals.idempotency_key, .actor = globals.actor};
}

Result<Instant> InstantOr(const std::string& text, Registry& registry, std::string_view field) {
  if (text.empty()) return registry.Now();
  return ParseInstant(text, field);
}

void PrintStats(const RegistryStats& stats) {
  std::printf("persons: %lld\nevents in the ledger: %lld\n", static_cast<long long>(stats.persons),
              static_cast<long long>(stats.events));
  std::printf("summonses by status:\n");
  for (const auto& [status, count] : stats.summonses_by_status) {
    std::printf("  %-10s %lld\n", status.c_str(), static_cast<long long>(count));
  }
  std::printf("served, by rule:\n");
  for (const auto& [rule, count] : stats.services_by_rule) {
    std::printf("  %-40s %lld\n", rule.c_str(), static_cast<long long>(count));
  }
  std::printf("measures in force:\n");
  for (const auto& [kind, count] : stats.measures_in_force) {
    std::printf("  %-22s %lld\n", kind.c_str(), static_cast<long long>(count));
  }
  std::printf("measures lifted: %lld\nmeasures withheld by a gate: %lld\npending due actions: %lld\n",
              static_cast<long long>(stats.measures_lifted), static_cast<long long>(stats.measures_withheld),
              static_cast<long long>(stats.due_actions));
}

Result<PersonId> ResolvePerson(Registry& registry, const std::string& reference) {
  // "123" is a person id; "snils:112-233-445 95", "inn:…", "passport:…" look a person up.
  auto colon = reference.find(':');
  if (colon == std::string::npos) {
    char* end = nullptr;
    long long id = std::strtoll(reference.c_str(), &end, 10);
    if (reference.empty() || *end != '\0' || id <= 0) {
      return InvalidArgument("person: '" + reference +
                             "' is neither a person id nor KIND:VALUE (snils:…, inn:…, passport:…)");
    }
    return static_cast<PersonId>(id);
  }
  ASSIGN_OR_RETURN(IdentifierKind kind, ParseIdentifierKind(reference.substr(0, colon), "person"));
  return registry.FindPerson(kind, reference.substr(colon + 1));
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"muster — national military-registration registry"};
  app.require_subcommand(1);
  Globals globals;
  if (const char* store = std::getenv("MUSTER_STORE")) globals.store = store;
  app.add_option("--store", globals.store, "store URL: sqlite:PATH (env MUSTER_STORE)")->capture_default_str();
  app.add_option("--idempotency-key", globals.idempotency_key,
                 "key that makes a retry of this command safe (default: derived from the request)");
  app.add_option("--actor", globals.actor, "who is acting, for the journal")->capture_default_str();
  if (const char* key_dir = std::getenv("MUSTER_KEY_DIR")) globals.key_dir = key_dir;
  app.add_option("--key-dir", globals.key_dir,
                 "directory of the signing key's secret (env MUSTER_KEY_DIR; default: "
                 "<path>.keys beside a SQLite store)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  int exit_code = 0;
  auto run = [&](auto body) { return [&, body]() { exit_code = body(); }; };

  // init
  std::string profile_name = "ru-127fz";
  std::string clock = "system";
  std::string start_text;
  auto* init = app.add_subcommand("init", "create a registry with a rule profile");
  init->add_option("--profile", profile_name, "profile id (profiles/ID.toml) or a path")->capture_default_str();
  init->add_option("--clock", clock, "system, or simulated (time moves only with `advance`)")
      ->check(CLI::IsMember({"system", "simulated"}))->capture_default_str();
  init->add_option("--start", start_text, "start of a simulated clock, e.g. 2026-04-01T09:00:00+03:00");
  init->callback(run([&] {
    std::optional<Instant> start;
    if (clock == "simulated") {
      if (start_text.empty()) {
        start = SystemClock().Now();
      } else {
        auto parsed = ParseInstant(start_text, "start");
        if (!parsed.ok()) return Fail(parsed.status());
        start = *parsed;
      }
    } else if (!start_text.empty()) {
      return Fail(InvalidArgument("start: only a simulated clock has a start (use --clock simulated)"));
    }
    std::filesystem::path path = std::filesystem::exists(profile_name) ? std::filesystem::path(profile_name)
                                                                       : ProfileDir() / (profile_name + ".toml");
    std::ifstream file(path);
    if (!file) return Fail(NotFound("profile: no profile '" + profile_name + "' (looked for " + path.string() + ")"));
    std::stringstream text;
    text << file.rdbuf();
    // Validate the profile before touching the store, so a bad profile creates nothing.
    if (auto parsed = ParseProfile(text.str(), path.filename().string()); !parsed.ok()) {
      return Fail(parsed.status());
    }
    std::filesystem::path key_directory = KeyDirectoryFor(globals.store, globals.key_dir);
    if (Status given = CheckKeyDirectoryGiven(key_directory); !given.ok()) return Fail(given);
    auto connection = OpenStore(globals.store, OpenMode::kCreate);
    if (!connection.ok()) return Fail(connection.status());
    auto registry = Registry::Create(std::move(connection).value(), text.str(), path.filename().string(), start);
    if (!registry.ok()) return Fail(registry.status());
    auto key_id = CreateFirstSigningKey(**registry, key_directory);
    if (!key_id.ok()) return Fail(key_id.status());
    std::printf("signing key %s created in %s\n", key_id->c_str(), key_directory.string().c_str());
    std::printf("created registry %s with profile %s %s (%s clock, now %s)\n", globals.store.c_str(),
                (*registry)->profile().id.c_str(), (*registry)->profile().version.c_str(), clock.c_str(),
                FormatInstant((*registry)->Now()).c_str());
    return 0;
  }));

  // generate
  LoadOptions load;
  load.count = 1000;
  auto* generate = app.add_subcommand("generate", "add a synthetic population (deterministic)");
  generate->add_option("--count", load.count, "persons to add")->capture_default_str();
  generate->add_option("--seed", load.seed, "random seed")->capture_default_str();
  generate->add_option("--batch", load.batch_size, "persons per transaction")->capture_default_str();
  generate->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    ProgressLine progress("generate");
    auto count = LoadSyntheticPopulation(**registry, load, [&](int64_t done, int64_t total) { progress.Update(done, total); });
    if (!count.ok()) return Fail(count.status());
    progress.Finish(*count, "persons");
    return 0;
  }));

  // issue
  std::string person_ref, region, office, appear_at, purpose = "medical examination and call-up commission", place, channels_text;
  int64_t limit = 0;
  int min_age = -1, max_age = -1;
  auto* issue = app.add_subcommand("issue", "issue a summons to a person, or a batch to a selection");
  issue->add_option("--person", person_ref, "person id or KIND:VALUE (one summons)");
  issue->add_option("--region", region, "select persons of a region (ISO code, e.g. RYA)");
  issue->add_option("--office", office, "select persons of an office (e.g. RYA-01)");
  issue->add_option("--min-age", min_age, "select persons at least this old");
  issue->add_option("--max-age", max_age, "select persons at most this old");
  issue->add_option("--limit", limit, "summonses in the batch");
  issue->add_option("--appear-at", appear_at, "appearance time with offset (default: profile default)");
  issue->add_option("--purpose", purpose)->capture_default_str();
  issue->add_option("--place", place, "place of appearance (default: the person's office)");
  issue->add_option("--channels", channels_text, "comma-separated: portal,registered_mail,in_person,register");
  issue->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    SummonsRequest request{.purpose = purpose, .place = place};
    if (!appear_at.empty()) {
      auto at = ParseInstant(appear_at, "appear-at");
      if (!at.ok()) return Fail(at.status());
      request.appearance_at = *at;
    }
    std::stringstream channels(channels_text);
    for (std::string name; std::getline(channels, name, ',');) {
      auto channel = ParseChannel(name, "channels");
      if (!channel.ok()) return Fail(channel.status());
      request.channels.push_back(*channel);
    }
    if (!person_ref.empty()) {
      if (!region.empty() || !office.empty() || limit > 0) {
        return Fail(InvalidArgument("person: give either --person or a selection, not both"));
      }
      auto person = ResolvePerson(**registry, person_ref);
      if (!person.ok()) return Fail(person.status());
      request.person_id = *person;
      auto summons = (*registry)->IssueSummons(Context(globals), request);
      if (!summons.ok()) return Fail(summons.status());
      std::printf("summons %lld issued to person %lld\n", static_cast<long long>(*summons), static_cast<long long>(*person));
      return 0;
    }
    if (limit <= 0) return Fail(InvalidArgument("limit: give --person, or --limit N for a batch"));
    Selection selection{.limit = limit};
    if (!region.empty()) selection.region = region;
    if (!office.empty()) selection.office = office;
    if (min_age >= 0) selection.min_age = min_age;
    if (max_age >= 0) selection.max_age = max_age;
    request.batch = "single";
    ProgressLine progress("issue");
    auto batch = (*registry)->IssueBatch(Context(globals), selection, request,
                                         [&](int64_t done, int64_t total) { progress.Update(done, total); });
    if (!batch.ok()) return Fail(batch.status());
    progress.Finish(batch->issued, "summonses");
    std::printf("batch %s: %lld issued of %lld considered\n", batch->batch.c_str(),
                static_cast<long long>(batch->issued), static_cast<long long>(batch->considered));
    for (const auto& [code, count] : batch->refused) {
      std::printf("  refused by gate %-18s %lld\n", code.c_str(), static_cast<long long>(count));
    }
    return 0;
  }));

  // deliver
  int64_t summons_id = 0;
  std::string channel_name, mark, at_text, evidence;
  auto* deliver = app.add_subcommand("deliver", "record a delivery mark of a channel (posting, delivery, refusal, signature)");
  deliver->add_option("--summons", summons_id)->required();
  deliver->add_option("--channel", channel_name)->required();
  deliver->add_option("--mark", mark, "e.g. delivered, refused, signed, addressee_absent")->required();
  deliver->add_option("--at", at_text, "when the mark was made (default: now)");
  deliver->add_option("--evidence", evidence, "what proves it")->required();
  deliver->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto channel = ParseChannel(channel_name, "channel");
    if (!channel.ok()) return Fail(channel.status());
    auto at = InstantOr(at_text, **registry, "at");
    if (!at.ok()) return Fail(at.status());
    auto attempt = (*registry)->RecordServiceMark(Context(globals), summons_id, *channel, mark, *at, evidence);
    if (!attempt.ok()) return Fail(attempt.status());
    std::printf("attempt %lld recorded for summons %lld\n", static_cast<long long>(*attempt), static_cast<long long>(summons_id));
    return 0;
  }));

  // appear
  auto* appear = app.add_subcommand("appear", "record that the person appeared (lifts measures at once)");
  appear->add_option("--summons", summons_id)->required();
  appear->add_option("--at", at_text, "when (default: now)");
  appear->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto at = InstantOr(at_text, **registry, "at");
    if (!at.ok()) return Fail(at.status());
    Status status = (*registry)->RecordAppearance(Context(globals), summons_id, *at);
    if (!status.ok()) return Fail(status);
    std::printf("appearance recorded for summons %lld\n", static_cast<long long>(summons_id));
    return 0;
  }));

  // excuse
  std::string reason, documents, note;
  int64_t record_id = 0;
  bool accept = false, reject = false;
  auto* excuse = app.add_subcommand("excuse", "file or decide a valid excuse");
  excuse->require_subcommand(1);
  auto* excuse_file = excuse->add_subcommand("file", "file an excuse for a summons");
  excuse_file->add_option("--summons", summons_id)->required();
  excuse_file->add_option("--reason", reason, "one of the profile's excuse reasons")->required();
  excuse_file->add_option("--documents", documents, "the documents that prove it")->required();
  excuse_file->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto id = (*registry)->FileExcuse(Context(globals), summons_id, reason, documents);
    if (!id.ok()) return Fail(id.status());
    std::printf("excuse %lld filed\n", static_cast<long long>(*id));
    return 0;
  }));
  auto* excuse_decide = excuse->add_subcommand("decide", "accept or reject an excuse");
  excuse_decide->add_option("--excuse", record_id)->required();
  excuse_decide->add_flag("--accept", accept);
  excuse_decide->add_flag("--reject", reject);
  excuse_decide->add_option("--note", note)->required();
  excuse_decide->callback(run([&] {
    if (accept == reject) return Fail(InvalidArgument("decision: give exactly one of --accept or --reject"));
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    Status status = (*registry)->DecideExcuse(Context(globals), record_id, accept, note);
    if (!status.ok()) return Fail(status);
    std::printf("excuse %lld %s\n", static_cast<long long>(record_id), accept ? "accepted" : "rejected");
    return 0;
  }));

  // objection
  int64_t objection_summons = 0;
  auto* objection = app.add_subcommand("objection", "file or decide an objection (blocks adverse action while pending)");
  objection->require_subcommand(1);
  auto* objection_file = objection->add_subcommand("file", "file an objection");
  objection_file->add_option("--person", person_ref)->required();
  objection_file->add_option("--summons", objection_summons, "the summons objected to, if any");
  objection_file->add_option("--reason", reason)->required();
  objection_file->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto person = ResolvePerson(**registry, person_ref);
    if (!person.ok()) return Fail(person.status());
    std::optional<SummonsId> summons;
    if (objection_summons > 0) summons = objection_summons;
    auto id = (*registry)->FileObjection(Context(globals), *person, summons, reason);
    if (!id.ok()) return Fail(id.status());
    std::printf("objection %lld filed\n", static_cast<long long>(*id));
    return 0;
  }));
  auto* objection_decide = objection->add_subcommand("decide", "uphold or reject an objection");
  objection_decide->add_option("--objection", record_id)->required();
  objection_decide->add_flag("--uphold", accept);
  objection_decide->add_flag("--reject", reject);
  objection_decide->add_option("--note", note)->required();
  objection_decide->callback(run([&] {
    if (accept == reject) return Fail(InvalidArgument("decision: give exactly one of --uphold or --reject"));
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    Status status = (*registry)->DecideObjection(Context(globals), record_id, accept, note);
    if (!status.ok()) return Fail(status);
    std::printf("objection %lld %s\n", static_cast<long long>(record_id), accept ? "upheld" : "rejected");
    return 0;
  }));

  // ground (deferment / exemption)
  std::string ground_kind = "deferment", basis, from_text, until_text;
  auto* ground = app.add_subcommand("ground", "grant or end a deferment or exemption");
  ground->require_subcommand(1);
  auto* ground_grant = ground->add_subcommand("grant", "grant a deferment or exemption (lifts measures at once)");
  ground_grant->add_option("--person", person_ref)->required();
  ground_grant->add_option("--kind", ground_kind)->check(CLI::IsMember({"deferment", "exemption"}))->capture_default_str();
  ground_grant->add_option("--basis", basis, "one of the profile's bases")->required();
  ground_grant->add_option("--from", from_text, "YYYY-MM-DD (default: today)");
  ground_grant->add_option("--until", until_text, "YYYY-MM-DD (default: indefinite)");
  ground_grant->add_option("--evidence", evidence)->required();
  ground_grant->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto person = ResolvePerson(**registry, person_ref);
    if (!person.ok()) return Fail(person.status());
    NewGround request{.person_id = *person, .exemption = ground_kind == "exemption", .basis = basis,
                      .valid_from = CivilDate(date::floor<date::days>((*registry)->Now())), .evidence = evidence};
    if (!from_text.empty()) {
      auto from = ParseDate(from_text, "from");
      if (!from.ok()) return Fail(from.status());
      request.valid_from = *from;
    }
    if (!until_text.empty()) {
      auto until = ParseDate(until_text, "until");
      if (!until.ok()) return Fail(until.status());
      request.valid_until = *until;
    }
    auto id = (*registry)->GrantGround(Context(globals), request);
    if (!id.ok()) return Fail(id.status());
    std::printf("%s %lld granted to person %lld\n", ground_kind.c_str(), static_cast<long long>(*id), static_cast<long long>(*person));
    return 0;
  }));
  auto* ground_end = ground->add_subcommand("end", "end a deferment or exemption");
  ground_end->add_option("--ground", record_id)->required();
  ground_end->add_option("--reason", reason)->required();
  ground_end->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    Status status = (*registry)->EndGround(Context(globals), record_id, reason);
    if (!status.ok()) return Fail(status);
    std::printf("ground %lld ended\n", static_cast<long long>(record_id));
    return 0;
  }));

  // fitness
  std::string category, commission;
  auto* fitness = app.add_subcommand("fitness", "record a fitness category decided by a commission");
  fitness->add_option("--person", person_ref)->required();
  fitness->add_option("--category", category, "А Б В Г Д (or A B V G D)")->required();
  fitness->add_option("--commission", commission)->required();
  fitness->add_option("--until", until_text, "YYYY-MM-DD, for a temporary category");
  fitness->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto person = ResolvePerson(**registry, person_ref);
    if (!person.ok()) return Fail(person.status());
    auto parsed = ParseFitnessCategory(category, "category");
    if (!parsed.ok()) return Fail(parsed.status());
    std::optional<CivilDate> until;
    if (!until_text.empty()) {
      auto date = ParseDate(until_text, "until");
      if (!date.ok()) return Fail(date.status());
      until = *date;
    }
    Status status = (*registry)->DecideFitness(Context(globals), *person, *parsed, commission, until);
    if (!status.ok()) return Fail(status);
    std::printf("fitness of person %lld recorded\n", static_cast<long long>(*person));
    return 0;
  }));

  // cancel
  auto* cancel = app.add_subcommand("cancel", "cancel a summons (lifts its measures)");
  cancel->add_option("--summons", summons_id)->required();
  cancel->add_option("--reason", reason)->required();
  cancel->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    Status status = (*registry)->CancelSummons(Context(globals), summons_id, reason);
    if (!status.ok()) return Fail(status);
    std::printf("summons %lld cancelled\n", static_cast<long long>(summons_id));
    return 0;
  }));

  // advance
  double days = 0, hours = 0;
  std::string to_text;
  auto* advance = app.add_subcommand("advance", "move a simulated clock forward and run what falls due");
  advance->add_option("--days", days);
  advance->add_option("--hours", hours);
  advance->add_option("--to", to_text, "an instant with offset");
  advance->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    Instant to = (*registry)->Now() + std::chrono::seconds(static_cast<int64_t>(days * 86400 + hours * 3600));
    if (!to_text.empty()) {
      auto parsed = ParseInstant(to_text, "to");
      if (!parsed.ok()) return Fail(parsed.status());
      to = *parsed;
    }
    ProgressLine progress("due actions");
    auto due = (*registry)->AdvanceTo(to, [&](int64_t done, int64_t total) { progress.Update(done, total); });
    if (!due.ok()) return Fail(due.status());
    std::printf("clock now %s; %lld due actions ran\n", FormatInstant((*registry)->Now()).c_str(),
                static_cast<long long>(due->actions));
    return 0;
  }));

  // run-due
  auto* run_due = app.add_subcommand("run-due", "run the due actions up to now (a scheduler tick)");
  run_due->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto due = (*registry)->RunDue();
    if (!due.ok()) return Fail(due.status());
    std::printf("%lld due actions ran\n", static_cast<long long>(due->actions));
    return 0;
  }));

  // person
  std::string reference;
  auto* person = app.add_subcommand("person", "show a person's card and timeline");
  person->add_option("person", reference, "person id or KIND:VALUE, e.g. snils:112-233-445 95")->required();
  person->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto id = ResolvePerson(**registry, reference);
    if (!id.ok()) return Fail(id.status());
    auto lines = (*registry)->PersonTimeline(*id);
    if (!lines.ok()) return Fail(lines.status());
    for (const std::string& line : *lines) std::printf("%s\n", line.c_str());
    return 0;
  }));

  // explain
  auto* explain = app.add_subcommand("explain", "why each measure is or is not in force for a person");
  explain->add_option("person", reference, "person id or KIND:VALUE")->required();
  explain->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto id = ResolvePerson(**registry, reference);
    if (!id.ok()) return Fail(id.status());
    auto explanation = (*registry)->Explain(*id);
    if (!explanation.ok()) return Fail(explanation.status());
    std::printf("person %lld under profile %s, at %s\n", static_cast<long long>(*id),
                explanation->profile.c_str(), FormatInstant((*registry)->Now()).c_str());
    if (explanation->gates.empty()) {
      std::printf("gates: none — adverse action is not blocked\n");
    } else {
      for (const std::string& gate : explanation->gates) std::printf("gate: %s\n", gate.c_str());
    }
    for (const std::string& line : explanation->service) std::printf("service: %s\n", line.c_str());
    for (const MeasureExplanation& measure : explanation->measures) {
      std::printf("%s: %s\n", std::string(MeasureKindName(measure.kind)).c_str(), measure.in_force ? "IN FORCE" : "not in force");
      for (const std::string& line : measure.lines) std::printf("    %s\n", line.c_str());
    }
    return 0;
  }));

  // verify
  auto* verify = app.add_subcommand("verify", "recompute the ledger's hash chain");
  verify->callback(run([&] {
    auto connection = OpenStore(globals.store, OpenMode::kExisting);
    if (!connection.ok()) return Fail(connection.status());
    ProgressLine progress("verify");
    auto verification = VerifyLedger(**connection, [&](int64_t done) { progress.Update(done, 0); });
    if (!verification.ok()) {
      std::fprintf(stderr, "\nmuster: verify FAILED: %s\n", verification.status().message().c_str());
      return kExitVerifyFailed;
    }
    progress.Finish(verification->events_checked, "events");
    std::printf("ledger OK: %lld events, head %s\n", static_cast<long long>(verification->events_checked),
                verification->head_hash.c_str());
    return 0;
  }));

  // stats
  auto* stats = app.add_subcommand("stats", "counts of persons, summonses and measures");
  stats->callback(run([&] {
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    auto result = (*registry)->Stats();
    if (!result.ok()) return Fail(result.status());
    std::printf("clock: %s (%s)\n", FormatInstant((*registry)->Now()).c_str(), (*registry)->simulated() ? "simulated" : "system");
    PrintStats(*result);
    return 0;
  }));

  // serve
  std::string listen = "127.0.0.1:8080";
  int io_threads = 1;
  bool demo_logins = false;
  std::string web_root;
  std::string tls_certificate;
  std::string tls_key;
  double rate_limit = 100;
  double rate_burst = 200;
  int journal_sync_ms = 50;
  auto* serve = app.add_subcommand("serve", "serve the HTTP API until SIGINT or SIGTERM (docs/HTTP.md)");
  serve->add_option("--listen", listen, "ADDRESS:PORT to listen on (port 0: any free port)")->capture_default_str();
  serve->add_option("--threads", io_threads, "I/O threads (database work runs on one worker)")->capture_default_str();
  serve->add_option("--tls-certificate", tls_certificate, "PEM certificate chain: serve HTTPS");
  serve->add_option("--tls-key", tls_key, "PEM private key of the certificate");
  serve->add_option("--web", web_root, "serve the built front end from this directory (web/dist)");
  serve->add_flag("--demo-logins", demo_logins, "enable citizen demo login by SNILS (demo registries only)");
  serve->add_option("--rate-limit", rate_limit, "requests per second per caller (0: no limit)")->capture_default_str();
  serve->add_option("--rate-burst", rate_burst, "burst per caller")->capture_default_str();
  serve->add_option("--journal-sync-ms", journal_sync_ms,
                    "access-journal entries reach stable storage within this many ms (0: every "
                    "commit is synced before the answer)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  serve->callback(run([&] {
    http::ServerOptions options;
    options.io_threads = io_threads;
    options.rate_limit = rate_limit;
    options.rate_burst = rate_burst;
    options.journal_sync_interval = std::chrono::milliseconds(journal_sync_ms);
    options.demo_logins = demo_logins;
    options.web_root = web_root;
    options.tls_certificate = tls_certificate;
    options.tls_private_key = tls_key;
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return Fail(InvalidArgument("listen: expected ADDRESS:PORT, got '" + listen + "'"));
    options.address = listen.substr(0, colon);
    if (options.address.size() >= 2 && options.address.front() == '[' && options.address.back() == ']') {
      options.address = options.address.substr(1, options.address.size() - 2);
    }
    char* end = nullptr;
    std::string port_text = listen.substr(colon + 1);
    long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
      return Fail(InvalidArgument("listen: '" + port_text + "' is not a port"));
    }
    options.port = static_cast<uint16_t>(port);
    auto registry = OpenRegistry(globals);
    if (!registry.ok()) return Fail(registry.status());
    if (demo_logins && !(*registry)->simulated()) {
      return Fail(FailedPrecondition("demo-logins: only on a demo registry (simulated clock)"));
    }
    auto connect = [&globals] { return OpenStore(globals.store, OpenMode::kExisting); };
    auto server = http::HttpServer::Create(std::move(registry).value(), connect, options);
    if (!server.ok()) return Fail(server.status());
    (*server)->StopOnSignals();
    (*server)->Start();
    std::printf("muster: serving %s://%s:%u (SIGINT or SIGTERM stops)\n", tls_certificate.empty() ? "http" : "https",
                listen.substr(0, colon).c_str(),
                static_cast<unsigned>((*server)->port()));
    std::fflush(stdout);
    (*server)->Wait();
    std::printf("muster: server stopped\n");
    return 0;
  }));

  // demo
  DemoOptions demo_options;
  std::string demo_start = "2026-04-01T09:00:00+03:00";
  auto* demo = app.add_subcommand("demo", "create a demo registry and play a campaign through simulated time");
  demo->add_option("--persons", demo_options.persons)->capture_default_str();
  demo->add_option("--seed", demo_options.seed)->capture_default_str();
  demo->add_option("--campaign", demo_options.campaign_size, "summonses in the main batch")->capture_default_str();
  demo->add_option("--start", demo_start)->capture_default_str();
  demo->add_option("--profile", profile_name)->capture_default_str();
  std::string credentials_file;
  demo->add_option("--credentials", credentials_file, "write demo accounts' credentials to this file (0600)");
  demo->callback(run([&] {
    auto start = ParseInstant(demo_start, "start");
    if (!start.ok()) return Fail(start.status());
    std::filesystem::path path = ProfileDir() / (profile_name + ".toml");
    std::ifstream file(path);
    if (!file) return Fail(NotFound("profile: no profile '" + profile_name + "' (looked for " + path.string() + ")"));
    std::stringstream text;
    text << file.rdbuf();
    std::filesystem::path key_directory = KeyDirectoryFor(globals.store, globals.key_dir);
    if (Status given = CheckKeyDirectoryGiven(key_directory); !given.ok()) return Fail(given);
    auto connection = OpenStore(globals.store, OpenMode::kCreate);
    if (!connection.ok()) return Fail(connection.status());
    auto registry = Registry::Create(std::move(connection).value(), text.str(), path.filename().string(), *start);
    if (!registry.ok()) return Fail(registry.status());
    auto key_id = CreateFirstSigningKey(**registry, key_directory);
    if (!key_id.ok()) return Fail(key_id.status());
    std::printf("signing key %s created in %s\n", key_id->c_str(), key_directory.string().c_str());
    ProgressLine progress("generate");
    LoadOptions population{.count = demo_options.persons, .seed = demo_options.seed};
    auto count = LoadSyntheticPopulation(**registry, population, [&](int64_t done, int64_t total) { progress.Update(done, total); });
    if (!count.ok()) return Fail(count.status());
    progress.Finish(*count, "persons");
    Status played = PlayDemoCampaign(**registry, demo_options, [](const std::string& line) { std::printf("demo: %s\n", line.c_str()); });
    if (!played.ok()) return Fail(played);
    auto result = (*registry)->Stats();
    if (!result.ok()) return Fail(result.status());
    std::printf("\n");
    PrintStats(*result);
    if (!credentials_file.empty()) {
      auto accounts = CreateDemoAccounts(**registry, credentials_file);
      if (!accounts.ok()) return Fail(accounts.status());
      std::printf("demo accounts: %zu, credentials in %s\n", accounts->size(), credentials_file.c_str());
    }
    return 0;
  }));

  AddAccountCommands(app, globals.store, exit_code);

  AddFeedCommands(app, globals.store, globals.actor, exit_code);  // issue 7: app/feed_commands.h

  AddDocumentCommands(app, globals.store, globals.key_dir, exit_code);  // issue 6: keys, print
  AddDeliveryCommands(app, globals.store, globals.actor, globals.idempotency_key,
                      exit_code);  // issue 6: mail import, consent, notify

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code;
}

}  // namespace muster
