// Least privilege on PostgreSQL: the role the Muster service runs as.
//
// The schema belongs to an owner role that runs the migrations (`muster migrate` / `init`
// connected as the owner). The service connects as a separate role that may append to the
// ledger but never rewrite it: the database itself then refuses UPDATE, DELETE and TRUNCATE
// on ledger_events, so even a compromised API node cannot edit history — it could only append
// events, which the hash chain and the signed checkpoints make visible.
//
// Grants given to the service role, on the tables present when this runs:
//   ledger_events       SELECT, INSERT                    (append-only)
//   ledger_head         SELECT, UPDATE                    (the writers' lock row)
//   schema_migrations   SELECT                            (only the owner migrates)
//   every other table   SELECT, INSERT, UPDATE, DELETE    (projections, commands, counters)
// Tables added by later migrations get nothing until this runs again, so run it after every
// migration (it is idempotent). Default privileges are deliberately not used: a future
// append-only table must not silently become writable.
#pragma once

#include <string_view>

#include "common/status.h"
#include "store/database.h"

namespace muster {

// Creates `role` (LOGIN, no password: set one, or use certificate or peer authentication, as
// the deployment requires) if it does not exist, and grants it CONNECT on the current
// database, USAGE on the current schema and the table privileges above. `owner` must be a
// PostgreSQL connection of the schema owner with CREATEROLE (or a superuser), outside a
// transaction. kInvalidArgument for a role name that is not a plain lower-case identifier or
// a non-PostgreSQL connection; engine errors as mapped by the PostgreSQL engine.
Status CreateServiceRole(Connection& owner, std::string_view role);

}  // namespace muster
