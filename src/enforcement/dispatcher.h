// Dispatcher: posts the webhook outbox to the consumers, signed, in order, with retries.
//
// Per subscription, deliveries go out in seq order, one at a time: a consumer that fails
// holds its own queue (so it never applies a lifting before the imposition it lifts) and no
// one else's. A failed attempt (no response, or a status other than 2xx) is retried after an
// exponential backoff — first_retry, doubling, capped at max_backoff — and after max_attempts
// the delivery becomes a dead letter (Webhooks::DeadLetters) and the queue moves on.
//
// Each request carries:
//   Content-Type: application/json
//   Idempotency-Key: border-1234        (the same on every retry of the change)
//   Muster-Signature: t=<unix>,v1=<hex> (hmac-sha256) or t=<unix>,ed25519=<hex> (signature.h)
//   Muster-Delivery: <delivery id>, Muster-Attempt: <n>
//
// Several nodes may run dispatchers on one store: a subscription is leased (lease_until) by
// the node working on it, and a lease left by a crashed node expires. Time is the `now`
// passed to RunOnce (an injected clock), so tests step through backoffs without sleeping; only
// the network timeout is real time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/status.h"
#include "common/time.h"
#include "enforcement/signature.h"
#include "store/database.h"

namespace muster::enforcement {

struct DispatcherOptions {
  int max_attempts = 8;
  std::chrono::seconds first_retry{30};
  std::chrono::seconds max_backoff{3600};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::seconds lease{300};  // longer than a batch of deliveries can take
  int batch = 100;                  // deliveries per subscription per run
  // Muster's webhook signing key: required to deliver to ed25519 subscriptions (their
  // deliveries fail with a clear error otherwise). Publish its public key to consumers.
  std::optional<Ed25519Key> ed25519_key;
  std::string ca_file;  // further trusted CAs for https consumers (TlsOptions::ca_file)
};

struct DispatchRun {
  int64_t attempted = 0;
  int64_t delivered = 0;
  int64_t retrying = 0;  // failed, to be retried
  int64_t dead = 0;      // failed for the last time
};

class Dispatcher {
 public:
  explicit Dispatcher(DispatcherOptions options = {}) : options_(std::move(options)) {}

  // Delivers what is due at `now` for every active subscription, each in seq order, stopping
  // a subscription at its first failure. Store errors are returned; delivery failures are
  // recorded on the rows and counted in the result.
  Result<DispatchRun> RunOnce(Connection& connection, Instant now) const;

  // The delay before the attempt after `failed_attempts` failures (1 → first_retry).
  std::chrono::seconds Backoff(int failed_attempts) const;

  const DispatcherOptions& options() const { return options_; }

 private:
  DispatcherOptions options_;
};

}  // namespace muster::enforcement
