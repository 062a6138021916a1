// Instants, civil dates and the injected Clock.
//
// Instants are stored and compared in UTC with one-second resolution (`Instant`); civil dates
// (birth dates, appearance dates, deadlines) are `CivilDate`. Converting between the two
// always names a time zone: the rules count days in the zone of the responsible office's
// region, never in the server's zone. Nothing in Muster reads the system clock except
// `SystemClock`; everything else receives a `Clock&`, so tests and the demo can move time.
#pragma once

#include <date/date.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace muster {

using Instant = date::sys_seconds;
using CivilDate = date::year_month_day;

// Seconds since the Unix epoch, the representation in the store.
inline int64_t ToUnixSeconds(Instant instant) { return instant.time_since_epoch().count(); }
inline Instant FromUnixSeconds(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }

// Days since 1970-01-01, the representation of a civil date in the store.
inline int32_t ToEpochDays(CivilDate date) {
  return date::sys_days(date).time_since_epoch().count();
}
inline CivilDate FromEpochDays(int32_t days) { return CivilDate(date::sys_days(date::days(days))); }

CivilDate AddDays(CivilDate date, int days);

// Parses a strict ISO 8601 calendar date "YYYY-MM-DD". Rejects impossible dates such as
// 2023-02-29 with kInvalidArgument naming `field`.
Result<CivilDate> ParseDate(std::string_view text, std::string_view field);

// Parses "YYYY-MM-DDTHH:MM[:SS]Z" or with a numeric offset "+03:00". A local time without an
// offset is rejected: instants must be unambiguous.
Result<Instant> ParseInstant(std::string_view text, std::string_view field);

std::string FormatDate(CivilDate date);
// "2026-05-04T06:00:00Z"
std::string FormatInstant(Instant instant);

// Age in whole years on `on` for a person born on `birth` (a 29 February birthday is reached
// on 1 March in common years, as Russian civil law counts it).
int AgeOn(CivilDate birth, CivilDate on);

// Where "now" comes from. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// The real wall clock, truncated to seconds.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// A clock that stands still until told to move; used by tests and simulated registries.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start) {}
  Instant Now() const override { return now_; }
  void Set(Instant now) { now_ = now; }
  void Advance(std::chrono::seconds by) { now_ += by; }

 private:
  Instant now_;  // Not guarded: ManualClock is only moved from a single thread between steps.
};

}  // namespace muster
