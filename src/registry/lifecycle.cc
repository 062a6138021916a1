// The summons lifecycle: gates, issue, service, measures, lifting, excuses, objections and the
// scheduler's due actions. Rules come from the profile; nothing here names a country.
#include <sodium.h>

#include <algorithm>
#include <set>

#include "common/crypto.h"
#include "documents/signed_summons.h"
#include "domain/region.h"
#include "registry/events.h"
#include "registry/registry.h"

namespace muster {
namespace json = boost::json;

namespace {

bool IsOpen(const SummonsFacts& summons) {
  return summons.status == "issued" || summons.status == "served";
}

std::string RandomKey(std::string_view prefix) {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return std::string(prefix) +
         HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Facts and gates

Result<TimeZone> Registry::ZoneOfOffice(std::string_view office) {
  auto found = zones_.find(office);
  if (found != zones_.end()) return found->second;
  ASSIGN_OR_RETURN(const Region* region, RegionOfOffice(office, "office"));
  ASSIGN_OR_RETURN(TimeZone zone, LookupTimeZone(region->time_zone, "office time zone"));
  zones_.emplace(std::string(office), zone);
  return zone;
}

Result<PersonFacts> Registry::LoadPerson(PersonId person_id) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(*connection_,
                               "SELECT family_name, given_name, patronymic, sex, birth_date, region, "
                               "office, has_portal_account, fitness, status FROM persons WHERE "
                               "person_id = $1"));
  query.Bind(person_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("person: no person with id " + std::to_string(person_id));
  PersonFacts person;
  person.person_id = person_id;
  person.family_name = query.Text(0);
  person.given_name = query.Text(1);
  person.patronymic = query.Text(2);
  ASSIGN_OR_RETURN(person.sex, ParseSex(query.TextView(3), "sex"));
  person.birth_date = FromEpochDays(static_cast<int32_t>(query.Int(4)));
  person.region = query.Text(5);
  person.office = query.Text(6);
  person.has_portal_account = query.Int(7) != 0;
  person.fitness = query.OptionalText(8);
  person.status = query.Text(9);
  query.Finish();
  ASSIGN_OR_RETURN(person.zone, ZoneOfOffice(person.office));
  return person;
}

Result<SummonsFacts> Registry::LoadSummons(SummonsId summons_id) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(*connection_,
                               "SELECT person_id, office, appearance_at, issued_at, status, "
                               "served_at, served_attempt, served_rule, profile_version FROM "
                               "summonses WHERE summons_id = $1"));
  query.Bind(summons_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("summons: no summons with id " + std::to_string(summons_id));
  SummonsFacts summons;
  summons.summons_id = summons_id;
  summons.person_id = query.Int(0);
  summons.office = query.Text(1);
  summons.appearance_at = FromUnixSeconds(query.Int(2));
  summons.issued_at = FromUnixSeconds(query.Int(3));
  summons.status = query.Text(4);
  if (auto served_at = query.OptionalInt(5)) summons.served_at = FromUnixSeconds(*served_at);
  summons.served_attempt = query.OptionalInt(6);
  summons.served_rule = query.OptionalText(7);
  summons.profile_version = query.Text(8);
  query.Finish();
  ASSIGN_OR_RETURN(summons.zone, ZoneOfOffice(summons.office));
  return summons;
}

Result<std::optional<GateFinding>> Registry::CheckGates(const PersonFacts& person, Instant at,
                                                        GatePurpose purpose,
                                                        std::optional<SummonsId> summons_id) {
  CivilDate today = LocalDate(at, person.zone);
  json::object facts{{"person_id", person.person_id},
                     {"local_date", FormatDate(today)},
                     {"region", person.region}};
  auto finding = [&](std::string code, std::string reason) -> std::optional<GateFinding> {
    return GateFinding{std::move(code), std::move(reason), facts};
  };
  if (person.status != "registered") {
    return finding("deregistered", "the person is not on the register");
  }
  {
    ASSIGN_OR_RETURN(Query grounds,
                     Query::Make(*connection_,
                                 "SELECT ground_id, kind, basis, valid_until FROM grounds WHERE "
                                 "person_id = $1 AND ended_at IS NULL AND valid_from <= $2 AND "
                                 "(valid_until IS NULL OR valid_until >= $2) ORDER BY kind DESC, "
                                 "ground_id LIMIT 1"));
    grounds.Bind(person.person_id).Bind(static_cast<int64_t>(ToEpochDays(today)));
    ASSIGN_OR_RETURN(bool found, grounds.Next());
    if (found) {
      std::string kind = grounds.Text(1);
      std::string basis = grounds.Text(2);
      facts["ground_id"] = grounds.Int(0);
      facts["basis"] = basis;
      std::string until = grounds.IsNull(3)
                              ? "indefinitely"
                              : "until " + FormatDate(FromEpochDays(static_cast<int32_t>(grounds.Int(3))));
      grounds.Finish();
      return finding(kind, "an active " + kind + " (" + basis + ", " + until + ", record " +
                               std::to_string(facts["ground_id"].as_int64()) + ") is on record");
    }
  }
  {
    ASSIGN_OR_RETURN(Query objections,
                     Query::Make(*connection_,
                                 "SELECT objection_id FROM objections WHERE person_id = $1 AND "
                                 "decided_at IS NULL ORDER BY objection_id LIMIT 1"));
    objections.Bind(person.person_id);
    ASSIGN_OR_RETURN(bool found, objections.Next());
    if (found) {
      facts["objection_id"] = objections.Int(0);
      objections.Finish();
      return finding("objection_pending",
                     "objection " + std::to_string(facts["objection_id"].as_int64()) +
                         " is pending a decision");
    }
  }
  if (purpose == GatePurpose::kImposeMeasure && summons_id) {
    ASSIGN_OR_RETURN(Query excuses,
                     Query::Make(*connection_,
                                 "SELECT excuse_id, reason FROM excuses WHERE summons_id = $1 AND "
                                 "decided_at IS NULL ORDER BY excuse_id LIMIT 1"));
    excuses.Bind(*summons_id);
    ASSIGN_OR_RETURN(bool found, excuses.Next());
    if (found) {
      facts["excuse_id"] = excuses.Int(0);
      std::string reason = excuses.Text(1);
      excuses.Finish();
      return finding("excuse_pending", "excuse " + std::to_string(facts["excuse_id"].as_int64()) +
                                           " (" + reason + ") is pending a decision");
    }
  }
  if (!profile_.IsActiveIn(person.region, today)) {
    return finding("region_not_active", "profile " + profile_.id + " " + profile_.version +
                                            " is not in force in region " + person.region +
                                            " on " + FormatDate(today));
  }
  if (purpose == GatePurpose::kIssueSummons) {
    int age = AgeOn(person.birth_date, today);
    facts["age"] = age;
    facts["sex"] = SexName(person.sex);
    if (!profile_.IsLiable(person.sex, age)) {
      return finding("not_liable", "age " + std::to_string(age) + ", sex " +
                                       std::string(SexName(person.sex)) +
                                       " is outside the liable group of profile " + profile_.id +
                                       " (from the " + std::to_string(profile_.min_age) +
                                       "th birthday " +
                                       (profile_.max_age_inclusive
                                            ? "through age " + std::to_string(profile_.max_age)
                                            : "until the " + std::to_string(profile_.max_age) +
                                                  "th birthday") +
                                       ")");
    }
    ASSIGN_OR_RETURN(Query open,
                     Query::Make(*connection_,
                                 "SELECT summons_id FROM summonses WHERE person_id = $1 AND status "
                                 "IN ('issued', 'served') LIMIT 1"));
    open.Bind(person.person_id);
    ASSIGN_OR_RETURN(bool found, open.Next());
    if (found) {
      facts["open_summons_id"] = open.Int(0);
      open.Finish();
      return finding("open_summons", "summons " +
                                         std::to_string(facts["open_summons_id"].as_int64()) +
                                         " is still open");
    }
  }
  return std::optional<GateFinding>();
}

// ---------------------------------------------------------------------------------------------
// Issue

Result<SummonsId> Registry::IssueSummons(const CommandContext& context,
                                         const SummonsRequest& request) {
  ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(request.person_id));
  json::array channels;
  for (Channel channel : request.channels) channels.push_back(json::string(ChannelName(channel)));
  json::object canonical{{"person_id", request.person_id},
                         {"purpose", request.purpose},
                         {"place", request.place},
                         {"appearance_at", request.appearance_at ? FormatInstant(*request.appearance_at) : ""},
                         {"channels", std::move(channels)},
                         {"batch", request.batch}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "issue_summons", json::serialize(canonical)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "summons_id");
  // Due process: no unsigned notice (DESIGN.md §2.5). Refused before anything is written.
  RETURN_IF_ERROR(signing_status());
  std::optional<GateFinding> refused;
  ASSIGN_OR_RETURN(SummonsId summons_id, IssueIn(*transaction, request, person, &refused));
  if (refused) {
    return FailedPrecondition("gate " + refused->code + ": no summons for person " +
                              std::to_string(person.person_id) + ": " + refused->reason);
  }
  RETURN_IF_ERROR(transaction->Commit(ResultJson("summons_id", summons_id)));
  return summons_id;
}

Result<SummonsId> Registry::IssueIn(WriteTransaction& transaction, const SummonsRequest& request,
                                    const PersonFacts& person,
                                    std::optional<GateFinding>* refused) {
  Instant now = transaction.now();
  ASSIGN_OR_RETURN(std::optional<GateFinding> gate,
                   CheckGates(person, now, GatePurpose::kIssueSummons, std::nullopt));
  if (gate) {
    *refused = std::move(gate);
    return SummonsId{0};
  }
  // The appearance date: within the profile's window, counted in the office's local days.
  CivilDate issue_day = LocalDate(now, person.zone);
  Instant appearance_at;
  if (request.appearance_at) {
    appearance_at = *request.appearance_at;
    int days = (date::sys_days(LocalDate(appearance_at, person.zone)) - date::sys_days(issue_day)).count();
    if (days < profile_.appearance_min_days || days > profile_.appearance_max_days) {
      return InvalidArgument("appearance_at: " + FormatLocal(appearance_at, person.zone) + " is " +
                             std::to_string(days) + " days after issue; profile " + profile_.id +
                             " requires " + std::to_string(profile_.appearance_min_days) + "–" +
                             std::to_string(profile_.appearance_max_days) + " days");
    }
  } else {
    appearance_at = LocalTime(AddDays(issue_day, profile_.appearance_default_days),
                              profile_.appearance_default_hour, 0, person.zone);
  }
  // The cascade (issue 6): what the officer names, else the profile's channels at issue that
  // can reach the person, else its `otherwise` channels.
  std::vector<Channel> channels = request.channels;
  if (channels.empty()) {
    auto reachable = [&](Channel channel) {
      return profile_.FindChannel(channel) != nullptr &&
             (channel != Channel::kPortal || person.has_portal_account);
    };
    for (Channel channel : profile_.cascade.at_issue) {
      if (reachable(channel)) channels.push_back(channel);
    }
    if (channels.empty()) {
      for (Channel channel : profile_.cascade.otherwise) {
        if (reachable(channel)) channels.push_back(channel);
      }
    }
  }
  for (Channel channel : channels) {
    if (!profile_.FindChannel(channel)) {
      return InvalidArgument("channels: channel " + std::string(ChannelName(channel)) +
                             " is not available under profile " + profile_.id);
    }
    if (channel == Channel::kPortal && !person.has_portal_account) {
      return InvalidArgument("channels: person " + std::to_string(person.person_id) +
                             " has no portal account");
    }
  }
  ASSIGN_OR_RETURN(SummonsId summons_id, transaction.NextId("summons"));
  // The duty to appear, as the profile cites it ([summons]; the appearance rule's basis in
  // profiles written before that section existed).
  const std::string& legal_basis = profile_.summons_rule.legal_basis;
  std::string place =
      request.place.empty() ? "registration office " + person.office : request.place;
  // The notice as printed, signed now: the signed bytes and signature travel in the event, so
  // the summons row (and a rebuilt projection) holds exactly what was signed.
  SummonsDocument document{.summons_id = summons_id,
                           .person_id = person.person_id,
                           .family_name = person.family_name,
                           .given_name = person.given_name,
                           .patronymic = person.patronymic,
                           .birth_date = person.birth_date,
                           .purpose = request.purpose,
                           .office = person.office,
                           .place = place,
                           .time_zone = std::string(person.zone->name()),
                           .legal_basis = legal_basis,
                           .profile_version = profile_.id + "@" + profile_.version,
                           .appearance_at = appearance_at,
                           .issued_at = now};
  RETURN_IF_ERROR(signing_status());
  ASSIGN_OR_RETURN(SignedSummons signed_summons,
                   SignSummons(transaction.connection(), *key_ring_, document));
  json::object payload{{"summons_id", summons_id},
                       {"person_id", person.person_id},
                       {"batch", request.batch},
                       {"purpose", request.purpose},
                       {"office", person.office},
                       {"place", place},
                       {"appearance_at", ToUnixSeconds(appearance_at)},
                       {"appearance_local", FormatLocal(appearance_at, person.zone)},
                       {"legal_basis", legal_basis},
                       {"profile_id", profile_.id},
                       {"profile_version", profile_.version},
                       {"document", signed_summons.content},
                       {"key_id", signed_summons.signature.key_id},
                       {"signature", EncodeSignatureBytes(signed_summons.signature.bytes)},
                       {"verification_code", signed_summons.verification_code}};
  // The fallback follows unless it went out with the summons; the scheduler drops it once the
  // summons is served or closed.
  const DeliveryCascade& cascade = profile_.cascade;
  if (cascade.fallback &&
      std::find(channels.begin(), channels.end(), *cascade.fallback) == channels.end()) {
    payload["fallback_at"] =
        ToUnixSeconds(AfterCalendarDays(now, cascade.fallback_after_days, person.zone));
  }
  RETURN_IF_ERROR(transaction.Emit(events::kSummonsIssued, person.person_id, now, payload).status());
  for (Channel channel : channels) {
    auto mark = DispatchMark(channel);
    if (!mark) continue;
    // Re-read: an earlier channel of this loop may have served the summons already.
    ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
    RETURN_IF_ERROR(RecordMarkIn(transaction, summons, channel, *mark, now,
                                 "dispatched with the summons").status());
  }
  if (!cascade.notify.empty()) {
    ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
    RETURN_IF_ERROR(NotifyAtIssueIn(transaction, summons));
  }
  return summons_id;
}

Result<BatchResult> Registry::IssueBatch(const CommandContext& context, const Selection& selection,
                                         const SummonsRequest& template_request,
                                         const Progress& progress) {
  if (selection.limit <= 0) return InvalidArgument("limit: must be positive");
  RETURN_IF_ERROR(signing_status());
  if (selection.region) RETURN_IF_ERROR(LookupRegion(*selection.region, "region").status());
  if (selection.office) RETURN_IF_ERROR(RegionOfOffice(*selection.office, "office").status());
  // Birth-date bounds from the age bounds, on today's date in Moscow time as a pre-filter;
  // the gate re-checks each person's exact age in their own zone.
  CivilDate today = CivilDate(date::floor<date::days>(Now()));
  int min_age = selection.min_age.value_or(profile_.min_age);
  int max_age = selection.max_age.value_or(profile_.max_age);
  CivilDate born_after = CivilDate(today.year() - date::years(max_age + 2), today.month(), date::day(1));
  CivilDate born_before = CivilDate(today.year() - date::years(min_age - 1), today.month(), date::day(28));
  std::string sql =
      "SELECT person_id FROM persons WHERE status = 'registered' AND birth_date BETWEEN $1 AND $2";
  if (selection.region) sql += " AND region = $3";
  if (selection.office) sql += selection.region ? " AND office = $4" : " AND office = $3";
  sql += " ORDER BY person_id";
  std::vector<PersonId> candidates;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, sql));
    query.Bind(static_cast<int64_t>(ToEpochDays(born_after)))
        .Bind(static_cast<int64_t>(ToEpochDays(born_before)));
    if (selection.region) query.Bind(*selection.region);
    if (selection.office) query.Bind(*selection.office);
    while (static_cast<int64_t>(candidates.size()) < selection.limit * 4) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      candidates.push_back(query.Int(0));
    }
    query.Finish();
  }
  BatchResult result;
  if (template_request.batch != "single") {
    result.batch = template_request.batch;
  } else if (!context.idempotency_key.empty()) {
    // Named after the key, so a retry with the same key is the same request (and replays).
    result.batch = "batch-" + Sha256Hex({"batch\n", context.idempotency_key}).substr(0, 12);
  } else {
    result.batch = RandomKey("batch-").substr(0, 18);
  }
  constexpr size_t kPerTransaction = 5000;
  size_t next = 0;
  int64_t part = 0;
  while (next < candidates.size() && result.issued < selection.limit) {
    json::object request{{"batch", result.batch}, {"part", part}, {"first", candidates[next]}};
    CommandContext part_context = context;
    if (!part_context.idempotency_key.empty()) {
      part_context.idempotency_key += ":" + std::to_string(part);
    }
    ASSIGN_OR_RETURN(auto transaction, Begin(part_context, "issue_batch", json::serialize(request)));
    if (transaction->replayed()) {
      // A retry of a batch that ran: answer with what it issued (its refusals are not kept).
      transaction.reset();
      BatchResult earlier;
      earlier.batch = result.batch;
      ASSIGN_OR_RETURN(Query issued, Query::Make(*connection_, "SELECT summons_id FROM summonses "
                                                              "WHERE batch = $1 ORDER BY summons_id"));
      issued.Bind(earlier.batch);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, issued.Next());
        if (!row) break;
        earlier.summons_ids.push_back(issued.Int(0));
      }
      earlier.issued = static_cast<int64_t>(earlier.summons_ids.size());
      earlier.considered = earlier.issued;
      return earlier;
    }
    size_t end = std::min(candidates.size(), next + kPerTransaction);
    for (; next < end && result.issued < selection.limit; ++next) {
      ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(candidates[next]));
      // The selected ages, exactly, on the person's own local date (the SQL was a pre-filter).
      int age = AgeOn(person.birth_date, LocalDate(transaction->now(), person.zone));
      if (age < min_age || age > max_age) continue;
      ++result.considered;
      SummonsRequest request_for_person = template_request;
      request_for_person.person_id = person.person_id;
      request_for_person.batch = result.batch;
      std::optional<GateFinding> refused;
      ASSIGN_OR_RETURN(SummonsId summons_id, IssueIn(*transaction, request_for_person, person, &refused));
      if (refused) {
        ++result.refused[refused->code];
        continue;
      }
      ++result.issued;
      result.summons_ids.push_back(summons_id);
    }
    RETURN_IF_ERROR(transaction->Commit(ResultJson("issued", result.issued)));
    ++part;
    if (progress) progress(result.issued, selection.limit);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Service

Result<int64_t> Registry::RecordServiceMark(const CommandContext& context, SummonsId summons_id,
                                            Channel channel, std::string_view mark, Instant at,
                                            std::string_view evidence,
                                            std::string_view reference) {
  ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
  RETURN_IF_ERROR(CheckMark(summons, channel, mark, at));
  if (channel == Channel::kPortal && mark == "viewed") {
    // The first view is the fact that matters; later views add nothing to the log.
    ASSIGN_OR_RETURN(Query viewed,
                     Query::Make(*connection_,
                                 "SELECT attempt_id FROM service_attempts WHERE summons_id = $1 "
                                 "AND channel = 'portal' AND mark = 'viewed' ORDER BY at LIMIT 1"));
    viewed.Bind(summons_id);
    ASSIGN_OR_RETURN(bool seen, viewed.Next());
    if (seen) return viewed.Int(0);
  }
  json::object request{{"summons_id", summons_id},
                       {"channel", ChannelName(channel)},
                       {"mark", mark},
                       {"at", FormatInstant(at)},
                       {"evidence", evidence}};
  if (!reference.empty()) request["reference"] = reference;
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "service_mark", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "attempt_id");
  ASSIGN_OR_RETURN(int64_t attempt_id,
                   RecordMarkIn(*transaction, summons, channel, mark, at, evidence, reference));
  RETURN_IF_ERROR(transaction->Commit(ResultJson("attempt_id", attempt_id)));
  return attempt_id;
}

Result<std::optional<Instant>> Registry::DispatchedAt(SummonsId summons_id, Channel channel) {
  auto dispatch = DispatchMark(channel);
  if (!dispatch) return std::optional<Instant>();
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(*connection_,
                               "SELECT MIN(at) FROM service_attempts WHERE summons_id = $1 AND "
                               "channel = $2 AND mark = $3"));
  query.Bind(summons_id).Bind(ChannelName(channel)).Bind(*dispatch);
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  if (!has_row || query.IsNull(0)) return std::optional<Instant>();
  return std::optional<Instant>(FromUnixSeconds(query.Int(0)));
}

Status Registry::CheckMark(const SummonsFacts& summons, Channel channel, std::string_view mark,
                           Instant at) {
  if (!IsOpen(summons)) {
    return FailedPrecondition("summons: " + std::to_string(summons.summons_id) + " is " +
                              summons.status);
  }
  const ChannelRules* rules = profile_.FindChannel(channel);
  if (rules == nullptr) {
    return InvalidArgument("channel: " + std::string(ChannelName(channel)) +
                           " is not a channel of profile " + profile_.id);
  }
  if (!rules->HasMark(mark)) {
    std::string expected;
    for (const std::string& known : rules->marks) expected += (expected.empty() ? "" : ", ") + known;
    return InvalidArgument("mark: '" + std::string(mark) + "' is not a mark of channel " +
                           std::string(ChannelName(channel)) + " (expected one of " + expected + ")");
  }
  if (at > Now()) return InvalidArgument("at: " + FormatInstant(at) + " is in the future");
  if (at < summons.issued_at) {
    return InvalidArgument("at: " + FormatInstant(at) + " is before the summons was issued");
  }
  // A channel the registry dispatches carries marks only after the dispatch: a letter that was
  // never sent cannot be delivered, and such a mark is no legally valid service.
  auto dispatch = DispatchMark(channel);
  if (dispatch && mark != *dispatch) {
    ASSIGN_OR_RETURN(std::optional<Instant> dispatched, DispatchedAt(summons.summons_id, channel));
    if (!dispatched) {
      return FailedPrecondition("mark: summons " + std::to_string(summons.summons_id) +
                                " was never dispatched by " + std::string(ChannelName(channel)) +
                                " ('" + std::string(*dispatch) + "'), so it cannot be '" +
                                std::string(mark) + "'");
    }
    if (at < *dispatched) {
      return InvalidArgument("at: " + FormatLocal(at, summons.zone) + " is before summons " +
                             std::to_string(summons.summons_id) + " was dispatched by " +
                             std::string(ChannelName(channel)) + " at " +
                             FormatLocal(*dispatched, summons.zone));
    }
  }
  return Status::Ok();
}

Result<int64_t> Registry::RecordMarkIn(WriteTransaction& transaction, const SummonsFacts& summons,
                                       Channel channel, std::string_view mark, Instant at,
                                       std::string_view evidence, std::string_view reference) {
  const ChannelRules* rules = profile_.FindChannel(channel);
  if (rules == nullptr) {
    return InvalidArgument("channel: " + std::string(ChannelName(channel)) +
                           " is not a channel of profile " + profile_.id);
  }
  if (!rules->HasMark(mark)) {
    std::string expected;
    for (const std::string& known : rules->marks) expected += (expected.empty() ? "" : ", ") + known;
    return InvalidArgument("mark: '" + std::string(mark) + "' is not a mark of channel " +
                           std::string(ChannelName(channel)) + " (expected one of " + expected + ")");
  }
  ASSIGN_OR_RETURN(int64_t attempt_id, transaction.NextId("attempt"));
  const ServiceRule* rule = rules->FindServiceRule(mark);
  std::optional<Instant> serves_at;
  if (rule != nullptr) {
    switch (rule->timing) {
      case ServiceTiming::kImmediately: serves_at = at; break;
      case ServiceTiming::kAfterCalendarDays: serves_at = AfterCalendarDays(at, rule->days, summons.zone); break;
      case ServiceTiming::kAfterWorkingDays: serves_at = AfterWorkingDays(at, rule->days, summons.zone); break;
    }
  }
  json::object payload{{"attempt_id", attempt_id},
                       {"summons_id", summons.summons_id},
                       {"person_id", summons.person_id},
                       {"channel", ChannelName(channel)},
                       {"mark", mark},
                       {"at", ToUnixSeconds(at)},
                       {"evidence", evidence}};
  if (!reference.empty()) payload["reference"] = reference;
  // Once served, later marks are kept as evidence and schedule nothing — unless one serves
  // earlier than the service on record (a postal mark reported late): the lifecycle uses the
  // earliest legally valid service event.
  bool can_serve = summons.status == "issued" && serves_at.has_value();
  bool serves_earlier = summons.status == "served" && serves_at && summons.served_at &&
                        *serves_at < *summons.served_at && *serves_at <= transaction.now();
  if (can_serve || serves_earlier) {
    payload["service_rule"] = rule->rule_id;
    payload["serves_at"] = ToUnixSeconds(*serves_at);
  }
  RETURN_IF_ERROR(transaction.Emit(events::kServiceAttempted, summons.person_id, at, payload).status());
  if (can_serve && *serves_at <= transaction.now()) {
    RETURN_IF_ERROR(ServeIn(transaction, summons, attempt_id, channel, mark, *rule, *serves_at));
  } else if (serves_earlier) {
    RETURN_IF_ERROR(
        CorrectServiceIn(transaction, summons, attempt_id, channel, mark, *rule, *serves_at));
  }
  // The cascade: a returned letter or an absent addressee brings the fallback at once.
  if (summons.status == "issued" && profile_.cascade.TriggersFallback(channel, mark)) {
    ASSIGN_OR_RETURN(SummonsFacts now_summons, LoadSummons(summons.summons_id));
    RETURN_IF_ERROR(FallbackIn(transaction, now_summons,
                               std::string(ChannelName(channel)) + " " + std::string(mark) +
                                   " (attempt " + std::to_string(attempt_id) + ")",
                               transaction.now()));
  }
  return attempt_id;
}

Status Registry::ServeIn(WriteTransaction& transaction, const SummonsFacts& summons,
                         int64_t attempt_id, Channel channel, std::string_view mark,
                         const ServiceRule& rule, Instant served_at) {
  std::set<int64_t> checks;
  std::vector<const MeasureRule*> on_service;
  // A summons served only after its appearance date cannot have been ignored on that date:
  // the no-show measures presuppose service before it, so none are scheduled.
  bool served_in_time = served_at < summons.appearance_at;
  for (const MeasureRule& measure : profile_.measures) {
    if (measure.trigger == MeasureTrigger::kOnService) {
      on_service.push_back(&measure);
    } else if (served_in_time) {
      checks.insert(ToUnixSeconds(
          AfterCalendarDays(summons.appearance_at, measure.days_after_appearance, summons.zone)));
    }
  }
  json::array check_list;
  for (int64_t check : checks) check_list.push_back(check);
  json::object facts{{"channel", ChannelName(channel)},
                     {"mark", mark},
                     {"attempt_id", attempt_id},
                     {"timing", rule.timing == ServiceTiming::kImmediately ? "immediately"
                                : rule.timing == ServiceTiming::kAfterCalendarDays
                                    ? "after calendar days"
                                    : "after working days"},
                     {"days", rule.days},
                     {"served_local", FormatLocal(served_at, summons.zone)},
                     {"served_before_appearance_date", served_in_time}};
  json::object payload{{"summons_id", summons.summons_id},
                       {"person_id", summons.person_id},
                       {"attempt_id", attempt_id},
                       {"channel", ChannelName(channel)},
                       {"mark", mark},
                       {"rule_id", rule.rule_id},
                       {"legal_basis", rule.legal_basis},
                       {"profile_version", profile_.version},
                       {"no_show_checks", std::move(check_list)},
                       {"facts", std::move(facts)}};
  RETURN_IF_ERROR(transaction.Emit(events::kSummonsServed, summons.person_id, served_at, payload).status());
  SummonsFacts served = summons;
  served.status = "served";
  served.served_at = served_at;
  served.served_attempt = attempt_id;
  served.served_rule = rule.rule_id;
  return ImposeIn(transaction, served, on_service, served_at, std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Measures

Status Registry::ImposeIn(WriteTransaction& transaction, const SummonsFacts& summons,
                          const std::vector<const MeasureRule*>& rules, Instant at,
                          std::optional<int64_t> resolves_due_at) {
  if (!summons.served_attempt) {
    return Internal("measures: summons " + std::to_string(summons.summons_id) + " is not served");
  }
  ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(summons.person_id));
  ASSIGN_OR_RETURN(std::optional<GateFinding> gate,
                   CheckGates(person, at, GatePurpose::kImposeMeasure, summons.summons_id));
  std::set<std::string> in_force;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, "SELECT kind FROM measures WHERE summons_id = $1 AND lifted_at IS NULL"));
    query.Bind(summons.summons_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      in_force.insert(query.Text(0));
    }
  }
  int64_t emitted = 0;
  for (const MeasureRule* rule : rules) {
    std::string kind(MeasureKindName(rule->kind));
    if (in_force.contains(kind)) continue;
    json::object facts{{"served_at", ToUnixSeconds(*summons.served_at)},
                       {"served_local", FormatLocal(*summons.served_at, summons.zone)},
                       {"served_attempt", *summons.served_attempt},
                       {"service_rule", summons.served_rule.value_or("")},
                       {"appearance_at", ToUnixSeconds(summons.appearance_at)},
                       {"appearance_local", FormatLocal(summons.appearance_at, summons.zone)},
                       {"trigger", rule->trigger == MeasureTrigger::kOnService ? "on service" : "after no-show"}};
    if (rule->trigger == MeasureTrigger::kAfterNoShow) {
      facts["days_after_appearance"] = rule->days_after_appearance;
      facts["appearance_recorded"] = false;
    }
    json::object payload{{"person_id", summons.person_id},
                         {"summons_id", summons.summons_id},
                         {"kind", kind},
                         {"rule_id", rule->rule_id},
                         {"legal_basis", rule->legal_basis},
                         {"profile_version", profile_.version}};
    if (resolves_due_at) payload["resolves_due_at"] = *resolves_due_at;
    if (gate) {
      for (const auto& [key, value] : gate->facts) facts[key] = value;
      payload["reason"] = gate->code;
      payload["detail"] = gate->reason;
      payload["facts"] = std::move(facts);
      RETURN_IF_ERROR(transaction.Emit(events::kMeasureWithheld, summons.person_id, at, payload).status());
    } else {
      ASSIGN_OR_RETURN(int64_t measure_id, transaction.NextId("measure"));
      payload["measure_id"] = measure_id;
      payload["served_attempt"] = *summons.served_attempt;
      payload["facts"] = std::move(facts);
      RETURN_IF_ERROR(transaction.Emit(events::kMeasureImposed, summons.person_id, at, payload).status());
    }
    ++emitted;
  }
  if (emitted == 0 && resolves_due_at) {
    // Everything due is already in force: the action has nothing left to do.
    RETURN_IF_ERROR(ExecuteSql(*connection_,
                               "DELETE FROM due_actions WHERE summons_id = $1 AND kind = "
                               "'no_show_check' AND due_at = $2",
                               summons.summons_id, *resolves_due_at)
                        .status());
  }
  return Status::Ok();
}

Status Registry::LiftIn(WriteTransaction& transaction, PersonId person_id,
                        std::optional<SummonsId> summons_id, std::string_view reason,
                        std::string_view rule_id, Instant at) {
  struct Active {
    int64_t measure_id;
    int64_t summons_id;
    std::string kind;
  };
  std::vector<Active> active;
  {
    std::string sql = "SELECT measure_id, summons_id, kind FROM measures WHERE lifted_at IS NULL AND ";
    sql += summons_id ? "summons_id = $1" : "person_id = $1";
    sql += " ORDER BY measure_id";
    ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, sql));
    query.Bind(summons_id ? *summons_id : person_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      active.push_back({query.Int(0), query.Int(1), query.Text(2)});
    }
  }
  for (const Active& measure : active) {
    json::object payload{{"measure_id", measure.measure_id},
                         {"person_id", person_id},
                         {"summons_id", measure.summons_id},
                         {"kind", measure.kind},
                         {"reason", reason},
                         {"rule_id", rule_id},
                         {"profile_version", profile_.version},
                         {"lift_deadline_hours", profile_.lift_deadline_hours}};
    RETURN_IF_ERROR(transaction.Emit(events::kMeasureLifted, person_id, at, payload).status());
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Appearance, excuses, objections, cancellation

Status Registry::RecordAppearance(const CommandContext& context, SummonsId summons_id, Instant at) {
  // The command first, its preconditions inside it: a retry finds the command it repeats and
  // answers as the first run did, though the summons that run closed is no longer open.
  json::object request{{"summons_id", summons_id}, {"at", FormatInstant(at)}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "appearance", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
  if (!IsOpen(summons)) {
    return FailedPrecondition("summons: " + std::to_string(summons_id) + " is already " + summons.status);
  }
  if (at > Now()) return InvalidArgument("at: " + FormatInstant(at) + " is in the future");
  if (at < summons.issued_at) return InvalidArgument("at: before the summons was issued");
  json::object payload{{"summons_id", summons_id},
                       {"person_id", summons.person_id},
                       {"at_local", FormatLocal(at, summons.zone)},
                       {"appearance_due_local", FormatLocal(summons.appearance_at, summons.zone)}};
  RETURN_IF_ERROR(transaction->Emit(events::kAppeared, summons.person_id, at, payload).status());
  // Lifting happens in the same transaction: the law allows 24 hours, Muster takes none.
  RETURN_IF_ERROR(LiftIn(*transaction, summons.person_id, summons_id, "appeared",
                         profile_.lifting_rule.rule_id, transaction->now()));
  return transaction->Commit("{}");
}

Result<int64_t> Registry::FileExcuse(const CommandContext& context, SummonsId summons_id,
                                     std::string_view reason, std::string_view documents) {
  ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
  if (!IsOpen(summons)) {
    return FailedPrecondition("summons: " + std::to_string(summons_id) + " is already " + summons.status);
  }
  if (!profile_.HasExcuseReason(reason)) {
    std::string expected;
    for (const std::string& known : profile_.excuse_reasons) expected += (expected.empty() ? "" : ", ") + known;
    return InvalidArgument("reason: '" + std::string(reason) + "' is not a valid excuse under profile " +
                           profile_.id + " (expected one of " + expected + ")");
  }
  if (documents.empty()) {
    return InvalidArgument("documents: a valid excuse needs documentary proof");
  }
  json::object request{{"summons_id", summons_id}, {"reason", reason}, {"documents", documents}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "file_excuse", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "excuse_id");
  ASSIGN_OR_RETURN(int64_t excuse_id, transaction->NextId("excuse"));
  json::object payload{{"excuse_id", excuse_id},
                       {"summons_id", summons_id},
                       {"person_id", summons.person_id},
                       {"reason", reason},
                       {"documents", documents}};
  RETURN_IF_ERROR(transaction->Emit(events::kExcuseFiled, summons.person_id, transaction->now(), payload).status());
  RETURN_IF_ERROR(transaction->Commit(ResultJson("excuse_id", excuse_id)));
  return excuse_id;
}

Status Registry::DecideExcuse(const CommandContext& context, int64_t excuse_id, bool accepted,
                              std::string_view note) {
  // The command first, its preconditions inside it (as RecordAppearance).
  json::object request{{"excuse_id", excuse_id}, {"accepted", accepted}, {"note", note}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "decide_excuse", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, "SELECT summons_id, reason, decided_at FROM excuses WHERE excuse_id = $1"));
  query.Bind(excuse_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("excuse: no excuse with id " + std::to_string(excuse_id));
  SummonsId summons_id = query.Int(0);
  std::string reason = query.Text(1);
  bool decided = !query.IsNull(2);
  query.Finish();
  if (decided) return FailedPrecondition("excuse: " + std::to_string(excuse_id) + " is already decided");
  ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
  Instant now = transaction->now();
  json::object payload{{"excuse_id", excuse_id},
                       {"summons_id", summons_id},
                       {"person_id", summons.person_id},
                       {"accepted", accepted},
                       {"reason", reason},
                       {"note", note}};
  // A rejected excuse: measures withheld while it was pending are due again now.
  if (!accepted && summons.status == "served") payload["recheck_at"] = ToUnixSeconds(now);
  RETURN_IF_ERROR(transaction->Emit(events::kExcuseDecided, summons.person_id, now, payload).status());
  if (accepted && IsOpen(summons)) {
    RETURN_IF_ERROR(LiftIn(*transaction, summons.person_id, summons_id, "excuse accepted (" + reason + ")",
                           profile_.lifting_rule.rule_id, now));
  }
  return transaction->Commit("{}");
}

Result<int64_t> Registry::FileObjection(const CommandContext& context, PersonId person_id,
                                        std::optional<SummonsId> summons_id,
                                        std::string_view reason) {
  RETURN_IF_ERROR(LoadPerson(person_id).status());
  if (summons_id) {
    ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(*summons_id));
    if (summons.person_id != person_id) {
      return InvalidArgument("summons: " + std::to_string(*summons_id) + " is not addressed to person " +
                             std::to_string(person_id));
    }
  }
  if (reason.empty()) return InvalidArgument("reason: required");
  json::object request{{"person_id", person_id}, {"summons_id", summons_id ? *summons_id : 0}, {"reason", reason}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "file_objection", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "objection_id");
  ASSIGN_OR_RETURN(int64_t objection_id, transaction->NextId("objection"));
  json::object payload{{"objection_id", objection_id}, {"person_id", person_id}, {"reason", reason}};
  if (summons_id) payload["summons_id"] = *summons_id;
  Instant now = transaction->now();
  RETURN_IF_ERROR(transaction->Emit(events::kObjectionFiled, person_id, now, payload).status());
  if (profile_.objection_suspends_measures) {
    RETURN_IF_ERROR(LiftIn(*transaction, person_id, std::nullopt, "objection filed: measures suspended",
                           profile_.objection_rule.rule_id, now));
  }
  RETURN_IF_ERROR(transaction->Commit(ResultJson("objection_id", objection_id)));
  return objection_id;
}

Status Registry::DecideObjection(const CommandContext& context, int64_t objection_id, bool upheld,
                                 std::string_view note) {
  // The command first, its preconditions inside it (as RecordAppearance).
  json::object request{{"objection_id", objection_id}, {"upheld", upheld}, {"note", note}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "decide_objection", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  ASSIGN_OR_RETURN(Query query, Query::Make(*connection_, "SELECT person_id, summons_id, decided_at FROM objections WHERE objection_id = $1"));
  query.Bind(objection_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("objection: no objection with id " + std::to_string(objection_id));
  PersonId person_id = query.Int(0);
  std::optional<SummonsId> summons_id = query.OptionalInt(1);
  bool decided = !query.IsNull(2);
  query.Finish();
  if (decided) return FailedPrecondition("objection: " + std::to_string(objection_id) + " is already decided");
  Instant now = transaction->now();
  json::array rechecks;
  if (!upheld) {
    // Served summonses whose measures the objection held back are due for a fresh decision.
    ASSIGN_OR_RETURN(Query served, Query::Make(*connection_, "SELECT summons_id FROM summonses WHERE person_id = $1 AND status = 'served'"));
    served.Bind(person_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, served.Next());
      if (!has_row) break;
      rechecks.push_back(json::object{{"summons_id", served.Int(0)}, {"due_at", ToUnixSeconds(now)}});
    }
  }
  json::object payload{{"objection_id", objection_id},
                       {"person_id", person_id},
                       {"upheld", upheld},
                       {"note", note},
                       {"rechecks", std::move(rechecks)}};
  RETURN_IF_ERROR(transaction->Emit(events::kObjectionDecided, person_id, now, payload).status());
  if (upheld && summons_id) {
    ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(*summons_id));
    if (IsOpen(summons)) {
      json::object cancelled{{"summons_id", *summons_id}, {"person_id", person_id},
                             {"reason", "objection " + std::to_string(objection_id) + " upheld"}};
      RETURN_IF_ERROR(transaction->Emit(events::kSummonsCancelled, person_id, now, cancelled).status());
      RETURN_IF_ERROR(LiftIn(*transaction, person_id, *summons_id, "objection upheld",
                             profile_.lifting_rule.rule_id, now));
    }
  }
  return transaction->Commit("{}");
}

Status Registry::CancelSummons(const CommandContext& context, SummonsId summons_id,
                               std::string_view reason) {
  if (reason.empty()) return InvalidArgument("reason: required");
  // The command first, its preconditions inside it (as RecordAppearance).
  json::object request{{"summons_id", summons_id}, {"reason", reason}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "cancel_summons", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
  if (!IsOpen(summons)) {
    return FailedPrecondition("summons: " + std::to_string(summons_id) + " is already " + summons.status);
  }
  Instant now = transaction->now();
  json::object payload{{"summons_id", summons_id}, {"person_id", summons.person_id}, {"reason", reason}};
  RETURN_IF_ERROR(transaction->Emit(events::kSummonsCancelled, summons.person_id, now, payload).status());
  RETURN_IF_ERROR(LiftIn(*transaction, summons.person_id, summons_id, "summons cancelled",
                         profile_.lifting_rule.rule_id, now));
  return transaction->Commit("{}");
}

// ---------------------------------------------------------------------------------------------
// Scheduler

Result<int64_t> Registry::RunDueBatch(Instant until, int64_t limit) {
  ASSIGN_OR_RETURN(auto transaction,
                   Begin({.idempotency_key = RandomKey("scheduler:"), .actor = "scheduler"},
                         "run_due", FormatInstant(until)));
  struct Action {
    int64_t action_id;
    int64_t due_at;
    std::string kind;
    SummonsId summons_id;
    std::optional<int64_t> attempt_id;
  };
  std::vector<Action> actions;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(*connection_,
                                 "SELECT action_id, due_at, kind, summons_id, attempt_id FROM "
                                 "due_actions WHERE due_at <= $1 ORDER BY due_at, action_id LIMIT $2"));
    query.Bind(ToUnixSeconds(until)).Bind(limit);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      actions.push_back({query.Int(0), query.Int(1), query.Text(2), query.Int(3), query.OptionalInt(4)});
    }
  }
  if (actions.empty()) return 0;
  for (const Action& action : actions) {
    // Retire the action before handling it: handling may schedule new actions, and SQLite may
    // hand a new row the id of one deleted in this transaction.
    RETURN_IF_ERROR(ExecuteSql(*connection_, "DELETE FROM due_actions WHERE action_id = $1", action.action_id).status());
    Instant due_at = FromUnixSeconds(action.due_at);
    ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(action.summons_id));
    bool handled = false;
    if (action.kind == "deemed_service" && summons.status == "issued" && action.attempt_id) {
      ASSIGN_OR_RETURN(Query attempt, Query::Make(*connection_, "SELECT channel, mark FROM service_attempts WHERE attempt_id = $1"));
      attempt.Bind(*action.attempt_id);
      ASSIGN_OR_RETURN(bool found, attempt.Next());
      if (!found) return DataLoss("due action " + std::to_string(action.action_id) + ": attempt missing");
      ASSIGN_OR_RETURN(Channel channel, ParseChannel(attempt.TextView(0), "channel"));
      std::string mark = attempt.Text(1);
      attempt.Finish();
      const ChannelRules* rules = profile_.FindChannel(channel);
      const ServiceRule* rule = rules ? rules->FindServiceRule(mark) : nullptr;
      if (rule != nullptr) {
        RETURN_IF_ERROR(ServeIn(*transaction, summons, *action.attempt_id, channel, mark, *rule, due_at));
        handled = true;
      }
    } else if (action.kind == "no_show_check" && summons.status == "served") {
      std::vector<const MeasureRule*> due_rules;
      bool served_in_time = summons.served_at && *summons.served_at < summons.appearance_at;
      for (const MeasureRule& rule : profile_.measures) {
        bool due = rule.trigger == MeasureTrigger::kOnService ||
                   (served_in_time &&
                    AfterCalendarDays(summons.appearance_at, rule.days_after_appearance, summons.zone) <= due_at);
        if (due) due_rules.push_back(&rule);
      }
      RETURN_IF_ERROR(ImposeIn(*transaction, summons, due_rules, due_at, action.due_at));
      handled = true;
    } else if (action.kind == "delivery_fallback" && summons.status == "issued") {
      RETURN_IF_ERROR(FallbackIn(*transaction, summons,
                                 "not served within " +
                                     std::to_string(profile_.cascade.fallback_after_days) +
                                     " days of the day of issue",
                                 due_at));
      handled = true;
    } else if (action.kind == "ground_check" && IsOpen(summons)) {
      // A deferment or exemption granted with a later start: from its first local day no
      // measure may stay in force.
      ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(summons.person_id));
      ASSIGN_OR_RETURN(std::optional<GateFinding> gate,
                       CheckGates(person, due_at, GatePurpose::kImposeMeasure, summons.summons_id));
      if (gate && (gate->code == "deferment" || gate->code == "exemption")) {
        RETURN_IF_ERROR(LiftIn(*transaction, summons.person_id, summons.summons_id,
                               gate->code + " in force: " + gate->reason,
                               profile_.lifting_rule.rule_id, due_at));
      }
      handled = true;
    }
    // An action that no longer applies (its summons moved on) is simply retired; one that was
    // handled may already be gone, and deleting it again is harmless.
    (void)handled;
  }
  RETURN_IF_ERROR(transaction->Commit(ResultJson("actions", static_cast<int64_t>(actions.size()))));
  return static_cast<int64_t>(actions.size());
}

}  // namespace muster
