// The projector: the one place where events become projection rows.
//
// Both the write path (a command appends an event and projects it in the same transaction)
// and a rebuild from the ledger go through `ProjectEvent`, so the tables can always be
// recomputed from the journal and never drift from it.
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/ledger.h"
#include "store/bulk_insert.h"
#include "store/database.h"

namespace muster {

// Applies one event to the projection tables. `payload` is the event's parsed JSON.
Status ProjectEvent(Connection& connection, const LedgerEvent& event,
                    const boost::json::object& payload);

// The projection rows of many events, held to be written many rows per statement (the bulk
// path of the feeds, WriteTransaction::SetBuffered). The event types that create rows rather
// than read them — PersonRecorded, AttributeRecorded, RegistrationOpened, MatchReviewOpened and
// GroundGranted without ground checks — derive their rows here; ProjectEvent derives them
// through the same functions and flushes at once, so a rebuild from the ledger writes exactly
// what the bulk path wrote. Updates of a person whose row is still held are applied to the held
// row; the others are kept in order and run after the inserts.
class ProjectionBuffer {
 public:
  ProjectionBuffer();
  ~ProjectionBuffer();

  bool empty() const;
  // Writes everything held, table by table in a fixed order (persons first: the other tables
  // refer to them), and empties the buffer.
  Status Flush(Connection& connection);

  // The rows, for the projection functions (registry/person_records.cc, projector.cc).
  struct PersonRow {
    int64_t person_id = 0;
    std::string family_name, given_name, patronymic;
    std::string family_name_latin, given_name_latin, patronymic_latin;
    std::string sex;
    int64_t birth_date = 0;
    std::string region, office;
    bool has_portal_account = false;
    std::string status;
    int64_t registered_at = 0;
    std::string source;
  };
  void InsertPerson(PersonRow row);
  // UPDATE persons SET `column` = `value` WHERE person_id = `person_id`; `column` is one of the
  // name columns or status.
  void UpdatePerson(int64_t person_id, std::string_view column, std::string value);
  RowBuffer& identifiers() { return identifiers_; }            // kind, value, person_id
  RowBuffer& attribute_records() { return attribute_records_; }  // see person_records.cc
  RowBuffer& former_names() { return former_names_; }
  RowBuffer& decisions() { return decisions_; }
  RowBuffer& notices() { return notices_; }
  RowBuffer& grounds() { return grounds_; }
  RowBuffer& reviews() { return reviews_; }

 private:
  struct PersonUpdate {
    int64_t person_id;
    std::string column;
    std::string value;
  };
  std::vector<PersonRow> persons_;
  std::unordered_map<int64_t, size_t> person_index_;  // person_id → persons_ index
  std::vector<PersonUpdate> person_updates_;
  RowBuffer identifiers_;
  RowBuffer attribute_records_;
  RowBuffer former_names_;
  RowBuffer decisions_;
  RowBuffer notices_;
  RowBuffer grounds_;
  RowBuffer reviews_;
};

// True if `event` can be projected into a ProjectionBuffer (see above).
bool CanProjectBuffered(const LedgerEvent& event, const boost::json::object& payload);
// Derives the rows of `event` into `buffer`. Only for events CanProjectBuffered accepts.
Status ProjectEventBuffered(ProjectionBuffer& buffer, const LedgerEvent& event,
                            const boost::json::object& payload);

}  // namespace muster
