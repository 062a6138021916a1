// Numbered schema migrations, one set for every engine.
//
// Each migration is portable SQL in which `{key}` stands for the dialect's 64-bit key type
// (see SqlDialect). Migrations run in order inside one transaction each and are recorded in
// schema_migrations, so opening an older registry brings it up to date and a crash during a
// migration leaves the previous version intact.
#pragma once

#include "store/database.h"

namespace muster {

// The schema version this build expects.
int LatestSchemaVersion();

// Applies every migration newer than the database's version. Returns kFailedPrecondition if
// the database is newer than this build.
Status Migrate(Connection& connection);

}  // namespace muster
