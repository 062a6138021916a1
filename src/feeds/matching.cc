#include "feeds/matching.h"

#include "registry/person_records.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace muster::feeds {
namespace json = boost::json;

#ifndef MUSTER_SOURCE_DIR
#define MUSTER_SOURCE_DIR "."
#endif

namespace {

// Transliteration variants of one Cyrillic name, folded to one spelling. Longest rules first;
// applied left to right, then doubled letters collapse.
struct FoldRule {
  std::string_view from;
  std::string_view to;
};
constexpr FoldRule kFoldRules[] = {
    {"shch", "s"}, {"tsch", "c"}, {"sch", "s"}, {"tch", "c"}, {"ch", "c"}, {"sh", "s"},
    {"zh", "z"},   {"kh", "h"},   {"ts", "c"},  {"tz", "c"},  {"cz", "c"}, {"ck", "k"},
    {"ph", "f"},   {"yu", "u"},   {"iu", "u"},  {"ju", "u"},  {"ya", "a"}, {"ia", "a"},
    {"ja", "a"},   {"ye", "e"},   {"ie", "e"},  {"je", "e"},  {"yo", "o"}, {"io", "o"},
    {"jo", "o"},   {"x", "ks"},   {"w", "v"},   {"q", "k"},   {"y", "i"},  {"j", "i"},
};

std::string Fold(std::string_view ascii) {
  std::string letters;
  letters.reserve(ascii.size());
  for (char c : ascii) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') letters += c;
  }
  std::string folded;
  folded.reserve(letters.size());
  std::string_view rest = letters;
  while (!rest.empty()) {
    bool matched = false;
    for (const FoldRule& rule : kFoldRules) {
      if (rest.substr(0, rule.from.size()) == rule.from) {
        folded += rule.to;
        rest.remove_prefix(rule.from.size());
        matched = true;
        break;
      }
    }
    if (!matched) {
      folded += rest.front();
      rest.remove_prefix(1);
    }
  }
  folded.erase(std::unique(folded.begin(), folded.end()), folded.end());
  return folded;
}

uint64_t BlockKey(int32_t days, int tag, std::string_view key) {
  uint64_t first = key.size() > 0 ? static_cast<unsigned char>(key[0]) : 0;
  uint64_t second = key.size() > 1 ? static_cast<unsigned char>(key[1]) : 0;
  return (static_cast<uint64_t>(static_cast<uint32_t>(days)) << 24) |
         (static_cast<uint64_t>(tag) << 16) | (first << 8) | second;
}

NameLevel CompareNames(std::string_view a, std::string_view b, const MatchWeights& weights) {
  if (a.empty() || b.empty()) return NameLevel::kMissing;
  if (a == b) return NameLevel::kExact;
  double similarity = JaroWinkler(a, b);
  if (similarity >= weights.close_similarity) return NameLevel::kClose;
  if (similarity >= weights.similar_similarity) return NameLevel::kSimilar;
  return NameLevel::kDifferent;
}

// Reads one m/u pair from the weights file as log2(m/u).
class WeightsReader {
 public:
  WeightsReader(const toml::table& root, std::string_view source) : root_(root), source_(source) {}

  Result<double> Number(std::string_view path, double min, double max) const {
    toml::node_view<const toml::node> node = root_.at_path(path);
    if (!node) return Error(path, "required key is missing");
    std::optional<double> value = node.value<double>();
    if (!value) return Error(path, "expected a number");
    if (*value < min || *value > max) {
      return Error(path, "must be in [" + Format(min) + ", " + Format(max) + "], got " + Format(*value));
    }
    return *value;
  }

  // log2(m/u) of a level, or 0 when the level is absent and `optional`.
  Result<double> Level(std::string_view field, std::string_view level, bool optional) const {
    std::string path = "fields." + std::string(field) + "." + std::string(level);
    if (!root_.at_path(path)) {
      if (optional) return 0.0;
      return Error(path, "required key is missing");
    }
    ASSIGN_OR_RETURN(double m, Number(path + ".m", 1e-9, 1.0));
    ASSIGN_OR_RETURN(double u, Number(path + ".u", 1e-9, 1.0));
    return std::log2(m / u);
  }

  Status Error(std::string_view path, std::string_view message) const {
    return InvalidArgument(std::string(source_) + ": " + std::string(path) + ": " +
                           std::string(message));
  }

 private:
  static std::string Format(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
  }
  const toml::table& root_;
  std::string_view source_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// NameNormalizer

NameNormalizer::~NameNormalizer() = default;

Result<std::unique_ptr<NameNormalizer>> NameNormalizer::Create() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> transliterator(icu::Transliterator::createInstance(
      icu::UnicodeString("NFKC; Any-Lower; Russian-Latin/BGN; Latin-ASCII"), UTRANS_FORWARD,
      status));
  if (U_FAILURE(status) || transliterator == nullptr) {
    return Internal(std::string("matching: ICU transliterator unavailable: ") + u_errorName(status));
  }
  std::unique_ptr<icu::Transliterator> romanizer(icu::Transliterator::createInstance(
      icu::UnicodeString("NFKC; Russian-Latin/BGN; Latin-ASCII"), UTRANS_FORWARD, status));
  if (U_FAILURE(status) || romanizer == nullptr) {
    return Internal(std::string("matching: ICU transliterator unavailable: ") + u_errorName(status));
  }
  auto normalizer = std::unique_ptr<NameNormalizer>(new NameNormalizer());
  normalizer->transliterator_ = std::move(transliterator);
  normalizer->romanizer_ = std::move(romanizer);
  return normalizer;
}

const std::string& NameNormalizer::Latin(std::string_view name) {
  auto found = latin_cache_.find(name);
  if (found != latin_cache_.end()) return found->second;
  std::string latin;
  bool ascii = std::all_of(name.begin(), name.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    latin = std::string(name);
  } else {
    icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
        icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
    romanizer_->transliterate(unicode);
    unicode.toUTF8String(latin);
  }
  return latin_cache_.emplace(std::string(name), std::move(latin)).first->second;
}

std::string NameNormalizer::Transliterate(std::string_view text) {
  bool ascii = std::all_of(text.begin(), text.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return std::string(text);
  icu::UnicodeString unicode =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  transliterator_->transliterate(unicode);
  std::string out;
  unicode.toUTF8String(out);
  return out;
}

const std::string& NameNormalizer::Key(std::string_view name) {
  auto found = cache_.find(name);
  if (found != cache_.end()) return found->second;
  return cache_.emplace(std::string(name), Fold(Transliterate(name))).first->second;
}

std::string NameNormalizer::TextKey(std::string_view text) {
  std::string latin = Transliterate(text);
  std::string key;
  bool space = false;
  for (char c : latin) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (word) {
      if (space && !key.empty()) key += ' ';
      key += c;
      space = false;
    } else {
      space = true;
    }
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// Similarity and comparison

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const size_t window = std::max<size_t>(std::max(a.size(), b.size()) / 2, 1) - 1;
  std::vector<char> a_matched(a.size(), 0), b_matched(b.size(), 0);
  size_t matches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    size_t from = i > window ? i - window : 0;
    size_t to = std::min(b.size(), i + window + 1);
    for (size_t j = from; j < to; ++j) {
      if (b_matched[j] || a[i] != b[j]) continue;
      a_matched[i] = b_matched[j] = 1;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  size_t transpositions = 0;
  for (size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_matched[i]) continue;
    while (!b_matched[j]) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  double m = static_cast<double>(matches);
  double jaro = (m / a.size() + m / b.size() + (m - transpositions / 2.0) / m) / 3.0;
  size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

std::string_view NameLevelName(NameLevel level) {
  switch (level) {
    case NameLevel::kExact: return "exact";
    case NameLevel::kClose: return "close";
    case NameLevel::kSimilar: return "similar";
    case NameLevel::kDifferent: return "different";
    case NameLevel::kMissing: return "missing";
  }
  return "?";
}

std::string_view DateLevelName(DateLevel level) {
  switch (level) {
    case DateLevel::kExact: return "exact";
    case DateLevel::kSwapped: return "swapped";
    case DateLevel::kOneComponent: return "one_component";
    case DateLevel::kDifferent: return "different";
  }
  return "?";
}

std::string_view SexLevelName(SexLevel level) {
  switch (level) {
    case SexLevel::kAgree: return "agree";
    case SexLevel::kDisagree: return "disagree";
    case SexLevel::kMissing: return "missing";
  }
  return "?";
}

std::string_view AddressLevelName(AddressLevel level) {
  switch (level) {
    case AddressLevel::kSameAddress: return "same_address";
    case AddressLevel::kSameRegion: return "same_region";
    case AddressLevel::kOtherRegion: return "other_region";
    case AddressLevel::kMissing: return "missing";
  }
  return "?";
}

std::optional<int32_t> SwappedDate(int32_t days) {
  CivilDate date = FromEpochDays(days);
  unsigned day = static_cast<unsigned>(date.day());
  unsigned month = static_cast<unsigned>(date.month());
  if (day == month || day > 12) return std::nullopt;
  CivilDate swapped(date.year(), date::month(day), date::day(month));
  if (!swapped.ok()) return std::nullopt;
  return ToEpochDays(swapped);
}

json::object Comparison::ToJson() const {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", weight);
  return json::object{{"family_name", NameLevelName(family)},
                      {"given_name", NameLevelName(given)},
                      {"patronymic", NameLevelName(patronymic)},
                      {"birth_date", DateLevelName(birth)},
                      {"sex", SexLevelName(sex)},
                      {"address", AddressLevelName(address)},
                      {"weight", text}};
}

Comparison Compare(const MatchSubject& record, const MatchSubject& candidate,
                   const MatchWeights& weights) {
  Comparison result;
  result.family = CompareNames(record.family, candidate.family, weights);
  result.given = CompareNames(record.given, candidate.given, weights);
  result.patronymic = CompareNames(record.patronymic, candidate.patronymic, weights);
  if (record.birth_days == candidate.birth_days) {
    result.birth = DateLevel::kExact;
  } else if (SwappedDate(record.birth_days) == std::optional<int32_t>(candidate.birth_days)) {
    result.birth = DateLevel::kSwapped;
  } else {
    CivilDate a = FromEpochDays(record.birth_days), b = FromEpochDays(candidate.birth_days);
    int same = (a.year() == b.year()) + (a.month() == b.month()) + (a.day() == b.day());
    result.birth = same == 2 ? DateLevel::kOneComponent : DateLevel::kDifferent;
  }
  if (record.sex && candidate.sex) {
    result.sex = *record.sex == *candidate.sex ? SexLevel::kAgree : SexLevel::kDisagree;
  }
  if (!record.address.empty() && record.address == candidate.address) {
    result.address = AddressLevel::kSameAddress;
  } else if (!record.region.empty() && !candidate.region.empty()) {
    result.address = record.region == candidate.region ? AddressLevel::kSameRegion
                                                       : AddressLevel::kOtherRegion;
  }
  result.weight = weights.family_name[static_cast<size_t>(result.family)] +
                  weights.given_name[static_cast<size_t>(result.given)] +
                  weights.patronymic[static_cast<size_t>(result.patronymic)] +
                  weights.birth_date[static_cast<size_t>(result.birth)] +
                  weights.sex[static_cast<size_t>(result.sex)] +
                  weights.address[static_cast<size_t>(result.address)];
  return result;
}

// ---------------------------------------------------------------------------------------------
// Weights

Result<MatchWeights> ParseMatchWeights(std::string_view toml_text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& error) {
    return InvalidArgument(std::string(source) + " line " +
                           std::to_string(error.source().begin.line) + ": " +
                           std::string(error.description()));
  }
  WeightsReader reader(root, source);
  MatchWeights weights;
  if (auto version = root["version"].value<std::string>()) weights.version = *version;
  if (weights.version.empty()) return reader.Error("version", "required key is missing");
  ASSIGN_OR_RETURN(weights.upper, reader.Number("thresholds.upper", -100, 100));
  ASSIGN_OR_RETURN(weights.lower, reader.Number("thresholds.lower", -100, 100));
  if (weights.lower >= weights.upper) {
    return reader.Error("thresholds.lower", "must be below thresholds.upper");
  }
  ASSIGN_OR_RETURN(weights.close_similarity, reader.Number("similarity.close", 0, 1));
  ASSIGN_OR_RETURN(weights.similar_similarity, reader.Number("similarity.similar", 0, 1));
  if (weights.similar_similarity > weights.close_similarity) {
    return reader.Error("similarity.similar", "must not exceed similarity.close");
  }
  for (auto [field, levels] : {std::pair{"family_name", &weights.family_name},
                               std::pair{"given_name", &weights.given_name},
                               std::pair{"patronymic", &weights.patronymic}}) {
    ASSIGN_OR_RETURN((*levels)[0], reader.Level(field, "exact", false));
    ASSIGN_OR_RETURN((*levels)[1], reader.Level(field, "close", false));
    ASSIGN_OR_RETURN((*levels)[2], reader.Level(field, "similar", false));
    ASSIGN_OR_RETURN((*levels)[3], reader.Level(field, "different", false));
    ASSIGN_OR_RETURN((*levels)[4], reader.Level(field, "missing", true));
  }
  ASSIGN_OR_RETURN(weights.birth_date[0], reader.Level("birth_date", "exact", false));
  ASSIGN_OR_RETURN(weights.birth_date[1], reader.Level("birth_date", "swapped", false));
  ASSIGN_OR_RETURN(weights.birth_date[2], reader.Level("birth_date", "one_component", false));
  ASSIGN_OR_RETURN(weights.birth_date[3], reader.Level("birth_date", "different", false));
  ASSIGN_OR_RETURN(weights.sex[0], reader.Level("sex", "agree", false));
  ASSIGN_OR_RETURN(weights.sex[1], reader.Level("sex", "disagree", false));
  ASSIGN_OR_RETURN(weights.sex[2], reader.Level("sex", "missing", true));
  ASSIGN_OR_RETURN(weights.address[0], reader.Level("address", "same_address", false));
  ASSIGN_OR_RETURN(weights.address[1], reader.Level("address", "same_region", false));
  ASSIGN_OR_RETURN(weights.address[2], reader.Level("address", "other_region", false));
  ASSIGN_OR_RETURN(weights.address[3], reader.Level("address", "missing", true));
  return weights;
}

Result<MatchWeights> LoadMatchWeights(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) return NotFound("matching: cannot read weights file " + path.string());
  std::stringstream text;
  text << file.rdbuf();
  return ParseMatchWeights(text.str(), path.filename().string());
}

std::filesystem::path DefaultWeightsPath() {
  if (const char* path = std::getenv("MUSTER_MATCHING_WEIGHTS")) return path;
  if (const char* dir = std::getenv("MUSTER_SOURCE_DIR")) {
    return std::filesystem::path(dir) / "data/matching/weights.toml";
  }
  return std::filesystem::path(MUSTER_SOURCE_DIR) / "data/matching/weights.toml";
}

// ---------------------------------------------------------------------------------------------
// Candidates

void CandidateIndex::AddKey(uint64_t key, uint32_t index) {
  std::vector<uint32_t>& block = blocks_[key];
  if (block.empty() || block.back() != index) block.push_back(index);
}

void CandidateIndex::Reserve(size_t candidates) {
  candidates_.reserve(candidates);
  blocks_.reserve(candidates * 2);
}

void CandidateIndex::Add(PersonId person_id, MatchSubject subject) {
  uint32_t index = static_cast<uint32_t>(candidates_.size());
  AddKey(BlockKey(subject.birth_days, 0, subject.family), index);
  AddKey(BlockKey(subject.birth_days, 1, subject.given), index);
  if (!by_person_.empty()) by_person_[person_id].push_back(index);
  candidates_.push_back({person_id, std::move(subject)});
}

std::vector<const CandidateIndex::Candidate*> CandidateIndex::Block(
    const MatchSubject& record) const {
  std::vector<uint32_t> found;
  auto collect = [&](int32_t days) {
    for (int tag = 0; tag < 2; ++tag) {
      auto block = blocks_.find(BlockKey(days, tag, tag == 0 ? record.family : record.given));
      if (block == blocks_.end()) continue;
      found.insert(found.end(), block->second.begin(), block->second.end());
    }
  };
  collect(record.birth_days);
  if (auto swapped = SwappedDate(record.birth_days)) collect(*swapped);
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::vector<const Candidate*> candidates;
  candidates.reserve(found.size());
  for (uint32_t index : found) candidates.push_back(&candidates_[index]);
  return candidates;
}

Status AddCandidateRows(Query& query, bool with_address,
                        const std::function<bool(PersonId, int32_t)>& accept,
                        NameNormalizer& normalizer, CandidateIndex& index) {
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) break;
    PersonId person_id = query.Int(0);
    int32_t birth = static_cast<int32_t>(query.Int(4));
    if (!accept(person_id, birth)) continue;
    MatchSubject subject;
    subject.family = normalizer.Key(query.TextView(1));
    subject.given = normalizer.Key(query.TextView(2));
    subject.patronymic = normalizer.Key(query.TextView(3));
    subject.birth_days = birth;
    std::string_view sex = query.TextView(5);
    if (sex == "M") subject.sex = Sex::kMale;
    if (sex == "F") subject.sex = Sex::kFemale;
    subject.region = query.Text(6);
    if (with_address && !query.IsNull(7)) {
      if (auto address = PackedAttribute(query.TextView(7), "address")) {
        subject.address = normalizer.TextKey(*address);
      }
    }
    index.Add(person_id, std::move(subject));
  }
  return Status::Ok();
}

void CandidateIndex::SetAddress(PersonId person_id, const std::string& address) {
  if (by_person_.empty()) {
    for (uint32_t i = 0; i < candidates_.size(); ++i) by_person_[candidates_[i].person_id].push_back(i);
  }
  auto found = by_person_.find(person_id);
  if (found == by_person_.end()) return;
  for (uint32_t i : found->second) candidates_[i].subject.address = address;
}

Status LoadAllCandidates(Connection& connection, NameNormalizer& normalizer, CandidateIndex& index) {
  auto all = [](PersonId, int32_t) { return true; };
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection, "SELECT person_id, family_name, given_name, patronymic, "
                                             "birth_date, sex, region FROM persons WHERE status <> "
                                             "'merged'"));
    RETURN_IF_ERROR(AddCandidateRows(query, false, all, normalizer, index));
  }
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection, "SELECT f.person_id, f.family_name, f.given_name, "
                                           "f.patronymic, p.birth_date, p.sex, p.region FROM "
                                           "person_former_names f JOIN persons p ON p.person_id = "
                                           "f.person_id WHERE p.status <> 'merged'"));
  return AddCandidateRows(query, false, all, normalizer, index);
}

Status LoadCandidateAddresses(Connection& connection, NameNormalizer& normalizer,
                              CandidateIndex& index) {
  // The latest recorded address of each person: one pass over the attribute rows that name one
  // (the LIKE only spares parsing the others; the JSON decides).
  std::unordered_map<PersonId, std::pair<int64_t, std::string>> latest;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(connection, "SELECT person_id, seq, attributes FROM "
                                                          "person_attribute_records WHERE "
                                                          "attributes LIKE '%\"address\":%'"));
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      auto [entry, inserted] = latest.try_emplace(query.Int(0), query.Int(1), std::string());
      if (!inserted && entry->second.first > query.Int(1)) continue;
      auto address = PackedAttribute(query.TextView(2), "address");
      if (!address) continue;
      entry->second = {query.Int(1), std::move(*address)};
    }
  }
  {
    // A survivor without an address of its own has the one of the record merged into it.
    ASSIGN_OR_RETURN(Query query, Query::Make(connection, "SELECT survivor_id, merged_id FROM "
                                                          "person_merges WHERE split_seq IS NULL "
                                                          "ORDER BY merge_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      auto merged = latest.find(query.Int(1));
      auto survivor = latest.find(query.Int(0));
      if (merged == latest.end() || merged->second.second.empty()) continue;
      if (survivor != latest.end() && !survivor->second.second.empty()) continue;
      std::pair<int64_t, std::string> inherited = merged->second;
      latest[query.Int(0)] = std::move(inherited);
    }
  }
  for (const auto& [person_id, address] : latest) {
    if (!address.second.empty()) index.SetAddress(person_id, normalizer.TextKey(address.second));
  }
  return Status::Ok();
}

Status LoadCandidates(Connection& connection, std::vector<int32_t> dates,
                      NameNormalizer& normalizer, CandidateIndex& index) {
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  auto wanted = [&](PersonId, int32_t days) {
    return std::binary_search(dates.begin(), dates.end(), days);
  };
  // One range query per run of dates no more than a month apart: few queries, few wasted rows.
  constexpr int32_t kGap = 31;
  size_t start = 0;
  while (start < dates.size()) {
    size_t end = start + 1;
    while (end < dates.size() && dates[end] - dates[end - 1] <= kGap) ++end;
    int64_t from = dates[start], to = dates[end - 1];
    {
      ASSIGN_OR_RETURN(Query query,
                       Query::Make(connection,
                                   std::string("SELECT p.person_id, p.family_name, "
                                               "p.given_name, p.patronymic, p.birth_date, p.sex, "
                                               "p.region, ") +
                                       kLatestAddressRecord +
                                       " FROM persons p WHERE p.birth_date BETWEEN $1 AND $2 "
                                       "AND p.status <> 'merged'"));
      query.Bind(from).Bind(to);
      RETURN_IF_ERROR(AddCandidateRows(query, true, wanted, normalizer, index));
    }
    {
      ASSIGN_OR_RETURN(Query query,
                       Query::Make(connection,
                                   "SELECT f.person_id, f.family_name, f.given_name, f.patronymic, "
                                   "p.birth_date, p.sex, p.region FROM person_former_names f JOIN "
                                   "persons p ON p.person_id = f.person_id WHERE p.birth_date "
                                   "BETWEEN $1 AND $2 AND p.status <> 'merged'"));
      query.Bind(from).Bind(to);
      RETURN_IF_ERROR(AddCandidateRows(query, false, wanted, normalizer, index));
    }
    start = end;
  }
  return Status::Ok();
}

}  // namespace muster::feeds
