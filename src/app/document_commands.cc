#include "app/document_commands.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/progress.h"
#include "documents/pdf/summons_pdf.h"
#include "registry/registry.h"
#include "store/engines/open.h"

namespace muster {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "muster: %s\n", status.message().c_str());
  return 1;
}

Result<std::unique_ptr<Registry>> Open(const std::string& store, const std::string& key_dir) {
  ASSIGN_OR_RETURN(auto connection, OpenStore(store, OpenMode::kExisting));
  ASSIGN_OR_RETURN(auto registry, Registry::Open(std::move(connection)));
  RETURN_IF_ERROR(registry->EnableSigning(KeyDirectoryFor(store, key_dir)));
  return registry;
}

std::string InstantOrDash(const std::optional<Instant>& instant) {
  return instant ? FormatInstant(*instant) : "-";
}

// The summonses `print` selects, in id order.
struct PrintSelection {
  std::vector<int64_t> summons_ids;
  std::string batch;
  std::string channel;
  bool unserved = false;
};

Result<std::vector<SummonsId>> SelectForPrint(Connection& connection,
                                              const PrintSelection& selection) {
  int ways = (selection.summons_ids.empty() ? 0 : 1) + (selection.batch.empty() ? 0 : 1) +
             (selection.channel.empty() ? 0 : 1);
  if (ways != 1) {
    return InvalidArgument(
        "print: give exactly one of --summons ID…, --batch NAME or --channel CHANNEL");
  }
  if (!selection.summons_ids.empty()) {
    if (selection.unserved) return InvalidArgument("unserved: only with --batch or --channel");
    return std::vector<SummonsId>(selection.summons_ids.begin(), selection.summons_ids.end());
  }
  std::string sql;
  std::string parameter;
  if (!selection.batch.empty()) {
    sql = "SELECT summons_id FROM summonses s WHERE batch = $1";
    parameter = selection.batch;
  } else {
    RETURN_IF_ERROR(ParseChannel(selection.channel, "channel").status());
    // Summonses dispatched through the channel (its first mark is on record).
    sql = "SELECT summons_id FROM summonses s WHERE EXISTS (SELECT 1 FROM service_attempts a "
          "WHERE a.summons_id = s.summons_id AND a.channel = $1)";
    parameter = selection.channel;
  }
  if (selection.unserved) sql += " AND s.status = 'issued'";
  sql += " ORDER BY summons_id";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(parameter);
  std::vector<SummonsId> ids;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) break;
    ids.push_back(query.Int(0));
  }
  return ids;
}

}  // namespace

std::filesystem::path KeyDirectoryFor(std::string_view store_url, std::string_view key_dir) {
  if (!key_dir.empty()) return std::filesystem::path(key_dir);
  constexpr std::string_view kSqlite = "sqlite:";
  if (store_url.starts_with(kSqlite) && store_url.size() > kSqlite.size()) {
    return std::string(store_url.substr(kSqlite.size())) + ".keys";
  }
  return {};
}

Status CheckKeyDirectoryGiven(const std::filesystem::path& key_directory) {
  if (!key_directory.empty()) return Status::Ok();
  return FailedPrecondition(
      "key-dir: every summons is signed, and this store has no key directory of its own: give "
      "--key-dir DIR (or MUSTER_KEY_DIR) for the signing key's secret");
}

Result<std::string> CreateFirstSigningKey(Registry& registry,
                                          const std::filesystem::path& key_directory) {
  RETURN_IF_ERROR(CheckKeyDirectoryGiven(key_directory));
  RETURN_IF_ERROR(registry.EnableSigning(key_directory));
  return registry.RotateSigningKey();
}

void AddDocumentCommands(CLI::App& app, const std::string& store, const std::string& key_dir,
                         int& exit_code) {
  auto run = [&exit_code](auto body) { return [&exit_code, body]() { exit_code = body(); }; };

  // keys
  auto* keys = app.add_subcommand("keys", "the registry's signing keys (Ed25519)");
  keys->require_subcommand(1);
  keys->add_subcommand("list", "every key with its state")->callback(run([&] {
    auto registry = Open(store, key_dir);
    if (!registry.ok()) return Fail(registry.status());
    const KeyRing& ring = *(*registry)->key_ring();
    std::printf("%-18s %-8s %-21s %-21s %s\n", "key", "state", "created", "retired", "revoked");
    for (const SigningKeyInfo& key : ring.keys()) {
      std::printf("%-18s %-8s %-21s %-21s %s\n", key.key_id.c_str(),
                  std::string(KeyStateName(key.state())).c_str(),
                  FormatInstant(key.created_at).c_str(), InstantOrDash(key.retired_at).c_str(),
                  InstantOrDash(key.revoked_at).c_str());
    }
    Status signing = (*registry)->signing_status();
    std::printf("signing here: %s\n", signing.ok() ? "yes" : signing.message().c_str());
    return 0;
  }));
  keys->add_subcommand("rotate", "create a new active key; the old one retires (its notices still verify)")
      ->callback(run([&] {
        auto registry = Open(store, key_dir);
        if (!registry.ok()) return Fail(registry.status());
        std::filesystem::path directory = KeyDirectoryFor(store, key_dir);
        if (Status given = CheckKeyDirectoryGiven(directory); !given.ok()) return Fail(given);
        auto key_id = (*registry)->RotateSigningKey();
        if (!key_id.ok()) return Fail(key_id.status());
        std::printf("signing key %s is active; its secret is %s (mode 0600): copy it to every "
                    "other signing node and reload them\n",
                    key_id->c_str(), (directory / (*key_id + ".key")).string().c_str());
        return 0;
      }));
  // Option values live as long as `app`: in a state shared by the callbacks.
  struct Options {
    std::string revoke_key, revoke_reason;
    PrintSelection selection;
    std::string out = "summonses.pdf";
    std::string verify_url;
  };
  auto options = std::make_shared<Options>();
  std::string& revoke_key = options->revoke_key;
  std::string& revoke_reason = options->revoke_reason;
  auto* revoke = keys->add_subcommand(
      "revoke", "mark a key compromised: every notice it signed then verifies as not genuine");
  revoke->add_option("--key", revoke_key, "key id, e.g. 2026-04-01-a1b2")->required();
  revoke->add_option("--reason", revoke_reason, "why (internal; not shown publicly)")->required();
  revoke->callback(run([&store, &key_dir, options] {
    const std::string& revoke_key = options->revoke_key;
    const std::string& revoke_reason = options->revoke_reason;
    auto registry = Open(store, key_dir);
    if (!registry.ok()) return Fail(registry.status());
    Status revoked = (*registry)->RevokeSigningKey(revoke_key, revoke_reason);
    if (!revoked.ok()) return Fail(revoked);
    std::printf("signing key %s revoked: its notices now verify as not genuine and must be "
                "re-issued%s\n",
                revoke_key.c_str(),
                (*registry)->signing_status().ok() ? "" : "; nothing signs until `muster keys rotate`");
    return 0;
  }));

  // print
  PrintSelection& selection = options->selection;
  std::string& out = options->out;
  std::string& verify_url = options->verify_url;
  auto* print = app.add_subcommand(
      "print", "print signed summonses as one PDF, a page each (registered mail)");
  print->add_option("--summons", selection.summons_ids, "summons ids");
  print->add_option("--batch", selection.batch, "every summons of a batch");
  print->add_option("--channel", selection.channel,
                    "every summons dispatched through a channel, e.g. registered_mail");
  print->add_flag("--unserved", selection.unserved, "only summonses not served yet");
  print->add_option("--out", out, "the PDF to write")->capture_default_str();
  print->add_option("--verify-url", verify_url,
                    "public verification base URL the QR code points to (default: "
                    "$MUSTER_VERIFY_URL or https://muster.example/verify/)");
  print->callback(run([&store, &key_dir, options] {
    const PrintSelection& selection = options->selection;
    const std::string& out = options->out;
    const std::string& verify_url = options->verify_url;
    auto registry = Open(store, key_dir);
    if (!registry.ok()) return Fail(registry.status());
    auto ids = SelectForPrint((*registry)->connection(), selection);
    if (!ids.ok()) return Fail(ids.status());
    if (ids->empty()) return Fail(NotFound("print: no summons matches"));
    PdfOptions pdf;
    if (!verify_url.empty()) {
      pdf.verify_base_url = verify_url;
    } else if (const char* env = std::getenv("MUSTER_VERIFY_URL")) {
      pdf.verify_base_url = env;
    }
    for (const auto& [id, text] : (*registry)->profile().legal_bases) {
      pdf.legal_basis_texts.emplace(id, text);
    }
    ProgressLine progress("print");
    Status printed = RenderStoredSummonsPdf(
        (*registry)->connection(), *ids, out, pdf,
        [&](int64_t done, int64_t total) { progress.Update(done, total); });
    if (!printed.ok()) return Fail(printed);
    progress.Finish(static_cast<int64_t>(ids->size()), "pages");
    std::printf("%zu summonses printed to %s\n", ids->size(), out.c_str());
    return 0;
  }));
}

}  // namespace muster
