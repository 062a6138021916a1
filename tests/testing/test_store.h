// Where store-touching tests keep their data. By default a SQLite file in the test's temporary
// directory; with MUSTER_TEST_ENGINE=postgresql a fresh database on a throwaway PostgreSQL
// server private to the test process (see postgres_server.h). The same tests run on both
// engines: ctest registers each store-touching suite once per engine.
#pragma once

#include <cstdlib>
#include <string>

#include "testing/temp_dir.h"

namespace muster::testing {

inline std::string TestEngine() {
  const char* engine = std::getenv("MUSTER_TEST_ENGINE");
  return engine ? engine : "sqlite";
}

// The URL of the store named `name` for this test: the same (dir, name) always gives the
// same store, created empty on first use.
std::string StoreUrl(const TempDir& dir, const std::string& name);

}  // namespace muster::testing
