// Loading a synthetic population into a registry in batches — shared by `muster generate`,
// the demo and the benchmarks so all three measure the same write path.
#pragma once

#include <cstdint>
#include <functional>

#include "registry/registry.h"

namespace muster {

struct LoadOptions {
  int64_t count = 0;
  uint64_t seed = 1;
  // Persons per command (one transaction each). Large batches amortise the random-key index
  // writes of person_identifiers across commits (docs/BENCHMARKS.md).
  int64_t batch_size = 100000;
  std::string idempotency_prefix;  // empty: "generate:<seed>:<first index>"
};

// Generates `count` persons with seed `seed` (ages anchored on the registry's clock) and
// registers them with their deferments and exemptions. Returns the number registered.
// Re-running with the same seed and count is safe: each batch is idempotent.
Result<int64_t> LoadSyntheticPopulation(Registry& registry, const LoadOptions& options,
                                        const std::function<void(int64_t, int64_t)>& progress);

}  // namespace muster
