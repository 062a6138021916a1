// Probabilistic record linkage in the Fellegi–Sunter manner, for feed records without a
// reliable identifier.
//
//   normalise   names go through ICU (NFKC, lower case, Russian-Latin/BGN, Latin-ASCII), lose
//               separators, and are folded so that the usual transliteration variants of one
//               Cyrillic name coincide: "Юрий", "Yuriy", "Iurii" and "Jurij" all give "uri".
//   block       candidates share the birth date — or its day–month swap — and the first two
//               letters of the folded family or given name; they are held in memory per batch
//               (CandidateIndex), loaded from the store by birth date in one pass.
//   compare     each field falls in a comparison level (names: exact, close, similar,
//               different, by Jaro–Winkler on the folded form; birth date: exact, day and month
//               swapped, one component different, different; sex; address: same address, same
//               region, another region). Each level carries log2(m/u) from the weights file
//               data/matching/weights.toml; the sum is the record's weight against a candidate.
//   decide      at or above the upper threshold: link; at or below the lower: a new person;
//               between (or two candidates above the upper): an officer reviews.
#pragma once

#include <boost/json.hpp>

#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/model.h"
#include "store/database.h"

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class Transliterator;
U_NAMESPACE_END

namespace muster::feeds {

// Folds names and free text to comparable ASCII keys. Name keys are cached per distinct input
// (names repeat; ICU costs microseconds a call). Not thread-safe: one per ingesting thread.
class NameNormalizer {
 public:
  // kInternal if ICU's transliteration data is missing.
  static Result<std::unique_ptr<NameNormalizer>> Create();
  ~NameNormalizer();

  // The folded key of a name in any script; "" for an empty name.
  const std::string& Key(std::string_view name);
  // Lower-case ASCII letters and digits of `text`, single spaces between words (addresses).
  std::string TextKey(std::string_view text);
  // The name in Latin letters as a person's record keeps it (ICU Russian-Latin/BGN, then
  // Latin-ASCII; case kept: "Ёлкин" → "Yelkin"). Cached like Key.
  const std::string& Latin(std::string_view name);

 private:
  NameNormalizer() = default;
  std::string Transliterate(std::string_view text);

  // Looked up by string_view without building a string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  using Cache = std::unordered_map<std::string, std::string, Hash, std::equal_to<>>;

  std::unique_ptr<icu::Transliterator> transliterator_;  // lower-cased, for keys
  std::unique_ptr<icu::Transliterator> romanizer_;       // case kept, for records
  Cache cache_;
  Cache latin_cache_;
};

// Jaro–Winkler similarity in [0, 1] of two byte strings (prefix scale 0.1, up to 4 bytes).
double JaroWinkler(std::string_view a, std::string_view b);

enum class NameLevel { kExact, kClose, kSimilar, kDifferent, kMissing };
enum class DateLevel { kExact, kSwapped, kOneComponent, kDifferent };
enum class SexLevel { kAgree, kDisagree, kMissing };
enum class AddressLevel { kSameAddress, kSameRegion, kOtherRegion, kMissing };

std::string_view NameLevelName(NameLevel level);
std::string_view DateLevelName(DateLevel level);
std::string_view SexLevelName(SexLevel level);
std::string_view AddressLevelName(AddressLevel level);

// The weights file: log2(m/u) of every level, the similarity cut-offs and the thresholds.
struct MatchWeights {
  std::string version;
  double upper = 0;  // link at or above
  double lower = 0;  // a new person at or below
  double close_similarity = 0;
  double similar_similarity = 0;
  std::array<double, 5> family_name{};  // by NameLevel
  std::array<double, 5> given_name{};
  std::array<double, 5> patronymic{};
  std::array<double, 4> birth_date{};  // by DateLevel
  std::array<double, 3> sex{};         // by SexLevel
  std::array<double, 4> address{};     // by AddressLevel
};

// Parses weights TOML (format in docs/FEEDS.md). Errors are kInvalidArgument naming the source
// and the key: "weights.toml: fields.family_name.exact.m: must be in (0, 1]".
Result<MatchWeights> ParseMatchWeights(std::string_view toml_text, std::string_view source);
Result<MatchWeights> LoadMatchWeights(const std::filesystem::path& path);
// $MUSTER_MATCHING_WEIGHTS, else data/matching/weights.toml in the source tree.
std::filesystem::path DefaultWeightsPath();

// A person, or a record, as the matcher sees it: folded keys and the compared facts.
struct MatchSubject {
  std::string family;
  std::string given;
  std::string patronymic;
  int32_t birth_days = 0;  // days since 1970-01-01
  std::optional<Sex> sex;
  std::string region;
  std::string address;  // TextKey of the address, or ""
};

struct Comparison {
  NameLevel family = NameLevel::kMissing;
  NameLevel given = NameLevel::kMissing;
  NameLevel patronymic = NameLevel::kMissing;
  DateLevel birth = DateLevel::kDifferent;
  SexLevel sex = SexLevel::kMissing;
  AddressLevel address = AddressLevel::kMissing;
  double weight = 0;

  boost::json::object ToJson() const;
};

Comparison Compare(const MatchSubject& record, const MatchSubject& candidate,
                   const MatchWeights& weights);

// Candidates in memory for one batch, found by blocking keys.
class CandidateIndex {
 public:
  struct Candidate {
    PersonId person_id = 0;
    MatchSubject subject;
  };

  // Adds a person (or another name the person was known by).
  void Add(PersonId person_id, MatchSubject subject);
  // Every candidate sharing a blocking key with `record`, each at most once.
  std::vector<const Candidate*> Block(const MatchSubject& record) const;
  size_t size() const { return candidates_.size(); }
  void Reserve(size_t candidates);
  // Gives every candidate of `person_id` the address key `address`.
  void SetAddress(PersonId person_id, const std::string& address);

 private:
  void AddKey(uint64_t key, uint32_t index);
  std::vector<Candidate> candidates_;
  std::unordered_map<PersonId, std::vector<uint32_t>> by_person_;  // filled by SetAddress
  std::unordered_map<uint64_t, std::vector<uint32_t>> blocks_;
};

// Loads into `index` every person (not merged away) born on one of `dates` (days since epoch),
// with their former names and recorded address, reading the store in birth-date ranges.
Status LoadCandidates(Connection& connection, std::vector<int32_t> dates,
                      NameNormalizer& normalizer, CandidateIndex& index);
// Loads every person on file (not merged away) and their former names, in one pass.
Status LoadAllCandidates(Connection& connection, NameNormalizer& normalizer, CandidateIndex& index);
// Sets the address of the candidates that have one recorded (a pass over recorded addresses).
Status LoadCandidateAddresses(Connection& connection, NameNormalizer& normalizer,
                              CandidateIndex& index);

// A column for a query over `persons p`: the person's latest attribute row that records an
// address (the packed JSON, or NULL).
inline constexpr char kLatestAddressRecord[] =
    "(SELECT r.attributes FROM person_attribute_records r WHERE r.person_id = p.person_id AND "
    "r.attributes LIKE '%\"address\":%' ORDER BY r.seq DESC LIMIT 1)";

// Adds the rows of `query` to `index`. The query's columns are person_id, family_name,
// given_name, patronymic, birth_date, sex, region and optionally an attribute row holding the
// address (kLatestAddressRecord); rows `accept` refuses (given person id and birth date) are
// skipped.
Status AddCandidateRows(Query& query, bool with_address,
                        const std::function<bool(PersonId, int32_t)>& accept,
                        NameNormalizer& normalizer, CandidateIndex& index);

// The day–month swap of `days` (2001-03-04 → 2001-04-03), or nullopt when it is the same day
// or not a date.
std::optional<int32_t> SwappedDate(int32_t days);

}  // namespace muster::feeds
