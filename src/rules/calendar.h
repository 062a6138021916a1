// Day counting in a region's time zone.
//
// The law counts periods in calendar days of the place where the office sits: "deemed served
// after the expiry of 7 days from the day of posting", "20 calendar days after the appearance
// date". Following the civil code's rule for periods (a period counted in days starts on the
// day after the event and expires at 24:00 of its last day), a period of N days after an
// event on local day D ends at 24:00 of D+N, so its consequence takes effect at 00:00 local
// time of day D+N+1. A deadline at local midnight therefore falls 8 hours apart in UTC between
// Kaliningrad (UTC+2) and Vladivostok (UTC+10) — see calendar_test.cc.
//
// Working days are Monday to Friday; public holidays are not modelled yet (documented in
// docs/RULES.md). Pure apart from reading the OS time-zone database; thread-safe.
#pragma once

#include <date/tz.h>

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace muster {

using TimeZone = const date::time_zone*;

// Looks up an IANA zone ("Asia/Vladivostok"); kInvalidArgument naming `field` if unknown (or if
// the OS time-zone database cannot be read). The pointer stays valid for the program's life.
Result<TimeZone> LookupTimeZone(std::string_view iana_name, std::string_view field);

// The local calendar date of `instant` in `zone`.
CivilDate LocalDate(Instant instant, TimeZone zone);

// The instant at which local day `date` begins in `zone` (the earliest one if a DST change
// makes midnight ambiguous, the first existing instant if it skips midnight).
Instant StartOfLocalDay(CivilDate date, TimeZone zone);

// The instant of local wall time `date` `hour`:`minute` in `zone`, resolved as above.
Instant LocalTime(CivilDate date, int hour, int minute, TimeZone zone);

// The first instant after a period of `days` calendar days that started on the local day of
// `event` (see the header comment): StartOfLocalDay(LocalDate(event) + days + 1). With
// `days` = 0 the result is the next local midnight.
Instant AfterCalendarDays(Instant event, int days, TimeZone zone);

// The same for working days: the period covers the next `days` Mondays-to-Fridays after the
// local day of `event`; the result is 00:00 of the day after the last of them (so a period
// ending on a Friday takes effect on Saturday 00:00). `days` <= 0 counts as 0.
Instant AfterWorkingDays(Instant event, int days, TimeZone zone);

// "2026-05-04 09:00 +10" — the local wall time (to the minute) with the UTC offset, for
// people. Offsets that are not whole hours show minutes: "+05:30", "-03:30".
std::string FormatLocal(Instant instant, TimeZone zone);

}  // namespace muster
