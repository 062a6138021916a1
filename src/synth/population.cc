#include "synth/population.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/identifiers.h"
#include "domain/region.h"
#include "synth/russian_names.h"

namespace muster {
namespace {

// ---------------------------------------------------------------------------------------------
// Randomness. std::mt19937_64 is specified bit for bit by the standard, but the standard
// distributions are not, so every draw below is integer arithmetic of our own: the same seed
// gives the same population with libstdc++, libc++ and MSVC alike.

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, bound), bound > 0. Lemire's multiply-and-reject method on 32-bit draws:
  // exact (no modulo bias) and usually a single engine call.
  uint32_t Below(uint32_t bound) {
    uint64_t product = uint64_t{Draw32()} * bound;
    auto low = static_cast<uint32_t>(product);
    if (low < bound) {
      const uint32_t threshold = (0u - bound) % bound;  // 2^32 mod bound
      while (low < threshold) {
        product = uint64_t{Draw32()} * bound;
        low = static_cast<uint32_t>(product);
      }
    }
    return static_cast<uint32_t>(product >> 32);
  }

  // True with probability per_mille / 1000.
  bool PerMille(uint32_t per_mille) { return Below(1000) < per_mille; }

 private:
  uint32_t Draw32() { return static_cast<uint32_t>(engine_() >> 32); }

  std::mt19937_64 engine_;
};

// Picks an index with probability proportional to its weight, by binary search over the
// running totals: a handful of comparisons for tables of a few hundred entries.
class WeightedChoice {
 public:
  explicit WeightedChoice(std::span<const uint32_t> weights) {
    cumulative_.reserve(weights.size());
    uint64_t total = 0;
    for (uint32_t weight : weights) {
      total += weight;
      if (total > UINT32_MAX) Die("weights overflow 32 bits");
      cumulative_.push_back(static_cast<uint32_t>(total));
    }
    if (total == 0) Die("weights sum to zero");
  }

  size_t Pick(Random& random) const {
    const uint32_t target = random.Below(cumulative_.back());
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), target) -
                               cumulative_.begin());
  }

 private:
  // The tables are compiled in, so a bad total is a programming error, not an input error.
  [[noreturn]] static void Die(const char* what) {
    std::fprintf(stderr, "muster synth: %s\n", what);
    std::abort();
  }

  std::vector<uint32_t> cumulative_;
};

// SplitMix64 (Steele, Lea, Flood 2014): spreads a seed into independent-looking offsets for the
// identifier bijections without consuming the main engine's stream.
uint64_t SplitMix64(uint64_t value) {
  value += 0x9E3779B97F4A7C15ull;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
  return value ^ (value >> 31);
}

// ---------------------------------------------------------------------------------------------
// Names, transliterated once per process. ICU transliteration costs microseconds per call,
// more than a whole person may cost, so every form a person can carry is prepared up front.

struct NameForms {
  std::string cyrillic;
  std::string latin;
};

struct MaleGivenName {
  NameForms given;
  NameForms son_patronymic;       // a son's patronymic when this is the father's name
  NameForms daughter_patronymic;  // a daughter's
};

struct FamilyName {
  NameForms masculine;
  NameForms feminine;
};

struct NameTables {
  std::vector<MaleGivenName> male;
  std::vector<NameForms> female;
  std::vector<FamilyName> family;
  WeightedChoice male_choice;
  WeightedChoice female_choice;
  WeightedChoice family_choice;
};

// ICU "Russian-Latin/BGN" followed by "Latin-ASCII": BGN is the standard the header promises,
// and the ASCII fold turns its ë and modifier-letter prime (ь) into e and an apostrophe, so
// the Latin forms can travel through systems that only take ASCII.
class Romanizer {
 public:
  Romanizer() {
    bgn_ = Create("Russian-Latin/BGN");
    ascii_ = Create("Latin-ASCII");
  }

  std::string ToLatin(std::string_view cyrillic) const {
    icu::UnicodeString text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(cyrillic.data(), static_cast<int32_t>(cyrillic.size())));
    bgn_->transliterate(text);
    ascii_->transliterate(text);
    std::string latin;
    text.toUTF8String(latin);
    return latin;
  }

 private:
  // Both transforms ship with ICU's data library; if they are missing the installation is
  // broken and no synthetic person could be produced, so there is nothing to recover.
  static std::unique_ptr<icu::Transliterator> Create(const char* id) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> transliterator(
        icu::Transliterator::createInstance(icu::UnicodeString(id), UTRANS_FORWARD, status));
    if (U_FAILURE(status) || transliterator == nullptr) {
      std::fprintf(stderr, "muster synth: ICU transliterator %s unavailable: %s\n", id,
                   u_errorName(status));
      std::abort();
    }
    return transliterator;
  }

  std::unique_ptr<icu::Transliterator> bgn_;
  std::unique_ptr<icu::Transliterator> ascii_;
};

std::vector<uint32_t> RankWeights(size_t count, uint32_t flatness) {
  std::vector<uint32_t> weights(count);
  for (size_t rank = 0; rank < count; ++rank) weights[rank] = NameWeight(rank, flatness);
  return weights;
}

NameTables BuildNameTables() {
  const Romanizer romanizer;
  auto forms = [&romanizer](std::string cyrillic) {
    std::string latin = romanizer.ToLatin(cyrillic);
    return NameForms{std::move(cyrillic), std::move(latin)};
  };
  // Given names have a heavy head (one man in twelve is Александр); family names are cut
  // from a long tail, so their curve is flatter.
  constexpr uint32_t kGivenNameFlatness = 3;
  constexpr uint32_t kFamilyNameFlatness = 10;

  std::vector<MaleGivenName> male;
  for (std::string_view name : MaleGivenNames()) {
    male.push_back({forms(std::string(name)), forms(Patronymic(name, Sex::kMale)),
                    forms(Patronymic(name, Sex::kFemale))});
  }
  std::vector<NameForms> female;
  for (std::string_view name : FemaleGivenNames()) female.push_back(forms(std::string(name)));
  std::vector<FamilyName> family;
  for (std::string_view name : FamilyNames()) {
    family.push_back({forms(std::string(name)), forms(FeminineFamilyName(name))});
  }
  const size_t male_count = male.size();
  const size_t female_count = female.size();
  const size_t family_count = family.size();
  return NameTables{
      std::move(male),
      std::move(female),
      std::move(family),
      WeightedChoice(RankWeights(male_count, kGivenNameFlatness)),
      WeightedChoice(RankWeights(female_count, kGivenNameFlatness)),
      WeightedChoice(RankWeights(family_count, kFamilyNameFlatness)),
  };
}

// Built on first use and shared by all generators: the tables are immutable afterwards, so
// concurrent generators may read them freely.
const NameTables& SharedNameTables() {
  static const NameTables tables = BuildNameTables();
  return tables;
}

// ---------------------------------------------------------------------------------------------
// Identifiers. Each is a bijection of the person's index (index * multiplier + offset modulo
// the size of the number space, with the multiplier coprime to that size), so distinct
// persons get distinct identifiers without a set of issued ones. Only the passport, whose
// series is fixed by region and year of issue, numbers persons per series instead.

// Persons a generator promises unique identifiers for (see population.h).
constexpr uint64_t kMaxPersons = 100'000'000;

// SNILS bodies up to 001-001-998 carry no check number; start above them so every number we
// issue is verifiable.
constexpr uint64_t kFirstCheckedSnils = 1'001'999;
constexpr uint64_t kSnilsSpace = 1'000'000'000 - kFirstCheckedSnils;
constexpr uint64_t kSnilsMultiplier = 387'420'489;  // 3^18
static_assert(std::gcd(kSnilsMultiplier, kSnilsSpace) == 1);
static_assert(kSnilsSpace >= kMaxPersons);

// INN and driving licence: two region digits, then eight digits from the index. The eight
// digits alone are unique, so the identifiers are unique across regions too.
constexpr uint64_t kEightDigitSpace = 100'000'000;
constexpr uint64_t kInnMultiplier = 61'803'399;
constexpr uint64_t kLicenceMultiplier = 41'421'357;
// Foreign passport: biometric series 70–79, i.e. "7" and eight digits from the index.
constexpr uint64_t kForeignPassportMultiplier = 73'205'081;
static_assert(std::gcd(kInnMultiplier, kEightDigitSpace) == 1);
static_assert(std::gcd(kLicenceMultiplier, kEightDigitSpace) == 1);
static_assert(std::gcd(kForeignPassportMultiplier, kEightDigitSpace) == 1);
static_assert(kEightDigitSpace >= kMaxPersons);

// Internal passport: six-digit number within a series "<region><yy>".
constexpr uint32_t kPassportNumbers = 1'000'000;
constexpr uint64_t kPassportMultiplier = 618'033;
static_assert(std::gcd(kPassportMultiplier, uint64_t{kPassportNumbers}) == 1);

uint64_t Permute(uint64_t index, uint64_t multiplier, uint64_t offset, uint64_t space) {
  // Reducing first keeps the product below 2^64 even past kMaxPersons.
  return ((index % space) * multiplier + offset) % space;
}

// Writes `value` as exactly `width` decimal digits, zero-padded, at `out`.
void WriteDigits(char* out, uint64_t value, int width) {
  for (int position = width - 1; position >= 0; --position) {
    out[position] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates.

// `date` moved by `years`, with 29 February landing on 28 February in common years. With
// AgeOn's rule (a 29 February birthday is reached on 1 March) this makes the age bands below
// exact.
CivilDate ShiftYears(CivilDate date, int years) {
  const CivilDate shifted{date.year() + date::years(years), date.month(), date.day()};
  if (shifted.ok()) return shifted;
  return CivilDate{date::year_month_day_last(shifted.year(), date::month_day_last(date.month()))};
}

// Birth dates of persons aged min_age..max_age (inclusive) on `today`.
struct AgeBand {
  int32_t first_birth_day = 0;  // epoch days
  uint32_t day_count = 0;
};

AgeBand MakeAgeBand(CivilDate today, int min_age, int max_age) {
  const int32_t latest = ToEpochDays(ShiftYears(today, -min_age));
  const int32_t earliest = ToEpochDays(ShiftYears(today, -(max_age + 1))) + 1;
  return {earliest, static_cast<uint32_t>(latest - earliest + 1)};
}

int32_t EpochDays(int year, unsigned month, unsigned day) {
  return ToEpochDays(CivilDate{date::year(year), date::month(month), date::day(day)});
}

// The groups a person is drawn from, in per mille of all persons. The first is the population
// the registry mostly works on; the others sit just outside the default call-up ages or are
// women registered for a military specialty, so rules about eligibility get exercised.
enum class Group { kLiableMen, kSeventeen, kOlderMen, kWomen };
constexpr uint32_t kLiableMenPerMille = 850;  // men 18–30
constexpr uint32_t kSeventeenPerMille = 65;   // boys of 17, registered but not yet liable
constexpr uint32_t kOlderMenPerMille = 65;    // men 31–35
// The remaining 20 per mille: women aged 20–40.

}  // namespace

// ---------------------------------------------------------------------------------------------

struct PopulationGenerator::Impl {
  Impl(uint64_t seed, CivilDate today);

  SyntheticPerson Next();

  Group DrawGroup();
  void AssignPassport(const Region& region, CivilDate birth, int age, SyntheticPerson& person);
  void AssignFitness(Group group, int age, CivilDate birth, SyntheticPerson& person);
  SyntheticDeferment DrawNonMedicalDeferment(int age, CivilDate birth);

  CivilDate DayOffset(int days) const { return FromEpochDays(today_days + days); }

  const NameTables& names;
  Random random;
  CivilDate today;
  int32_t today_days;
  AgeBand liable_men;
  AgeBand seventeen;
  AgeBand older_men;
  AgeBand women;

  struct RegionEntry {
    const Region* region;
    std::vector<std::string> office_ids;  // "RYA-01" …
  };
  std::vector<RegionEntry> regions;
  WeightedChoice region_choice;

  uint64_t snils_offset;
  uint64_t inn_offset;
  uint64_t licence_offset;
  uint64_t foreign_passport_offset;
  uint64_t passport_offset;
  // Numbers issued so far per passport series, indexed by region number * 100 + year % 100.
  std::vector<uint32_t> passport_counters = std::vector<uint32_t>(100 * 100, 0);

  uint64_t index = 0;  // of the next person
};

namespace {

// One office per ~150,000 inhabitants, at least one, at most 60: enough offices that
// per-office queues and quotas look like a real district structure.
int OfficeCount(const Region& region) {
  constexpr uint32_t kInhabitantsPerOfficeThousands = 150;
  constexpr uint32_t kMaxOffices = 60;
  const uint32_t count = (region.population_thousands + kInhabitantsPerOfficeThousands / 2) /
                         kInhabitantsPerOfficeThousands;
  return static_cast<int>(std::clamp<uint32_t>(count, 1, kMaxOffices));
}

std::vector<uint32_t> PopulationWeights(std::span<const Region> regions) {
  std::vector<uint32_t> weights;
  weights.reserve(regions.size());
  for (const Region& region : regions) weights.push_back(region.population_thousands);
  return weights;
}

}  // namespace

PopulationGenerator::Impl::Impl(uint64_t seed, CivilDate today_date)
    : names(SharedNameTables()),
      random(seed),
      today(today_date),
      today_days(ToEpochDays(today_date)),
      liable_men(MakeAgeBand(today_date, 18, 30)),
      seventeen(MakeAgeBand(today_date, 17, 17)),
      older_men(MakeAgeBand(today_date, 31, 35)),
      women(MakeAgeBand(today_date, 20, 40)),
      region_choice(PopulationWeights(AllRegions())),
      // The salts spell the identifier names in ASCII ("SNILS", "INN", …), so each identifier
      // gets its own offset from the same seed.
      snils_offset(SplitMix64(seed ^ 0x534E494C53ull) % kSnilsSpace),
      inn_offset(SplitMix64(seed ^ 0x494E4Eull) % kEightDigitSpace),
      licence_offset(SplitMix64(seed ^ 0x4C4943454E4345ull) % kEightDigitSpace),
      foreign_passport_offset(SplitMix64(seed ^ 0x464F524549474Eull) % kEightDigitSpace),
      passport_offset(SplitMix64(seed ^ 0x50415353504F5254ull) % kPassportNumbers) {
  for (const Region& region : AllRegions()) {
    RegionEntry entry{&region, {}};
    const int offices = OfficeCount(region);
    for (int number = 1; number <= offices; ++number) {
      std::string id(region.code);
      id += '-';
      id += static_cast<char>('0' + number / 10);
      id += static_cast<char>('0' + number % 10);
      entry.office_ids.push_back(std::move(id));
    }
    regions.push_back(std::move(entry));
  }
}

Group PopulationGenerator::Impl::DrawGroup() {
  uint32_t draw = random.Below(1000);
  if (draw < kLiableMenPerMille) return Group::kLiableMen;
  draw -= kLiableMenPerMille;
  if (draw < kSeventeenPerMille) return Group::kSeventeen;
  draw -= kSeventeenPerMille;
  if (draw < kOlderMenPerMille) return Group::kOlderMen;
  return Group::kWomen;
}

// A passport is issued at 14 and replaced at 20 (and 45), a few weeks after the birthday.
void PopulationGenerator::Impl::AssignPassport(const Region& region, CivilDate birth, int age,
                                               SyntheticPerson& person) {
  const int issue_age = age >= 45 ? 45 : (age >= 20 ? 20 : 14);
  const int32_t birthday = ToEpochDays(ShiftYears(birth, issue_age));
  const int32_t issue_day = std::min(birthday + static_cast<int32_t>(random.Below(60)), today_days);
  const int chosen_year = static_cast<int>(FromEpochDays(issue_day).year());

  // A series holds a million numbers. Only a populous region at ~100 million persons can fill
  // one; the overflow then goes to another year in which the same person could have been
  // issued a passport: later years first (a replacement), then earlier ones.
  const int region_number = region.number % 100;
  auto try_series = [&](int year) {
    const int year_digits = ((year % 100) + 100) % 100;
    const auto series = static_cast<size_t>(region_number * 100 + year_digits);
    uint32_t& counter = passport_counters[series];
    if (counter >= kPassportNumbers) return false;
    // Offsetting each series differently keeps the first numbers of every series distinct.
    const uint64_t series_offset = (passport_offset + series * 7'919) % kPassportNumbers;
    const uint64_t number = Permute(counter, kPassportMultiplier, series_offset, kPassportNumbers);
    ++counter;
    person.passport.resize(10);
    WriteDigits(person.passport.data(), static_cast<uint64_t>(region_number), 2);
    WriteDigits(person.passport.data() + 2, static_cast<uint64_t>(year_digits), 2);
    WriteDigits(person.passport.data() + 4, number, 6);
    return true;
  };
  const int today_year = static_cast<int>(today.year());
  for (int year = chosen_year; year <= today_year; ++year) {
    if (try_series(year)) return;
  }
  for (int year = chosen_year - 1; year >= static_cast<int>(birth.year()) + 14; --year) {
    if (try_series(year)) return;
  }
  // Past the documented capacity of a generator (population.h): a broken precondition.
  std::fprintf(stderr, "muster synth: passport series of region %d exhausted\n", region.number);
  std::abort();
}

SyntheticDeferment PopulationGenerator::Impl::DrawNonMedicalDeferment(int age, CivilDate birth) {
  // Per mille by age: students dominate among the young; family and work grounds take over
  // once most have graduated.
  struct BasisShare {
    std::string_view basis;
    uint32_t young_per_mille;  // aged 18–24
    uint32_t older_per_mille;  // aged 25–30
  };
  static constexpr std::array<BasisShare, 5> kShares = {{
      {"student_full_time", 800, 200},
      {"carer", 50, 150},
      {"children", 50, 350},
      {"it_specialist", 90, 270},
      {"elected_office", 10, 30},
  }};
  uint32_t draw = random.Below(1000);
  std::string_view basis = kShares.back().basis;
  for (const BasisShare& share : kShares) {
    const uint32_t per_mille = age <= 24 ? share.young_per_mille : share.older_per_mille;
    if (draw < per_mille) {
      basis = share.basis;
      break;
    }
    draw -= per_mille;
  }

  const int year = static_cast<int>(today.year());
  const unsigned month = static_cast<unsigned>(today.month());
  // No ground for deferment predates the 18th birthday except enrolment, which may be at 17.
  const int32_t adult_day = ToEpochDays(ShiftYears(birth, 18));
  SyntheticDeferment deferment;
  deferment.basis = std::string(basis);
  if (basis == "student_full_time") {
    // From the 1 September of enrolment to the 30 June that ends the course, never before the
    // end of the current academic year.
    const int latest_start = month >= 9 ? year : year - 1;
    const int start =
        std::clamp(latest_start - static_cast<int>(random.Below(4)),
                   std::min(static_cast<int>(birth.year()) + 17, latest_start), latest_start);
    constexpr std::array<int, 10> kCourseYears = {4, 4, 4, 4, 4, 4, 5, 5, 6, 6};
    const int course_years = kCourseYears[random.Below(static_cast<uint32_t>(kCourseYears.size()))];
    const int current_academic_end = month >= 7 ? year + 1 : year;
    deferment.from = FromEpochDays(EpochDays(start, 9, 1));
    deferment.until =
        FromEpochDays(EpochDays(std::max(start + course_years, current_academic_end), 6, 30));
  } else if (basis == "carer") {
    deferment.from = FromEpochDays(
        std::max(today_days - 30 - static_cast<int32_t>(random.Below(1500)), adult_day));
    deferment.until = DayOffset(30 + static_cast<int>(random.Below(700)));
  } else if (basis == "children") {
    // Lasts while the family has the children, so it has no end date.
    deferment.from =
        FromEpochDays(std::max(today_days - static_cast<int32_t>(random.Below(2000)), adult_day));
  } else if (basis == "it_specialist") {
    // Confirmed by the employer once a year.
    deferment.from =
        FromEpochDays(std::max(today_days - static_cast<int32_t>(random.Below(730)), adult_day));
    deferment.until = DayOffset(1 + static_cast<int>(random.Below(365)));
  } else {
    // elected_office: regional elections fall in mid-September; the term is five years.
    const int last_election = today_days >= EpochDays(year, 9, 10) ? year : year - 1;
    const int election = last_election - static_cast<int>(random.Below(5));
    deferment.from = FromEpochDays(std::max(EpochDays(election, 9, 10), adult_day));
    deferment.until = FromEpochDays(EpochDays(election + 5, 9, 9));
  }
  return deferment;
}

void PopulationGenerator::Impl::AssignFitness(Group group, int age, CivilDate birth,
                                              SyntheticPerson& person) {
  // 30 % have not been before the medical commission yet. The examined split roughly as call-up
  // commissions report: А 45 %, Б 25 %, В 15 %, Г 10 %, Д 5 % (round figures, not statistics).
  if (random.PerMille(300)) {
    person.fitness.reset();
  } else {
    const uint32_t draw = random.Below(100);
    person.fitness = draw < 45   ? FitnessCategory::kA
                     : draw < 70 ? FitnessCategory::kB
                     : draw < 85 ? FitnessCategory::kV
                     : draw < 95 ? FitnessCategory::kG
                                 : FitnessCategory::kD;
  }
  person.deferment.reset();
  person.exemption.reset();
  if (person.fitness == FitnessCategory::kG) {
    // Temporarily unfit: re-examined within a year of the decision.
    SyntheticDeferment deferment;
    deferment.basis = "temporarily_unfit";
    deferment.from = DayOffset(-static_cast<int>(random.Below(181)));
    deferment.until = DayOffset(1 + static_cast<int>(random.Below(365)));
    person.deferment = std::move(deferment);
    return;
  }
  if (person.fitness == FitnessCategory::kD) {
    person.exemption = "unfit";
    return;
  }
  // 201 ‰ of the liable men without a medical ground ≈ 18 % of all liable men (Г and Д take
  // 10.5 % of them).
  if (group == Group::kLiableMen && random.PerMille(201)) {
    person.deferment = DrawNonMedicalDeferment(age, birth);
  }
}

SyntheticPerson PopulationGenerator::Impl::Next() {
  const uint64_t person_index = index++;
  SyntheticPerson person;

  const Group group = DrawGroup();
  const bool female = group == Group::kWomen;
  person.sex = female ? Sex::kFemale : Sex::kMale;
  const AgeBand& band = group == Group::kLiableMen   ? liable_men
                        : group == Group::kSeventeen ? seventeen
                        : group == Group::kOlderMen  ? older_men
                                                     : women;
  person.birth_date =
      FromEpochDays(band.first_birth_day + static_cast<int32_t>(random.Below(band.day_count)));
  const int age = AgeOn(person.birth_date, today);

  const FamilyName& family = names.family[names.family_choice.Pick(random)];
  const MaleGivenName& father = names.male[names.male_choice.Pick(random)];
  const NameForms& family_form = female ? family.feminine : family.masculine;
  const NameForms& patronymic = female ? father.daughter_patronymic : father.son_patronymic;
  const NameForms& given = female ? names.female[names.female_choice.Pick(random)]
                                  : names.male[names.male_choice.Pick(random)].given;
  person.family_name = family_form.cyrillic;
  person.given_name = given.cyrillic;
  person.patronymic = patronymic.cyrillic;
  person.family_name_latin = family_form.latin;
  person.given_name_latin = given.latin;
  person.patronymic_latin = patronymic.latin;

  const RegionEntry& home = regions[region_choice.Pick(random)];
  const Region& region = *home.region;
  person.region_code = std::string(region.code);
  person.office_id = home.office_ids[random.Below(static_cast<uint32_t>(home.office_ids.size()))];
  const auto region_number = static_cast<uint64_t>(region.number % 100);

  std::array<char, 10> body{};
  WriteDigits(
      body.data(),
      kFirstCheckedSnils + Permute(person_index, kSnilsMultiplier, snils_offset, kSnilsSpace), 9);
  const int check = SnilsCheckNumber(std::string_view(body.data(), 9));
  person.snils.resize(11);
  std::copy_n(body.data(), 9, person.snils.data());
  WriteDigits(person.snils.data() + 9, static_cast<uint64_t>(check), 2);

  WriteDigits(body.data(), region_number, 2);
  WriteDigits(body.data() + 2, Permute(person_index, kInnMultiplier, inn_offset, kEightDigitSpace),
              8);
  person.inn.reserve(12);
  person.inn.assign(body.data(), 10);
  person.inn += InnCheckDigits(std::string_view(body.data(), 10));

  AssignPassport(region, person.birth_date, age, person);

  // A quarter hold a passport for travel abroad.
  if (random.PerMille(250)) {
    person.foreign_passport.resize(9);
    person.foreign_passport[0] = '7';
    WriteDigits(person.foreign_passport.data() + 1,
                Permute(person_index, kForeignPassportMultiplier, foreign_passport_offset,
                        kEightDigitSpace),
                8);
  }
  // No licence before 18; 48 % of adult men makes ~45 % of all men.
  const uint32_t licence_per_mille = age < 18 ? 0 : (female ? 350 : 480);
  if (random.PerMille(licence_per_mille)) {
    person.driving_licence.resize(10);
    WriteDigits(person.driving_licence.data(), region_number, 2);
    WriteDigits(person.driving_licence.data() + 2,
                Permute(person_index, kLicenceMultiplier, licence_offset, kEightDigitSpace), 8);
  }
  person.has_portal_account = random.PerMille(750);

  AssignFitness(group, age, person.birth_date, person);
  return person;
}

PopulationGenerator::PopulationGenerator(uint64_t seed, CivilDate today)
    : impl_(std::make_unique<Impl>(seed, today)) {}

PopulationGenerator::~PopulationGenerator() = default;

SyntheticPerson PopulationGenerator::Next() { return impl_->Next(); }

}  // namespace muster
