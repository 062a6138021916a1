// Registry: the command and query service over one store — the lifecycle engine.
//
// Every change goes through a WriteTransaction (one write path, DESIGN.md §3), and every
// adverse action passes the due-process gates first (DESIGN.md §2): no summons and no
// measure while an exemption, deferment, pending objection or pending excuse is on record,
// or while the person is outside the profile's liable ages or region rollout; no measure
// without the service event it rests on; measures lifted in the same transaction as the
// appearance or accepted excuse that ends them. Every decision names its rule id, the
// profile version and the facts it used, so `Explain` can show why.
//
// Time comes from the registry's clock: the system clock, or a simulated clock persisted in
// the store that `AdvanceTo` moves, running what falls due on the way (the scheduler finds
// due work through the due_actions index, never by scanning summonses).
//
// A Registry is used by one thread at a time; several processes may share one store.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "domain/identifiers.h"
#include "domain/model.h"
#include "rules/calendar.h"
#include "rules/profile.h"
#include "registry/facts.h"
#include "registry/write_transaction.h"
#include "store/database.h"

namespace muster {

struct NewPerson {
  std::string family_name;
  std::string given_name;
  std::string patronymic;
  std::string family_name_latin;
  std::string given_name_latin;
  std::string patronymic_latin;
  Sex sex = Sex::kMale;
  CivilDate birth_date;
  std::string office;  // "RYA-01"; the region is the office's
  std::vector<std::pair<IdentifierKind, std::string>> identifiers;  // raw; validated here
  bool has_portal_account = true;
  std::optional<FitnessCategory> fitness;
  std::string source = "officer";  // agency/batch/record the data came from
};

struct NewGround {
  PersonId person_id = 0;
  bool exemption = false;  // false: deferment
  std::string basis;       // one of the profile's deferment or exemption bases
  CivilDate valid_from;
  std::optional<CivilDate> valid_until;
  std::string evidence;
};

struct SummonsRequest {
  PersonId person_id = 0;
  std::string purpose = "clarification of military registration data";
  std::string place;                     // default: the person's office
  std::optional<Instant> appearance_at;  // default: profile's default days at its default hour
  std::vector<Channel> channels;         // default: portal (if an account) and register
  std::string batch = "single";
};

// Which persons a batch of summonses goes to.
struct Selection {
  std::optional<std::string> region;  // ISO code
  std::optional<std::string> office;
  std::optional<int> min_age;
  std::optional<int> max_age;
  int64_t limit = 1000;
};

struct BatchResult {
  std::string batch;
  int64_t considered = 0;
  int64_t issued = 0;
  std::map<std::string, int64_t> refused;  // gate code → count
  std::vector<SummonsId> summons_ids;
};

// One line of the explanation of one measure kind.
struct MeasureExplanation {
  MeasureKind kind;
  bool in_force = false;
  std::vector<std::string> lines;
};

struct Explanation {
  PersonId person_id = 0;
  std::string profile;  // "ru-127fz 2026.1"
  std::vector<std::string> gates;  // what currently blocks adverse action, if anything
  std::vector<MeasureExplanation> measures;
};

struct DueRun {
  int64_t actions = 0;
  int64_t events = 0;
};

struct RegistryStats {
  int64_t persons = 0;
  int64_t events = 0;
  std::map<std::string, int64_t> summonses_by_status;
  std::map<std::string, int64_t> services_by_rule;
  std::map<std::string, int64_t> measures_in_force;
  int64_t measures_lifted = 0;
  int64_t measures_withheld = 0;
  int64_t due_actions = 0;
};

class Registry {
 public:
  using Progress = std::function<void(int64_t done, int64_t total)>;

  // Creates a registry in an empty store, pinning the profile text. With `simulated_start`
  // the registry runs on a simulated clock starting there; otherwise on the system clock.
  static Result<std::unique_ptr<Registry>> Create(std::unique_ptr<Connection> connection,
                                                  std::string_view profile_toml,
                                                  std::string_view profile_source,
                                                  std::optional<Instant> simulated_start);
  // Opens an existing registry.
  static Result<std::unique_ptr<Registry>> Open(std::unique_ptr<Connection> connection);
  ~Registry();

  const Profile& profile() const { return profile_; }
  Connection& connection() { return *connection_; }
  Instant Now() const;
  bool simulated() const { return simulated_; }

  // Moves a simulated clock forward to `to`, running every due action on the way in time
  // order. kFailedPrecondition on a system clock or if `to` is in the past.
  Result<DueRun> AdvanceTo(Instant to, const Progress& progress = {});
  // Runs the due actions up to the current time (what a server's scheduler does).
  Result<DueRun> RunDue(const Progress& progress = {});

  // Persons and their grounds.
  Result<PersonId> RegisterPerson(const CommandContext& context, const NewPerson& person);
  // Registers many persons in one command; `grounds` refer to persons by index in `persons`
  // through NewGround::person_id. Returns the first person id; ids are consecutive.
  Result<PersonId> RegisterPersons(const CommandContext& context,
                                   const std::vector<NewPerson>& persons,
                                   const std::vector<NewGround>& grounds);
  Result<int64_t> GrantGround(const CommandContext& context, const NewGround& ground);
  Status EndGround(const CommandContext& context, int64_t ground_id, std::string_view reason);
  Status DecideFitness(const CommandContext& context, PersonId person_id, FitnessCategory category,
                       std::string_view commission, std::optional<CivilDate> valid_until);
  Result<PersonId> FindPerson(IdentifierKind kind, std::string_view raw);

  // Summonses.
  Result<SummonsId> IssueSummons(const CommandContext& context, const SummonsRequest& request);
  Result<BatchResult> IssueBatch(const CommandContext& context, const Selection& selection,
                                 const SummonsRequest& template_request,
                                 const Progress& progress = {});
  // Records a channel's mark (posting, delivery, refusal, signature …) at `at` with evidence.
  // Serves the summons if the profile says the mark counts. Returns the attempt id.
  Result<int64_t> RecordServiceMark(const CommandContext& context, SummonsId summons_id,
                                    Channel channel, std::string_view mark, Instant at,
                                    std::string_view evidence);
  Status RecordAppearance(const CommandContext& context, SummonsId summons_id, Instant at);
  Result<int64_t> FileExcuse(const CommandContext& context, SummonsId summons_id,
                             std::string_view reason, std::string_view documents);
  Status DecideExcuse(const CommandContext& context, int64_t excuse_id, bool accepted,
                      std::string_view note);
  Result<int64_t> FileObjection(const CommandContext& context, PersonId person_id,
                                std::optional<SummonsId> summons_id, std::string_view reason);
  Status DecideObjection(const CommandContext& context, int64_t objection_id, bool upheld,
                         std::string_view note);
  Status CancelSummons(const CommandContext& context, SummonsId summons_id,
                       std::string_view reason);

  // Reads.
  Result<Explanation> Explain(PersonId person_id);
  // The person's card and timeline as readable text lines.
  Result<std::vector<std::string>> PersonTimeline(PersonId person_id);
  Result<RegistryStats> Stats();

 private:
  Registry(std::unique_ptr<Connection> connection, Profile profile, bool simulated,
           Instant simulated_now);

  Result<std::unique_ptr<WriteTransaction>> Begin(const CommandContext& context,
                                                  std::string_view kind,
                                                  std::string_view request);
  Result<TimeZone> ZoneOfOffice(std::string_view office);
  Result<PersonFacts> LoadPerson(PersonId person_id);
  Result<SummonsFacts> LoadSummons(SummonsId summons_id);
  // Runs every gate for `purpose`; the first finding that blocks, or nothing.
  Result<std::optional<GateFinding>> CheckGates(const PersonFacts& person, Instant at,
                                                GatePurpose purpose,
                                                std::optional<SummonsId> summons_id);
  Result<SummonsId> IssueIn(WriteTransaction& transaction, const SummonsRequest& request,
                            const PersonFacts& person, std::optional<GateFinding>* refused);
  Result<int64_t> RecordMarkIn(WriteTransaction& transaction, const SummonsFacts& summons,
                               Channel channel, std::string_view mark, Instant at,
                               std::string_view evidence);
  Status ServeIn(WriteTransaction& transaction, const SummonsFacts& summons, int64_t attempt_id,
                 Channel channel, std::string_view mark, const ServiceRule& rule,
                 Instant served_at);
  // Imposes (or withholds, if a gate blocks) the measures of `rules` for a served summons.
  Status ImposeIn(WriteTransaction& transaction, const SummonsFacts& summons,
                  const std::vector<const MeasureRule*>& rules, Instant at,
                  std::optional<int64_t> resolves_due_at);
  // Lifts every measure in force of the summons (or, with no summons, of the person).
  Status LiftIn(WriteTransaction& transaction, PersonId person_id,
                std::optional<SummonsId> summons_id, std::string_view reason,
                std::string_view rule_id, Instant at);
  Result<DueRun> RunDueUntil(Instant until, const Progress& progress);
  Result<int64_t> RunDueBatch(Instant until, int64_t limit);
  Status SaveSimulatedNow(WriteTransaction& transaction, Instant now);

  std::unique_ptr<Connection> connection_;
  Profile profile_;
  bool simulated_ = false;
  ManualClock simulated_clock_;
  SystemClock system_clock_;
  std::map<std::string, TimeZone, std::less<>> zones_;  // office → zone cache
};

}  // namespace muster
