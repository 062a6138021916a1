#include "feeds/synthetic_feed.h"

#include <csv.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "synth/population.h"

namespace muster::feeds {
namespace json = boost::json;

namespace {

// SplitMix64: the same numbers on every machine and standard library.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t value = (state_ += 0x9E3779B97F4A7C15ull);
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
    value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
    return value ^ (value >> 31);
  }
  uint64_t Below(uint64_t bound) { return bound == 0 ? 0 : Next() % bound; }
  double Unit() { return static_cast<double>(Next() >> 11) / static_cast<double>(1ull << 53); }
  bool Chance(double probability) { return Unit() < probability; }

 private:
  uint64_t state_;
};

std::u32string Decode(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += lead;
      i += 1;
    } else if ((lead >> 5) == 0x6 && i + 1 < text.size()) {
      out += static_cast<char32_t>(((lead & 0x1F) << 6) | (text[i + 1] & 0x3F));
      i += 2;
    } else if ((lead >> 4) == 0xE && i + 2 < text.size()) {
      out += static_cast<char32_t>(((lead & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) |
                                   (text[i + 2] & 0x3F));
      i += 3;
    } else {
      i += 1;  // names here are Cyrillic or Latin: nothing longer
    }
  }
  return out;
}

std::string Encode(const std::u32string& text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// One keyboard slip: a letter replaced, dropped or swapped with its neighbour. The first
// letter stays (its case marks a name).
std::string Typo(std::string_view name, Random& random) {
  std::u32string letters = Decode(name);
  if (letters.size() < 4) return std::string(name);
  bool cyrillic = letters[1] >= 0x0400;
  size_t position = 1 + random.Below(letters.size() - 1);
  switch (random.Below(3)) {
    case 0:
      letters[position] = cyrillic ? static_cast<char32_t>(0x0430 + random.Below(32))
                                   : static_cast<char32_t>('a' + random.Below(26));
      break;
    case 1:
      letters.erase(position, 1);
      break;
    default:
      if (position + 1 < letters.size()) std::swap(letters[position], letters[position + 1]);
      break;
  }
  return Encode(letters);
}

// Another transliteration of a BGN Latin name, as passports and foreign systems spell it.
std::string Respell(std::string_view latin, int scheme) {
  static const std::vector<std::vector<std::pair<std::string_view, std::string_view>>> kSchemes = {
      {{"ya", "ia"}, {"yu", "iu"}, {"iy", "ii"}, {"yy", "y"}, {"ye", "e"}, {"'", ""}},  // ICAO
      {{"kh", "h"}, {"iy", "y"}, {"ya", "ja"}, {"yu", "ju"}, {"'", ""}},               // simplified
      {{"v", "w"}, {"ts", "tz"}, {"sh", "sch"}, {"'", ""}},                             // German
  };
  std::string text;
  for (char c : latin) text += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const auto& [from, to] : kSchemes[static_cast<size_t>(scheme) % kSchemes.size()]) {
    std::string out;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, from.size(), from) == 0) {
        out += to;
        i += from.size();
      } else {
        out += text[i++];
      }
    }
    text = std::move(out);
  }
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

std::string Digits(uint64_t value, int width) {
  std::string text(static_cast<size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i) {
    text[static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return text;
}

void AppendCsv(std::string& out, std::string_view value) {
  size_t need = csv_write(nullptr, 0, value.data(), value.size());
  size_t at = out.size();
  out.resize(at + need);
  csv_write(out.data() + at, need, value.data(), value.size());
}

constexpr std::string_view kStreets[] = {"Ленина", "Садовая", "Мира", "Есенина", "Победы",
                                         "Советская", "Школьная", "Лесная", "Новая", "Гагарина"};

}  // namespace

Result<std::vector<BasePerson>> LoadBasePersons(Connection& connection, int64_t limit) {
  std::vector<BasePerson> persons;
  std::unordered_map<PersonId, size_t> index;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(connection,
                                 "SELECT person_id, family_name, given_name, patronymic, "
                                 "family_name_latin, given_name_latin, patronymic_latin, "
                                 "birth_date, sex, region FROM persons WHERE status = 'registered' "
                                 "ORDER BY person_id LIMIT $1"));
    query.Bind(limit);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      BasePerson person;
      person.person_id = query.Int(0);
      person.family_name = query.Text(1);
      person.given_name = query.Text(2);
      person.patronymic = query.Text(3);
      person.family_name_latin = query.Text(4);
      person.given_name_latin = query.Text(5);
      person.patronymic_latin = query.Text(6);
      person.birth_date = FromEpochDays(static_cast<int32_t>(query.Int(7)));
      ASSIGN_OR_RETURN(person.sex, ParseSex(query.TextView(8), "sex"));
      person.region = query.Text(9);
      index.emplace(person.person_id, persons.size());
      persons.push_back(std::move(person));
    }
  }
  if (persons.empty()) return persons;
  ASSIGN_OR_RETURN(Query ids, Query::Make(connection, "SELECT person_id, kind, value FROM "
                                                      "person_identifiers WHERE person_id BETWEEN "
                                                      "$1 AND $2 AND kind IN ('snils', 'inn', "
                                                      "'passport')"));
  ids.Bind(persons.front().person_id).Bind(persons.back().person_id);
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, ids.Next());
    if (!has_row) break;
    auto found = index.find(ids.Int(0));
    if (found == index.end()) continue;
    BasePerson& person = persons[found->second];
    std::string_view kind = ids.TextView(1);
    (kind == "snils" ? person.snils : kind == "inn" ? person.inn : person.passport) = ids.Text(2);
  }
  return persons;
}

struct SyntheticFeedGenerator::Impl {
  std::vector<BasePerson> base;
  CivilDate today;
  SyntheticFeedOptions options;
  Random random;
  PopulationGenerator source;  // newcomers
  std::vector<BasePerson> newcomers;  // newcomer k is truth -(k+1)
  std::unordered_set<std::string> identifiers;
  std::unordered_map<int64_t, std::pair<std::string, std::string>> renamed;  // Cyrillic, Latin
  std::unordered_set<int64_t> dead;
  uint64_t serial = 0;
  int64_t record_counter = 0;

  Impl(std::vector<BasePerson> persons, CivilDate day, SyntheticFeedOptions chosen)
      : base(std::move(persons)),
        today(day),
        options(chosen),
        random(chosen.seed),
        source(chosen.seed ^ 0x4E4557434F4D4552ull, day) {
    for (const BasePerson& person : base) {
      identifiers.insert(person.snils);
      identifiers.insert(person.inn);
      identifiers.insert(person.passport);
    }
  }

  // A fresh newcomer whose identifiers collide with nobody's; `newborn` for a birth record.
  int64_t NewNewcomer(bool newborn) {
    while (true) {
      SyntheticPerson drawn = source.Next();
      if (identifiers.contains(drawn.snils) || identifiers.contains(drawn.inn) ||
          identifiers.contains(drawn.passport)) {
        continue;
      }
      identifiers.insert(drawn.snils);
      identifiers.insert(drawn.inn);
      identifiers.insert(drawn.passport);
      BasePerson person{.family_name = drawn.family_name,
                        .given_name = drawn.given_name,
                        .patronymic = drawn.patronymic,
                        .family_name_latin = drawn.family_name_latin,
                        .given_name_latin = drawn.given_name_latin,
                        .patronymic_latin = drawn.patronymic_latin,
                        .birth_date = drawn.birth_date,
                        .sex = drawn.sex,
                        .region = drawn.region_code,
                        .snils = drawn.snils,
                        .inn = drawn.inn,
                        .passport = drawn.passport};
      if (newborn) person.birth_date = AddDays(today, -static_cast<int>(1 + random.Below(300)));
      newcomers.push_back(std::move(person));
      return -static_cast<int64_t>(newcomers.size());
    }
  }

  const BasePerson& PersonOf(int64_t truth) const {
    return truth < 0 ? newcomers[static_cast<size_t>(-truth - 1)] : base[static_cast<size_t>(truth)];
  }

  // The entity a record is about: a newcomer (new, or one seen before), or a person on file.
  // Persons on file are identified by index into `base` here; the truth reports their id.
  int64_t Pick(bool civil_birth) {
    if (civil_birth || random.Chance(options.newcomers)) {
      bool again = !newcomers.empty() && random.Chance(0.35);
      if (again) {
        // Newcomers of the right kind: newborns for births, adults otherwise.
        for (int attempt = 0; attempt < 8; ++attempt) {
          int64_t truth = -static_cast<int64_t>(1 + random.Below(newcomers.size()));
          bool newborn = AddDays(PersonOf(truth).birth_date, 365) > today;
          if (newborn == civil_birth) return truth;
        }
      }
      return NewNewcomer(civil_birth);
    }
    while (true) {
      int64_t index = static_cast<int64_t>(random.Below(base.size()));
      if (!dead.contains(index)) return index;
    }
  }

  std::string NewIdentifier(IdentifierKind kind) {
    while (true) {
      ++serial;
      std::string value;
      if (kind == IdentifierKind::kPassport) {
        value = "97" + Digits(serial * 7919 % 100000000, 8);
      } else {
        // Series 0001 is one the population generator never issues.
        value = "0001" + Digits(serial * 104729 % 1000000, 6);
      }
      if (identifiers.insert(value).second) return value;
    }
  }

  SyntheticFeed Generate(Agency agency, FeedFormat format, int64_t count) {
    SyntheticFeed feed{.agency = agency, .format = format};
    std::vector<std::string_view> columns = AgencyFields(agency);
    int64_t line = 1;
    if (format == FeedFormat::kCsv) {
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) feed.bytes += ',';
        feed.bytes += columns[i];
      }
      feed.bytes += "\r\n";
      ++line;
    }
    for (int64_t n = 0; n < count; ++n, ++line) {
      std::vector<std::pair<std::string, std::string>> fields = Record(agency, feed);
      feed.lines.push_back(line);
      if (format == FeedFormat::kCsv) {
        for (size_t i = 0; i < columns.size(); ++i) {
          if (i > 0) feed.bytes += ',';
          for (const auto& [name, value] : fields) {
            if (name == columns[i]) AppendCsv(feed.bytes, value);
          }
        }
        feed.bytes += "\r\n";
      } else {
        json::object object;
        for (auto& [name, value] : fields) object[name] = value;
        feed.bytes += json::serialize(object);
        feed.bytes += '\n';
      }
    }
    return feed;
  }

  std::vector<std::pair<std::string, std::string>> Record(Agency agency, SyntheticFeed& feed) {
    bool identified = !random.Chance(options.without_identifiers);
    std::string event;
    bool birth = false;
    if (agency == Agency::kCivilStatus) {
      double roll = random.Unit();
      birth = roll < options.births;
      event = birth ? "birth" : roll < options.births + options.deaths ? "death" : "name_change";
    }
    int64_t truth = Pick(birth);
    const BasePerson& person = PersonOf(truth);
    feed.truth.push_back(truth < 0 ? truth : person.person_id);
    feed.identified.push_back(identified);

    std::vector<std::pair<std::string, std::string>> fields;
    auto add = [&](std::string name, std::string value) {
      if (!value.empty()) fields.emplace_back(std::move(name), std::move(value));
    };
    add("record_id", std::string(AgencyName(agency)).substr(0, 3) + "-" + std::to_string(++record_counter));
    // Names as the agency holds them: perhaps renamed, in Latin, with a typo.
    std::string family = person.family_name, family_latin = person.family_name_latin;
    if (auto found = renamed.find(truth); found != renamed.end()) {
      family = found->second.first;
      family_latin = found->second.second;
    }
    std::string given = person.given_name, patronymic = person.patronymic;
    if (!birth && random.Chance(options.transliteration)) {
      int scheme = static_cast<int>(random.Below(3));
      family = Respell(family_latin, scheme);
      given = Respell(person.given_name_latin, scheme);
      patronymic = random.Chance(0.7) ? "" : Respell(person.patronymic_latin, scheme);
    }
    if (random.Chance(options.typo)) {
      std::string& name = random.Chance(0.6) ? family : given;
      name = Typo(name, random);
    }
    fields.emplace_back("event", "");  // filled in below, once the event is chosen
    add("family_name", family);
    add("given_name", given);
    add("patronymic", patronymic);
    CivilDate born = person.birth_date;
    if (random.Chance(options.swapped_date)) {
      unsigned day = static_cast<unsigned>(born.day()), month = static_cast<unsigned>(born.month());
      CivilDate swapped(born.year(), date::month(day), date::day(month));
      if (day <= 12 && day != month && swapped.ok() && swapped <= today) born = swapped;
    }
    add("birth_date", FormatDate(born));
    add("sex", std::string(SexName(person.sex)));
    std::string region = person.region;
    if (!birth && random.Chance(options.moved)) region = base[random.Below(base.size())].region;
    add("region", region);

    auto date_before = [&](int days) { return FormatDate(AddDays(today, -static_cast<int>(1 + random.Below(days)))); };
    auto identify = [&](std::string_view kind, const std::string& value) {
      if (identified) add(std::string(kind), value);
    };
    switch (agency) {
      case Agency::kCivilStatus:
        identify("snils", person.snils);
        if (birth) {
          add("birth_place", "роддом №" + std::to_string(1 + random.Below(40)));
        } else if (event == "death") {
          add("date_of_death", date_before(60));
          dead.insert(truth);
        } else {
          const BasePerson& other = base[random.Below(base.size())];
          std::string new_family = other.family_name, new_latin = other.family_name_latin;
          if (other.sex != person.sex || new_family == family) {
            new_family = person.family_name + "-" + other.family_name;
            new_latin = person.family_name_latin + "-" + other.family_name_latin;
          }
          add("new_family_name", new_family);
          add("changed_on", date_before(60));
          renamed[truth] = {new_family, new_latin};
        }
        break;
      case Agency::kInterior:
        if (identified && random.Chance(0.5)) {
          event = "passport";
          if (random.Chance(0.3)) {  // a new passport: linked by SNILS
            add("snils", person.snils);
            add("passport", NewIdentifier(IdentifierKind::kPassport));
          } else {
            add("passport", person.passport);
          }
          add("issued_on", date_before(3000));
        } else if (identified) {
          event = "driving_licence";
          add("passport", person.passport);
          add("driving_licence", NewIdentifier(IdentifierKind::kDrivingLicence));
          add("issued_on", date_before(3000));
        } else {
          event = "residence";
          add("address", "ул. " + std::string(kStreets[random.Below(std::size(kStreets))]) + ", д. " +
                             std::to_string(1 + random.Below(120)) + ", кв. " + std::to_string(1 + random.Below(300)));
          add("registered_on", date_before(2000));
        }
        break;
      case Agency::kTax:
        identify("inn", person.inn);
        if (identified && random.Chance(0.5)) {
          event = "inn";
        } else {
          event = "employer";
          add("employer_name", "ООО «Предприятие " + std::to_string(1 + random.Below(5000)) + "»");
          add("employed_from", date_before(1500));
        }
        break;
      case Agency::kSocialFund:
        identify("snils", person.snils);
        if (identified && random.Chance(0.8)) {
          event = "snils";
        } else {
          event = "disability";
          add("disability_group", std::to_string(1 + random.Below(3)));
          add("disability_from", date_before(1500));
        }
        break;
      case Agency::kEducation:
        identify("snils", person.snils);
        event = "enrolment";
        add("institution", "Университет №" + std::to_string(1 + random.Below(300)));
        add("mode", random.Chance(0.75) ? "full_time" : "part_time");
        add("enrolled_on", "2025-09-01");
        add("expected_graduation", "2029-06-30");
        break;
      case Agency::kHealth:
        identify("snils", person.snils);
        event = "finding";
        add("finding", random.Chance(0.9) ? "Z00.0" : "J45.0");
        add("examined_on", date_before(300));
        break;
    }
    for (auto& [name, value] : fields) {
      if (name == "event") value = event;
    }
    fields.erase(std::remove_if(fields.begin(), fields.end(),
                                [](const auto& field) { return field.first == "event" && field.second.empty(); }),
                 fields.end());
    return fields;
  }
};

SyntheticFeedGenerator::SyntheticFeedGenerator(std::vector<BasePerson> base, CivilDate today,
                                               SyntheticFeedOptions options)
    : impl_(std::make_unique<Impl>(std::move(base), today, options)) {}

SyntheticFeedGenerator::~SyntheticFeedGenerator() = default;

SyntheticFeed SyntheticFeedGenerator::Generate(Agency agency, FeedFormat format, int64_t records) {
  return impl_->Generate(agency, format, records);
}

void AddQuality(const SyntheticFeed& feed, const std::vector<RecordOutcome>& outcomes,
                std::map<int64_t, PersonId>& newcomer_persons, LinkQuality& all,
                LinkQuality& without_identifiers) {
  std::unordered_map<int64_t, const RecordOutcome*> by_line;
  for (const RecordOutcome& outcome : outcomes) by_line.emplace(outcome.line, &outcome);
  for (size_t i = 0; i < feed.lines.size(); ++i) {
    auto found = by_line.find(feed.lines[i]);
    if (found == by_line.end()) continue;  // a resumed chunk: no outcome kept
    const RecordOutcome& outcome = *found->second;
    int64_t truth = feed.truth[i];
    PersonId known = truth > 0 ? truth : 0;
    if (truth < 0) {
      if (auto person = newcomer_persons.find(truth); person != newcomer_persons.end()) known = person->second;
    }
    for (LinkQuality* quality : {&all, feed.identified[i] ? nullptr : &without_identifiers}) {
      if (quality == nullptr) continue;
      ++quality->records;
      switch (outcome.decision) {
        case RecordDecision::kLinked:
          ++quality->linked;
          if (known != 0 && outcome.person_id == known) {
            ++quality->true_links;
          } else {
            ++quality->false_links;
            if (known != 0) ++quality->missed_links;
          }
          break;
        case RecordDecision::kCreated:
          ++quality->created;
          if (known != 0) ++quality->missed_links;
          break;
        case RecordDecision::kReview:
          ++quality->review;
          if (known != 0) ++quality->missed_links;
          break;
        case RecordDecision::kRejected:
          ++quality->rejected;
          break;
      }
    }
    if (truth < 0 && known == 0 && outcome.decision == RecordDecision::kCreated) {
      newcomer_persons[truth] = outcome.person_id;
    }
  }
}

void FinishQuality(LinkQuality& quality) {
  double links = static_cast<double>(quality.true_links + quality.false_links);
  double should = static_cast<double>(quality.true_links + quality.missed_links);
  quality.precision = links > 0 ? quality.true_links / links : 1.0;
  quality.recall = should > 0 ? quality.true_links / should : 1.0;
  double sum = quality.precision + quality.recall;
  quality.f1 = sum > 0 ? 2 * quality.precision * quality.recall / sum : 0;
}

}  // namespace muster::feeds
