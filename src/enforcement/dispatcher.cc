#include "enforcement/dispatcher.h"

#include <string>
#include <vector>

#include "enforcement/http_client.h"

namespace muster::enforcement {
namespace {

struct DueSubscription {
  int64_t subscription_id = 0;
  std::string url;
  SignatureScheme scheme = SignatureScheme::kHmacSha256;
  std::string secret;
};

struct PendingDelivery {
  int64_t delivery_id = 0;
  std::string idempotency_key;
  std::string body;
  int attempts = 0;
  int64_t next_attempt_at = 0;
};

Result<std::vector<DueSubscription>> DueSubscriptions(Connection& connection, int64_t now) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT s.subscription_id, s.url, s.scheme, s.secret FROM "
                               "webhook_subscriptions s WHERE s.active = 1 AND s.lease_until <= $1 "
                               "AND (SELECT o.next_attempt_at FROM webhook_outbox o WHERE "
                               "o.subscription_id = s.subscription_id AND o.state = 'pending' "
                               "ORDER BY o.seq LIMIT 1) <= $1 ORDER BY s.subscription_id"));
  query.Bind(now);
  std::vector<DueSubscription> due;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return due;
    DueSubscription subscription;
    subscription.subscription_id = query.Int(0);
    subscription.url = query.Text(1);
    ASSIGN_OR_RETURN(subscription.scheme,
                     ParseSignatureScheme(query.TextView(2), "webhook_subscriptions.scheme"));
    subscription.secret = query.Text(3);
    due.push_back(std::move(subscription));
  }
}

Result<std::vector<PendingDelivery>> PendingOf(Connection& connection, int64_t subscription_id,
                                               int limit) {
  ASSIGN_OR_RETURN(Query query,
                   Query::Make(connection,
                               "SELECT delivery_id, idempotency_key, body, attempts, "
                               "next_attempt_at FROM webhook_outbox WHERE subscription_id = $1 "
                               "AND state = 'pending' ORDER BY seq LIMIT $2"));
  query.Bind(subscription_id).Bind(limit);
  std::vector<PendingDelivery> pending;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return pending;
    pending.push_back(
        {query.Int(0), query.Text(1), query.Text(2), static_cast<int>(query.Int(3)), query.Int(4)});
  }
}

std::string Truncated(std::string text) {
  constexpr size_t kLimit = 500;
  if (text.size() > kLimit) text.resize(kLimit);
  return text;
}

}  // namespace

std::chrono::seconds Dispatcher::Backoff(int failed_attempts) const {
  std::chrono::seconds delay = options_.first_retry;
  for (int i = 1; i < failed_attempts && delay < options_.max_backoff; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff);
}

Result<DispatchRun> Dispatcher::RunOnce(Connection& connection, Instant now) const {
  const int64_t now_seconds = ToUnixSeconds(now);
  DispatchRun run;
  ASSIGN_OR_RETURN(std::vector<DueSubscription> due, DueSubscriptions(connection, now_seconds));
  for (const DueSubscription& subscription : due) {
    // Take the lease; if another node holds it, that node is delivering this queue.
    ASSIGN_OR_RETURN(int64_t leased,
                     ExecuteSql(connection,
                                "UPDATE webhook_subscriptions SET lease_until = $1 WHERE "
                                "subscription_id = $2 AND lease_until <= $3",
                                now_seconds + options_.lease.count(), subscription.subscription_id,
                                now_seconds));
    if (leased != 1) continue;
    auto deliver = [&]() -> Status {
      ASSIGN_OR_RETURN(std::vector<PendingDelivery> pending,
                       PendingOf(connection, subscription.subscription_id, options_.batch));
      for (const PendingDelivery& delivery : pending) {
        if (delivery.next_attempt_at > now_seconds) break;  // the head waits out its backoff
        const int attempt = delivery.attempts + 1;
        ++run.attempted;
        std::string failure;
        std::string signature;
        if (subscription.scheme == SignatureScheme::kHmacSha256) {
          signature = SignHmacSha256(subscription.secret, now, delivery.body);
        } else if (options_.ed25519_key) {
          signature = SignEd25519(*options_.ed25519_key, now, delivery.body);
        } else {
          failure = "no Ed25519 webhook key configured on this node";
        }
        if (failure.empty()) {
          HttpHeaders headers = {{"Idempotency-Key", delivery.idempotency_key},
                                 {"Muster-Signature", signature},
                                 {"Muster-Delivery", std::to_string(delivery.delivery_id)},
                                 {"Muster-Attempt", std::to_string(attempt)}};
          auto response = PostJson(subscription.url, headers, delivery.body,
                                   options_.request_timeout, {.ca_file = options_.ca_file});
          if (!response.ok()) {
            failure = response.status().message();
          } else if (response->status < 200 || response->status > 299) {
            failure = "HTTP " + std::to_string(response->status);
          }
        }
        if (failure.empty()) {
          RETURN_IF_ERROR(
              ExecuteSql(connection,
                         "UPDATE webhook_outbox SET state = 'delivered', attempts = "
                         "$1, finished_at = $2, last_error = NULL WHERE delivery_id = $3",
                         attempt, now_seconds, delivery.delivery_id)
                  .status());
          ++run.delivered;
          continue;
        }
        if (attempt >= options_.max_attempts) {
          RETURN_IF_ERROR(ExecuteSql(connection,
                                     "UPDATE webhook_outbox SET state = 'dead', attempts = $1, "
                                     "finished_at = $2, last_error = $3 WHERE delivery_id = $4",
                                     attempt, now_seconds, Truncated(failure), delivery.delivery_id)
                              .status());
          ++run.dead;
          continue;  // a dead letter no longer holds the queue
        }
        RETURN_IF_ERROR(ExecuteSql(connection,
                                   "UPDATE webhook_outbox SET attempts = $1, next_attempt_at = $2, "
                                   "last_error = $3 WHERE delivery_id = $4",
                                   attempt, now_seconds + Backoff(attempt).count(),
                                   Truncated(failure), delivery.delivery_id)
                            .status());
        ++run.retrying;
        break;  // in order: nothing after it goes before it
      }
      return Status::Ok();
    };
    Status status = deliver();
    Status released = ExecuteSql(connection,
                                 "UPDATE webhook_subscriptions SET lease_until = 0 WHERE "
                                 "subscription_id = $1",
                                 subscription.subscription_id)
                          .status();
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(released);
  }
  return run;
}

}  // namespace muster::enforcement
