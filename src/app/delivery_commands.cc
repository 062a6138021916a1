#include "app/delivery_commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "app/progress.h"
#include "registry/delivery.h"
#include "registry/queries.h"
#include "registry/registry.h"
#include "store/engines/open.h"

namespace muster {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "muster: %s\n", status.message().c_str());
  return 1;
}

// These commands issue nothing, so the registry needs no signing key here.
Result<std::unique_ptr<Registry>> Open(const std::string& store) {
  ASSIGN_OR_RETURN(auto connection, OpenStore(store, OpenMode::kExisting));
  return Registry::Open(std::move(connection));
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("file: cannot read '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// "123" is a person id; "snils:…", "inn:…", "passport:…" look a person up.
Result<PersonId> ResolvePerson(Registry& registry, const std::string& reference) {
  auto colon = reference.find(':');
  if (colon == std::string::npos) {
    char* end = nullptr;
    long long id = std::strtoll(reference.c_str(), &end, 10);
    if (reference.empty() || *end != '\0' || id <= 0) {
      return InvalidArgument("person: '" + reference +
                             "' is neither a person id nor KIND:VALUE (snils:…, inn:…)");
    }
    return static_cast<PersonId>(id);
  }
  ASSIGN_OR_RETURN(IdentifierKind kind, ParseIdentifierKind(reference.substr(0, colon), "person"));
  return registry.FindPerson(kind, reference.substr(colon + 1));
}

}  // namespace

void AddDeliveryCommands(CLI::App& app, const std::string& store, const std::string& actor,
                         const std::string& idempotency_key, int& exit_code) {
  auto run = [&exit_code](auto body) { return [&exit_code, body]() { exit_code = body(); }; };
  // Option values live as long as `app`: in a state shared by the callbacks.
  struct Options {
    std::string file, format, person, channel, address, evidence, mark = "sent", at;
    int64_t summons_id = 0;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto context = [&actor, &idempotency_key]() -> CommandContext {
    return {.idempotency_key = idempotency_key, .actor = actor};
  };

  // mail import
  auto* mail = app.add_subcommand("mail", "registered mail: the postal operator's tracking events");
  mail->require_subcommand(1);
  auto* import = mail->add_subcommand(
      "import", "record the operator's events (accepted, delivered, refused, addressee_absent, "
                "returned) as marks of their summonses");
  import->add_option("--file", options->file, "CSV with a header, or JSON lines")->required();
  import->add_option("--format", options->format, "csv or jsonl (default: from the file name)");
  import->add_flag("--json", options->json, "print the report as JSON");
  import->callback(run([&store, context, options] {
    std::string format_name = options->format;
    if (format_name.empty()) {
      std::string_view file = options->file;
      format_name = file.ends_with(".jsonl") || file.ends_with(".ndjson") ? "jsonl" : "csv";
    }
    auto format = ParsePostalFormat(format_name, "format");
    if (!format.ok()) return Fail(format.status());
    auto bytes = ReadAll(options->file);
    if (!bytes.ok()) return Fail(bytes.status());
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    ProgressLine progress("mail import");
    auto report = (*registry)->ImportPostalTracking(
        context(), *bytes, *format,
        [&](int64_t done, int64_t total) { progress.Update(done, total); });
    if (!report.ok()) return Fail(report.status());
    progress.Finish(report->recorded, "marks");
    if (options->json) {
      std::printf("%s\n", PostalImportReportJson(*report).c_str());
    } else {
      std::printf("%lld lines: %lld recorded (%lld served a summons), %lld already on record, "
                  "%zu refused\n",
                  static_cast<long long>(report->lines), static_cast<long long>(report->recorded),
                  static_cast<long long>(report->served),
                  static_cast<long long>(report->duplicates), report->errors.size());
      for (const PostalLineError& error : report->errors) {
        std::printf("  line %lld: %s\n", static_cast<long long>(error.line), error.message.c_str());
      }
    }
    // Good lines are recorded either way; refused lines make the exit code say so.
    return report->errors.empty() ? 0 : 2;
  }));

  // consent
  auto* consent = app.add_subcommand("consent", "consent to notifications by sms or email");
  consent->require_subcommand(1);
  auto* record = consent->add_subcommand("record", "record a person's consent to a channel");
  record->add_option("--person", options->person, "person id or KIND:VALUE")->required();
  record->add_option("--channel", options->channel, "sms or email")->required();
  record->add_option("--address", options->address, "+79101234567 or name@example.ru")->required();
  record->add_option("--evidence", options->evidence, "the signed form, the portal session")->required();
  record->callback(run([&store, context, options] {
    auto channel = ParseNotificationChannel(options->channel, "channel");
    if (!channel.ok()) return Fail(channel.status());
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto person = ResolvePerson(**registry, options->person);
    if (!person.ok()) return Fail(person.status());
    auto id = (*registry)->RecordConsent(context(), *person, *channel, options->address,
                                         options->evidence);
    if (!id.ok()) return Fail(id.status());
    std::printf("consent %lld of person %lld to %s recorded\n", static_cast<long long>(*id),
                static_cast<long long>(*person), options->channel.c_str());
    return 0;
  }));
  auto* withdraw = consent->add_subcommand("withdraw", "withdraw a person's consent to a channel");
  withdraw->add_option("--person", options->person, "person id or KIND:VALUE")->required();
  withdraw->add_option("--channel", options->channel, "sms or email")->required();
  withdraw->add_option("--evidence", options->evidence, "the written withdrawal")->required();
  withdraw->callback(run([&store, context, options] {
    auto channel = ParseNotificationChannel(options->channel, "channel");
    if (!channel.ok()) return Fail(channel.status());
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto person = ResolvePerson(**registry, options->person);
    if (!person.ok()) return Fail(person.status());
    Status status = (*registry)->WithdrawConsent(context(), *person, *channel, options->evidence);
    if (!status.ok()) return Fail(status);
    std::printf("consent of person %lld to %s withdrawn\n", static_cast<long long>(*person),
                options->channel.c_str());
    return 0;
  }));
  auto* list = consent->add_subcommand("list", "a person's consents, in force and withdrawn");
  list->add_option("--person", options->person, "person id or KIND:VALUE")->required();
  list->callback(run([&store, options] {
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    auto person = ResolvePerson(**registry, options->person);
    if (!person.ok()) return Fail(person.status());
    auto consents = ReadConsentsOfPerson((*registry)->connection(), *person);
    if (!consents.ok()) return Fail(consents.status());
    for (const ConsentRow& row : *consents) {
      std::printf("consent %lld %-5s %-24s given %s (%s)%s\n", static_cast<long long>(row.consent_id),
                  row.channel.c_str(), row.address.c_str(), FormatInstant(row.given_at).c_str(),
                  row.evidence.c_str(),
                  row.withdrawn_at ? (", withdrawn " + FormatInstant(*row.withdrawn_at) + " (" +
                                      row.withdrawal_evidence + ")")
                                         .c_str()
                                   : ", in force");
    }
    return 0;
  }));

  // notify
  auto* notify = app.add_subcommand(
      "notify", "record a notification of a summons by sms or email (never service; needs consent)");
  notify->add_option("--summons", options->summons_id)->required();
  notify->add_option("--channel", options->channel, "sms or email")->required();
  notify->add_option("--mark", options->mark, "sent, delivered or failed")->capture_default_str();
  notify->add_option("--at", options->at, "when (default: now)");
  notify->add_option("--evidence", options->evidence, "the gateway's message id or report")->required();
  notify->callback(run([&store, context, options] {
    auto channel = ParseNotificationChannel(options->channel, "channel");
    if (!channel.ok()) return Fail(channel.status());
    auto registry = Open(store);
    if (!registry.ok()) return Fail(registry.status());
    Instant at = (*registry)->Now();
    if (!options->at.empty()) {
      auto parsed = ParseInstant(options->at, "at");
      if (!parsed.ok()) return Fail(parsed.status());
      at = *parsed;
    }
    auto attempt = (*registry)->RecordNotification(context(), options->summons_id, *channel,
                                                   options->mark, at, options->evidence);
    if (!attempt.ok()) return Fail(attempt.status());
    std::printf("notification %lld recorded for summons %lld (not service)\n",
                static_cast<long long>(*attempt), static_cast<long long>(options->summons_id));
    return 0;
  }));
}

}  // namespace muster
