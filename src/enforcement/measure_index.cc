#include "enforcement/measure_index.h"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>

#include "registry/events.h"

namespace muster::enforcement {
namespace {

namespace json = boost::json;

// Events read per query and applied per exclusive lock: a page is applied in well under a
// millisecond, so readers never wait long behind an update.
constexpr int64_t kCatchUpPage = 4096;

// Person ids are dense and start at 1; anything past this is a corrupt payload, not a person
// (it would make the index allocate pages for nothing).
constexpr PersonId kMaxPersonId = int64_t{1} << 36;

int KindIndex(MeasureKind kind) { return static_cast<int>(kind); }

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

uint64_t Digits(std::string_view text) {
  uint64_t value = 0;
  for (char c : text) value = value * 10 + static_cast<uint64_t>(c - '0');
  return value;
}

// The code point of a two-byte UTF-8 sequence in the Cyrillic block U+0400..U+04FF, or -1.
int CyrillicCodePoint(unsigned char lead, unsigned char trail) {
  if ((lead != 0xD0 && lead != 0xD1 && lead != 0xD2 && lead != 0xD3) || (trail & 0xC0) != 0x80) {
    return -1;
  }
  return ((lead & 0x1F) << 6) | (trail & 0x3F);
}

}  // namespace

std::optional<uint64_t> PackDocumentKey(IdentifierKind kind, std::string_view canonical) {
  // bits 58..61: kind + 1; bits 54..57: digit count (15 marks a lettered licence series);
  // bits 0..53: the value. Distinct canonical identifiers give distinct keys.
  const uint64_t kind_bits = static_cast<uint64_t>(static_cast<int>(kind) + 1) << 58;
  if (AllDigits(canonical) && canonical.size() <= 14) {
    return kind_bits | (static_cast<uint64_t>(canonical.size()) << 54) | Digits(canonical);
  }
  // Driving licence "99АВ123456": two digits, two Cyrillic letters (two bytes each), six digits.
  if (canonical.size() == 12 && AllDigits(canonical.substr(0, 2)) &&
      AllDigits(canonical.substr(6, 6))) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(canonical[i]); };
    int first = CyrillicCodePoint(byte(2), byte(3));
    int second = CyrillicCodePoint(byte(4), byte(5));
    if (first < 0 || second < 0) return std::nullopt;
    uint64_t series = Digits(canonical.substr(0, 2)) * 65536 +
                      static_cast<uint64_t>(first - 0x400) * 256 +
                      static_cast<uint64_t>(second - 0x400);
    return kind_bits | (uint64_t{15} << 54) | (series * 1000000 + Digits(canonical.substr(6)));
  }
  return std::nullopt;
}

struct MeasureIndex::Slot {
  KindMask in_force = 0;  // bit per MeasureKind
  uint8_t known = 0;      // on file: registered, or recorded from a source agency
  uint16_t office = 0;    // index into offices_
  uint32_t details = 0;   // 1 + index into details_; 0 when the person has nothing in force
};

struct MeasureIndex::Change {
  // kPerson: a person on file (registered or only recorded) with office and identifiers;
  // kDocuments: identifiers recorded later for person_id; kMoveDocuments: identifiers moved to
  // person_id by a merge or split (only those still held by `from` when from != 0).
  enum class Type { kIgnored, kPerson, kDocuments, kMoveDocuments, kImpose, kLift };
  Type type = Type::kIgnored;
  int64_t seq = 0;
  PersonId person_id = 0;
  PersonId from = 0;
  std::string office;
  std::vector<std::pair<IdentifierKind, std::string>> documents;
  MeasureKind kind = MeasureKind::kExit;
  MeasureId measure_id = 0;
  int64_t since = 0;
};

MeasureIndex::MeasureIndex() { Clear(); }
MeasureIndex::~MeasureIndex() = default;

void MeasureIndex::Clear() {
  pages_.clear();
  persons_ = 0;
  details_.clear();
  free_details_.clear();
  overlaps_.clear();
  offices_.clear();
  office_ids_.clear();
  offices_.emplace_back();  // index 0: no office known
  office_ids_.emplace("", 0);
  documents_.clear();
  unpacked_documents_.clear();
  in_force_counts_.fill(0);
  applied_seq_.store(0, std::memory_order_release);
}

namespace {

Result<std::pair<IdentifierKind, std::string>> ParseIdentifierItem(const json::value& item) {
  if (!item.is_object()) return DataLoss("malformed identifier");
  ASSIGN_OR_RETURN(std::string kind_name, JsonString(item.get_object(), "kind"));
  ASSIGN_OR_RETURN(std::string value, JsonString(item.get_object(), "value"));
  auto kind = ParseIdentifierKind(kind_name, "identifier kind");
  if (!kind.ok()) return DataLoss(kind.status().message());
  return std::make_pair(*kind, std::move(value));
}

Result<PersonId> PersonIdField(const json::object& payload, std::string_view key) {
  ASSIGN_OR_RETURN(PersonId person_id, JsonInt(payload, key));
  if (person_id <= 0 || person_id > kMaxPersonId) {
    return DataLoss(std::string(key) + " " + std::to_string(person_id) + " out of range");
  }
  return person_id;
}

// The identifiers of a merge or split event: payload.moved.identifiers.
Status MovedIdentifiers(const json::object& payload,
                        std::vector<std::pair<IdentifierKind, std::string>>& out) {
  const json::value* moved = payload.if_contains("moved");
  if (moved == nullptr || !moved->is_object()) return DataLoss("field 'moved' missing");
  const json::value* identifiers = moved->get_object().if_contains("identifiers");
  if (identifiers == nullptr || !identifiers->is_array()) {
    return DataLoss("field 'moved.identifiers' missing");
  }
  for (const json::value& item : identifiers->get_array()) {
    ASSIGN_OR_RETURN(auto identifier, ParseIdentifierItem(item));
    out.push_back(std::move(identifier));
  }
  return Status::Ok();
}

}  // namespace

// Mirrors what the projector does to persons, person_identifiers and measures, so that an
// index that replays the ledger equals one loaded from those tables (Load).
Result<MeasureIndex::Change> MeasureIndex::Parse(const LedgerEvent& event) const {
  Change change;
  change.seq = event.seq;
  const std::string_view type = event.type;
  const bool person = type == events::kPersonRegistered || type == events::kPersonRecorded;
  const bool attributes = type == events::kAttributeRecorded;
  const bool merged = type == events::kPersonsMerged;
  const bool split = type == events::kPersonSplit;
  const bool impose = type == events::kMeasureImposed;
  const bool lift = type == events::kMeasureLifted;
  if (!person && !attributes && !merged && !split && !impose && !lift) {
    return change;  // nothing a check answers from
  }

  std::error_code error;
  json::value value = json::parse(event.payload, error);
  const std::string where = "measure index: event " + std::to_string(event.seq) + ": ";
  if (error || !value.is_object()) return DataLoss(where + "payload is not a JSON object");
  const json::object& payload = value.get_object();
  auto parse = [&]() -> Status {
    if (merged || split) {
      change.type = Change::Type::kMoveDocuments;
      ASSIGN_OR_RETURN(PersonId survivor, PersonIdField(payload, "survivor_id"));
      if (merged) {
        change.person_id = survivor;
      } else {
        ASSIGN_OR_RETURN(change.person_id, PersonIdField(payload, "restored_id"));
        change.from = survivor;
      }
      return MovedIdentifiers(payload, change.documents);
    }
    ASSIGN_OR_RETURN(change.person_id, PersonIdField(payload, "person_id"));
    if (person) {
      change.type = Change::Type::kPerson;
      ASSIGN_OR_RETURN(change.office, JsonString(payload, "office"));
      const json::value* identifiers = payload.if_contains("identifiers");
      if (identifiers == nullptr || !identifiers->is_array()) {
        return DataLoss("field 'identifiers' missing");
      }
      for (const json::value& item : identifiers->get_array()) {
        ASSIGN_OR_RETURN(auto identifier, ParseIdentifierItem(item));
        change.documents.push_back(std::move(identifier));
      }
      return Status::Ok();
    }
    if (attributes) {
      // Attributes named like an identifier kind are identifiers (person_records.cc).
      change.type = Change::Type::kDocuments;
      const json::value* values = payload.if_contains("attributes");
      if (values == nullptr || !values->is_object()) return DataLoss("field 'attributes' missing");
      for (const auto& [key, text] : values->get_object()) {
        auto kind = ParseIdentifierKind(key, "attribute");
        if (!kind.ok()) continue;
        if (!text.is_string()) return DataLoss("attribute values are strings");
        change.documents.emplace_back(*kind, std::string(text.get_string()));
      }
      return Status::Ok();
    }
    change.type = impose ? Change::Type::kImpose : Change::Type::kLift;
    ASSIGN_OR_RETURN(change.measure_id, JsonInt(payload, "measure_id"));
    ASSIGN_OR_RETURN(std::string kind_name, JsonString(payload, "kind"));
    auto kind = ParseMeasureKind(kind_name, "kind");
    if (!kind.ok()) return DataLoss(kind.status().message());
    change.kind = *kind;
    change.since = ToUnixSeconds(event.effective_at);
    return Status::Ok();
  };
  Status status = parse();
  if (!status.ok()) return DataLoss(where + status.message());
  return change;
}

MeasureIndex::Slot* MeasureIndex::SlotFor(PersonId person_id) {
  size_t page = static_cast<size_t>(person_id >> kPageBits);
  if (page >= pages_.size()) pages_.resize(page + 1);
  if (!pages_[page]) pages_[page] = std::make_unique<Slot[]>(kPageSize);
  return &pages_[page][person_id & (kPageSize - 1)];
}

const MeasureIndex::Slot* MeasureIndex::FindSlot(PersonId person_id) const {
  if (person_id <= 0) return nullptr;
  size_t page = static_cast<size_t>(person_id >> kPageBits);
  if (page >= pages_.size() || !pages_[page]) return nullptr;
  const Slot* slot = &pages_[page][person_id & (kPageSize - 1)];
  return slot->known ? slot : nullptr;
}

Result<uint16_t> MeasureIndex::InternOffice(std::string_view office) {
  auto found = office_ids_.find(std::string(office));
  if (found != office_ids_.end()) return found->second;
  if (offices_.size() >= 65535) return DataLoss("measure index: more than 65,535 offices");
  auto id = static_cast<uint16_t>(offices_.size());
  offices_.emplace_back(office);
  office_ids_.emplace(std::string(office), id);
  return id;
}

void MeasureIndex::AddDocument(IdentifierKind kind, std::string_view canonical, PersonId person_id,
                               PersonId only_from) {
  auto assign = [&](auto& map, const auto& key) {
    if (only_from == 0) {
      map[key] = person_id;
      return;
    }
    auto found = map.find(key);  // a split moves back only what is still where it was moved
    if (found != map.end() && found->second == only_from) found->second = person_id;
  };
  if (auto key = PackDocumentKey(kind, canonical)) {
    assign(documents_, *key);
  } else {
    assign(unpacked_documents_,
           std::string(IdentifierKindName(kind)) + ":" + std::string(canonical));
  }
}

void MeasureIndex::Impose(PersonId person_id, MeasureKind kind, MeasureId measure_id,
                          int64_t since) {
  Slot* slot = SlotFor(person_id);
  const KindMask bit = KindBit(kind);
  const int k = KindIndex(kind);
  if (slot->in_force & bit) {
    overlaps_[{person_id, k}].push_back({measure_id, since});
    return;
  }
  if (slot->details == 0) {
    if (!free_details_.empty()) {
      slot->details = free_details_.back();
      free_details_.pop_back();
    } else {
      details_.emplace_back();
      slot->details = static_cast<uint32_t>(details_.size());
    }
  }
  details_[slot->details - 1][k] = {measure_id, since};
  slot->in_force |= bit;
  ++in_force_counts_[k];
}

void MeasureIndex::Lift(PersonId person_id, MeasureKind kind, MeasureId measure_id) {
  // const_cast: FindSlot is the lookup for readers; the index itself is not const here.
  Slot* slot = const_cast<Slot*>(FindSlot(person_id));
  if (slot == nullptr) return;
  const KindMask bit = KindBit(kind);
  const int k = KindIndex(kind);
  if ((slot->in_force & bit) == 0) return;  // nothing of this kind in force: nothing to lift
  KindDetail& primary = details_[slot->details - 1][k];
  auto overlap = overlaps_.find({person_id, k});
  if (primary.measure_id != measure_id) {
    if (overlap == overlaps_.end()) return;
    std::erase_if(overlap->second, [&](const KindDetail& d) { return d.measure_id == measure_id; });
    if (overlap->second.empty()) overlaps_.erase(overlap);
    return;
  }
  if (overlap != overlaps_.end()) {  // the next measure of the kind takes over
    primary = overlap->second.front();
    overlap->second.erase(overlap->second.begin());
    if (overlap->second.empty()) overlaps_.erase(overlap);
    return;
  }
  primary = {};
  slot->in_force &= static_cast<KindMask>(~bit);
  --in_force_counts_[k];
  if (slot->in_force == 0) {
    free_details_.push_back(slot->details);
    slot->details = 0;
  }
}

Status MeasureIndex::ApplyLocked(const Change& change) {
  switch (change.type) {
    case Change::Type::kIgnored:
      return Status::Ok();
    case Change::Type::kPerson: {
      Slot* slot = SlotFor(change.person_id);
      ASSIGN_OR_RETURN(uint16_t office, InternOffice(change.office));
      if (!slot->known) ++persons_;
      slot->known = 1;
      slot->office = office;
      for (const auto& [kind, value] : change.documents) AddDocument(kind, value, change.person_id);
      return Status::Ok();
    }
    case Change::Type::kDocuments:
    case Change::Type::kMoveDocuments:
      for (const auto& [kind, value] : change.documents) {
        AddDocument(kind, value, change.person_id, change.from);
      }
      return Status::Ok();
    case Change::Type::kImpose:
      Impose(change.person_id, change.kind, change.measure_id, change.since);
      return Status::Ok();
    case Change::Type::kLift:
      Lift(change.person_id, change.kind, change.measure_id);
      return Status::Ok();
  }
  return Status::Ok();
}

Status MeasureIndex::ApplyBatch(std::vector<Change>& batch, int64_t last_seq) {
  std::unique_lock lock(mutex_);
  for (const Change& change : batch) {
    Status status = ApplyLocked(change);
    if (!status.ok()) {
      applied_seq_.store(change.seq - 1, std::memory_order_release);
      return status;
    }
  }
  applied_seq_.store(last_seq, std::memory_order_release);
  return Status::Ok();
}

Status MeasureIndex::Apply(const LedgerEvent& event) {
  std::lock_guard update(update_mutex_);
  int64_t applied = applied_seq();
  if (event.seq <= applied) return Status::Ok();
  if (event.seq != applied + 1) {
    return DataLoss("measure index: event " + std::to_string(event.seq) + " follows " +
                    std::to_string(applied) + " — a gap in the ledger");
  }
  ASSIGN_OR_RETURN(Change change, Parse(event));
  std::vector<Change> batch;
  batch.push_back(std::move(change));
  return ApplyBatch(batch, event.seq);
}

Result<int64_t> MeasureIndex::CatchUp(Connection& connection) {
  std::lock_guard update(update_mutex_);
  int64_t total = 0;
  while (true) {
    const int64_t from = applied_seq();
    int64_t last = from;
    std::vector<Change> batch;
    // Parse outside the lock; only applying needs readers to wait.
    Status read = ReadEvents(connection, from, kCatchUpPage, [&](const LedgerEvent& event) {
      if (event.seq != last + 1) {
        return DataLoss("measure index: event " + std::to_string(event.seq) + " follows " +
                        std::to_string(last) + " — a gap in the ledger");
      }
      ASSIGN_OR_RETURN(Change change, Parse(event));
      last = event.seq;
      if (change.type != Change::Type::kIgnored) batch.push_back(std::move(change));
      return Status::Ok();
    });
    // Whatever was read before an error is applied: the index stops just before it.
    if (last > from) RETURN_IF_ERROR(ApplyBatch(batch, last));
    RETURN_IF_ERROR(read);
    total += last - from;
    if (last - from < kCatchUpPage) return total;
  }
}

Status MeasureIndex::Load(Connection& connection) {
  {
    std::lock_guard update(update_mutex_);
    std::unique_lock lock(mutex_);
    Clear();
    RETURN_IF_ERROR(connection.BeginRead());
    auto load = [&]() -> Status {
      ASSIGN_OR_RETURN(Query head,
                       Query::Make(connection, "SELECT seq FROM ledger_head WHERE id = 1"));
      ASSIGN_OR_RETURN(bool has_head, head.Next());
      if (!has_head) return DataLoss("ledger: the ledger head row is missing");
      const int64_t head_seq = head.Int(0);
      head.Finish();

      ASSIGN_OR_RETURN(Query persons,
                       Query::Make(connection, "SELECT person_id, office FROM persons"));
      std::string last_office;
      uint16_t last_office_id = 0;
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, persons.Next());
        if (!has_row) break;
        PersonId person_id = persons.Int(0);
        if (person_id <= 0 || person_id > kMaxPersonId) {
          return DataLoss("persons: person_id " + std::to_string(person_id) + " out of range");
        }
        std::string_view office = persons.TextView(1);
        if (office != last_office) {  // rows come mostly grouped by office: skip the map
          ASSIGN_OR_RETURN(last_office_id, InternOffice(office));
          last_office = office;
        }
        Slot* slot = SlotFor(person_id);
        if (!slot->known) ++persons_;
        slot->known = 1;
        slot->office = last_office_id;
      }
      persons.Finish();

      ASSIGN_OR_RETURN(
          Query identifiers,
          Query::Make(connection, "SELECT kind, value, person_id FROM person_identifiers"));
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, identifiers.Next());
        if (!has_row) break;
        auto kind = ParseIdentifierKind(identifiers.TextView(0), "person_identifiers.kind");
        if (!kind.ok()) return DataLoss(kind.status().message());
        AddDocument(*kind, identifiers.TextView(1), identifiers.Int(2));
      }
      identifiers.Finish();

      // In imposition order, so overlapping measures of a kind line up as a replay would.
      ASSIGN_OR_RETURN(Query measures,
                       Query::Make(connection,
                                   "SELECT measure_id, person_id, kind, start_at FROM measures "
                                   "WHERE lifted_at IS NULL ORDER BY measure_id"));
      while (true) {
        ASSIGN_OR_RETURN(bool has_row, measures.Next());
        if (!has_row) break;
        auto kind = ParseMeasureKind(measures.TextView(2), "measures.kind");
        if (!kind.ok()) return DataLoss(kind.status().message());
        PersonId person_id = measures.Int(1);
        if (FindSlot(person_id) == nullptr) {
          return DataLoss("measures: measure " + std::to_string(measures.Int(0)) +
                          " names unknown person " + std::to_string(person_id));
        }
        Impose(person_id, *kind, measures.Int(0), measures.Int(3));
      }
      measures.Finish();
      applied_seq_.store(head_seq, std::memory_order_release);
      return Status::Ok();
    };
    Status status = load();
    Status ended = connection.Commit();
    if (!status.ok()) {
      Clear();
      return status.WithContext("measure index: loading the snapshot");
    }
    RETURN_IF_ERROR(ended);
  }
  return CatchUp(connection).status();
}

void MeasureIndex::FillAnswer(const Slot* slot, KindMask kinds, int64_t now,
                              CheckAnswer& answer) const {
  answer.known = slot != nullptr;
  answer.in_force = 0;
  answer.count = 0;
  if (slot == nullptr) {
    answer.office = {};
    return;
  }
  answer.office = offices_[slot->office];
  unsigned mask = slot->in_force & kinds;
  if (mask == 0) return;
  const Details& details = details_[slot->details - 1];
  for (; mask != 0; mask &= mask - 1) {
    const int k = std::countr_zero(mask);
    const KindDetail& detail = details[static_cast<size_t>(k)];
    if (detail.since > now) continue;  // imposed with effect later than the instant asked about
    answer.in_force |= static_cast<KindMask>(1u << k);
    answer.measures[answer.count++] = {kAllMeasureKinds[static_cast<size_t>(k)], detail.measure_id,
                                       FromUnixSeconds(detail.since)};
  }
}

CheckAnswer MeasureIndex::Check(const Consumer& consumer, PersonId person_id, Instant now) const {
  CheckAnswer answer;
  answer.person_id = person_id;
  std::shared_lock lock(mutex_);
  answer.as_of_seq = applied_seq();
  FillAnswer(FindSlot(person_id), consumer.kinds, ToUnixSeconds(now), answer);
  return answer;
}

CheckAnswer MeasureIndex::CheckAll(PersonId person_id, Instant now) const {
  CheckAnswer answer;
  answer.person_id = person_id;
  std::shared_lock lock(mutex_);
  answer.as_of_seq = applied_seq();
  FillAnswer(FindSlot(person_id), static_cast<KindMask>((1u << kAllMeasureKinds.size()) - 1),
             ToUnixSeconds(now), answer);
  return answer;
}

void MeasureIndex::CheckMany(const Consumer& consumer, std::span<const PersonId> ids, Instant now,
                             std::span<CheckAnswer> answers) const {
  // Ids in a bank's run are in no particular order: each slot is a cache miss, so the slots a
  // few ids ahead are prefetched while the current one is answered.
  constexpr size_t kAhead = 8;
  const int64_t now_seconds = ToUnixSeconds(now);
  std::shared_lock lock(mutex_);
  const int64_t as_of = applied_seq();
  auto prefetch = [&](PersonId id) {
    if (id <= 0) return;
    size_t page = static_cast<size_t>(id >> kPageBits);
    if (page < pages_.size() && pages_[page]) {
      __builtin_prefetch(&pages_[page][id & (kPageSize - 1)]);
    }
  };
  for (size_t i = 0; i < std::min(kAhead, ids.size()); ++i) prefetch(ids[i]);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i + kAhead < ids.size()) prefetch(ids[i + kAhead]);
    CheckAnswer& answer = answers[i];
    answer.person_id = ids[i];
    answer.as_of_seq = as_of;
    FillAnswer(FindSlot(ids[i]), consumer.kinds, now_seconds, answer);
  }
}

std::optional<PersonId> MeasureIndex::FindDocument(IdentifierKind kind,
                                                   std::string_view canonical) const {
  std::shared_lock lock(mutex_);
  if (auto key = PackDocumentKey(kind, canonical)) {
    auto found = documents_.find(*key);
    if (found == documents_.end()) return std::nullopt;
    return found->second;
  }
  auto found = unpacked_documents_.find(std::string(IdentifierKindName(kind)) + ":" +
                                        std::string(canonical));
  if (found == unpacked_documents_.end()) return std::nullopt;
  return found->second;
}

MeasureIndexStats MeasureIndex::Stats() const {
  std::shared_lock lock(mutex_);
  MeasureIndexStats stats;
  stats.applied_seq = applied_seq();
  stats.persons = persons_;
  stats.documents = static_cast<int64_t>(documents_.size() + unpacked_documents_.size());
  stats.in_force = in_force_counts_;
  int64_t pages = 0;
  for (const auto& page : pages_) pages += page ? 1 : 0;
  stats.approximate_bytes = pages * kPageSize * static_cast<int64_t>(sizeof(Slot)) +
                            static_cast<int64_t>(details_.size() * sizeof(Details)) +
                            static_cast<int64_t>(static_cast<double>(documents_.bucket_count()) *
                                                 (sizeof(uint64_t) + sizeof(PersonId) + 1));
  return stats;
}

}  // namespace muster::enforcement
