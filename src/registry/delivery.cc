// Delivery channels (issue 6): the cascade's fallback, the earliest legally valid service,
// consent to notifications and the notifications themselves, the portal's first view.
//
// What counts as service is the profile's (channels.*.service); what is never service is fixed
// here: a notification by SMS or e-mail tells the citizen that a summons exists and serves
// nothing, under every profile, and is sent only to a person whose consent to that channel is
// on record.
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <span>

#include "common/crypto.h"
#include "registry/events.h"
#include "registry/registry.h"

namespace muster {
namespace json = boost::json;

namespace {

bool IsOpen(const SummonsFacts& summons) {
  return summons.status == "issued" || summons.status == "served";
}

// Notification marks: the registry hands the message to a gateway ("sent"); the gateway
// reports "delivered" or "failed". None of them serves.
constexpr std::array<std::string_view, 3> kNotificationMarks = {"sent", "delivered", "failed"};

std::string_view TimingName(ServiceTiming timing) {
  switch (timing) {
    case ServiceTiming::kImmediately: return "immediately";
    case ServiceTiming::kAfterCalendarDays: return "after calendar days";
    case ServiceTiming::kAfterWorkingDays: return "after working days";
  }
  return "?";
}

Instant ServesAt(const ServiceRule& rule, Instant at, TimeZone zone) {
  switch (rule.timing) {
    case ServiceTiming::kImmediately: return at;
    case ServiceTiming::kAfterCalendarDays: return AfterCalendarDays(at, rule.days, zone);
    case ServiceTiming::kAfterWorkingDays: return AfterWorkingDays(at, rule.days, zone);
  }
  return at;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Addresses for notifications

Result<std::string> NormalizeNotificationAddress(NotificationChannel channel,
                                                 std::string_view address) {
  std::string_view field = "address";
  if (channel == NotificationChannel::kSms) {
    // E.164: '+', a country code and the number, 8 to 15 digits; blanks, hyphens and brackets
    // as people write them are dropped.
    std::string digits;
    bool plus = false;
    for (size_t i = 0; i < address.size(); ++i) {
      char c = address[i];
      if (c == '+' && digits.empty() && !plus) {
        plus = true;
      } else if (c >= '0' && c <= '9') {
        digits += c;
      } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
        return InvalidArgument(std::string(field) + ": '" + std::string(address) +
                               "' is not a phone number (+ country code and number)");
      }
    }
    if (!plus || digits.size() < 8 || digits.size() > 15 || digits[0] == '0') {
      return InvalidArgument(std::string(field) + ": '" + std::string(address) +
                             "' is not an international phone number (+, then 8 to 15 digits)");
    }
    return "+" + digits;
  }
  size_t at = address.find('@');
  bool blank = std::any_of(address.begin(), address.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
  if (at == std::string_view::npos || at == 0 || address.find('@', at + 1) != std::string_view::npos ||
      address.find('.', at) == std::string_view::npos || address.back() == '.' || blank ||
      address.size() > 254) {
    return InvalidArgument(std::string(field) + ": '" + std::string(address) +
                           "' is not an e-mail address");
  }
  std::string normalized(address);
  // The domain is case-insensitive; the local part is the mailbox owner's to interpret.
  for (size_t i = at + 1; i < normalized.size(); ++i) {
    normalized[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(normalized[i])));
  }
  return normalized;
}

// "+7•••••••4567", "i•••@mail.ru": enough for the citizen to recognise, little for anyone else.
std::string MaskNotificationAddress(std::string_view address) {
  size_t at = address.find('@');
  if (at != std::string_view::npos) {
    return std::string(address.substr(0, 1)) + "***" + std::string(address.substr(at));
  }
  if (address.size() <= 6) return std::string(address);
  return std::string(address.substr(0, 2)) + std::string(address.size() - 6, '*') +
         std::string(address.substr(address.size() - 4));
}

// ---------------------------------------------------------------------------------------------
// The earliest legally valid service

Status Registry::CorrectServiceIn(WriteTransaction& transaction, const SummonsFacts& summons,
                                  int64_t attempt_id, Channel channel, std::string_view mark,
                                  const ServiceRule& rule, Instant served_at) {
  // Measures already imposed rest on the service they were imposed on, which was valid too;
  // nothing is re-imposed or back-dated. What changes is the service on record and, if the
  // earlier service now comes before the appearance date where the old one did not, the
  // no-show checks — scheduled from now at the earliest, never in the past.
  bool was_in_time = summons.served_at && *summons.served_at < summons.appearance_at;
  bool now_in_time = served_at < summons.appearance_at;
  std::set<int64_t> checks;
  if (now_in_time && !was_in_time) {
    for (const MeasureRule& measure : profile_.measures) {
      if (measure.trigger != MeasureTrigger::kAfterNoShow) continue;
      Instant due = AfterCalendarDays(summons.appearance_at, measure.days_after_appearance,
                                      summons.zone);
      checks.insert(ToUnixSeconds(std::max(due, transaction.now())));
    }
  }
  json::array check_list;
  for (int64_t check : checks) check_list.push_back(check);
  json::object corrects{{"attempt_id", summons.served_attempt.value_or(0)},
                        {"served_at", summons.served_at ? ToUnixSeconds(*summons.served_at) : 0},
                        {"rule_id", summons.served_rule.value_or("")}};
  json::object facts{{"channel", ChannelName(channel)},
                     {"mark", mark},
                     {"attempt_id", attempt_id},
                     {"timing", TimingName(rule.timing)},
                     {"days", rule.days},
                     {"served_local", FormatLocal(served_at, summons.zone)},
                     {"served_before_appearance_date", now_in_time},
                     {"earlier_than_local",
                      summons.served_at ? FormatLocal(*summons.served_at, summons.zone) : ""}};
  json::object payload{{"summons_id", summons.summons_id},
                       {"person_id", summons.person_id},
                       {"attempt_id", attempt_id},
                       {"channel", ChannelName(channel)},
                       {"mark", mark},
                       {"rule_id", rule.rule_id},
                       {"legal_basis", rule.legal_basis},
                       {"profile_version", profile_.version},
                       {"no_show_checks", std::move(check_list)},
                       {"corrects", std::move(corrects)},
                       {"facts", std::move(facts)}};
  return transaction.Emit(events::kSummonsServed, summons.person_id, served_at, payload).status();
}

// ---------------------------------------------------------------------------------------------
// The cascade's fallback

Status Registry::FallbackIn(WriteTransaction& transaction, const SummonsFacts& summons,
                            std::string_view trigger, Instant at) {
  const DeliveryCascade& cascade = profile_.cascade;
  if (!cascade.fallback || summons.status != "issued") return Status::Ok();
  Channel channel = *cascade.fallback;
  auto dispatch = DispatchMark(channel);
  const ChannelRules* rules = profile_.FindChannel(channel);
  if (!dispatch || rules == nullptr) {
    return Internal("cascade: fallback channel " + std::string(ChannelName(channel)) +
                    " cannot be dispatched");  // the profile parser refuses such a cascade
  }
  ASSIGN_OR_RETURN(std::optional<Instant> dispatched, DispatchedAt(summons.summons_id, channel));
  if (dispatched) return Status::Ok();  // it went out already: nothing follows
  const ServiceRule* rule = rules->FindServiceRule(*dispatch);
  std::optional<Instant> serves_at;
  if (rule != nullptr) serves_at = ServesAt(*rule, at, summons.zone);
  json::object facts{{"trigger", trigger},
                     {"channel", ChannelName(channel)},
                     {"mark", *dispatch},
                     {"at_local", FormatLocal(at, summons.zone)},
                     {"appearance_local", FormatLocal(summons.appearance_at, summons.zone)}};
  if (serves_at) facts["would_serve_local"] = FormatLocal(*serves_at, summons.zone);
  // A fallback that could serve only on or after the appearance date is pointless: the person
  // could not have appeared on it. It is recorded and not made; the summons must be re-issued.
  bool too_late = serves_at && *serves_at >= summons.appearance_at;
  std::string detail =
      too_late ? std::string(ChannelName(channel)) + " " + std::string(*dispatch) + " at " +
                     FormatLocal(at, summons.zone) + " would serve only at " +
                     FormatLocal(*serves_at, summons.zone) + ", not before the appearance date " +
                     FormatLocal(summons.appearance_at, summons.zone) +
                     ": the summons must be issued again"
               : std::string(ChannelName(channel)) + " " + std::string(*dispatch) + " at " +
                     FormatLocal(at, summons.zone) + " after " + std::string(trigger);
  facts["detail"] = detail;
  json::object payload{{"summons_id", summons.summons_id},
                       {"person_id", summons.person_id},
                       {"channel", ChannelName(channel)},
                       {"trigger", trigger},
                       {"outcome", too_late ? "skipped" : "dispatched"},
                       {"detail", detail},
                       {"rule_id", cascade.rule.rule_id},
                       {"legal_basis", cascade.rule.legal_basis},
                       {"profile_version", profile_.version},
                       {"facts", std::move(facts)}};
  RETURN_IF_ERROR(
      transaction.Emit(events::kDeliveryFallback, summons.person_id, at, payload).status());
  if (too_late) return Status::Ok();
  return RecordMarkIn(transaction, summons, channel, *dispatch, at,
                      "cascade fallback (" + cascade.rule.rule_id + "): " + std::string(trigger))
      .status();
}

// ---------------------------------------------------------------------------------------------
// Consent and notifications

namespace {

struct ConsentInForce {
  int64_t consent_id = 0;
  std::string address;
  Instant given_at;
};

Result<std::optional<ConsentInForce>> FindConsent(Connection& connection, PersonId person_id,
                                                  NotificationChannel channel) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT consent_id, address, given_at FROM notification_consents "
                               "WHERE person_id = $1 AND channel = $2 AND withdrawn_at IS NULL "
                               "ORDER BY consent_id DESC LIMIT 1"));
  query.Bind(person_id).Bind(NotificationChannelName(channel));
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return std::optional<ConsentInForce>();
  return std::optional<ConsentInForce>(
      ConsentInForce{query.Int(0), query.Text(1), FromUnixSeconds(query.Int(2))});
}

}  // namespace

Result<int64_t> Registry::RecordConsent(const CommandContext& context, PersonId person_id,
                                        NotificationChannel channel, std::string_view address,
                                        std::string_view evidence) {
  ASSIGN_OR_RETURN(PersonFacts person, LoadPerson(person_id));
  if (!profile_.HasNotificationChannel(channel)) {
    return InvalidArgument("channel: profile " + profile_.id + " has no notifications by " +
                           std::string(NotificationChannelName(channel)));
  }
  ASSIGN_OR_RETURN(std::string normalized, NormalizeNotificationAddress(channel, address));
  if (evidence.empty()) {
    return InvalidArgument("evidence: a consent needs its evidence (the signed form, the "
                           "portal session)");
  }
  json::object request{{"person_id", person_id},
                       {"channel", NotificationChannelName(channel)},
                       {"address", normalized},
                       {"evidence", evidence}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "record_consent", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "consent_id");
  ASSIGN_OR_RETURN(std::optional<ConsentInForce> current,
                   FindConsent(*connection_, person_id, channel));
  ASSIGN_OR_RETURN(int64_t consent_id, transaction->NextId("consent"));
  json::object payload{{"consent_id", consent_id},
                       {"person_id", person.person_id},
                       {"channel", NotificationChannelName(channel)},
                       {"address", normalized},
                       {"evidence", evidence},
                       {"rule_id", profile_.notification_rule.rule_id}};
  if (current) payload["supersedes"] = current->consent_id;
  RETURN_IF_ERROR(
      transaction->Emit(events::kConsentRecorded, person_id, transaction->now(), payload).status());
  RETURN_IF_ERROR(transaction->Commit(ResultJson("consent_id", consent_id)));
  return consent_id;
}

Status Registry::WithdrawConsent(const CommandContext& context, PersonId person_id,
                                 NotificationChannel channel, std::string_view evidence) {
  RETURN_IF_ERROR(LoadPerson(person_id).status());
  if (evidence.empty()) return InvalidArgument("evidence: a withdrawal needs its evidence");
  ASSIGN_OR_RETURN(std::optional<ConsentInForce> current,
                   FindConsent(*connection_, person_id, channel));
  if (!current) {
    return FailedPrecondition("consent: person " + std::to_string(person_id) +
                              " has no consent to notifications by " +
                              std::string(NotificationChannelName(channel)) + " in force");
  }
  json::object request{{"person_id", person_id},
                       {"channel", NotificationChannelName(channel)},
                       {"consent_id", current->consent_id},
                       {"evidence", evidence}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "withdraw_consent", json::serialize(request)));
  if (transaction->replayed()) return Status::Ok();
  json::object payload{{"consent_id", current->consent_id},
                       {"person_id", person_id},
                       {"channel", NotificationChannelName(channel)},
                       {"evidence", evidence}};
  RETURN_IF_ERROR(
      transaction->Emit(events::kConsentWithdrawn, person_id, transaction->now(), payload).status());
  return transaction->Commit("{}");
}

Result<int64_t> Registry::NotifyIn(WriteTransaction& transaction, const SummonsFacts& summons,
                                   NotificationChannel channel, std::string_view mark,
                                   Instant at, std::string_view evidence,
                                   std::optional<int64_t> consent_id) {
  ASSIGN_OR_RETURN(int64_t attempt_id, transaction.NextId("attempt"));
  json::object payload{{"attempt_id", attempt_id},
                       {"summons_id", summons.summons_id},
                       {"person_id", summons.person_id},
                       {"channel", NotificationChannelName(channel)},
                       {"mark", mark},
                       {"at", ToUnixSeconds(at)},
                       {"evidence", evidence},
                       {"rule_id", profile_.notification_rule.rule_id}};
  if (consent_id) payload["consent_id"] = *consent_id;
  RETURN_IF_ERROR(
      transaction.Emit(events::kNotificationRecorded, summons.person_id, at, payload).status());
  return attempt_id;
}

Status Registry::NotifyAtIssueIn(WriteTransaction& transaction, const SummonsFacts& summons) {
  for (NotificationChannel channel : profile_.cascade.notify) {
    ASSIGN_OR_RETURN(std::optional<ConsentInForce> consent,
                     FindConsent(*connection_, summons.person_id, channel));
    if (!consent) continue;  // no consent, no message: nothing to record
    std::string evidence = "notice of summons " + std::to_string(summons.summons_id) + " to " +
                           MaskNotificationAddress(consent->address) + " under consent " +
                           std::to_string(consent->consent_id);
    RETURN_IF_ERROR(NotifyIn(transaction, summons, channel, "sent", transaction.now(), evidence,
                             consent->consent_id)
                        .status());
  }
  return Status::Ok();
}

Result<int64_t> Registry::RecordNotification(const CommandContext& context, SummonsId summons_id,
                                             NotificationChannel channel, std::string_view mark,
                                             Instant at, std::string_view evidence) {
  ASSIGN_OR_RETURN(SummonsFacts summons, LoadSummons(summons_id));
  std::string channel_name(NotificationChannelName(channel));
  if (!profile_.HasNotificationChannel(channel)) {
    return InvalidArgument("channel: profile " + profile_.id + " has no notifications by " +
                           channel_name);
  }
  if (std::find(kNotificationMarks.begin(), kNotificationMarks.end(), mark) ==
      kNotificationMarks.end()) {
    return InvalidArgument("mark: '" + std::string(mark) +
                           "' is not a notification mark (expected one of sent, delivered, "
                           "failed)");
  }
  if (!IsOpen(summons)) {
    return FailedPrecondition("summons: " + std::to_string(summons_id) + " is " + summons.status);
  }
  if (at > Now()) return InvalidArgument("at: " + FormatInstant(at) + " is in the future");
  if (at < summons.issued_at) {
    return InvalidArgument("at: " + FormatInstant(at) + " is before the summons was issued");
  }
  if (evidence.empty()) return InvalidArgument("evidence: required (the gateway's message id)");
  std::optional<int64_t> consent_id;
  if (mark == "sent") {
    ASSIGN_OR_RETURN(std::optional<ConsentInForce> consent,
                     FindConsent(*connection_, summons.person_id, channel));
    if (!consent || consent->given_at > at) {
      return FailedPrecondition(
          "consent: person " + std::to_string(summons.person_id) +
          " has not consented to notifications by " + channel_name +
          (consent ? " before " + FormatInstant(at) : std::string()) + " (rule " +
          profile_.notification_rule.rule_id + "): a notification is sent only with recorded "
          "consent");
    }
    consent_id = consent->consent_id;
  } else {
    ASSIGN_OR_RETURN(Query sent, Query::Make(*connection_,
                                             "SELECT 1 FROM service_attempts WHERE summons_id = $1 "
                                             "AND channel = $2 AND mark = 'sent' AND at <= $3 "
                                             "LIMIT 1"));
    sent.Bind(summons_id).Bind(channel_name).Bind(ToUnixSeconds(at));
    ASSIGN_OR_RETURN(bool found, sent.Next());
    if (!found) {
      return FailedPrecondition("mark: no " + channel_name + " notification of summons " +
                                std::to_string(summons_id) + " was sent before " +
                                FormatInstant(at) + ", so none can be " + std::string(mark));
    }
  }
  json::object request{{"summons_id", summons_id},
                       {"channel", channel_name},
                       {"mark", mark},
                       {"at", FormatInstant(at)},
                       {"evidence", evidence}};
  ASSIGN_OR_RETURN(auto transaction, Begin(context, "notification", json::serialize(request)));
  if (transaction->replayed()) return ResultValue(*transaction->replayed(), "attempt_id");
  ASSIGN_OR_RETURN(int64_t attempt_id,
                   NotifyIn(*transaction, summons, channel, mark, at, evidence, consent_id));
  RETURN_IF_ERROR(transaction->Commit(ResultJson("attempt_id", attempt_id)));
  return attempt_id;
}

// ---------------------------------------------------------------------------------------------
// Postal tracking import

namespace {

std::string RandomImportKey() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  return "postal:" +
         HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// A line the summons cannot take is the line's problem; anything else is the registry's.
bool IsLineProblem(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kFailedPrecondition ||
         code == StatusCode::kNotFound || code == StatusCode::kAlreadyExists;
}

std::string FieldOf(const std::string& message) {
  size_t colon = message.find(':');
  return colon == std::string::npos ? "" : message.substr(0, colon);
}

}  // namespace

Result<PostalImportReport> Registry::ImportPostalTracking(const CommandContext& context,
                                                          std::string_view bytes,
                                                          PostalFormat format,
                                                          const Progress& progress) {
  ASSIGN_OR_RETURN(ParsedPostalFile file, ParsePostalFile(bytes, format));
  PostalImportReport report;
  report.lines = file.lines;
  report.errors = std::move(file.errors);
  auto line_error = [&report](const PostalEvent& event, std::string message) {
    std::string field = FieldOf(message);
    report.errors.push_back({event.line, std::move(field), std::move(message)});
  };

  // Which summons each tracking number belongs to: lines that name both, then earlier imports.
  std::map<std::string, std::pair<SummonsId, int64_t>> linked;  // number → summons, line
  std::vector<bool> usable(file.events.size(), true);
  for (size_t i = 0; i < file.events.size(); ++i) {
    const PostalEvent& event = file.events[i];
    if (event.tracking_number.empty() || !event.summons_id) continue;
    auto [found, inserted] =
        linked.emplace(event.tracking_number, std::make_pair(*event.summons_id, event.line));
    if (!inserted && found->second.first != *event.summons_id) {
      line_error(event, "tracking_number: " + event.tracking_number + " belongs to summons " +
                            std::to_string(found->second.first) + " (line " +
                            std::to_string(found->second.second) + "), not to summons " +
                            std::to_string(*event.summons_id));
      usable[i] = false;
    }
  }
  std::map<std::string, std::optional<SummonsId>> stored;
  for (const PostalEvent& event : file.events) {
    if (event.tracking_number.empty() || stored.contains(event.tracking_number)) continue;
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(*connection_,
                                 "SELECT summons_id FROM service_attempts WHERE reference = $1 "
                                 "AND channel = 'registered_mail' ORDER BY attempt_id LIMIT 1"));
    query.Bind(event.tracking_number);
    ASSIGN_OR_RETURN(bool found, query.Next());
    stored[event.tracking_number] = found ? std::optional<SummonsId>(query.Int(0)) : std::nullopt;
  }
  std::vector<PostalEvent> ready;
  for (size_t i = 0; i < file.events.size(); ++i) {
    if (!usable[i]) continue;
    PostalEvent event = file.events[i];
    std::optional<SummonsId> known;
    if (!event.tracking_number.empty()) {
      known = stored[event.tracking_number];
      if (!known && linked.contains(event.tracking_number)) {
        known = linked[event.tracking_number].first;
      }
    }
    if (event.summons_id) {
      if (known && *known != *event.summons_id) {
        line_error(event, "tracking_number: " + event.tracking_number + " belongs to summons " +
                              std::to_string(*known) + ", not to summons " +
                              std::to_string(*event.summons_id));
        continue;
      }
    } else if (!known) {
      line_error(event, "tracking_number: " + event.tracking_number +
                            " is linked to no summons (no line of this file and no earlier "
                            "import gave its summons_id)");
      continue;
    } else {
      event.summons_id = known;
    }
    ready.push_back(std::move(event));
  }
  // In time order, so that each summons sees its letter's story as it happened.
  std::stable_sort(ready.begin(), ready.end(),
                   [](const PostalEvent& a, const PostalEvent& b) { return a.at < b.at; });

  // One transaction per chunk; if a chunk fails unexpectedly it is rolled back and retried line
  // by line, so the failing line is reported and the others are recorded.
  auto apply = [&](std::span<const PostalEvent> events, std::string key_suffix,
                   PostalImportReport& out) -> Status {
    CommandContext chunk_context = context;
    chunk_context.idempotency_key = context.idempotency_key.empty()
                                        ? RandomImportKey()
                                        : context.idempotency_key + ":" + key_suffix;
    json::array request;
    for (const PostalEvent& event : events) {
      request.push_back(json::array{json::string(event.tracking_number),
                                    *event.summons_id, json::string(event.event),
                                    FormatInstant(event.at), json::string(event.office)});
    }
    ASSIGN_OR_RETURN(auto transaction,
                     Begin(chunk_context, "postal_import", json::serialize(request)));
    if (transaction->replayed()) {
      out.duplicates += static_cast<int64_t>(events.size());
      return Status::Ok();
    }
    for (const PostalEvent& event : events) {
      auto summons = LoadSummons(*event.summons_id);
      if (!summons.ok()) {
        if (!IsLineProblem(summons.status().code())) return summons.status();
        out.errors.push_back({event.line, "summons_id", "summons_id: " +
                                                            std::to_string(*event.summons_id) +
                                                            " is not a summons"});
        continue;
      }
      Status check = CheckMark(*summons, Channel::kRegisteredMail, event.event, event.at);
      if (!check.ok()) {
        if (!IsLineProblem(check.code())) return check;
        out.errors.push_back({event.line, FieldOf(check.message()), check.message()});
        continue;
      }
      ASSIGN_OR_RETURN(Query seen,
                       Query::Make(*connection_,
                                   "SELECT 1 FROM service_attempts WHERE summons_id = $1 AND "
                                   "channel = 'registered_mail' AND mark = $2 AND at = $3"));
      seen.Bind(*event.summons_id).Bind(event.event).Bind(ToUnixSeconds(event.at));
      ASSIGN_OR_RETURN(bool duplicate, seen.Next());
      seen.Finish();
      if (duplicate) {
        ++out.duplicates;
        continue;
      }
      std::string evidence =
          "postal operator: " + event.event +
          (event.tracking_number.empty() ? " (no tracking number)"
                                         : ", tracking " + event.tracking_number) +
          (event.office.empty() ? "" : ", post office " + event.office);
      ASSIGN_OR_RETURN(int64_t attempt_id,
                       RecordMarkIn(*transaction, *summons, Channel::kRegisteredMail, event.event,
                                    event.at, evidence, event.tracking_number));
      ++out.recorded;
      ASSIGN_OR_RETURN(SummonsFacts after, LoadSummons(*event.summons_id));
      if (after.served_attempt == attempt_id) ++out.served;
    }
    return transaction->Commit(ResultJson("recorded", out.recorded));
  };
  constexpr size_t kChunk = 500;
  for (size_t begin = 0; begin < ready.size(); begin += kChunk) {
    std::span<const PostalEvent> chunk(ready.data() + begin,
                                       std::min(kChunk, ready.size() - begin));
    PostalImportReport part;
    Status status = apply(chunk, std::to_string(begin), part);
    if (!status.ok()) {
      if (!IsLineProblem(status.code())) return status;
      part = PostalImportReport{};
      for (size_t i = 0; i < chunk.size(); ++i) {
        PostalImportReport single;
        Status one = apply(chunk.subspan(i, 1), std::to_string(begin + i) + "/1", single);
        if (!one.ok()) {
          if (!IsLineProblem(one.code())) return one;
          part.errors.push_back({chunk[i].line, FieldOf(one.message()), one.message()});
          continue;
        }
        part.recorded += single.recorded;
        part.duplicates += single.duplicates;
        part.served += single.served;
        part.errors.insert(part.errors.end(), single.errors.begin(), single.errors.end());
      }
    }
    report.recorded += part.recorded;
    report.duplicates += part.duplicates;
    report.served += part.served;
    report.errors.insert(report.errors.end(), part.errors.begin(), part.errors.end());
    if (progress) {
      progress(static_cast<int64_t>(begin + chunk.size()), static_cast<int64_t>(ready.size()));
    }
  }
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const PostalLineError& a, const PostalLineError& b) { return a.line < b.line; });
  return report;
}

Result<int64_t> Registry::RecordFirstView(const CommandContext& context, SummonsId summons_id,
                                          Instant at, std::string_view evidence) {
  return RecordServiceMark(context, summons_id, Channel::kPortal, "viewed", at, evidence);
}

}  // namespace muster
