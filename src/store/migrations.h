// Numbered schema migrations, one set for every engine.
//
// Each migration is portable SQL in which `{key}` stands for the dialect's 64-bit key type
// (see SqlDialect). Migrations run in order inside one transaction each and are recorded in
// schema_migrations, so opening an older registry brings it up to date and a crash during a
// migration leaves the previous version intact.
#pragma once

#include <vector>

#include "store/database.h"

namespace muster {

// The schema version this build expects.
int LatestSchemaVersion();

// Applies every migration the database has not recorded in schema_migrations, in version
// order — including one numbered below a version already applied (migrations are numbered in
// parallel branches). Returns kFailedPrecondition if the database holds a version newer than
// this build.
Status Migrate(Connection& connection);

// One numbered migration: portable SQL with `{key}` for the dialect's 64-bit key type.
struct MigrationStep {
  int version = 0;
  const char* name = "";
  const char* sql = "";
};

// What Migrate does, over `steps` (ascending versions) instead of the build's own list; for
// tests of the numbering rules.
Status ApplyMigrations(Connection& connection, const std::vector<MigrationStep>& steps);

}  // namespace muster
