// Webhooks and lift confirmations: signatures checked by an independent implementation (the
// openssl command line), delivery in order with retries, backoff and dead letters against a
// consumer that fails, idempotent enqueueing, confirmations and escalation, the self check.
#include "enforcement/webhooks.h"

#include <sodium.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/crypto.h"
#include "enforcement/delivery_worker.h"
#include "enforcement/dispatcher.h"
#include "enforcement/lift_confirmations.h"
#include "enforcement/self_check.h"
#include "enforcement/test_support.h"

namespace muster::enforcement {
namespace {

using testing::AddPerson;
using testing::At;
using testing::ConsumerNamed;
using ::testing::ElementsAre;
using testing::EnforcementTest;
using testing::FakeConsumer;
using ::testing::HasSubstr;
using testing::OpenAgain;

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[512];
  while (size_t read = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
  pclose(pipe);
  return output;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Field(std::string_view header, std::string_view name) {
  std::string prefix = std::string(name) + "=";
  size_t start = header.find(prefix);
  if (start == std::string_view::npos) return "";
  start += prefix.size();
  return std::string(header.substr(start, header.find(',', start) - start));
}

TEST(SignatureTest, TheHmacMatchesOpensslOnTheRawBody) {
  muster::testing::TempDir dir;
  const std::string secret = NewWebhookSecret();
  ASSERT_EQ(secret.size(), 64u);
  const std::string body =
      "{\"idempotency_key\":\"border-17\",\"consumer\":\"border\",\"seq\":17,\"measure_id\":3,"
      "\"person_id\":1,\"kind\":\"exit\",\"change\":\"lifted\",\"at\":\"2026-04-12T07:00:00Z\"}";
  const Instant t = At("2026-04-12T07:00:05Z");
  const std::string header = SignHmacSha256(secret, t, body);
  EXPECT_EQ(Field(header, "t"), std::to_string(ToUnixSeconds(t)));

  // openssl dgst over exactly the signed bytes "<t>.<body>", from a file: no shell quoting.
  const std::string message_file = dir.File("message");
  WriteFile(message_file, Field(header, "t") + "." + body);
  std::string output = RunCommand("openssl dgst -sha256 -hmac " + secret + " -r " + message_file);
  ASSERT_GE(output.size(), 64u) << output;
  EXPECT_EQ(output.substr(0, 64), Field(header, "v1"));

  EXPECT_TRUE(VerifyHmacSha256(header, body, secret, t + std::chrono::seconds(60)).ok());
  EXPECT_EQ(VerifyHmacSha256(header, body + " ", secret, t).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifyHmacSha256(header, body, NewWebhookSecret(), t).code(),
            StatusCode::kPermissionDenied);
  Status replay = VerifyHmacSha256(header, body, secret, t + std::chrono::minutes(6));
  EXPECT_EQ(replay.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(replay.message(), HasSubstr("tolerance"));
  EXPECT_EQ(VerifyHmacSha256("v1=abc", body, secret, t).code(), StatusCode::kInvalidArgument);
}

TEST(SignatureTest, TheEd25519SignatureVerifiesWithOpenssl) {
  muster::testing::TempDir dir;
  const Ed25519Key key = NewEd25519Key();
  const std::string body = "{\"seq\":1}";
  const Instant t = At("2026-04-12T07:00:05Z");
  const std::string header = SignEd25519(key, t, body);
  EXPECT_TRUE(VerifyEd25519(header, body, key.public_key, t).ok());
  EXPECT_EQ(VerifyEd25519(header, "{\"seq\":2}", key.public_key, t).code(),
            StatusCode::kPermissionDenied);

  // The public key as SubjectPublicKeyInfo DER (the fixed Ed25519 prefix + 32 bytes).
  std::string der;
  for (unsigned char byte :
       {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}) {
    der.push_back(static_cast<char>(byte));
  }
  der += key.public_key;
  std::string signature(64, '\0');
  ASSERT_EQ(sodium_hex2bin(reinterpret_cast<unsigned char*>(signature.data()), signature.size(),
                           Field(header, "ed25519").data(), 128, nullptr, nullptr, nullptr),
            0);
  WriteFile(dir.File("public.der"), der);
  WriteFile(dir.File("signature"), signature);
  WriteFile(dir.File("message"), Field(header, "t") + "." + body);
  std::string output = RunCommand("openssl pkeyutl -verify -pubin -keyform DER -inkey " +
                                  dir.File("public.der") + " -rawin -in " + dir.File("message") +
                                  " -sigfile " + dir.File("signature") + " 2>&1");
  EXPECT_THAT(output, HasSubstr("Signature Verified Successfully"));
}

class WebhookTest : public EnforcementTest {
 protected:
  Subscription Subscribe(const std::string& url, std::string_view consumer = "border",
                         SignatureScheme scheme = SignatureScheme::kHmacSha256) {
    auto subscription = webhooks_.Subscribe(registry_->connection(), ConsumerNamed(consumer), url,
                                            scheme, 0, registry_->Now());
    EXPECT_TRUE(subscription.ok()) << subscription.status().ToString();
    return subscription.ok() ? *subscription : Subscription{};
  }

  int64_t Enqueue() {
    auto added = webhooks_.Enqueue(registry_->connection(), registry_->Now());
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? *added : -1;
  }

  DispatchRun Dispatch(const Dispatcher& dispatcher, Instant now) {
    auto run = dispatcher.RunOnce(registry_->connection(), now);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : DispatchRun{};
  }

  int64_t Rows(std::string_view sql) {
    auto query = Query::Make(registry_->connection(), sql);
    EXPECT_TRUE(query.ok());
    EXPECT_TRUE(*query->Next());
    int64_t count = query->Int(0);
    query->Finish();
    return count;
  }

  Webhooks webhooks_;
};

TEST_F(WebhookTest, AFailingConsumerGetsRetriesWithBackoffAndTheSameSignedPayload) {
  FakeConsumer consumer({500, 500, 200});
  PersonId person = AddPerson(*registry_, {});
  Issue(person);  // exit ban: one change for border
  Subscription subscription = Subscribe(consumer.url());
  ASSERT_EQ(Enqueue(), 1);
  Dispatcher dispatcher({.max_attempts = 5,
                         .first_retry = std::chrono::seconds(30),
                         .max_backoff = std::chrono::seconds(120)});
  const Instant t = registry_->Now();

  DispatchRun first = Dispatch(dispatcher, t);
  EXPECT_EQ(first.attempted, 1);
  EXPECT_EQ(first.retrying, 1);
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(29)).attempted, 0) << "backing off";
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(30)).retrying, 1);
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(89)).attempted, 0) << "doubled: 60 s";
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(90)).delivered, 1);
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(1000)).attempted, 0) << "delivered once";

  std::vector<FakeConsumer::Received> received = consumer.received();
  ASSERT_EQ(received.size(), 3u);
  const std::vector<Instant> sent_at = {t, t + std::chrono::seconds(30),
                                        t + std::chrono::seconds(90)};
  for (size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].target, "/hooks/muster");
    EXPECT_EQ(received[i].body, received[0].body);
    EXPECT_EQ(received[i].idempotency_key, received[0].idempotency_key);
    EXPECT_EQ(received[i].attempt, std::to_string(i + 1));
    EXPECT_TRUE(
        VerifyHmacSha256(received[i].signature, received[i].body, subscription.secret, sent_at[i])
            .ok());
  }
  auto body = boost::json::parse(received[0].body).as_object();
  EXPECT_EQ(received[0].idempotency_key, "border-" + std::to_string(body["seq"].as_int64()));
  EXPECT_EQ(body["kind"].as_string(), "exit");
  EXPECT_EQ(body["change"].as_string(), "imposed");
  EXPECT_EQ(body["person_id"].as_int64(), person);
  EXPECT_FALSE(body.contains("confirm_by"));

  EXPECT_EQ(dispatcher.Backoff(1), std::chrono::seconds(30));
  EXPECT_EQ(dispatcher.Backoff(3), std::chrono::seconds(120));
  EXPECT_EQ(dispatcher.Backoff(40), std::chrono::seconds(120));
}

TEST_F(WebhookTest, ExhaustedDeliveriesBecomeDeadLettersAndTheQueueMovesOnInOrder) {
  FakeConsumer consumer({500});
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  AdvanceTo("2026-04-10T10:00:00+03:00");
  Appear(summons);  // imposed, then lifted: two changes in this order
  Subscribe(consumer.url());
  ASSERT_EQ(Enqueue(), 2);
  Dispatcher dispatcher({.max_attempts = 2, .first_retry = std::chrono::seconds(10)});
  const Instant t = registry_->Now();

  DispatchRun run = Dispatch(dispatcher, t);
  EXPECT_EQ(run.attempted, 1) << "the lifting waits behind the imposition";
  run = Dispatch(dispatcher, t + std::chrono::seconds(10));
  EXPECT_EQ(run.dead, 1);
  EXPECT_EQ(run.retrying, 1) << "the next in line was tried at once";

  auto dead = webhooks_.DeadLetters(registry_->connection(), 10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].state, "dead");
  EXPECT_EQ((*dead)[0].attempts, 2);
  EXPECT_EQ((*dead)[0].last_error, "HTTP 500");
  EXPECT_EQ((*dead)[0].consumer, "border");
  EXPECT_THAT((*dead)[0].body, HasSubstr("\"change\":\"imposed\""));

  consumer.SetStatuses({200});
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(20)).delivered, 1);
  ASSERT_TRUE(
      webhooks_
          .Redeliver(registry_->connection(), (*dead)[0].delivery_id, t + std::chrono::seconds(20))
          .ok());
  EXPECT_EQ(Dispatch(dispatcher, t + std::chrono::seconds(20)).delivered, 1);
  EXPECT_TRUE(webhooks_.DeadLetters(registry_->connection(), 10)->empty());
  EXPECT_EQ(webhooks_.Redeliver(registry_->connection(), (*dead)[0].delivery_id, t).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(webhooks_.Redeliver(registry_->connection(), 999, t).code(), StatusCode::kNotFound);

  std::vector<std::string> changes;
  for (const auto& received : consumer.received()) {
    changes.push_back(
        std::string(boost::json::parse(received.body).as_object()["change"].as_string()));
  }
  EXPECT_THAT(changes, ElementsAre("imposed", "imposed", "lifted", "lifted", "imposed"));
  EXPECT_EQ(*webhooks_.PruneDelivered(registry_->connection(), t + std::chrono::seconds(20)), 0);
  EXPECT_EQ(*webhooks_.PruneDelivered(registry_->connection(), t + std::chrono::seconds(21)), 2);
  auto lifted = boost::json::parse(consumer.received()[3].body).as_object();
  EXPECT_EQ(lifted["confirm_by"].as_string(), "2026-04-11T07:00:00Z");  // lifted + 24 h
}

TEST_F(WebhookTest, EnqueueingTwiceOrFromTwoNodesMakesNoDuplicates) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  Subscribe("http://127.0.0.1:9/border");
  Subscribe("http://127.0.0.1:9/tax", "tax");
  auto node = OpenAgain(dir_);
  ASSERT_EQ(Enqueue(), 1);
  ASSERT_EQ(*webhooks_.Enqueue(*node, registry_->Now()), 0);
  AdvanceTo("2026-05-06T00:00:00+03:00");
  ASSERT_EQ(*webhooks_.Enqueue(*node, registry_->Now()), 2);  // entrepreneur, self_employed
  ASSERT_EQ(Enqueue(), 0);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM webhook_outbox"), 3);
  EXPECT_EQ(Rows("SELECT COUNT(DISTINCT idempotency_key) FROM webhook_outbox"), 3);
}

TEST_F(WebhookTest, SubscriptionsAreValidatedAndStartAtTheHeadByDefault) {
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  const Consumer& border = ConsumerNamed("border");
  for (std::string url : {"ftp://example.org/x", "not a url", "http://user:pw@example.org/"}) {
    auto bad = webhooks_.Subscribe(registry_->connection(), border, url,
                                   SignatureScheme::kHmacSha256, std::nullopt, registry_->Now());
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(bad.status().message(), HasSubstr("url")) << url;
  }
  auto fresh = webhooks_.Subscribe(registry_->connection(), border, "https://border.example/hook",
                                   SignatureScheme::kEd25519, std::nullopt, registry_->Now());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->enqueued_seq, Head());
  EXPECT_TRUE(fresh->secret.empty());
  EXPECT_EQ(Enqueue(), 0) << "only what happens from now on";
  ASSERT_TRUE(webhooks_.SetActive(registry_->connection(), fresh->subscription_id, false).ok());
  EXPECT_EQ(webhooks_.SetActive(registry_->connection(), 999, false).code(), StatusCode::kNotFound);
  auto listed = webhooks_.List(registry_->connection(), "border");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE((*listed)[0].active);
  EXPECT_EQ((*listed)[0].scheme, SignatureScheme::kEd25519);
}

TEST_F(WebhookTest, Ed25519DeliveriesVerifyWithThePublicKeyAndNeedTheKey) {
  FakeConsumer consumer({200});
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  Subscription subscription = Subscribe(consumer.url(), "border", SignatureScheme::kEd25519);
  ASSERT_EQ(Enqueue(), 1);
  const Instant t = registry_->Now();
  DispatchRun without_key = Dispatch(Dispatcher({.max_attempts = 3}), t);
  EXPECT_EQ(without_key.retrying, 1);
  EXPECT_TRUE(consumer.received().empty());
  auto deliveries = webhooks_.Deliveries(registry_->connection(), subscription.subscription_id, 10);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_THAT((*deliveries)[0].last_error, HasSubstr("Ed25519"));

  const Ed25519Key key = NewEd25519Key();
  EXPECT_EQ(Dispatch(Dispatcher({.ed25519_key = key}), t + std::chrono::hours(1)).delivered, 1);
  ASSERT_EQ(consumer.received().size(), 1u);
  const FakeConsumer::Received received = consumer.received()[0];
  EXPECT_TRUE(
      VerifyEd25519(received.signature, received.body, key.public_key, t + std::chrono::hours(1))
          .ok());
}

TEST_F(WebhookTest, AnUnreachableConsumerIsAFailedAttemptNotAnError) {
  std::string url;
  {
    FakeConsumer closed({200});
    url = closed.url();
  }  // the port is closed now
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  Subscription subscription = Subscribe(url);
  ASSERT_EQ(Enqueue(), 1);
  DispatchRun run =
      Dispatch(Dispatcher({.request_timeout = std::chrono::milliseconds(2000)}), registry_->Now());
  EXPECT_EQ(run.retrying, 1);
  auto deliveries = webhooks_.Deliveries(registry_->connection(), subscription.subscription_id, 10);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_THAT((*deliveries)[0].last_error, HasSubstr("refused"));
}

TEST_F(WebhookTest, HttpsDeliveriesVerifyTheConsumersCertificate) {
  // A self-signed certificate for 127.0.0.1, made with the openssl command line.
  const std::string certificate = dir_.File("consumer.pem");
  const std::string key = dir_.File("consumer.key");
  std::string made = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + certificate + " 2>&1");
  ASSERT_TRUE(std::filesystem::exists(certificate)) << made;
  FakeConsumer consumer({200}, certificate, key);
  ASSERT_THAT(consumer.url(), ::testing::StartsWith("https://"));
  PersonId person = AddPerson(*registry_, {});
  Issue(person);
  Subscription subscription = Subscribe(consumer.url());
  ASSERT_EQ(Enqueue(), 1);
  const Instant t = registry_->Now();

  DispatchRun untrusted = Dispatch(Dispatcher({.request_timeout = std::chrono::seconds(5)}), t);
  EXPECT_EQ(untrusted.retrying, 1) << "not in the system's trust store";
  auto deliveries = webhooks_.Deliveries(registry_->connection(), subscription.subscription_id, 10);
  ASSERT_TRUE(deliveries.ok());
  EXPECT_THAT((*deliveries)[0].last_error, HasSubstr("certificate verify failed"));
  EXPECT_TRUE(consumer.received().empty());

  Dispatcher trusting({.request_timeout = std::chrono::seconds(5), .ca_file = certificate});
  EXPECT_EQ(Dispatch(trusting, t + std::chrono::hours(1)).delivered, 1);
  ASSERT_EQ(consumer.received().size(), 1u);
  EXPECT_TRUE(VerifyHmacSha256(consumer.received()[0].signature, consumer.received()[0].body,
                               subscription.secret, t + std::chrono::hours(1))
                  .ok());
}

TEST_F(EnforcementTest, EveryEnforcingConsumerMustConfirmALiftingBeforeTheDeadline) {
  PersonId person = AddPerson(*registry_, {});
  PersonId still_banned = AddPerson(*registry_, {.serial = 2});
  SummonsId summons = Issue(person);
  Issue(still_banned);
  AdvanceTo("2026-05-06T00:00:00+03:00");
  const Instant lifted_at = registry_->Now();
  Appear(summons);  // seven liftings

  LiftConfirmations lifts(registry_->profile().lift_deadline_hours);
  Connection& db = registry_->connection();
  auto measure_of = [&](PersonId who, std::string_view kind) {
    auto query =
        Query::Make(db, "SELECT measure_id FROM measures WHERE person_id = $1 AND kind = $2");
    query->Bind(who).Bind(kind);
    EXPECT_TRUE(*query->Next());
    MeasureId id = query->Int(0);
    query->Finish();
    return id;
  };
  // A confirmation may overtake Track.
  ASSERT_TRUE(lifts
                  .Confirm(db, ConsumerNamed("lenders"), measure_of(person, "credit"),
                           lifted_at + std::chrono::hours(1))
                  .ok());
  auto tracked = lifts.Track(db);
  ASSERT_TRUE(tracked.ok()) << tracked.status().ToString();
  EXPECT_EQ(*tracked, 6);  // border 1, traffic police 2, land registry 1, tax 2; lenders' exists
  EXPECT_EQ(*lifts.Track(db), 0);

  EXPECT_EQ(
      lifts.Confirm(db, ConsumerNamed("lenders"), measure_of(person, "exit"), lifted_at).code(),
      StatusCode::kNotFound)
      << "another agency's measure";
  EXPECT_EQ(
      lifts.Confirm(db, ConsumerNamed("lenders"), measure_of(still_banned, "credit"), lifted_at)
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_TRUE(lifts
                  .Confirm(db, ConsumerNamed("lenders"), measure_of(person, "credit"),
                           lifted_at + std::chrono::hours(2))
                  .ok())
      << "repeating is fine";

  ASSERT_TRUE(lifts
                  .Confirm(db, ConsumerNamed("tax"), measure_of(person, "entrepreneur"),
                           lifted_at + std::chrono::hours(3))
                  .ok());
  EXPECT_TRUE(lifts.Escalate(db, lifted_at + std::chrono::hours(23))->empty());
  auto escalated = lifts.Escalate(db, lifted_at + std::chrono::hours(24));
  ASSERT_TRUE(escalated.ok());
  EXPECT_EQ(escalated->size(), 5u);
  EXPECT_TRUE(lifts.Escalate(db, lifted_at + std::chrono::hours(25))->empty()) << "once";
  auto overdue = lifts.Overdue(db, 100);
  ASSERT_TRUE(overdue.ok());
  EXPECT_EQ(overdue->size(), 5u);

  // Border control confirms late: closed, and the lateness stays visible.
  ASSERT_TRUE(lifts
                  .Confirm(db, ConsumerNamed("border"), measure_of(person, "exit"),
                           lifted_at + std::chrono::hours(30))
                  .ok());
  EXPECT_EQ(lifts.Overdue(db, 100)->size(), 4u);
  auto rows = lifts.OfPerson(db, person);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 7u);
  int late = 0;
  int confirmed = 0;
  for (const LiftConfirmation& row : *rows) {
    EXPECT_EQ(row.deadline_at, lifted_at + std::chrono::hours(24));
    if (row.consumer == "border") {
      EXPECT_EQ(row.state, "confirmed");
      EXPECT_TRUE(row.escalated_at.has_value());
    }
    late += row.late() ? 1 : 0;
    confirmed += row.confirmed_at ? 1 : 0;
  }
  EXPECT_EQ(late, 1);
  EXPECT_EQ(confirmed, 3);
}

TEST_F(EnforcementTest, TheSelfCheckSaysWhetherTheBorderWillLetMeThroughAndWhy) {
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  MeasureIndex index;
  ASSERT_TRUE(index.CatchUp(registry_->connection()).ok());
  auto explanation = registry_->Explain(person);
  ASSERT_TRUE(explanation.ok());
  TravelCheckInput input{.person_id = person,
                         .now = registry_->Now(),
                         .excuse_reasons = registry_->profile().excuse_reasons,
                         .lift_deadline_hours = registry_->profile().lift_deadline_hours};
  for (const MeasureExplanation& measure : explanation->measures) {
    if (measure.kind == MeasureKind::kExit) input.explanation = measure.lines;
  }
  ASSERT_FALSE(input.explanation.empty());

  TravelAnswer blocked = CheckTravel(index, input);
  EXPECT_FALSE(blocked.can_cross);
  EXPECT_THAT(blocked.answer, HasSubstr("No. A temporary exit ban"));
  EXPECT_EQ(blocked.office, "RYA-01");
  EXPECT_EQ(blocked.why, input.explanation);
  ASSERT_EQ(blocked.how_to_fix.size(), 3u);
  EXPECT_THAT(blocked.how_to_fix[0], HasSubstr("registration office RYA-01"));
  EXPECT_THAT(blocked.how_to_fix[1], HasSubstr("illness"));
  EXPECT_THAT(TravelAnswerJson(blocked), HasSubstr("\"can_cross\":false"));

  AdvanceTo("2026-04-10T10:00:00+03:00");
  Appear(summons);
  ASSERT_TRUE(index.CatchUp(registry_->connection()).ok());
  LiftConfirmations lifts(24);
  ASSERT_TRUE(lifts.Track(registry_->connection()).ok());
  input.now = registry_->Now();
  input.lifts = *lifts.OfPerson(registry_->connection(), person);
  TravelAnswer lifted = CheckTravel(index, input);
  EXPECT_TRUE(lifted.can_cross);
  EXPECT_THAT(lifted.answer, HasSubstr("Yes"));
  ASSERT_EQ(lifted.notes.size(), 1u);
  EXPECT_THAT(lifted.notes[0], HasSubstr("border control has not yet confirmed"));

  ASSERT_TRUE(lifts
                  .Confirm(registry_->connection(), ConsumerNamed("border"), *blocked.measure_id,
                           registry_->Now())
                  .ok());
  input.lifts = *lifts.OfPerson(registry_->connection(), person);
  EXPECT_TRUE(CheckTravel(index, input).notes.empty());
}

TEST_F(EnforcementTest, TheDeliveryWorkerTracksEnqueuesAndDeliversOnItsOwn) {
  FakeConsumer consumer({200});
  PersonId person = AddPerson(*registry_, {});
  SummonsId summons = Issue(person);
  Webhooks webhooks;
  ASSERT_TRUE(webhooks
                  .Subscribe(registry_->connection(), ConsumerNamed("border"), consumer.url(),
                             SignatureScheme::kHmacSha256, 0, registry_->Now())
                  .ok());
  AdvanceTo("2026-04-10T10:00:00+03:00");
  Appear(summons);
  ManualClock clock(registry_->Now());
  auto worker =
      DeliveryWorker::Start(OpenAgain(dir_), clock, {.interval = std::chrono::milliseconds(20)});
  ASSERT_TRUE(worker.ok());
  const auto start = std::chrono::steady_clock::now();
  while ((*worker)->totals().dispatched.delivered < 2 &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*worker)->Stop();
  EXPECT_TRUE((*worker)->last_status().ok()) << (*worker)->last_status().ToString();
  EXPECT_EQ((*worker)->totals().dispatched.delivered, 2);
  EXPECT_EQ((*worker)->totals().lifts_tracked, 1);
  EXPECT_EQ(consumer.received().size(), 2u);
}

}  // namespace
}  // namespace muster::enforcement
