// The demo campaign that `make run` plays: a registry with a population and a small campaign
// played through simulated time, so that it holds summonses in every state — posted, served
// by each channel, deemed served, appeared, excused, overdue with measures, and lifted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "registry/registry.h"

namespace muster {

struct DemoOptions {
  int64_t persons = 100000;
  uint64_t seed = 2026;
  int64_t campaign_size = 3000;  // summonses in the main batch
};

// Plays the campaign on a fresh simulated registry that already holds a population. `say`
// receives one line per step.
Status PlayDemoCampaign(Registry& registry, const DemoOptions& options,
                        const std::function<void(const std::string&)>& say);

}  // namespace muster
