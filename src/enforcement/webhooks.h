// Webhook subscriptions and the outbox they are delivered from.
//
// A consumer subscribes a URL; from then on every change of its measures (the same entries as
// its change feed, feed.h) becomes one outbox row per subscription, filled by `Enqueue` from
// the feed with the subscription's own cursor (enqueued_seq) and inserted idempotently by
// (subscription, seq) — two nodes filling at once, or a crash between insert and cursor
// update, never make a second row. The Dispatcher (dispatcher.h) posts rows in seq order per
// subscription, with retries; rows that exhaust their attempts become dead letters that
// officers list and can redeliver.
//
// Payload (the body is fixed when enqueued, so every retry sends the same bytes and the
// same Idempotency-Key):
//   {"idempotency_key":"border-1234","consumer":"border","seq":1234,"measure_id":77,
//    "person_id":5,"kind":"exit","change":"lifted","at":"2026-06-01T09:00:00Z",
//    "confirm_by":"2026-06-02T09:00:00Z"}          (confirm_by only on a lifting)
// The idempotency key is "<consumer>-<seq>": the same for a change whatever the subscription,
// so a consumer that re-subscribes with a new URL can still deduplicate.
//
// All functions take the caller's Connection and the instant to record; none reads a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "enforcement/consumers.h"
#include "enforcement/feed.h"
#include "enforcement/signature.h"
#include "store/database.h"

namespace muster::enforcement {

struct Subscription {
  int64_t subscription_id = 0;
  std::string consumer;
  std::string url;
  SignatureScheme scheme = SignatureScheme::kHmacSha256;
  std::string secret;  // the HMAC key; empty for ed25519
  int64_t enqueued_seq = 0;
  bool active = true;
  Instant created_at;
};

struct Delivery {
  int64_t delivery_id = 0;
  int64_t subscription_id = 0;
  std::string consumer;
  std::string url;
  int64_t seq = 0;
  std::string idempotency_key;
  std::string body;
  std::string state;  // "pending", "delivered", "dead"
  int attempts = 0;
  Instant next_attempt_at;
  std::string last_error;
  Instant created_at;
  std::optional<Instant> finished_at;
};

struct WebhookOptions {
  int lift_deadline_hours = 24;  // Profile::lift_deadline_hours: sets confirm_by
  int page = 1000;               // feed entries per transaction while enqueueing
};

// http:// or https:// with a host; kInvalidArgument naming "url" otherwise.
Status ValidateWebhookUrl(std::string_view url);

class Webhooks {
 public:
  explicit Webhooks(WebhookOptions options = {}) : options_(options) {}

  // Subscribes `url` for `consumer`. Changes after `since` are delivered; nullopt: after the
  // current ledger head (only what happens from now on). For hmac-sha256 a fresh secret is
  // generated and returned in the subscription (show it to the consumer once).
  Result<Subscription> Subscribe(Connection& connection, const Consumer& consumer,
                                 std::string_view url, SignatureScheme scheme,
                                 std::optional<int64_t> since, Instant now) const;
  // Stops deliveries (pending rows stay, and resume if re-activated). kNotFound if unknown.
  Status SetActive(Connection& connection, int64_t subscription_id, bool active) const;
  // All subscriptions, or those of one consumer.
  Result<std::vector<Subscription>> List(Connection& connection,
                                         std::optional<std::string_view> consumer = {}) const;

  // Fills the outbox of every active subscription up to the ledger head. Returns rows added.
  Result<int64_t> Enqueue(Connection& connection, Instant now) const;

  // Dead letters, newest first (officers' list); `limit` 1..1000.
  Result<std::vector<Delivery>> DeadLetters(Connection& connection, int limit) const;
  // The deliveries of one subscription, newest first.
  Result<std::vector<Delivery>> Deliveries(Connection& connection, int64_t subscription_id,
                                           int limit) const;
  // Puts a dead letter back in the queue, due at `now`, with its attempts reset.
  // kNotFound for an unknown id, kFailedPrecondition if it is not dead.
  Status Redeliver(Connection& connection, int64_t delivery_id, Instant now) const;

  // Deletes delivered rows finished before `before` (dead letters stay until redelivered).
  // Returns rows deleted.
  Result<int64_t> PruneDelivered(Connection& connection, Instant before) const;

  // The body enqueued for `entry` (see the top of this file).
  std::string PayloadJson(std::string_view consumer, const FeedEntry& entry) const;

 private:
  Result<int64_t> EnqueueFor(Connection& connection, const Subscription& subscription,
                             const Consumer& consumer, Instant now) const;

  WebhookOptions options_;
};

}  // namespace muster::enforcement
