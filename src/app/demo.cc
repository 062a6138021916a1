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

  // 0. Some citizens consented to notifications by SMS or e-mail (issue 6): they are told of
  // their summons at issue. A notification never serves.
  int consents = 0;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(registry.connection(),
                                              "SELECT person_id FROM persons ORDER BY person_id LIMIT $1"));
    query.Bind(options.campaign_size * 2);
    std::vector<PersonId> persons;
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      persons.push_back(query.Int(0));
    }
    query.Finish();
    for (PersonId person : persons) {
      if (pick(12)) {
        std::string phone = "+7910" + std::to_string(1000000 + person % 9000000);
        RETURN_IF_ERROR(registry.RecordConsent(Demo("sms-" + std::to_string(person)), person, NotificationChannel::kSms, phone, "consent form signed at the registration office").status());
        ++consents;
      }
      if (pick(6)) {
        std::string email = "citizen" + std::to_string(person) + "@mail.example";
        RETURN_IF_ERROR(registry.RecordConsent(Demo("email-" + std::to_string(person)), person, NotificationChannel::kEmail, email, "consent given in the portal").status());
        ++consents;
      }
    }
  }
  say(std::to_string(consents) + " consents to notifications by sms or e-mail on record");

  // 1. The main batch: portal posting where the person has an account, the register for all.
  Selection selection{.limit = options.campaign_size};
  SummonsRequest request{.purpose = "medical examination and call-up commission", .batch = "demo-main"};
  ASSIGN_OR_RETURN(BatchResult main, registry.IssueBatch(Demo("main"), selection, request));
  std::string refused;
  for (const auto& [code, count] : main.refused) refused += " " + code + "=" + std::to_string(count);
  say("issued " + std::to_string(main.issued) + " summonses by portal and register (" +
      std::to_string(main.considered) + " considered; refused by gates:" + refused + ")");
  if (!main.summons_ids.empty()) {
    ASSIGN_OR_RETURN(Query code, Query::Make(registry.connection(), "SELECT verification_code, key_id FROM summonses WHERE summons_id = $1"));
    code.Bind(main.summons_ids.front());
    ASSIGN_OR_RETURN(bool found, code.Next());
    if (found) {
      say("every summons is signed (key " + code.Text(1) + "); summons " + std::to_string(main.summons_ids.front()) +
          " has verification code " + code.Text(0) + " (check it at /verify)");
    }
    code.Finish();
  }

  // 2. Registered mail and in person, for persons in one region.
  Selection mail_selection{.region = "RYA", .limit = 200};
  SummonsRequest mail{.purpose = "clarification of registration data", .channels = {Channel::kRegisteredMail}, .batch = "demo-mail"};
  ASSIGN_OR_RETURN(BatchResult mail_batch, registry.IssueBatch(Demo("mail"), mail_selection, mail));
  Selection person_selection{.region = "SAK", .limit = 100};
  SummonsRequest in_person{.purpose = "clarification of registration data", .channels = {Channel::kInPerson}, .batch = "demo-in-person"};
  ASSIGN_OR_RETURN(BatchResult person_batch, registry.IssueBatch(Demo("in-person"), person_selection, in_person));
  say("issued " + std::to_string(mail_batch.issued) + " by registered mail (RYA) and " +
      std::to_string(person_batch.issued) + " in person (SAK)");

  // 3. Two days later the post office sends its tracking file (accepted on day 0, then what
  // happened to each letter); officers hand summonses over in person. Letters that came back or
  // found nobody bring the register at once; those with no news, after 3 days (the cascade).
  ASSIGN_OR_RETURN(DueRun run, registry.AdvanceTo(start + std::chrono::hours(48)));
  Instant marks_at = registry.Now() - std::chrono::hours(2);
  int delivered = 0, refused_mail = 0, absent = 0, returned = 0, signed_count = 0, refused_in_person = 0;
  std::string tracking_file = "tracking_number,summons_id,event,at,office\n";
  std::string accepted_at = FormatInstant(start + std::chrono::hours(5));
  for (SummonsId id : mail_batch.summons_ids) {
    std::string tracking = std::to_string(80080000000000 + id);
    tracking_file += tracking + "," + std::to_string(id) + ",accepted," + accepted_at + ",390000\n";
    int roll = static_cast<int>(random() % 100);
    std::string event = roll < 50 ? "delivered" : roll < 65 ? "refused" : roll < 75 ? "addressee_absent" : roll < 80 ? "returned" : "";
    if (event.empty()) continue;
    tracking_file += tracking + ",," + event + "," + FormatInstant(marks_at) + ",390023\n";
    delivered += event == "delivered";
    refused_mail += event == "refused";
    absent += event == "addressee_absent";
    returned += event == "returned";
  }
  ASSIGN_OR_RETURN(PostalImportReport imported, registry.ImportPostalTracking(Demo("post-day-2"), tracking_file, PostalFormat::kCsv));
  say("postal tracking file: " + std::to_string(imported.lines) + " lines, " + std::to_string(imported.recorded) +
      " recorded, " + std::to_string(imported.served) + " served a summons, " + std::to_string(imported.errors.size()) + " refused");
  // Some citizens open their summons on the portal: evidence, not service.
  int views = 0;
  for (SummonsId id : main.summons_ids) {
    if (!pick(40)) continue;
    if (registry.RecordFirstView(Demo("view-" + std::to_string(id)), id, marks_at, "portal session").ok()) ++views;
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
      " refused, " + std::to_string(absent) + " addressee absent, " + std::to_string(returned) +
      " returned (the register follows those at once); portal: " + std::to_string(views) +
      " first views; in person: " + std::to_string(signed_count) + " signed, " +
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
