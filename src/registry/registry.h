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

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "documents/signing_keys.h"
#include "domain/identifiers.h"
#include "domain/model.h"
#include "rules/calendar.h"
#include "rules/profile.h"
#include "registry/delivery.h"
#include "registry/facts.h"
#include "registry/person_records.h"
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
  // How the latest summons was served: the earliest legally valid service event first, then
  // every other entry of its delivery log with what it counted for (issue 6). Empty without a
  // summons.
  std::vector<std::string> service;
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
  // Re-reads a simulated clock from the store, which another process (`muster advance`) may
  // have moved on. A long-lived holder (the server) calls it before each piece of work.
  Status RefreshClock();

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
  // Records a channel's mark (posting, delivery, refusal, signature …) at `at` with evidence,
  // and an optional reference (a postal tracking number). Serves the summons if the profile
  // says the mark counts — or, if it is served already but this mark serves earlier, moves the
  // service to this earlier event (the lifecycle uses the earliest legally valid service). A
  // mark of a channel the registry dispatches (portal, registered mail, register) needs that
  // dispatch first: kFailedPrecondition for a "delivered" letter that was never sent. The
  // portal's "viewed" is recorded once, at the first view; later views return that attempt.
  // Returns the attempt id.
  Result<int64_t> RecordServiceMark(const CommandContext& context, SummonsId summons_id,
                                    Channel channel, std::string_view mark, Instant at,
                                    std::string_view evidence, std::string_view reference = {});
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

  // ---- Signed summonses (issue 6, docs/DOCUMENTS.md): src/registry/signing.cc ----
  // Every summons is signed when it is issued: its document (documents/summons_document.h) and
  // Ed25519 signature go into the SummonsIssued event and the summons row. Issuing therefore
  // needs a key ring that can sign; without one IssueSummons and IssueBatch are
  // kFailedPrecondition and change nothing.
  //
  // Attaches the key ring over the store's public keys and, with a non-empty `key_directory`,
  // the active key's secret file there (an empty directory: a node that only verifies). Call
  // it once after Create or Open. Errors: the store's. A ring that cannot sign (no active key,
  // secret missing) is attached all the same — it still verifies — and signing_status() says
  // why issuing is refused.
  Status EnableSigning(const std::filesystem::path& key_directory);
  // The attached ring, or nullptr before EnableSigning. Verify and the accessors are safe from
  // any thread. The public check (documents/verification_page.h CheckVerificationCode, behind
  // GET /verify/{code}) takes the mutable ring: it reloads it when the store knows of a newer
  // revocation, on the thread that owns this registry's connection.
  const KeyRing* key_ring() const { return key_ring_.get(); }
  KeyRing* key_ring() { return key_ring_.get(); }
  // Ok if a summons can be signed now; otherwise kFailedPrecondition saying why.
  Status signing_status() const;
  // Creates a new active signing key at Now() (retiring the current one) and returns its id.
  // kFailedPrecondition before EnableSigning or without a key directory.
  Result<std::string> RotateSigningKey();
  // Marks `key_id` compromised at Now(): every notice it signed then verifies as not genuine.
  Status RevokeSigningKey(std::string_view key_id, std::string_view reason);
  // Re-reads the keys (another node rotated or revoked); a server calls it on its scheduler tick.
  Status ReloadSigningKeys();
  // ---- end of signed summonses ----

  // ---- Delivery channels (issue 6, docs/RULES.md "Delivery"): src/registry/delivery.cc ----
  // Consent of a person to notifications by `channel` at `address` (+7… for sms, an e-mail
  // address), with its evidence (the signed form, the portal session). A consent in force for
  // the same channel is superseded. Returns the consent id. kInvalidArgument for a channel the
  // profile has no notifications by, a malformed address or empty evidence.
  Result<int64_t> RecordConsent(const CommandContext& context, PersonId person_id,
                                NotificationChannel channel, std::string_view address,
                                std::string_view evidence);
  // Withdraws the consent in force; kFailedPrecondition if there is none.
  Status WithdrawConsent(const CommandContext& context, PersonId person_id,
                         NotificationChannel channel, std::string_view evidence);
  // Records a notification of summons `summons_id` by `channel`: mark "sent" (needs the
  // person's consent in force: kFailedPrecondition naming the rule otherwise), "delivered" or
  // "failed" (the gateway's report; needs an earlier "sent"). A notification is never service.
  // Returns its attempt id in the delivery log.
  Result<int64_t> RecordNotification(const CommandContext& context, SummonsId summons_id,
                                     NotificationChannel channel, std::string_view mark,
                                     Instant at, std::string_view evidence);
  // The citizen opened the summons on the portal: RecordServiceMark(portal, "viewed") — the
  // first view only; evidence, not service, unless the profile says a view serves.
  Result<int64_t> RecordFirstView(const CommandContext& context, SummonsId summons_id, Instant at,
                                  std::string_view evidence);
  // Imports a postal operator's tracking events (delivery.h): checks the whole file, then
  // records each good line as a registered_mail mark of its summons with the tracking number
  // as its reference, in time order, in transactions of a few hundred lines. A line that is
  // malformed, names an unknown tracking number or summons, or that the summons cannot take
  // (not sent by mail, closed, a time before the dispatch or in the future) is reported with
  // its line number and skipped; it never blocks the others. A line already on record (same
  // summons, event and time) is a duplicate and changes nothing, so a re-import is harmless.
  // Errors: a file that cannot be read at all (kInvalidArgument naming the header) and the
  // store's. For HTTP: bytes in, PostalImportReportJson(report) out.
  Result<PostalImportReport> ImportPostalTracking(const CommandContext& context,
                                                  std::string_view bytes, PostalFormat format,
                                                  const Progress& progress = {});
  // ---- end of delivery channels ----

  // ---- Person records from source agencies (issue 7): src/registry/person_records.{h,cc} ----
  // Runs `body` inside one write transaction for command `kind` with canonical `request`;
  // `body` changes the registry only through the PersonRecordWriter it is given and returns the
  // command's result (JSON text), committed with everything it recorded. If the command's
  // idempotency key was seen, returns the stored result without running `body`. An error from
  // `body` rolls everything back.
  Result<std::string> WithPersonRecords(
      const CommandContext& context, std::string_view kind, std::string_view request,
      const std::function<Result<std::string>(PersonRecordWriter&)>& body);
  // Merges person `merged_id` into `survivor_id` (an officer's decision that both records are
  // one person): identifiers, grounds and the attributes the survivor lacks move to the
  // survivor, the merged record keeps its history and is marked merged. kFailedPrecondition if
  // either is already merged or the merged person has an open summons. Returns the merge id.
  Result<int64_t> MergePersons(const CommandContext& context, PersonId survivor_id,
                               PersonId merged_id, std::string_view reason);
  // Undoes merge `merge_id`: what moved goes back and the merged person is restored.
  Status SplitPerson(const CommandContext& context, int64_t merge_id, std::string_view reason);
  // Puts on the register every person on file whose registration age has come and takes off
  // every registered person past the profile's registration ages, as of now.
  Result<RegistrationSweep> SweepRegistration(const CommandContext& context);
  friend class PersonRecordWriter;
  // ---- end of person records ----

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
                               std::string_view evidence, std::string_view reference = {});
  // Checks a mark before it is recorded: a known mark of a channel of the profile, after the
  // channel's dispatch, and no later than now. Shared by RecordServiceMark and the postal import.
  Status CheckMark(const SummonsFacts& summons, Channel channel, std::string_view mark,
                   Instant at);
  // Moves the service of a served summons to an earlier legally valid event (delivery.cc).
  Status CorrectServiceIn(WriteTransaction& transaction, const SummonsFacts& summons,
                          int64_t attempt_id, Channel channel, std::string_view mark,
                          const ServiceRule& rule, Instant served_at);
  // The cascade's fallback for an unserved summons (delivery.cc): dispatches the fallback
  // channel at `at`, or records why it cannot serve before the appearance date.
  Status FallbackIn(WriteTransaction& transaction, const SummonsFacts& summons,
                    std::string_view trigger, Instant at);
  // Sends the cascade's notifications of a new summons to the channels the person consented to.
  Status NotifyAtIssueIn(WriteTransaction& transaction, const SummonsFacts& summons);
  Result<int64_t> NotifyIn(WriteTransaction& transaction, const SummonsFacts& summons,
                           NotificationChannel channel, std::string_view mark, Instant at,
                           std::string_view evidence, std::optional<int64_t> consent_id);
  // The earliest instant the summons was dispatched through `channel`, if it was.
  Result<std::optional<Instant>> DispatchedAt(SummonsId summons_id, Channel channel);
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
  Result<std::vector<std::string>> ExplainService(const SummonsFacts& summons, Instant now);
  Result<DueRun> RunDueUntil(Instant until, const Progress& progress);
  Result<int64_t> RunDueBatch(Instant until, int64_t limit);
  Status SaveSimulatedNow(WriteTransaction& transaction, Instant now);

  std::unique_ptr<Connection> connection_;
  Profile profile_;
  bool simulated_ = false;
  ManualClock simulated_clock_;
  SystemClock system_clock_;
  std::map<std::string, TimeZone, std::less<>> zones_;  // office → zone cache
  std::unique_ptr<KeyRing> key_ring_;                   // EnableSigning; signs every summons
};

}  // namespace muster
