// Registry set-up, the clock and the scheduler, persons and their grounds.
#include "registry/registry.h"

#include "common/crypto.h"
#include "domain/region.h"
#include "registry/queries.h"
#include "registry/events.h"
#include "store/migrations.h"

namespace muster {
namespace json = boost::json;

namespace {

constexpr int64_t kDueBatchSize = 2000;

Result<std::string> ReadMeta(Connection& connection, std::string_view key) {
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, "SELECT value FROM registry_meta WHERE key = $1"));
  query.Bind(key);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("registry: metadata '" + std::string(key) + "' is missing");
  return query.Text(0);
}

Status WriteMeta(Connection& connection, std::string_view key, std::string_view value) {
  return ExecuteSql(connection,
                    "INSERT INTO registry_meta (key, value) VALUES ($1, $2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    key, value)
      .status();
}

}  // namespace

Registry::Registry(std::unique_ptr<Connection> connection, Profile profile, bool simulated,
                   Instant simulated_now)
    : connection_(std::move(connection)),
      profile_(std::move(profile)),
      simulated_(simulated),
      simulated_clock_(simulated_now) {}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::Create(std::unique_ptr<Connection> connection,
                                                   std::string_view profile_toml,
                                                   std::string_view profile_source,
                                                   std::optional<Instant> simulated_start) {
  RETURN_IF_ERROR(InitCrypto());
  ASSIGN_OR_RETURN(Profile profile, ParseProfile(profile_toml, profile_source));
  RETURN_IF_ERROR(Migrate(*connection));
  if (ReadMeta(*connection, "profile_toml").ok()) {
    return AlreadyExists("registry: this store already holds a registry");
  }
  Instant now = simulated_start ? *simulated_start : SystemClock().Now();
  auto registry = std::unique_ptr<Registry>(
      new Registry(std::move(connection), std::move(profile), simulated_start.has_value(), now));
  const Profile& active = registry->profile_;
  json::object request{{"profile", active.id}, {"version", active.version}};
  ASSIGN_OR_RETURN(auto transaction,
                   registry->Begin({.idempotency_key = "init", .actor = "init"}, "init",
                                   json::serialize(request)));
  Connection& db = transaction->connection();
  RETURN_IF_ERROR(WriteMeta(db, "profile_toml", profile_toml));
  RETURN_IF_ERROR(WriteMeta(db, "clock", simulated_start ? "simulated" : "system"));
  if (simulated_start) RETURN_IF_ERROR(registry->SaveSimulatedNow(*transaction, now));
  json::object payload{{"profile_id", active.id},
                       {"version", active.version},
                       {"source", profile_source},
                       {"sha256", Sha256Hex(profile_toml)},
                       {"clock", simulated_start ? "simulated" : "system"}};
  RETURN_IF_ERROR(transaction->Emit(events::kProfileActivated, std::nullopt, now, payload).status());
  RETURN_IF_ERROR(transaction->Commit("{}"));
  return registry;
}

Result<std::unique_ptr<Registry>> Registry::Open(std::unique_ptr<Connection> connection) {
  RETURN_IF_ERROR(InitCrypto());
  // Look before migrating: opening a store that holds no registry must not write to it.
  auto toml = ReadMeta(*connection, "profile_toml");
  if (!toml.ok()) return NotFound("registry: the store holds no registry (run `muster init`)");
  RETURN_IF_ERROR(Migrate(*connection));
  ASSIGN_OR_RETURN(Profile profile, ParseProfile(*toml, "registry profile"));
  ASSIGN_OR_RETURN(std::string clock, ReadMeta(*connection, "clock"));
  bool simulated = clock == "simulated";
  Instant now = SystemClock().Now();
  if (simulated) {
    ASSIGN_OR_RETURN(std::string text, ReadMeta(*connection, "simulated_now"));
    ASSIGN_OR_RETURN(now, ParseInstant(text, "simulated_now"));
  }
  return std::unique_ptr<Registry>(
      new Registry(std::move(connection), std::move(profile), simulated, now));
}

Instant Registry::Now() const {
  return simulated_ ? simulated_clock_.Now() : system_clock_.Now();
}

Status Registry::RefreshClock() {
  if (!simulated_) return Status::Ok();
  ASSIGN_OR_RETURN(std::string text, ReadMeta(*connection_, "simulated_now"));
  ASSIGN_OR_RETURN(Instant now, ParseInstant(text, "simulated_now"));
  // Simulated time only moves forward; another process may have advanced it.
  if (now > simulated_clock_.Now()) simulated_clock_.Set(now);
  return Status::Ok();
}

Result<std::unique_ptr<WriteTransaction>> Registry::Begin(const CommandContext& context,
                                                          std::string_view kind,
                                                          std::string_view request) {
  return WriteTransaction::Begin(*connection_, Now(), context, kind, request);
}

Status Registry::SaveSimulatedNow(WriteTransaction& transaction, Instant now) {
  return WriteMeta(transaction.connection(), "simulated_now", FormatInstant(now));
}

// ---------------------------------------------------------------------------------------------
// Clock and scheduler

Result<DueRun> Registry::AdvanceTo(Instant to, const Progress& progress) {
  if (!simulated_) {
    return FailedPrecondition("clock: this registry runs on the system clock; only a registry "
                              "created with a simulated clock can be advanced");
  }
  Instant from = simulated_clock_.Now();
  if (to < from) {
    return FailedPrecondition("clock: cannot move back from " + FormatInstant(from) + " to " +
                              FormatInstant(to));
  }
  DueRun total;
  // Step through due actions in time order so each one sees the clock at its own due time:
  // a measure imposed on day 28 must be visible to the appearance check of day 29.
  while (true) {
    ASSIGN_OR_RETURN(Query next, Query::Make(*connection_, "SELECT MIN(due_at) FROM due_actions"));
    ASSIGN_OR_RETURN(bool has_row, next.Next());
    int64_t due = has_row && !next.IsNull(0) ? next.Int(0) : ToUnixSeconds(to);
    next.Finish();
    Instant step = to;
    if (FromUnixSeconds(due) < to) step = std::max(FromUnixSeconds(due), simulated_clock_.Now());
    {
      json::object request{{"from", FormatInstant(simulated_clock_.Now())}, {"to", FormatInstant(step)}};
      ASSIGN_OR_RETURN(auto transaction,
                       WriteTransaction::Begin(*connection_, step, {.actor = "clock"}, "advance",
                                               json::serialize(request)));
      if (!transaction->replayed()) {
        RETURN_IF_ERROR(SaveSimulatedNow(*transaction, step));
        RETURN_IF_ERROR(transaction->Commit("{}"));
      }
    }
    simulated_clock_.Set(step);
    ASSIGN_OR_RETURN(DueRun run, RunDueUntil(step, progress));
    total.actions += run.actions;
    total.events += run.events;
    if (step >= to) break;
  }
  return total;
}

Result<DueRun> Registry::RunDue(const Progress& progress) { return RunDueUntil(Now(), progress); }

Result<DueRun> Registry::RunDueUntil(Instant until, const Progress& progress) {
  DueRun run;
  int64_t total = 0;
  {
    ASSIGN_OR_RETURN(Query count, Query::Make(*connection_, "SELECT COUNT(*) FROM due_actions WHERE due_at <= $1"));
    count.Bind(ToUnixSeconds(until));
    ASSIGN_OR_RETURN(bool has_row, count.Next());
    total = has_row ? count.Int(0) : 0;
    count.Finish();
  }
  while (true) {
    ASSIGN_OR_RETURN(int64_t done, RunDueBatch(until, kDueBatchSize));
    if (done == 0) break;
    run.actions += done;
    if (progress) progress(run.actions, total);
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// Persons

namespace {

struct ValidatedPerson {
  const NewPerson* person;
  std::vector<std::pair<IdentifierKind, std::string>> identifiers;  // canonical
};

Result<ValidatedPerson> ValidatePerson(const NewPerson& person, std::string_view where) {
  auto field = [&](std::string_view name) { return std::string(where) + std::string(name); };
  if (person.family_name.empty()) return InvalidArgument(field("family_name") + ": required");
  if (person.given_name.empty()) return InvalidArgument(field("given_name") + ": required");
  RETURN_IF_ERROR(RegionOfOffice(person.office, field("office")).status());
  ValidatedPerson validated{&person, {}};
  for (const auto& [kind, raw] : person.identifiers) {
    auto canonical = NormalizeIdentifier(kind, raw);
    if (!canonical.ok()) return canonical.status().WithContext(std::string(where).empty() ? "identifier" : field("identifier"));
    validated.identifiers.emplace_back(kind, std::move(canonical).value());
  }
  return validated;
}

json::object PersonPayload(PersonId person_id, const ValidatedPerson& validated) {
  const NewPerson& person = *validated.person;
  json::array identifiers;
  for (const auto& [kind, value] : validated.identifiers) {
    identifiers.push_back(json::object{{"kind", IdentifierKindName(kind)}, {"value", value}});
  }
  json::object payload{
      {"person_id", person_id},
      {"family_name", person.family_name},
      {"given_name", person.given_name},
      {"patronymic", person.patronymic},
      {"family_name_latin", person.family_name_latin},
      {"given_name_latin", person.given_name_latin},
      {"patronymic_latin", person.patronymic_latin},
      {"sex", SexName(person.sex)},
      {"birth_date", FormatDate(person.birth_date)},
      {"region", std::string(person.office.substr(0, person.office.find('-')))},
      {"office", person.office},
      {"has_portal_account", person.has_portal_account},
      {"source", person.source},
      {"identifiers", std::move(identifiers)},
  };
  if (person.fitness) payload["fitness"] = FitnessCategoryName(*person.fitness);
  return payload;
}

json::object PersonRequest(const NewPerson& person) {
  json::array identifiers;
  for (const auto& [kind, value] : person.identifiers) {
    identifiers.push_back(json::array{IdentifierKindName(kind), value});
  }
  return json::object{{"family_name", person.family_name},
                      {"given_name", person.given_name},
                      {"patronymic", person.patronymic},
                      {"birth_date", FormatDate(person.birth_date)},
                      {"office", person.office},
                      {"identifiers", std::move(identifiers)}};
}

}  // namespace

Result<PersonId> Registry::RegisterPerson(const CommandContext& context, const NewPerson& person) {
  return RegisterPersons(context, {person}, {});
}

Result<PersonId> Registry::RegisterPersons(const CommandContext& context,
                                           const std::vector<NewPerson>& persons,
                                           const std::vector<NewGround>& grounds) {
  if (persons.empty()) return InvalidArgument("persons: nothing to register");
  // Validate everything before writing anything: a bad record changes nothing.
  std::vector<ValidatedPerson> validated;
  validated.reserve(persons.size());
  for (size_t i = 0; i < persons.size(); ++i) {
    std::string where = persons.size() == 1 ? "" : "person[" + std::to_string(i) + "].";
    ASSIGN_OR_RETURN(ValidatedPerson person, ValidatePerson(persons[i], where));
    validated.push_back(std::move(person));
  }
  for (const NewGround& ground : grounds) {
    if (ground.person_id < 0 || ground.person_id >= static_cast<int64_t>(persons.size())) {
      return InvalidArgument("grounds: person index out of range");
    }
    bool known = ground.exemption ? profile_.HasExemptionBasis(ground.basis)
                                  : profile_.HasDefermentBasis(ground.basis);
    if (!known) return InvalidArgument("basis: '" + ground.basis + "' is not a basis in profile " + profile_.id);
  }
  std::string request;
  if (context.idempotency_key.empty()) {
    json::array items;
    for (const NewPerson& person : persons) items.push_back(PersonRequest(person));
    request = json::serialize(items);
  } else {
    // A caller-chosen key for a bulk load: hash the cheap summary, not every record.
    request = std::to_string(persons.size()) + ":" + persons.front().family_name + ":" +
              FormatDate(persons.front().birth_date) + ":" + persons.back().family_name;
  }
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "register_persons", request));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "first_person_id");

  std::vector<PersonId> ids;
  ids.reserve(validated.size());
  Instant now = transaction->now();
  for (const ValidatedPerson& person : validated) {
    ASSIGN_OR_RETURN(PersonId person_id, transaction->NextId("person"));
    ids.push_back(person_id);
    RETURN_IF_ERROR(transaction->Emit(events::kPersonRegistered, person_id, now,
                                      PersonPayload(person_id, person))
                        .status());
  }
  for (const NewGround& ground : grounds) {
    NewGround resolved = ground;
    resolved.person_id = ids[static_cast<size_t>(ground.person_id)];
    ASSIGN_OR_RETURN(int64_t ground_id, transaction->NextId("ground"));
    json::object payload{{"ground_id", ground_id},
                         {"person_id", resolved.person_id},
                         {"kind", resolved.exemption ? "exemption" : "deferment"},
                         {"basis", resolved.basis},
                         {"valid_from", FormatDate(resolved.valid_from)},
                         {"evidence", resolved.evidence}};
    if (resolved.valid_until) payload["valid_until"] = FormatDate(*resolved.valid_until);
    RETURN_IF_ERROR(
        transaction->Emit(events::kGroundGranted, resolved.person_id, now, payload).status());
  }
  RETURN_IF_ERROR(transaction->Commit(ResultJson("first_person_id", ids.front())));
  return ids.front();
}

Result<int64_t> Registry::GrantGround(const CommandContext& context, const NewGround& ground) {
  bool known = ground.exemption ? profile_.HasExemptionBasis(ground.basis)
                                : profile_.HasDefermentBasis(ground.basis);
  if (!known) {
    return InvalidArgument("basis: '" + ground.basis + "' is not " +
                           (ground.exemption ? "an exemption" : "a deferment") +
                           " basis in profile " + profile_.id);
  }
  if (ground.valid_until && *ground.valid_until < ground.valid_from) {
    return InvalidArgument("valid_until: before valid_from");
  }
  ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(ground.person_id));
  json::object request{{"person_id", ground.person_id},
                       {"exemption", ground.exemption},
                       {"basis", ground.basis},
                       {"from", FormatDate(ground.valid_from)},
                       {"until", ground.valid_until ? FormatDate(*ground.valid_until) : ""},
                       {"evidence", ground.evidence}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "grant_ground", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "ground_id");
  ASSIGN_OR_RETURN(int64_t ground_id, transaction->NextId("ground"));
  json::object payload{{"ground_id", ground_id},
                       {"person_id", ground.person_id},
                       {"kind", ground.exemption ? "exemption" : "deferment"},
                       {"basis", ground.basis},
                       {"valid_from", FormatDate(ground.valid_from)},
                       {"evidence", ground.evidence}};
  if (ground.valid_until) payload["valid_until"] = FormatDate(*ground.valid_until);
  Instant now = transaction->now();
  bool starts_later = ground.valid_from > LocalDate(now, person.zone);
  if (starts_later) {
    // Measures in force must end on the ground's first local day: schedule a check for each
    // open summons then.
    int64_t due_at = ToUnixSeconds(StartOfLocalDay(ground.valid_from, person.zone));
    json::array checks;
    ASSIGN_OR_RETURN(Query open, Query::Make(*connection_, "SELECT summons_id FROM summonses WHERE person_id = $1 AND status IN ('issued', 'served') ORDER BY summons_id"));
    open.Bind(ground.person_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, open.Next());
      if (!has_row) break;
      checks.push_back(json::object{{"summons_id", open.Int(0)}, {"due_at", due_at}});
    }
    payload["ground_checks"] = std::move(checks);
  }
  RETURN_IF_ERROR(transaction->Emit(events::kGroundGranted, ground.person_id, now, payload).status());
  // A deferment or exemption now on record ends every adverse action against the person.
  if (!starts_later) {
    RETURN_IF_ERROR(LiftIn(*transaction, ground.person_id, std::nullopt,
                           std::string(ground.exemption ? "exemption" : "deferment") + " granted (" +
                               ground.basis + ")",
                           profile_.lifting_rule.rule_id, now));
  }
  RETURN_IF_ERROR(transaction->Commit(ResultJson("ground_id", ground_id)));
  return ground_id;
}

Status Registry::EndGround(const CommandContext& context, int64_t ground_id,
                           std::string_view reason) {
  ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, "SELECT person_id, ended_at FROM grounds WHERE ground_id = $1"));
  query.Bind(ground_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("ground: no deferment or exemption with id " + std::to_string(ground_id));
  PersonId person_id = query.Int(0);
  bool ended = !query.IsNull(1);
  query.Finish();
  if (ended) return FailedPrecondition("ground: " + std::to_string(ground_id) + " has already ended");
  json::object request{{"ground_id", ground_id}, {"reason", reason}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "end_ground", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  json::object payload{{"ground_id", ground_id}, {"person_id", person_id}, {"reason", reason}};
  RETURN_IF_ERROR(transaction->Emit(events::kGroundEnded, person_id, transaction->now(), payload).status());
  return transaction->Commit("{}");
}

Status Registry::DecideFitness(const CommandContext& context, PersonId person_id,
                               FitnessCategory category, std::string_view commission,
                               std::optional<CivilDate> valid_until) {
  RETURN_IF_ERROR(LoadPerson(person_id).status());
  if (commission.empty()) return InvalidArgument("commission: required");
  json::object request{{"person_id", person_id},
                       {"category", FitnessCategoryLatin(category)},
                       {"commission", commission},
                       {"until", valid_until ? FormatDate(*valid_until) : ""}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "decide_fitness", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  json::object payload{{"person_id", person_id},
                       {"category", FitnessCategoryName(category)},
                       {"commission", commission}};
  if (valid_until) payload["valid_until"] = FormatDate(*valid_until);
  RETURN_IF_ERROR(transaction->Emit(events::kFitnessDecided, person_id, transaction->now(), payload).status());
  return transaction->Commit("{}");
}

Result<PersonId> Registry::FindPerson(IdentifierKind kind, std::string_view raw) {
  return FindPersonByIdentifier(*connection_, kind, raw);
}

}  // namespace muster
