#include "app/accounts.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "access/identity_store.h"
#include "access/passwords.h"
#include "common/crypto.h"
#include "feeds/feed_format.h"
#include "registry/queries.h"
#include "store/engines/open.h"
#include "store/migrations.h"

namespace muster {
namespace {

using access::Grant;
using access::Jurisdiction;
using access::PrincipalKind;

int Fail(const Status& status) {
  std::fprintf(stderr, "muster: %s\n", status.message().c_str());
  return 1;
}

Result<std::unique_ptr<Connection>> OpenExisting(const std::string& store) {
  ASSIGN_OR_RETURN(auto connection, OpenStore(store, OpenMode::kExisting));
  RETURN_IF_ERROR(Migrate(*connection));
  return connection;
}

// "summons.issue@region:RYA" → a grant.
Result<Grant> ParseGrant(const std::string& text) {
  size_t at = text.find('@');
  if (at == std::string::npos) {
    return InvalidArgument("grant: '" + text + "' is not SCOPE@JURISDICTION (e.g. person.read@region:RYA)");
  }
  ASSIGN_OR_RETURN(Jurisdiction where, Jurisdiction::Parse(text.substr(at + 1), "grant"));
  return Grant{text.substr(0, at), std::move(where)};
}

// The password from $MUSTER_PASSWORD, else the first line of stdin: never from the command
// line, where every user of the machine could read it in the process list.
Result<std::string> ReadPassword() {
  if (const char* env = std::getenv("MUSTER_PASSWORD")) return std::string(env);
  std::string line;
  if (!std::getline(std::cin, line)) {
    return InvalidArgument("password: give it in $MUSTER_PASSWORD or on the first line of stdin");
  }
  return line;
}

std::string RandomPassword() {
  (void)InitCrypto();
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
  std::string password;
  for (int i = 0; i < 16; ++i) {
    password.push_back(kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)]);
    if (i % 4 == 3 && i != 15) password.push_back('-');
  }
  return password;
}

// Every scope an office officer uses day to day.
std::vector<Grant> OfficerGrants(const Jurisdiction& where) {
  std::vector<Grant> grants;
  for (std::string_view scope :
       {access::scope::kPersonRead, access::scope::kSummonsIssue, access::scope::kSummonsCancel,
        access::scope::kServiceRecord, access::scope::kAppearanceRecord,
        access::scope::kExcuseFile, access::scope::kExcuseDecide, access::scope::kObjectionFile,
        access::scope::kObjectionDecide, access::scope::kGroundGrant,
        access::scope::kFitnessDecide, access::scope::kMeasureLift, access::scope::kReviewMatch,
        access::scope::kDocumentPrint, access::scope::kConsentRecord,
        access::scope::kNotificationRecord}) {
    grants.push_back({std::string(scope), where});
  }
  return grants;
}

}  // namespace

void AddAccountCommands(CLI::App& app, const std::string& store, int& exit_code) {
  auto* account = app.add_subcommand("account", "officer, agency and administrator accounts");
  account->require_subcommand(1);
  auto run = [&exit_code](std::function<int()> body) {
    return [&exit_code, body = std::move(body)] { exit_code = body(); };
  };

  static std::string kind = "officer", login, name, consumer, source_agency, label = "api key";
  static std::vector<std::string> grants;
  static int days = 365;
  static int64_t credential_id = 0;
  auto* add = account->add_subcommand(
      "add", "create an account; officers get a TOTP secret, the password comes from "
             "$MUSTER_PASSWORD or stdin");
  add->add_option("--kind", kind, "officer, agency or admin")->capture_default_str();
  add->add_option("--login", login)->required();
  add->add_option("--name", name, "display name")->required();
  add->add_option("--grant", grants, "SCOPE@JURISDICTION, repeatable (jurisdiction: all, region:RYA, office:RYA-01)");
  add->add_option("--consumer", consumer, "agencies: the consumer they enforce for (border, lenders, …)");
  add->add_option("--source-agency", source_agency,
                  "agencies: the feed they send (civil_status, interior, tax, social_fund, "
                  "education, health); their key uploads that agency's batches only");
  add->callback(run([&store] {
    auto parsed_kind = access::ParsePrincipalKind(kind, "kind");
    if (!parsed_kind.ok()) return Fail(parsed_kind.status());
    if (!source_agency.empty()) {
      auto agency = feeds::ParseAgency(source_agency, "source-agency");
      if (!agency.ok()) return Fail(agency.status());
    }
    access::NewAccount account{.kind = *parsed_kind, .login = login, .display_name = name,
                               .consumer = consumer, .source_agency = source_agency};
    for (const std::string& text : grants) {
      auto grant = ParseGrant(text);
      if (!grant.ok()) return Fail(grant.status());
      account.grants.push_back(*grant);
    }
    if (account.kind == PrincipalKind::kOfficer || account.kind == PrincipalKind::kAdmin) {
      auto password = ReadPassword();
      if (!password.ok()) return Fail(password.status());
      account.password = *password;
    }
    auto connection = OpenExisting(store);
    if (!connection.ok()) return Fail(connection.status());
    access::IdentityStore identity(**connection);
    SystemClock clock;
    auto created = identity.CreateAccount(account, clock.Now());
    if (!created.ok()) return Fail(created.status());
    std::printf("account %lld: %s (%s)\n", static_cast<long long>(created->account_id), login.c_str(),
                kind.c_str());
    if (!created->totp_secret.empty()) {
      std::printf("TOTP secret (add to an authenticator app; shown once): %s\n%s\n",
                  created->totp_secret.c_str(),
                  access::TotpProvisioningUri(login, created->totp_secret).c_str());
    }
    return 0;
  }));

  auto* key = account->add_subcommand("key", "issue an API key for an agency account (shown once)");
  key->add_option("--login", login)->required();
  key->add_option("--label", label)->capture_default_str();
  key->add_option("--days", days, "lifetime in days")->capture_default_str()->check(CLI::Range(1, 3650));
  key->callback(run([&store] {
    auto connection = OpenExisting(store);
    if (!connection.ok()) return Fail(connection.status());
    access::IdentityStore identity(**connection);
    SystemClock clock;
    auto issued = identity.IssueApiKey(login, label, clock.Now(), std::chrono::days(days));
    if (!issued.ok()) return Fail(issued.status());
    std::printf("key %lld for %s, expires %s:\n%s\n", static_cast<long long>(issued->credential_id),
                login.c_str(), FormatInstant(issued->expires_at).c_str(), issued->token.c_str());
    return 0;
  }));

  auto* revoke = account->add_subcommand("revoke", "revoke an account and all its sessions and keys");
  revoke->add_option("--login", login)->required();
  revoke->callback(run([&store] {
    auto connection = OpenExisting(store);
    if (!connection.ok()) return Fail(connection.status());
    access::IdentityStore identity(**connection);
    Status revoked = identity.RevokeAccount(login, SystemClock().Now());
    if (!revoked.ok()) return Fail(revoked);
    std::printf("revoked %s\n", login.c_str());
    return 0;
  }));

  auto* revoke_key = account->add_subcommand("revoke-key", "revoke one session or API key by id");
  revoke_key->add_option("--id", credential_id)->required();
  revoke_key->callback(run([&store] {
    auto connection = OpenExisting(store);
    if (!connection.ok()) return Fail(connection.status());
    access::IdentityStore identity(**connection);
    Status revoked = identity.RevokeCredential(credential_id, SystemClock().Now());
    if (!revoked.ok()) return Fail(revoked);
    std::printf("revoked credential %lld\n", static_cast<long long>(credential_id));
    return 0;
  }));

  auto* list = account->add_subcommand("list", "accounts and their grants");
  list->callback(run([&store] {
    auto connection = OpenExisting(store);
    if (!connection.ok()) return Fail(connection.status());
    access::IdentityStore identity(**connection);
    auto accounts = identity.ListAccounts();
    if (!accounts.ok()) return Fail(accounts.status());
    for (const access::AccountSummary& summary : *accounts) {
      std::printf("%-22s %-8s %s%s\n", summary.login.c_str(),
                  std::string(access::PrincipalKindName(summary.kind)).c_str(),
                  summary.display_name.c_str(), summary.revoked ? " (revoked)" : "");
      for (const Grant& grant : summary.grants) {
        std::printf("    %s@%s\n", grant.scope.c_str(), grant.jurisdiction.ToString().c_str());
      }
    }
    return 0;
  }));

  auto* totp = account->add_subcommand(
      "totp", "print an officer's current TOTP code — demo registries (simulated clock) only");
  totp->add_option("--login", login)->required();
  totp->callback(run([&store] {
    auto connection = OpenExisting(store);
    if (!connection.ok()) return Fail(connection.status());
    auto registry = Registry::Open(std::move(connection).value());
    if (!registry.ok()) return Fail(registry.status());
    if (!(*registry)->simulated()) {
      return Fail(FailedPrecondition(
          "totp: only on a demo registry; real officers read the code from their authenticator"));
    }
    access::IdentityStore identity((*registry)->connection());
    auto code = identity.CurrentTotpCode(login, SystemClock().Now());
    if (!code.ok()) return Fail(code.status());
    std::printf("%s\n", code->c_str());
    return 0;
  }));
}

Result<std::vector<DemoAccount>> CreateDemoAccounts(Registry& registry,
                                                    const std::filesystem::path& credentials_file) {
  if (!registry.simulated()) {
    return FailedPrecondition("demo accounts: only on a demo registry (simulated clock)");
  }
  Connection& db = registry.connection();
  access::IdentityStore identity(db);
  Instant now = SystemClock().Now();
  std::vector<DemoAccount> accounts;

  auto officer = [&](const std::string& login, const std::string& name,
                     std::vector<Grant> grants, PrincipalKind kind) -> Status {
    std::string password = RandomPassword();
    ASSIGN_OR_RETURN(access::CreatedAccount created,
                     identity.CreateAccount({.kind = kind, .login = login, .display_name = name,
                                             .password = password, .grants = std::move(grants)},
                                            now));
    accounts.push_back({name, login, password});
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(Jurisdiction ryazan, Jurisdiction::Parse("region:RYA", "demo"));
  ASSIGN_OR_RETURN(Jurisdiction moscow, Jurisdiction::Parse("region:MOW", "demo"));
  ASSIGN_OR_RETURN(Jurisdiction everywhere, Jurisdiction::Parse("all", "demo"));
  RETURN_IF_ERROR(officer("ryazan.officer", "Officer, Ryazan region", OfficerGrants(ryazan),
                          PrincipalKind::kOfficer));
  RETURN_IF_ERROR(officer("moscow.officer", "Officer, Moscow", OfficerGrants(moscow),
                          PrincipalKind::kOfficer));
  std::vector<Grant> auditor_grants = {{std::string(access::scope::kPersonRead), everywhere},
                                       {std::string(access::scope::kAuditRead), everywhere}};
  RETURN_IF_ERROR(officer("federal.auditor", "Auditor, all regions", auditor_grants,
                          PrincipalKind::kOfficer));

  ASSIGN_OR_RETURN(access::CreatedAccount border,
                   identity.CreateAccount({.kind = PrincipalKind::kAgency,
                                           .login = "border.service",
                                           .display_name = "Border service (exit checks)",
                                           .grants = {{std::string(access::scope::kMeasureCheck),
                                                       everywhere}},
                                           .consumer = "border"},
                                          now));
  (void)border;
  ASSIGN_OR_RETURN(access::IssuedCredential key,
                   identity.IssueApiKey("border.service", "demo", now, std::chrono::days(30)));
  accounts.push_back({"Border service API key", "border.service", key.token});
  // The interior ministry's feed: its key uploads interior batches (POST /feeds/interior/…).
  ASSIGN_OR_RETURN(access::CreatedAccount interior,
                   identity.CreateAccount({.kind = PrincipalKind::kAgency,
                                           .login = "interior.feed",
                                           .display_name = "Interior ministry (feed)",
                                           .grants = {{std::string(access::scope::kFeedUpload),
                                                       everywhere}},
                                           .source_agency = "interior"},
                                          now));
  (void)interior;
  ASSIGN_OR_RETURN(access::IssuedCredential feed_key,
                   identity.IssueApiKey("interior.feed", "demo", now, std::chrono::days(30)));
  accounts.push_back({"Interior ministry feed API key", "interior.feed", feed_key.token});

  // A citizen of Ryazan region with measures in force, if the demo has one; else any.
  std::string snils;
  for (std::string_view sql :
       {"SELECT i.value FROM measures m JOIN persons p ON p.person_id = m.person_id "
        "JOIN person_identifiers i ON i.person_id = p.person_id AND i.kind = 'snils' "
        "WHERE m.lifted_at IS NULL AND p.region = 'RYA' ORDER BY m.person_id LIMIT 1",
        "SELECT i.value FROM summonses s JOIN persons p ON p.person_id = s.person_id "
        "JOIN person_identifiers i ON i.person_id = p.person_id AND i.kind = 'snils' "
        "WHERE p.region = 'RYA' ORDER BY s.summons_id LIMIT 1",
        "SELECT value FROM person_identifiers WHERE kind = 'snils' ORDER BY person_id LIMIT 1"}) {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, sql));
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (found) {
      snils = query.Text(0);
      break;
    }
  }
  if (!snils.empty()) accounts.push_back({"Citizen (demo login by SNILS)", snils, "(no password)"});

  std::ofstream file(credentials_file, std::ios::trunc);
  if (!file) return Unavailable("demo accounts: cannot write " + credentials_file.string());
  ::chmod(credentials_file.c_str(), 0600);
  file << "# Muster demo accounts. Officers log in with the password and the TOTP code from\n"
          "#   muster --store STORE account totp --login LOGIN\n";
  for (const DemoAccount& account : accounts) {
    file << account.role << "\t" << account.login << "\t" << account.secret << "\n";
  }
  if (!file) return Unavailable("demo accounts: cannot write " + credentials_file.string());
  return accounts;
}

}  // namespace muster
