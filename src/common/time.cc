#include "common/time.h"

#include <charconv>
#include <cstdio>

namespace muster {
namespace {

// Parses exactly `width` decimal digits at `text[pos]`.
bool ParseDigits(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

CivilDate AddDays(CivilDate date, int days) {
  return CivilDate(date::sys_days(date) + date::days(days));
}

Result<CivilDate> ParseDate(std::string_view text, std::string_view field) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseDigits(text, 0, 4, year) ||
      !ParseDigits(text, 5, 2, month) || !ParseDigits(text, 8, 2, day)) {
    return InvalidArgument(std::string(field) + ": expected a date as YYYY-MM-DD, got '" +
                           std::string(text) + "'");
  }
  CivilDate date{date::year(year), date::month(static_cast<unsigned>(month)),
                 date::day(static_cast<unsigned>(day))};
  if (!date.ok() || year < 1900) {
    return InvalidArgument(std::string(field) + ": no such date '" + std::string(text) + "'");
  }
  return date;
}

Result<Instant> ParseInstant(std::string_view text, std::string_view field) {
  auto bad = [&](std::string why) {
    return InvalidArgument(std::string(field) + ": " + why + " in '" + std::string(text) +
                           "' (expected YYYY-MM-DDTHH:MM[:SS] with Z or an offset like +03:00)");
  };
  if (text.size() < 17 || (text[10] != 'T' && text[10] != ' ')) return bad("malformed instant");
  auto date = ParseDate(text.substr(0, 10), field);
  if (!date.ok()) return date.status();
  int hour = 0, minute = 0, second = 0;
  if (!ParseDigits(text, 11, 2, hour) || text[13] != ':' || !ParseDigits(text, 14, 2, minute)) {
    return bad("malformed time");
  }
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!ParseDigits(text, 17, 2, second)) return bad("malformed seconds");
    pos = 19;
  }
  if (hour > 23 || minute > 59 || second > 59) return bad("time out of range");
  if (pos >= text.size()) return bad("missing time zone offset");
  int offset_minutes = 0;
  if (text[pos] == 'Z' && pos + 1 == text.size()) {
    offset_minutes = 0;
  } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 &&
             text[pos + 3] == ':') {
    int offset_hours = 0, offset_mins = 0;
    if (!ParseDigits(text, pos + 1, 2, offset_hours) ||
        !ParseDigits(text, pos + 4, 2, offset_mins) || offset_hours > 14 || offset_mins > 59) {
      return bad("malformed offset");
    }
    offset_minutes = (offset_hours * 60 + offset_mins) * (text[pos] == '-' ? -1 : 1);
  } else {
    return bad("malformed time zone offset");
  }
  Instant local = date::sys_days(*date) + std::chrono::hours(hour) +
                  std::chrono::minutes(minute) + std::chrono::seconds(second);
  return local - std::chrono::minutes(offset_minutes);
}

std::string FormatDate(CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

std::string FormatInstant(Instant instant) {
  auto day = date::floor<date::days>(instant);
  date::hh_mm_ss<std::chrono::seconds> time(instant - day);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02dZ", FormatDate(CivilDate(day)).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

int AgeOn(CivilDate birth, CivilDate on) {
  int age = static_cast<int>(on.year()) - static_cast<int>(birth.year());
  auto birthday_month = birth.month();
  auto birthday_day = birth.day();
  if (on.month() < birthday_month || (on.month() == birthday_month && on.day() < birthday_day)) {
    --age;
  }
  return age;
}

Instant SystemClock::Now() const {
  return date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace muster
