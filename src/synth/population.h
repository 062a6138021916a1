// A deterministic synthetic population for demos, tests and benchmarks.
//
// The same seed and start date give the same persons in the same order, on any machine.
// Persons look real enough to exercise the registry: Russian family names, given names and
// patronymics in Cyrillic with a Latin transliteration (ICU "Russian-Latin/BGN"), birth dates
// that make most of them liable to call-up and some not, every region weighted by population,
// identifiers that pass check-digit validation and are unique within one generator, and a
// realistic share of fitness categories, deferments and exemptions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/time.h"
#include "domain/model.h"

namespace muster {

struct SyntheticDeferment {
  std::string basis;  // one of the ru-127fz deferment bases: "student_full_time",
                      // "temporarily_unfit", "carer", "children", "it_specialist",
                      // "elected_office"
  CivilDate from;
  std::optional<CivilDate> until;
};

struct SyntheticPerson {
  std::string family_name;  // Cyrillic, UTF-8
  std::string given_name;
  std::string patronymic;
  std::string family_name_latin;
  std::string given_name_latin;
  std::string patronymic_latin;
  Sex sex = Sex::kMale;
  CivilDate birth_date;
  std::string region_code;  // ISO code, "RYA"
  std::string office_id;    // "RYA-01"
  std::string snils;        // canonical forms, see domain/identifiers.h
  std::string inn;
  std::string passport;
  std::string foreign_passport;  // empty if none (most people have none)
  std::string driving_licence;   // empty if none
  bool has_portal_account = true;
  std::optional<FitnessCategory> fitness;  // empty: not yet examined
  std::optional<SyntheticDeferment> deferment;
  std::optional<std::string> exemption;  // "unfit" for category Д, else empty
};

class PopulationGenerator {
 public:
  // `today` anchors ages: about 85 % of persons are men aged 18–30 on `today`, the rest are
  // aged 17 or 31–35 (outside the default call-up ages) or women with a military specialty.
  PopulationGenerator(uint64_t seed, CivilDate today);
  ~PopulationGenerator();
  PopulationGenerator(const PopulationGenerator&) = delete;
  PopulationGenerator& operator=(const PopulationGenerator&) = delete;

  // The next person. Identifiers are unique across all persons this generator returns (up to
  // 100 million persons).
  SyntheticPerson Next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace muster
