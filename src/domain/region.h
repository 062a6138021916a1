// The federal subjects of the default country, each with its IANA time zone.
//
// Day counting for a person happens in the zone of the region of their responsible office
// (DESIGN.md §3). The table is reference data compiled into the binary: it changes by
// release, not at run time. Regions spanning several zones (Yakutia) carry the zone of their
// capital; an office in another zone of the same region can override it later.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace muster {

struct Region {
  std::string_view code;        // ISO 3166-2:RU subdivision code without "RU-": "MOW", "RYA"
  int number;                   // federal subject number used on plates and in INN: 77, 62
  std::string_view name_ru;     // "Рязанская область"
  std::string_view name_en;     // "Ryazan Oblast"
  std::string_view time_zone;   // IANA zone: "Europe/Moscow"
  uint32_t population_thousands;  // weight for synthetic populations (approximate census figure)
};

// All regions, ordered by code.
std::span<const Region> AllRegions();

// The region with ISO code `code` (exact, upper case), or kInvalidArgument naming `field`
// ("region: unknown region 'XYZ'").
Result<const Region*> LookupRegion(std::string_view code, std::string_view field);

// Registration offices are named "<REGION>-<NN>", for example "RYA-01". Returns the region
// of a well-formed office id, or kInvalidArgument naming `field`.
Result<const Region*> RegionOfOffice(std::string_view office_id, std::string_view field);

}  // namespace muster
