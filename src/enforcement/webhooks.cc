#include "enforcement/webhooks.h"

#include <boost/url/parse.hpp>

#include "enforcement/checks.h"

namespace muster::enforcement {
namespace {

constexpr std::string_view kDeliveryColumns =
    "SELECT o.delivery_id, o.subscription_id, s.consumer, s.url, o.seq, o.idempotency_key, "
    "o.body, o.state, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.finished_at "
    "FROM webhook_outbox o JOIN webhook_subscriptions s ON s.subscription_id = o.subscription_id ";

Delivery ReadDelivery(const Query& query) {
  Delivery delivery;
  delivery.delivery_id = query.Int(0);
  delivery.subscription_id = query.Int(1);
  delivery.consumer = query.Text(2);
  delivery.url = query.Text(3);
  delivery.seq = query.Int(4);
  delivery.idempotency_key = query.Text(5);
  delivery.body = query.Text(6);
  delivery.state = query.Text(7);
  delivery.attempts = static_cast<int>(query.Int(8));
  delivery.next_attempt_at = FromUnixSeconds(query.Int(9));
  delivery.last_error = query.OptionalText(10).value_or("");
  delivery.created_at = FromUnixSeconds(query.Int(11));
  if (auto finished = query.OptionalInt(12)) delivery.finished_at = FromUnixSeconds(*finished);
  return delivery;
}

Result<std::vector<Delivery>> ReadDeliveries(Query& query) {
  std::vector<Delivery> deliveries;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return deliveries;
    deliveries.push_back(ReadDelivery(query));
  }
}

Result<int64_t> LedgerHead(Connection& connection) {
  ASSIGN_OR_RETURN(Query head, Query::Make(connection, "SELECT seq FROM ledger_head WHERE id = 1"));
  ASSIGN_OR_RETURN(bool has_row, head.Next());
  if (!has_row) return DataLoss("ledger: the ledger head row is missing");
  return head.Int(0);
}

Status CheckLimit(int limit) {
  if (limit < 1 || limit > 1000) {
    return InvalidArgument("limit: must be 1..1000, got " + std::to_string(limit));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateWebhookUrl(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return InvalidArgument("url: '" + std::string(url) + "' is not an absolute URL");
  std::string_view scheme = parsed->scheme();
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("url: scheme must be http or https, got '" + std::string(scheme) + "'");
  }
  if (parsed->encoded_host().empty()) return InvalidArgument("url: no host");
  if (parsed->has_userinfo()) return InvalidArgument("url: credentials in the URL are not allowed");
  return Status::Ok();
}

std::string Webhooks::PayloadJson(std::string_view consumer, const FeedEntry& entry) const {
  const std::string key = std::string(consumer) + "-" + std::to_string(entry.seq);
  std::string body = "{\"idempotency_key\":\"" + key + "\",\"consumer\":\"" +
                     std::string(consumer) + "\",\"seq\":" + std::to_string(entry.seq) +
                     ",\"measure_id\":" + std::to_string(entry.measure_id) +
                     ",\"person_id\":" + std::to_string(entry.person_id) + ",\"kind\":\"" +
                     std::string(MeasureKindName(entry.kind)) + "\",\"change\":\"" +
                     (entry.lifted ? "lifted" : "imposed") + "\",\"at\":\"";
  AppendInstant(body, entry.at);
  body += '"';
  if (entry.lifted) {
    body += ",\"confirm_by\":\"";
    AppendInstant(body, entry.at + std::chrono::hours(options_.lift_deadline_hours));
    body += '"';
  }
  body += '}';
  return body;
}

Result<Subscription> Webhooks::Subscribe(Connection& connection, const Consumer& consumer,
                                         std::string_view url, SignatureScheme scheme,
                                         std::optional<int64_t> since, Instant now) const {
  RETURN_IF_ERROR(ValidateWebhookUrl(url));
  if (since && *since < 0) return InvalidArgument("since: must be >= 0");
  Subscription subscription;
  subscription.consumer = std::string(consumer.id);
  subscription.url = std::string(url);
  subscription.scheme = scheme;
  if (scheme == SignatureScheme::kHmacSha256) subscription.secret = NewWebhookSecret();
  subscription.created_at = now;
  if (since) {
    subscription.enqueued_seq = *since;
  } else {
    ASSIGN_OR_RETURN(subscription.enqueued_seq, LedgerHead(connection));
  }
  ASSIGN_OR_RETURN(Query insert,
                   Query::Make(connection,
                               "INSERT INTO webhook_subscriptions (consumer, url, scheme, secret, "
                               "enqueued_seq, active, lease_until, created_at) VALUES ($1, $2, $3, "
                               "$4, $5, 1, 0, $6) RETURNING subscription_id"));
  insert.Bind(subscription.consumer)
      .Bind(subscription.url)
      .Bind(SignatureSchemeName(scheme))
      .Bind(subscription.secret)
      .Bind(subscription.enqueued_seq)
      .Bind(ToUnixSeconds(now));
  ASSIGN_OR_RETURN(bool has_row, insert.Next());
  if (!has_row) return Internal("webhook_subscriptions: insert returned no id");
  subscription.subscription_id = insert.Int(0);
  return subscription;
}

Status Webhooks::SetActive(Connection& connection, int64_t subscription_id, bool active) const {
  ASSIGN_OR_RETURN(
      int64_t changed,
      ExecuteSql(connection,
                 "UPDATE webhook_subscriptions SET active = $1 WHERE subscription_id = $2", active,
                 subscription_id));
  if (changed == 0) {
    return NotFound("subscription_id: no subscription " + std::to_string(subscription_id));
  }
  return Status::Ok();
}

Result<std::vector<Subscription>> Webhooks::List(Connection& connection,
                                                 std::optional<std::string_view> consumer) const {
  std::string sql =
      "SELECT subscription_id, consumer, url, scheme, secret, enqueued_seq, active, created_at "
      "FROM webhook_subscriptions";
  if (consumer) sql += " WHERE consumer = $1";
  sql += " ORDER BY subscription_id";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  if (consumer) query.Bind(*consumer);
  std::vector<Subscription> subscriptions;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, query.Next());
    if (!has_row) return subscriptions;
    Subscription subscription;
    subscription.subscription_id = query.Int(0);
    subscription.consumer = query.Text(1);
    subscription.url = query.Text(2);
    ASSIGN_OR_RETURN(subscription.scheme,
                     ParseSignatureScheme(query.TextView(3), "webhook_subscriptions.scheme"));
    subscription.secret = query.Text(4);
    subscription.enqueued_seq = query.Int(5);
    subscription.active = query.Int(6) != 0;
    subscription.created_at = FromUnixSeconds(query.Int(7));
    subscriptions.push_back(std::move(subscription));
  }
}

Result<int64_t> Webhooks::EnqueueFor(Connection& connection, const Subscription& subscription,
                                     const Consumer& consumer, Instant now) const {
  int64_t added = 0;
  int64_t cursor = subscription.enqueued_seq;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<FeedEntry> entries,
                     ReadFeed(connection, consumer, cursor, options_.page));
    if (entries.empty()) return added;
    const int64_t last = entries.back().seq;
    RETURN_IF_ERROR(connection.BeginWrite());
    auto write = [&]() -> Result<bool> {
      for (const FeedEntry& entry : entries) {
        ASSIGN_OR_RETURN(int64_t inserted,
                         ExecuteSql(connection,
                                    "INSERT INTO webhook_outbox (subscription_id, seq, "
                                    "idempotency_key, body, state, attempts, next_attempt_at, "
                                    "created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) "
                                    "ON CONFLICT (subscription_id, seq) DO NOTHING",
                                    subscription.subscription_id, entry.seq,
                                    std::string(consumer.id) + "-" + std::to_string(entry.seq),
                                    PayloadJson(consumer.id, entry), ToUnixSeconds(now)));
        added += inserted;
      }
      // Compare-and-set: if another node moved the cursor meanwhile, its rows and ours are
      // the same rows (the insert above did nothing for them) and its cursor stands.
      ASSIGN_OR_RETURN(int64_t moved,
                       ExecuteSql(connection,
                                  "UPDATE webhook_subscriptions SET enqueued_seq = $1 WHERE "
                                  "subscription_id = $2 AND enqueued_seq = $3",
                                  last, subscription.subscription_id, cursor));
      return moved == 1;
    };
    auto moved = write();
    if (!moved.ok()) {
      (void)connection.Rollback();
      return moved.status();
    }
    RETURN_IF_ERROR(connection.Commit());
    if (!*moved) return added;  // another filler is ahead; it carries on
    cursor = last;
    if (entries.size() < static_cast<size_t>(options_.page)) return added;
  }
}

Result<int64_t> Webhooks::Enqueue(Connection& connection, Instant now) const {
  ASSIGN_OR_RETURN(std::vector<Subscription> subscriptions, List(connection));
  int64_t added = 0;
  for (const Subscription& subscription : subscriptions) {
    if (!subscription.active) continue;
    ASSIGN_OR_RETURN(const Consumer* consumer,
                     FindConsumer(subscription.consumer, "webhook_subscriptions.consumer"));
    ASSIGN_OR_RETURN(int64_t rows, EnqueueFor(connection, subscription, *consumer, now));
    added += rows;
  }
  return added;
}

Result<std::vector<Delivery>> Webhooks::DeadLetters(Connection& connection, int limit) const {
  RETURN_IF_ERROR(CheckLimit(limit));
  std::string sql(kDeliveryColumns);
  sql += "WHERE o.state = 'dead' ORDER BY o.finished_at DESC, o.delivery_id DESC LIMIT $1";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(limit);
  return ReadDeliveries(query);
}

Result<std::vector<Delivery>> Webhooks::Deliveries(Connection& connection, int64_t subscription_id,
                                                   int limit) const {
  RETURN_IF_ERROR(CheckLimit(limit));
  std::string sql(kDeliveryColumns);
  sql += "WHERE o.subscription_id = $1 ORDER BY o.seq DESC LIMIT $2";
  ASSIGN_OR_RETURN(Query query, Query::Make(connection, sql));
  query.Bind(subscription_id).Bind(limit);
  return ReadDeliveries(query);
}

Result<int64_t> Webhooks::PruneDelivered(Connection& connection, Instant before) const {
  return ExecuteSql(connection,
                    "DELETE FROM webhook_outbox WHERE state = 'delivered' AND finished_at < $1",
                    ToUnixSeconds(before));
}

Status Webhooks::Redeliver(Connection& connection, int64_t delivery_id, Instant now) const {
  ASSIGN_OR_RETURN(int64_t changed,
                   ExecuteSql(connection,
                              "UPDATE webhook_outbox SET state = 'pending', attempts = 0, "
                              "next_attempt_at = $1, finished_at = NULL WHERE delivery_id = $2 "
                              "AND state = 'dead'",
                              ToUnixSeconds(now), delivery_id));
  if (changed == 1) return Status::Ok();
  ASSIGN_OR_RETURN(
      Query query,
      Query::Make(connection, "SELECT state FROM webhook_outbox WHERE delivery_id = $1"));
  query.Bind(delivery_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found) return NotFound("delivery_id: no delivery " + std::to_string(delivery_id));
  return FailedPrecondition("delivery_id: delivery " + std::to_string(delivery_id) + " is " +
                            query.Text(0) + ", not dead");
}

}  // namespace muster::enforcement
