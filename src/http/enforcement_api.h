// The enforcement side of the HTTP API (issue 5, docs/ENFORCEMENT.md): measure checks for
// consuming agencies, their change feed, webhooks and lift confirmations, the officers'
// oversight lists, and the citizen's pre-travel check.
//
// An EnforcementNode is what one server process runs for this: the in-memory measure index
// with its ledger tailer (so checks never touch SQL and a change made on any node is visible
// here within a second), and the webhook delivery worker. Checks are answered on the I/O
// thread straight from the index; their access-journal entries go through the same
// "durable before the answer" wait as every other read.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "access/access_journal.h"
#include "common/status.h"
#include "common/time.h"
#include "enforcement/checks.h"
#include "enforcement/delivery_worker.h"
#include "enforcement/lift_confirmations.h"
#include "enforcement/measure_index.h"
#include "enforcement/tailer.h"
#include "enforcement/webhooks.h"
#include "http/router.h"
#include "rules/profile.h"

namespace muster::http {

// The registry's time read from the store, for threads other than the registry's own: a
// simulated registry's clock is in registry_meta and moves when anyone advances it. A read
// is reused for `kReuse` (checks ask on every request; an advance shows within that time).
class StoreClock final : public Clock {
 public:
  static constexpr std::chrono::milliseconds kReuse{50};
  static Result<std::unique_ptr<StoreClock>> Open(std::unique_ptr<Connection> connection);
  Instant Now() const override;

 private:
  explicit StoreClock(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
  mutable std::mutex mutex_;
  std::unique_ptr<Connection> connection_;  // guarded by mutex_
  bool simulated_ = false;
  mutable std::optional<Instant> last_;                    // guarded by mutex_
  mutable std::chrono::steady_clock::time_point last_read_;  // guarded by mutex_
};

struct EnforcementOptions {
  std::chrono::milliseconds tail_interval = std::chrono::milliseconds(200);
  // Checks are refused (503) when the index has not caught up for this long.
  std::chrono::milliseconds max_staleness = std::chrono::seconds(1);
  std::chrono::milliseconds delivery_interval = std::chrono::seconds(1);
};

class EnforcementNode {
 public:
  // Loads the index from a snapshot and starts the tailer and the delivery worker, each on a
  // connection of its own from `connect`.
  static Result<std::unique_ptr<EnforcementNode>> Start(
      const std::function<Result<std::unique_ptr<Connection>>()>& connect, const Profile& profile,
      EnforcementOptions options);
  ~EnforcementNode();

  const enforcement::MeasureIndex& index() const { return index_; }
  enforcement::Tailer& tailer() { return *tailer_; }
  const enforcement::LiftConfirmations& lifts() const { return lifts_; }
  const enforcement::Webhooks& webhooks() const { return webhooks_; }
  const Clock& clock() const { return *clock_; }
  const EnforcementOptions& options() const { return options_; }
  const Profile& profile() const { return profile_; }

 private:
  EnforcementNode(const Profile& profile, EnforcementOptions options);

  Profile profile_;
  EnforcementOptions options_;
  enforcement::MeasureIndex index_;
  enforcement::LiftConfirmations lifts_;
  enforcement::Webhooks webhooks_;
  std::unique_ptr<StoreClock> clock_;
  std::unique_ptr<enforcement::Tailer> tailer_;
  std::unique_ptr<enforcement::DeliveryWorker> worker_;
};

// Adds the enforcement routes. Their handlers find the node through ApiEnvironment.
void AddEnforcementRoutes(Router& router);

}  // namespace muster::http
