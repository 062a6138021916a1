// The projector: the one place where events become projection rows.
//
// Both the write path (a command appends an event and projects it in the same transaction)
// and a rebuild from the ledger go through `ProjectEvent`, so the tables can always be
// recomputed from the journal and never drift from it.
#pragma once

#include <boost/json.hpp>

#include <string_view>

#include "ledger/ledger.h"
#include "store/database.h"

namespace muster {

// Applies one event to the projection tables. `payload` is the event's parsed JSON.
Status ProjectEvent(Connection& connection, const LedgerEvent& event,
                    const boost::json::object& payload);

}  // namespace muster
