#include "rules/calendar.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace muster {
namespace {

bool IsWorkingDay(CivilDate date) {
  const date::weekday weekday{date::sys_days(date)};
  return weekday != date::Saturday && weekday != date::Sunday;
}

}  // namespace

Result<TimeZone> LookupTimeZone(std::string_view iana_name, std::string_view field) {
  // date::locate_zone reports both an unknown name and an unreadable OS database by throwing
  // std::runtime_error; both become a Status here so callers never see an exception.
  try {
    return date::locate_zone(iana_name);
  } catch (const std::runtime_error& error) {
    return InvalidArgument(std::string(field) + ": unknown time zone '" + std::string(iana_name) +
                           "' (" + error.what() + ")");
  }
}

CivilDate LocalDate(Instant instant, TimeZone zone) {
  const date::local_seconds local = zone->to_local(instant);
  return CivilDate(date::floor<date::days>(local));
}

Instant StartOfLocalDay(CivilDate date, TimeZone zone) { return LocalTime(date, 0, 0, zone); }

Instant LocalTime(CivilDate date, int hour, int minute, TimeZone zone) {
  const date::local_seconds local =
      date::local_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute);
  // choose::earliest: the first of two instants when the wall time repeats; date returns the
  // transition instant (the first existing one) when the wall time is skipped.
  return zone->to_sys(local, date::choose::earliest);
}

Instant AfterCalendarDays(Instant event, int days, TimeZone zone) {
  return StartOfLocalDay(AddDays(LocalDate(event, zone), days + 1), zone);
}

Instant AfterWorkingDays(Instant event, int days, TimeZone zone) {
  CivilDate last = LocalDate(event, zone);
  for (int counted = 0; counted < days;) {
    last = AddDays(last, 1);
    if (IsWorkingDay(last)) ++counted;
  }
  return StartOfLocalDay(AddDays(last, 1), zone);
}

std::string FormatLocal(Instant instant, TimeZone zone) {
  const date::sys_info info = zone->get_info(instant);
  const date::local_seconds local = date::local_seconds(instant.time_since_epoch() + info.offset);
  const date::local_days day = date::floor<date::days>(local);
  const date::hh_mm_ss<std::chrono::seconds> time(local - day);
  const CivilDate civil(day);

  // Truncated toward zero: only pre-1920 local mean times have offsets with seconds.
  const int offset_minutes =
      static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(info.offset).count());
  const int absolute = std::abs(offset_minutes);
  char offset[32];
  if (absolute % 60 == 0) {
    std::snprintf(offset, sizeof offset, "%c%02d", offset_minutes < 0 ? '-' : '+', absolute / 60);
  } else {
    std::snprintf(offset, sizeof offset, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                  absolute / 60, absolute % 60);
  }
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%s %02d:%02d %s", FormatDate(civil).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                offset);
  return buffer;
}

}  // namespace muster
