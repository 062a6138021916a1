// Person records from source agencies (issue 7): facts about persons that arrive in feed
// batches, each kept with its provenance, and the facts the registry derives from them.
//
// A feed batch is applied through `Registry::WithPersonRecords`, which opens one write
// transaction and hands the caller a `PersonRecordWriter`. The writer is the only way feed
// code changes the registry: every method emits ledger events (projected in the same
// transaction), so a feed record is applied whole or not at all, and the journal says which
// agency, batch and record each fact came from:
//
//   RecordPerson      a person first known from a source (PersonRecorded); put on the military
//                     register at once (RegistrationOpened, with a notice) if the profile's
//                     registration ages say so on the person's local date
//   RecordAttributes  attributes of a known person (AttributeRecorded): identifiers, a new
//                     name (the former one is kept for matching), address, employer, …
//   RecordDeath       PersonDeregistered; open summonses cancelled and measures lifted
//   RecordEnrolment   full-time enrolment → a student deferment (GroundGranted, derived,
//                     citing the record); measures in force lifted as for any deferment
//   OpenReview        a record that may or may not be a known person, held for an officer
//
// Nothing here decides identity: the feeds layer resolves records to persons and tells the
// writer which person a record is about and why (`MatchFacts`), which the events keep.
//
// Bulk mode (PersonRecordWriter::Preload), for a chunk of thousands of records: what the
// methods would read record by record — the persons, the owners of the identifiers to be
// recorded, open summonses, measures in force and student deferments — is read once for the
// chunk in a few statements and kept up to date with what the writer records, and the events
// and their projection rows are written many per statement (WriteTransaction::SetBuffered).
// The methods, their checks and the events they emit are the same in both modes.
//
// Attributes are projected one row per event (`person_attribute_records`: the event's
// attributes as a JSON object with its provenance), not one row per attribute: a feed record
// costs one row whatever it carries. ReadPersonAttributes folds them into the current value of
// each attribute.
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "domain/model.h"
#include "ledger/ledger.h"
#include "registry/facts.h"
#include "rules/profile.h"
#include "store/database.h"

namespace muster {

class Registry;
class WriteTransaction;
struct NewPerson;

// Where a fact came from: the agency, its batch sequence number and the record in the batch
// (the line of a CSV file, header included, or of a JSON Lines file).
struct Provenance {
  std::string agency;     // "civil_status", "interior", "tax", "social_fund", "education", "health"
  int64_t sequence = 0;   // the agency's batch sequence number
  int64_t record = 0;     // line number in the batch
  std::string record_id;  // the agency's own key for the record, if it gave one

  // "civil_status batch 12 line 7"
  std::string Text() const;
  boost::json::object Json() const;
};

// Why a record was attached to a person: how the person was found and how sure the match is.
struct MatchFacts {
  std::string method;  // "identifier snils", "probabilistic", "review 12", "new person"
  double weight = 0;   // Fellegi–Sunter log2 weight for probabilistic matches
  boost::json::object Json() const;
};

// A record held for an officer because its best candidate scored between the thresholds.
struct ReviewItem {
  Provenance source;
  PersonId candidate_id = 0;
  double weight = 0;
  boost::json::object comparison;  // the level of each compared field
  std::string record_json;         // the record as received, applied when decided
};

struct RegistrationSweep {
  int64_t registered = 0;    // put on the register
  int64_t deregistered = 0;  // taken off at the age limit
};

// What a chunk of records is about, read once by PersonRecordWriter::Preload.
struct PersonRecordPreload {
  std::vector<PersonId> persons;  // persons the records speak of
  // Persons whose open summonses, measures in force and student deferments matter (deaths,
  // enrolments): the writer reads them record by record only for those that have any.
  std::vector<PersonId> obligations;
  // (kind, value) of identifiers the records may record, canonical.
  std::vector<std::pair<std::string, std::string>> identifiers;
};

class PersonRecordWriter {
 public:
  PersonRecordWriter(Registry& registry, WriteTransaction& transaction);
  ~PersonRecordWriter();
  PersonRecordWriter(PersonRecordWriter&&) noexcept;

  Instant now() const;
  Connection& connection();
  const Profile& profile() const;

  // Switches to bulk mode for the rest of the transaction (see the top of this file): reads
  // what `preload` names in a few statements and buffers the writes. Persons and identifiers
  // not named are still read when needed. May be called again in the transaction (a chunk
  // preloaded as a whole, then piece by piece): what an earlier call read is not read again.
  Status Preload(const PersonRecordPreload& preload);
  // Writes what bulk mode buffered (the commit does too). Anything reading the store in bulk
  // mode calls it first.
  Status Flush();

  // Records a person first known from `source` and returns the new id. `person.identifiers`
  // must be canonical and free (not recorded for anyone); `person.source` is replaced by the
  // provenance. The person is on file with status "recorded" and is put on the register at
  // once when the profile's registration ages cover today.
  Result<PersonId> RecordPerson(const NewPerson& person, const Provenance& source,
                                const MatchFacts& match);

  // Records attributes of person `person_id` (name → value, in order). Identifier attributes
  // (snils, inn, passport, foreign_passport, driving_licence) must be canonical; one that is
  // recorded for another person is kAlreadyExists and nothing is written. Name attributes
  // (family_name, given_name, patronymic and their _latin forms) change the person's name
  // and keep the former name for matching. kNotFound for an unknown person, and
  // kFailedPrecondition for a person merged into another (the caller should follow the merge).
  Status RecordAttributes(PersonId person_id,
                          const std::vector<std::pair<std::string, std::string>>& attributes,
                          const Provenance& source, const MatchFacts& match,
                          Instant effective_at);

  // A death recorded by the civil-status service: the person is taken off the register, every
  // open summons is cancelled and every measure in force lifted, each event citing the record.
  // Recording the death of a person already deregistered for death changes nothing.
  Status RecordDeath(PersonId person_id, CivilDate died_on, const Provenance& source,
                     const MatchFacts& match);

  // An education record. Always recorded as attributes; a full-time enrolment also grants the
  // profile's student deferment ("student_full_time", when the profile has it) from `from`
  // until `until`, derived and explained, unless an active one from the same institution is
  // already on record. Returns the ground id when one was granted.
  Result<std::optional<int64_t>> RecordEnrolment(PersonId person_id, std::string_view institution,
                                                 bool full_time, CivilDate from,
                                                 std::optional<CivilDate> until,
                                                 const Provenance& source,
                                                 const MatchFacts& match);

  // Holds a record for an officer; returns the review id.
  Result<int64_t> OpenReview(const ReviewItem& item);
  // Closes review `review_id` with `decision` ("linked" to person_id, or "created" person_id).
  Status CloseReview(int64_t review_id, std::string_view decision, PersonId person_id,
                     std::string_view note, std::string_view actor);

  // Puts the person on the register or takes them off as the profile's registration ages say
  // on their local date today. Returns true if anything changed.
  Result<bool> ReconsiderRegistration(PersonId person_id);

  // Records the batch itself once every record was applied or rejected: FeedBatchApplied with
  // its checksum, counts, a sequence gap if there was one, and each rejection.
  Status RecordBatch(const boost::json::object& payload);

 private:
  struct Cache;
  // The person as LoadPerson would read them now: from the chunk's cache in bulk mode.
  Result<PersonFacts> Person(PersonId person_id);
  // Who `kind: value` is recorded for now, or 0.
  Result<PersonId> IdentifierOwner(std::string_view kind, std::string_view value);
  // Whether the cache knows the person has no open summons / no measure in force / which
  // student deferments they hold (nullptr: read the store).
  bool KnowsNoOpenSummons(PersonId person_id) const;
  bool KnowsNoMeasures(PersonId person_id) const;

  Registry* registry_;
  WriteTransaction* transaction_;
  std::unique_ptr<Cache> cache_;  // bulk mode only
};

// The current value of one attribute of a person and where it came from.
struct PersonAttribute {
  std::string name;
  std::string value;
  std::string agency;
  int64_t sequence = 0;  // the agency's batch
  int64_t record = 0;    // line in the batch
  Instant recorded_at;
  int64_t seq = 0;               // the ledger event that recorded it
  PersonId from_person = 0;      // the record merged into this person it came from, or 0
};

// Current attributes of `person_id`, by name: the latest value of each from the person's own
// records, then — for names the person lacks — from the records merged into them (earliest
// merge first, not split). kNotFound is never returned: a person without attributes has none.
Result<std::vector<PersonAttribute>> ReadPersonAttributes(Connection& connection,
                                                          PersonId person_id);

// The value of attribute `name` in a packed attribute row (person_attribute_records.attributes),
// or nullopt.
std::optional<std::string> PackedAttribute(std::string_view attributes_json, std::string_view name);

// One line for a person's timeline (Registry::PersonTimeline), in words with the source, for
// the event types of this file; nullopt for other types.
std::optional<std::string> DescribePersonRecordEvent(std::string_view type,
                                                     const boost::json::object& payload);

// True for the event types this file's projector handles.
bool IsPersonRecordEvent(std::string_view type);

// Applies one person-record event to the projections (called by ProjectEvent).
Status ProjectPersonRecordEvent(Connection& connection, const LedgerEvent& event,
                                const boost::json::object& payload);

class ProjectionBuffer;
// The buffered projection of the person-record events that only create rows (called by
// CanProjectBuffered / ProjectEventBuffered in projector.cc).
bool CanProjectPersonRecordBuffered(std::string_view type);
Status ProjectPersonRecordEventBuffered(ProjectionBuffer& buffer, const LedgerEvent& event,
                                        const boost::json::object& payload);

}  // namespace muster
