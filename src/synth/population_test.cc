#include "synth/population.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/time.h"
#include "domain/identifiers.h"
#include "domain/region.h"
#include "synth/russian_names.h"

namespace muster {
namespace {

constexpr CivilDate kToday{date::year(2025), date::month(4), date::day(1)};
constexpr int kSample = 100'000;

int Age(const SyntheticPerson& person, CivilDate today = kToday) {
  return AgeOn(person.birth_date, today);
}

bool IsLiableMan(const SyntheticPerson& person) {
  const int age = Age(person);
  return person.sex == Sex::kMale && age >= 18 && age <= 30;
}

bool IsMedicalDeferment(const SyntheticPerson& person) {
  return person.deferment && person.deferment->basis == "temporarily_unfit";
}

double Share(int count, int total) { return static_cast<double>(count) / total; }

// Every field, so a determinism failure names the field that diverged.
void ExpectSamePerson(const SyntheticPerson& a, const SyntheticPerson& b, int index) {
  SCOPED_TRACE("person " + std::to_string(index));
  EXPECT_EQ(a.family_name, b.family_name);
  EXPECT_EQ(a.given_name, b.given_name);
  EXPECT_EQ(a.patronymic, b.patronymic);
  EXPECT_EQ(a.family_name_latin, b.family_name_latin);
  EXPECT_EQ(a.given_name_latin, b.given_name_latin);
  EXPECT_EQ(a.patronymic_latin, b.patronymic_latin);
  EXPECT_EQ(a.sex, b.sex);
  EXPECT_EQ(a.birth_date, b.birth_date);
  EXPECT_EQ(a.region_code, b.region_code);
  EXPECT_EQ(a.office_id, b.office_id);
  EXPECT_EQ(a.snils, b.snils);
  EXPECT_EQ(a.inn, b.inn);
  EXPECT_EQ(a.passport, b.passport);
  EXPECT_EQ(a.foreign_passport, b.foreign_passport);
  EXPECT_EQ(a.driving_licence, b.driving_licence);
  EXPECT_EQ(a.has_portal_account, b.has_portal_account);
  EXPECT_EQ(a.fitness, b.fitness);
  ASSERT_EQ(a.deferment.has_value(), b.deferment.has_value());
  if (a.deferment) {
    EXPECT_EQ(a.deferment->basis, b.deferment->basis);
    EXPECT_EQ(a.deferment->from, b.deferment->from);
    EXPECT_EQ(a.deferment->until, b.deferment->until);
  }
  EXPECT_EQ(a.exemption, b.exemption);
}

// FNV-1a over the fields of a person, to pin a whole sequence in one number. The Latin forms
// are left out: they come from ICU's data, which may change between ICU releases without the
// generator being at fault (LatinNamesFollowBgn covers them).
class Fingerprint {
 public:
  void Add(std::string_view text) {
    for (char c : text) Mix(static_cast<unsigned char>(c));
    Mix(0xFF);  // separator, so "ab"+"c" differs from "a"+"bc"
  }
  void Add(int64_t value) { Add(std::to_string(value)); }
  void Add(const SyntheticPerson& person) {
    for (const std::string* text :
         {&person.family_name, &person.given_name, &person.patronymic, &person.region_code,
          &person.office_id, &person.snils, &person.inn, &person.passport, &person.foreign_passport,
          &person.driving_licence}) {
      Add(*text);
    }
    Add(SexName(person.sex));
    Add(ToEpochDays(person.birth_date));
    Add(int64_t{person.has_portal_account});
    Add(person.fitness ? FitnessCategoryLatin(*person.fitness) : "-");
    if (person.deferment) {
      Add(person.deferment->basis);
      Add(ToEpochDays(person.deferment->from));
      Add(person.deferment->until ? ToEpochDays(*person.deferment->until) : -1);
    }
    Add(person.exemption.value_or("-"));
  }
  uint64_t value() const { return hash_; }

 private:
  void Mix(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001B3ull;
  }
  uint64_t hash_ = 0xCBF29CE484222325ull;
};

TEST(PopulationGeneratorTest, SameSeedAndDateGiveTheSamePersonsInTheSameOrder) {
  PopulationGenerator first(42, kToday);
  PopulationGenerator second(42, kToday);
  for (int i = 0; i < 1000; ++i) {
    ExpectSamePerson(first.Next(), second.Next(), i);
    if (testing::Test::HasFailure()) return;
  }
}

TEST(PopulationGeneratorTest, DifferentSeedsGiveDifferentPersons) {
  PopulationGenerator first(1, kToday);
  PopulationGenerator second(2, kToday);
  int differing = 0;
  for (int i = 0; i < 1000; ++i) {
    const SyntheticPerson a = first.Next();
    const SyntheticPerson b = second.Next();
    if (a.snils != b.snils || a.family_name != b.family_name || a.birth_date != b.birth_date) {
      ++differing;
    }
  }
  EXPECT_GT(differing, 990);
}

// The sequence must not depend on the standard library (std:: distributions differ between
// libstdc++, libc++ and MSVC) or on the machine, so it is pinned. If you change the generator
// on purpose, put the new value here.
TEST(PopulationGeneratorTest, SequenceIsPinnedAcrossPlatforms) {
  PopulationGenerator generator(20250401, kToday);
  Fingerprint fingerprint;
  for (int i = 0; i < 1000; ++i) fingerprint.Add(generator.Next());
  EXPECT_EQ(fingerprint.value(), 0x311214607c7d7c67ull)
      << "new value: 0x" << std::hex << fingerprint.value();
}

TEST(PopulationGeneratorTest, IdentifiersAreCanonicalValidAndUnique) {
  PopulationGenerator generator(7, kToday);
  std::array<std::unordered_set<std::string>, 5> seen;
  for (auto& set : seen) set.reserve(kSample);
  auto check = [&](IdentifierKind kind, const std::string& value) {
    const Result<std::string> normalized = NormalizeIdentifier(kind, value);
    ASSERT_TRUE(normalized.ok()) << value << ": " << normalized.status().ToString();
    EXPECT_EQ(*normalized, value) << "not canonical";
    EXPECT_TRUE(seen[static_cast<size_t>(kind)].insert(value).second)
        << IdentifierKindName(kind) << " " << value << " issued twice";
  };
  int foreign_passports = 0;
  int licences = 0;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    check(IdentifierKind::kSnils, person.snils);
    check(IdentifierKind::kInn, person.inn);
    check(IdentifierKind::kPassport, person.passport);
    if (!person.foreign_passport.empty()) {
      ++foreign_passports;
      check(IdentifierKind::kForeignPassport, person.foreign_passport);
    }
    if (!person.driving_licence.empty()) {
      ++licences;
      check(IdentifierKind::kDrivingLicence, person.driving_licence);
    }
    if (testing::Test::HasFatalFailure()) return;

    // Bodies up to 001-001-998 carry no check number, so they would prove nothing.
    EXPECT_GT(std::stoll(person.snils.substr(0, 9)), 1'001'998);
    const Result<const Region*> region = LookupRegion(person.region_code, "region");
    ASSERT_TRUE(region.ok());
    char region_digits[3];
    std::snprintf(region_digits, sizeof region_digits, "%02d", (*region)->number);
    EXPECT_EQ(person.inn.substr(0, 2), region_digits) << person.inn;
    EXPECT_EQ(person.passport.substr(0, 2), region_digits) << person.passport;
    // Issued at 14 or 20, never in the future.
    const int issue_year = 2000 + std::stoi(person.passport.substr(2, 2));
    EXPECT_GE(issue_year, static_cast<int>(person.birth_date.year()) + 14) << person.passport;
    EXPECT_LE(issue_year, 2025) << person.passport;
    if (!person.driving_licence.empty()) {
      EXPECT_EQ(person.driving_licence.substr(0, 2), region_digits);
      EXPECT_GE(Age(person), 18);
    }
  }
  EXPECT_NEAR(Share(foreign_passports, kSample), 0.25, 0.01);
  EXPECT_GT(licences, 0);
}

TEST(PopulationGeneratorTest, AgeGroupsHaveTheDocumentedShares) {
  PopulationGenerator generator(11, kToday);
  int liable_men = 0, seventeen = 0, older_men = 0, women = 0;
  std::map<int, int> liable_by_age;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    const int age = Age(person);
    if (person.sex == Sex::kFemale) {
      ++women;
      EXPECT_GE(age, 20);
      EXPECT_LE(age, 40);
    } else if (age >= 18 && age <= 30) {
      ++liable_men;
      ++liable_by_age[age];
    } else if (age == 17) {
      ++seventeen;
    } else {
      ++older_men;
      EXPECT_GE(age, 31);
      EXPECT_LE(age, 35);
    }
  }
  EXPECT_NEAR(Share(liable_men, kSample), 0.85, 0.01);
  EXPECT_NEAR(Share(seventeen, kSample), 0.065, 0.005);
  EXPECT_NEAR(Share(older_men, kSample), 0.065, 0.005);
  EXPECT_NEAR(Share(women, kSample), 0.02, 0.003);
  // Birth dates are uniform over days, so each year of age holds about 1/13 of the group.
  for (int age = 18; age <= 30; ++age) {
    EXPECT_NEAR(Share(liable_by_age[age], liable_men), 1.0 / 13, 0.006) << "age " << age;
  }
}

// 29 February as `today`, and the day after it in a common year, are where year arithmetic
// on birth dates usually slips by a day.
TEST(PopulationGeneratorTest, AgeBandsAreExactAroundLeapDays) {
  for (const CivilDate today : {CivilDate{date::year(2024), date::month(2), date::day(29)},
                                CivilDate{date::year(2025), date::month(3), date::day(1)},
                                CivilDate{date::year(2025), date::month(2), date::day(28)}}) {
    SCOPED_TRACE(FormatDate(today));
    PopulationGenerator generator(3, today);
    std::set<int> male_ages;
    for (int i = 0; i < 20'000; ++i) {
      const SyntheticPerson person = generator.Next();
      const int age = Age(person, today);
      if (person.sex == Sex::kMale) {
        male_ages.insert(age);
      } else {
        EXPECT_GE(age, 20);
        EXPECT_LE(age, 40);
      }
    }
    EXPECT_EQ(*male_ages.begin(), 17);
    EXPECT_EQ(*male_ages.rbegin(), 35);
    EXPECT_EQ(male_ages.size(), 19u);
  }
}

TEST(PopulationGeneratorTest, FitnessAndAccountsHaveTheDocumentedShares) {
  PopulationGenerator generator(13, kToday);
  int unexamined = 0, portal = 0, men = 0, men_with_licence = 0;
  std::map<FitnessCategory, int> by_category;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    if (person.fitness) {
      ++by_category[*person.fitness];
    } else {
      ++unexamined;
    }
    portal += person.has_portal_account;
    if (person.sex == Sex::kMale) {
      ++men;
      men_with_licence += !person.driving_licence.empty();
    }
  }
  const int examined = kSample - unexamined;
  EXPECT_NEAR(Share(unexamined, kSample), 0.30, 0.01);
  EXPECT_NEAR(Share(by_category[FitnessCategory::kA], examined), 0.45, 0.012);
  EXPECT_NEAR(Share(by_category[FitnessCategory::kB], examined), 0.25, 0.01);
  EXPECT_NEAR(Share(by_category[FitnessCategory::kV], examined), 0.15, 0.008);
  EXPECT_NEAR(Share(by_category[FitnessCategory::kG], examined), 0.10, 0.006);
  EXPECT_NEAR(Share(by_category[FitnessCategory::kD], examined), 0.05, 0.005);
  EXPECT_NEAR(Share(portal, kSample), 0.75, 0.01);
  EXPECT_NEAR(Share(men_with_licence, men), 0.45, 0.012);
}

TEST(PopulationGeneratorTest, MedicalOutcomesCarryTheirDefermentOrExemption) {
  PopulationGenerator generator(17, kToday);
  const CivilDate in_a_year = AddDays(kToday, 365);
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    if (person.fitness == FitnessCategory::kG) {
      ASSERT_TRUE(IsMedicalDeferment(person)) << i;
      EXPECT_LE(person.deferment->from, kToday);
      ASSERT_TRUE(person.deferment->until.has_value());
      EXPECT_GT(*person.deferment->until, kToday);
      EXPECT_LE(*person.deferment->until, in_a_year);
    } else {
      EXPECT_FALSE(IsMedicalDeferment(person)) << i;
    }
    if (person.fitness == FitnessCategory::kD) {
      EXPECT_EQ(person.exemption, "unfit") << i;
      EXPECT_FALSE(person.deferment.has_value()) << i;
    } else {
      EXPECT_FALSE(person.exemption.has_value()) << i;
    }
  }
}

TEST(PopulationGeneratorTest, NonMedicalDefermentsGoToAboutEighteenPercentOfLiableMen) {
  PopulationGenerator generator(19, kToday);
  const std::set<std::string> kBases = {"student_full_time", "carer", "children", "it_specialist",
                                        "elected_office"};
  int liable_men = 0, deferred = 0;
  std::map<std::string, int> by_basis;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    liable_men += IsLiableMan(person);
    if (!person.deferment || IsMedicalDeferment(person)) continue;
    const SyntheticDeferment& deferment = *person.deferment;
    ASSERT_TRUE(IsLiableMan(person)) << "only liable men get non-medical deferments";
    ++deferred;
    EXPECT_TRUE(kBases.contains(deferment.basis)) << deferment.basis;
    ++by_basis[deferment.basis];
    EXPECT_LE(deferment.from, kToday) << deferment.basis;
    EXPECT_GE(deferment.from, AddDays(kToday, -365 * 7)) << deferment.basis;
    if (deferment.until) {
      EXPECT_GE(*deferment.until, kToday) << deferment.basis;
      EXPECT_LE(*deferment.until, AddDays(kToday, 365 * 7)) << deferment.basis;
      EXPECT_GT(*deferment.until, deferment.from) << deferment.basis;
    }
    if (deferment.basis == "student_full_time") {
      // Until the end of an academic year.
      ASSERT_TRUE(deferment.until.has_value());
      EXPECT_EQ(deferment.until->month(), date::June);
      EXPECT_EQ(deferment.until->day(), date::day(30));
    }
  }
  EXPECT_NEAR(Share(deferred, liable_men), 0.18, 0.01);
  // Students are the largest group, and every basis occurs.
  EXPECT_GT(Share(by_basis["student_full_time"], deferred), 0.45);
  for (const std::string& basis : kBases) EXPECT_GT(by_basis[basis], 0) << basis;
}

TEST(PopulationGeneratorTest, OfficesBelongToThePersonsRegion) {
  PopulationGenerator generator(23, kToday);
  std::map<std::string, int> by_region;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    const Result<const Region*> region = RegionOfOffice(person.office_id, "office");
    ASSERT_TRUE(region.ok()) << person.office_id << ": " << region.status().ToString();
    EXPECT_EQ((*region)->code, person.region_code);
    const int office_number = std::stoi(person.office_id.substr(person.office_id.find('-') + 1));
    EXPECT_GE(office_number, 1);
    EXPECT_LE(office_number, 60);
    ++by_region[person.region_code];
  }
  // Weighted by population: every region occurs, Moscow about as often as its census share.
  uint32_t total_thousands = 0;
  for (const Region& region : AllRegions()) total_thousands += region.population_thousands;
  EXPECT_EQ(by_region.size(), AllRegions().size());
  const Region* moscow = *LookupRegion("MOW", "region");
  EXPECT_NEAR(Share(by_region["MOW"], kSample),
              static_cast<double>(moscow->population_thousands) / total_thousands, 0.005);
}

TEST(PopulationGeneratorTest, LatinNamesAreNonEmptyAscii) {
  PopulationGenerator generator(29, kToday);
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    for (const std::string* latin :
         {&person.family_name_latin, &person.given_name_latin, &person.patronymic_latin}) {
      ASSERT_FALSE(latin->empty());
      EXPECT_TRUE(latin->front() >= 'A' && latin->front() <= 'Z') << *latin;
      for (char c : *latin) {
        ASSERT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\'' || c == '-')
            << "'" << *latin << "' for " << person.family_name << " " << person.given_name << " "
            << person.patronymic;
      }
    }
  }
}

TEST(PopulationGeneratorTest, LatinNamesFollowBgn) {
  PopulationGenerator generator(31, kToday);
  std::map<std::string, std::string> latin_of;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    latin_of[person.family_name] = person.family_name_latin;
    latin_of[person.given_name] = person.given_name_latin;
    latin_of[person.patronymic] = person.patronymic_latin;
  }
  EXPECT_EQ(latin_of["Иванов"], "Ivanov");
  EXPECT_EQ(latin_of["Александр"], "Aleksandr");
  EXPECT_EQ(latin_of["Евгений"], "Yevgeniy");
  EXPECT_EQ(latin_of["Щербаков"], "Shcherbakov");
  EXPECT_EQ(latin_of["Артём"], "Artem");
  EXPECT_EQ(latin_of["Ильич"], "Il'ich");
}

TEST(PopulationGeneratorTest, WomenCarryFeminineFamilyNamesAndPatronymics) {
  PopulationGenerator generator(37, kToday);
  int women = 0;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    if (person.sex == Sex::kMale) {
      EXPECT_THAT(person.patronymic, testing::EndsWith("ич"));
      continue;
    }
    ++women;
    EXPECT_THAT(person.patronymic, testing::EndsWith("на"));
    for (std::string_view masculine_ending : {"ов", "ев", "ёв", "ин", "ский", "цкий", "ой"}) {
      EXPECT_FALSE(std::string_view(person.family_name).ends_with(masculine_ending))
          << person.family_name;
    }
    EXPECT_TRUE(std::find(FemaleGivenNames().begin(), FemaleGivenNames().end(),
                          person.given_name) != FemaleGivenNames().end())
        << person.given_name;
  }
  EXPECT_GT(women, 0);
}

TEST(PopulationGeneratorTest, CommonNamesAreDrawnMoreOften) {
  PopulationGenerator generator(41, kToday);
  std::map<std::string, int> given, family;
  int men = 0;
  for (int i = 0; i < kSample; ++i) {
    const SyntheticPerson person = generator.Next();
    if (person.sex == Sex::kFemale) continue;
    ++men;
    ++given[person.given_name];
    ++family[person.family_name];
  }
  // Александр is the most common name of the cohort, about one man in twelve.
  EXPECT_NEAR(Share(given["Александр"], men), 0.08, 0.02);
  EXPECT_GT(family["Иванов"], 3 * family[std::string(FamilyNames().back())]);
  EXPECT_GT(given.size(), 140u);
  EXPECT_GT(family.size(), 290u);
}

TEST(RussianNamesTest, TablesAreLargeAndHoldNoDuplicates) {
  EXPECT_GE(MaleGivenNames().size(), 150u);
  EXPECT_GE(FemaleGivenNames().size(), 100u);
  EXPECT_GE(FamilyNames().size(), 300u);
  for (auto table : {MaleGivenNames(), FemaleGivenNames(), FamilyNames()}) {
    const std::set<std::string_view> distinct(table.begin(), table.end());
    EXPECT_EQ(distinct.size(), table.size());
  }
}

TEST(RussianNamesTest, NameWeightFallsWithRank) {
  EXPECT_GT(NameWeight(0, 3), NameWeight(1, 3));
  EXPECT_GT(NameWeight(10, 3), NameWeight(100, 3));
  EXPECT_GE(NameWeight(10'000, 10), 1u);
}

TEST(RussianNamesTest, PatronymicsFollowRussianGrammar) {
  struct Case {
    std::string_view father, son, daughter;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"Иван", "Иванович", "Ивановна"},
           {"Илья", "Ильич", "Ильинична"},
           {"Никита", "Никитич", "Никитична"},
           {"Лев", "Львович", "Львовна"},
           {"Павел", "Павлович", "Павловна"},
           {"Пётр", "Петрович", "Петровна"},
           {"Михаил", "Михайлович", "Михайловна"},
           {"Яков", "Яковлевич", "Яковлевна"},
           {"Юрий", "Юрьевич", "Юрьевна"},
           {"Дмитрий", "Дмитриевич", "Дмитриевна"},
           {"Георгий", "Георгиевич", "Георгиевна"},
           {"Сергей", "Сергеевич", "Сергеевна"},
           {"Николай", "Николаевич", "Николаевна"},
           {"Игорь", "Игоревич", "Игоревна"},
           {"Кузьма", "Кузьмич", "Кузьминична"},
           {"Савва", "Саввич", "Саввична"},
           {"Фёдор", "Фёдорович", "Фёдоровна"},
           {"Данила", "Данилович", "Даниловна"},
       }) {
    EXPECT_EQ(Patronymic(c.father, Sex::kMale), c.son);
    EXPECT_EQ(Patronymic(c.father, Sex::kFemale), c.daughter);
  }
  // Every name in the table yields a well-formed pair.
  for (std::string_view father : MaleGivenNames()) {
    EXPECT_THAT(Patronymic(father, Sex::kMale), testing::EndsWith("ич")) << father;
    EXPECT_THAT(Patronymic(father, Sex::kFemale), testing::EndsWith("на")) << father;
  }
}

TEST(RussianNamesTest, FeminineFamilyNames) {
  EXPECT_EQ(FeminineFamilyName("Иванов"), "Иванова");
  EXPECT_EQ(FeminineFamilyName("Соловьёв"), "Соловьёва");
  EXPECT_EQ(FeminineFamilyName("Ильин"), "Ильина");
  EXPECT_EQ(FeminineFamilyName("Чайковский"), "Чайковская");
  EXPECT_EQ(FeminineFamilyName("Троицкий"), "Троицкая");
  EXPECT_EQ(FeminineFamilyName("Толстой"), "Толстая");
  EXPECT_EQ(FeminineFamilyName("Шевчук"), "Шевчук");
  EXPECT_EQ(FeminineFamilyName("Дурново"), "Дурново");
  EXPECT_EQ(FeminineFamilyName("Черных"), "Черных");
  EXPECT_EQ(FeminineFamilyName("Бондаренко"), "Бондаренко");
  EXPECT_EQ(FeminineFamilyName("Петросян"), "Петросян");
}

}  // namespace
}  // namespace muster
