#include "domain/region.h"

#include <algorithm>
#include <array>

namespace muster {
namespace {

// Columns: ISO code, subject number, Russian name, English name, IANA zone, population in
// thousands (2021 census, rounded; Arkhangelsk and Tyumen exclude their autonomous okrugs,
// which are subjects of their own).
//
// The 83 subjects of ISO 3166-2:RU plus the Republic of Crimea ("CR", 91) and Sevastopol
// ("SEV", 92), which ISO does not list under RU; their codes follow GOST 7.67 and the
// Russian subject-number scheme. Zones: a subject's capital decides (Yakutia spans three).
// Keep the rows sorted by code: lookups binary-search, and a static_assert below checks it.
constexpr std::array<Region, 85> kRegions = {{
    {"AD", 1, "Республика Адыгея", "Republic of Adygea", "Europe/Moscow", 497},
    {"AL", 4, "Республика Алтай", "Altai Republic", "Asia/Barnaul", 211},
    {"ALT", 22, "Алтайский край", "Altai Krai", "Asia/Barnaul", 2163},
    {"AMU", 28, "Амурская область", "Amur Oblast", "Asia/Yakutsk", 767},
    {"ARK", 29, "Архангельская область", "Arkhangelsk Oblast", "Europe/Moscow", 979},
    {"AST", 30, "Астраханская область", "Astrakhan Oblast", "Europe/Astrakhan", 960},
    {"BA", 2, "Республика Башкортостан", "Republic of Bashkortostan", "Asia/Yekaterinburg", 4091},
    {"BEL", 31, "Белгородская область", "Belgorod Oblast", "Europe/Moscow", 1541},
    {"BRY", 32, "Брянская область", "Bryansk Oblast", "Europe/Moscow", 1169},
    {"BU", 3, "Республика Бурятия", "Republic of Buryatia", "Asia/Irkutsk", 978},
    {"CE", 20, "Чеченская Республика", "Chechen Republic", "Europe/Moscow", 1511},
    {"CHE", 74, "Челябинская область", "Chelyabinsk Oblast", "Asia/Yekaterinburg", 3431},
    {"CHU", 87, "Чукотский автономный округ", "Chukotka Autonomous Okrug", "Asia/Anadyr", 48},
    {"CR", 91, "Республика Крым", "Republic of Crimea", "Europe/Simferopol", 1934},
    {"CU", 21, "Чувашская Республика", "Chuvash Republic", "Europe/Moscow", 1186},
    {"DA", 5, "Республика Дагестан", "Republic of Dagestan", "Europe/Moscow", 3183},
    {"IN", 6, "Республика Ингушетия", "Republic of Ingushetia", "Europe/Moscow", 510},
    {"IRK", 38, "Иркутская область", "Irkutsk Oblast", "Asia/Irkutsk", 2371},
    {"IVA", 37, "Ивановская область", "Ivanovo Oblast", "Europe/Moscow", 928},
    {"KAM", 41, "Камчатский край", "Kamchatka Krai", "Asia/Kamchatka", 291},
    {"KB", 7, "Кабардино-Балкарская Республика", "Kabardino-Balkarian Republic", "Europe/Moscow",
     905},
    {"KC", 9, "Карачаево-Черкесская Республика", "Karachay-Cherkess Republic", "Europe/Moscow",
     470},
    {"KDA", 23, "Краснодарский край", "Krasnodar Krai", "Europe/Moscow", 5839},
    {"KEM", 42, "Кемеровская область — Кузбасс", "Kemerovo Oblast – Kuzbass", "Asia/Novokuznetsk",
     2601},
    {"KGD", 39, "Калининградская область", "Kaliningrad Oblast", "Europe/Kaliningrad", 1029},
    {"KGN", 45, "Курганская область", "Kurgan Oblast", "Asia/Yekaterinburg", 776},
    {"KHA", 27, "Хабаровский край", "Khabarovsk Krai", "Asia/Vladivostok", 1293},
    {"KHM", 86, "Ханты-Мансийский автономный округ — Югра", "Khanty-Mansi Autonomous Okrug – Yugra",
     "Asia/Yekaterinburg", 1712},
    {"KIR", 43, "Кировская область", "Kirov Oblast", "Europe/Kirov", 1153},
    {"KK", 19, "Республика Хакасия", "Republic of Khakassia", "Asia/Krasnoyarsk", 535},
    {"KL", 8, "Республика Калмыкия", "Republic of Kalmykia", "Europe/Moscow", 268},
    {"KLU", 40, "Калужская область", "Kaluga Oblast", "Europe/Moscow", 1070},
    {"KO", 11, "Республика Коми", "Komi Republic", "Europe/Moscow", 737},
    {"KOS", 44, "Костромская область", "Kostroma Oblast", "Europe/Moscow", 580},
    {"KR", 10, "Республика Карелия", "Republic of Karelia", "Europe/Moscow", 533},
    {"KRS", 46, "Курская область", "Kursk Oblast", "Europe/Moscow", 1082},
    {"KYA", 24, "Красноярский край", "Krasnoyarsk Krai", "Asia/Krasnoyarsk", 2856},
    {"LEN", 47, "Ленинградская область", "Leningrad Oblast", "Europe/Moscow", 2000},
    {"LIP", 48, "Липецкая область", "Lipetsk Oblast", "Europe/Moscow", 1143},
    {"MAG", 49, "Магаданская область", "Magadan Oblast", "Asia/Magadan", 137},
    {"ME", 12, "Республика Марий Эл", "Mari El Republic", "Europe/Moscow", 677},
    {"MO", 13, "Республика Мордовия", "Republic of Mordovia", "Europe/Moscow", 784},
    {"MOS", 50, "Московская область", "Moscow Oblast", "Europe/Moscow", 8525},
    {"MOW", 77, "Москва", "Moscow", "Europe/Moscow", 13010},
    {"MUR", 51, "Мурманская область", "Murmansk Oblast", "Europe/Moscow", 667},
    {"NEN", 83, "Ненецкий автономный округ", "Nenets Autonomous Okrug", "Europe/Moscow", 42},
    {"NGR", 53, "Новгородская область", "Novgorod Oblast", "Europe/Moscow", 584},
    {"NIZ", 52, "Нижегородская область", "Nizhny Novgorod Oblast", "Europe/Moscow", 3120},
    {"NVS", 54, "Новосибирская область", "Novosibirsk Oblast", "Asia/Novosibirsk", 2798},
    {"OMS", 55, "Омская область", "Omsk Oblast", "Asia/Omsk", 1858},
    {"ORE", 56, "Оренбургская область", "Orenburg Oblast", "Asia/Yekaterinburg", 1863},
    {"ORL", 57, "Орловская область", "Oryol Oblast", "Europe/Moscow", 713},
    {"PER", 59, "Пермский край", "Perm Krai", "Asia/Yekaterinburg", 2533},
    {"PNZ", 58, "Пензенская область", "Penza Oblast", "Europe/Moscow", 1267},
    {"PRI", 25, "Приморский край", "Primorsky Krai", "Asia/Vladivostok", 1846},
    {"PSK", 60, "Псковская область", "Pskov Oblast", "Europe/Moscow", 599},
    {"ROS", 61, "Ростовская область", "Rostov Oblast", "Europe/Moscow", 4200},
    {"RYA", 62, "Рязанская область", "Ryazan Oblast", "Europe/Moscow", 1103},
    {"SA", 14, "Республика Саха (Якутия)", "Sakha Republic (Yakutia)", "Asia/Yakutsk", 996},
    {"SAK", 65, "Сахалинская область", "Sakhalin Oblast", "Asia/Sakhalin", 466},
    {"SAM", 63, "Самарская область", "Samara Oblast", "Europe/Samara", 3173},
    {"SAR", 64, "Саратовская область", "Saratov Oblast", "Europe/Saratov", 2442},
    {"SE", 15, "Республика Северная Осетия — Алания", "Republic of North Ossetia – Alania",
     "Europe/Moscow", 688},
    {"SEV", 92, "Севастополь", "Sevastopol", "Europe/Simferopol", 547},
    {"SMO", 67, "Смоленская область", "Smolensk Oblast", "Europe/Moscow", 889},
    {"SPE", 78, "Санкт-Петербург", "Saint Petersburg", "Europe/Moscow", 5602},
    {"STA", 26, "Ставропольский край", "Stavropol Krai", "Europe/Moscow", 2908},
    {"SVE", 66, "Свердловская область", "Sverdlovsk Oblast", "Asia/Yekaterinburg", 4240},
    {"TA", 16, "Республика Татарстан", "Republic of Tatarstan", "Europe/Moscow", 4004},
    {"TAM", 68, "Тамбовская область", "Tambov Oblast", "Europe/Moscow", 983},
    {"TOM", 70, "Томская область", "Tomsk Oblast", "Asia/Tomsk", 1062},
    {"TUL", 71, "Тульская область", "Tula Oblast", "Europe/Moscow", 1553},
    {"TVE", 69, "Тверская область", "Tver Oblast", "Europe/Moscow", 1230},
    {"TY", 17, "Республика Тыва", "Tuva Republic", "Asia/Krasnoyarsk", 337},
    {"TYU", 72, "Тюменская область", "Tyumen Oblast", "Asia/Yekaterinburg", 1551},
    {"UD", 18, "Удмуртская Республика", "Udmurt Republic", "Europe/Samara", 1452},
    {"ULY", 73, "Ульяновская область", "Ulyanovsk Oblast", "Europe/Ulyanovsk", 1197},
    {"VGG", 34, "Волгоградская область", "Volgograd Oblast", "Europe/Volgograd", 2500},
    {"VLA", 33, "Владимирская область", "Vladimir Oblast", "Europe/Moscow", 1349},
    {"VLG", 35, "Вологодская область", "Vologda Oblast", "Europe/Moscow", 1143},
    {"VOR", 36, "Воронежская область", "Voronezh Oblast", "Europe/Moscow", 2306},
    {"YAN", 89, "Ямало-Ненецкий автономный округ", "Yamalo-Nenets Autonomous Okrug",
     "Asia/Yekaterinburg", 511},
    {"YAR", 76, "Ярославская область", "Yaroslavl Oblast", "Europe/Moscow", 1209},
    {"YEV", 79, "Еврейская автономная область", "Jewish Autonomous Oblast", "Asia/Vladivostok",
     151},
    {"ZAB", 75, "Забайкальский край", "Zabaykalsky Krai", "Asia/Chita", 1005},
}};

constexpr bool CodesStrictlyIncreasing() {
  for (size_t i = 1; i < kRegions.size(); ++i) {
    if (!(kRegions[i - 1].code < kRegions[i].code)) return false;
  }
  return true;
}
static_assert(CodesStrictlyIncreasing(), "kRegions must be sorted by code without duplicates");

// An office id's number part: two or more ASCII digits ("01", "117").
bool IsOfficeNumber(std::string_view text) {
  return text.size() >= 2 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A region code as it may appear in an office id: one or more ASCII letters. Lower case is
// accepted here so that "rya-01" is reported as an unknown region, which points at the fix,
// rather than as a malformed id.
bool IsCodeShaped(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

const Region* FindRegion(std::string_view code) {
  const auto it = std::lower_bound(
      kRegions.begin(), kRegions.end(), code,
      [](const Region& region, std::string_view wanted) { return region.code < wanted; });
  if (it == kRegions.end() || it->code != code) return nullptr;
  return &*it;
}

}  // namespace

std::span<const Region> AllRegions() { return kRegions; }

Result<const Region*> LookupRegion(std::string_view code, std::string_view field) {
  const Region* region = FindRegion(code);
  if (region == nullptr) {
    return InvalidArgument(std::string(field) + ": unknown region '" + std::string(code) + "'");
  }
  return region;
}

Result<const Region*> RegionOfOffice(std::string_view office_id, std::string_view field) {
  const size_t dash = office_id.find('-');
  const std::string_view code = office_id.substr(0, dash);
  const std::string_view number =
      dash == std::string_view::npos ? std::string_view() : office_id.substr(dash + 1);
  if (dash == std::string_view::npos || !IsCodeShaped(code) || !IsOfficeNumber(number)) {
    return InvalidArgument(std::string(field) + ": malformed office id '" + std::string(office_id) +
                           "' (expected REGION-NN)");
  }
  const Region* region = FindRegion(code);
  if (region == nullptr) {
    return InvalidArgument(std::string(field) + ": unknown region '" + std::string(code) +
                           "' in office id '" + std::string(office_id) + "'");
  }
  return region;
}

}  // namespace muster
