// Rule profiles: the law as versioned data.
//
// A profile is a TOML file (profiles/*.toml; the format is documented in docs/RULES.md) with
// an id, a version, effective dates, a per-region rollout, the ages and sexes liable to
// call-up, appearance windows, the delivery channels with the marks that count as service,
// the measures with their triggers, the lifting deadline and the ids of the legal bases each
// rule rests on. Loading a profile validates every field; a missing or contradictory field is
// a kInvalidArgument error naming the field path ("channels.register.service[0].days: must be
// >= 0"). Nothing in the engine hard-codes a country: a second profile drives different
// outcomes with no code change.
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

// When a service mark makes a summons served.
enum class ServiceTiming {
  kImmediately,        // at the instant of the mark (portal posting, a signature, a refusal)
  kAfterCalendarDays,  // deemed served after `days` calendar days (register publication)
  kAfterWorkingDays,   // deemed served after `days` working days (postal "addressee absent")
};

// One mark of a channel that counts as service, e.g. registered_mail + "refused".
struct ServiceRule {
  std::string mark;            // "posted", "delivered", "refused", "signed", "addressee_absent"
  ServiceTiming timing = ServiceTiming::kImmediately;
  int days = 0;                // for the deemed timings
  std::string rule_id;         // "ru-127fz/register-deemed-7d"
  std::string legal_basis;     // key into Profile::legal_bases
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

enum class MeasureTrigger {
  kOnService,     // from the instant the summons is served (exit ban under ru-127fz)
  kAfterNoShow,   // after `days_after_appearance` calendar days past the appearance date
};

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

  // Call-up liability.
  int min_age = 0;  // inclusive, on the day a summons is issued
  int max_age = 0;  // inclusive: under ru-127fz a person is liable until the 30th birthday… see
                    // docs/RULES.md for how max_age is counted
  std::vector<Sex> liable_sexes;

  // Appearance date, counted in calendar days from the local day of issue.
  int appearance_min_days = 0;
  int appearance_max_days = 0;
  int appearance_default_days = 0;
  int appearance_default_hour = 9;  // local wall-clock hour

  std::vector<ChannelRules> channels;
  std::vector<MeasureRule> measures;

  int lift_deadline_hours = 24;
  bool objection_suspends_measures = false;

  std::vector<std::string> excuse_reasons;   // "illness", "relative_illness_or_funeral", …
  std::vector<std::string> deferment_bases;  // "student_full_time", "temporarily_unfit", …
  std::vector<std::string> exemption_bases;  // "unfit", …
  std::map<std::string, std::string> legal_bases;  // id → citation

  // True if the profile is in force and rolled out in `region` on local date `on`.
  bool IsActiveIn(std::string_view region, CivilDate on) const;
  const ChannelRules* FindChannel(Channel channel) const;
  bool IsLiable(Sex sex, int age) const;
  bool HasExcuseReason(std::string_view reason) const;
  bool HasDefermentBasis(std::string_view basis) const;
  bool HasExemptionBasis(std::string_view basis) const;
};

// Parses and validates profile TOML text. `source_name` prefixes parse errors ("ru-127fz.toml
// line 12: …").
Result<Profile> ParseProfile(std::string_view toml_text, std::string_view source_name);

// Reads and parses a profile file.
Result<Profile> LoadProfileFile(const std::filesystem::path& path);

// Finds "<dir>/<id>.toml" for a profile id, or loads `id_or_path` directly if it names an
// existing file. The default directory is the one holding the shipped profiles.
Result<Profile> LoadProfile(std::string_view id_or_path, const std::filesystem::path& dir);

}  // namespace muster
