// Rule profiles: the law as versioned data.
//
// A profile is a TOML file (profiles/*.toml; the format is documented in docs/RULES.md) with
// an id, a version, effective dates, a per-region rollout, the ages and sexes liable to
// call-up, appearance windows, the delivery channels with the marks that count as service,
// the measures with their triggers, the lifting deadline and the ids of the legal bases each
// rule rests on. Loading a profile validates every field; a missing, misspelt, mistyped or
// contradictory field is a kInvalidArgument error naming the source line and the field path
// ("ru-127fz.toml line 40: channels.register.service[0].days: must be >= 0, got -1"). Nothing in
// the engine hard-codes a country: a second profile drives different outcomes with no code
// change.
//
// Profile values are immutable after loading and safe to share between threads.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"

namespace muster {

// The rule id and legal basis of a profile section that is a rule of its own (the age limits,
// the appearance window, the lifting deadline, …), so that a decision based on it can cite it.
struct RuleRef {
  std::string rule_id;      // "ru-127fz/conscription-age"
  std::string legal_basis;  // key into Profile::legal_bases
};

// When a service mark makes a summons served.
enum class ServiceTiming {
  kImmediately,        // at the instant of the mark (portal posting, a signature, a refusal)
  kAfterCalendarDays,  // deemed served after `days` calendar days (register publication)
  kAfterWorkingDays,   // deemed served after `days` working days (postal "addressee absent")
};

// "immediately", "after_calendar_days", "after_working_days": the names used in profile files.
std::string_view ServiceTimingName(ServiceTiming timing);

// One mark of a channel that counts as service, e.g. registered_mail + "refused".
struct ServiceRule {
  std::string mark;  // "posted", "delivered", "refused", "signed", "addressee_absent"
  ServiceTiming timing = ServiceTiming::kImmediately;
  int days = 0;             // for the deemed timings
  std::string rule_id;      // "ru-127fz/register-deemed-7d"
  std::string legal_basis;  // key into Profile::legal_bases
};

struct ChannelRules {
  Channel channel;
  // Marks a channel can record. Marks without a ServiceRule are evidence only (for example
  // registered_mail "sent" or "returned").
  std::vector<std::string> marks;
  std::vector<ServiceRule> service;

  const ServiceRule* FindServiceRule(std::string_view mark) const;
  bool HasMark(std::string_view mark) const;
};

// A mark of a channel that brings the cascade's fallback at once (registered_mail "returned").
struct FallbackTrigger {
  Channel channel;
  std::string mark;
};

// The delivery cascade (issue 6): which channels carry a summons when it is issued, and which
// follows when they have not served (the optional [cascade] section; docs/RULES.md).
struct DeliveryCascade {
  // Service channels dispatched at issue when the officer names none: every one of them that
  // can reach the person (the portal needs an account); if none can, those of `otherwise`.
  std::vector<Channel> at_issue;
  std::vector<Channel> otherwise;
  // Notification channels sent at issue to a person who consented to them (never service).
  std::vector<NotificationChannel> notify;
  // The channel that follows when a summons is not served `fallback_after_days` calendar days
  // after the local day of issue, or at once on a mark of `fallback_on` — unless it was
  // dispatched already, or its service could not come before the appearance date. Its
  // dispatch mark is recorded then (register: "posted"). No fallback when empty.
  std::optional<Channel> fallback;
  int fallback_after_days = 0;
  std::vector<FallbackTrigger> fallback_on;
  RuleRef rule;  // cited by every fallback decision

  bool TriggersFallback(Channel channel, std::string_view mark) const;
};

enum class MeasureTrigger {
  kOnService,    // from the instant the summons is served (exit ban under ru-127fz)
  kAfterNoShow,  // after `days_after_appearance` calendar days past the appearance date
};

// "on_service", "after_no_show": the names used in profile files.
std::string_view MeasureTriggerName(MeasureTrigger trigger);

struct MeasureRule {
  MeasureKind kind;
  MeasureTrigger trigger = MeasureTrigger::kOnService;
  int days_after_appearance = 0;
  std::string rule_id;
  std::string legal_basis;
};

// From `from`, the profile applies in `regions` (empty: every region).
struct RolloutStage {
  std::vector<std::string> regions;
  CivilDate from;
  std::string note;  // "test mode", "nationwide"
};

struct Profile {
  std::string id;       // "ru-127fz"
  std::string version;  // "2026.1"
  std::string title;
  std::string country;  // ISO 3166-1 alpha-2 "RU"
  CivilDate effective_from;
  std::optional<CivilDate> effective_until;
  std::vector<RolloutStage> rollout;

  // Call-up liability, by the age in whole years (AgeOn) on the day a summons is issued.
  int min_age = 0;  // inclusive: liable from the min_age-th birthday
  // The upper age limit as the law states it ("from 18 to 30 years"). Whether a person aged
  // exactly max_age is still liable is `max_age_inclusive`: false means liable until the day
  // before the max_age-th birthday (how Russian law reads "до 30 лет", docs/RULES.md), true
  // means liable through the last day before the (max_age + 1)-th birthday.
  int max_age = 0;
  bool max_age_inclusive = true;
  std::vector<Sex> liable_sexes;
  RuleRef liability_rule;

  // Appearance date, counted in calendar days from the local day of issue.
  int appearance_min_days = 0;
  int appearance_max_days = 0;
  int appearance_default_days = 0;
  int appearance_default_hour = 9;  // local wall-clock hour
  RuleRef appearance_rule;

  // The duty to appear that a summons states, cited as the legal basis printed and signed on
  // every notice (the optional [summons] section). Without the section: the appearance rule.
  RuleRef summons_rule;

  std::vector<ChannelRules> channels;  // in the order of kAllChannels, each channel at most once
  // Notification channels the profile allows ([notifications]), with the rule that a
  // notification needs the person's recorded consent to the channel. Empty: none.
  std::vector<NotificationChannel> notification_channels;
  RuleRef notification_rule;
  // Without a [cascade] section: at issue the portal (if the person has an account) and the
  // register, otherwise registered mail; no notification; no fallback.
  DeliveryCascade cascade;
  std::vector<MeasureRule> measures;   // in the order of kAllMeasureKinds, each kind at most once

  int lift_deadline_hours = 24;
  RuleRef lifting_rule;
  bool objection_suspends_measures = false;
  RuleRef objection_rule;

  std::vector<std::string> excuse_reasons;  // "illness", "relative_illness_or_funeral", …
  RuleRef excuse_rule;
  std::vector<std::string> deferment_bases;  // "student_full_time", "temporarily_unfit", …
  RuleRef deferment_rule;
  std::vector<std::string> exemption_bases;  // "unfit", …
  RuleRef exemption_rule;

  // Military registration, as distinct from call-up liability (the optional [registration]
  // section). A person the registry knows from a source agency is put on the register from the
  // `registration_from_age`-th birthday — or from 1 January of that birthday's year when
  // `registration_from_year_start` — and taken off from the `registration_until_age`-th
  // birthday. Without the section nobody is put on or taken off the register automatically.
  bool registration_automatic = false;
  int registration_from_age = 0;
  bool registration_from_year_start = false;
  int registration_until_age = 0;
  RuleRef registration_rule;
  std::map<std::string, std::string> legal_bases;  // id → citation

  // True if the profile is in force on local date `on` (effective_from <= on, and on <=
  // effective_until when set: effective_until is the last day in force) and some rollout stage
  // with from <= on covers `region`.
  bool IsActiveIn(std::string_view region, CivilDate on) const;
  // The rules of `channel`, or nullptr if the profile does not use it.
  const ChannelRules* FindChannel(Channel channel) const;
  bool HasNotificationChannel(NotificationChannel channel) const;
  // The rule for `kind`, or nullptr if the profile has no such measure.
  const MeasureRule* FindMeasure(MeasureKind kind) const;
  // True if a person of `sex` aged `age` whole years is liable to call-up (see max_age).
  bool IsLiable(Sex sex, int age) const;
  bool HasExcuseReason(std::string_view reason) const;
  bool HasDefermentBasis(std::string_view basis) const;
  bool HasExemptionBasis(std::string_view basis) const;
  // The first local day a person born on `birth` belongs on the military register, and the
  // first day they no longer do (see registration_*). Meaningful only when
  // registration_automatic.
  CivilDate RegistrationStart(CivilDate birth) const;
  CivilDate RegistrationEnd(CivilDate birth) const;
  // True if automatic registration applies and `on` lies in [RegistrationStart, RegistrationEnd).
  bool BelongsOnRegister(CivilDate birth, CivilDate on) const;
};

// Parses and validates profile TOML text. `source_name` prefixes every error: TOML syntax
// errors carry line and column ("ru-127fz.toml line 12, column 7: …"), validation errors the
// line of the offending value and its path ("ru-127fz.toml line 12: appearance.max_days: …").
// Every error is kInvalidArgument. Keys the format does not define are errors too, so a typo
// cannot silently fall back to a default.
Result<Profile> ParseProfile(std::string_view toml_text, std::string_view source_name);

// Reads and parses a profile file; kNotFound if it does not exist or cannot be read.
Result<Profile> LoadProfileFile(const std::filesystem::path& path);

// For a profile id ("ru-127fz": lower-case letters, digits and '-') loads "<dir>/<id>.toml" and
// checks that the file declares that id; otherwise (or if there is no such file) loads
// `id_or_path` as a file path. kNotFound if neither exists. The shipped profiles live in the
// repository's `profiles/` directory.
Result<Profile> LoadProfile(std::string_view id_or_path, const std::filesystem::path& dir);

}  // namespace muster
