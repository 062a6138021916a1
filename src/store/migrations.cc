#include "store/migrations.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace muster {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Times are Unix seconds (UTC), dates are days since 1970-01-01, hashes are lower-case hex.
// Every projection row can be rebuilt from ledger_events; ledger_events is append-only.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "registry core", R"SQL(
CREATE TABLE registry_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The ledger: immutable events, hash-chained in seq order.
CREATE TABLE ledger_events (
  seq          {key} PRIMARY KEY,
  recorded_at  BIGINT NOT NULL,
  effective_at BIGINT NOT NULL,
  type         TEXT NOT NULL,
  person_id    BIGINT,
  command_id   BIGINT NOT NULL,
  payload      TEXT NOT NULL,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL
);
CREATE INDEX ledger_events_person ON ledger_events (person_id, seq);

-- The chain's head: the last seq and hash. Writers lock this row, which serialises appends
-- and keeps seq order equal to commit order.
CREATE TABLE ledger_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Every command that changed the registry, by idempotency key.
CREATE TABLE commands (
  command_id      {key} PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  request_hash    TEXT NOT NULL,
  kind            TEXT NOT NULL,
  actor           TEXT NOT NULL,
  recorded_at     BIGINT NOT NULL,
  first_seq       BIGINT,
  last_seq        BIGINT,
  result          TEXT NOT NULL
);

CREATE TABLE id_counters (
  name TEXT PRIMARY KEY,
  next BIGINT NOT NULL
);

CREATE TABLE persons (
  person_id          {key} PRIMARY KEY,
  family_name        TEXT NOT NULL,
  given_name         TEXT NOT NULL,
  patronymic         TEXT NOT NULL,
  family_name_latin  TEXT NOT NULL,
  given_name_latin   TEXT NOT NULL,
  patronymic_latin   TEXT NOT NULL,
  sex                TEXT NOT NULL,
  birth_date         INTEGER NOT NULL,
  region             TEXT NOT NULL,
  office             TEXT NOT NULL,
  has_portal_account INTEGER NOT NULL,
  fitness            TEXT,
  fitness_until      INTEGER,
  status             TEXT NOT NULL,
  registered_at      BIGINT NOT NULL,
  source             TEXT NOT NULL
);
CREATE INDEX persons_region_birth ON persons (region, birth_date);

CREATE TABLE person_identifiers (
  kind      TEXT NOT NULL,
  value     TEXT NOT NULL,
  person_id BIGINT NOT NULL REFERENCES persons (person_id),
  PRIMARY KEY (kind, value)
);
CREATE INDEX person_identifiers_person ON person_identifiers (person_id);

-- Deferments and exemptions ("grounds" that gate every adverse action).
CREATE TABLE grounds (
  ground_id   {key} PRIMARY KEY,
  person_id   BIGINT NOT NULL REFERENCES persons (person_id),
  kind        TEXT NOT NULL,
  basis       TEXT NOT NULL,
  valid_from  INTEGER NOT NULL,
  valid_until INTEGER,
  evidence    TEXT NOT NULL,
  granted_seq BIGINT NOT NULL,
  ended_at    BIGINT,
  end_reason  TEXT
);
CREATE INDEX grounds_person ON grounds (person_id);

CREATE TABLE objections (
  objection_id {key} PRIMARY KEY,
  person_id    BIGINT NOT NULL REFERENCES persons (person_id),
  summons_id   BIGINT,
  reason       TEXT NOT NULL,
  filed_at     BIGINT NOT NULL,
  filed_seq    BIGINT NOT NULL,
  decided_at   BIGINT,
  upheld       INTEGER
);
CREATE INDEX objections_person ON objections (person_id);

CREATE TABLE summonses (
  summons_id      {key} PRIMARY KEY,
  person_id       BIGINT NOT NULL REFERENCES persons (person_id),
  batch           TEXT NOT NULL,
  purpose         TEXT NOT NULL,
  office          TEXT NOT NULL,
  place           TEXT NOT NULL,
  appearance_at   BIGINT NOT NULL,
  legal_basis     TEXT NOT NULL,
  profile_version TEXT NOT NULL,
  issued_at       BIGINT NOT NULL,
  issued_seq      BIGINT NOT NULL,
  status          TEXT NOT NULL,
  served_at       BIGINT,
  served_attempt  BIGINT,
  served_rule     TEXT,
  closed_at       BIGINT,
  close_reason    TEXT
);
CREATE INDEX summonses_person ON summonses (person_id);
CREATE INDEX summonses_status ON summonses (status);

CREATE TABLE service_attempts (
  attempt_id   {key} PRIMARY KEY,
  summons_id   BIGINT NOT NULL REFERENCES summonses (summons_id),
  channel      TEXT NOT NULL,
  mark         TEXT NOT NULL,
  at           BIGINT NOT NULL,
  evidence     TEXT NOT NULL,
  service_rule TEXT,
  serves_at    BIGINT,
  seq          BIGINT NOT NULL
);
CREATE INDEX service_attempts_summons ON service_attempts (summons_id);

CREATE TABLE appearances (
  summons_id BIGINT PRIMARY KEY REFERENCES summonses (summons_id),
  person_id  BIGINT NOT NULL,
  at         BIGINT NOT NULL,
  seq        BIGINT NOT NULL
);

CREATE TABLE excuses (
  excuse_id  {key} PRIMARY KEY,
  summons_id BIGINT NOT NULL REFERENCES summonses (summons_id),
  person_id  BIGINT NOT NULL,
  reason     TEXT NOT NULL,
  documents  TEXT NOT NULL,
  filed_at   BIGINT NOT NULL,
  decided_at BIGINT,
  accepted   INTEGER,
  note       TEXT
);
CREATE INDEX excuses_summons ON excuses (summons_id);

CREATE TABLE measures (
  measure_id      {key} PRIMARY KEY,
  person_id       BIGINT NOT NULL REFERENCES persons (person_id),
  summons_id      BIGINT NOT NULL REFERENCES summonses (summons_id),
  kind            TEXT NOT NULL,
  rule_id         TEXT NOT NULL,
  legal_basis     TEXT NOT NULL,
  profile_version TEXT NOT NULL,
  served_attempt  BIGINT NOT NULL,
  start_at        BIGINT NOT NULL,
  imposed_seq     BIGINT NOT NULL,
  lifted_at       BIGINT,
  lift_reason     TEXT,
  lifted_seq      BIGINT
);
CREATE INDEX measures_person ON measures (person_id);
CREATE INDEX measures_summons ON measures (summons_id);

-- Every automatic decision, with the rule and the facts it used (DESIGN.md §2.3).
CREATE TABLE decisions (
  decision_id     {key} PRIMARY KEY,
  person_id       BIGINT NOT NULL,
  summons_id      BIGINT,
  at              BIGINT NOT NULL,
  kind            TEXT NOT NULL,
  outcome         TEXT NOT NULL,
  rule_id         TEXT NOT NULL,
  profile_version TEXT NOT NULL,
  facts           TEXT NOT NULL,
  seq             BIGINT NOT NULL
);
CREATE INDEX decisions_person ON decisions (person_id);

-- What the scheduler must do and when: found through the index on due_at, never by scanning
-- summonses.
CREATE TABLE due_actions (
  action_id  {key} PRIMARY KEY,
  due_at     BIGINT NOT NULL,
  kind       TEXT NOT NULL,
  summons_id BIGINT NOT NULL,
  person_id  BIGINT NOT NULL,
  attempt_id BIGINT
);
CREATE INDEX due_actions_due ON due_actions (due_at, action_id);
CREATE INDEX due_actions_summons ON due_actions (summons_id);
)SQL"},
      {2, "identity and access journal", R"SQL(
-- Who may use Muster: officers (Argon2id password + TOTP), agency systems (API keys),
-- citizens (sessions opened by the identity provider), administrators.
CREATE TABLE accounts (
  account_id     {key} PRIMARY KEY,
  login          TEXT NOT NULL UNIQUE,
  kind           TEXT NOT NULL,
  display_name   TEXT NOT NULL,
  password_hash  TEXT,
  totp_secret    TEXT,
  totp_last_step BIGINT,
  person_id      BIGINT,
  consumer       TEXT,
  created_at     BIGINT NOT NULL,
  revoked_at     BIGINT,
  failed_logins  INTEGER NOT NULL DEFAULT 0,
  locked_until   BIGINT
);
CREATE INDEX accounts_person ON accounts (person_id);

-- Officers search persons by name and birth date (Cyrillic or Latin spelling).
CREATE INDEX persons_name_birth ON persons (family_name, birth_date);
CREATE INDEX persons_latin_birth ON persons (family_name_latin, birth_date);

-- What an account may do, and where: jurisdiction is 'all', 'region:RYA' or 'office:RYA-01'.
CREATE TABLE account_grants (
  account_id   BIGINT NOT NULL REFERENCES accounts (account_id),
  scope        TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  PRIMARY KEY (account_id, scope, jurisdiction)
);

-- Sessions and API keys, by the SHA-256 of the bearer token (the token itself is never stored).
CREATE TABLE credentials (
  credential_id {key} PRIMARY KEY,
  account_id    BIGINT NOT NULL REFERENCES accounts (account_id),
  kind          TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,
  label         TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  revoked_at    BIGINT
);
CREATE INDEX credentials_account ON credentials (account_id);

-- Every read of a person's data and every check: append-only and hash-chained like the
-- ledger, so a citizen's list of who read their record cannot be quietly edited.
CREATE TABLE access_journal (
  entry_id    {key} PRIMARY KEY,
  at          BIGINT NOT NULL,
  account_id  BIGINT,
  actor       TEXT NOT NULL,
  actor_kind  TEXT NOT NULL,
  person_id   BIGINT,
  action      TEXT NOT NULL,
  resource    TEXT NOT NULL,
  fields      TEXT NOT NULL,
  purpose     TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX access_journal_person ON access_journal (person_id, entry_id);

CREATE TABLE access_journal_head (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  entry_id BIGINT NOT NULL,
  hash     TEXT NOT NULL
);
INSERT INTO access_journal_head (id, entry_id, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
)SQL"},
      {3, "signed summons documents and signing keys", R"SQL(
-- Every summons carries its signed document (docs/DOCUMENTS.md): the canonical bytes exactly
-- as signed, the Ed25519 signature (URL-safe base64), the signing key's id and the short code
-- anyone can type to verify it. NULL for summonses issued before signing existed.
ALTER TABLE summonses ADD COLUMN document TEXT;
ALTER TABLE summonses ADD COLUMN key_id TEXT;
ALTER TABLE summonses ADD COLUMN signature TEXT;
ALTER TABLE summonses ADD COLUMN verification_code TEXT;
CREATE UNIQUE INDEX summonses_verification_code ON summonses (verification_code);

-- Public halves of the signing keys, so that every node verifies every notice ever issued.
-- Secrets never enter the store. `active` is 1 for the one key that signs and NULL for all
-- others; its UNIQUE constraint lets two concurrent rotations activate only one key.
CREATE TABLE signing_keys (
  key_id        TEXT PRIMARY KEY,
  algorithm     TEXT NOT NULL,
  public_key    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  retired_at    BIGINT,
  revoked_at    BIGINT,
  revoke_reason TEXT,
  active        INTEGER UNIQUE CHECK (active = 1)
);
)SQL"},
      {4, "enforcement: webhooks, outbox, lift confirmations", R"SQL(
-- Consumers (enforcement/consumers.h ids) that want changes pushed: a URL, how payloads are
-- signed, and how far the outbox has been filled for them (a ledger seq).
CREATE TABLE webhook_subscriptions (
  subscription_id {key} PRIMARY KEY,
  consumer        TEXT NOT NULL,
  url             TEXT NOT NULL,
  scheme          TEXT NOT NULL,
  secret          TEXT NOT NULL,
  enqueued_seq    BIGINT NOT NULL,
  active          INTEGER NOT NULL,
  lease_until     BIGINT NOT NULL,
  created_at      BIGINT NOT NULL
);
CREATE INDEX webhook_subscriptions_consumer ON webhook_subscriptions (consumer);

-- One row per change per subscription, delivered in seq order with retries; 'dead' rows are
-- the dead-letter list officers see.
CREATE TABLE webhook_outbox (
  delivery_id     {key} PRIMARY KEY,
  subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (subscription_id),
  seq             BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL,
  body            TEXT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT,
  created_at      BIGINT NOT NULL,
  finished_at     BIGINT,
  UNIQUE (subscription_id, seq)
);
CREATE INDEX webhook_outbox_state ON webhook_outbox (state, subscription_id, seq);

-- Each lifted measure must be confirmed by every consumer that enforces its kind before the
-- profile's deadline; past it the row is escalated to officers and shown to the citizen.
CREATE TABLE lift_confirmations (
  consumer     TEXT NOT NULL,
  measure_id   BIGINT NOT NULL,
  person_id    BIGINT NOT NULL,
  kind         TEXT NOT NULL,
  lifted_seq   BIGINT NOT NULL,
  lifted_at    BIGINT NOT NULL,
  deadline_at  BIGINT NOT NULL,
  state        TEXT NOT NULL,
  confirmed_at BIGINT,
  escalated_at BIGINT,
  PRIMARY KEY (consumer, measure_id)
);
CREATE INDEX lift_confirmations_state ON lift_confirmations (state, deadline_at);
CREATE INDEX lift_confirmations_person ON lift_confirmations (person_id);

-- How far each enforcement tail that writes has read (a ledger seq).
CREATE TABLE enforcement_cursors (
  name TEXT PRIMARY KEY,
  seq  BIGINT NOT NULL
);
INSERT INTO enforcement_cursors (name, seq) VALUES ('lift_confirmations', 0);

-- The change feed reads measures by the seq of their imposition and of their lifting.
CREATE INDEX measures_imposed_seq ON measures (imposed_seq);
CREATE INDEX measures_lifted_seq ON measures (lifted_seq);
)SQL"},
      {5, "agency feeds, identity resolution, provenance", R"SQL(
-- Candidates for identity resolution are blocked by birth date.
CREATE INDEX persons_birth_date ON persons (birth_date);

-- The current value of each attribute of a person and where it came from (agency, batch,
-- record, time); every earlier value is an AttributeRecorded event in the ledger.
CREATE TABLE person_attributes (
  person_id   BIGINT NOT NULL REFERENCES persons (person_id),
  name        TEXT NOT NULL,
  value       TEXT NOT NULL,
  agency      TEXT NOT NULL,
  sequence    BIGINT NOT NULL,
  record      BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  seq         BIGINT NOT NULL,
  PRIMARY KEY (person_id, name)
);

-- Names a person was known by before a change of name or a merge, so that records still
-- carrying them are matched.
CREATE TABLE person_former_names (
  person_id   BIGINT NOT NULL,
  family_name TEXT NOT NULL,
  given_name  TEXT NOT NULL,
  patronymic  TEXT NOT NULL,
  seq         BIGINT NOT NULL
);
CREATE INDEX person_former_names_person ON person_former_names (person_id);

-- Notices to citizens the registry sends on its own initiative (put on or taken off the
-- register).
CREATE TABLE person_notices (
  notice_id  {key} PRIMARY KEY,
  person_id  BIGINT NOT NULL,
  kind       TEXT NOT NULL,
  text       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  seq        BIGINT NOT NULL
);
CREATE INDEX person_notices_person ON person_notices (person_id);

-- Merges of two records of one person; split_at is set when a merge is undone.
CREATE TABLE person_merges (
  merge_id    {key} PRIMARY KEY,
  survivor_id BIGINT NOT NULL,
  merged_id   BIGINT NOT NULL,
  reason      TEXT NOT NULL,
  moved       TEXT NOT NULL,
  merged_at   BIGINT NOT NULL,
  merge_seq   BIGINT NOT NULL,
  split_at    BIGINT,
  split_seq   BIGINT
);
CREATE INDEX person_merges_merged ON person_merges (merged_id);

-- Feed batches by agency and sequence number: a re-sent batch is recognised by its checksum.
CREATE TABLE feed_batches (
  agency      TEXT NOT NULL,
  sequence    BIGINT NOT NULL,
  checksum    TEXT NOT NULL,
  format      TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  records     BIGINT NOT NULL,
  applied     BIGINT NOT NULL,
  created     BIGINT NOT NULL,
  review      BIGINT NOT NULL,
  rejected    BIGINT NOT NULL,
  gap_from    BIGINT,
  gap_to      BIGINT,
  seq         BIGINT NOT NULL,
  PRIMARY KEY (agency, sequence)
);

CREATE TABLE feed_rejections (
  agency   TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  record   BIGINT NOT NULL,
  field    TEXT NOT NULL,
  code     TEXT NOT NULL,
  reason   TEXT NOT NULL
);
CREATE INDEX feed_rejections_batch ON feed_rejections (agency, sequence, record);

-- Records held for an officer: the record, its best candidate and how they compared.
CREATE TABLE match_reviews (
  review_id    {key} PRIMARY KEY,
  agency       TEXT NOT NULL,
  sequence     BIGINT NOT NULL,
  record       BIGINT NOT NULL,
  candidate_id BIGINT NOT NULL,
  weight       TEXT NOT NULL,
  comparison   TEXT NOT NULL,
  record_json  TEXT NOT NULL,
  status       TEXT NOT NULL,
  opened_at    BIGINT NOT NULL,
  opened_seq   BIGINT NOT NULL,
  decided_at   BIGINT,
  decided_by   TEXT,
  person_id    BIGINT,
  note         TEXT
);
CREATE INDEX match_reviews_status ON match_reviews (status, review_id);
)SQL"},
      {6, "delivery channels: tracking references, notification consents", R"SQL(
-- The reference a mark carries (a postal tracking number), by which the postal operator's later
-- events find their summons; notifications (sms, email) are rows of service_attempts too, so the
-- delivery log is one list.
ALTER TABLE service_attempts ADD COLUMN reference TEXT;
CREATE INDEX service_attempts_reference ON service_attempts (reference);

-- Consent to notifications, per person and channel, with its evidence. At most one consent per
-- person and channel is in force (withdrawn_at IS NULL); a new one supersedes it.
CREATE TABLE notification_consents (
  consent_id          {key} PRIMARY KEY,
  person_id           BIGINT NOT NULL,
  channel             TEXT NOT NULL,
  address             TEXT NOT NULL,
  evidence            TEXT NOT NULL,
  given_at            BIGINT NOT NULL,
  given_seq           BIGINT NOT NULL,
  withdrawn_at        BIGINT,
  withdrawal_evidence TEXT,
  withdrawn_seq       BIGINT
);
CREATE INDEX notification_consents_person ON notification_consents (person_id, channel);
)SQL"},
      {7, "access journal: packed check entries, a person index kept behind the journal", R"SQL(
-- A bulk check journals one chained entry per chunk of answers: `detail` holds its persons, one
-- per line ("42" or "42<TAB>in force: exit" when the answer differs from the entry's outcome),
-- and the entry's hash covers it.
ALTER TABLE access_journal ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- Who accessed whose data, by person: a projection of the journal that a background indexer
-- fills behind the writer, so that a journal append touches no page but the journal's last.
-- `outcome` is set for a person of a packed entry whose answer is not the entry's outcome.
-- Reads combine it with the entries above indexed_through, so they are complete at any moment.
CREATE TABLE access_journal_persons (
  person_id BIGINT NOT NULL,
  entry_id  BIGINT NOT NULL,
  outcome   TEXT,
  PRIMARY KEY (person_id, entry_id)
){clustered};
INSERT INTO access_journal_persons (person_id, entry_id)
  SELECT person_id, entry_id FROM access_journal WHERE person_id IS NOT NULL;
CREATE TABLE access_journal_index_head (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_through BIGINT NOT NULL
);
INSERT INTO access_journal_index_head (id, indexed_through)
  SELECT 1, COALESCE(MAX(entry_id), 0) FROM access_journal;
DROP INDEX access_journal_person;
)SQL"},
      {8, "feed attributes: one row per event", R"SQL(
-- The attributes a feed event recorded, one row per event rather than one per attribute, so that
-- a record costs one row whatever it carries: `attributes` is a JSON object, name → value. The
-- current value of an attribute is the one in the person's row with the highest seq, then — for
-- names the person lacks — in the rows of records merged into the person and not split off
-- (ReadPersonAttributes, registry/person_records.h). Rows stay with the person whose event
-- recorded them: a merge or a split changes person_merges only. No foreign key: the writer reads
-- the person first (as for ledger_events.person_id), and the check would cost a lookup in persons
-- for every row.
CREATE TABLE person_attribute_records (
  person_id   BIGINT NOT NULL,
  seq         BIGINT NOT NULL,
  agency      TEXT NOT NULL,
  sequence    BIGINT NOT NULL,
  record      BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  attributes  TEXT NOT NULL
);
CREATE INDEX person_attribute_records_person ON person_attribute_records (person_id, seq);

-- Rows of the former per-attribute table become one-attribute objects, back with the person whose
-- event recorded them (a merge used to move them). Values passed feed validation, so the only
-- characters JSON needs escaped are the backslash, the quote, tab, line feed and carriage return.
INSERT INTO person_attribute_records (person_id, seq, agency, sequence, record, recorded_at,
                                      attributes)
  SELECT COALESCE((SELECT e.person_id FROM ledger_events e WHERE e.seq = a.seq), a.person_id),
         a.seq, a.agency, a.sequence, a.record, a.recorded_at,
         '{"' || a.name || '":"' ||
         REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(a.value, '\', '\\'), '"', '\"'), ')SQL" "\t" R"SQL(', '\t'), ')SQL"
         "\n" R"SQL(', '\n'), ')SQL" "\r" R"SQL(', '\r') || '"}'
  FROM person_attributes a;
DROP TABLE person_attributes;
)SQL"},
      {9, "access journal: the person index as sorted runs, merged in the background", R"SQL(
-- The person index becomes log-structured (access/access_index.h): each indexer pass writes its
-- rows as a run, sorted by person and appended at the end of the table; runs are merged level by
-- level. A B-tree keyed by person alone rewrote a page per row. The old rows are rebuilt from
-- the journal by the indexer, from the first entry; reads stay complete meanwhile (they read
-- the journal above the watermark).
DROP TABLE access_journal_persons;
CREATE TABLE access_journal_persons (
  run_id    BIGINT NOT NULL,
  person_id BIGINT NOT NULL,
  entry_id  BIGINT NOT NULL,
  outcome   TEXT,
  PRIMARY KEY (run_id, person_id, entry_id)
){clustered};
CREATE TABLE access_index_runs (
  run_id       BIGINT PRIMARY KEY,
  level        INTEGER NOT NULL,
  merging_into BIGINT  -- the run of the next level this one is being merged into
);
UPDATE access_journal_index_head SET indexed_through = 0;
)SQL"},
      {10, "accounts: the source agency whose feed an agency account sends", R"SQL(
-- An agency account that sends a feed names its source agency (civil_status, interior, tax,
-- social_fund, education, health): its key uploads that agency's batches and no other's.
ALTER TABLE accounts ADD COLUMN source_agency TEXT;
)SQL"},
  };
  return migrations;
}

// Replaces the dialect placeholders: `{key}` (an auto-assigned 64-bit key column's type) and
// `{clustered}` (after a table whose primary key is how it is read: SQLite stores it in that
// key's order, one B-tree instead of a table and an index; PostgreSQL has no such option).
std::string Expand(std::string_view sql, const SqlDialect& dialect) {
  const std::pair<std::string_view, std::string_view> kPlaceholders[] = {
      {"{key}", dialect.big_key}, {"{clustered}", dialect.clustered_table}};
  std::string out;
  out.reserve(sql.size());
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t found = sql.find('{', pos);
    if (found == std::string_view::npos) break;
    out.append(sql.substr(pos, found - pos));
    pos = found;
    bool replaced = false;
    for (const auto& [placeholder, text] : kPlaceholders) {
      if (sql.substr(pos).starts_with(placeholder)) {
        out.append(text);
        pos += placeholder.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(sql[pos++]);
  }
  out.append(sql.substr(std::min(pos, sql.size())));
  return out;
}

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

Status Migrate(Connection& connection) {
  std::vector<MigrationStep> steps;
  steps.reserve(Migrations().size());
  for (const Migration& migration : Migrations()) {
    steps.push_back({migration.version, migration.name, migration.sql});
  }
  return ApplyMigrations(connection, steps);
}

Status ApplyMigrations(Connection& connection, const std::vector<MigrationStep>& steps) {
  // Read the applied versions first and run DDL only when something is missing: a
  // least-privilege service role can open a current schema but may not create anything.
  //
  // Every version missing from schema_migrations is applied, not only those above the highest
  // applied one: migrations are numbered by hand in parallel branches, so a store can hold 5
  // without 4 (a build that knew 1-3 and 5 migrated it). Comparing with the maximum alone
  // would skip 4 for ever and leave its tables missing.
  std::set<int> applied;
  bool has_table = false;
  {
    auto query = Query::Make(connection, "SELECT version FROM schema_migrations");
    if (query.ok()) {
      has_table = true;
      while (true) {
        auto has_row = query->Next();
        if (!has_row.ok()) {
          has_table = false;
          break;
        }
        if (!*has_row) break;
        applied.insert(static_cast<int>(query->Int(0)));
      }
    }
  }
  if (!has_table) {
    RETURN_IF_ERROR(connection.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL)"));
  }
  int latest = steps.empty() ? 0 : steps.back().version;
  if (!applied.empty() && *applied.rbegin() > latest) {
    return FailedPrecondition("store: schema version " + std::to_string(*applied.rbegin()) +
                              " is newer than this build understands (" +
                              std::to_string(latest) + ")");
  }
  for (const MigrationStep& migration : steps) {
    if (applied.contains(migration.version)) continue;
    RETURN_IF_ERROR(connection.BeginWrite());
    Status status = connection.Execute(Expand(migration.sql, connection.dialect()));
    if (status.ok()) {
      auto inserted = ExecuteSql(connection,
                                 "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                 migration.version, migration.name);
      status = inserted.status();
    }
    if (!status.ok()) {
      (void)connection.Rollback();
      return status.WithContext("migration " + std::to_string(migration.version));
    }
    RETURN_IF_ERROR(connection.Commit());
  }
  return Status::Ok();
}

}  // namespace muster
