#include "feeds/ingest.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "common/crypto.h"
#include "registry/events.h"

namespace muster::feeds {
namespace json = boost::json;

namespace {

constexpr std::string_view kNameChange = "name_change";
// Values per `IN (…)` of the batched look-ups; the last slice is padded with its last value so
// that one statement text serves every slice.
constexpr size_t kInSlice = 256;
constexpr std::string_view kDeath = "death";
// Pieces smaller than this are not worth a hand-over to the helper thread.
constexpr size_t kMinPieceRecords = 1024;

// A record whose application failed for a reason of its own: reject it, apply the rest.
bool IsRecordFault(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kNotFound:
      return true;
    default:
      return false;
  }
}

std::string_view RejectionCodeOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kAlreadyExists: return "identifier_conflict";
    case StatusCode::kFailedPrecondition: return "not_applicable";
    case StatusCode::kNotFound: return "unknown_person";
    default: return "inconsistent";
  }
}

// The field a registry error names ("inn: 500100732259 is recorded for another person").
std::string FieldOf(const std::string& message) {
  size_t colon = message.find(':');
  if (colon == std::string::npos || colon > 40) return "";
  std::string field = message.substr(0, colon);
  for (char c : field) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return "";
  }
  return field;
}

std::string FormatWeight(double weight) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", weight);
  return text;
}

std::string IdentifierKey(IdentifierKind kind, std::string_view value) {
  return std::string(IdentifierKindName(kind)) + ":" + std::string(value);
}

using Attributes = std::vector<std::pair<std::string, std::string>>;

// The attributes an event records, beyond identifiers; name changes carry the Latin forms.
Attributes EventAttributes(const FeedRecord& record, NameNormalizer& normalizer) {
  Attributes attributes;
  auto copy = [&](std::string_view field, std::string_view as) {
    const std::string& value = record.Value(field);
    if (!value.empty()) attributes.emplace_back(std::string(as), value);
  };
  const std::string& event = record.event;
  if (event == "birth") {
    copy("birth_place", "birth_place");
  } else if (event == kNameChange) {
    for (auto [field, as] : {std::pair{"new_family_name", "family_name"},
                             std::pair{"new_given_name", "given_name"},
                             std::pair{"new_patronymic", "patronymic"}}) {
      const std::string& value = record.Value(field);
      if (value.empty()) continue;
      attributes.emplace_back(as, value);
      attributes.emplace_back(std::string(as) + "_latin", normalizer.Latin(value));
    }
    copy("changed_on", "name_changed_on");
  } else if (event == "residence") {
    copy("address", "address");
    attributes.emplace_back("residence_region", record.region);
    copy("registered_on", "residence_registered_on");
  } else if (event == "passport") {
    copy("issued_on", "passport_issued_on");
  } else if (event == "driving_licence") {
    copy("issued_on", "driving_licence_issued_on");
  } else if (event == "employer") {
    copy("employer_name", "employer_name");
    copy("employer_inn", "employer_inn");
    copy("employed_from", "employed_from");
  } else if (event == "disability") {
    copy("disability_group", "disability_group");
    copy("disability_from", "disability_from");
  } else if (event == "finding") {
    copy("finding", "health_finding");
    copy("examined_on", "health_examined_on");
    copy("fitness_hint", "health_fitness_hint");
  }
  return attributes;
}

// Whether ApplyToPerson records attributes for `record` (and so is refused for a person who
// has died): a death only with new identifiers, an enrolment always, the rest when there is
// anything to record.
bool RecordsFacts(const FeedRecord& record, bool new_identifiers, NameNormalizer& normalizer) {
  if (record.event == kDeath) return new_identifiers;
  if (record.event == "enrolment") return true;
  return new_identifiers || !EventAttributes(record, normalizer).empty();
}

// Applies `record` to a known person: new identifiers and the event's facts, whole.
Status ApplyToPerson(PersonRecordWriter& writer, NameNormalizer& normalizer,
                     const FeedRecord& record, PersonId person_id,
                     const std::vector<std::pair<IdentifierKind, std::string>>& new_identifiers,
                     const Provenance& source, const MatchFacts& match) {
  if (record.event == kDeath) {
    if (!new_identifiers.empty()) {
      Attributes identifiers;
      for (const auto& [kind, value] : new_identifiers) {
        identifiers.emplace_back(IdentifierKindName(kind), value);
      }
      RETURN_IF_ERROR(writer.RecordAttributes(person_id, identifiers, source, match, writer.now()));
    }
    ASSIGN_OR_RETURN(CivilDate died_on, ParseDate(record.Value("date_of_death"), "date_of_death"));
    return writer.RecordDeath(person_id, died_on, source, match);
  }
  Attributes attributes;
  for (const auto& [kind, value] : new_identifiers) {
    attributes.emplace_back(IdentifierKindName(kind), value);
  }
  if (record.event == "enrolment") {
    if (!attributes.empty()) {
      RETURN_IF_ERROR(writer.RecordAttributes(person_id, attributes, source, match, writer.now()));
    }
    ASSIGN_OR_RETURN(CivilDate from, ParseDate(record.Value("enrolled_on"), "enrolled_on"));
    std::optional<CivilDate> until;
    if (const std::string& text = record.Value("expected_graduation"); !text.empty()) {
      ASSIGN_OR_RETURN(until, ParseDate(text, "expected_graduation"));
    }
    return writer
        .RecordEnrolment(person_id, record.Value("institution"),
                         record.Value("mode") == "full_time", from, until, source, match)
        .status();
  }
  Attributes facts = EventAttributes(record, normalizer);
  attributes.insert(attributes.end(), facts.begin(), facts.end());
  if (attributes.empty()) return Status::Ok();
  return writer.RecordAttributes(person_id, attributes, source, match, writer.now());
}

// Records a person from `record` and applies the record's event to them.
Result<PersonId> ApplyAsNewPerson(PersonRecordWriter& writer, NameNormalizer& normalizer,
                                  const FeedRecord& record, const Provenance& source,
                                  const MatchFacts& match) {
  NewPerson person;
  person.family_name = record.family_name;
  person.given_name = record.given_name;
  person.patronymic = record.patronymic;
  person.family_name_latin = normalizer.Latin(record.family_name);
  person.given_name_latin = normalizer.Latin(record.given_name);
  person.patronymic_latin = record.patronymic.empty() ? "" : normalizer.Latin(record.patronymic);
  person.sex = *record.sex;
  person.birth_date = record.birth_date;
  person.office = record.region + "-01";
  person.identifiers = record.identifiers;
  person.has_portal_account = false;  // unknown until the portal says otherwise
  ASSIGN_OR_RETURN(PersonId person_id, writer.RecordPerson(person, source, match));
  RETURN_IF_ERROR(ApplyToPerson(writer, normalizer, record, person_id, {}, source, match));
  return person_id;
}

MatchSubject SubjectOf(const FeedRecord& record, NameNormalizer& normalizer) {
  MatchSubject subject;
  subject.family = normalizer.Key(record.family_name);
  subject.given = normalizer.Key(record.given_name);
  subject.patronymic = normalizer.Key(record.patronymic);
  subject.birth_days = ToEpochDays(record.birth_date);
  subject.sex = record.sex;
  subject.region = record.region;
  if (const std::string& address = record.Value("address"); !address.empty()) {
    subject.address = normalizer.TextKey(address);
  }
  return subject;
}

json::object RejectionJson(const Rejection& rejection) {
  return json::object{{"record", rejection.line},
                      {"field", rejection.field},
                      {"code", rejection.code},
                      {"reason", rejection.reason}};
}

Result<Rejection> RejectionOfJson(const json::value& value) {
  if (!value.is_object()) return DataLoss("feed chunk result: malformed rejection");
  const json::object& object = value.get_object();
  Rejection rejection;
  ASSIGN_OR_RETURN(rejection.line, JsonInt(object, "record"));
  ASSIGN_OR_RETURN(rejection.field, JsonString(object, "field"));
  ASSIGN_OR_RETURN(rejection.code, JsonString(object, "code"));
  ASSIGN_OR_RETURN(rejection.reason, JsonString(object, "reason"));
  return rejection;
}

}  // namespace

std::string_view RecordDecisionName(RecordDecision decision) {
  switch (decision) {
    case RecordDecision::kLinked: return "linked";
    case RecordDecision::kCreated: return "created";
    case RecordDecision::kReview: return "review";
    case RecordDecision::kRejected: return "rejected";
  }
  return "?";
}

json::object FeedReport::ToJson() const {
  json::array items;
  for (const Rejection& rejection : rejections) items.push_back(RejectionJson(rejection));
  json::object object{{"agency", agency},
                      {"sequence", sequence},
                      {"checksum", checksum},
                      {"format", format},
                      {"resent", resent},
                      {"records", records},
                      {"applied", linked + created},
                      {"linked", linked},
                      {"created", created},
                      {"review", review},
                      {"rejected", rejected},
                      {"rejections", std::move(items)}};
  if (gap_from && gap_to) {
    object["gap"] = json::object{{"from", *gap_from}, {"to", *gap_to}};
  }
  return object;
}

// ---------------------------------------------------------------------------------------------
// One batch being received

class FeedIngestor::Batch {
 public:
  Batch(FeedIngestor& owner, Agency agency, int64_t sequence, FeedFormat format,
        std::string checksum, std::vector<RecordOutcome>* outcomes)
      : owner_(owner),
        registry_(owner.registry_),
        normalizer_(*owner.normalizer_),
        weights_(owner.weights_),
        agency_(agency),
        sequence_(sequence),
        format_(format),
        checksum_(std::move(checksum)),
        outcomes_(outcomes) {}

  Result<FeedReport> Run(ParsedBatch parsed, FeedReport report) {
    records_ = std::move(parsed.records);
    report.records = parsed.lines;
    rejections_ = std::move(parsed.rejections);
    if (outcomes_) {
      outcomes_->clear();
      for (const Rejection& rejection : rejections_) {
        outcomes_->push_back({.line = rejection.line, .decision = RecordDecision::kRejected});
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(Resolve());
    auto t1 = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(ApplyChunks());
    auto t2 = std::chrono::steady_clock::now();
    if (std::getenv("MUSTER_FEEDS_TIMING")) {
      std::fprintf(stderr,
                   "resolve %.3f s (identifiers %.3f, candidates %zu in %.3f), apply %.3f s: "
                   "decide %.3f (+%.3f beside the writer), preload %.3f, "
                   "records %.3f, flush %.3f, commit %.3f\n",
                   std::chrono::duration<double>(t1 - t0).count(), timing_.lookup,
                   owner_.index_.size(), timing_.candidates,
                   std::chrono::duration<double>(t2 - t1).count(), timing_.decide,
                   decide_overlapped_.load(), timing_.preload,
                   timing_.records, timing_.flush, timing_.commit);
    }
    std::sort(rejections_.begin(), rejections_.end(),
              [](const Rejection& a, const Rejection& b) { return a.line < b.line; });
    report.linked = linked_;
    report.created = created_;
    report.review = review_;
    report.rejected = static_cast<int64_t>(rejections_.size());
    report.rejections = rejections_;
    RETURN_IF_ERROR(RecordBatch(report));
    if (outcomes_) {
      std::sort(outcomes_->begin(), outcomes_->end(),
                [](const RecordOutcome& a, const RecordOutcome& b) { return a.line < b.line; });
    }
    return report;
  }

 private:
  struct Hit {
    PersonId person_id = 0;
    std::string method;
    std::optional<Rejection> conflict;
    std::vector<std::pair<IdentifierKind, std::string>> unknown;  // identifiers not yet on record
    bool deceased = false;  // person_id had died when the batch was resolved
  };

  // What one chunk's records did, for the report; kept apart so that a chunk applied again
  // starts clean.
  struct ChunkState {
    int64_t linked = 0, created = 0, review = 0;
    std::vector<Rejection> rejections;
    std::vector<RecordOutcome> outcomes;
  };

  // Persons the batch's decisions create are named by placeholders until the transaction that
  // records them gives them their ids: kPlaceholder + n for the n-th. Placeholders are larger
  // than any person id and grow in creation order, as the ids they stand for will, so that ties
  // between candidates break the same way (by id).
  static constexpr PersonId kPlaceholder = PersonId{1} << 62;

  // What the decision pass made of one record, to be applied in the chunk's transaction.
  struct Plan {
    // kConflict: an identifier of the record (`unknown`) was recorded earlier in this batch for
    // another person (`person`).
    enum class Kind { kLink, kCreate, kReview, kConflict };
    Kind kind = Kind::kLink;
    size_t index = 0;      // in records_
    PersonId person = 0;   // kLink: the person; kReview: the candidate; kCreate: the placeholder
    MatchFacts match;
    std::vector<std::pair<IdentifierKind, std::string>> unknown;  // kLink: identifiers to record
    double best_weight = 0;
    Comparison top;  // kReview
    int above_upper = 0;
  };

  // What the decisions of one chunk leave for the chunks after it: the identifiers its records
  // bring (to a person on file or a placeholder) and the persons it creates or renames, as
  // candidates. Kept per chunk, so that a chunk decided again (a fault, a replay) takes back
  // exactly its own; added to the ingestor's candidates when the batch ends.
  struct ChunkForward {
    std::unordered_map<std::string, PersonId> identifiers;
    CandidateIndex added;
    std::vector<std::pair<PersonId, MatchSubject>> subjects;
    int64_t first_placeholder = 0;
    int64_t created = 0;
  };

  struct Decided {
    std::vector<Plan> plans;
    ChunkState state;
    ChunkForward forward;
  };

  std::string KeyPrefix() const {
    return "feed:" + std::string(AgencyName(agency_)) + ":" + std::to_string(sequence_) + ":" +
           checksum_.substr(0, 16);
  }

  // Deterministic resolution for every record, and the candidates for the rest, in one read
  // snapshot of the store.
  Status Resolve() {
    Connection& db = registry_.connection();
    RETURN_IF_ERROR(db.BeginRead());
    Status status = ResolveInSnapshot(db);
    Status ended = db.Commit();
    RETURN_IF_ERROR(status);
    return ended;
  }

  struct Owner {
    PersonId person_id = 0;
    int32_t birth_days = 0;
    bool merged = false;
    bool deceased = false;
  };

  // Who holds each identifier of the batch: one statement per kind and slice of kInSlice values,
  // in value order (the index is read in order, not once per record at random).
  Result<std::unordered_map<std::string, Owner>> LookUpIdentifiers(Connection& db) {
    std::map<IdentifierKind, std::vector<std::string_view>> wanted;
    for (const FeedRecord& record : records_) {
      for (const auto& [kind, value] : record.identifiers) wanted[kind].push_back(value);
    }
    std::string sql =
        "SELECT i.value, i.person_id, p.birth_date, p.status FROM person_identifiers i JOIN "
        "persons p ON p.person_id = i.person_id WHERE i.kind = $1 AND i.value IN (";
    for (size_t i = 0; i < kInSlice; ++i) sql += (i == 0 ? "$" : ", $") + std::to_string(i + 2);
    sql += ")";
    std::unordered_map<std::string, Owner> owners;
    owners.reserve(records_.size());
    for (auto& [kind, values] : wanted) {
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      std::string_view kind_name = IdentifierKindName(kind);
      for (size_t start = 0; start < values.size(); start += kInSlice) {
        ASSIGN_OR_RETURN(Query query, Query::Make(db, sql));
        query.Bind(kind_name);
        for (size_t i = 0; i < kInSlice; ++i) query.Bind(values[std::min(start + i, values.size() - 1)]);
        while (true) {
          ASSIGN_OR_RETURN(bool has_row, query.Next());
          if (!has_row) break;
          owners[IdentifierKey(kind, query.TextView(0))] =
              Owner{.person_id = query.Int(1),
                    .birth_days = static_cast<int32_t>(query.Int(2)),
                    .merged = query.TextView(3) == "merged",
                    .deceased = query.TextView(3) == "deceased"};
        }
      }
    }
    return owners;
  }

  Status ResolveInSnapshot(Connection& db) {
    hits_.resize(records_.size());
    std::vector<int32_t> dates;
    bool with_addresses = false;
    auto started = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(auto owners, LookUpIdentifiers(db));
    timing_.lookup += Since(started);
    for (size_t i = 0; i < records_.size(); ++i) {
      const FeedRecord& record = records_[i];
      Hit& hit = hits_[i];
      for (const auto& [kind, value] : record.identifiers) {
        auto found = owners.find(IdentifierKey(kind, value));
        if (found == owners.end()) {
          hit.unknown.emplace_back(kind, value);
          continue;
        }
        PersonId owner = found->second.person_id;
        CivilDate born = FromEpochDays(found->second.birth_days);
        if (found->second.merged) {
          ASSIGN_OR_RETURN(owner, Survivor(db, owner));
        }
        std::string field(IdentifierKindName(kind));
        if (hit.person_id != 0 && owner != hit.person_id) {
          hit.conflict = Rejection{record.line, field, "identifier_conflict",
                                   field + ": " + value + " is recorded for person " +
                                       std::to_string(owner) + ", other identifiers of the record "
                                       "for person " + std::to_string(hit.person_id)};
          break;
        }
        int32_t record_days = ToEpochDays(record.birth_date);
        int32_t owner_days = ToEpochDays(born);
        if (record_days != owner_days && SwappedDate(record_days) != std::optional(owner_days)) {
          hit.conflict = Rejection{record.line, field, "identifier_conflict",
                                   field + ": " + value + " is recorded for person " +
                                       std::to_string(owner) + ", born " + FormatDate(born) +
                                       "; the record says " + FormatDate(record.birth_date)};
          break;
        }
        if (hit.person_id == 0) {
          hit.person_id = owner;
          hit.method = "identifier " + field;
          hit.deceased = found->second.deceased;
        }
      }
      if (hit.person_id == 0 && !hit.conflict) {
        if (!record.Value("address").empty()) with_addresses = true;
        int32_t days = ToEpochDays(record.birth_date);
        dates.push_back(days);
        if (auto swapped = SwappedDate(days)) dates.push_back(*swapped);
      }
    }
    started = std::chrono::steady_clock::now();
    Status prepared = owner_.PrepareCandidates(db, std::move(dates), with_addresses);
    timing_.candidates += Since(started);
    return prepared;
  }

  Result<PersonId> Survivor(Connection& db, PersonId merged) {
    PersonId person = merged;
    for (int depth = 0; depth < 16; ++depth) {
      ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT survivor_id FROM person_merges WHERE "
                                                    "merged_id = $1 AND split_at IS NULL"));
      query.Bind(person);
      ASSIGN_OR_RETURN(bool found, query.Next());
      if (!found) return person;
      person = query.Int(0);
    }
    return person;
  }

  // How one attempt at a chunk's transaction ended.
  struct Attempt {
    enum class Outcome { kApplied, kReplayed, kFault, kNotTraced, kError };
    Outcome outcome = Outcome::kError;
    Status status;
    size_t failed = 0;  // kFault: the record (index in records_)
  };

  // The chunks of the batch (one write transaction each), each cut into pieces that are decided
  // one at a time, as a pipeline over two threads: while the calling thread writes piece p in
  // its chunk's transaction (the store is used by this thread only), a helper thread decides
  // piece p + 1 — matching is pure computation over memory — whether p + 1 is in the same chunk
  // or begins the next. A chunk whose application fails for a reason of its own record is
  // decided again, from its first piece, without that record and applied again; so is
  // whatever was decided after it, which built on it.
  Status ApplyChunks() {
    const size_t chunk_size = static_cast<size_t>(std::max<int64_t>(1, owner_.options_.chunk_records));
    const size_t piece_size = std::min(
        chunk_size, static_cast<size_t>(std::max<int64_t>(1, owner_.options_.piece_records)));
    std::vector<Chunk> chunks;
    std::vector<Range> pieces;
    std::vector<size_t> chunk_of_piece;
    for (size_t begin = 0; begin < records_.size(); begin += chunk_size) {
      size_t end = std::min(records_.size(), begin + chunk_size);
      // At least four pieces to a chunk of some size, so that a small batch is pipelined too.
      size_t count = std::max((end - begin + piece_size - 1) / piece_size,
                              std::min<size_t>(4, (end - begin) / kMinPieceRecords + 1));
      Chunk chunk{.range = {begin, end}, .first_piece = pieces.size()};
      for (size_t j = 0; j < count; ++j) {
        pieces.push_back({begin + (end - begin) * j / count, begin + (end - begin) * (j + 1) / count});
        chunk_of_piece.push_back(chunks.size());
      }
      chunk.end_piece = pieces.size();
      chunks.push_back(chunk);
    }
    std::vector<std::map<size_t, Rejection>> faults(chunks.size());
    std::vector<bool> record_by_record(chunks.size(), !owner_.options_.bulk);
    Pipeline pipeline{.pieces = pieces, .chunk_of_piece = chunk_of_piece, .faults = faults};
    Status status;
    for (size_t k = 0; k < chunks.size() && status.ok();) {
      const size_t forward_base = forward_.size();
      std::vector<Decided> decided;
      Attempt attempt = Apply(chunks[k], static_cast<int64_t>(k), pipeline, decided, !record_by_record[k]);
      switch (attempt.outcome) {
        case Attempt::Outcome::kApplied:
          for (Decided& piece : decided) MergeState(std::move(piece.state));
          ++k;
          break;
        case Attempt::Outcome::kReplayed:
          // Applied by an earlier try: the store has its persons, this ingestor's memory not.
          pipeline.Discard();
          TakeBack(forward_base);
          ++k;
          break;
        case Attempt::Outcome::kFault:
        case Attempt::Outcome::kNotTraced:
          pipeline.Discard();
          TakeBack(forward_base);
          if (attempt.outcome == Attempt::Outcome::kNotTraced) {
            record_by_record[k] = true;  // the record-by-record path names the record
          } else {
            const std::string& message = attempt.status.message();
            faults[k][attempt.failed] =
                Rejection{records_[attempt.failed].line, FieldOf(message),
                          std::string(RejectionCodeOf(attempt.status)), message};
          }
          break;
        case Attempt::Outcome::kError:
          pipeline.Discard();
          TakeBack(forward_base);
          status = attempt.status;
          break;
      }
    }
    pipeline.Discard();
    AddToCandidates();
    return status;
  }

  struct Range {
    size_t begin = 0, end = 0;
  };
  struct Chunk {
    Range range;
    size_t first_piece = 0, end_piece = 0;
  };

  // The decision of the piece after the one being written, on the helper thread.
  struct Pipeline {
    const std::vector<Range>& pieces;
    const std::vector<size_t>& chunk_of_piece;
    const std::vector<std::map<size_t, Rejection>>& faults;
    std::future<Decided> next;
    size_t next_piece = 0;

    void Discard() {
      if (next.valid()) next.get();
    }
  };

  // Piece `p` decided: taken from the helper if it was deciding it, else decided here.
  Decided TakeDecided(Pipeline& pipeline, size_t p) {
    auto started = std::chrono::steady_clock::now();
    Decided decided;
    if (pipeline.next.valid() && pipeline.next_piece == p) {
      decided = pipeline.next.get();
    } else {
      pipeline.Discard();
      decided = Decide(pipeline.pieces[p].begin, pipeline.pieces[p].end,
                       pipeline.faults[pipeline.chunk_of_piece[p]]);
    }
    timing_.decide += Since(started);
    return decided;
  }

  // Starts deciding piece `p` on the helper thread. Decide reads forward_, so forward_ must not
  // change until the decision is taken (TakeDecided) or discarded.
  void DecideBeside(Pipeline& pipeline, size_t p) {
    if (p >= pipeline.pieces.size()) return;
    pipeline.next_piece = p;
    const Range range = pipeline.pieces[p];
    const std::map<size_t, Rejection>& faults = pipeline.faults[pipeline.chunk_of_piece[p]];
    pipeline.next = std::async(std::launch::async, [this, range, &faults] {
      auto started = std::chrono::steady_clock::now();
      Decided decided = Decide(range.begin, range.end, faults);
      decide_overlapped_ += Since(started);
      return decided;
    });
  }

  // Forgets the forward state of chunk `from` and those after it.
  void TakeBack(size_t from) {
    forward_.resize(from);
    created_ids_.resize(static_cast<size_t>(NextPlaceholder()));
  }

  int64_t NextPlaceholder() const {
    return forward_.empty() ? 0 : forward_.back().first_placeholder + forward_.back().created;
  }

  // Once the batch is done (forward_ then holds the chunks applied): the persons it created or
  // renamed become candidates of the ingestor, as recorded by itself, so that the next batch's
  // catch-up does not add them again.
  void AddToCandidates() {
    for (ChunkForward& chunk : forward_) {
      for (auto& [person, subject] : chunk.subjects) {
        PersonId person_id = Resolve(person);
        if (person_id == 0) continue;
        owner_.self_added_.insert(person_id);
        owner_.index_.Add(person_id, std::move(subject));
      }
    }
    forward_.clear();
    created_ids_.clear();
  }

  PersonId Resolve(PersonId person) const {
    if (person < kPlaceholder) return person;
    size_t index = static_cast<size_t>(person - kPlaceholder);
    return index < created_ids_.size() ? created_ids_[index] : 0;
  }

  // One try at chunk `index` in one write transaction: its pieces decided (the first perhaps
  // already by the helper), each added to forward_ before the next is decided beside the
  // writer, and applied; `decided` receives them for their reports.
  Attempt Apply(const Chunk& chunk, int64_t index, Pipeline& pipeline,
                std::vector<Decided>& decided, bool bulk) {
    const size_t begin = chunk.range.begin, end = chunk.range.end;
    CommandContext context{.idempotency_key = KeyPrefix() + ":chunk:" + std::to_string(index),
                           .actor = "feed:" + std::string(AgencyName(agency_))};
    std::string request = checksum_ + ":" + std::to_string(begin) + "-" + std::to_string(end);
    auto started = std::chrono::steady_clock::now();
    bool ran = false;
    Attempt attempt;
    attempt.failed = end;
    decided.clear();
    decided.reserve(chunk.end_piece - chunk.first_piece);
    auto result = registry_.WithPersonRecords(
        context, "feed_chunk", request, [&](PersonRecordWriter& writer) -> Result<std::string> {
          ran = true;
          timing_.commit -= Since(started);
          if (bulk) {
            // The persons and identifiers the records resolved to, for the whole chunk at once;
            // each piece then reads only what its decisions add (probabilistic links).
            auto preloading = std::chrono::steady_clock::now();
            RETURN_IF_ERROR(writer.Preload(PreloadOfResolved(begin, end)));
            timing_.preload += Since(preloading);
          }
          for (size_t p = chunk.first_piece; p < chunk.end_piece; ++p) {
            decided.push_back(TakeDecided(pipeline, p));
            Decided& piece = decided.back();
            // forward_ holds what was decided before piece p; its own goes in for p + 1 to see.
            forward_.push_back(std::move(piece.forward));
            DecideBeside(pipeline, p + 1);
            auto preloading = std::chrono::steady_clock::now();
            if (bulk) RETURN_IF_ERROR(writer.Preload(PreloadOf(piece.plans)));
            timing_.preload += Since(preloading);
            auto recording = std::chrono::steady_clock::now();
            for (const Plan& plan : piece.plans) {
              Status status = ApplyPlan(writer, plan, piece.state);
              if (!status.ok()) {
                attempt.failed = plan.index;
                attempt.status = status;
                return status;
              }
            }
            timing_.records += Since(recording);
          }
          auto flushing = std::chrono::steady_clock::now();
          RETURN_IF_ERROR(writer.Flush());
          timing_.flush += Since(flushing);
          started = std::chrono::steady_clock::now();
          ChunkState total;
          for (const Decided& piece : decided) {
            total.linked += piece.state.linked;
            total.created += piece.state.created;
            total.review += piece.state.review;
          }
          json::array rejections;
          for (const Decided& piece : decided) {
            for (const Rejection& rejection : piece.state.rejections) {
              rejections.push_back(RejectionJson(rejection));
            }
          }
          return json::serialize(json::object{{"linked", total.linked},
                                              {"created", total.created},
                                              {"review", total.review},
                                              {"rejections", std::move(rejections)}});
        });
    timing_.commit += Since(started);
    if (result.ok() && !ran) {
      attempt.status = Replayed(*result);
      attempt.outcome = attempt.status.ok() ? Attempt::Outcome::kReplayed : Attempt::Outcome::kError;
      return attempt;
    }
    if (result.ok()) {
      attempt.outcome = Attempt::Outcome::kApplied;
      return attempt;
    }
    if (attempt.failed == end) {
      // Failed where no record can be named (a constraint when bulk rows were written): the
      // record-by-record path will name it.
      attempt.status = result.status();
      attempt.outcome = bulk && IsRecordFault(result.status()) ? Attempt::Outcome::kNotTraced
                                                               : Attempt::Outcome::kError;
      return attempt;
    }
    attempt.outcome = IsRecordFault(attempt.status) ? Attempt::Outcome::kFault : Attempt::Outcome::kError;
    if (attempt.outcome == Attempt::Outcome::kError) attempt.status = result.status();
    return attempt;
  }

  // A chunk applied before this batch was sent again (the first try stopped part-way).
  Status Replayed(const std::string& result) {
    std::error_code error;
    json::value value = json::parse(result, error);
    if (error || !value.is_object()) return DataLoss("feed chunk result: not JSON");
    const json::object& object = value.get_object();
    ASSIGN_OR_RETURN(int64_t linked, JsonInt(object, "linked"));
    ASSIGN_OR_RETURN(int64_t created, JsonInt(object, "created"));
    ASSIGN_OR_RETURN(int64_t review, JsonInt(object, "review"));
    linked_ += linked;
    created_ += created;
    review_ += review;
    if (const json::value* items = object.if_contains("rejections"); items && items->is_array()) {
      for (const json::value& item : items->get_array()) {
        ASSIGN_OR_RETURN(Rejection rejection, RejectionOfJson(item));
        rejections_.push_back(std::move(rejection));
      }
    }
    return Status::Ok();
  }

  void MergeState(ChunkState state) {
    linked_ += state.linked;
    created_ += state.created;
    review_ += state.review;
    for (Rejection& rejection : state.rejections) rejections_.push_back(std::move(rejection));
    if (outcomes_) {
      for (RecordOutcome& outcome : state.outcomes) outcomes_->push_back(std::move(outcome));
    }
  }

  // The decision pass: which person each record of the chunk is about (or a new one, a review,
  // a rejection), from the batch's resolution, what the decisions of earlier chunks (forward_)
  // and of this chunk's earlier records brought, and the candidates. Reads nothing from the
  // store and changes nothing but what it returns: it runs beside the writing thread, with a
  // name normalizer of its own.
  Decided Decide(size_t begin, size_t end, const std::map<size_t, Rejection>& faults) {
    Decided decided;
    std::vector<Plan>& plans = decided.plans;
    ChunkState& state = decided.state;
    ChunkForward& forward = decided.forward;
    NameNormalizer& normalizer = *owner_.decide_normalizer_;
    forward.first_placeholder = NextPlaceholder();
    plans.reserve(end - begin);
    // Who an identifier was recorded for earlier in this batch, or 0.
    auto earlier_owner = [&](const std::string& key) -> PersonId {
      if (auto found = forward.identifiers.find(key); found != forward.identifiers.end()) {
        return found->second;
      }
      for (auto chunk = forward_.rbegin(); chunk != forward_.rend(); ++chunk) {
        if (auto found = chunk->identifiers.find(key); found != chunk->identifiers.end()) {
          return found->second;
        }
      }
      return 0;
    };
    for (size_t i = begin; i < end; ++i) {
      const FeedRecord& record = records_[i];
      auto reject = [&](std::string field, std::string code, std::string reason) {
        state.rejections.push_back(Rejection{record.line, std::move(field), std::move(code),
                                             std::move(reason)});
        state.outcomes.push_back({.line = record.line, .decision = RecordDecision::kRejected});
      };
      if (auto fault = faults.find(i); fault != faults.end()) {
        state.rejections.push_back(fault->second);
        state.outcomes.push_back({.line = record.line, .decision = RecordDecision::kRejected});
        continue;
      }
      const Hit& hit = hits_[i];
      if (hit.conflict) {
        reject(hit.conflict->field, hit.conflict->code, hit.conflict->reason);
        continue;
      }
      if (hit.deceased && RecordsFacts(record, !hit.unknown.empty(), normalizer)) {
        // What the writer would refuse (PersonRecordWriter::RecordAttributes), refused here
        // with its words: a refusal in the transaction would roll back and re-run the chunk.
        reject("person", "not_applicable",
               "person: " + std::to_string(hit.person_id) + " is deceased; later facts are not applied");
        continue;
      }
      Plan plan{.index = i, .person = hit.person_id, .match = {.method = hit.method},
                .unknown = hit.unknown};
      if (plan.person == 0) {
        // Identifiers recorded earlier in this batch (a person created from an earlier record).
        bool conflict = false;
        for (const auto& [kind, value] : record.identifiers) {
          PersonId owner = earlier_owner(IdentifierKey(kind, value));
          if (owner == 0) continue;
          if (plan.person != 0 && owner != plan.person) {
            // Rejected when applied, where a person this chunk creates has its id to be named.
            plans.push_back(Plan{.kind = Plan::Kind::kConflict,
                                 .index = i,
                                 .person = owner,
                                 .unknown = {{kind, value}}});
            conflict = true;
            break;
          }
          plan.person = owner;
          plan.match.method = "identifier " + std::string(IdentifierKindName(kind)) + " (this batch)";
        }
        if (conflict) continue;
        if (plan.person != 0) {
          plan.unknown.clear();
          for (const auto& identifier : record.identifiers) {
            if (earlier_owner(IdentifierKey(identifier.first, identifier.second)) == 0) {
              plan.unknown.push_back(identifier);
            }
          }
        }
      }
      MatchSubject subject;
      if (plan.person == 0) {
        subject = SubjectOf(record, normalizer);
        std::vector<const CandidateIndex::Candidate*> candidates = owner_.index_.Block(subject);
        for (const ChunkForward& chunk : forward_) {
          std::vector<const CandidateIndex::Candidate*> recent = chunk.added.Block(subject);
          candidates.insert(candidates.end(), recent.begin(), recent.end());
        }
        std::vector<const CandidateIndex::Candidate*> recent = forward.added.Block(subject);
        candidates.insert(candidates.end(), recent.begin(), recent.end());
        // A person may appear under several names (former names): keep each person's best.
        std::map<PersonId, Comparison> best;
        for (const CandidateIndex::Candidate* candidate : candidates) {
          if (owner_.merged_away_.contains(candidate->person_id)) continue;
          Comparison comparison = Compare(subject, candidate->subject, weights_);
          auto [it, inserted] = best.emplace(candidate->person_id, comparison);
          if (!inserted && comparison.weight > it->second.weight) it->second = comparison;
        }
        const Comparison* top = nullptr;
        PersonId top_person = 0;
        int above_upper = 0;
        for (const auto& [candidate_id, comparison] : best) {
          if (comparison.weight >= weights_.upper) ++above_upper;
          if (top == nullptr || comparison.weight > top->weight) {
            top = &comparison;
            top_person = candidate_id;
          }
        }
        if (top != nullptr) plan.best_weight = top->weight;
        if (top != nullptr && top->weight >= weights_.upper && above_upper == 1) {
          plan.person = top_person;
          plan.match = {.method = "probabilistic", .weight = top->weight};
        } else if (top != nullptr && top->weight > weights_.lower) {
          plan.kind = Plan::Kind::kReview;
          plan.person = top_person;
          plan.top = *top;
          plan.above_upper = above_upper;
          plans.push_back(std::move(plan));
          continue;
        }
      }
      if (plan.person != 0) {
        plan.kind = Plan::Kind::kLink;
        for (const auto& [kind, value] : plan.unknown) {
          forward.identifiers[IdentifierKey(kind, value)] = plan.person;
        }
        if (record.event == kNameChange) {
          MatchSubject renamed = SubjectOf(record, normalizer);
          renamed.family = normalizer.Key(record.Value("new_family_name"));
          if (const std::string& given = record.Value("new_given_name"); !given.empty()) {
            renamed.given = normalizer.Key(given);
          }
          if (const std::string& patronymic = record.Value("new_patronymic"); !patronymic.empty()) {
            renamed.patronymic = normalizer.Key(patronymic);
          }
          forward.added.Add(plan.person, renamed);
          forward.subjects.emplace_back(plan.person, std::move(renamed));
        }
        plans.push_back(std::move(plan));
        continue;
      }
      if (record.event == kDeath || record.event == kNameChange) {
        reject("", "unknown_person",
               "no person in the registry matches this " + record.event + " record" +
                   (plan.best_weight != 0 ? " (best weight " + FormatWeight(plan.best_weight) + ")"
                                          : ""));
        continue;
      }
      if (!record.sex) {
        reject("sex", "insufficient_data", "sex: required to record a person the registry does not know");
        continue;
      }
      if (record.region.empty()) {
        reject("region", "insufficient_data",
               "region: required to record a person the registry does not know");
        continue;
      }
      plan.kind = Plan::Kind::kCreate;
      plan.person = kPlaceholder + forward.first_placeholder + forward.created++;
      plan.match = {.method = "new person", .weight = plan.best_weight};
      for (const auto& [kind, value] : record.identifiers) {
        forward.identifiers[IdentifierKey(kind, value)] = plan.person;
      }
      forward.added.Add(plan.person, subject);
      forward.subjects.emplace_back(plan.person, std::move(subject));
      plans.push_back(std::move(plan));
    }
    return decided;
  }

  PersonRecordPreload PreloadOf(const std::vector<Plan>& plans) const {
    PersonRecordPreload preload;
    for (const Plan& plan : plans) {
      const FeedRecord& record = records_[plan.index];
      if (plan.kind == Plan::Kind::kLink) {
        // A person an earlier chunk created has its id by now; one this chunk creates is known
        // to the writer once recorded.
        if (PersonId person = Resolve(plan.person); person != 0 && person < kPlaceholder) {
          preload.persons.push_back(person);
          if (record.event == kDeath || record.event == "enrolment") {
            preload.obligations.push_back(person);
          }
        }
        for (const auto& [kind, value] : plan.unknown) {
          preload.identifiers.emplace_back(IdentifierKindName(kind), value);
        }
      } else if (plan.kind == Plan::Kind::kCreate) {
        for (const auto& [kind, value] : record.identifiers) {
          preload.identifiers.emplace_back(IdentifierKindName(kind), value);
        }
      }
    }
    return preload;
  }

  // What records [begin, end) will need that the identifier look-ups already tell: the persons
  // they resolved to (with the obligations of deaths and enrolments), the identifiers they
  // would record. A superset of what their plans need (a record may still be rejected); the
  // rest (probabilistic links) comes with each piece (PreloadOf).
  PersonRecordPreload PreloadOfResolved(size_t begin, size_t end) const {
    PersonRecordPreload preload;
    for (size_t i = begin; i < end; ++i) {
      const Hit& hit = hits_[i];
      if (hit.conflict) continue;
      const FeedRecord& record = records_[i];
      if (hit.person_id != 0) {
        preload.persons.push_back(hit.person_id);
        if (record.event == kDeath || record.event == "enrolment") {
          preload.obligations.push_back(hit.person_id);
        }
        for (const auto& [kind, value] : hit.unknown) {
          preload.identifiers.emplace_back(IdentifierKindName(kind), value);
        }
      } else {
        for (const auto& [kind, value] : record.identifiers) {
          preload.identifiers.emplace_back(IdentifierKindName(kind), value);
        }
      }
    }
    return preload;
  }

  Status ApplyPlan(PersonRecordWriter& writer, const Plan& plan, ChunkState& state) {
    const FeedRecord& record = records_[plan.index];
    auto resolve = [&](PersonId person) { return Resolve(person); };
    Provenance source{.agency = std::string(AgencyName(agency_)),
                      .sequence = sequence_,
                      .record = record.line,
                      .record_id = record.record_id};
    switch (plan.kind) {
      case Plan::Kind::kConflict: {
        const auto& [kind, value] = plan.unknown.front();
        std::string field(IdentifierKindName(kind));
        state.rejections.push_back(Rejection{record.line, field, "identifier_conflict",
                                             field + ": " + value + " was recorded for person " +
                                                 std::to_string(resolve(plan.person)) +
                                                 " earlier in this batch"});
        state.outcomes.push_back({.line = record.line, .decision = RecordDecision::kRejected});
        return Status::Ok();
      }
      case Plan::Kind::kReview: {
        PersonId candidate = resolve(plan.person);
        ReviewItem item{.source = source,
                        .candidate_id = candidate,
                        .weight = plan.top.weight,
                        .comparison = plan.top.ToJson(),
                        .record_json = json::serialize(record.ToJson())};
        if (plan.above_upper > 1) item.comparison["candidates_above_upper"] = plan.above_upper;
        ASSIGN_OR_RETURN(int64_t review_id, writer.OpenReview(item));
        ++state.review;
        state.outcomes.push_back({.line = record.line,
                                  .decision = RecordDecision::kReview,
                                  .person_id = candidate,
                                  .method = "review",
                                  .weight = plan.top.weight,
                                  .review_id = review_id});
        return Status::Ok();
      }
      case Plan::Kind::kLink: {
        PersonId person_id = resolve(plan.person);
        RETURN_IF_ERROR(
            ApplyToPerson(writer, normalizer_, record, person_id, plan.unknown, source, plan.match));
        ++state.linked;
        state.outcomes.push_back({.line = record.line,
                                  .decision = RecordDecision::kLinked,
                                  .person_id = person_id,
                                  .method = plan.match.method,
                                  .weight = plan.best_weight});
        return Status::Ok();
      }
      case Plan::Kind::kCreate: {
        ASSIGN_OR_RETURN(PersonId person_id,
                         ApplyAsNewPerson(writer, normalizer_, record, source, plan.match));
        size_t placeholder = static_cast<size_t>(plan.person - kPlaceholder);
        if (created_ids_.size() <= placeholder) created_ids_.resize(placeholder + 1);
        created_ids_[placeholder] = person_id;
        ++state.created;
        state.outcomes.push_back({.line = record.line,
                                  .decision = RecordDecision::kCreated,
                                  .person_id = person_id,
                                  .method = plan.match.method,
                                  .weight = plan.best_weight});
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  Status RecordBatch(const FeedReport& report) {
    CommandContext context{.idempotency_key = KeyPrefix() + ":batch",
                           .actor = "feed:" + std::string(AgencyName(agency_))};
    json::array rejections;
    for (const Rejection& rejection : report.rejections) rejections.push_back(RejectionJson(rejection));
    json::object payload{{"agency", report.agency},
                         {"sequence", report.sequence},
                         {"checksum", report.checksum},
                         {"format", report.format},
                         {"records", report.records},
                         {"applied", report.linked + report.created},
                         {"created", report.created},
                         {"review", report.review},
                         {"rejected", report.rejected},
                         {"rejections", std::move(rejections)}};
    if (report.gap_from) payload["gap_from"] = *report.gap_from;
    if (report.gap_to) payload["gap_to"] = *report.gap_to;
    return registry_
        .WithPersonRecords(context, "feed_batch", checksum_,
                           [&](PersonRecordWriter& writer) -> Result<std::string> {
                             RETURN_IF_ERROR(writer.RecordBatch(payload));
                             return std::string("{}");
                           })
        .status();
  }

  // Where a batch's apply time goes (MUSTER_FEEDS_TIMING).
  struct Timing {
    double lookup = 0, candidates = 0, decide = 0, preload = 0, records = 0, flush = 0, commit = 0;
  };
  static double Since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  FeedIngestor& owner_;
  Registry& registry_;
  Timing timing_;
  NameNormalizer& normalizer_;
  const MatchWeights& weights_;
  Agency agency_;
  int64_t sequence_;
  FeedFormat format_;
  std::string checksum_;
  std::vector<RecordOutcome>* outcomes_;

  std::vector<FeedRecord> records_;
  std::vector<Hit> hits_;
  std::vector<ChunkForward> forward_;  // accepted chunks, in order (see ApplyChunks)
  std::vector<PersonId> created_ids_;  // placeholder - kPlaceholder → person id
  std::atomic<double> decide_overlapped_ = 0;
  std::vector<Rejection> rejections_;
  int64_t linked_ = 0, created_ = 0, review_ = 0;
};

// ---------------------------------------------------------------------------------------------
// FeedIngestor

FeedIngestor::FeedIngestor(Registry& registry, MatchWeights weights, IngestOptions options,
                           std::unique_ptr<NameNormalizer> normalizer)
    : registry_(registry),
      weights_(std::move(weights)),
      options_(options),
      normalizer_(std::move(normalizer)) {}

FeedIngestor::~FeedIngestor() = default;

Result<std::unique_ptr<FeedIngestor>> FeedIngestor::Create(Registry& registry,
                                                           MatchWeights weights,
                                                           IngestOptions options) {
  ASSIGN_OR_RETURN(auto normalizer, NameNormalizer::Create());
  ASSIGN_OR_RETURN(auto decide_normalizer, NameNormalizer::Create());
  auto ingestor = std::unique_ptr<FeedIngestor>(
      new FeedIngestor(registry, std::move(weights), options, std::move(normalizer)));
  ingestor->decide_normalizer_ = std::move(decide_normalizer);
  return ingestor;
}

Result<FeedReport> FeedIngestor::Receive(const CommandContext&, Agency agency, int64_t sequence,
                                         FeedFormat format, std::string_view bytes,
                                         std::vector<RecordOutcome>* outcomes) {
  if (sequence <= 0) return InvalidArgument("sequence: must be a positive number");
  FeedReport report;
  report.agency = std::string(AgencyName(agency));
  report.sequence = sequence;
  report.checksum = Sha256Hex(bytes);
  report.format = std::string(FeedFormatName(format));
  Connection& db = registry_.connection();
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(db, "SELECT checksum, format, records, applied, created, review, "
                                     "rejected, gap_from, gap_to FROM feed_batches WHERE agency "
                                     "= $1 AND sequence = $2"));
    query.Bind(report.agency).Bind(sequence);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (found) {
      if (query.Text(0) != report.checksum) {
        return Aborted("sequence: batch " + std::to_string(sequence) + " of agency " +
                       report.agency + " was already received with checksum " + query.Text(0) +
                       "; a different batch needs the next sequence number");
      }
      report.resent = true;
      report.format = query.Text(1);
      report.records = query.Int(2);
      report.created = query.Int(4);
      report.linked = query.Int(3) - report.created;
      report.review = query.Int(5);
      report.rejected = query.Int(6);
      report.gap_from = query.OptionalInt(7);
      report.gap_to = query.OptionalInt(8);
      query.Finish();
      ASSIGN_OR_RETURN(Query rejections,
                       Query::Make(db, "SELECT record, field, code, reason FROM feed_rejections "
                                       "WHERE agency = $1 AND sequence = $2 ORDER BY record"));
      rejections.Bind(report.agency).Bind(sequence);
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, rejections.Next());
        if (!has_row) break;
        report.rejections.push_back(
            {rejections.Int(0), rejections.Text(1), rejections.Text(2), rejections.Text(3)});
      }
      if (outcomes) outcomes->clear();
      return report;
    }
  }
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(db, "SELECT MAX(sequence) FROM feed_batches WHERE agency = $1"));
    query.Bind(report.agency);
    ASSIGN_OR_RETURN(bool found, query.Next());
    int64_t last = found && !query.IsNull(0) ? query.Int(0) : 0;
    if (sequence > last + 1) {
      report.gap_from = last + 1;
      report.gap_to = sequence - 1;
    }
  }
  CivilDate today = CivilDate(date::floor<date::days>(registry_.Now()));
  ASSIGN_OR_RETURN(ParsedBatch parsed, ParseBatch(agency, format, bytes, today));
  Batch batch(*this, agency, sequence, format, report.checksum, outcomes);
  return batch.Run(std::move(parsed), std::move(report));
}

Status FeedIngestor::PrepareCandidates(Connection& db, std::vector<int32_t> dates,
                                       bool with_addresses) {
  int64_t head = 0;
  PersonId max_person = 0;
  {
    ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT (SELECT seq FROM ledger_head), "
                                                  "(SELECT MAX(person_id) FROM persons)"));
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (found) {
      head = query.IsNull(0) ? 0 : query.Int(0);
      max_person = query.IsNull(1) ? 0 : query.Int(1);
    }
  }
  if (loaded_ && head > seen_seq_) {
    auto loaded = [&](PersonId, int32_t birth) { return loaded_all_ || loaded_dates_.contains(birth); };
    {
      // Persons recorded since, by anyone but this ingestor (whose own are in already).
      ASSIGN_OR_RETURN(Query query,
                       Query::Make(db, std::string("SELECT p.person_id, p.family_name, "
                                                   "p.given_name, p.patronymic, p.birth_date, "
                                                   "p.sex, p.region, ") +
                                           kLatestAddressRecord +
                                           " FROM persons p WHERE p.person_id > $1 AND p.status "
                                           "<> 'merged'"));
      query.Bind(max_person_);
      RETURN_IF_ERROR(AddCandidateRows(
          query, true,
          [&](PersonId person, int32_t birth) { return loaded(person, birth) && !self_added_.contains(person); },
          *normalizer_, index_));
    }
    {
      // Merges and splits since: merged records leave the candidates, split ones come back.
      ASSIGN_OR_RETURN(Query query, Query::Make(db, "SELECT merged_id, split_seq FROM person_merges "
                                                    "WHERE merge_seq > $1 OR split_seq > $1 ORDER "
                                                    "BY merge_id"));
      query.Bind(seen_seq_);
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, query.Next());
        if (!has_row) break;
        if (query.IsNull(1)) {
          merged_away_.insert(query.Int(0));
        } else {
          merged_away_.erase(query.Int(0));
        }
      }
    }
    {
      // New names (and records split off again) since: the current name becomes a candidate
      // too; the old one stays, as a former name would.
      ASSIGN_OR_RETURN(Query query,
                       Query::Make(db, "SELECT p.person_id, p.family_name, p.given_name, "
                                       "p.patronymic, p.birth_date, p.sex, p.region FROM persons p "
                                       "WHERE p.status <> 'merged' AND (p.person_id IN (SELECT "
                                       "person_id FROM person_former_names WHERE seq > $1) OR "
                                       "p.person_id IN (SELECT merged_id FROM person_merges WHERE "
                                       "split_seq > $1))"));
      query.Bind(seen_seq_);
      RETURN_IF_ERROR(AddCandidateRows(query, false, loaded, *normalizer_, index_));
    }
  }
  self_added_.clear();
  seen_seq_ = head;
  max_person_ = std::max(max_person_, max_person);
  loaded_ = true;
  std::vector<int32_t> missing;
  if (!loaded_all_) {
    for (int32_t day : dates) {
      if (loaded_dates_.insert(day).second) missing.push_back(day);
    }
  }
  if (!missing.empty()) {
    // Many dates (a large batch spans most birthdays on file): one pass over everyone beats
    // range queries that read the same rows again batch after batch.
    constexpr size_t kLoadEveryoneFrom = 2000;
    if (missing.size() >= kLoadEveryoneFrom) {
      index_ = CandidateIndex();
      index_.Reserve(static_cast<size_t>(max_person) + 1024);
      RETURN_IF_ERROR(LoadAllCandidates(db, *normalizer_, index_));
      loaded_all_ = true;
      addresses_loaded_ = false;
    } else {
      RETURN_IF_ERROR(LoadCandidates(db, std::move(missing), *normalizer_, index_));
    }
  }
  if (with_addresses && !addresses_loaded_) {
    RETURN_IF_ERROR(LoadCandidateAddresses(db, *normalizer_, index_));
    addresses_loaded_ = true;
  }
  return Status::Ok();
}

Result<ReviewCase> FeedIngestor::GetReview(int64_t review_id) {
  Connection& db = registry_.connection();
  ReviewCase review;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(db, "SELECT agency, sequence, record, status, weight, comparison, "
                                     "record_json, candidate_id FROM match_reviews WHERE "
                                     "review_id = $1"));
    query.Bind(review_id);
    ASSIGN_OR_RETURN(bool found, query.Next());
    if (!found) return NotFound("review: no review with id " + std::to_string(review_id));
    review.review_id = review_id;
    review.agency = query.Text(0);
    review.sequence = query.Int(1);
    review.line = query.Int(2);
    review.status = query.Text(3);
    review.weight = std::strtod(query.Text(4).c_str(), nullptr);
    std::error_code error;
    json::value comparison = json::parse(query.TextView(5), error);
    if (!error && comparison.is_object()) review.comparison = comparison.get_object();
    json::value record = json::parse(query.TextView(6), error);
    if (error || !record.is_object()) return DataLoss("match_reviews: record is not JSON");
    review.record = record.get_object();
    review.candidate_id = query.Int(7);
  }
  ASSIGN_OR_RETURN(Query person,
                   Query::Make(db, "SELECT family_name, given_name, patronymic, birth_date, sex, "
                                   "region, office, status, source FROM persons WHERE person_id "
                                   "= $1"));
  person.Bind(review.candidate_id);
  ASSIGN_OR_RETURN(bool found, person.Next());
  if (found) {
    review.candidate = json::object{
        {"person_id", review.candidate_id},
        {"family_name", person.Text(0)},
        {"given_name", person.Text(1)},
        {"patronymic", person.Text(2)},
        {"birth_date", FormatDate(FromEpochDays(static_cast<int32_t>(person.Int(3))))},
        {"sex", person.Text(4)},
        {"region", person.Text(5)},
        {"office", person.Text(6)},
        {"status", person.Text(7)},
        {"source", person.Text(8)}};
    person.Finish();
    ASSIGN_OR_RETURN(Query ids, Query::Make(db, "SELECT kind, value FROM person_identifiers "
                                                "WHERE person_id = $1 ORDER BY kind"));
    ids.Bind(review.candidate_id);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, ids.Next());
      if (!has_row) break;
      review.candidate[ids.Text(0)] = ids.Text(1);
    }
  }
  return review;
}

Result<std::vector<ReviewCase>> FeedIngestor::OpenReviews(int64_t limit) {
  std::vector<int64_t> ids;
  {
    ASSIGN_OR_RETURN(Query query,
                     Query::Make(registry_.connection(),
                                 "SELECT review_id FROM match_reviews WHERE status = 'open' "
                                 "ORDER BY review_id LIMIT $1"));
    query.Bind(limit);
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, query.Next());
      if (!has_row) break;
      ids.push_back(query.Int(0));
    }
  }
  std::vector<ReviewCase> reviews;
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(ReviewCase review, GetReview(id));
    reviews.push_back(std::move(review));
  }
  return reviews;
}

Result<PersonId> FeedIngestor::DecideReview(const CommandContext& context, int64_t review_id,
                                            std::string_view decision, std::string_view note) {
  if (decision != "link" && decision != "new") {
    return InvalidArgument("decision: expected link or new, got '" + std::string(decision) + "'");
  }
  ASSIGN_OR_RETURN(ReviewCase review, GetReview(review_id));
  if (review.status != "open") {
    return FailedPrecondition("review: " + std::to_string(review_id) + " is already decided (" +
                              review.status + ")");
  }
  ASSIGN_OR_RETURN(Agency agency, ParseAgency(review.agency, "agency"));
  CivilDate today = CivilDate(date::floor<date::days>(registry_.Now()));
  auto validated = ValidateRecord(agency, review.line, FieldsOfJson(review.record), today);
  if (auto* rejection = std::get_if<Rejection>(&validated)) {
    return DataLoss("review " + std::to_string(review_id) + ": held record no longer valid: " +
                    rejection->reason);
  }
  const FeedRecord& record = std::get<FeedRecord>(validated);
  Provenance source{.agency = review.agency,
                    .sequence = review.sequence,
                    .record = review.line,
                    .record_id = record.record_id};
  json::object request{{"review_id", review_id}, {"decision", decision}, {"note", note}};
  PersonId person_id = 0;
  auto result = registry_.WithPersonRecords(
      context, "decide_review", json::serialize(request),
      [&](PersonRecordWriter& writer) -> Result<std::string> {
        if (decision == "link") {
          person_id = review.candidate_id;
          MatchFacts match{.method = "review " + std::to_string(review_id) + " by " + context.actor,
                           .weight = review.weight};
          RETURN_IF_ERROR(ApplyToPerson(writer, *normalizer_, record, person_id, record.identifiers,
                                        source, match));
          RETURN_IF_ERROR(writer.CloseReview(review_id, "linked", person_id, note, context.actor));
        } else {
          if (!record.sex || record.region.empty()) {
            return FailedPrecondition("review: the record lacks the sex or region needed to "
                                      "record a new person");
          }
          MatchFacts match{.method = "new person by review " + std::to_string(review_id),
                           .weight = review.weight};
          ASSIGN_OR_RETURN(person_id, ApplyAsNewPerson(writer, *normalizer_, record, source, match));
          RETURN_IF_ERROR(writer.CloseReview(review_id, "created", person_id, note, context.actor));
        }
        return ResultJson("person_id", person_id);
      });
  if (!result.ok()) return result.status();
  return ResultValue(*result, "person_id");
}

Result<FeedReport> ReceiveFeedBatch(Registry& registry, const CommandContext& context,
                                    std::string_view agency, int64_t sequence,
                                    std::string_view format, std::string_view bytes) {
  ASSIGN_OR_RETURN(Agency parsed_agency, ParseAgency(agency, "agency"));
  ASSIGN_OR_RETURN(FeedFormat parsed_format, ParseFeedFormat(format, "format"));
  ASSIGN_OR_RETURN(MatchWeights weights, LoadMatchWeights(DefaultWeightsPath()));
  ASSIGN_OR_RETURN(auto ingestor, FeedIngestor::Create(registry, std::move(weights)));
  return ingestor->Receive(context, parsed_agency, sequence, parsed_format, bytes);
}

}  // namespace muster::feeds
