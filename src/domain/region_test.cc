#include "domain/region.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace muster {
namespace {

// The 83 subjects of ISO 3166-2:RU plus Crimea and Sevastopol.
constexpr size_t kRegionCount = 85;

const Region& MustLookup(std::string_view code) {
  static const Region kMissing{};
  Result<const Region*> region = LookupRegion(code, "region");
  if (!region.ok()) {
    ADD_FAILURE() << region.status().ToString();
    return kMissing;
  }
  return **region;
}

TEST(RegionTableTest, HoldsEveryFederalSubject) { EXPECT_EQ(AllRegions().size(), kRegionCount); }

TEST(RegionTableTest, IsSortedByCodeSoLookupsCanBinarySearch) {
  const std::span<const Region> regions = AllRegions();
  EXPECT_TRUE(std::is_sorted(regions.begin(), regions.end(),
                             [](const Region& a, const Region& b) { return a.code < b.code; }));
}

TEST(RegionTableTest, CodesAreUniqueUpperCaseIsoShaped) {
  std::set<std::string_view> codes;
  for (const Region& region : AllRegions()) {
    EXPECT_TRUE(codes.insert(region.code).second) << "duplicate code " << region.code;
    EXPECT_GE(region.code.size(), 2u) << region.code;
    EXPECT_LE(region.code.size(), 3u) << region.code;
    EXPECT_TRUE(std::all_of(region.code.begin(), region.code.end(), [](char c) {
      return c >= 'A' && c <= 'Z';
    })) << region.code;
  }
}

TEST(RegionTableTest, SubjectNumbersAreUniqueAndInRange) {
  std::set<int> numbers;
  for (const Region& region : AllRegions()) {
    EXPECT_TRUE(numbers.insert(region.number).second)
        << "duplicate number " << region.number << " at " << region.code;
    EXPECT_GE(region.number, 1) << region.code;
    EXPECT_LE(region.number, 99) << region.code;
  }
}

TEST(RegionTableTest, EveryRowIsFilledIn) {
  for (const Region& region : AllRegions()) {
    EXPECT_FALSE(region.name_ru.empty()) << region.code;
    EXPECT_FALSE(region.name_en.empty()) << region.code;
    EXPECT_GT(region.population_thousands, 0u) << region.code;
  }
}

TEST(RegionTableTest, EveryTimeZoneExistsInTheTzDatabase) {
  for (const Region& region : AllRegions()) {
    try {
      const date::time_zone* zone = date::locate_zone(region.time_zone);
      EXPECT_EQ(zone->name(), region.time_zone) << region.code;
    } catch (const std::exception& error) {
      ADD_FAILURE() << region.code << ": time zone '" << region.time_zone
                    << "' not found: " << error.what();
    }
  }
}

TEST(RegionTableTest, PopulationsAddUpToTheCountry) {
  uint64_t total = 0;
  for (const Region& region : AllRegions()) total += region.population_thousands;
  // About 147 million at the 2021 census; a slipped digit in any large row moves this out.
  EXPECT_GT(total, 145'000u);
  EXPECT_LT(total, 149'000u);
}

TEST(RegionTableTest, KnownRowsCarryTheirNumberNamesAndZone) {
  const Region& ryazan = MustLookup("RYA");
  EXPECT_EQ(ryazan.number, 62);
  EXPECT_EQ(ryazan.name_ru, "Рязанская область");
  EXPECT_EQ(ryazan.name_en, "Ryazan Oblast");
  EXPECT_EQ(ryazan.time_zone, "Europe/Moscow");

  const Region& moscow = MustLookup("MOW");
  EXPECT_EQ(moscow.number, 77);
  EXPECT_EQ(moscow.name_en, "Moscow");
  EXPECT_EQ(MustLookup("SPE").number, 78);
  EXPECT_EQ(MustLookup("MOS").number, 50);
}

// Zones that differ from Moscow time, or that share Moscow time but keep their own tzdb zone
// because their history differs; a wrong zone here shifts every deadline in the region.
TEST(RegionTableTest, RegionsOutsideMoscowZoneCarryTheirOwnZone) {
  const std::pair<std::string_view, std::string_view> kExpected[] = {
      {"KGD", "Europe/Kaliningrad"}, {"SAM", "Europe/Samara"},      {"UD", "Europe/Samara"},
      {"ULY", "Europe/Ulyanovsk"},   {"AST", "Europe/Astrakhan"},   {"SAR", "Europe/Saratov"},
      {"VGG", "Europe/Volgograd"},   {"KIR", "Europe/Kirov"},       {"SVE", "Asia/Yekaterinburg"},
      {"CHE", "Asia/Yekaterinburg"}, {"KGN", "Asia/Yekaterinburg"}, {"TYU", "Asia/Yekaterinburg"},
      {"BA", "Asia/Yekaterinburg"},  {"ORE", "Asia/Yekaterinburg"}, {"PER", "Asia/Yekaterinburg"},
      {"KHM", "Asia/Yekaterinburg"}, {"YAN", "Asia/Yekaterinburg"}, {"OMS", "Asia/Omsk"},
      {"NVS", "Asia/Novosibirsk"},   {"ALT", "Asia/Barnaul"},       {"AL", "Asia/Barnaul"},
      {"TOM", "Asia/Tomsk"},         {"KEM", "Asia/Novokuznetsk"},  {"KYA", "Asia/Krasnoyarsk"},
      {"KK", "Asia/Krasnoyarsk"},    {"TY", "Asia/Krasnoyarsk"},    {"IRK", "Asia/Irkutsk"},
      {"BU", "Asia/Irkutsk"},        {"ZAB", "Asia/Chita"},         {"SA", "Asia/Yakutsk"},
      {"AMU", "Asia/Yakutsk"},       {"PRI", "Asia/Vladivostok"},   {"KHA", "Asia/Vladivostok"},
      {"YEV", "Asia/Vladivostok"},   {"MAG", "Asia/Magadan"},       {"SAK", "Asia/Sakhalin"},
      {"KAM", "Asia/Kamchatka"},     {"CHU", "Asia/Anadyr"},        {"CR", "Europe/Simferopol"},
      {"SEV", "Europe/Simferopol"},
  };
  std::set<std::string_view> listed;
  for (const auto& [code, zone] : kExpected) {
    EXPECT_EQ(MustLookup(code).time_zone, zone) << code;
    listed.insert(code);
  }
  // Everything else is on Moscow time.
  for (const Region& region : AllRegions()) {
    if (listed.count(region.code) == 0) {
      EXPECT_EQ(region.time_zone, "Europe/Moscow") << region.code;
    }
  }
}

// --- LookupRegion -------------------------------------------------------------------------

TEST(LookupRegionTest, FindsEveryRegionByItsCode) {
  for (const Region& region : AllRegions()) {
    Result<const Region*> found = LookupRegion(region.code, "region");
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(*found, &region);
  }
}

TEST(LookupRegionTest, UnknownCodeNamesTheField) {
  Result<const Region*> found = LookupRegion("XYZ", "region");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(found.status().message(), "region: unknown region 'XYZ'");
}

TEST(LookupRegionTest, IsExactAndCaseSensitive) {
  EXPECT_FALSE(LookupRegion("rya", "region").ok());
  EXPECT_FALSE(LookupRegion("RU-RYA", "region").ok());
  EXPECT_FALSE(LookupRegion("RY", "region").ok());
  EXPECT_FALSE(LookupRegion("", "region").ok());
}

// --- RegionOfOffice -----------------------------------------------------------------------

TEST(RegionOfOfficeTest, ReturnsTheRegionOfAWellFormedOfficeId) {
  Result<const Region*> region = RegionOfOffice("RYA-01", "office");
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ((*region)->code, "RYA");

  region = RegionOfOffice("SA-117", "office");
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ((*region)->code, "SA");
}

TEST(RegionOfOfficeTest, RejectsMalformedIdsNamingTheField) {
  for (std::string_view office_id :
       {"RYA", "RYA-", "RYA-1", "RYA-0A", "-01", "RYA01", "RYA-01-02", "R1A-01", "RYA -01", ""}) {
    Result<const Region*> region = RegionOfOffice(office_id, "office");
    ASSERT_FALSE(region.ok()) << office_id;
    EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(region.status().message(),
              "office: malformed office id '" + std::string(office_id) + "' (expected REGION-NN)");
  }
}

TEST(RegionOfOfficeTest, RejectsUnknownRegionQuotingCodeAndId) {
  Result<const Region*> region = RegionOfOffice("XYZ-01", "office");
  ASSERT_FALSE(region.ok());
  EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(region.status().message(), "office: unknown region 'XYZ' in office id 'XYZ-01'");
}

TEST(RegionOfOfficeTest, LowerCaseRegionIsReportedAsUnknownRegion) {
  Result<const Region*> region = RegionOfOffice("rya-01", "responsible_office");
  ASSERT_FALSE(region.ok());
  EXPECT_EQ(region.status().message(),
            "responsible_office: unknown region 'rya' in office id 'rya-01'");
}

}  // namespace
}  // namespace muster
