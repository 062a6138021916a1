// Person records from source agencies: the writer, merges and splits, the registration sweep
// and the projection of their events (registry/person_records.h).
#include "registry/person_records.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "domain/identifiers.h"
#include "domain/region.h"
#include "registry/events.h"
#include "registry/projector.h"
#include "registry/registry.h"

namespace muster {
namespace json = boost::json;

namespace {

constexpr std::string_view kStudentBasis = "student_full_time";
constexpr std::string_view kDeathRule = "muster/death-deregistration";
constexpr int64_t kSweepPerTransaction = 10000;

bool IsIdentifierAttribute(std::string_view name) {
  for (IdentifierKind kind : kAllIdentifierKinds) {
    if (IdentifierKindName(kind) == name) return true;
  }
  return false;
}

bool IsNameAttribute(std::string_view name) {
  return name == "family_name" || name == "given_name" || name == "patronymic" ||
         name == "family_name_latin" || name == "given_name_latin" || name == "patronymic_latin";
}

std::string FormatWeight(double weight) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", weight);
  return text;
}

// What the registry says to a citizen it puts on the register on its own initiative.
std::string RegistrationNotice(const PersonFacts& person, const Profile& profile,
                               CivilDate from) {
  std::string basis = profile.legal_bases.contains(profile.registration_rule.legal_basis)
                          ? profile.legal_bases.at(profile.registration_rule.legal_basis)
                          : profile.registration_rule.legal_basis;
  return "You have been put on military registration at office " + person.office + " from " +
         FormatDate(from) + " (rule " + profile.registration_rule.rule_id + ": " + basis +
         "). Your record came from state registers; you may see its sources and object to any "
         "error.";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Provenance

std::string Provenance::Text() const {
  return agency + " batch " + std::to_string(sequence) + " line " + std::to_string(record);
}

json::object Provenance::Json() const {
  json::object object{{"agency", agency}, {"sequence", sequence}, {"record", record}};
  if (!record_id.empty()) object["record_id"] = record_id;
  return object;
}

json::object MatchFacts::Json() const {
  json::object object{{"method", method}};
  if (weight != 0) object["weight"] = FormatWeight(weight);
  return object;
}

// ---------------------------------------------------------------------------------------------
// The writer's chunk cache (bulk mode)

// What Preload read, kept equal to what the store would answer now: every method that records
// something updates it as the projection will.
struct PersonRecordWriter::Cache {
  std::unordered_map<PersonId, PersonFacts> persons;
  std::unordered_set<PersonId> missing_persons;  // asked for, not on file
  std::unordered_map<std::string, PersonId> owners;  // "kind:value" → person, 0 = nobody
  // Persons whose obligations were read: those with open summonses / measures in force, and
  // the student deferments in force of all of them (valid_from, valid_until days).
  std::unordered_set<PersonId> obligations_read;
  std::unordered_set<PersonId> open_summons;
  std::unordered_set<PersonId> measures;
  std::unordered_map<PersonId, std::vector<std::pair<int64_t, std::optional<int64_t>>>> student;

  static std::string Key(std::string_view kind, std::string_view value) {
    std::string key(kind);
    key += ':';
    key += value;
    return key;
  }
};

namespace {

// Runs `sql` (which ends in "IN (" and takes its fixed parameters first) for `ids` in slices of
// kInSlice, padding the last slice with its last id so that one statement text serves all.
constexpr size_t kInSlice = 256;

std::string InList(std::string sql, int first_parameter) {
  for (size_t i = 0; i < kInSlice; ++i) {
    if (i > 0) sql += ", ";
    sql += "$" + std::to_string(first_parameter + static_cast<int>(i));
  }
  return sql + ")";
}

template <typename T, typename BindFixed, typename Visit>
Status ForSlices(Connection& db, const std::string& sql, const std::vector<T>& ids,
                 BindFixed bind_fixed, Visit visit) {
  for (size_t start = 0; start < ids.size(); start += kInSlice) {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, sql));
    bind_fixed(query);
    for (size_t i = 0; i < kInSlice; ++i) {
      query.Bind(ids[std::min(start + i, ids.size() - 1)]);
    }
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      RETURN_IF_ERROR(visit(query));
    }
  }
  return Status::Ok();
}

template <typename T>
std::vector<T> SortedUnique(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The writer

PersonRecordWriter::PersonRecordWriter(Registry& registry, WriteTransaction& transaction)
    : registry_(&registry), transaction_(&transaction) {}
PersonRecordWriter::~PersonRecordWriter() = default;
PersonRecordWriter::PersonRecordWriter(PersonRecordWriter&&) noexcept = default;

Status PersonRecordWriter::Preload(const PersonRecordPreload& preload) {
  // No flush first: this reads only what the cache does not hold, and every row the writer has
  // buffered is about something the cache holds (each method that records updates the cache,
  // or flushes and forgets the entry), so the rows not yet written cannot change the answers.
  // Flushing here would write a chunk's rows once per piece instead of once, sorted, per chunk.
  if (!cache_) cache_ = std::make_unique<Cache>();
  transaction_->SetBuffered();
  Connection& db = connection();
  Cache& cache = *cache_;
  // What an earlier Preload of this transaction read is in the cache already, and kept current.
  auto not_cached = [&](const std::vector<PersonId>& ids, auto cached) {
    std::vector<PersonId> wanted;
    for (PersonId id : SortedUnique(ids)) {
      if (!cached(id)) wanted.push_back(id);
    }
    return wanted;
  };
  {
    std::vector<PersonId> persons = not_cached(preload.persons, [&](PersonId id) {
      return cache.persons.contains(id) || cache.missing_persons.contains(id);
    });
    for (PersonId id : persons) cache.missing_persons.insert(id);
    // The columns of Registry::LoadPerson.
    std::string sql = InList(
        "SELECT person_id, family_name, given_name, patronymic, sex, birth_date, region, office, "
        "has_portal_account, fitness, status FROM persons WHERE person_id IN (",
        1);
    RETURN_IF_ERROR(ForSlices(db, sql, persons, [](Query&) {}, [&](Query& row) -> Status {
      PersonFacts person;
      person.person_id = row.Int(0);
      person.family_name = row.Text(1);
      person.given_name = row.Text(2);
      person.patronymic = row.Text(3);
      ASSIGN_OR_RETURN(person.sex, ParseSex(row.TextView(4), "sex"));
      person.birth_date = FromEpochDays(static_cast<int32_t>(row.Int(5)));
      person.region = row.Text(6);
      person.office = row.Text(7);
      person.has_portal_account = row.Int(8) != 0;
      person.fitness = row.OptionalText(9);
      person.status = row.Text(10);
      ASSIGN_OR_RETURN(person.zone, registry_->ZoneOfOffice(person.office));
      cache.missing_persons.erase(person.person_id);
      cache.persons[person.person_id] = std::move(person);
      return Status::Ok();
    }));
  }
  {
    std::map<std::string, std::vector<std::string>> by_kind;
    for (const auto& [kind, value] : preload.identifiers) {
      std::string key = Cache::Key(kind, value);
      if (cache.owners.contains(key)) continue;
      cache.owners[key] = 0;
      by_kind[kind].push_back(value);
    }
    std::string sql = InList(
        "SELECT value, person_id FROM person_identifiers WHERE kind = $1 AND value IN (", 2);
    for (auto& [kind, values] : by_kind) {
      values = SortedUnique(std::move(values));
      RETURN_IF_ERROR(ForSlices(db, sql, values, [&](Query& query) { query.Bind(kind); },
                                [&](Query& row) {
                                  cache.owners[Cache::Key(kind, row.TextView(0))] = row.Int(1);
                                  return Status::Ok();
                                }));
    }
  }
  {
    std::vector<PersonId> persons = not_cached(
        preload.obligations, [&](PersonId id) { return cache.obligations_read.contains(id); });
    for (PersonId id : persons) cache.obligations_read.insert(id);
    RETURN_IF_ERROR(ForSlices(
        db, InList("SELECT person_id FROM summonses WHERE status IN ('issued', 'served') AND "
                   "person_id IN (",
                   1),
        persons, [](Query&) {}, [&](Query& row) {
          cache.open_summons.insert(row.Int(0));
          return Status::Ok();
        }));
    RETURN_IF_ERROR(ForSlices(
        db, InList("SELECT person_id FROM measures WHERE lifted_at IS NULL AND person_id IN (", 1),
        persons, [](Query&) {}, [&](Query& row) {
          cache.measures.insert(row.Int(0));
          return Status::Ok();
        }));
    RETURN_IF_ERROR(ForSlices(
        db,
        InList("SELECT person_id, valid_from, valid_until FROM grounds WHERE basis = $1 AND "
               "ended_at IS NULL AND person_id IN (",
               2),
        persons, [](Query& query) { query.Bind(kStudentBasis); }, [&](Query& row) {
          cache.student[row.Int(0)].emplace_back(row.Int(1), row.OptionalInt(2));
          return Status::Ok();
        }));
  }
  return Status::Ok();
}

Status PersonRecordWriter::Flush() { return transaction_->Flush(); }

Result<PersonFacts> PersonRecordWriter::Person(PersonId person_id) {
  if (cache_) {
    if (auto found = cache_->persons.find(person_id); found != cache_->persons.end()) {
      return found->second;
    }
    if (cache_->missing_persons.contains(person_id)) {
      return NotFound("person: no person with id " + std::to_string(person_id));
    }
  }
  RETURN_IF_ERROR(Flush());
  ASSIGN_OR_RETURN(PersonFacts person, registry_->LoadPerson(person_id));
  if (cache_) cache_->persons[person_id] = person;
  return person;
}

Result<PersonId> PersonRecordWriter::IdentifierOwner(std::string_view kind, std::string_view value) {
  if (cache_) {
    if (auto found = cache_->owners.find(Cache::Key(kind, value)); found != cache_->owners.end()) {
      return found->second;
    }
  }
  RETURN_IF_ERROR(Flush());
  ASSIGN_OR_RETURN(Query owner, Query::Make(connection(), "SELECT person_id FROM person_identifiers "
                                                          "WHERE kind = $1 AND value = $2"));
  owner.Bind(kind).Bind(value);
  ASSIGN_OR_RETURN(bool found, owner.Next());
  PersonId person_id = found ? owner.Int(0) : 0;
  if (cache_) cache_->owners[Cache::Key(kind, value)] = person_id;
  return person_id;
}

bool PersonRecordWriter::KnowsNoOpenSummons(PersonId person_id) const {
  return cache_ && cache_->obligations_read.contains(person_id) &&
         !cache_->open_summons.contains(person_id);
}

bool PersonRecordWriter::KnowsNoMeasures(PersonId person_id) const {
  return cache_ && cache_->obligations_read.contains(person_id) &&
         !cache_->measures.contains(person_id);
}

Instant PersonRecordWriter::now() const { return transaction_->now(); }
Connection& PersonRecordWriter::connection() { return transaction_->connection(); }
const Profile& PersonRecordWriter::profile() const { return registry_->profile_; }

Result<PersonId> PersonRecordWriter::RecordPerson(const NewPerson& person,
                                                  const Provenance& source,
                                                  const MatchFacts& match) {
  if (person.family_name.empty()) return InvalidArgument("family_name: required");
  if (person.given_name.empty()) return InvalidArgument("given_name: required");
  ASSIGN_OR_RETURN(const Region* region, RegionOfOffice(person.office, "office"));
  if (cache_) {
    // The projection would refuse an identifier recorded for someone else; in bulk mode its
    // rows are written later, so say it here, as the projection would.
    for (const auto& [kind, value] : person.identifiers) {
      std::string_view name = IdentifierKindName(kind);
      ASSIGN_OR_RETURN(PersonId owner, IdentifierOwner(name, value));
      if (owner != 0) {
        return AlreadyExists(std::string(name) + ": " + value +
                             " is already recorded for another person");
      }
    }
  }
  ASSIGN_OR_RETURN(PersonId person_id, transaction_->NextId("person"));
  json::array identifiers;
  for (const auto& [kind, value] : person.identifiers) {
    identifiers.push_back(json::object{{"kind", IdentifierKindName(kind)}, {"value", value}});
  }
  json::object payload{{"person_id", person_id},
                       {"family_name", person.family_name},
                       {"given_name", person.given_name},
                       {"patronymic", person.patronymic},
                       {"family_name_latin", person.family_name_latin},
                       {"given_name_latin", person.given_name_latin},
                       {"patronymic_latin", person.patronymic_latin},
                       {"sex", SexName(person.sex)},
                       {"birth_date", FormatDate(person.birth_date)},
                       {"region", region->code},
                       {"office", person.office},
                       {"has_portal_account", person.has_portal_account},
                       {"source", source.Text()},
                       {"identifiers", std::move(identifiers)},
                       {"provenance", source.Json()},
                       {"match", match.Json()}};
  RETURN_IF_ERROR(
      transaction_->Emit(events::kPersonRecorded, person_id, now(), payload).status());
  if (cache_) {
    PersonFacts facts;
    facts.person_id = person_id;
    facts.family_name = person.family_name;
    facts.given_name = person.given_name;
    facts.patronymic = person.patronymic;
    facts.sex = person.sex;
    facts.birth_date = person.birth_date;
    facts.region = region->code;
    facts.office = person.office;
    facts.has_portal_account = person.has_portal_account;
    facts.status = "recorded";
    ASSIGN_OR_RETURN(facts.zone, registry_->ZoneOfOffice(person.office));
    cache_->persons[person_id] = std::move(facts);
    cache_->obligations_read.insert(person_id);  // a new person has none
    for (const auto& [kind, value] : person.identifiers) {
      cache_->owners[Cache::Key(IdentifierKindName(kind), value)] = person_id;
    }
  }
  RETURN_IF_ERROR(ReconsiderRegistration(person_id).status());
  return person_id;
}

Status PersonRecordWriter::RecordAttributes(
    PersonId person_id, const std::vector<std::pair<std::string, std::string>>& attributes,
    const Provenance& source, const MatchFacts& match, Instant effective_at) {
  ASSIGN_OR_RETURN(PersonFacts person, Person(person_id));
  const std::string& status = person.status;
  const std::string& family_name = person.family_name;
  const std::string& given_name = person.given_name;
  const std::string& patronymic = person.patronymic;
  if (status == "merged") {
    return FailedPrecondition("person: " + std::to_string(person_id) +
                              " was merged into another record");
  }
  if (status == "deceased") {
    return FailedPrecondition("person: " + std::to_string(person_id) +
                              " is deceased; later facts are not applied");
  }
  json::object values;
  bool name_changes = false;
  for (const auto& [name, value] : attributes) {
    if (IsIdentifierAttribute(name)) {
      ASSIGN_OR_RETURN(PersonId owner, IdentifierOwner(name, value));
      if (owner != 0 && owner != person_id) {
        return AlreadyExists(name + ": " + value + " is recorded for another person (" +
                             std::to_string(owner) + ")");
      }
      if (owner != 0) continue;  // already known for this person: nothing new
    }
    if (name == "family_name" && value != family_name) name_changes = true;
    if (name == "given_name" && value != given_name) name_changes = true;
    if (name == "patronymic" && value != patronymic) name_changes = true;
    values[name] = value;
  }
  if (values.empty()) return Status::Ok();
  json::object payload{{"person_id", person_id},
                       {"provenance", source.Json()},
                       {"match", match.Json()},
                       {"attributes", std::move(values)}};
  if (name_changes) {
    payload["former_name"] = json::object{
        {"family_name", family_name}, {"given_name", given_name}, {"patronymic", patronymic}};
  }
  RETURN_IF_ERROR(
      transaction_->Emit(events::kAttributeRecorded, person_id, effective_at, payload).status());
  if (cache_) {
    PersonFacts& cached = cache_->persons[person_id];
    for (const auto& [name, value] : payload["attributes"].get_object()) {
      std::string text(value.get_string());
      if (IsIdentifierAttribute(name)) cache_->owners[Cache::Key(name, text)] = person_id;
      if (name == "family_name") cached.family_name = text;
      if (name == "given_name") cached.given_name = text;
      if (name == "patronymic") cached.patronymic = text;
    }
  }
  return Status::Ok();
}

Status PersonRecordWriter::RecordDeath(PersonId person_id, CivilDate died_on,
                                       const Provenance& source, const MatchFacts& match) {
  ASSIGN_OR_RETURN(PersonFacts person, Person(person_id));
  if (person.status == "merged") {
    return FailedPrecondition("person: " + std::to_string(person_id) +
                              " was merged into another record");
  }
  if (person.status == "deceased") return Status::Ok();
  if (died_on < person.birth_date) {
    return InvalidArgument("date_of_death: " + FormatDate(died_on) + " is before the birth date " +
                           FormatDate(person.birth_date));
  }
  std::vector<SummonsId> open;
  if (!KnowsNoOpenSummons(person_id)) {
    RETURN_IF_ERROR(Flush());
    ASSIGN_OR_RETURN(Query query, Query::Make(connection(), "SELECT summons_id FROM summonses WHERE "
                                                            "person_id = $1 AND status IN ('issued', "
                                                            "'served') ORDER BY summons_id"));
    query.Bind(person_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      open.push_back(query.Int(0));
    }
  }
  Instant at = now();
  json::array cancelled;
  for (SummonsId summons_id : open) cancelled.push_back(summons_id);
  json::object facts{{"date_of_death", FormatDate(died_on)},
                     {"status_before", person.status},
                     {"open_summonses", std::move(cancelled)}};
  json::object payload{{"person_id", person_id},
                       {"reason", "death"},
                       {"detail", "death recorded by " + source.Text() + " on " +
                                      FormatDate(died_on)},
                       {"rule_id", kDeathRule},
                       {"profile_version", profile().version},
                       {"date_of_death", FormatDate(died_on)},
                       {"provenance", source.Json()},
                       {"match", match.Json()},
                       {"facts", std::move(facts)}};
  RETURN_IF_ERROR(
      transaction_->Emit(events::kPersonDeregistered, person_id, at, payload).status());
  std::string reason = "person deceased (" + source.Text() + ")";
  for (SummonsId summons_id : open) {
    json::object cancel{{"summons_id", summons_id}, {"person_id", person_id}, {"reason", reason}};
    RETURN_IF_ERROR(transaction_->Emit(events::kSummonsCancelled, person_id, at, cancel).status());
  }
  bool no_measures = KnowsNoMeasures(person_id);
  if (cache_) {
    cache_->persons[person_id].status = "deceased";
    cache_->open_summons.erase(person_id);
    cache_->measures.erase(person_id);
  }
  if (no_measures) return Status::Ok();  // LiftIn would find nothing to lift
  RETURN_IF_ERROR(Flush());
  return registry_->LiftIn(*transaction_, person_id, std::nullopt, reason,
                           profile().lifting_rule.rule_id, at);
}

Result<std::optional<int64_t>> PersonRecordWriter::RecordEnrolment(
    PersonId person_id, std::string_view institution, bool full_time, CivilDate from,
    std::optional<CivilDate> until, const Provenance& source, const MatchFacts& match) {
  if (until && *until < from) {
    return InvalidArgument("expected_graduation: " + FormatDate(*until) + " is before enrolled_on " +
                           FormatDate(from));
  }
  std::vector<std::pair<std::string, std::string>> attributes = {
      {"education_institution", std::string(institution)},
      {"education_mode", full_time ? "full_time" : "part_time"},
      {"education_from", FormatDate(from)}};
  if (until) attributes.emplace_back("education_until", FormatDate(*until));
  RETURN_IF_ERROR(RecordAttributes(person_id, attributes, source, match, now()));
  if (!full_time || !profile().HasDefermentBasis(kStudentBasis)) {
    return std::optional<int64_t>();
  }
  ASSIGN_OR_RETURN(PersonFacts person, Person(person_id));
  if (person.status == "deceased") return std::optional<int64_t>();
  const int64_t from_days = ToEpochDays(from);
  if (cache_ && cache_->obligations_read.contains(person_id)) {
    // The same enrolment sent again, or by a second batch, grants nothing new.
    for (const auto& [valid_from, valid_until] : cache_->student[person_id]) {
      if (valid_from <= from_days && (!valid_until || *valid_until >= from_days)) {
        return std::optional<int64_t>();
      }
    }
  } else {
    RETURN_IF_ERROR(Flush());
    ASSIGN_OR_RETURN(Query existing,
                     Query::Make(connection(),
                                 "SELECT ground_id FROM grounds WHERE person_id = $1 AND "
                                 "basis = $2 AND ended_at IS NULL AND valid_from <= $3 AND "
                                 "(valid_until IS NULL OR valid_until >= $3) LIMIT 1"));
    existing.Bind(person_id).Bind(kStudentBasis).Bind(from_days);
    ASSIGN_OR_RETURN(bool found, existing.Next());
    if (found) return std::optional<int64_t>();
  }
  ASSIGN_OR_RETURN(int64_t ground_id, transaction_->NextId("ground"));
  Instant at = now();
  const RuleRef& rule = profile().deferment_rule;
  std::string evidence = "full-time enrolment at " + std::string(institution) + " from " +
                         FormatDate(from) + (until ? " until " + FormatDate(*until) : "") +
                         " (" + source.Text() + ")";
  json::object payload{{"ground_id", ground_id},
                       {"person_id", person_id},
                       {"kind", "deferment"},
                       {"basis", kStudentBasis},
                       {"valid_from", FormatDate(from)},
                       {"evidence", evidence},
                       {"derived", json::object{{"rule_id", rule.rule_id},
                                                {"legal_basis", rule.legal_basis},
                                                {"profile_version", profile().version},
                                                {"from", "full-time enrolment"},
                                                {"provenance", source.Json()}}}};
  if (until) payload["valid_until"] = FormatDate(*until);
  bool starts_later = from > LocalDate(at, person.zone);
  if (starts_later) {
    // As Registry::GrantGround: measures in force end on the ground's first local day.
    int64_t due_at = ToUnixSeconds(StartOfLocalDay(from, person.zone));
    json::array checks;
    if (!KnowsNoOpenSummons(person_id)) {
      RETURN_IF_ERROR(Flush());
      ASSIGN_OR_RETURN(Query open, Query::Make(connection(), "SELECT summons_id FROM summonses "
                                                             "WHERE person_id = $1 AND status IN "
                                                             "('issued', 'served') ORDER BY "
                                                             "summons_id"));
      open.Bind(person_id);
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, open.Next());
        if (!has_row) break;
        checks.push_back(json::object{{"summons_id", open.Int(0)}, {"due_at", due_at}});
      }
    }
    payload["ground_checks"] = std::move(checks);
  }
  RETURN_IF_ERROR(transaction_->Emit(events::kGroundGranted, person_id, at, payload).status());
  if (cache_) {
    std::optional<int64_t> until_days;
    if (until) until_days = ToEpochDays(*until);
    cache_->student[person_id].emplace_back(from_days, until_days);
  }
  if (!starts_later && !KnowsNoMeasures(person_id)) {
    RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(registry_->LiftIn(*transaction_, person_id, std::nullopt,
                                      "deferment granted (student_full_time, derived from " +
                                          source.Text() + ")",
                                      profile().lifting_rule.rule_id, at));
    if (cache_) cache_->measures.erase(person_id);
  }
  return std::optional<int64_t>(ground_id);
}

Result<int64_t> PersonRecordWriter::OpenReview(const ReviewItem& item) {
  ASSIGN_OR_RETURN(int64_t review_id, transaction_->NextId("review"));
  json::object payload{{"review_id", review_id},
                       {"provenance", item.source.Json()},
                       {"candidate_id", item.candidate_id},
                       {"weight", FormatWeight(item.weight)},
                       {"comparison", item.comparison},
                       {"record", item.record_json}};
  RETURN_IF_ERROR(
      transaction_->Emit(events::kMatchReviewOpened, item.candidate_id, now(), payload).status());
  return review_id;
}

Status PersonRecordWriter::CloseReview(int64_t review_id, std::string_view decision,
                                       PersonId person_id, std::string_view note,
                                       std::string_view actor) {
  json::object payload{{"review_id", review_id},
                       {"decision", decision},
                       {"person_id", person_id},
                       {"note", note},
                       {"actor", actor}};
  return transaction_->Emit(events::kMatchReviewClosed, person_id, now(), payload).status();
}

Result<bool> PersonRecordWriter::ReconsiderRegistration(PersonId person_id) {
  const Profile& rules = profile();
  if (!rules.registration_automatic) return false;
  ASSIGN_OR_RETURN(PersonFacts person, Person(person_id));
  Instant at = now();
  CivilDate today = LocalDate(at, person.zone);
  CivilDate from = rules.RegistrationStart(person.birth_date);
  CivilDate until = rules.RegistrationEnd(person.birth_date);
  json::object facts{{"birth_date", FormatDate(person.birth_date)},
                     {"local_date", FormatDate(today)},
                     {"registration_from", FormatDate(from)},
                     {"registration_until", FormatDate(until)},
                     {"region", person.region}};
  if (person.status == "recorded" && rules.BelongsOnRegister(person.birth_date, today)) {
    json::object payload{{"person_id", person_id},
                         {"rule_id", rules.registration_rule.rule_id},
                         {"legal_basis", rules.registration_rule.legal_basis},
                         {"profile_version", rules.version},
                         {"channel", person.has_portal_account ? "portal" : "registered_mail"},
                         {"notice", RegistrationNotice(person, rules, from)},
                         {"facts", std::move(facts)}};
    RETURN_IF_ERROR(
        transaction_->Emit(events::kRegistrationOpened, person_id, at, payload).status());
    if (cache_) cache_->persons[person_id].status = "registered";
    return true;
  }
  if (person.status == "registered" && today >= until) {
    std::string reason = "registration age limit reached (" + rules.registration_rule.rule_id + ")";
    std::vector<SummonsId> open;
    RETURN_IF_ERROR(Flush());
    if (cache_) {
      // Read and changed below without the cache: forget what it knew.
      cache_->persons.erase(person_id);
      cache_->obligations_read.erase(person_id);
    }
    {
      ASSIGN_OR_RETURN(Query query, Query::Make(connection(), "SELECT summons_id FROM summonses "
                                                              "WHERE person_id = $1 AND status IN "
                                                              "('issued', 'served')"));
      query.Bind(person_id);
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, query.Next());
        if (!has_row) break;
        open.push_back(query.Int(0));
      }
    }
    json::object payload{{"person_id", person_id},
                         {"reason", "age_limit"},
                         {"detail", "aged out of the register on " + FormatDate(until)},
                         {"rule_id", rules.registration_rule.rule_id},
                         {"profile_version", rules.version},
                         {"notice", "You have been taken off military registration at office " +
                                        person.office + " on reaching the age limit (" +
                                        FormatDate(until) + ", rule " +
                                        rules.registration_rule.rule_id + ")."},
                         {"facts", std::move(facts)}};
    RETURN_IF_ERROR(
        transaction_->Emit(events::kPersonDeregistered, person_id, at, payload).status());
    for (SummonsId summons_id : open) {
      json::object cancel{{"summons_id", summons_id}, {"person_id", person_id}, {"reason", reason}};
      RETURN_IF_ERROR(
          transaction_->Emit(events::kSummonsCancelled, person_id, at, cancel).status());
    }
    RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(registry_->LiftIn(*transaction_, person_id, std::nullopt, reason,
                                      rules.lifting_rule.rule_id, at));
    return true;
  }
  return false;
}

Status PersonRecordWriter::RecordBatch(const json::object& payload) {
  return transaction_->Emit(events::kFeedBatchApplied, std::nullopt, now(), payload).status();
}

// ---------------------------------------------------------------------------------------------
// Registry commands

Result<std::string> Registry::WithPersonRecords(
    const CommandContext& context, std::string_view kind, std::string_view request,
    const std::function<Result<std::string>(PersonRecordWriter&)>& body) {
  ASSIGN_OR_RETURN(auto transaction, Begin(context, kind, request));
  if (transaction->replayed()) return *transaction->replayed();
  PersonRecordWriter writer(*this, *transaction);
  ASSIGN_OR_RETURN(std::string result, body(writer));
  RETURN_IF_ERROR(transaction->Commit(result));
  return result;
}

Result<int64_t> Registry::MergePersons(const CommandContext& context, PersonId survivor_id,
                                       PersonId merged_id, std::string_view reason) {
  if (survivor_id == merged_id) return InvalidArgument("merged: a person cannot be merged into itself");
  if (reason.empty()) return InvalidArgument("reason: required");
  ASSIGN_OR_RETURN(PersonFacts survivor, LoadPerson(survivor_id));
  ASSIGN_OR_RETURN(PersonFacts merged, LoadPerson(merged_id));
  if (survivor.status == "merged") {
    return FailedPrecondition("survivor: person " + std::to_string(survivor_id) +
                              " was itself merged into another record");
  }
  if (merged.status == "merged") {
    return FailedPrecondition("merged: person " + std::to_string(merged_id) + " is already merged");
  }
  json::object request{{"survivor_id", survivor_id}, {"merged_id", merged_id}, {"reason", reason}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "merge_persons", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "merge_id");
  Connection& db = *connection_;
  {
    ASSIGN_OR_RETURN(Query open, Query::Make(db, "SELECT summons_id FROM summonses WHERE "
                                                 "person_id = $1 AND status IN ('issued', "
                                                 "'served') LIMIT 1"));
    open.Bind(merged_id);
    ASSIGN_OR_RETURN(bool found, open.Next());
    if (found) {
      return FailedPrecondition("merged: person " + std::to_string(merged_id) +
                                " has open summons " + std::to_string(open.Int(0)) +
                                "; close it before merging");
    }
  }
  json::array identifiers, grounds, attributes;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT kind, value FROM person_identifiers "
                                                  "WHERE person_id = $1 ORDER BY kind, value"));
    query.Bind(merged_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      identifiers.push_back(json::object{{"kind", query.Text(0)}, {"value", query.Text(1)}});
    }
  }
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT ground_id FROM grounds WHERE "
                                                  "person_id = $1 AND ended_at IS NULL ORDER BY "
                                                  "ground_id"));
    query.Bind(merged_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      grounds.push_back(query.Int(0));
    }
  }
  {
    // Attributes the survivor lacks move; where both have one, the survivor's stays.
    ASSIGN_OR_RETURN(std::vector<PersonAttribute> merged_attributes,
                     ReadPersonAttributes(db, merged_id));
    ASSIGN_OR_RETURN(std::vector<PersonAttribute> survivor_attributes,
                     ReadPersonAttributes(db, survivor_id));
    std::set<std::string> held;
    for (const PersonAttribute& attribute : survivor_attributes) held.insert(attribute.name);
    for (const PersonAttribute& attribute : merged_attributes) {
      if (!held.contains(attribute.name)) attributes.push_back(json::string(attribute.name));
    }
  }
  ASSIGN_OR_RETURN(int64_t merge_id, transaction->NextId("merge"));
  Instant now = transaction->now();
  json::object payload{
      {"merge_id", merge_id},
      {"survivor_id", survivor_id},
      {"merged_id", merged_id},
      {"reason", reason},
      {"actor", context.actor},
      {"merged_status", merged.status},
      {"merged_name", json::object{{"family_name", merged.family_name},
                                   {"given_name", merged.given_name},
                                   {"patronymic", merged.patronymic}}},
      {"moved", json::object{{"identifiers", std::move(identifiers)},
                             {"grounds", std::move(grounds)},
                             {"attributes", std::move(attributes)}}}};
  RETURN_IF_ERROR(transaction->Emit(events::kPersonsMerged, survivor_id, now, payload).status());
  // The survivor now carries the merged record's grounds: measures they block are lifted.
  {
    ASSIGN_OR_RETURN(PersonFacts merged_survivor, LoadPerson(survivor_id));
    ASSIGN_OR_RETURN(std::optional<GateFinding> gate,
                     CheckGates(merged_survivor, now, GatePurpose::kImposeMeasure, std::nullopt));
    if (gate && (gate->code == "deferment" || gate->code == "exemption")) {
      RETURN_IF_ERROR(LiftIn(*transaction, survivor_id, std::nullopt,
                             gate->code + " in force after merge " + std::to_string(merge_id) +
                                 ": " + gate->reason,
                             profile_.lifting_rule.rule_id, now));
    }
  }
  if (survivor.status == "recorded" && merged.status == "registered") {
    PersonRecordWriter writer(*this, *transaction);
    RETURN_IF_ERROR(writer.ReconsiderRegistration(survivor_id).status());
  }
  RETURN_IF_ERROR(transaction->Commit(ResultJson("merge_id", merge_id)));
  return merge_id;
}

Status Registry::SplitPerson(const CommandContext& context, int64_t merge_id,
                             std::string_view reason) {
  if (reason.empty()) return InvalidArgument("reason: required");
  PersonId survivor_id = 0, merged_id = 0;
  std::string moved_text;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, "SELECT survivor_id, merged_id, "
                                                            "moved, split_at FROM person_merges "
                                                            "WHERE merge_id = $1"));
    query.Bind(merge_id);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return NotFound("merge: no merge with id " + std::to_string(merge_id));
    if (!query.IsNull(3)) {
      return FailedPrecondition("merge: " + std::to_string(merge_id) + " was already split");
    }
    survivor_id = query.Int(0);
    merged_id = query.Int(1);
    moved_text = query.Text(2);
  }
  std::error_code error;
  json::value moved = json::parse(moved_text, error);
  if (error || !moved.is_object()) return DataLoss("person_merges: moved is not JSON");
  json::object request{{"merge_id", merge_id}, {"reason", reason}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "split_person", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  json::object payload{{"merge_id", merge_id},
                       {"survivor_id", survivor_id},
                       {"restored_id", merged_id},
                       {"reason", reason},
                       {"actor", context.actor},
                       {"moved", moved.get_object()}};
  RETURN_IF_ERROR(
      transaction->Emit(events::kPersonSplit, merged_id, transaction->now(), payload).status());
  return transaction->Commit("{}");
}

Result<RegistrationSweep> Registry::SweepRegistration(const CommandContext& context) {
  RegistrationSweep sweep;
  if (!profile_.registration_automatic) return sweep;
  Instant now = Now();
  // Bounds on the birth date with a day of slack for time zones; each person is decided on
  // their own local date by ReconsiderRegistration.
  CivilDate today = CivilDate(date::floor<date::days>(now));
  CivilDate youngest = AddDays(CivilDate(today.year() - date::years(profile_.registration_from_age),
                                         date::December, date::day(31)),
                               1);
  CivilDate aged_out = today - date::years(profile_.registration_until_age);
  if (!aged_out.ok()) aged_out = CivilDate(aged_out.year(), date::March, date::day(1));
  CivilDate oldest = AddDays(aged_out, 1);
  std::vector<PersonId> candidates;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(*connection_,
                                 "SELECT person_id FROM persons WHERE (status = 'recorded' AND "
                                 "birth_date BETWEEN $1 AND $2) OR (status = 'registered' AND "
                                 "birth_date <= $1) ORDER BY person_id"));
    query.Bind(static_cast<int64_t>(ToEpochDays(oldest)))
        .Bind(static_cast<int64_t>(ToEpochDays(youngest)));
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      candidates.push_back(query.Int(0));
    }
  }
  for (size_t start = 0; start < candidates.size(); start += kSweepPerTransaction) {
    size_t end = std::min(candidates.size(), start + static_cast<size_t>(kSweepPerTransaction));
    CommandContext part = context;
    if (!part.idempotency_key.empty()) part.idempotency_key += ":" + std::to_string(start);
    json::object request{{"at", FormatInstant(now)}, {"first", candidates[start]},
                         {"count", static_cast<int64_t>(end - start)}};
    ASSIGN_OR_RETURN(auto transaction, Begin(part, "registration_sweep", json::serialize(request)));
    if (transaction->replayed()) continue;
    PersonRecordWriter writer(*this, *transaction);
    for (size_t index = start; index < end; ++index) {
      ASSIGN_OR_RETURN(PersonFacts before, LoadPerson(candidates[index]));
      ASSIGN_OR_RETURN(bool changed, writer.ReconsiderRegistration(candidates[index]));
      if (!changed) continue;
      if (before.status == "recorded") {
        ++sweep.registered;
      } else {
        ++sweep.deregistered;
      }
    }
    RETURN_IF_ERROR(transaction->Commit(ResultJson("changed", sweep.registered + sweep.deregistered)));
  }
  return sweep;
}

// ---------------------------------------------------------------------------------------------
// Projection

namespace {

Status Run(Result<int64_t> result) { return result.status(); }

Result<const json::array*> ArrayField(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_array()) {
    return DataLoss("event payload: field '" + std::string(key) + "' missing or not an array");
  }
  return &value->get_array();
}

Result<std::pair<std::string, std::string>> IdentifierItem(const json::value& item) {
  if (!item.is_object()) return DataLoss("event payload: malformed identifier");
  ASSIGN_OR_RETURN(std::string kind, JsonString(item.get_object(), "kind"));
  ASSIGN_OR_RETURN(std::string value, JsonString(item.get_object(), "value"));
  return std::make_pair(std::move(kind), std::move(value));
}

// The projection of the events that only create rows is derived into a ProjectionBuffer (see
// registry/projector.h): the bulk path keeps the buffer for many events, ProjectEvent flushes it
// at once — the same rows either way.

void DeriveDecision(ProjectionBuffer& rows, const LedgerEvent& event, int64_t person_id,
                    std::string_view kind, std::string outcome, std::string rule_id,
                    std::string profile_version, const json::object& payload) {
  const json::value* facts = payload.if_contains("facts");
  rows.decisions()
      .Row()
      .Add(person_id)
      .AddNull()
      .Add(ToUnixSeconds(event.effective_at))
      .Add(kind)
      .Add(std::move(outcome))
      .Add(std::move(rule_id))
      .Add(std::move(profile_version))
      .Add(facts ? json::serialize(*facts) : std::string("{}"))
      .Add(event.seq);
}

void DeriveNotice(ProjectionBuffer& rows, const LedgerEvent& event, int64_t person_id,
                  std::string_view kind, const json::object& payload) {
  auto text = JsonOptionalString(payload, "notice");
  if (!text) return;
  rows.notices()
      .Row()
      .Add(person_id)
      .Add(kind)
      .Add(std::move(*text))
      .Add(ToUnixSeconds(event.effective_at))
      .Add(event.seq);
}

struct ProvenanceRow {
  std::string agency;
  int64_t sequence = 0;
  int64_t record = 0;
};

Result<ProvenanceRow> ReadProvenance(const json::object& payload) {
  const json::value* value = payload.if_contains("provenance");
  if (value == nullptr || !value->is_object()) {
    return DataLoss("event payload: field 'provenance' missing");
  }
  ProvenanceRow row;
  ASSIGN_OR_RETURN(row.agency, JsonString(value->get_object(), "agency"));
  ASSIGN_OR_RETURN(row.sequence, JsonInt(value->get_object(), "sequence"));
  ASSIGN_OR_RETURN(row.record, JsonInt(value->get_object(), "record"));
  return row;
}

// One row of person_attribute_records: the attributes one event recorded, as a JSON object.
void DeriveAttributeRecord(ProjectionBuffer& rows, const LedgerEvent& event, int64_t person_id,
                           std::string attributes_json, ProvenanceRow source) {
  rows.attribute_records()
      .Row()
      .Add(person_id)
      .Add(event.seq)
      .Add(std::move(source.agency))
      .Add(source.sequence)
      .Add(source.record)
      .Add(ToUnixSeconds(event.effective_at))
      .Add(std::move(attributes_json));
}

Status DeriveFormerName(ProjectionBuffer& rows, const LedgerEvent& event, int64_t person_id,
                        const json::object& name) {
  ASSIGN_OR_RETURN(std::string family, JsonString(name, "family_name"));
  ASSIGN_OR_RETURN(std::string given, JsonString(name, "given_name"));
  ASSIGN_OR_RETURN(std::string patronymic, JsonString(name, "patronymic"));
  rows.former_names()
      .Row()
      .Add(person_id)
      .Add(std::move(family))
      .Add(std::move(given))
      .Add(std::move(patronymic))
      .Add(event.seq);
  return Status::Ok();
}

Status DerivePersonRecorded(ProjectionBuffer& rows, const LedgerEvent& event,
                            const json::object& p) {
  ProjectionBuffer::PersonRow person;
  ASSIGN_OR_RETURN(person.person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string birth_text, JsonString(p, "birth_date"));
  ASSIGN_OR_RETURN(CivilDate birth_date, ParseDate(birth_text, "birth_date"));
  ASSIGN_OR_RETURN(person.has_portal_account, JsonBool(p, "has_portal_account"));
  ASSIGN_OR_RETURN(person.family_name, JsonString(p, "family_name"));
  ASSIGN_OR_RETURN(person.given_name, JsonString(p, "given_name"));
  ASSIGN_OR_RETURN(person.patronymic, JsonString(p, "patronymic"));
  ASSIGN_OR_RETURN(person.family_name_latin, JsonString(p, "family_name_latin"));
  ASSIGN_OR_RETURN(person.given_name_latin, JsonString(p, "given_name_latin"));
  ASSIGN_OR_RETURN(person.patronymic_latin, JsonString(p, "patronymic_latin"));
  ASSIGN_OR_RETURN(person.sex, JsonString(p, "sex"));
  ASSIGN_OR_RETURN(person.region, JsonString(p, "region"));
  ASSIGN_OR_RETURN(person.office, JsonString(p, "office"));
  ASSIGN_OR_RETURN(person.source, JsonString(p, "source"));
  person.birth_date = ToEpochDays(birth_date);
  person.status = "recorded";
  person.registered_at = ToUnixSeconds(event.effective_at);
  const json::value* identifiers = p.if_contains("identifiers");
  if (identifiers == nullptr || !identifiers->is_array()) {
    return DataLoss("event payload: field 'identifiers' missing");
  }
  const int64_t person_id = person.person_id;
  rows.InsertPerson(std::move(person));
  for (const json::value& item : identifiers->get_array()) {
    ASSIGN_OR_RETURN(auto identifier, IdentifierItem(item));
    rows.identifiers().Row().Add(std::move(identifier.first)).Add(std::move(identifier.second)).Add(person_id);
  }
  return Status::Ok();
}

Status DeriveAttributeRecorded(ProjectionBuffer& rows, const LedgerEvent& event,
                               const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(ProvenanceRow source, ReadProvenance(p));
  const json::value* attributes = p.if_contains("attributes");
  if (attributes == nullptr || !attributes->is_object()) {
    return DataLoss("event payload: field 'attributes' missing");
  }
  if (const json::value* former = p.if_contains("former_name"); former && former->is_object()) {
    RETURN_IF_ERROR(DeriveFormerName(rows, event, person_id, former->get_object()));
  }
  for (const auto& [key, value] : attributes->get_object()) {
    if (!value.is_string()) return DataLoss("event payload: attribute values are strings");
    std::string_view name = key;
    if (IsIdentifierAttribute(name)) {
      rows.identifiers().Row().Add(name).Add(std::string_view(value.get_string())).Add(person_id);
    } else if (IsNameAttribute(name)) {
      rows.UpdatePerson(person_id, name, std::string(value.get_string()));
    }
  }
  DeriveAttributeRecord(rows, event, person_id, json::serialize(*attributes), std::move(source));
  return Status::Ok();
}

Status DeriveRegistrationOpened(ProjectionBuffer& rows, const LedgerEvent& event,
                                const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  rows.UpdatePerson(person_id, "status", "registered");
  DeriveDecision(rows, event, person_id, "registration", "put on the register", std::move(rule_id),
                 std::move(profile_version), p);
  DeriveNotice(rows, event, person_id, "registration_opened", p);
  return Status::Ok();
}

Status DerivePersonDeregistered(ProjectionBuffer& rows, const LedgerEvent& event,
                                const json::object& p) {
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  ASSIGN_OR_RETURN(std::string detail, JsonString(p, "detail"));
  ASSIGN_OR_RETURN(std::string rule_id, JsonString(p, "rule_id"));
  ASSIGN_OR_RETURN(std::string profile_version, JsonString(p, "profile_version"));
  rows.UpdatePerson(person_id, "status", reason == "death" ? "deceased" : "deregistered");
  if (auto died_on = JsonOptionalString(p, "date_of_death")) {
    ASSIGN_OR_RETURN(ProvenanceRow source, ReadProvenance(p));
    DeriveAttributeRecord(rows, event, person_id,
                          json::serialize(json::object{{"date_of_death", *died_on}}),
                          std::move(source));
  }
  DeriveDecision(rows, event, person_id, "registration", "taken off the register: " + detail,
                 std::move(rule_id), std::move(profile_version), p);
  DeriveNotice(rows, event, person_id, "registration_closed", p);
  return Status::Ok();
}

Status DeriveMatchReviewOpened(ProjectionBuffer& rows, const LedgerEvent& event,
                               const json::object& p) {
  ASSIGN_OR_RETURN(int64_t review_id, JsonInt(p, "review_id"));
  ASSIGN_OR_RETURN(ProvenanceRow source, ReadProvenance(p));
  ASSIGN_OR_RETURN(int64_t candidate_id, JsonInt(p, "candidate_id"));
  ASSIGN_OR_RETURN(std::string weight, JsonString(p, "weight"));
  ASSIGN_OR_RETURN(std::string record, JsonString(p, "record"));
  const json::value* comparison = p.if_contains("comparison");
  rows.reviews()
      .Row()
      .Add(review_id)
      .Add(std::move(source.agency))
      .Add(source.sequence)
      .Add(source.record)
      .Add(candidate_id)
      .Add(std::move(weight))
      .Add(comparison ? json::serialize(*comparison) : std::string("{}"))
      .Add(std::move(record))
      .Add("open")
      .Add(ToUnixSeconds(event.effective_at))
      .Add(event.seq);
  return Status::Ok();
}

// The event's identifiers, for naming the one a constraint refused.
std::vector<std::pair<std::string, std::string>> EventIdentifiers(std::string_view type,
                                                                  const json::object& p) {
  std::vector<std::pair<std::string, std::string>> found;
  if (type == events::kPersonRecorded) {
    if (const json::value* items = p.if_contains("identifiers"); items && items->is_array()) {
      for (const json::value& item : items->get_array()) {
        if (auto identifier = IdentifierItem(item); identifier.ok()) found.push_back(*identifier);
      }
    }
  } else if (const json::value* values = p.if_contains("attributes"); values && values->is_object()) {
    for (const auto& [name, value] : values->get_object()) {
      if (IsIdentifierAttribute(name) && value.is_string()) {
        found.emplace_back(std::string(name), std::string(value.get_string()));
      }
    }
  }
  return found;
}

// Projects a row-creating event at once (rebuilds, and transactions not in bulk mode).
Status ProjectRows(Connection& db, const LedgerEvent& event, const json::object& p) {
  ProjectionBuffer rows;
  RETURN_IF_ERROR(ProjectPersonRecordEventBuffered(rows, event, p));
  Status status = rows.Flush(db);
  if (status.code() != StatusCode::kAlreadyExists) return status;
  // Name the identifier another person holds, as the writer's own check would.
  for (const auto& [kind, value] : EventIdentifiers(event.type, p)) {
    ASSIGN_OR_RETURN(Query owner, Query::Make(db, "SELECT person_id FROM person_identifiers "
                                                  "WHERE kind = $1 AND value = $2"));
    owner.Bind(kind).Bind(value);
    ASSIGN_OR_RETURN(bool found, owner.Next());
    if (found) return AlreadyExists(kind + ": " + value + " is already recorded for another person");
  }
  return status;
}

Status InsertFormerName(Connection& db, const LedgerEvent& event, int64_t person_id,
                        const json::object& name) {
  ProjectionBuffer rows;
  RETURN_IF_ERROR(DeriveFormerName(rows, event, person_id, name));
  return rows.Flush(db);
}

Status ProjectPersonsMerged(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t merge_id, JsonInt(p, "merge_id"));
  ASSIGN_OR_RETURN(int64_t survivor_id, JsonInt(p, "survivor_id"));
  ASSIGN_OR_RETURN(int64_t merged_id, JsonInt(p, "merged_id"));
  ASSIGN_OR_RETURN(std::string reason, JsonString(p, "reason"));
  const json::value* moved = p.if_contains("moved");
  const json::value* name = p.if_contains("merged_name");
  if (moved == nullptr || !moved->is_object() || name == nullptr || !name->is_object()) {
    return DataLoss("event payload: PersonsMerged without 'moved' or 'merged_name'");
  }
  const json::object& lists = moved->get_object();
  ASSIGN_OR_RETURN(const json::array* identifiers, ArrayField(lists, "identifiers"));
  ASSIGN_OR_RETURN(const json::array* grounds, ArrayField(lists, "grounds"));
  ASSIGN_OR_RETURN(const json::array* attributes, ArrayField(lists, "attributes"));
  for (const json::value& item : *identifiers) {
    ASSIGN_OR_RETURN(auto identifier, IdentifierItem(item));
    const auto& [kind, value] = identifier;
    RETURN_IF_ERROR(Run(ExecuteSql(db, "UPDATE person_identifiers SET person_id = $1 WHERE kind "
                                       "= $2 AND value = $3",
                                   survivor_id, kind, value)));
  }
  for (const json::value& item : *grounds) {
    if (!item.is_int64()) return DataLoss("event payload: malformed ground id");
    RETURN_IF_ERROR(Run(ExecuteSql(db, "UPDATE grounds SET person_id = $1 WHERE ground_id = $2",
                                   survivor_id, item.get_int64())));
  }
  for (const json::value& item : *attributes) {
    // Attribute rows stay with the record that recorded them: ReadPersonAttributes shows the
    // survivor those it lacks, through person_merges, until a split.
    if (!item.is_string()) return DataLoss("event payload: malformed attribute name");
  }
  // The survivor may be sought under the merged record's name too.
  RETURN_IF_ERROR(InsertFormerName(db, event, survivor_id, name->get_object()));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db, "UPDATE persons SET status = 'merged' WHERE person_id = $1", merged_id)));
  return Run(ExecuteSql(db,
                        "INSERT INTO person_merges (merge_id, survivor_id, merged_id, reason, "
                        "moved, merged_at, merge_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        merge_id, survivor_id, merged_id, reason, json::serialize(lists),
                        ToUnixSeconds(event.effective_at), event.seq));
}

Status ProjectPersonSplit(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t merge_id, JsonInt(p, "merge_id"));
  ASSIGN_OR_RETURN(int64_t survivor_id, JsonInt(p, "survivor_id"));
  ASSIGN_OR_RETURN(int64_t restored_id, JsonInt(p, "restored_id"));
  const json::value* moved = p.if_contains("moved");
  if (moved == nullptr || !moved->is_object()) {
    return DataLoss("event payload: PersonSplit without 'moved'");
  }
  const json::object& lists = moved->get_object();
  ASSIGN_OR_RETURN(const json::array* identifiers, ArrayField(lists, "identifiers"));
  ASSIGN_OR_RETURN(const json::array* grounds, ArrayField(lists, "grounds"));
  ASSIGN_OR_RETURN(const json::array* attributes, ArrayField(lists, "attributes"));
  for (const json::value& item : *identifiers) {
    ASSIGN_OR_RETURN(auto identifier, IdentifierItem(item));
    const auto& [kind, value] = identifier;
    RETURN_IF_ERROR(Run(ExecuteSql(db, "UPDATE person_identifiers SET person_id = $1 WHERE kind "
                                       "= $2 AND value = $3 AND person_id = $4",
                                   restored_id, kind, value, survivor_id)));
  }
  for (const json::value& item : *grounds) {
    if (!item.is_int64()) return DataLoss("event payload: malformed ground id");
    RETURN_IF_ERROR(Run(ExecuteSql(db, "UPDATE grounds SET person_id = $1 WHERE ground_id = $2 "
                                       "AND person_id = $3",
                                   restored_id, item.get_int64(), survivor_id)));
  }
  for (const json::value& item : *attributes) {
    if (!item.is_string()) return DataLoss("event payload: malformed attribute name");
  }
  // The merged record's status before the merge, kept in the merge event.
  std::string status = "recorded";
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT payload FROM ledger_events WHERE seq = "
                                                  "(SELECT merge_seq FROM person_merges WHERE "
                                                  "merge_id = $1)"));
    query.Bind(merge_id);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (found) {
      std::error_code error;
      json::value merged = json::parse(query.TextView(0), error);
      if (!error && merged.is_object()) {
        status = JsonOptionalString(merged.get_object(), "merged_status").value_or(status);
      }
    }
  }
  RETURN_IF_ERROR(Run(ExecuteSql(db, "UPDATE persons SET status = $1 WHERE person_id = $2",
                                 status, restored_id)));
  return Run(ExecuteSql(db, "UPDATE person_merges SET split_at = $1, split_seq = $2 WHERE "
                            "merge_id = $3",
                        ToUnixSeconds(event.effective_at), event.seq, merge_id));
}

Status ProjectMatchReviewClosed(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(int64_t review_id, JsonInt(p, "review_id"));
  ASSIGN_OR_RETURN(std::string decision, JsonString(p, "decision"));
  ASSIGN_OR_RETURN(int64_t person_id, JsonInt(p, "person_id"));
  ASSIGN_OR_RETURN(std::string note, JsonString(p, "note"));
  ASSIGN_OR_RETURN(std::string actor, JsonString(p, "actor"));
  return Run(ExecuteSql(db,
                        "UPDATE match_reviews SET status = $1, decided_at = $2, decided_by = $3, "
                        "person_id = $4, note = $5 WHERE review_id = $6",
                        decision, ToUnixSeconds(event.effective_at), actor, person_id, note,
                        review_id));
}

Status ProjectFeedBatchApplied(Connection& db, const LedgerEvent& event, const json::object& p) {
  ASSIGN_OR_RETURN(std::string agency, JsonString(p, "agency"));
  ASSIGN_OR_RETURN(int64_t sequence, JsonInt(p, "sequence"));
  ASSIGN_OR_RETURN(std::string checksum, JsonString(p, "checksum"));
  ASSIGN_OR_RETURN(std::string format, JsonString(p, "format"));
  ASSIGN_OR_RETURN(int64_t records, JsonInt(p, "records"));
  ASSIGN_OR_RETURN(int64_t applied, JsonInt(p, "applied"));
  ASSIGN_OR_RETURN(int64_t created, JsonInt(p, "created"));
  ASSIGN_OR_RETURN(int64_t review, JsonInt(p, "review"));
  ASSIGN_OR_RETURN(int64_t rejected, JsonInt(p, "rejected"));
  RETURN_IF_ERROR(Run(ExecuteSql(
      db,
      "INSERT INTO feed_batches (agency, sequence, checksum, format, received_at, records, "
      "applied, created, review, rejected, gap_from, gap_to, seq) VALUES ($1, $2, $3, $4, $5, "
      "$6, $7, $8, $9, $10, $11, $12, $13)",
      agency, sequence, checksum, format, ToUnixSeconds(event.effective_at), records, applied,
      created, review, rejected, JsonOptionalInt(p, "gap_from"), JsonOptionalInt(p, "gap_to"),
      event.seq)));
  const json::value* rejections = p.if_contains("rejections");
  if (rejections == nullptr || !rejections->is_array()) return Status::Ok();
  for (const json::value& item : rejections->get_array()) {
    if (!item.is_object()) return DataLoss("event payload: malformed rejection");
    const json::object& rejection = item.get_object();
    ASSIGN_OR_RETURN(int64_t record, JsonInt(rejection, "record"));
    ASSIGN_OR_RETURN(std::string field, JsonString(rejection, "field"));
    ASSIGN_OR_RETURN(std::string code, JsonString(rejection, "code"));
    ASSIGN_OR_RETURN(std::string reason, JsonString(rejection, "reason"));
    RETURN_IF_ERROR(Run(ExecuteSql(db,
                                   "INSERT INTO feed_rejections (agency, sequence, record, field, "
                                   "code, reason) VALUES ($1, $2, $3, $4, $5, $6)",
                                   agency, sequence, record, field, code, reason)));
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string> PackedAttribute(std::string_view attributes_json, std::string_view name) {
  std::error_code error;
  json::value value = json::parse(attributes_json, error);
  if (error || !value.is_object()) return std::nullopt;
  const json::value* found = value.get_object().if_contains(name);
  if (found == nullptr || !found->is_string()) return std::nullopt;
  return std::string(found->get_string());
}

namespace {

Status ReadAttributesFollowingMerges(Connection& db, PersonId person_id, PersonId from_person,
                                     int depth, std::map<std::string, PersonAttribute>& current) {
  std::map<std::string, PersonAttribute> own;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(db, "SELECT seq, agency, sequence, record, recorded_at, "
                                     "attributes FROM person_attribute_records WHERE person_id = "
                                     "$1 ORDER BY seq"));
    query.Bind(person_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      std::error_code error;
      json::value values = json::parse(query.TextView(5), error);
      if (error || !values.is_object()) {
        return DataLoss("person_attribute_records: attributes of person " +
                        std::to_string(person_id) + " at seq " + std::to_string(query.Int(0)) +
                        " are not a JSON object");
      }
      for (const auto& [name, value] : values.get_object()) {
        if (!value.is_string()) continue;
        PersonAttribute& attribute = own[std::string(name)];
        attribute.name = std::string(name);
        attribute.value = std::string(value.get_string());
        attribute.agency = query.Text(1);
        attribute.sequence = query.Int(2);
        attribute.record = query.Int(3);
        attribute.recorded_at = FromUnixSeconds(query.Int(4));
        attribute.seq = query.Int(0);
        attribute.from_person = from_person;
      }
    }
  }
  for (auto& [name, attribute] : own) current.try_emplace(name, std::move(attribute));
  if (depth >= 16) return Status::Ok();
  std::vector<PersonId> merged;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT merged_id FROM person_merges WHERE "
                                                  "survivor_id = $1 AND split_seq IS NULL ORDER "
                                                  "BY merge_id"));
    query.Bind(person_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      merged.push_back(query.Int(0));
    }
  }
  for (PersonId merged_id : merged) {
    RETURN_IF_ERROR(ReadAttributesFollowingMerges(db, merged_id, merged_id, depth + 1, current));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<PersonAttribute>> ReadPersonAttributes(Connection& connection,
                                                          PersonId person_id) {
  std::map<std::string, PersonAttribute> current;
  RETURN_IF_ERROR(ReadAttributesFollowingMerges(connection, person_id, 0, 0, current));
  std::vector<PersonAttribute> attributes;
  attributes.reserve(current.size());
  for (auto& [name, attribute] : current) attributes.push_back(std::move(attribute));
  return attributes;
}

std::optional<std::string> DescribePersonRecordEvent(std::string_view type,
                                                     const json::object& p) {
  namespace e = events;
  auto text = [&](std::string_view key) { return JsonOptionalString(p, key).value_or(""); };
  auto number = [&](std::string_view key) {
    auto value = JsonOptionalInt(p, key);
    return value ? std::to_string(*value) : std::string("?");
  };
  auto source = [&]() -> std::string {
    const json::value* value = p.if_contains("provenance");
    if (value == nullptr || !value->is_object()) return "";
    const json::object& from = value->get_object();
    std::string line = " [from " + JsonOptionalString(from, "agency").value_or("?") + " batch " +
                       std::to_string(JsonOptionalInt(from, "sequence").value_or(0)) + " line " +
                       std::to_string(JsonOptionalInt(from, "record").value_or(0));
    if (const json::value* match = p.if_contains("match"); match && match->is_object()) {
      line += ", found by " + JsonOptionalString(match->get_object(), "method").value_or("?");
      if (auto weight = JsonOptionalString(match->get_object(), "weight")) line += " (weight " + *weight + ")";
    }
    return line + "]";
  };
  if (type == e::kPersonRecorded) {
    return "on file: " + text("family_name") + " " + text("given_name") + " " + text("patronymic") +
           ", born " + text("birth_date") + ", office " + text("office") + source();
  }
  if (type == e::kAttributeRecorded) {
    std::string line = "recorded";
    if (const json::value* values = p.if_contains("attributes"); values && values->is_object()) {
      for (const auto& [name, value] : values->get_object()) {
        line += " " + std::string(name) + "=" + (value.is_string() ? std::string(value.get_string()) : "?");
      }
    }
    return line + source();
  }
  if (type == e::kRegistrationOpened) {
    return "PUT ON THE REGISTER (rule " + text("rule_id") + "); notice sent by " + text("channel");
  }
  if (type == e::kPersonDeregistered) {
    return "TAKEN OFF THE REGISTER: " + text("detail") + " (rule " + text("rule_id") + ")" + source();
  }
  if (type == e::kPersonsMerged) {
    return "merge " + number("merge_id") + ": person " + number("merged_id") + " merged into " +
           number("survivor_id") + " by " + text("actor") + ": " + text("reason");
  }
  if (type == e::kPersonSplit) {
    return "merge " + number("merge_id") + " undone: person " + number("restored_id") +
           " restored by " + text("actor") + ": " + text("reason");
  }
  if (type == e::kMatchReviewOpened) {
    return "review " + number("review_id") + " opened: a record may be this person (weight " +
           text("weight") + ")" + source();
  }
  if (type == e::kMatchReviewClosed) {
    return "review " + number("review_id") + " decided by " + text("actor") + ": " + text("decision") +
           " (" + text("note") + ")";
  }
  return std::nullopt;
}

bool CanProjectPersonRecordBuffered(std::string_view type) {
  namespace e = events;
  return type == e::kPersonRecorded || type == e::kAttributeRecorded ||
         type == e::kRegistrationOpened || type == e::kPersonDeregistered ||
         type == e::kMatchReviewOpened;
}

Status ProjectPersonRecordEventBuffered(ProjectionBuffer& buffer, const LedgerEvent& event,
                                        const json::object& p) {
  namespace e = events;
  const std::string& type = event.type;
  if (type == e::kPersonRecorded) return DerivePersonRecorded(buffer, event, p);
  if (type == e::kAttributeRecorded) return DeriveAttributeRecorded(buffer, event, p);
  if (type == e::kRegistrationOpened) return DeriveRegistrationOpened(buffer, event, p);
  if (type == e::kPersonDeregistered) return DerivePersonDeregistered(buffer, event, p);
  if (type == e::kMatchReviewOpened) return DeriveMatchReviewOpened(buffer, event, p);
  return Internal("projector: '" + type + "' is not projected through a buffer");
}

bool IsPersonRecordEvent(std::string_view type) {
  namespace e = events;
  return type == e::kPersonRecorded || type == e::kAttributeRecorded ||
         type == e::kRegistrationOpened || type == e::kPersonDeregistered ||
         type == e::kPersonsMerged || type == e::kPersonSplit || type == e::kMatchReviewOpened ||
         type == e::kMatchReviewClosed || type == e::kFeedBatchApplied;
}

Status ProjectPersonRecordEvent(Connection& db, const LedgerEvent& event, const json::object& p) {
  namespace e = events;
  const std::string& type = event.type;
  if (CanProjectPersonRecordBuffered(type)) return ProjectRows(db, event, p);
  if (type == e::kPersonsMerged) return ProjectPersonsMerged(db, event, p);
  if (type == e::kPersonSplit) return ProjectPersonSplit(db, event, p);
  if (type == e::kMatchReviewClosed) return ProjectMatchReviewClosed(db, event, p);
  if (type == e::kFeedBatchApplied) return ProjectFeedBatchApplied(db, event, p);
  return Internal("projector: '" + type + "' is not a person-record event");
}

}  // namespace muster
