#include "testing/test_store.h"

namespace muster::testing {

std::string StoreUrl(const TempDir& dir, const std::string& name) {
  return "sqlite:" + dir.File(name + ".db");
}

}  // namespace muster::testing
