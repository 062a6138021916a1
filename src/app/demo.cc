#include "app/demo.h"

#include <random>

namespace muster {
namespace {

CommandContext Demo(std::string key) { return {.idempotency_key = "demo:" + key, .actor = "demo"}; }

}  // namespace

Status PlayDemoCampaign(Registry& registry, const DemoOptions& options,
                        const std::function<void(const std::string&)>& say) {
  std::mt19937_64 random(options.seed);
  auto pick = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  Instant start = registry.Now();

  // 1. The main batch: portal posting where the person has an account, the register for all.
  Selection selection{.limit = options.campaign_size};
  SummonsRequest request{.purpose = "medical examination and call-up commission", .batch = "demo-main"};
  ASSIGN_OR_RETURN(BatchResult main, registry.IssueBatch(Demo("main"), selection, request));
  std::string refused;
  for (const auto& [code, count] : main.refused) refused += " " + code + "=" + std::to_string(count);
  say("issued " + std::to_string(main.issued) + " summonses by portal and register (" +
      std::to_string(main.considered) + " considered; refused by gates:" + refused + ")");

  // 2. Registered mail and in person, for persons in one region.
  Selection mail_selection{.region = "RYA", .limit = 200};
  SummonsRequest mail{.purpose = "clarification of registration data", .channels = {Channel::kRegisteredMail}, .batch = "demo-mail"};
  ASSIGN_OR_RETURN(BatchResult mail_batch, registry.IssueBatch(Demo("mail"), mail_selection, mail));
  Selection person_selection{.region = "SAK", .limit = 100};
  SummonsRequest in_person{.purpose = "clarification of registration data", .channels = {Channel::kInPerson}, .batch = "demo-in-person"};
  ASSIGN_OR_RETURN(BatchResult person_batch, registry.IssueBatch(Demo("in-person"), person_selection, in_person));
  say("issued " + std::to_string(mail_batch.issued) + " by registered mail (RYA) and " +
      std::to_string(person_batch.issued) + " in person (SAK)");

  // 3. Two days later the post office reports; officers hand summonses over in person.
  ASSIGN_OR_RETURN(DueRun run, registry.AdvanceTo(start + std::chrono::hours(48)));
  Instant marks_at = registry.Now() - std::chrono::hours(2);
  int delivered = 0, refused_mail = 0, signed_count = 0, refused_in_person = 0;
  for (SummonsId id : mail_batch.summons_ids) {
    if (pick(50)) {
      RETURN_IF_ERROR(registry.RecordServiceMark(Demo("mail-" + std::to_string(id)), id, Channel::kRegisteredMail, "delivered", marks_at, "postal tracking: handed to addressee").status());
      ++delivered;
    } else if (pick(30)) {
      RETURN_IF_ERROR(registry.RecordServiceMark(Demo("mail-" + std::to_string(id)), id, Channel::kRegisteredMail, "refused", marks_at, "postal tracking: addressee refused").status());
      ++refused_mail;
    }
  }
  for (SummonsId id : person_batch.summons_ids) {
    if (pick(60)) {
      RETURN_IF_ERROR(registry.RecordServiceMark(Demo("hand-" + std::to_string(id)), id, Channel::kInPerson, "signed", marks_at, "signature on the counterfoil").status());
      ++signed_count;
    } else if (pick(40)) {
      RETURN_IF_ERROR(registry.RecordServiceMark(Demo("hand-" + std::to_string(id)), id, Channel::kInPerson, "refused", marks_at, "refusal act signed by two officers").status());
      ++refused_in_person;
    }
  }
  say("mail: " + std::to_string(delivered) + " delivered, " + std::to_string(refused_mail) +
      " refused; in person: " + std::to_string(signed_count) + " signed, " +
      std::to_string(refused_in_person) + " refused");

  // 4. Nine days on: register postings are deemed served.
  ASSIGN_OR_RETURN(run, registry.AdvanceTo(start + std::chrono::hours(24 * 9)));
  say("advanced to day 9: " + std::to_string(run.actions) + " due actions ran (deemed service)");

  // 5. The appearance date (day 14): most appear, some file excuses.
  ASSIGN_OR_RETURN(run, registry.AdvanceTo(start + std::chrono::hours(24 * 14 + 12)));
  int appeared = 0, excuses = 0, accepted = 0, rejected = 0;
  std::vector<SummonsId> all = main.summons_ids;
  all.insert(all.end(), mail_batch.summons_ids.begin(), mail_batch.summons_ids.end());
  all.insert(all.end(), person_batch.summons_ids.begin(), person_batch.summons_ids.end());
  Instant day14 = registry.Now() - std::chrono::hours(1);
  for (SummonsId id : all) {
    int roll = static_cast<int>(random() % 100);
    if (roll < 55) {
      Status status = registry.RecordAppearance(Demo("appear-" + std::to_string(id)), id, day14);
      if (status.ok()) ++appeared;
    } else if (roll < 63) {
      auto excuse = registry.FileExcuse(Demo("excuse-" + std::to_string(id)), id, "illness", "certificate of incapacity for work");
      if (!excuse.ok()) continue;
      ++excuses;
      if (roll < 60) {
        RETURN_IF_ERROR(registry.DecideExcuse(Demo("decide-" + std::to_string(id)), *excuse, true, "certificate verified"));
        ++accepted;
      } else if (roll < 62) {
        RETURN_IF_ERROR(registry.DecideExcuse(Demo("decide-" + std::to_string(id)), *excuse, false, "certificate does not cover the date"));
        ++rejected;
      }
    }
  }
  say("appearance day: " + std::to_string(appeared) + " appeared; " + std::to_string(excuses) +
      " excuses filed (" + std::to_string(accepted) + " accepted, " + std::to_string(rejected) +
      " rejected, the rest pending)");

  // 6. Past appearance date + 20 days: the six measures start for those who did not come.
  ASSIGN_OR_RETURN(run, registry.AdvanceTo(start + std::chrono::hours(24 * 36)));
  say("advanced to day 36: " + std::to_string(run.actions) + " due actions ran (no-show measures)");

  // 7. Some late appearances and a deferment lift measures at once; an objection is filed.
  Instant day36 = registry.Now();
  int late = 0, deferred = 0, objections = 0;
  for (SummonsId id : all) {
    int roll = static_cast<int>(random() % 100);
    if (roll < 10) {
      if (registry.RecordAppearance(Demo("late-" + std::to_string(id)), id, day36).ok()) ++late;
    }
  }
  ASSIGN_OR_RETURN(RegistryStats stats, registry.Stats());
  (void)stats;
  // A student deferment and an objection for the first two persons still under measures.
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(registry.connection(), "SELECT DISTINCT person_id FROM measures WHERE lifted_at IS NULL ORDER BY person_id LIMIT 4"));
    std::vector<PersonId> persons;
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      persons.push_back(query.Int(0));
    }
    query.Finish();
    for (size_t i = 0; i < persons.size() && i < 2; ++i) {
      NewGround ground{.person_id = persons[i], .exemption = false, .basis = registry.profile().deferment_bases.front(),
                       .valid_from = CivilDate(date::floor<date::days>(day36)),
                       .valid_until = AddDays(CivilDate(date::floor<date::days>(day36)), 300),
                       .evidence = "certificate of full-time enrolment"};
      if (registry.profile().HasDefermentBasis("student_full_time")) ground.basis = "student_full_time";
      if (registry.GrantGround(Demo("ground-" + std::to_string(persons[i])), ground).ok()) ++deferred;
    }
    for (size_t i = 2; i < persons.size(); ++i) {
      if (registry.FileObjection(Demo("objection-" + std::to_string(persons[i])), persons[i], std::nullopt, "summons was not received: address outdated").ok()) ++objections;
    }
  }
  say("day 36: " + std::to_string(late) + " late appearances and " + std::to_string(deferred) +
      " deferments lifted measures; " + std::to_string(objections) + " objections pending");
  // 8. A fresh batch on day 36, so the registry also holds summonses just posted.
  SummonsRequest fresh{.purpose = "medical examination and call-up commission", .batch = "demo-late"};
  ASSIGN_OR_RETURN(BatchResult late_batch, registry.IssueBatch(Demo("late-batch"), Selection{.limit = 200}, fresh));
  say("day 36: issued " + std::to_string(late_batch.issued) + " more summonses (just posted)");
  return Status::Ok();
}

}  // namespace muster
