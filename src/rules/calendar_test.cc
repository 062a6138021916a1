#include "rules/calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace muster {
namespace {

using ::testing::HasSubstr;

TimeZone Zone(std::string_view name) {
  Result<TimeZone> zone = LookupTimeZone(name, "test.zone");
  EXPECT_TRUE(zone.ok()) << zone.status().ToString();
  return zone.ok() ? *zone : nullptr;
}

Instant At(std::string_view text) {
  Result<Instant> instant = ParseInstant(text, "test.instant");
  EXPECT_TRUE(instant.ok()) << instant.status().ToString();
  return instant.ok() ? *instant : Instant{};
}

CivilDate Day(std::string_view text) {
  Result<CivilDate> date = ParseDate(text, "test.date");
  EXPECT_TRUE(date.ok()) << date.status().ToString();
  return date.ok() ? *date : CivilDate{};
}

TEST(CalendarTest, MidnightDeadlineFallsEightHoursApartInVladivostokAndKaliningrad) {
  // One register posting at the same instant: 13:00 in Vladivostok, 05:00 in Kaliningrad, both
  // on local day 2026-05-04. Deemed served after 7 days: 00:00 local on 2026-05-12.
  const Instant posted = At("2026-05-04T03:00:00Z");
  const TimeZone vladivostok = Zone("Asia/Vladivostok");
  const TimeZone kaliningrad = Zone("Europe/Kaliningrad");

  const Instant served_east = AfterCalendarDays(posted, 7, vladivostok);
  const Instant served_west = AfterCalendarDays(posted, 7, kaliningrad);

  EXPECT_EQ(FormatInstant(served_east), "2026-05-11T14:00:00Z");
  EXPECT_EQ(FormatInstant(served_west), "2026-05-11T22:00:00Z");
  EXPECT_EQ(served_west - served_east, std::chrono::hours(8));
  EXPECT_EQ(FormatLocal(served_east, vladivostok), "2026-05-12 00:00 +10");
  EXPECT_EQ(FormatLocal(served_west, kaliningrad), "2026-05-12 00:00 +02");
}

TEST(CalendarTest, LateLocalEveningIsCountedFromTheLocalDateNotTheUtcDate) {
  // 22:30 on 4 May in New York is already 5 May in UTC. Counting from the UTC date would move
  // the deadline a day later.
  const TimeZone new_york = Zone("America/New_York");
  const Instant posted = At("2026-05-04T22:30:00-04:00");
  ASSERT_EQ(FormatInstant(posted), "2026-05-05T02:30:00Z");
  EXPECT_EQ(LocalDate(posted, new_york), Day("2026-05-04"));
  EXPECT_EQ(FormatLocal(AfterCalendarDays(posted, 7, new_york), new_york), "2026-05-12 00:00 -04");
}

TEST(CalendarTest, EarlyMorningInVladivostokIsAlreadyTheNextLocalDay) {
  // 22:30Z on 4 May is 08:30 on 5 May in Vladivostok: the period starts a day later than the
  // UTC date suggests.
  const TimeZone vladivostok = Zone("Asia/Vladivostok");
  const Instant posted = At("2026-05-04T22:30:00Z");
  EXPECT_EQ(LocalDate(posted, vladivostok), Day("2026-05-05"));
  EXPECT_EQ(FormatInstant(AfterCalendarDays(posted, 7, vladivostok)), "2026-05-12T14:00:00Z");
}

TEST(CalendarTest, LateEveningInKaliningradIsAlreadyTheNextDayInMoscow) {
  // The office's zone decides, not the capital's: 23:30 in Kaliningrad is 00:30 in Moscow.
  const Instant posted = At("2026-05-04T23:30:00+02:00");
  EXPECT_EQ(LocalDate(posted, Zone("Europe/Kaliningrad")), Day("2026-05-04"));
  EXPECT_EQ(LocalDate(posted, Zone("Europe/Moscow")), Day("2026-05-05"));
}

TEST(CalendarTest, ZeroDaysTakesEffectAtTheNextLocalMidnight) {
  const TimeZone moscow = Zone("Europe/Moscow");
  const Instant event = At("2026-05-04T23:59:00+03:00");
  EXPECT_EQ(FormatLocal(AfterCalendarDays(event, 0, moscow), moscow), "2026-05-05 00:00 +03");
  EXPECT_EQ(FormatLocal(AfterCalendarDays(event, 20, moscow), moscow), "2026-05-25 00:00 +03");
}

TEST(CalendarTest, WorkingDaysSkipTheWeekend) {
  const TimeZone kyiv = Zone("Europe/Kyiv");
  // Thursday 7 May 2026: the three working days are Fri 8, Mon 11, Tue 12 → Wed 13 00:00.
  const Instant thursday = At("2026-05-07T15:00:00+03:00");
  EXPECT_EQ(FormatLocal(AfterWorkingDays(thursday, 3, kyiv), kyiv), "2026-05-13 00:00 +03");
  // Versus calendar days: Fri, Sat, Sun → Mon 11 00:00.
  EXPECT_EQ(FormatLocal(AfterCalendarDays(thursday, 3, kyiv), kyiv), "2026-05-11 00:00 +03");
}

TEST(CalendarTest, WorkingDaysFromAWeekendStartOnMonday) {
  const TimeZone kyiv = Zone("Europe/Kyiv");
  // Saturday 9 May: five working days are Mon 11 … Fri 15; the period ends Friday at 24:00.
  const Instant saturday = At("2026-05-09T10:00:00+03:00");
  EXPECT_EQ(FormatLocal(AfterWorkingDays(saturday, 5, kyiv), kyiv), "2026-05-16 00:00 +03");
  EXPECT_EQ(FormatLocal(AfterWorkingDays(saturday, 1, kyiv), kyiv), "2026-05-12 00:00 +03");
  EXPECT_EQ(FormatLocal(AfterWorkingDays(saturday, 0, kyiv), kyiv), "2026-05-10 00:00 +03");
}

TEST(CalendarTest, FormatLocalShowsWallTimeAndOffset) {
  const Instant instant = At("2026-05-04T09:00:00+10:00");
  EXPECT_EQ(FormatLocal(instant, Zone("Asia/Vladivostok")), "2026-05-04 09:00 +10");
  EXPECT_EQ(FormatLocal(instant, Zone("Europe/Moscow")), "2026-05-04 02:00 +03");
  EXPECT_EQ(FormatLocal(instant, Zone("Asia/Kolkata")), "2026-05-04 04:30 +05:30");
  EXPECT_EQ(FormatLocal(instant, Zone("America/St_Johns")), "2026-05-03 20:30 -02:30");
  EXPECT_EQ(FormatLocal(instant, Zone("UTC")), "2026-05-03 23:00 +00");
}

TEST(CalendarTest, LocalTimeBuildsTheAppearanceInstant) {
  const TimeZone sakhalin = Zone("Asia/Sakhalin");  // UTC+11
  const Instant appearance = LocalTime(Day("2026-05-18"), 9, 0, sakhalin);
  EXPECT_EQ(FormatInstant(appearance), "2026-05-17T22:00:00Z");
  EXPECT_EQ(FormatLocal(appearance, sakhalin), "2026-05-18 09:00 +11");
}

TEST(CalendarTest, SkippedMidnightResolvesToTheFirstExistingInstant) {
  // Chile moved its clocks from 00:00 to 01:00 on 8 September 2024.
  const TimeZone santiago = Zone("America/Santiago");
  const Instant start = StartOfLocalDay(Day("2024-09-08"), santiago);
  EXPECT_EQ(FormatInstant(start), "2024-09-08T04:00:00Z");
  EXPECT_EQ(FormatLocal(start, santiago), "2024-09-08 01:00 -03");
}

TEST(CalendarTest, RepeatedWallTimeResolvesToTheEarlierInstant) {
  // 02:30 happened twice in Berlin on 25 October 2026 (CEST, then CET).
  const Instant first = LocalTime(Day("2026-10-25"), 2, 30, Zone("Europe/Berlin"));
  EXPECT_EQ(FormatInstant(first), "2026-10-25T00:30:00Z");
}

TEST(CalendarTest, UnknownZoneIsAnInvalidArgumentNamingTheField) {
  Result<TimeZone> zone = LookupTimeZone("Mars/Olympus_Mons", "offices.RYA-01.time_zone");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(zone.status().message(),
              HasSubstr("offices.RYA-01.time_zone: unknown time zone 'Mars/Olympus_Mons'"));
}

}  // namespace
}  // namespace muster
