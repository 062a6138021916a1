#include "registry/projector.h"

#include <algorithm>

#include "registry/events.h"
#include "registry/person_records.h"

namespace muster {
namespace {

namespace json = boost::json;

Status Run(Result<int64_t> result) { return result.status(); }

Status InsertDecision(Connection& db, const LedgerEvent& event, int64_t person_id,
                      std::optional<int64_t> summons_id, std::string_view kind,
                      std::string_view outcome, std::string_view rule_id,
                      std::string_view profile_version, const json::object& payload) {
  const json::value* facts = payload.if_contains("facts");
  std::string facts_text = facts ? json::serialize(*facts) : "{}";
  return Run(ExecuteSql(db,
                        "INSERT INTO decisions (person_id, summons_id, at, kind, outcome, rule_id, "
                        "profile_version, facts, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        person_id, summons_id, ToUnixSeconds(event.effective_at), kind, outcome,
                        rule_id, profile_version, facts_text, event.seq));
}

Status DeleteDueActions(Connection& db, int64_t summons_id) {
  return Run(ExecuteSql(db, "DELETE FROM due_actions WHERE summons_id = $1", summons_id));
}

Status InsertDueAction(Connection& db, int64_t due_at, std::string_view kind, int64_t summons_id,
                       int64_t person_id, std::optional<int64_t> attempt_id) {
  return Run(ExecuteSql(db,
                        "INSERT INTO due_actions (due_at, kind, summons_id, person_id, attempt_id) "
                        "VALUES ($1, $2, $3, $4, $5)",
                        due_at, kind, summons_id, person_id, attempt_id));
}

Status CloseSummons(Connection& db, int64_t summons_id, std::string_view status, int64_t at,
                    std::string_view reason) {
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "UPDATE summonses SET status = $1, closed_at = $2, close_reason = $3 WHERE summons_id = $4",
      status, at, reason, summons_id)));
  return DeleteDueActions(db, summons_id);
}

Status ProjectPersonRegistered(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string birth_text, JsonString(p, "birth_date"));
  ASSIGN_OR_RETURN(CivilDate birth_date, ParseDate(birth_text, "birth_date"));
  ASSIGN_OR_RETURN(bool portal, JsonBool(p, "has_portal_account"));
  ASSIGN_OR_RETURN(Query insert,
                   Query::Make(db,
                               "INSERT INTO persons (person_id, family_name, given_name, "
                               "patronymic, family_name_latin, given_name_latin, patronymic_latin, "
                               "sex, birth_date, region, office, has_portal_account, fitness, "
                               "fitness_until, status, registered_at, source) VALUES ($1, $2, $3, "
                               "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'registered', "
                               "$15, $16)"));
  insert.Bind(person_id);
  for (std::string_view key : {"family_name", "given_name", "patronymic", "family_name_latin",
                               "given_name_latin", "patronymic_latin", "sex"}) {
    ASSIGN_OR_RETURN(std::string value, JsonString(p, key));
    insert.Bind(value);
  }
  ASSIGN_OR_RETURN(std::string region, JsonString(p, "region"));
  ASSIGN_OR_RETURN(std::string office, JsonString(p, "office"));
  ASSIGN_OR_RETURN(std::string source, JsonString(p, "source"));
  std::optional<int64_t> fitness_until;
  if (auto until = JsonOptionalString(p, "fitness_until")) {
    ASSIGN_OR_RETURN(CivilDate date, ParseDate(*until, "fitness_until"));
    fitness_until = ToEpochDays(date);
  }
  insert.Bind(static_cast<int64_t>(ToEpochDays(birth_date)))
      .Bind(region)
      .Bind(office)
      .Bind(portal)
      .Bind(JsonOptionalString(p, "fitness"))
      .Bind(fitness_until)
      .Bind(ToUnixSeconds(event.effective_at))
      .Bind(source);
  RETURN_IF_ERROR(insert.Run().status());

  const json::value* identifiers = p.if_contains("identifiers");
  if (identifiers == nullptr || !identifiers->is_array()) {
    return DataLoss("event payload: field 'identifiers' missing");
  }
  for (const json::value& item : identifiers->get_array()) {
    if (!item.is_object()) return DataLoss("event payload: malformed identifier");
    ASSIGN_OR_RETURN(std::string kind, JsonString(item.get_object(), "kind"));
    ASSIGN_OR_RETURN(std::string value, JsonString(item.get_object(), "value"));
    Status status = Run(ExecuteSql(
        db, "INSERT INTO person_identifiers (kind, value, person_id) VALUES ($1, $2, $3)", kind,
        value, person_id));
    if (status.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists(kind + ": " + value + " is already recorded for another person");
    }
    RETURN_IF_ERROR(status);
  }
  return Status::Ok();
}

Status ProjectFitnessDecided(Connection& db, const LedgerEvent&, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string category, JsonString(p, "category"));
  std::optional<int64_t> until;
  if (auto text = JsonOptionalString(p, "valid_until")) {
    ASSIGN_OR_RETURN(CivilDate date, ParseDate(*text, "valid_until"));
    until = ToEpochDays(date);
  }
  return Run(ExecuteSql(db, "UPDATE persons SET fitness = $1, fitness_until = $2 WHERE person_id = $3",
                        category, until, person_id));
}

bool HasGroundChecks(const json::object& p) {
  const json::value* checks = p.if_contains("ground_checks");
  return checks != nullptr && (!checks->is_array() || !checks->get_array().empty());
}

// The grounds row of a GroundGranted event; ProjectGroundGranted adds its due actions.
Status DeriveGroundRow(ProjectionBuffer& buffer, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t ground_id, JsonInt(p, "ground_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string kind, JsonString(p, "kind"));
  ASSIGN_OR_RETURN(std::string basis, JsonString(p, "basis"));
  ASSIGN_OR_RETURN(std::string from_text, JsonString(p, "valid_from"));
  ASSIGN_OR_RETURN(CivilDate from, ParseDate(from_text, "valid_from"));
  std::optional<int64_t> until;
  if (auto text = JsonOptionalString(p, "valid_until")) {
    ASSIGN_OR_RETURN(CivilDate date, ParseDate(*text, "valid_until"));
    until = ToEpochDays(date);
  }
  ASSIGN_OR_RETURN(std::string evidence, JsonString(p, "evidence"));
  buffer.grounds()
      .Row()
      .Add(ground_id)
      .Add(person_id)
      .Add(std::move(kind))
      .Add(std::move(basis))
      .Add(static_cast<int64_t>(ToEpochDays(from)))
      .Add(until)
      .Add(std::move(evidence))
      .Add(event.seq);
  return Status::Ok();
}

Status ProjectGroundGranted(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  if (const json::value* checks = p.if_contains("ground_checks"); checks && checks->is_array()) {
    for (const json::value& item : checks->get_array()) {
      if (!item.is_object()) return DataLoss("event payload: malformed ground_checks");
      ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(item.get_object(), "summons_id"));
      ASSIGN_OR_RETURN(int64_t due_at, JsonInt(item.get_object(), "due_at"));
      RETURN_IF_ERROR(InsertDueAction(db, due_at, "ground_check", summons_id, person_id, std::nullopt));
    }
  }
  ProjectionBuffer rows;
  RETURN_IF_ERROR(DeriveGroundRow(rows, event, p));
  return rows.Flush(db);
}

Status ProjectGroundEnded(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t ground_id, JsonInt(p, "ground_id"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  return Run(ExecuteSql(db, "UPDATE grounds SET ended_at = $1, end_reason = $2 WHERE ground_id = $3",
                        ToUnixSeconds(event.effective_at), reason, ground_id));
}

Status ProjectSummonsIssued(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(Query insert,
                   Query::Make(db,
                               "INSERT INTO summonses (summons_id, person_id, batch, purpose, "
                               "office, place, appearance_at, legal_basis, profile_version, "
                               "issued_at, issued_seq, status, document, key_id, signature, "
                               "verification_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                               "$10, $11, 'issued', $12, $13, $14, $15)"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  insert.Bind(summons_id).Bind(person_id);
  for (std::string_view key : {"batch", "purpose", "office", "place"}) {
    ASSIGN_OR_RETURN(std::string value, JsonString(p, key));
    insert.Bind(value);
  }
  ASSIGN_OR_RETURN(int64_t appearance_at, JsonInt(p, "appearance_at"));
  ASSIGN_OR_RETURN(std::string legal_basis, JsonString(p, "legal_basis"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  insert.Bind(appearance_at)
      .Bind(legal_basis)
      .Bind(profile_version)
      .Bind(ToUnixSeconds(event.effective_at))
      .Bind(event.seq);
  // The signed document (issue 6); events written before signing existed have none.
  for (std::string_view key : {"document", "key_id", "signature", "verification_code"}) {
    insert.Bind(JsonOptionalString(p, key));
  }
  Status inserted = insert.Run().status();
  if (inserted.ok()) {
    // The delivery cascade's fallback, if the summons is not served by then (issue 6).
    if (auto fallback_at = JsonOptionalInt(p, "fallback_at")) {
      return InsertDueAction(db, *fallback_at, "delivery_fallback", summons_id, person_id,
                             std::nullopt);
    }
  }
  if (inserted.code() == StatusCode::kAlreadyExists && p.contains("verification_code")) {
    // The issuing transaction allocates codes against this very column, so this means two
    // signatures collided on a code within one command: corruption, not a retryable conflict.
    return DataLoss("summons " + std::to_string(summons_id) + ": verification code " +
                    JsonOptionalString(p, "verification_code").value_or("") + " is already taken");
  }
  return inserted;
}

Status ProjectServiceAttempted(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t attempt_id, JsonInt(p, "attempt_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string channel, JsonString(p, "channel"));
  ASSIGN_OR_RETURN(std::string mark, JsonString(p, "mark"));
  ASSIGN_OR_RETURN(int64_t at, JsonInt(p, "at"));
  ASSIGN_OR_RETURN(std::string evidence, JsonString(p, "evidence"));
  auto rule = JsonOptionalString(p, "service_rule");
  auto serves_at = JsonOptionalInt(p, "serves_at");
  RETURN_IF_ERROR(Run(ExecuteSql(
      db,
      "INSERT INTO service_attempts (attempt_id, summons_id, channel, mark, at, evidence, "
      "service_rule, serves_at, seq, reference) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      attempt_id, summons_id, channel, mark, at, evidence, rule, serves_at, event.seq,
      JsonOptionalString(p, "reference"))));
  // A deemed service lies in the future: the scheduler serves the summons when it falls due,
  // unless an earlier service or a closing event removes the action first.
  if (serves_at && *serves_at > ToUnixSeconds(event.effective_at)) {
    RETURN_IF_ERROR(InsertDueAction(db, *serves_at, "deemed_service", summons_id, person_id, attempt_id));
  }
  return Status::Ok();
}

Status ProjectSummonsServed(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(int64_t attempt_id, JsonInt(p, "attempt_id"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  RETURN_IF_ERROR(Run(ExecuteSql(db,
                                 "UPDATE summonses SET status = 'served', served_at = $1, "
                                 "served_attempt = $2, served_rule = $3 WHERE summons_id = $4",
                                 ToUnixSeconds(event.effective_at), attempt_id, rule_id,
                                 summons_id)));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db,
      "DELETE FROM due_actions WHERE summons_id = $1 AND kind IN ('deemed_service', "
      "'delivery_fallback')",
      summons_id)));
  if (const json::value* checks = p.if_contains("no_show_checks"); checks && checks->is_array()) {
    for (const json::value& due_at : checks->get_array()) {
      if (!due_at.is_int64()) return DataLoss("event payload: malformed no_show_checks");
      RETURN_IF_ERROR(InsertDueAction(db, due_at.get_int64(), "no_show_check", summons_id,
                                      person_id, std::nullopt));
    }
  }
  // A correction: an earlier legally valid service became known after the summons was served.
  std::string outcome = p.contains("corrects") ? "served (earlier service)" : "served";
  return InsertDecision(db, event, person_id, summons_id, "service", outcome, rule_id,
                        profile_version, p);
}

Status ProjectMeasureImposed(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t measure_id, JsonInt(p, "measure_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(std::string kind, JsonString(p, "kind"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string legal_basis, JsonString(p, "legal_basis"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  ASSIGN_OR_RETURN(int64_t served_attempt, JsonInt(p, "served_attempt"));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db,
      "INSERT INTO measures (measure_id, person_id, summons_id, kind, rule_id, legal_basis, "
      "profile_version, served_attempt, start_at, imposed_seq) VALUES ($1, $2, $3, $4, $5, $6, "
      "$7, $8, $9, $10)",
      measure_id, person_id, summons_id, kind, rule_id, legal_basis, profile_version,
      served_attempt, ToUnixSeconds(event.effective_at), event.seq)));
  return InsertDecision(db, event, person_id, summons_id, "measure:" + kind, "imposed", rule_id,
                        profile_version, p);
}

// The scheduler's no-show outcome resolves the due action it came from.
Status ResolveNoShowAction(Connection& db, const json::object& p, int64_t summons_id) {
  if (auto due_at = JsonOptionalInt(p, "resolves_due_at")) {
    return Run(ExecuteSql(db,
                          "DELETE FROM due_actions WHERE summons_id = $1 AND kind = "
                          "'no_show_check' AND due_at = $2",
                          summons_id, *due_at));
  }
  return Status::Ok();
}

Status ProjectMeasureWithheld(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(std::string kind, JsonString(p, "kind"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  return InsertDecision(db, event, person_id, summons_id, "measure:" + kind, "withheld: " + reason,
                        rule_id, profile_version, p);
}

Status ProjectMeasureLifted(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t measure_id, JsonInt(p, "measure_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(std::string kind, JsonString(p, "kind"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "UPDATE measures SET lifted_at = $1, lift_reason = $2, lifted_seq = $3 WHERE measure_id = $4",
      ToUnixSeconds(event.effective_at), reason, event.seq, measure_id)));
  return InsertDecision(db, event, person_id, summons_id, "measure:" + kind, "lifted: " + reason,
                        rule_id, profile_version, p);
}

Status ProjectAppeared(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  int64_t at = ToUnixSeconds(event.effective_at);
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "INSERT INTO appearances (summons_id, person_id, at, seq) VALUES ($1, $2, $3, $4)",
      summons_id, person_id, at, event.seq)));
  return CloseSummons(db, summons_id, "appeared", at, "appeared");
}

Status ProjectSummonsCancelled(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  return CloseSummons(db, summons_id, "cancelled", ToUnixSeconds(event.effective_at), reason);
}

Status ProjectExcuseFiled(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t excuse_id, JsonInt(p, "excuse_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  ASSIGN_OR_RETURN(std::string documents, JsonString(p, "documents"));
  return Run(ExecuteSql(db,
                        "INSERT INTO excuses (excuse_id, summons_id, person_id, reason, documents, "
                        "filed_at) VALUES ($1, $2, $3, $4, $5, $6)",
                        excuse_id, summons_id, person_id, reason, documents,
                        ToUnixSeconds(event.effective_at)));
}

Status ProjectExcuseDecided(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t excuse_id, JsonInt(p, "excuse_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(bool accepted, JsonBool(p, "accepted"));
  ASSIGN_OR_RETURN(std::string note, JsonString(p, "note"));
  int64_t at = ToUnixSeconds(event.effective_at);
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "UPDATE excuses SET decided_at = $1, accepted = $2, note = $3 WHERE excuse_id = $4", at,
      accepted, note, excuse_id)));
  if (accepted) return CloseSummons(db, summons_id, "excused", at, "excuse accepted");
  if (auto recheck = JsonOptionalInt(p, "recheck_at")) {
    return InsertDueAction(db, *recheck, "no_show_check", summons_id, person_id, std::nullopt);
  }
  return Status::Ok();
}

Status ProjectObjectionFiled(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t objection_id, JsonInt(p, "objection_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  return Run(ExecuteSql(db,
                        "INSERT INTO objections (objection_id, person_id, summons_id, reason, "
                        "filed_at, filed_seq) VALUES ($1, $2, $3, $4, $5, $6)",
                        objection_id, person_id, JsonOptionalInt(p, "summons_id"), reason,
                        ToUnixSeconds(event.effective_at), event.seq));
}

Status ProjectObjectionDecided(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t objection_id, JsonInt(p, "objection_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(bool upheld, JsonBool(p, "upheld"));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "UPDATE objections SET decided_at = $1, upheld = $2 WHERE objection_id = $3",
      ToUnixSeconds(event.effective_at), upheld, objection_id)));
  if (const json::value* rechecks = p.if_contains("rechecks"); rechecks && rechecks->is_array()) {
    for (const json::value& item : rechecks->get_array()) {
      if (!item.is_object()) return DataLoss("event payload: malformed rechecks");
      ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(item.get_object(), "summons_id"));
      ASSIGN_OR_RETURN(int64_t due_at, JsonInt(item.get_object(), "due_at"));
      RETURN_IF_ERROR(InsertDueAction(db, due_at, "no_show_check", summons_id, person_id, std::nullopt));
    }
  }
  return Status::Ok();
}

// ---- Delivery channels (issue 6) ----

Status ProjectConsentRecorded(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t consent_id, JsonInt(p, "consent_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string channel, JsonString(p, "channel"));
  ASSIGN_OR_RETURN(std::string address, JsonString(p, "address"));
  ASSIGN_OR_RETURN(std::string evidence, JsonString(p, "evidence"));
  int64_t at = ToUnixSeconds(event.effective_at);
  if (auto superseded = JsonOptionalInt(p, "supersedes")) {
    RETURN_IF_ERROR(Run(ExecuteSql(
        db,
        "UPDATE notification_consents SET withdrawn_at = $1, withdrawal_evidence = $2, "
        "withdrawn_seq = $3 WHERE consent_id = $4",
        at, "superseded by consent " + std::to_string(consent_id), event.seq, *superseded)));
  }
  return Run(ExecuteSql(db,
                        "INSERT INTO notification_consents (consent_id, person_id, channel, "
                        "address, evidence, given_at, given_seq) VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7)",
                        consent_id, person_id, channel, address, evidence, at, event.seq));
}

Status ProjectConsentWithdrawn(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t consent_id, JsonInt(p, "consent_id"));
  ASSIGN_OR_RETURN(std::string evidence, JsonString(p, "evidence"));
  return Run(ExecuteSql(db,
                        "UPDATE notification_consents SET withdrawn_at = $1, "
                        "withdrawal_evidence = $2, withdrawn_seq = $3 WHERE consent_id = $4",
                        ToUnixSeconds(event.effective_at), evidence, event.seq, consent_id));
}

// A notification is a row of the delivery log that never serves: no rule, no deemed time.
Status ProjectNotificationRecorded(Connection& db, const LedgerEvent& event,
                                   const json::object& p) {
  ASSIGN_OR_RETURN(int64_t attempt_id, JsonInt(p, "attempt_id"));
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(std::string channel, JsonString(p, "channel"));
  ASSIGN_OR_RETURN(std::string mark, JsonString(p, "mark"));
  ASSIGN_OR_RETURN(int64_t at, JsonInt(p, "at"));
  ASSIGN_OR_RETURN(std::string evidence, JsonString(p, "evidence"));
  return Run(ExecuteSql(db,
                        "INSERT INTO service_attempts (attempt_id, summons_id, channel, mark, at, "
                        "evidence, seq, reference) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        attempt_id, summons_id, channel, mark, at, evidence, event.seq,
                        JsonOptionalString(p, "reference")));
}

Status ProjectDeliveryFallback(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t summons_id, JsonInt(p, "summons_id"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string outcome, JsonString(p, "outcome"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "DELETE FROM due_actions WHERE summons_id = $1 AND kind = 'delivery_fallback'",
      summons_id)));
  return InsertDecision(db, event, person_id, summons_id, "delivery_fallback", outcome, rule_id,
                        profile_version, p);
}

}  // namespace

Status ProjectEvent(Connection& db, const LedgerEvent& event, const json::object& payload) {
  namespace e = events;
  const std::string& type = event.type;
  Status status;
  if (type == e::kPersonRegistered) {
    status = ProjectPersonRegistered(db, event, payload);
  } else if (type == e::kFitnessDecided) {
    status = ProjectFitnessDecided(db, event, payload);
  } else if (type == e::kGroundGranted) {
    status = ProjectGroundGranted(db, event, payload);
  } else if (type == e::kGroundEnded) {
    status = ProjectGroundEnded(db, event, payload);
  } else if (type == e::kSummonsIssued) {
    status = ProjectSummonsIssued(db, event, payload);
  } else if (type == e::kServiceAttempted) {
    status = ProjectServiceAttempted(db, event, payload);
  } else if (type == e::kSummonsServed) {
    status = ProjectSummonsServed(db, event, payload);
  } else if (type == e::kSummonsCancelled) {
    status = ProjectSummonsCancelled(db, event, payload);
  } else if (type == e::kAppeared) {
    status = ProjectAppeared(db, event, payload);
  } else if (type == e::kExcuseFiled) {
    status = ProjectExcuseFiled(db, event, payload);
  } else if (type == e::kExcuseDecided) {
    status = ProjectExcuseDecided(db, event, payload);
  } else if (type == e::kObjectionFiled) {
    status = ProjectObjectionFiled(db, event, payload);
  } else if (type == e::kObjectionDecided) {
    status = ProjectObjectionDecided(db, event, payload);
  } else if (type == e::kMeasureImposed) {
    status = ProjectMeasureImposed(db, event, payload);
  } else if (type == e::kMeasureWithheld) {
    status = ProjectMeasureWithheld(db, event, payload);
  } else if (type == e::kMeasureLifted) {
    status = ProjectMeasureLifted(db, event, payload);
  } else if (type == e::kConsentRecorded) {
    status = ProjectConsentRecorded(db, event, payload);
  } else if (type == e::kConsentWithdrawn) {
    status = ProjectConsentWithdrawn(db, event, payload);
  } else if (type == e::kNotificationRecorded) {
    status = ProjectNotificationRecorded(db, event, payload);
  } else if (type == e::kDeliveryFallback) {
    status = ProjectDeliveryFallback(db, event, payload);
  } else if (IsPersonRecordEvent(type)) {
    status = ProjectPersonRecordEvent(db, event, payload);  // issue 7: person_records.cc
  } else if (type == e::kProfileActivated || type == e::kClockAdvanced) {
    status = Status::Ok();  // registry-wide facts kept in the journal and registry_meta
  } else {
    return Internal("projector: unknown event type '" + type + "'");
  }
  if (!status.ok() && status.code() != StatusCode::kAlreadyExists) {
    return status.WithContext("projecting " + type);
  }
  if (status.code() == StatusCode::kAlreadyExists) return status;
  if (event.type == e::kMeasureWithheld || event.type == e::kMeasureImposed) {
    if (auto summons = JsonOptionalInt(payload, "summons_id")) {
      return ResolveNoShowAction(db, payload, *summons);
    }
  }
  return Status::Ok();
}


// ---------------------------------------------------------------------------------------------
// ProjectionBuffer

ProjectionBuffer::ProjectionBuffer()
    : identifiers_("INSERT INTO person_identifiers (kind, value, person_id)", 3),
      attribute_records_("INSERT INTO person_attribute_records (person_id, seq, agency, sequence, "
                         "record, recorded_at, attributes)",
                         7),
      former_names_("INSERT INTO person_former_names (person_id, family_name, given_name, "
                    "patronymic, seq)",
                    5),
      decisions_("INSERT INTO decisions (person_id, summons_id, at, kind, outcome, rule_id, "
                 "profile_version, facts, seq)",
                 9),
      notices_("INSERT INTO person_notices (person_id, kind, text, created_at, seq)", 5),
      grounds_("INSERT INTO grounds (ground_id, person_id, kind, basis, valid_from, valid_until, "
               "evidence, granted_seq)",
               8),
      reviews_("INSERT INTO match_reviews (review_id, agency, sequence, record, candidate_id, "
               "weight, comparison, record_json, status, opened_at, opened_seq)",
               11) {}

ProjectionBuffer::~ProjectionBuffer() = default;

bool ProjectionBuffer::empty() const {
  return persons_.empty() && person_updates_.empty() && identifiers_.empty() &&
         attribute_records_.empty() && former_names_.empty() && decisions_.empty() &&
         notices_.empty() && grounds_.empty() && reviews_.empty();
}

void ProjectionBuffer::InsertPerson(PersonRow row) {
  person_index_[row.person_id] = persons_.size();
  persons_.push_back(std::move(row));
}

void ProjectionBuffer::UpdatePerson(int64_t person_id, std::string_view column, std::string value) {
  if (auto found = person_index_.find(person_id); found != person_index_.end()) {
    PersonRow& row = persons_[found->second];
    if (column == "family_name") row.family_name = std::move(value);
    else if (column == "given_name") row.given_name = std::move(value);
    else if (column == "patronymic") row.patronymic = std::move(value);
    else if (column == "family_name_latin") row.family_name_latin = std::move(value);
    else if (column == "given_name_latin") row.given_name_latin = std::move(value);
    else if (column == "patronymic_latin") row.patronymic_latin = std::move(value);
    else if (column == "status") row.status = std::move(value);
    return;
  }
  person_updates_.push_back({person_id, std::string(column), std::move(value)});
}

Status ProjectionBuffer::Flush(Connection& db) {
  Status status;
  if (!persons_.empty()) {
    RowBuffer persons(
        "INSERT INTO persons (person_id, family_name, given_name, patronymic, family_name_latin, "
        "given_name_latin, patronymic_latin, sex, birth_date, region, office, has_portal_account, "
        "status, registered_at, source)",
        15);
    for (PersonRow& row : persons_) {
      persons.Row()
          .Add(row.person_id)
          .Add(std::move(row.family_name))
          .Add(std::move(row.given_name))
          .Add(std::move(row.patronymic))
          .Add(std::move(row.family_name_latin))
          .Add(std::move(row.given_name_latin))
          .Add(std::move(row.patronymic_latin))
          .Add(std::move(row.sex))
          .Add(row.birth_date)
          .Add(std::move(row.region))
          .Add(std::move(row.office))
          .Add(static_cast<int64_t>(row.has_portal_account ? 1 : 0))
          .Add(std::move(row.status))
          .Add(row.registered_at)
          .Add(std::move(row.source));
    }
    persons_.clear();
    person_index_.clear();
    status = persons.Flush(db);
  }
  // These tables take their rows at the end (rowid) whatever the order: sorted, their keyed
  // indexes are written in order. (Rows hold no order of their own; the seq column does.)
  // Identifiers by person: the person index and the foreign key's look-ups into persons are
  // then in order, only the (kind, value) key is not.
  identifiers_.SortBy({2, 0, 1});
  attribute_records_.SortBy({0, 1});  // the index (person_id, seq)
  for (RowBuffer* rows : {&identifiers_, &attribute_records_, &former_names_}) {
    if (status.ok()) status = rows->Flush(db);
    rows->Clear();
  }
  // By person, each person's updates in the order they came: the end state is the same.
  std::stable_sort(person_updates_.begin(), person_updates_.end(),
                   [](const PersonUpdate& a, const PersonUpdate& b) { return a.person_id < b.person_id; });
  for (const PersonUpdate& update : person_updates_) {
    if (!status.ok()) break;
    // The column is one of the names above or status, never text from outside.
    status = ExecuteSql(db, "UPDATE persons SET " + update.column + " = $1 WHERE person_id = $2",
                        update.value, update.person_id)
                 .status();
  }
  person_updates_.clear();
  for (RowBuffer* rows : {&decisions_, &notices_, &grounds_, &reviews_}) {
    if (status.ok()) status = rows->Flush(db);
    rows->Clear();
  }
  return status;
}

bool CanProjectBuffered(const LedgerEvent& event, const json::object& payload) {
  if (event.type == events::kGroundGranted) return !HasGroundChecks(payload);
  return CanProjectPersonRecordBuffered(event.type);
}

Status ProjectEventBuffered(ProjectionBuffer& buffer, const LedgerEvent& event,
                            const json::object& payload) {
  Status status = event.type == events::kGroundGranted
                      ? DeriveGroundRow(buffer, event, payload)
                      : ProjectPersonRecordEventBuffered(buffer, event, payload);
  return status.ok() ? status : status.WithContext("projecting " + event.type);
}

}  // namespace muster
