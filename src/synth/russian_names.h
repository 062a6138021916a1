// Russian personal names for the synthetic population: given names, family names, and the
// grammar that turns them into the forms a person actually carries.
//
// The tables are compiled in and ordered from the most to the least common name, so a sampler
// can weight by rank (`NameWeight`) without a separate frequency column that nobody could
// source precisely anyway. Family names are stored in the masculine form; `FeminineFamilyName`
// gives the form a woman carries, and `Patronymic` derives the patronymic from a father's
// given name. The tables hold no hard sign (ъ) and no names whose transliteration needs
// anything but letters and the soft-sign apostrophe, so the Latin forms stay plain ASCII.
//
// Pure functions over constant data: no I/O, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "domain/model.h"

namespace muster {

// Male given names (UTF-8 Cyrillic), most common first: the names of men born 1990–2008,
// when today's conscripts and their younger brothers were born.
std::span<const std::string_view> MaleGivenNames();

// Female given names, most common first.
std::span<const std::string_view> FemaleGivenNames();

// Family names in the masculine form, most common first.
std::span<const std::string_view> FamilyNames();

// Sampling weight of the name at zero-based `rank` in a table of `table_size` names. Name
// frequencies follow Zipf's law closely; `flatness` shifts the curve so the head is not too
// heavy for a truncated table (given names: 3; family names, whose long tail we cut, 10).
// Always at least 1.
uint32_t NameWeight(size_t rank, uint32_t flatness);

// The patronymic of a child of `sex` whose father's given name is `father_given_name`
// ("Иван" → "Иванович"/"Ивановна", "Никита" → "Никитич"/"Никитична", "Илья" →
// "Ильич"/"Ильинична", "Лев" → "Львович"/"Львовна", "Юрий" → "Юрьевич"/"Юрьевна").
// Covers the regular patterns and the irregular names in `MaleGivenNames()`; for other input
// the regular pattern is applied, which is right for most names.
std::string Patronymic(std::string_view father_given_name, Sex sex);

// The feminine form of a masculine family name: possessive -ов/-ев/-ёв/-ин/-ын take -а
// ("Иванов" → "Иванова"), adjectival -ский/-цкий/-ой/-ый end in -ая ("Чайковский" →
// "Чайковская", "Толстой" → "Толстая"), and every other name is indeclinable for gender
// ("Шевчук", "Черных", "Дурново", "Петросян").
std::string FeminineFamilyName(std::string_view masculine);

}  // namespace muster
