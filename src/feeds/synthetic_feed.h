// Synthetic agency feeds with known truth, and the quality of linking measured against it.
//
// The generator draws the persons a feed speaks about from the registry itself (persons on
// file with their identifiers) and from newcomers it invents (births, people the registry has
// never seen, some of them several times in one feed), and writes each record as an agency
// would — with the faults agency data has: a share of records without any identifier, typos
// in names, names in Latin under another transliteration (often without patronymic), day and
// month swapped, a move to another region, name changes followed by records under the new
// name. For every record it keeps the truth: which person it is about.
//
// `MeasureQuality` compares what the ingestor decided (RecordOutcome) with that truth:
// precision and recall of links (a link is correct when it lands on the record's true
// person; a record about someone already known that was not linked is a missed link), F1, and
// how many records went to the review queue. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/time.h"
#include "feeds/feed_format.h"
#include "feeds/ingest.h"
#include "store/database.h"

namespace muster::feeds {

// A person on file, as the generator needs them.
struct BasePerson {
  PersonId person_id = 0;
  std::string family_name, given_name, patronymic;
  std::string family_name_latin, given_name_latin, patronymic_latin;
  CivilDate birth_date;
  Sex sex = Sex::kMale;
  std::string region;
  std::string snils, inn, passport;
};

// Reads up to `limit` registered persons with their SNILS, INN and passport.
Result<std::vector<BasePerson>> LoadBasePersons(Connection& connection, int64_t limit);

struct SyntheticFeedOptions {
  uint64_t seed = 1;
  double without_identifiers = 0.30;  // records carrying no identifier at all
  double newcomers = 0.05;            // records about persons the registry does not know
  double typo = 0.05;                 // a typo in the family or given name
  double transliteration = 0.10;      // names in Latin, another transliteration
  double swapped_date = 0.03;         // day and month of the birth date swapped
  double moved = 0.05;                // another region than the registry's
  // Civil-status records: births (of newcomers), deaths, and changes of family name (the rest).
  double births = 0.5;
  double deaths = 0.02;
};

struct SyntheticFeed {
  Agency agency = Agency::kTax;
  FeedFormat format = FeedFormat::kJsonLines;
  std::string bytes;
  // For every record, in line order: the true person (a PersonId > 0 for a person on file,
  // -k for the k-th newcomer), and whether the record carried an identifier.
  std::vector<int64_t> truth;
  std::vector<bool> identified;
  std::vector<int64_t> lines;
};

class SyntheticFeedGenerator {
 public:
  // `base` must not be empty; `today` anchors newcomers' ages and event dates.
  SyntheticFeedGenerator(std::vector<BasePerson> base, CivilDate today, SyntheticFeedOptions options);
  ~SyntheticFeedGenerator();

  // A batch of `records` records of `agency`. Newcomers and name changes carry over from one
  // batch to the next, as they would between an agency's batches.
  SyntheticFeed Generate(Agency agency, FeedFormat format, int64_t records);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct LinkQuality {
  int64_t records = 0;
  int64_t linked = 0, created = 0, review = 0, rejected = 0;
  int64_t true_links = 0;    // linked to the record's true person
  int64_t false_links = 0;   // linked to someone else
  int64_t missed_links = 0;  // the true person was known, but the record was not linked to them
  double precision = 0, recall = 0, f1 = 0;
};

// Adds the quality of `outcomes` (as FeedIngestor::Receive returns them) against the truth of
// `feed` to `all`, and of the records without identifiers to `without_identifiers`.
// `newcomer_persons` maps newcomers to the persons created for them and carries across
// batches. Rejected records count in `rejected` only.
void AddQuality(const SyntheticFeed& feed, const std::vector<RecordOutcome>& outcomes,
                std::map<int64_t, PersonId>& newcomer_persons, LinkQuality& all,
                LinkQuality& without_identifiers);
// Computes precision, recall and F1 from the counts.
void FinishQuality(LinkQuality& quality);

}  // namespace muster::feeds
