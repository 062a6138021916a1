// IdentityStore: accounts, their grants, and the credentials that authenticate them.
//
// Officers log in with an Argon2id-hashed password and a TOTP code and get a session; agency
// systems present an API key; citizens get a session from the identity provider (in
// production an external OpenID Connect provider — docs/HTTP.md — and for the embedded demo a
// demo login by SNILS). Sessions and keys are bearer tokens stored only as SHA-256 hashes; they
// expire and can be revoked, and revoking an account ends all its credentials at once.
//
// Identity is operational state beside the registry, not registry facts: it lives in its own
// tables of the same store and does not pass through the ledger. Who read what is recorded in
// the access journal (access_journal.h).
//
// Not thread-safe: one IdentityStore per connection, used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/principal.h"
#include "common/status.h"
#include "common/time.h"
#include "store/database.h"

namespace muster::access {

struct IdentityPolicy {
  std::chrono::seconds officer_session = std::chrono::hours(8);
  std::chrono::seconds citizen_session = std::chrono::minutes(30);
  std::chrono::seconds api_key = std::chrono::days(365);
  int max_failed_logins = 5;  // then the account is locked for `lockout`
  std::chrono::seconds lockout = std::chrono::minutes(15);
};

struct NewAccount {
  PrincipalKind kind = PrincipalKind::kOfficer;
  std::string login;  // [a-z0-9._-], 3–64 characters
  std::string display_name;
  std::string password;  // officers and admins
  std::vector<Grant> grants;
  std::optional<PersonId> person_id;  // citizens
  std::string consumer;               // agencies: the consumer id they enforce for
  std::string source_agency;          // agencies: the feed they send (civil_status, tax, …)
};

struct CreatedAccount {
  int64_t account_id = 0;
  std::string totp_secret;  // officers and admins: base32, shown once for the authenticator
};

struct IssuedCredential {
  int64_t credential_id = 0;
  int64_t account_id = 0;
  std::string token;  // shown once; only its hash is stored
  Instant expires_at{};
};

struct AccountSummary {
  int64_t account_id = 0;
  std::string login;
  PrincipalKind kind = PrincipalKind::kOfficer;
  std::string display_name;
  std::vector<Grant> grants;
  bool revoked = false;
};

class IdentityStore {
 public:
  explicit IdentityStore(Connection& connection, IdentityPolicy policy = {});

  // The store connection, for lookups that must run on the identity thread (a citizen's
  // SNILS at login).
  Connection& connection() { return connection_; }

  // kAlreadyExists for a login in use; kInvalidArgument for a bad login, password or grant.
  Result<CreatedAccount> CreateAccount(const NewAccount& account, Instant now);
  // The citizen account of `person_id`, created on first use ("citizen-<id>").
  Result<int64_t> CitizenAccount(PersonId person_id, Instant now);

  // Officer and admin login. Every failure is kUnauthenticated with the same message (no
  // hint whether the login exists); after `max_failed_logins` failures the account is locked
  // and login answers kResourceExhausted ("retry after N s") until the lock ends.
  Result<IssuedCredential> Login(std::string_view login, std::string_view password,
                                 std::string_view totp_code, Instant now);
  // A citizen session for `person_id` (after the identity provider vouched for them).
  Result<IssuedCredential> StartCitizenSession(PersonId person_id, Instant now);
  // A new API key for an agency account; `lifetime` defaults to the policy's.
  Result<IssuedCredential> IssueApiKey(std::string_view login, std::string_view label, Instant now,
                                       std::optional<std::chrono::seconds> lifetime = {});

  // The principal a bearer token stands for; kUnauthenticated for an unknown, expired or
  // revoked token or account.
  Result<Principal> Authenticate(std::string_view token, Instant now);

  // Ends one credential (a logout, a leaked key). kNotFound if there is no such credential.
  Status RevokeCredential(int64_t credential_id, Instant now);
  // Ends an account and all its credentials.
  Status RevokeAccount(std::string_view login, Instant now);
  Result<std::vector<AccountSummary>> ListAccounts();
  // The TOTP code an officer would type now (for the demo and tests only).
  Result<std::string> CurrentTotpCode(std::string_view login, Instant now);

 private:
  Result<IssuedCredential> IssueCredential(int64_t account_id, std::string_view kind,
                                           std::string_view label, Instant now,
                                           std::chrono::seconds lifetime);
  Result<std::vector<Grant>> LoadGrants(int64_t account_id);

  Connection& connection_;
  IdentityPolicy policy_;
};

}  // namespace muster::access
