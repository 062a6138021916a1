// DeliveryWorker: the background loop of a serving node's enforcement duties that write —
// open lift confirmations (LiftConfirmations::Track), fill the webhook outbox
// (Webhooks::Enqueue), post it (Dispatcher::RunOnce) and escalate overdue liftings
// (LiftConfirmations::Escalate), and prune delivered rows past `keep_delivered` — every
// `interval`, on a thread and connection of its own.
//
// "Now" comes from the injected Clock (a simulated registry's clock in the demo), never from
// the system clock; only the pause between rounds is real time. Every step is idempotent and
// safe on several nodes at once, so every node may run a worker. A failed round is kept in
// last_status() and the next round tries again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "common/time.h"
#include "enforcement/dispatcher.h"
#include "enforcement/lift_confirmations.h"
#include "enforcement/webhooks.h"
#include "store/database.h"

namespace muster::enforcement {

struct DeliveryWorkerOptions {
  std::chrono::milliseconds interval{1000};
  int lift_deadline_hours = 24;  // Profile::lift_deadline_hours
  DispatcherOptions dispatcher;
  // Delivered outbox rows are deleted this long after delivery (dead letters stay).
  std::chrono::hours keep_delivered{24 * 30};
};

struct DeliveryRound {
  int64_t lifts_tracked = 0;
  int64_t enqueued = 0;
  DispatchRun dispatched;
  int64_t escalated = 0;
};

// One round, in the caller's thread (the CLI and tests use this directly).
Result<DeliveryRound> RunDeliveryRound(Connection& connection, Instant now,
                                       const LiftConfirmations& lifts, const Webhooks& webhooks,
                                       const Dispatcher& dispatcher);

class DeliveryWorker {
 public:
  // `clock` must outlive the worker; the worker owns `connection`.
  static Result<std::unique_ptr<DeliveryWorker>> Start(std::unique_ptr<Connection> connection,
                                                       const Clock& clock,
                                                       DeliveryWorkerOptions options);
  ~DeliveryWorker();  // Stop()
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Stop();
  void Poke();  // run a round now
  Status last_status() const;
  DeliveryRound totals() const;

 private:
  DeliveryWorker(std::unique_ptr<Connection> connection, const Clock& clock,
                 DeliveryWorkerOptions options);
  void Run();

  std::unique_ptr<Connection> connection_;  // used by the thread only
  const Clock& clock_;
  DeliveryWorkerOptions options_;
  LiftConfirmations lifts_;
  Webhooks webhooks_;
  Dispatcher dispatcher_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool poked_ = false;     // guarded by mutex_
  Status last_status_;     // guarded by mutex_
  DeliveryRound totals_;   // guarded by mutex_
  std::thread thread_;
};

}  // namespace muster::enforcement
