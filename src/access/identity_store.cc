#include "access/identity_store.h"

#include <algorithm>

#include "access/passwords.h"
#include "common/crypto.h"

namespace muster::access {
namespace {

constexpr std::string_view kSessionPrefix = "mss_";
constexpr std::string_view kApiKeyPrefix = "mak_";
constexpr std::string_view kBadLogin = "login: unknown login, wrong password or wrong code";

// Rolls back unless committed: nothing half-written on any error path.
class WriteScope {
 public:
  explicit WriteScope(Connection& connection) : connection_(connection) {}
  ~WriteScope() {
    if (open_) (void)connection_.Rollback();
  }
  Status Begin() {
    RETURN_IF_ERROR(connection_.BeginWrite());
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    open_ = false;
    return connection_.Commit();
  }

 private:
  Connection& connection_;
  bool open_ = false;
};

Status ValidateLogin(std::string_view login) {
  if (login.size() < 3 || login.size() > 64) {
    return InvalidArgument("login: must have 3 to 64 characters");
  }
  for (char c : login) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return InvalidArgument("login: only a-z, 0-9, '.', '_' and '-' are allowed");
  }
  return Status::Ok();
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

}  // namespace

IdentityStore::IdentityStore(Connection& connection, IdentityPolicy policy)
    : connection_(connection), policy_(policy) {}

Result<CreatedAccount> IdentityStore::CreateAccount(const NewAccount& account, Instant now) {
  RETURN_IF_ERROR(ValidateLogin(account.login));
  if (account.display_name.empty()) return InvalidArgument("display_name: is required");
  CreatedAccount created;
  std::optional<std::string> password_hash;
  std::optional<std::string> totp_secret;
  bool human = account.kind == PrincipalKind::kOfficer || account.kind == PrincipalKind::kAdmin;
  if (human) {
    ASSIGN_OR_RETURN(password_hash, HashPassword(account.password));
    created.totp_secret = NewTotpSecret();
    totp_secret = created.totp_secret;
  } else if (!account.password.empty()) {
    return InvalidArgument("password: only officers and administrators log in with a password");
  }
  if (account.kind == PrincipalKind::kCitizen && !account.person_id) {
    return InvalidArgument("person_id: a citizen account belongs to one person");
  }
  if (account.kind == PrincipalKind::kCitizen && !account.grants.empty()) {
    return InvalidArgument("grants: citizens act on their own record only and hold no grants");
  }
  if (account.kind == PrincipalKind::kAgency && account.consumer.empty() &&
      account.source_agency.empty()) {
    return InvalidArgument(
        "consumer: an agency account names the consumer it enforces for, or the source agency "
        "whose feed it sends");
  }
  if (!account.source_agency.empty()) {
    if (account.kind != PrincipalKind::kAgency) {
      return InvalidArgument("source_agency: only agency accounts send feeds");
    }
    bool plain = std::all_of(account.source_agency.begin(), account.source_agency.end(),
                             [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    if (!plain) {
      return InvalidArgument("source_agency: '" + account.source_agency +
                             "' is not an agency name (a-z and _)");
    }
  }
  for (const Grant& grant : account.grants) {
    if (std::find(AllScopes().begin(), AllScopes().end(), grant.scope) == AllScopes().end()) {
      return InvalidArgument("grants: unknown scope '" + grant.scope + "'");
    }
  }
  WriteScope write(connection_);
  RETURN_IF_ERROR(write.Begin());
  ASSIGN_OR_RETURN(Query insert,
                   Query::Make(connection_,
                               "INSERT INTO accounts (login, kind, display_name, password_hash, "
                               "totp_secret, person_id, consumer, source_agency, created_at) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING account_id"));
  insert.Bind(account.login)
      .Bind(PrincipalKindName(account.kind))
      .Bind(account.display_name)
      .Bind(password_hash)
      .Bind(totp_secret)
      .Bind(account.person_id)
      .Bind(account.consumer.empty() ? std::optional<std::string>() : account.consumer)
      .Bind(account.source_agency.empty() ? std::optional<std::string>() : account.source_agency)
      .Bind(ToUnixSeconds(now));
  auto row = insert.Next();
  if (!row.ok()) {
    if (row.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("login: '" + account.login + "' is already in use");
    }
    return row.status();
  }
  created.account_id = insert.Int(0);
  insert.Finish();
  for (const Grant& grant : account.grants) {
    RETURN_IF_ERROR(ExecuteSql(connection_,
                               "INSERT INTO account_grants (account_id, scope, jurisdiction) "
                               "VALUES ($1, $2, $3)",
                               created.account_id, grant.scope, grant.jurisdiction.ToString())
                        .status());
  }
  RETURN_IF_ERROR(write.Commit());
  return created;
}

Result<int64_t> IdentityStore::CitizenAccount(PersonId person_id, Instant now) {
  {
    ASSIGN_OR_RETURN(Query find, Query::Make(connection_,
                                             "SELECT account_id FROM accounts WHERE kind = "
                                             "'citizen' AND person_id = $1"));
    find.Bind(person_id);
    ASSIGN_OR_RETURN(bool found, find.Next());
    if (found) return find.Int(0);
  }
  NewAccount account{.kind = PrincipalKind::kCitizen,
                     .login = "citizen-" + std::to_string(person_id),
                     .display_name = "citizen " + std::to_string(person_id),
                     .person_id = person_id};
  ASSIGN_OR_RETURN(CreatedAccount created, CreateAccount(account, now));
  return created.account_id;
}

Result<IssuedCredential> IdentityStore::IssueCredential(int64_t account_id, std::string_view kind,
                                                        std::string_view label, Instant now,
                                                        std::chrono::seconds lifetime) {
  IssuedCredential credential;
  credential.account_id = account_id;
  credential.token = NewBearerToken(kind == "session" ? kSessionPrefix : kApiKeyPrefix);
  credential.expires_at = now + lifetime;
  ASSIGN_OR_RETURN(Query insert,
                   Query::Make(connection_,
                               "INSERT INTO credentials (account_id, kind, token_hash, label, "
                               "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
                               "RETURNING credential_id"));
  insert.Bind(account_id)
      .Bind(kind)
      .Bind(TokenHash(credential.token))
      .Bind(label)
      .Bind(ToUnixSeconds(now))
      .Bind(ToUnixSeconds(credential.expires_at));
  ASSIGN_OR_RETURN(bool row, insert.Next());
  if (!row) return Internal("credentials: insert returned no id");
  credential.credential_id = insert.Int(0);
  return credential;
}

Result<IssuedCredential> IdentityStore::Login(std::string_view login, std::string_view password,
                                              std::string_view totp_code, Instant now) {
  WriteScope write(connection_);
  RETURN_IF_ERROR(write.Begin());
  ASSIGN_OR_RETURN(Query find,
                   Query::Make(connection_,
                               "SELECT account_id, kind, password_hash, totp_secret, "
                               "totp_last_step, revoked_at, failed_logins, locked_until "
                               "FROM accounts WHERE login = $1"));
  find.Bind(login);
  ASSIGN_OR_RETURN(bool found, find.Next());
  if (!found || find.IsNull(2) || !find.IsNull(5)) {
    // Spend the time a real verification would, so a missing login is not visible by timing.
    (void)VerifyPassword("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$invalid", password);
    return Unauthenticated(std::string(kBadLogin));
  }
  int64_t account_id = find.Int(0);
  std::string kind = find.Text(1);
  std::string hash = find.Text(2);
  std::optional<std::string> secret = find.OptionalText(3);
  std::optional<int64_t> last_step = find.OptionalInt(4);
  int64_t failures = find.Int(6);
  std::optional<int64_t> locked_until = find.OptionalInt(7);
  find.Finish();
  if (locked_until && *locked_until > ToUnixSeconds(now)) {
    return ResourceExhausted("login: too many failed attempts; retry after " +
                             std::to_string(*locked_until - ToUnixSeconds(now)) + " s");
  }
  bool password_ok = VerifyPassword(hash, password);
  std::optional<int64_t> step;
  if (password_ok && secret) step = MatchTotp(*secret, totp_code, now, last_step);
  if (!password_ok || !step) {
    ++failures;
    std::optional<int64_t> lock;
    if (failures >= policy_.max_failed_logins) {
      lock = ToUnixSeconds(now + policy_.lockout);
      failures = 0;
    }
    RETURN_IF_ERROR(ExecuteSql(connection_,
                               "UPDATE accounts SET failed_logins = $1, locked_until = $2 "
                               "WHERE account_id = $3",
                               failures, lock, account_id)
                        .status());
    RETURN_IF_ERROR(write.Commit());
    return Unauthenticated(std::string(kBadLogin));
  }
  RETURN_IF_ERROR(ExecuteSql(connection_,
                             "UPDATE accounts SET failed_logins = 0, locked_until = NULL, "
                             "totp_last_step = $1 WHERE account_id = $2",
                             *step, account_id)
                      .status());
  ASSIGN_OR_RETURN(IssuedCredential credential,
                   IssueCredential(account_id, "session", "login", now, policy_.officer_session));
  RETURN_IF_ERROR(write.Commit());
  return credential;
}

Result<IssuedCredential> IdentityStore::StartCitizenSession(PersonId person_id, Instant now) {
  ASSIGN_OR_RETURN(int64_t account_id, CitizenAccount(person_id, now));
  WriteScope write(connection_);
  RETURN_IF_ERROR(write.Begin());
  ASSIGN_OR_RETURN(IssuedCredential credential,
                   IssueCredential(account_id, "session", "citizen login", now,
                                   policy_.citizen_session));
  RETURN_IF_ERROR(write.Commit());
  return credential;
}

Result<IssuedCredential> IdentityStore::IssueApiKey(std::string_view login, std::string_view label,
                                                    Instant now,
                                                    std::optional<std::chrono::seconds> lifetime) {
  WriteScope write(connection_);
  RETURN_IF_ERROR(write.Begin());
  ASSIGN_OR_RETURN(Query find, Query::Make(connection_,
                                           "SELECT account_id, kind, revoked_at FROM accounts "
                                           "WHERE login = $1"));
  find.Bind(login);
  ASSIGN_OR_RETURN(bool found, find.Next());
  if (!found) return NotFound("login: no account '" + std::string(login) + "'");
  if (find.Text(1) != "agency") {
    return InvalidArgument("login: API keys are for agency systems; people log in");
  }
  if (!find.IsNull(2)) return FailedPrecondition("login: account '" + std::string(login) + "' is revoked");
  int64_t account_id = find.Int(0);
  find.Finish();
  ASSIGN_OR_RETURN(IssuedCredential credential,
                   IssueCredential(account_id, "api_key", label, now,
                                   lifetime.value_or(policy_.api_key)));
  RETURN_IF_ERROR(write.Commit());
  return credential;
}

Result<std::vector<Grant>> IdentityStore::LoadGrants(int64_t account_id) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection_,
                                            "SELECT scope, jurisdiction FROM account_grants "
                                            "WHERE account_id = $1 ORDER BY scope, jurisdiction"));
  query.Bind(account_id);
  std::vector<Grant> grants;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) break;
    ASSIGN_OR_RETURN(Jurisdiction where, Jurisdiction::Parse(query.TextView(1), "jurisdiction"));
    grants.push_back({query.Text(0), std::move(where)});
  }
  return grants;
}

Result<Principal> IdentityStore::Authenticate(std::string_view token, Instant now) {
  if (!token.starts_with(kSessionPrefix) && !token.starts_with(kApiKeyPrefix)) {
    return Unauthenticated("credentials: not a Muster session or API key");
  }
  Principal principal;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection_,
                                 "SELECT c.credential_id, c.expires_at, c.revoked_at, a.account_id, "
                                 "a.kind, a.login, a.display_name, a.person_id, a.consumer, "
                                 "a.revoked_at, a.source_agency FROM credentials c JOIN accounts a "
                                 "ON a.account_id = c.account_id WHERE c.token_hash = $1"));
    query.Bind(TokenHash(token));
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return Unauthenticated("credentials: unknown token");
    if (!query.IsNull(2) || !query.IsNull(9)) return Unauthenticated("credentials: revoked");
    Instant expires_at = FromUnixSeconds(query.Int(1));
    if (expires_at <= now) return Unauthenticated("credentials: expired");
    principal.credential_id = query.Int(0);
    principal.expires_at = expires_at;
    principal.account_id = query.Int(3);
    ASSIGN_OR_RETURN(principal.kind, ParsePrincipalKind(query.TextView(4), "kind"));
    principal.login = query.Text(5);
    principal.display_name = query.Text(6);
    principal.person_id = query.OptionalInt(7);
    principal.consumer = query.OptionalText(8).value_or("");
    principal.source_agency = query.OptionalText(10).value_or("");
  }
  ASSIGN_OR_RETURN(principal.grants, LoadGrants(principal.account_id));
  return principal;
}

Status IdentityStore::RevokeCredential(int64_t credential_id, Instant now) {
  WriteScope write(connection_);
  RETURN_IF_ERROR(write.Begin());
  ASSIGN_OR_RETURN(int64_t changed,
                   ExecuteSql(connection_,
                              "UPDATE credentials SET revoked_at = $1 WHERE credential_id = $2 "
                              "AND revoked_at IS NULL",
                              ToUnixSeconds(now), credential_id));
  if (changed == 0) {
    return NotFound("credential: no credential " + std::to_string(credential_id) + " in force");
  }
  return write.Commit();
}

Status IdentityStore::RevokeAccount(std::string_view login, Instant now) {
  WriteScope write(connection_);
  RETURN_IF_ERROR(write.Begin());
  ASSIGN_OR_RETURN(int64_t changed,
                   ExecuteSql(connection_,
                              "UPDATE accounts SET revoked_at = $1 WHERE login = $2 AND "
                              "revoked_at IS NULL",
                              ToUnixSeconds(now), login));
  if (changed == 0) return NotFound("login: no account '" + std::string(login) + "' in force");
  RETURN_IF_ERROR(ExecuteSql(connection_,
                             "UPDATE credentials SET revoked_at = $1 WHERE revoked_at IS NULL AND "
                             "account_id = (SELECT account_id FROM accounts WHERE login = $2)",
                             ToUnixSeconds(now), login)
                      .status());
  return write.Commit();
}

Result<std::vector<AccountSummary>> IdentityStore::ListAccounts() {
  std::vector<AccountSummary> accounts;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection_,
                                              "SELECT account_id, login, kind, display_name, "
                                              "revoked_at FROM accounts WHERE kind <> 'citizen' "
                                              "ORDER BY login"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) break;
      AccountSummary summary;
      summary.account_id = query.Int(0);
      summary.login = query.Text(1);
      ASSIGN_OR_RETURN(summary.kind, ParsePrincipalKind(query.TextView(2), "kind"));
      summary.display_name = query.Text(3);
      summary.revoked = !query.IsNull(4);
      accounts.push_back(std::move(summary));
    }
  }
  for (AccountSummary& summary : accounts) {
    ASSIGN_OR_RETURN(summary.grants, LoadGrants(summary.account_id));
  }
  return accounts;
}

Result<std::string> IdentityStore::CurrentTotpCode(std::string_view login, Instant now) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection_,
                                            "SELECT totp_secret FROM accounts WHERE login = $1"));
  query.Bind(login);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found || query.IsNull(0)) return NotFound("login: no officer '" + std::string(login) + "'");
  return TotpCode(query.TextView(0), TotpStep(now));
}

}  // namespace muster::access
