// Read-side queries over the projections: what the HTTP API, the CLI and the front end show.
//
// Free functions on a Connection so that any reader — the registry's worker, the identity
// thread resolving a citizen's SNILS, a read replica — asks the same questions the same way.
// Each function runs in the caller's transaction, or in autocommit if there is none; callers
// that combine several reads open one read snapshot (ReadSnapshot) around them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/identifiers.h"
#include "domain/model.h"
#include "store/database.h"

namespace muster {

// Where a record lives: its person, and that person's region and office (what a
// jurisdiction is checked against).
struct RecordLocation {
  PersonId person_id = 0;
  std::string region;
  std::string office;
};

struct GroundRow {
  int64_t ground_id = 0;
  std::string kind;  // deferment | exemption
  std::string basis;
  CivilDate valid_from;
  std::optional<CivilDate> valid_until;
  std::string evidence;
  std::optional<Instant> ended_at;
  std::string end_reason;
};

struct PersonCard {
  PersonId person_id = 0;
  std::string family_name, given_name, patronymic;
  std::string family_name_latin, given_name_latin, patronymic_latin;
  std::string sex;
  CivilDate birth_date;
  std::string region;
  std::string office;
  bool has_portal_account = false;
  std::optional<std::string> fitness;
  std::optional<CivilDate> fitness_until;
  std::string status;
  std::string source;
  std::vector<std::pair<std::string, std::string>> identifiers;  // kind, canonical value
  std::vector<GroundRow> grounds;
};

struct PersonSummary {
  PersonId person_id = 0;
  std::string family_name, given_name, patronymic;
  CivilDate birth_date;
  std::string region;
  std::string office;
};

struct MeasureRow {
  int64_t measure_id = 0;
  SummonsId summons_id = 0;
  std::string kind;
  std::string rule_id;
  std::string legal_basis;
  std::string profile_version;
  Instant start_at;
  std::optional<Instant> lifted_at;
  std::string lift_reason;
  bool InForce(Instant now) const { return !lifted_at && start_at <= now; }
};

// One entry of a summons's delivery log: a mark of a service channel (portal, registered_mail,
// in_person, register) or a notification (sms, email), which never serves.
struct ServiceAttemptRow {
  int64_t attempt_id = 0;
  std::string channel;
  std::string mark;
  Instant at;
  std::string evidence;
  std::optional<std::string> service_rule;  // the rule under which this attempt serves
  std::optional<Instant> serves_at;
  std::optional<std::string> reference;  // a postal tracking number (issue 6)
  bool notification = false;             // sms or email: never service
};

// A decision of the delivery cascade: its fallback channel dispatched, or skipped because it
// could not serve before the appearance date.
struct DeliveryDecisionRow {
  Instant at;
  std::string outcome;  // "dispatched" | "skipped"
  std::string rule_id;
  std::string detail;
};

// A person's consent to notifications by one channel.
struct ConsentRow {
  int64_t consent_id = 0;
  std::string channel;  // "sms" | "email"
  std::string address;
  std::string evidence;
  Instant given_at;
  std::optional<Instant> withdrawn_at;
  std::string withdrawal_evidence;
};

struct ExcuseRow {
  int64_t excuse_id = 0;
  std::string reason;
  std::string documents;
  Instant filed_at;
  std::optional<Instant> decided_at;
  std::optional<bool> accepted;
  std::string note;
};

struct SummonsRow {
  SummonsId summons_id = 0;
  PersonId person_id = 0;
  std::string batch;
  std::string purpose;
  std::string office;
  std::string place;
  Instant appearance_at;
  std::string legal_basis;
  std::string profile_version;
  Instant issued_at;
  std::string status;
  std::optional<Instant> served_at;
  std::optional<std::string> served_rule;
  std::optional<Instant> closed_at;
  std::string close_reason;
  std::optional<std::string> verification_code;  // of the signed notice (docs/DOCUMENTS.md)
  std::vector<ServiceAttemptRow> attempts;  // the delivery log, in time order
  std::vector<DeliveryDecisionRow> delivery_decisions;  // the cascade's, in time order
  std::vector<ExcuseRow> excuses;
};

struct ObjectionRow {
  int64_t objection_id = 0;
  std::optional<SummonsId> summons_id;
  std::string reason;
  Instant filed_at;
  std::optional<Instant> decided_at;
  std::optional<bool> upheld;
};

// kNotFound ("person: no person with snils …") if no person holds the identifier.
Result<PersonId> FindPersonByIdentifier(Connection& connection, IdentifierKind kind,
                                        std::string_view raw);

// Where a person, summons, excuse, objection or ground lives; kNotFound naming the record.
Result<RecordLocation> LocatePerson(Connection& connection, PersonId person_id);
Result<RecordLocation> LocateSummons(Connection& connection, SummonsId summons_id);
Result<RecordLocation> LocateExcuse(Connection& connection, int64_t excuse_id);
Result<RecordLocation> LocateObjection(Connection& connection, int64_t objection_id);
Result<RecordLocation> LocateGround(Connection& connection, int64_t ground_id);

Result<PersonCard> ReadPersonCard(Connection& connection, PersonId person_id);
Result<std::vector<MeasureRow>> ReadMeasures(Connection& connection, PersonId person_id);
Result<SummonsRow> ReadSummons(Connection& connection, SummonsId summons_id);
Result<std::vector<SummonsRow>> ReadSummonsesOfPerson(Connection& connection, PersonId person_id);
Result<std::vector<ObjectionRow>> ReadObjectionsOfPerson(Connection& connection,
                                                         PersonId person_id);
// Every consent to notifications the person gave, in force or withdrawn, oldest first.
Result<std::vector<ConsentRow>> ReadConsentsOfPerson(Connection& connection, PersonId person_id);

struct PendingObjection {
  RecordLocation location;
  ObjectionRow row;
};
// Objections not yet decided, oldest first, at most `limit`.
Result<std::vector<PendingObjection>> ReadPendingObjections(Connection& connection, int limit);

// Persons by family name (Cyrillic or Latin, exact) and, optionally, given name and birth
// date; at most `limit`, ordered by id.
struct PersonSearch {
  std::string family_name;
  std::optional<std::string> given_name;
  std::optional<CivilDate> birth_date;
  int limit = 50;
};
Result<std::vector<PersonSummary>> SearchPersons(Connection& connection, const PersonSearch& search);

// What a campaign dashboard draws: per UTC day, summonses issued, served (by the channel of
// the service event), appearances, measures imposed and lifted; and the overdue count now.
struct CampaignDay {
  CivilDate day;
  int64_t issued = 0;
  std::map<std::string, int64_t> served_by_channel;
  int64_t appeared = 0;
  int64_t measures_imposed = 0;
  int64_t measures_lifted = 0;
};
struct CampaignSeries {
  std::vector<CampaignDay> days;  // ascending, only days with activity
  int64_t overdue = 0;            // served, appearance time passed, not appeared or closed
};
Result<CampaignSeries> ReadCampaignSeries(Connection& connection, Instant now);

// Closes a read transaction however the reads end.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Connection& connection) : connection_(connection) {}
  ~ReadSnapshot() {
    if (open_) (void)connection_.Rollback();
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  Status Begin() {
    RETURN_IF_ERROR(connection_.BeginRead());
    open_ = true;
    return Status::Ok();
  }

 private:
  Connection& connection_;
  bool open_ = false;
};

}  // namespace muster
