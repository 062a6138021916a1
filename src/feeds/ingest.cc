#include "feeds/ingest.h"

#include <algorithm>
#include <chrono>
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
    const size_t chunk = static_cast<size_t>(std::max<int64_t>(1, owner_.options_.chunk_records));
    for (size_t begin = 0, index = 0; begin < records_.size(); begin += chunk, ++index) {
      RETURN_IF_ERROR(ApplyChunk(begin, std::min(records_.size(), begin + chunk), index));
    }
    auto t2 = std::chrono::steady_clock::now();
    if (std::getenv("MUSTER_FEEDS_TIMING")) {
      std::fprintf(stderr,
                   "resolve %.3f s (candidates %zu), apply %.3f s: decide %.3f, preload %.3f, "
                   "records %.3f, flush %.3f, commit %.3f\n",
                   std::chrono::duration<double>(t1 - t0).count(), owner_.index_.size(),
                   std::chrono::duration<double>(t2 - t1).count(), timing_.decide, timing_.preload,
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
  };

  // What one chunk adds; kept apart so that a chunk applied again starts clean.
  struct ChunkState {
    CandidateIndex added;  // persons this chunk creates or renames (placeholder ids)
    std::unordered_map<std::string, PersonId> identifiers;  // recorded in this chunk → person
    int64_t linked = 0, created = 0, review = 0;
    std::vector<Rejection> rejections;
    std::vector<RecordOutcome> outcomes;
    std::vector<std::pair<PersonId, MatchSubject>> subjects;  // for the batch's index
  };

  // What the decision pass made of one record, to be applied in the chunk's transaction. A
  // person the chunk creates is named by a placeholder, -(k + 1) for the k-th, until the
  // transaction gives it its id.
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
    std::optional<MatchSubject> subject;  // kCreate, and kLink of a name change: for the index
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
                    .merged = query.TextView(3) == "merged"};
        }
      }
    }
    return owners;
  }

  Status ResolveInSnapshot(Connection& db) {
    hits_.resize(records_.size());
    std::vector<int32_t> dates;
    bool with_addresses = false;
    ASSIGN_OR_RETURN(auto owners, LookUpIdentifiers(db));
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
        }
      }
      if (hit.person_id == 0 && !hit.conflict) {
        if (!record.Value("address").empty()) with_addresses = true;
        int32_t days = ToEpochDays(record.birth_date);
        dates.push_back(days);
        if (auto swapped = SwappedDate(days)) dates.push_back(*swapped);
      }
    }
    return owner_.PrepareCandidates(db, std::move(dates), with_addresses);
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

  Status ApplyChunk(size_t begin, size_t end, int64_t index) {
    CommandContext context{.idempotency_key = KeyPrefix() + ":chunk:" + std::to_string(index),
                           .actor = "feed:" + std::string(AgencyName(agency_))};
    std::string request = checksum_ + ":" + std::to_string(begin) + "-" + std::to_string(end);
    std::map<size_t, Rejection> faults;  // records whose application failed
    // Bulk mode (PersonRecordWriter::Preload) unless a failure could not be traced to a record:
    // then the chunk runs again record by record, which names it.
    bool bulk = owner_.options_.bulk;
    while (true) {
      ChunkState state;
      auto started = std::chrono::steady_clock::now();
      std::vector<Plan> plans = Decide(begin, end, faults, state);
      timing_.decide += Since(started);
      started = std::chrono::steady_clock::now();
      bool ran = false;
      size_t failed = end;
      Status failure;
      auto result = registry_.WithPersonRecords(
          context, "feed_chunk", request, [&](PersonRecordWriter& writer) -> Result<std::string> {
            ran = true;
            timing_.commit -= Since(started);
            auto preloading = std::chrono::steady_clock::now();
            if (bulk) RETURN_IF_ERROR(writer.Preload(PreloadOf(plans)));
            timing_.preload += Since(preloading);
            auto recording = std::chrono::steady_clock::now();
            std::vector<PersonId> created;  // placeholder -(k + 1) → id
            for (const Plan& plan : plans) {
              Status status = ApplyPlan(writer, plan, created, state);
              if (!status.ok()) {
                failed = plan.index;
                failure = status;
                return status;
              }
            }
            timing_.records += Since(recording);
            auto flushing = std::chrono::steady_clock::now();
            RETURN_IF_ERROR(writer.Flush());
            timing_.flush += Since(flushing);
            started = std::chrono::steady_clock::now();
            json::array rejections;
            for (const Rejection& rejection : state.rejections) {
              rejections.push_back(RejectionJson(rejection));
            }
            return json::serialize(json::object{{"linked", state.linked},
                                                {"created", state.created},
                                                {"review", state.review},
                                                {"rejections", std::move(rejections)}});
          });
      timing_.commit += Since(started);
      if (result.ok() && !ran) return Replayed(*result);
      if (result.ok()) {
        Merge(std::move(state));
        return Status::Ok();
      }
      if (failed == end) {
        if (bulk && IsRecordFault(result.status())) {
          bulk = false;
          continue;
        }
        return result.status();
      }
      if (!IsRecordFault(failure)) return result.status();
      const std::string& message = failure.message();
      faults[failed] = Rejection{records_[failed].line, FieldOf(message),
                                 std::string(RejectionCodeOf(failure)), message};
    }
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

  void Merge(ChunkState state) {
    linked_ += state.linked;
    created_ += state.created;
    review_ += state.review;
    for (Rejection& rejection : state.rejections) rejections_.push_back(std::move(rejection));
    for (auto& [key, person] : state.identifiers) batch_identifiers_[key] = person;
    for (auto& [person_id, subject] : state.subjects) {
      owner_.self_added_.insert(person_id);
      owner_.index_.Add(person_id, std::move(subject));
    }
    if (outcomes_) {
      for (RecordOutcome& outcome : state.outcomes) outcomes_->push_back(std::move(outcome));
    }
  }

  // The decision pass: which person each record of the chunk is about (or a new one, a review,
  // a rejection), from the batch's resolution, what earlier chunks and records of this chunk
  // recorded, and the candidates. Reads nothing from the store. Rejections go to `state`.
  std::vector<Plan> Decide(size_t begin, size_t end, const std::map<size_t, Rejection>& faults,
                           ChunkState& state) {
    std::vector<Plan> plans;
    plans.reserve(end - begin);
    std::unordered_map<std::string, PersonId> identifiers;  // this chunk, placeholders included
    PersonId placeholders = 0;
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
      Plan plan{.index = i, .person = hit.person_id, .match = {.method = hit.method},
                .unknown = hit.unknown};
      if (plan.person == 0) {
        // Identifiers recorded earlier in this batch (a person created from an earlier record).
        bool conflict = false;
        for (const auto& [kind, value] : record.identifiers) {
          std::string key = IdentifierKey(kind, value);
          PersonId owner = 0;
          if (auto found = identifiers.find(key); found != identifiers.end()) {
            owner = found->second;
          } else if (auto earlier = batch_identifiers_.find(key); earlier != batch_identifiers_.end()) {
            owner = earlier->second;
          }
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
            std::string key = IdentifierKey(identifier.first, identifier.second);
            if (!identifiers.contains(key) && !batch_identifiers_.contains(key)) {
              plan.unknown.push_back(identifier);
            }
          }
        }
      }
      MatchSubject subject;
      if (plan.person == 0) {
        subject = SubjectOf(record, normalizer_);
        std::vector<const CandidateIndex::Candidate*> candidates = owner_.index_.Block(subject);
        std::vector<const CandidateIndex::Candidate*> recent = state.added.Block(subject);
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
        for (const auto& [kind, value] : plan.unknown) identifiers[IdentifierKey(kind, value)] = plan.person;
        if (record.event == kNameChange) {
          MatchSubject renamed = SubjectOf(record, normalizer_);
          renamed.family = normalizer_.Key(record.Value("new_family_name"));
          if (const std::string& given = record.Value("new_given_name"); !given.empty()) {
            renamed.given = normalizer_.Key(given);
          }
          if (const std::string& patronymic = record.Value("new_patronymic"); !patronymic.empty()) {
            renamed.patronymic = normalizer_.Key(patronymic);
          }
          state.added.Add(plan.person, renamed);
          plan.subject = std::move(renamed);
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
      plan.person = -(++placeholders);
      plan.match = {.method = "new person", .weight = plan.best_weight};
      for (const auto& [kind, value] : record.identifiers) {
        identifiers[IdentifierKey(kind, value)] = plan.person;
      }
      state.added.Add(plan.person, subject);
      plan.subject = std::move(subject);
      plans.push_back(std::move(plan));
    }
    return plans;
  }

  PersonRecordPreload PreloadOf(const std::vector<Plan>& plans) const {
    PersonRecordPreload preload;
    for (const Plan& plan : plans) {
      const FeedRecord& record = records_[plan.index];
      if (plan.kind == Plan::Kind::kLink) {
        if (plan.person > 0) {
          preload.persons.push_back(plan.person);
          if (record.event == kDeath || record.event == "enrolment") {
            preload.obligations.push_back(plan.person);
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

  Status ApplyPlan(PersonRecordWriter& writer, const Plan& plan, std::vector<PersonId>& created,
                   ChunkState& state) {
    const FeedRecord& record = records_[plan.index];
    auto resolve = [&](PersonId person) {
      return person > 0 ? person : created[static_cast<size_t>(-person - 1)];
    };
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
        for (const auto& [kind, value] : plan.unknown) {
          state.identifiers[IdentifierKey(kind, value)] = person_id;
        }
        if (plan.subject) state.subjects.emplace_back(person_id, *plan.subject);
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
        created.push_back(person_id);
        for (const auto& [kind, value] : record.identifiers) {
          state.identifiers[IdentifierKey(kind, value)] = person_id;
        }
        state.subjects.emplace_back(person_id, *plan.subject);
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
    double decide = 0, preload = 0, records = 0, flush = 0, commit = 0;
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
  std::unordered_map<std::string, PersonId> batch_identifiers_;
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
  return std::unique_ptr<FeedIngestor>(
      new FeedIngestor(registry, std::move(weights), options, std::move(normalizer)));
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
