// The HTTP API over real sockets: a server on port 0 in front of a throwaway registry (either
// engine, through testing::StoreUrl), driven by a small Beast client. Each test names the
// behaviour it protects: routes, the problem+json error model, idempotency, limits, timeouts,
// keep-alive and graceful shutdown, and access control: credentials, scopes, jurisdictions
// (every route is tried from another region), rate limits and the access journal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "enforcement/checks.h"
#include "integration/http_fixture.h"

namespace muster {
namespace {

TEST_F(HttpTest, HealthAnswersOk) {
  StartServer();
  Reply reply = Connection(server_->port()).Send(bhttp::verb::get, "/health");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.Text("status"), "ok");
}

TEST_F(HttpTest, PersonCardComesFromTheProjections) {
  StartServer();
  Reply reply = Get("/persons/" + std::to_string(person_));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.headers[bhttp::field::content_type], "application/json");
  const json::object& card = reply.object();
  EXPECT_EQ(card.at("person_id").as_int64(), person_);
  EXPECT_EQ(card.at("names").at("family").as_string(), "Иванов");
  EXPECT_EQ(card.at("names_latin").at("given").as_string(), "Ivan");
  EXPECT_EQ(card.at("birth_date").as_string(), "2004-06-15");
  EXPECT_EQ(card.at("office").as_string(), "RYA-01");
  EXPECT_EQ(card.at("region").as_string(), "RYA");
  EXPECT_EQ(card.at("status").as_string(), "registered");
  ASSERT_EQ(card.at("identifiers").as_array().size(), 1u);
  EXPECT_EQ(card.at("identifiers").as_array()[0].at("kind").as_string(), "snils");
}

TEST_F(HttpTest, PersonIsFoundByIdentifier) {
  StartServer();
  std::string snils = testing::TestSnils(1);
  Reply reply = Get("/persons?snils=" + snils);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.object().at("person_id").as_int64(), person_);
  ExpectProblem(Get("/persons?snils=" + testing::TestSnils(77)), 404, "/problems/not-found");
  ExpectProblem(Get("/persons?colour=red"), 400, "/problems/invalid-request", "colour");
  ExpectProblem(Get("/persons"), 400, "/problems/invalid-request", "query");
}

TEST_F(HttpTest, UnknownPersonIs404AndBadIdIs400) {
  StartServer();
  ExpectProblem(Get("/persons/999999"), 404, "/problems/not-found");
  ExpectProblem(Get("/persons/abc"), 400, "/problems/invalid-request", "id");
  ExpectProblem(Get("/persons/999999/measures"), 404, "/problems/not-found");
}

TEST_F(HttpTest, IssueServeAndAppearThroughTheApi) {
  StartServer();
  Reply issued = Post("/summonses", Summons(person_), "issue-1");
  ASSERT_EQ(issued.status, 201u) << issued.body;
  int64_t summons_id = issued.object().at("summons_id").as_int64();
  EXPECT_GT(summons_id, 0);

  Reply mark = Post(
      "/summonses/" + std::to_string(summons_id) + "/marks",
      R"({"channel":"in_person","mark":"signed","at":"2026-04-01T09:00:00+03:00","evidence":"signature"})");
  ASSERT_EQ(mark.status, 201u) << mark.body;
  EXPECT_GT(mark.object().at("attempt_id").as_int64(), 0);

  Reply measures = Get("/persons/" + std::to_string(person_) + "/measures");
  ASSERT_EQ(measures.status, 200u) << measures.body;
  EXPECT_FALSE(measures.object().at("measures").as_array().empty())
      << "serving imposes the exit ban";

  Reply appeared = Post("/summonses/" + std::to_string(summons_id) + "/appearance", "{}");
  ASSERT_EQ(appeared.status, 200u) << appeared.body;
  Reply after = Get("/persons/" + std::to_string(person_) + "/measures");
  for (const json::value& measure : after.object().at("measures").as_array()) {
    EXPECT_FALSE(measure.at("in_force").as_bool()) << "appearance lifts every measure";
  }

  Reply timeline = Get("/persons/" + std::to_string(person_) + "/timeline");
  ASSERT_EQ(timeline.status, 200u) << timeline.body;
  EXPECT_THAT(timeline.body, HasSubstr("ummons"));
  Reply explain = Get("/persons/" + std::to_string(person_) + "/explain");
  ASSERT_EQ(explain.status, 200u) << explain.body;
  EXPECT_THAT(explain.Text("profile"), HasSubstr("ru-127fz"));
  EXPECT_FALSE(explain.object().at("measures").as_array().empty());
}

TEST_F(HttpTest, ProfileSummarisesTheActiveRules) {
  StartServer();
  Reply reply = Get("/profile");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.Text("id"), "ru-127fz");
  EXPECT_FALSE(reply.Text("version").empty());
  EXPECT_EQ(reply.Text("clock"), "simulated");
  EXPECT_FALSE(reply.object().at("channels").as_array().empty());
}

TEST_F(HttpTest, MalformedJsonAndBadFieldsAre400NamingTheField) {
  StartServer();
  ExpectProblem(Post("/summonses", "{\"person_id\":"), 400, "/problems/invalid-request", "body");
  ExpectProblem(Post("/summonses", "[1]"), 400, "/problems/invalid-request", "body");
  ExpectProblem(Post("/summonses", "{}"), 400, "/problems/invalid-request", "person_id");
  ExpectProblem(Post("/summonses", R"({"person_id":"one"})"), 400, "/problems/invalid-request",
                "person_id");
  ExpectProblem(Post("/summonses", R"({"person_id":1,"channels":"portal"})"), 400,
                "/problems/invalid-request", "channels");
  ExpectProblem(Post("/summonses", R"({"person_id":1,"channels":["pigeon"]})"), 400,
                "/problems/invalid-request", "channels");
  ExpectProblem(Post("/summonses", R"({"person_id":1,"appearance_at":"tomorrow"})"), 400,
                "/problems/invalid-request", "appearance_at");
  ExpectProblem(Post("/summonses", R"({"person_id":1,"colour":"red"})"), 400,
                "/problems/invalid-request", "colour");
  Reply issued = Post("/summonses", Summons(person_), "bad-fields");
  ASSERT_EQ(issued.status, 201u) << issued.body;
  ExpectProblem(Post("/summonses/" + std::to_string(issued.object().at("summons_id").as_int64()) +
                         "/marks",
                     R"({"channel":"portal","mark":"posted"})"),
                400, "/problems/invalid-request", "evidence");
}

TEST_F(HttpTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  StartServer();
  ExpectProblem(Get("/nowhere"), 404, "/problems/not-found");
  Reply reply = Send(bhttp::verb::delete_, "/persons/1", "", officer_);
  ExpectProblem(reply, 405, "/problems/method-not-allowed");
  EXPECT_EQ(reply.headers[bhttp::field::allow], "GET");
  Reply get_summonses = Get("/summonses");
  ExpectProblem(get_summonses, 405, "/problems/method-not-allowed");
  EXPECT_EQ(get_summonses.headers[bhttp::field::allow], "POST");
}

TEST_F(HttpTest, SameIdempotencyKeyAndBodyReturnsTheSameSummons) {
  StartServer();
  Reply first = Post("/summonses", Summons(person_), "key-a");
  Reply second = Post("/summonses", Summons(person_), "key-a");
  ASSERT_EQ(first.status, 201u) << first.body;
  ASSERT_EQ(second.status, 201u) << second.body;
  EXPECT_EQ(first.object().at("summons_id"), second.object().at("summons_id"));
}

TEST_F(HttpTest, IdempotencyKeyReusedForADifferentBodyIs409) {
  StartServer();
  ASSERT_EQ(Post("/summonses", Summons(person_), "key-b").status, 201u);
  std::string other = "{\"person_id\":" + std::to_string(person_) + ",\"purpose\":\"other\"}";
  ExpectProblem(Post("/summonses", other, "key-b"), 409, "/problems/idempotency-conflict");
}

// A retry answers like the first run: even where the first run closed what the command acts on
// (an appearance closes its summons, a cancellation cancels it), and for a batch.
TEST_F(HttpTest, RetriesWithTheSameKeyAnswerLikeTheFirstRun) {
  StartServer();
  Reply issued = Post("/summonses", Summons(person_), "retry-issue");
  ASSERT_EQ(issued.status, 201u) << issued.body;
  std::string summons = "/summonses/" + std::to_string(issued.object().at("summons_id").as_int64());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Reply appeared = Post(summons + "/appearance", "{}", "retry-appearance");
    EXPECT_EQ(appeared.status, 200u) << "attempt " << attempt << ": " << appeared.body;
  }
  // Without the key, a second appearance on a closed summons is a precondition failure.
  ExpectProblem(Post(summons + "/appearance", R"({"at":"2026-04-01T10:00:00+03:00"})"), 422,
                "/problems/precondition-failed");
  Reply other = Post("/summonses", Summons(person_), "retry-issue-2");
  ASSERT_EQ(other.status, 201u) << other.body;
  std::string second = "/summonses/" + std::to_string(other.object().at("summons_id").as_int64());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Reply cancelled = Post(second + "/cancel", R"({"reason":"issued in error"})", "retry-cancel");
    EXPECT_EQ(cancelled.status, 200u) << "attempt " << attempt << ": " << cancelled.body;
  }
  Reply batch = Post("/summonses/batch", R"({"office":"RYA-01","limit":10})", "retry-batch");
  ASSERT_EQ(batch.status, 201u) << batch.body;
  Reply again = Post("/summonses/batch", R"({"office":"RYA-01","limit":10})", "retry-batch");
  ASSERT_EQ(again.status, 201u) << again.body;
  EXPECT_EQ(again.Text("batch"), batch.Text("batch"));
  EXPECT_EQ(again.object().at("issued"), batch.object().at("issued"));
}

// Keys belong to their caller, and a request without one is recognised as a retry only for a
// while: the same command later is a new command, not a silent replay of the first.
TEST_F(HttpTest, KeysAreTheCallersOwnAndKeylessRetriesExpire) {
  StartServer();
  std::string colleague = MakeOfficer("ryazan.colleague", "region:RYA");
  Reply mine = Post("/summonses", Summons(person_), "shared-key");
  ASSERT_EQ(mine.status, 201u) << mine.body;
  // The colleague's "shared-key" is theirs: their different request is not a key conflict
  // (409) but a command of its own, which the gate refuses — the person has an open summons.
  std::string other_body = "{\"person_id\":" + std::to_string(person_) + ",\"purpose\":\"other\"}";
  Reply theirs = Send(bhttp::verb::post, "/summonses", other_body, colleague,
                      {{"Idempotency-Key", "shared-key"}});
  ExpectProblem(theirs, 422, "/problems/gate-refused");
  EXPECT_EQ(theirs.Text("gate"), "open_summons");

  std::string cancel = "/summonses/" + std::to_string(mine.object().at("summons_id").as_int64()) +
                       "/cancel";
  ASSERT_EQ(Post(cancel, R"({"reason":"issued in error"})").status, 200u);
  Reply retry = Post(cancel, R"({"reason":"issued in error"})");
  EXPECT_EQ(retry.status, 200u) << "a retry without a key: " << retry.body;
  clock_.Advance(std::chrono::minutes(11));  // past the ten-minute retry window
  ExpectProblem(Post(cancel, R"({"reason":"issued in error"})"), 422,
                "/problems/precondition-failed");  // a new command: the summons is cancelled
}

TEST_F(HttpTest, GateRefusalIs422WithTheGateCode) {
  StartServer();
  Reply reply = Post("/summonses", Summons(deferred_), "key-c");
  ExpectProblem(reply, 422, "/problems/gate-refused");
  EXPECT_EQ(reply.Text("gate"), "deferment");
  EXPECT_THAT(reply.Text("detail"), HasSubstr("student_full_time"));
}

TEST_F(HttpTest, OversizeBodyIs413) {
  StartServer({.body_limit = 1024});
  Connection connection(server_->port());
  // Announce a large body and send only its start: the parser refuses on the header alone.
  connection.WriteRaw(
      "POST /summonses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n{\"person_id\":");
  Reply reply = connection.Read();
  ExpectProblem(reply, 413, "/problems/payload-too-large");
  EXPECT_TRUE(connection.ClosedByServer());
}

TEST_F(HttpTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  Connection connection(server_->port());
  Reply first = connection.Send(bhttp::verb::get, "/health");
  Reply second = connection.Send(bhttp::verb::get, "/persons/" + std::to_string(person_), "",
                                 {{"Authorization", "Bearer " + officer_}});
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(second.status, 200u);
}

TEST_F(HttpTest, SlowClientIsCutByTheReadTimeoutWhileOthersAreServed) {
  StartServer({.read_timeout = std::chrono::seconds(1)});
  Connection slow(server_->port());
  slow.WriteRaw("GET /health HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
  auto started = std::chrono::steady_clock::now();
  Reply served = Get("/persons/" + std::to_string(person_));
  EXPECT_EQ(served.status, 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  slow.SetReceiveTimeout(std::chrono::seconds(5));
  EXPECT_TRUE(slow.ClosedByServer());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST_F(HttpTest, MetricsCountRequestsByRouteAndStatus) {
  StartServer();
  ASSERT_EQ(Get("/health").status, 200u);
  ASSERT_EQ(Get("/persons/999999").status, 404u);
  Reply reply = Connection(server_->port()).Send(bhttp::verb::get, "/metrics");
  ASSERT_EQ(reply.status, 200u);
  EXPECT_THAT(reply.headers[bhttp::field::content_type], HasSubstr("text/plain"));
  EXPECT_THAT(reply.body,
              HasSubstr("muster_http_requests_total{route=\"/health\",status=\"200\"} 1"));
  EXPECT_THAT(reply.body,
              HasSubstr("muster_http_requests_total{route=\"/persons/{id}\",status=\"404\"} 1"));
  EXPECT_THAT(
      reply.body,
      HasSubstr("muster_http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"} 1"));
}

TEST_F(HttpTest, StopLetsAnInFlightRequestFinishAndClosesIdleConnections) {
  StartServer();
  uint16_t port = server_->port();
  Connection idle(port);
  ASSERT_EQ(idle.Send(bhttp::verb::get, "/health").status, 200u);  // now idle, kept alive
  Connection in_flight(port);
  in_flight.WriteRaw("GET /persons/" + std::to_string(person_) + " HTTP/1.1\r\nAuthorization: Bearer " +
                     officer_ + "\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the server read the start

  std::thread stopper([this] { server_->Stop(); });
  EXPECT_TRUE(idle.ClosedByServer()) << "an idle keep-alive connection is closed at once";
  in_flight.WriteRaw("Host: x\r\n\r\n");
  Reply reply = in_flight.Read();
  EXPECT_EQ(reply.status, 200u) << "a request already being received is answered";
  EXPECT_EQ(reply.headers[bhttp::field::connection], "close");
  stopper.join();
  server_.reset();

  asio::io_context io;
  tcp::socket socket(io);
  beast::error_code error;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), error);
  EXPECT_TRUE(error) << "a stopped server accepts nothing";
}

// ---- Access control ---------------------------------------------------------------------

// Records of every kind in region RYA, for routes that take an id.
struct Records {
  SummonsId summons = 0;
  int64_t excuse = 0;
  int64_t objection = 0;
  int64_t ground = 0;
};

class HttpAccessTest : public HttpTest {
 protected:
  Records MakeRecords() {
    Records records;
    Reply issued = Post("/summonses", Summons(person_), "records-summons");
    EXPECT_EQ(issued.status, 201u) << issued.body;
    records.summons = issued.object().at("summons_id").as_int64();
    Reply excuse = Post("/summonses/" + std::to_string(records.summons) + "/excuses",
                        R"({"reason":"illness","documents":"certificate 17"})");
    EXPECT_EQ(excuse.status, 201u) << excuse.body;
    records.excuse = excuse.object().at("excuse_id").as_int64();
    Reply objection = Post("/objections", "{\"person_id\":" + std::to_string(person_) +
                                              ",\"reason\":\"wrong address\"}");
    EXPECT_EQ(objection.status, 201u) << objection.body;
    records.objection = objection.object().at("objection_id").as_int64();
    auto card = GetAs(officer_, "/persons/" + std::to_string(deferred_));
    records.ground = card.object().at("grounds").as_array().at(0).at("ground_id").as_int64();
    return records;
  }

  // A request for every route, aimed at a record in RYA, with a body that would be valid.
  struct Call {
    bhttp::verb method;
    std::string target;
    std::string body;
  };
  std::map<std::string, Call> CallsFor(const Records& r) {
    std::string p = std::to_string(person_);
    std::string s = std::to_string(r.summons);
    return {
        {"GET /persons", {bhttp::verb::get, "/persons?snils=" + testing::TestSnils(1), ""}},
        {"GET /persons/search",
         {bhttp::verb::get, "/persons/search?family_name=Ivanov&birth_date=2004-06-15", ""}},
        {"GET /persons/{id}", {bhttp::verb::get, "/persons/" + p, ""}},
        {"GET /persons/{id}/timeline", {bhttp::verb::get, "/persons/" + p + "/timeline", ""}},
        {"GET /persons/{id}/explain", {bhttp::verb::get, "/persons/" + p + "/explain", ""}},
        {"GET /persons/{id}/measures", {bhttp::verb::get, "/persons/" + p + "/measures", ""}},
        {"GET /persons/{id}/summonses", {bhttp::verb::get, "/persons/" + p + "/summonses", ""}},
        {"GET /persons/{id}/access-log", {bhttp::verb::get, "/persons/" + p + "/access-log", ""}},
        {"POST /persons/{id}/grounds",
         {bhttp::verb::post, "/persons/" + p + "/grounds",
          R"({"kind":"deferment","basis":"student_full_time","evidence":"certificate"})"}},
        {"POST /persons/{id}/fitness",
         {bhttp::verb::post, "/persons/" + p + "/fitness",
          R"({"category":"A","commission":"RYA-01 commission"})"}},
        {"POST /grounds/{id}/end",
         {bhttp::verb::post, "/grounds/" + std::to_string(r.ground) + "/end",
          R"({"reason":"graduated"})"}},
        {"POST /summonses", {bhttp::verb::post, "/summonses", Summons(person_)}},
        {"POST /summonses/batch", {bhttp::verb::post, "/summonses/batch", R"({"region":"RYA"})"}},
        {"GET /summonses/{id}", {bhttp::verb::get, "/summonses/" + s, ""}},
        {"POST /summonses/{id}/marks",
         {bhttp::verb::post, "/summonses/" + s + "/marks",
          R"({"channel":"in_person","mark":"signed","evidence":"signature"})"}},
        {"POST /summonses/{id}/appearance", {bhttp::verb::post, "/summonses/" + s + "/appearance", "{}"}},
        {"POST /summonses/{id}/cancel",
         {bhttp::verb::post, "/summonses/" + s + "/cancel", R"({"reason":"error"})"}},
        {"POST /summonses/{id}/excuses",
         {bhttp::verb::post, "/summonses/" + s + "/excuses", R"({"reason":"illness"})"}},
        {"POST /excuses/{id}/decision",
         {bhttp::verb::post, "/excuses/" + std::to_string(r.excuse) + "/decision",
          R"({"accepted":true})"}},
        {"POST /objections",
         {bhttp::verb::post, "/objections", "{\"person_id\":" + p + ",\"reason\":\"x\"}"}},
        {"POST /objections/{id}/decision",
         {bhttp::verb::post, "/objections/" + std::to_string(r.objection) + "/decision",
          R"({"upheld":false})"}},
        {"POST /auth/logout", {bhttp::verb::post, "/auth/logout", ""}},
        {"GET /auth/me", {bhttp::verb::get, "/auth/me", ""}},
        {"GET /stats", {bhttp::verb::get, "/stats", ""}},
        {"GET /objections", {bhttp::verb::get, "/objections?status=pending", ""}},
        {"GET /checks/persons/{id}", {bhttp::verb::get, "/checks/persons/" + p, ""}},
        {"POST /checks/documents",
         {bhttp::verb::post, "/checks/documents",
          "{\"kind\":\"snils\",\"number\":\"" + testing::TestSnils(1) + "\"}"}},
        {"POST /checks/bulk", {bhttp::verb::post, "/checks/bulk", "[" + p + "]"}},
        {"GET /feed", {bhttp::verb::get, "/feed?since=0", ""}},
        {"POST /webhooks", {bhttp::verb::post, "/webhooks", R"({"url":"http://127.0.0.1:9/hook"})"}},
        {"GET /webhooks", {bhttp::verb::get, "/webhooks", ""}},
        {"POST /webhooks/{id}/active", {bhttp::verb::post, "/webhooks/1/active", R"({"active":false})"}},
        {"POST /lifts/{id}/confirm", {bhttp::verb::post, "/lifts/1/confirm", ""}},
        {"GET /enforcement/dead-letters", {bhttp::verb::get, "/enforcement/dead-letters", ""}},
        {"POST /enforcement/dead-letters/{id}/redeliver",
         {bhttp::verb::post, "/enforcement/dead-letters/1/redeliver", ""}},
        {"GET /enforcement/overdue-lifts", {bhttp::verb::get, "/enforcement/overdue-lifts", ""}},
        {"GET /persons/{id}/travel-check", {bhttp::verb::get, "/persons/" + p + "/travel-check", ""}},
        {"POST /feeds/{agency}/batches/{sequence}",
         {bhttp::verb::post, "/feeds/tax/batches/1?format=jsonl", "{}"}},
        {"GET /reviews", {bhttp::verb::get, "/reviews", ""}},
        {"GET /reviews/{id}", {bhttp::verb::get, "/reviews/1", ""}},
        {"POST /reviews/{id}/decision", {bhttp::verb::post, "/reviews/1/decision", R"({"decision":"new"})"}},
        {"GET /persons/{id}/lift-confirmations",
         {bhttp::verb::get, "/persons/" + p + "/lift-confirmations", ""}},
        {"POST /mail/tracking",
         {bhttp::verb::post, "/mail/tracking?format=csv",
          "tracking_number,summons_id,event,at,office\n80080012345678," + s +
              ",accepted,2026-04-01T10:00:00+03:00,390000\n"}},
        {"GET /persons/{id}/consents", {bhttp::verb::get, "/persons/" + p + "/consents", ""}},
        {"POST /persons/{id}/consents",
         {bhttp::verb::post, "/persons/" + p + "/consents",
          R"({"channel":"sms","address":"+79101234567","evidence":"consent form"})"}},
        {"POST /persons/{id}/consents/{consent_id}/withdraw",
         {bhttp::verb::post, "/persons/" + p + "/consents/1/withdraw",
          R"({"evidence":"written withdrawal"})"}},
        {"POST /summonses/{id}/notifications",
         {bhttp::verb::post, "/summonses/" + s + "/notifications",
          R"({"channel":"sms","evidence":"gateway message 1"})"}},
    };
  }

  static std::string Key(const http::Route& route) {
    return std::string(bhttp::to_string(route.method)) + " " + route.pattern;
  }

  int64_t LedgerEvents() {
    auto count = Query::Make(*identity_connection_, "SELECT COUNT(*) FROM ledger_events");
    EXPECT_TRUE(count.ok());
    EXPECT_TRUE(count->Next().ok());
    return count->Int(0);
  }
};

TEST_F(HttpAccessTest, EveryNonPublicRouteAsksForCredentials) {
  StartServer();
  Records records = MakeRecords();
  auto calls = CallsFor(records);
  http::Metrics metrics;
  http::Router router = http::MakeApiRouter(metrics);
  for (const http::Route& route : router.routes()) {
    if (route.access != http::Access::kAuthenticated) continue;
    ASSERT_TRUE(calls.contains(Key(route))) << Key(route) << " has no access test call";
    const Call& call = calls.at(Key(route));
    Reply anonymous = Send(call.method, call.target, call.body, "");
    ExpectProblem(anonymous, 401, "/problems/unauthenticated");
    EXPECT_EQ(anonymous.headers[bhttp::field::www_authenticate], "Bearer realm=\"muster\"")
        << Key(route);
    ExpectProblem(Send(call.method, call.target, call.body, "mss_forged"), 401,
                  "/problems/unauthenticated");
  }
}

TEST_F(HttpAccessTest, AnOfficerOfAnotherRegionCanNeitherReadNorChangeOnAnyRoute) {
  StartServer();
  Records records = MakeRecords();
  auto calls = CallsFor(records);
  int64_t events_before = LedgerEvents();
  http::Metrics metrics;
  http::Router router = http::MakeApiRouter(metrics);
  int tried = 0;
  for (const http::Route& route : router.routes()) {
    if (route.access != http::Access::kAuthenticated || route.scope.empty()) continue;
    ASSERT_TRUE(calls.contains(Key(route))) << Key(route) << " has no cross-region test call";
    const Call& call = calls.at(Key(route));
    Reply reply = Send(call.method, call.target, call.body, other_region_);
    ++tried;
    if (Key(route) == "GET /objections") {
      ASSERT_EQ(reply.status, 200u) << reply.body;  // filtered to the caller's jurisdiction
      EXPECT_TRUE(reply.object().at("objections").as_array().empty()) << reply.body;
      continue;
    }
    if (Key(route) == "GET /reviews") {
      ASSERT_EQ(reply.status, 200u) << reply.body;  // filtered to the caller's jurisdiction
      EXPECT_TRUE(reply.object().at("reviews").as_array().empty());
      continue;
    }
    if (Key(route).find("/reviews/{id}") != std::string::npos) {
      // No review exists in this test: nothing to disclose either way.
      EXPECT_TRUE(reply.status == 403u || reply.status == 404u) << Key(route) << reply.body;
      continue;
    }
    if (Key(route) == "GET /stats") {
      EXPECT_EQ(reply.status, 200u) << "aggregates carry no person's data";
      continue;
    }
    if (Key(route) == "GET /persons/search") {
      // A search answers, but discloses nothing outside the caller's jurisdiction.
      ASSERT_EQ(reply.status, 200u) << reply.body;
      EXPECT_TRUE(reply.object().at("results").as_array().empty()) << reply.body;
      EXPECT_EQ(reply.object().at("outside_jurisdiction").as_int64(), 2);
      continue;
    }
    ExpectProblem(reply, 403, "/problems/forbidden");
    EXPECT_THAT(reply.body, ::testing::Not(HasSubstr("Иванов"))) << Key(route);
  }
  EXPECT_GE(tried, 20);
  EXPECT_EQ(LedgerEvents(), events_before) << "a refused change changes nothing";
}

TEST_F(HttpAccessTest, ACitizenSeesOnlyTheirOwnRecord) {
  StartServer();
  std::string own = "/persons/" + std::to_string(person_);
  EXPECT_EQ(GetAs(citizen_, own).status, 200u);
  EXPECT_EQ(GetAs(citizen_, own + "/measures").status, 200u);
  EXPECT_EQ(GetAs(citizen_, own + "/summonses").status, 200u);
  ExpectProblem(GetAs(citizen_, "/persons/" + std::to_string(deferred_)), 403, "/problems/forbidden");
  ExpectProblem(GetAs(citizen_, "/persons/search?family_name=Ivanov&given_name=Ivan"), 403,
                "/problems/forbidden");
  ExpectProblem(PostAs(citizen_, "/summonses", Summons(person_)), 403, "/problems/forbidden");
  // …but may object to their own record.
  Reply objection = PostAs(citizen_, "/objections", "{\"person_id\":" + std::to_string(person_) +
                                                        ",\"reason\":\"I live elsewhere\"}");
  EXPECT_EQ(objection.status, 201u) << objection.body;
  Reply me = GetAs(citizen_, "/auth/me");
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.Text("kind"), "citizen");
  EXPECT_EQ(me.object().at("person_id").as_int64(), person_);
}

TEST_F(HttpAccessTest, EveryReadIsJournalledAndTheCitizenSeesIt) {
  StartServer();
  std::string card = "/persons/" + std::to_string(person_);
  ASSERT_EQ(GetAs(officer_, card, {{"X-Purpose", "spring call-up review"}}).status, 200u);
  ASSERT_EQ(GetAs(other_region_, card).status, 403u);  // attempts are journalled too
  Reply log = GetAs(citizen_, card + "/access-log");
  ASSERT_EQ(log.status, 200u) << log.body;
  const json::array& entries = log.object().at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u) << log.body;
  EXPECT_EQ(entries[0].at("actor").as_string(), "officer:moscow.officer");
  EXPECT_THAT(std::string(entries[0].at("outcome").as_string()), HasSubstr("denied"));
  EXPECT_EQ(entries[1].at("actor").as_string(), "officer:ryazan.officer");
  EXPECT_EQ(entries[1].at("purpose").as_string(), "spring call-up review");
  EXPECT_EQ(entries[1].at("fields").as_string(), "card,identifiers,grounds");
  EXPECT_EQ(entries[1].at("outcome").as_string(), "ok");
  // Officers without audit.read cannot list it; the citizen cannot list another's.
  ExpectProblem(GetAs(officer_, card + "/access-log"), 403, "/problems/forbidden");
  ExpectProblem(GetAs(citizen_, "/persons/" + std::to_string(deferred_) + "/access-log"), 403,
                "/problems/forbidden");
  auto check = access::VerifyAccessJournal(*identity_connection_);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->first_bad_entry);
}

TEST_F(HttpAccessTest, OfficersLogInWithPasswordAndTotpAndSessionsExpire) {
  StartServer();
  auto created = identity_->CreateAccount({.kind = access::PrincipalKind::kOfficer,
                                           .login = "new.officer",
                                           .display_name = "New",
                                           .password = "a long enough password"},
                                          clock_.Now());
  ASSERT_TRUE(created.ok());
  std::string code = *access::TotpCode(created->totp_secret, access::TotpStep(clock_.Now()));
  Reply wrong = PostAs("", "/auth/login",
                       R"({"login":"new.officer","password":"wrong password!!","totp":")" + code + "\"}");
  ExpectProblem(wrong, 401, "/problems/unauthenticated");
  ExpectProblem(PostAs("", "/auth/login", R"({"login":"new.officer"})"), 400,
                "/problems/invalid-request", "password");
  Reply login = PostAs("", "/auth/login",
                       R"({"login":"new.officer","password":"a long enough password","totp":")" +
                           code + "\"}");
  ASSERT_EQ(login.status, 200u) << login.body;
  std::string token = login.Text("token");
  EXPECT_THAT(login.headers[bhttp::field::set_cookie], HasSubstr("HttpOnly"));
  EXPECT_EQ(GetAs(token, "/auth/me").status, 200u);
  // The browser's cookie works as well as the header.
  Reply by_cookie = Connection(server_->port())
                        .Send(bhttp::verb::get, "/auth/me", "", {{"Cookie", "a=b; muster_session=" + token}});
  EXPECT_EQ(by_cookie.status, 200u) << by_cookie.body;
  clock_.Advance(std::chrono::hours(9));
  ExpectProblem(GetAs(token, "/auth/me"), 401, "/problems/unauthenticated");
}

TEST_F(HttpAccessTest, LogoutAndRevocationEndCredentialsAtOnce) {
  StartServer({.auth_cache_ttl = std::chrono::milliseconds(0)});
  ASSERT_EQ(GetAs(officer_, "/auth/me").status, 200u);
  ASSERT_EQ(PostAs(officer_, "/auth/logout", "").status, 200u);
  ExpectProblem(GetAs(officer_, "/auth/me"), 401, "/problems/unauthenticated");

  ASSERT_TRUE(identity_->CreateAccount({.kind = access::PrincipalKind::kAgency,
                                        .login = "border.service",
                                        .display_name = "Border",
                                        .grants = {{"measure.check", access::Jurisdiction{}}},
                                        .consumer = "border"},
                                       clock_.Now())
                  .ok());
  auto key = identity_->IssueApiKey("border.service", "test", clock_.Now());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Connection(server_->port())
                .Send(bhttp::verb::get, "/auth/me", "", {{"X-Api-Key", key->token}})
                .status,
            200u);
  ASSERT_TRUE(identity_->RevokeCredential(key->credential_id, clock_.Now()).ok());
  ExpectProblem(GetAs(key->token, "/auth/me"), 401, "/problems/unauthenticated");
  // An agency key grants no officer scopes.
  auto second = identity_->IssueApiKey("border.service", "test 2", clock_.Now());
  ExpectProblem(GetAs(second->token, "/persons/" + std::to_string(person_)), 403,
                "/problems/forbidden");
}

TEST_F(HttpAccessTest, CallersOverTheirRateGet429WithRetryAfter) {
  StartServer({.rate_limit = 1, .rate_burst = 3});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(GetAs(officer_, "/auth/me").status, 200u);
  Reply limited = GetAs(officer_, "/auth/me");
  ExpectProblem(limited, 429, "/problems/rate-limited");
  EXPECT_EQ(limited.headers[bhttp::field::retry_after], "1");
  EXPECT_EQ(GetAs(other_region_, "/auth/me").status, 200u) << "limits are per caller";
}

TEST_F(HttpAccessTest, RepeatedBadLoginsLockTheAccountWith429) {
  StartServer();
  for (int i = 0; i < 5; ++i) {
    ExpectProblem(PostAs("", "/auth/login",
                         R"({"login":"ryazan.officer","password":"wrong password!!","totp":"000000"})"),
                  401, "/problems/unauthenticated");
  }
  Reply locked = PostAs("", "/auth/login",
                        R"({"login":"ryazan.officer","password":"a long enough password","totp":"000000"})");
  ExpectProblem(locked, 429, "/problems/rate-limited");
  EXPECT_FALSE(std::string(locked.headers[bhttp::field::retry_after]).empty());
}

TEST_F(HttpAccessTest, CitizenDemoLoginOnlyWhenEnabled) {
  StartServer();
  ExpectProblem(PostAs("", "/auth/citizen/demo", "{\"snils\":\"" + testing::TestSnils(1) + "\"}"),
                404, "/problems/not-found");
}

TEST_F(HttpAccessTest, CitizenDemoLoginBySnils) {
  StartServer({.demo_logins = true});
  Reply login = PostAs("", "/auth/citizen/demo", "{\"snils\":\"" + testing::TestSnils(1) + "\"}");
  ASSERT_EQ(login.status, 200u) << login.body;
  EXPECT_EQ(login.object().at("person_id").as_int64(), person_);
  EXPECT_EQ(GetAs(login.Text("token"), "/persons/" + std::to_string(person_)).status, 200u);
  ExpectProblem(PostAs("", "/auth/citizen/demo", "{\"snils\":\"" + testing::TestSnils(55) + "\"}"),
                404, "/problems/not-found");
}

TEST_F(HttpAccessTest, SearchByNameAndBirthDate) {
  StartServer();
  Reply found = Get("/persons/search?family_name=Ivanov&birth_date=2004-06-15");
  ASSERT_EQ(found.status, 200u) << found.body;
  EXPECT_EQ(found.object().at("results").as_array().size(), 2u);
  Reply by_given = Get("/persons/search?family_name=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2&given_name=Ivan&limit=1");
  ASSERT_EQ(by_given.status, 200u) << by_given.body;
  EXPECT_EQ(by_given.object().at("results").as_array().size(), 1u);
  ExpectProblem(Get("/persons/search?family_name=Ivanov"), 400, "/problems/invalid-request",
                "birth_date");
  ExpectProblem(Get("/persons/search?family_name=Ivanov&birth_date=2004-13-01"), 400,
                "/problems/invalid-request", "birth_date");
  ExpectProblem(Get("/persons/search?surname=x"), 400, "/problems/invalid-request", "surname");
}

TEST_F(HttpAccessTest, ExcusesObjectionsGroundsFitnessAndBatchesThroughTheApi) {
  StartServer();
  Records records = MakeRecords();
  std::string summons = "/summonses/" + std::to_string(records.summons);
  Reply detail = Get(summons);
  ASSERT_EQ(detail.status, 200u) << detail.body;
  EXPECT_EQ(detail.object().at("excuses").as_array().size(), 1u);
  EXPECT_FALSE(detail.object().at("delivery_log").as_array().empty());
  ASSERT_EQ(Post("/excuses/" + std::to_string(records.excuse) + "/decision",
                 R"({"accepted":true,"note":"certificate checked"})")
                .status,
            200u);
  ExpectProblem(Post("/excuses/" + std::to_string(records.excuse) + "/decision", R"({"accepted":"yes"})"),
                400, "/problems/invalid-request", "accepted");
  Reply queue = Get("/objections?status=pending");
  ASSERT_EQ(queue.status, 200u) << queue.body;
  EXPECT_EQ(queue.object().at("objections").as_array().size(), 1u) << queue.body;
  ASSERT_EQ(Post("/objections/" + std::to_string(records.objection) + "/decision",
                 R"({"upheld":false,"note":"address confirmed"})")
                .status,
            200u);
  Reply fitness = Post("/persons/" + std::to_string(person_) + "/fitness",
                       R"({"category":"Б","commission":"RYA-01"})");
  ASSERT_EQ(fitness.status, 200u) << fitness.body;
  ExpectProblem(Post("/persons/" + std::to_string(person_) + "/fitness",
                     R"({"category":"Z","commission":"RYA-01"})"),
                400, "/problems/invalid-request", "category");
  Reply ground = Post("/persons/" + std::to_string(person_) + "/grounds",
                      R"({"kind":"deferment","basis":"student_full_time","valid_until":"2030-06-30","evidence":"enrolment"})");
  ASSERT_EQ(ground.status, 201u) << ground.body;
  Reply refused = Post("/summonses", Summons(person_), "after-deferment");
  ExpectProblem(refused, 422, "/problems/gate-refused");
  ASSERT_EQ(Post("/grounds/" + std::to_string(ground.object().at("ground_id").as_int64()) + "/end",
                 R"({"reason":"expelled"})")
                .status,
            200u);
  ExpectProblem(Post(summons + "/cancel", R"({"reason":"issued in error"})"), 422,
                "/problems/precondition-failed");  // excused already
  Reply again = Post("/summonses", Summons(person_), "after-ground-ended");
  ASSERT_EQ(again.status, 201u) << again.body;
  Reply cancelled = Post("/summonses/" + std::to_string(again.object().at("summons_id").as_int64()) +
                             "/cancel",
                         R"({"reason":"issued in error"})");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  Reply batch = Post("/summonses/batch", R"({"office":"RYA-01","limit":10})", "batch-1");
  ASSERT_EQ(batch.status, 201u) << batch.body;
  EXPECT_EQ(batch.object().at("considered").as_int64(), 2);
  EXPECT_EQ(batch.object().at("issued").as_int64(), 1);
  EXPECT_EQ(batch.object().at("refused").at("deferment").as_int64(), 1);
  ExpectProblem(Post("/summonses/batch", R"({})"), 403, "/problems/forbidden");
  Reply stats = Get("/stats");
  ASSERT_EQ(stats.status, 200u) << stats.body;
  EXPECT_EQ(stats.object().at("persons").as_int64(), 2);
  EXPECT_FALSE(stats.object().at("days").as_array().empty());
  EXPECT_GE(stats.object().at("days").as_array().back().at("issued").as_int64(), 1);
  ExpectProblem(GetAs(citizen_, "/stats"), 403, "/problems/forbidden");
  ExpectProblem(Post("/summonses/batch", R"({"region":"XYZ"})"), 400, "/problems/invalid-request",
                "region");
}

// One request over TLS, verifying the server against `ca_file`.
Reply SendTls(uint16_t port, const std::string& ca_file, const std::string& target,
              const std::string& body = "") {
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(ca_file);
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  stream.set_verify_mode(asio::ssl::verify_peer);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  stream.handshake(asio::ssl::stream_base::client);
  bhttp::request<bhttp::string_body> request{body.empty() ? bhttp::verb::get : bhttp::verb::post,
                                             target, 11};
  request.set(bhttp::field::host, "localhost");
  request.body() = body;
  request.prepare_payload();
  bhttp::write(stream, request);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(stream, buffer, response);
  Reply reply;
  reply.status = response.result_int();
  reply.headers = response.base();
  reply.body = response.body();
  beast::error_code json_error;
  json::value parsed = json::parse(reply.body, json_error);
  if (!json_error) reply.json = std::move(parsed);
  return reply;
}

TEST_F(HttpTest, ServesHttpsWithSecureCookiesAndRefusesPlainHttp) {
  std::string cert = (dir_.path() / "cert.pem").string();
  std::string key = (dir_.path() / "key.pem").string();
  std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                        "-keyout '" + key + "' -out '" + cert + "' -days 1 -subj /CN=localhost "
                        "-addext subjectAltName=DNS:localhost >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl (Debian package openssl) is needed";
  StartServer({.tls_certificate = cert, .tls_private_key = key});
  Reply health = SendTls(server_->port(), cert, "/health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.Text("status"), "ok");
  auto created = identity_->CreateAccount({.kind = access::PrincipalKind::kOfficer,
                                           .login = "tls.officer",
                                           .display_name = "TLS",
                                           .password = "a long enough password"},
                                          clock_.Now());
  ASSERT_TRUE(created.ok());
  Reply login = SendTls(server_->port(), cert, "/auth/login",
                        R"({"login":"tls.officer","password":"a long enough password","totp":")" +
                            *access::TotpCode(created->totp_secret, access::TotpStep(clock_.Now())) +
                            "\"}");
  ASSERT_EQ(login.status, 200u) << login.body;
  EXPECT_THAT(std::string(login.headers[bhttp::field::set_cookie]), HasSubstr("; Secure"));
  // A plain-HTTP client gets no HTTP answer from a TLS port.
  Connection plain(server_->port());
  plain.WriteRaw("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(plain.ClosedByServer());
}

TEST_F(HttpTest, TlsNeedsBothCertificateAndKey) {
  auto server = http::HttpServer::Create(
      std::move(registry_), [] { return Result<std::unique_ptr<muster::Connection>>(Internal("unused")); },
      {.port = 0, .tls_certificate = "/nonexistent/cert.pem"});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("tls"));
}

// An agency account with an API key for `consumer` (and the feed of `source_agency`).
std::string MakeAgency(access::IdentityStore& identity, Instant now, const std::string& login,
                       const std::string& consumer, std::string_view scope = "measure.check",
                       const std::string& source_agency = "") {
  auto created = identity.CreateAccount({.kind = access::PrincipalKind::kAgency,
                                         .login = login,
                                         .display_name = login,
                                         .grants = {{std::string(scope), access::Jurisdiction{}}},
                                         .consumer = consumer,
                                         .source_agency = source_agency},
                                        now);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  auto key = identity.IssueApiKey(login, "test", now);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? key->token : "";
}

TEST_F(HttpAccessTest, AgenciesCheckOnlyTheirOwnMeasuresAndTheCitizenSeesEveryCheck) {
  StartServer();
  std::string border = MakeAgency(*identity_, clock_.Now(), "border.service", "border");
  std::string bank = MakeAgency(*identity_, clock_.Now(), "big.bank", "lenders");
  std::string p = std::to_string(person_);
  // Serve a summons in person: the exit ban starts at once.
  Reply issued = Post("/summonses", Summons(person_), "check-summons");
  ASSERT_EQ(issued.status, 201u) << issued.body;
  std::string summons = std::to_string(issued.object().at("summons_id").as_int64());
  ASSERT_EQ(Post("/summonses/" + summons + "/marks",
                 R"({"channel":"in_person","mark":"signed","evidence":"signature"})")
                .status,
            201u);
  // The index follows the ledger within a tail interval.
  Reply check;
  for (int i = 0; i < 50; ++i) {
    check = GetAs(border, "/checks/persons/" + p);
    if (check.status == 200u && check.object().at("in_force").as_bool()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(check.status, 200u) << check.body;
  EXPECT_TRUE(check.object().at("in_force").as_bool()) << check.body;
  EXPECT_EQ(check.object().at("measures").as_array().at(0).at("kind").as_string(), "exit");
  EXPECT_THAT(check.body, ::testing::Not(HasSubstr("Иванов")));
  // The bank learns nothing about the exit ban: only credit, which is not in force.
  Reply bank_check = GetAs(bank, "/checks/persons/" + p);
  ASSERT_EQ(bank_check.status, 200u) << bank_check.body;
  EXPECT_FALSE(bank_check.object().at("in_force").as_bool()) << bank_check.body;
  EXPECT_THAT(bank_check.body, ::testing::Not(HasSubstr("exit")));
  // By document, and in bulk.
  Reply by_document = Send(bhttp::verb::post, "/checks/documents",
                           "{\"kind\":\"snils\",\"number\":\"" + testing::TestSnils(1) + "\"}", border);
  ASSERT_EQ(by_document.status, 200u) << by_document.body;
  EXPECT_TRUE(by_document.object().at("in_force").as_bool());
  Reply bulk = Send(bhttp::verb::post, "/checks/bulk",
                    p + "\n" + std::to_string(deferred_) + "\n999999\n", border);
  ASSERT_EQ(bulk.status, 200u) << bulk.body;
  EXPECT_EQ(bulk.headers[bhttp::field::content_type], "application/x-ndjson");
  EXPECT_THAT(bulk.body, HasSubstr("\"summary\""));
  EXPECT_EQ(std::count(bulk.body.begin(), bulk.body.end(), '\n'), 4) << bulk.body;
  ExpectProblem(Send(bhttp::verb::post, "/checks/bulk", "1,x7", border), 400,
                "/problems/invalid-request");
  // Officers are not consumers.
  ExpectProblem(GetAs(officer_, "/checks/persons/" + p), 403, "/problems/forbidden");
  // The feed carries the imposition once, with a cursor.
  Reply feed = GetAs(border, "/feed?since=0");
  ASSERT_EQ(feed.status, 200u) << feed.body;
  EXPECT_THAT(feed.body, HasSubstr("\"change\":\"imposed\""));
  std::string next = std::string(feed.headers["Muster-Next-Since"]);
  Reply after = GetAs(border, "/feed?since=" + next);
  EXPECT_TRUE(after.body.empty()) << after.body;
  // The citizen's pre-travel check and their access log, which lists every check.
  Reply travel = GetAs(citizen_, "/persons/" + p + "/travel-check");
  ASSERT_EQ(travel.status, 200u) << travel.body;
  EXPECT_FALSE(travel.object().at("can_cross").as_bool()) << travel.body;
  EXPECT_FALSE(travel.object().at("how_to_fix").as_array().empty());
  Reply log = GetAs(citizen_, "/persons/" + p + "/access-log");
  ASSERT_EQ(log.status, 200u);
  int checks = 0;
  bool bulk_seen = false;
  for (const json::value& entry : log.object().at("entries").as_array()) {
    if (entry.at("action").as_string() == "check") {
      ++checks;
      EXPECT_THAT(std::string(entry.at("actor").as_string()), HasSubstr("agency:"));
      if (entry.at("resource").as_string() == "POST /checks/bulk") {
        bulk_seen = true;
        // The bulk chunk is one packed journal entry; the citizen sees their own answer in
        // it, and nothing of the other persons checked with them.
        EXPECT_EQ(entry.at("outcome").as_string(), "in force: exit") << log.body;
      }
    }
  }
  EXPECT_TRUE(bulk_seen) << log.body;
  // At least border ×3 (id, document, bulk) and the bank; the polling above adds its own.
  EXPECT_GE(checks, 4) << log.body;
  // Webhooks: subscribe, list; the secret is shown once.
  Reply hook = Send(bhttp::verb::post, "/webhooks", R"({"url":"http://127.0.0.1:9/hook"})", border);
  ASSERT_EQ(hook.status, 201u) << hook.body;
  EXPECT_EQ(hook.Text("secret").size(), 64u);
  Reply hooks = GetAs(border, "/webhooks");
  ASSERT_EQ(hooks.status, 200u);
  EXPECT_THAT(hooks.body, ::testing::Not(HasSubstr(hook.Text("secret"))));
  ExpectProblem(Send(bhttp::verb::post, "/webhooks", R"({"url":"ftp://x"})", border), 400,
                "/problems/invalid-request", "url");
}

TEST_F(HttpAccessTest, AgenciesUploadFeedBatchesOnceAndOfficersSeeTheReviewQueue) {
  StartServer();
  std::string tax = MakeAgency(*identity_, clock_.Now(), "tax.service", "", "feed.upload", "tax");
  // A lender holding feed.upload but sending no feed, and the tax service sending another
  // agency's batch: both refused before anything is read or recorded.
  std::string bank = MakeAgency(*identity_, clock_.Now(), "big.bank", "lenders", "feed.upload");
  std::string batch =
      "{\"event\":\"inn\",\"family_name\":\"Иванов\",\"given_name\":\"Иван\",\"patronymic\":"
      "\"Иванович\",\"birth_date\":\"2004-06-15\",\"snils\":\"" + testing::TestSnils(1) +
      "\",\"inn\":\"500100732259\"}\n{\"event\":\"inn\",\"birth_date\":\"not a date\"}\n";
  Headers jsonl{{"Content-Type", "application/x-ndjson"}};
  Reply first = Send(bhttp::verb::post, "/feeds/tax/batches/1", batch, tax, jsonl);
  ASSERT_EQ(first.status, 201u) << first.body;
  EXPECT_EQ(first.object().at("records").as_int64(), 2);
  EXPECT_EQ(first.object().at("rejected").as_int64(), 1);
  EXPECT_THAT(first.body, HasSubstr("birth_date"));
  Reply again = Send(bhttp::verb::post, "/feeds/tax/batches/1", batch, tax, jsonl);
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_TRUE(again.object().at("resent").as_bool());
  ExpectProblem(Send(bhttp::verb::post, "/feeds/tax/batches/1", "{\"event\":\"inn\"}\n", tax, jsonl),
                409, "/problems/idempotency-conflict");
  ExpectProblem(Send(bhttp::verb::post, "/feeds/tax/batches/2", batch, tax), 400,
                "/problems/invalid-request", "format");
  ExpectProblem(Send(bhttp::verb::post, "/feeds/tax/batches/2", batch, officer_, jsonl), 403,
                "/problems/forbidden");
  int64_t events = LedgerEvents();
  Reply foreign = Send(bhttp::verb::post, "/feeds/civil_status/batches/1",
                       "{\"event\":\"death\"}\n", tax, jsonl);
  ExpectProblem(foreign, 403, "/problems/forbidden");
  EXPECT_THAT(foreign.body, HasSubstr("'tax' feed"));
  Reply feedless = Send(bhttp::verb::post, "/feeds/tax/batches/2", batch, bank, jsonl);
  ExpectProblem(feedless, 403, "/problems/forbidden");
  EXPECT_THAT(feedless.body, HasSubstr("no source agency"));
  EXPECT_EQ(LedgerEvents(), events) << "a refused upload records nothing";
  Reply reviews = Get("/reviews");
  ASSERT_EQ(reviews.status, 200u) << reviews.body;
}

TEST_F(HttpAccessTest, AnyoneCanVerifyASignedNoticeByItsCode) {
  StartServer();
  Reply issued = Post("/summonses", Summons(person_), "verify-summons");
  ASSERT_EQ(issued.status, 201u) << issued.body;
  Reply summons = Get("/summonses/" + std::to_string(issued.object().at("summons_id").as_int64()));
  ASSERT_EQ(summons.status, 200u);
  std::string code = summons.Text("verification_code");
  ASSERT_FALSE(code.empty()) << summons.body;
  Reply genuine = Send(bhttp::verb::get, "/verify/" + code, "", "", {{"Accept", "application/json"}});
  ASSERT_EQ(genuine.status, 200u) << genuine.body;
  EXPECT_TRUE(genuine.object().at("genuine").as_bool()) << genuine.body;
  EXPECT_EQ(genuine.object().at("summons").at("office").as_string(), "RYA-01");
  EXPECT_THAT(genuine.body, ::testing::Not(HasSubstr("Иванов"))) << "initials only";
  Reply page = Send(bhttp::verb::get, "/verify/" + code, "", "", {{"Accept", "text/html"}});
  EXPECT_THAT(std::string(page.headers[bhttp::field::content_type]), HasSubstr("text/html"));
  EXPECT_FALSE(std::string(page.headers["Content-Security-Policy"]).empty());
  // A typo is told apart from a forgery.
  std::string typo = code;
  typo[0] = typo[0] == 'A' ? 'B' : 'A';
  Reply mistyped = Send(bhttp::verb::get, "/verify/" + typo, "", "", {{"Accept", "application/json"}});
  EXPECT_FALSE(mistyped.object().at("genuine").as_bool());
}

TEST_F(HttpAccessTest, BulkChecksAndFeedsTakeBodiesLargerThanTheDefaultLimit) {
  StartServer();
  std::string border = MakeAgency(*identity_, clock_.Now(), "border.service", "border");
  std::string ids;
  for (int i = 0; i < 20000; ++i) ids += std::to_string(person_) + "\n";  // ~40 KiB… and more
  while (ids.size() < 100 * 1024) ids += std::to_string(person_) + "\n";
  Reply bulk = Send(bhttp::verb::post, "/checks/bulk", ids, border);
  ASSERT_EQ(bulk.status, 200u) << bulk.body.substr(0, 300);
  EXPECT_THAT(bulk.body, HasSubstr("\"summary\""));
  // Other routes keep the default limit, refused from the declared length alone.
  std::string big(100 * 1024, ' ');
  ExpectProblem(Send(bhttp::verb::post, "/summonses", big, officer_), 413,
                "/problems/payload-too-large");
}

// A bulk answer is streamed (HTTP/1.1 chunked): one chunk per journal entry of 8,192 answers,
// each sent once its entry is committed; the chunks put together are the answer an HTTP/1.0
// client gets whole, line for line; the connection serves the next request afterwards.
TEST_F(HttpAccessTest, BulkAnswersStreamInChunksThatMakeUpTheWholeAnswer) {
  StartServer();
  std::string border = MakeAgency(*identity_, clock_.Now(), "border.service", "border");
  constexpr int kIds = 20000;
  std::vector<PersonId> asked;
  std::string ids;
  for (int i = 0; i < kIds; ++i) {
    asked.push_back(i % 3 == 0 ? person_ : i % 3 == 1 ? deferred_ : 999999);
    ids += std::to_string(asked.back()) + "\n";
  }
  Headers headers{{"Authorization", "Bearer " + border}, {"Content-Type", "text/plain"}};
  Connection connection(server_->port());
  Reply streamed = connection.Send(bhttp::verb::post, "/checks/bulk", ids, headers);
  ASSERT_EQ(streamed.status, 200u) << streamed.body.substr(0, 300);
  EXPECT_EQ(streamed.headers[bhttp::field::transfer_encoding], "chunked");
  EXPECT_EQ(streamed.headers.count(bhttp::field::content_length), 0u);
  EXPECT_EQ(streamed.headers[bhttp::field::content_type], "application/x-ndjson");
  constexpr int kChunk = static_cast<int>(enforcement::CheckService::kBulkChunk);
  EXPECT_GT(streamed.chunks, 1);
  EXPECT_EQ(streamed.chunks, (kIds + kChunk - 1) / kChunk) << "one per journal entry";

  // One line per id in request order, then the summary.
  std::vector<std::string_view> lines;
  for (std::string_view rest = streamed.body; !rest.empty();) {
    size_t end = rest.find('\n');
    ASSERT_NE(end, std::string_view::npos) << "every line ends with a newline";
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  ASSERT_EQ(lines.size(), static_cast<size_t>(kIds) + 1);
  for (int i = 0; i < kIds; ++i) {
    json::value line = json::parse(lines[i]);
    ASSERT_EQ(line.at("person_id").as_int64(), asked[i]) << lines[i];
    // An unknown id answers {"person_id":N,"known":false}; a known one its check answer.
    ASSERT_EQ(line.as_object().contains("known"), asked[i] == 999999) << lines[i];
  }
  json::value summary = json::parse(lines.back()).at("summary");
  EXPECT_EQ(summary.at("ids").as_int64(), kIds);
  EXPECT_EQ(summary.at("known").as_int64(), 13334);
  EXPECT_EQ(summary.at("in_force").as_int64(), 0);

  // The same connection serves the next request.
  Reply next = connection.Send(bhttp::verb::get, "/checks/persons/" + std::to_string(person_), "",
                               headers);
  ASSERT_EQ(next.status, 200u) << next.body;
  EXPECT_FALSE(next.object().at("in_force").as_bool());

  // HTTP/1.0 has no chunks: the whole answer, byte for byte the streamed one put together.
  Connection old_client(server_->port());
  old_client.WriteRaw("POST /checks/bulk HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer " + border +
                      "\r\nContent-Type: text/plain\r\nContent-Length: " +
                      std::to_string(ids.size()) + "\r\n\r\n" + ids);
  Reply whole = old_client.Read();
  ASSERT_EQ(whole.status, 200u) << whole.body.substr(0, 300);
  EXPECT_EQ(whole.headers.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(whole.headers[bhttp::field::content_length], std::to_string(whole.body.size()));
  EXPECT_EQ(whole.chunks, 0);
  EXPECT_TRUE(whole.body == streamed.body) << "the streamed answer differs from the whole one";

  // Errors found before the first byte are problem answers, not streams.
  Reply bad = connection.Send(bhttp::verb::post, "/checks/bulk", "1,x7", headers);
  ExpectProblem(bad, 400, "/problems/invalid-request");
  EXPECT_EQ(bad.headers.count(bhttp::field::transfer_encoding), 0u);

  // The citizen finds the bulk checks in their access log: each chunk's entry was committed.
  Reply log = GetAs(citizen_, "/persons/" + std::to_string(person_) + "/access-log");
  ASSERT_EQ(log.status, 200u) << log.body;
  int bulk_entries = 0;
  for (const json::value& entry : log.object().at("entries").as_array()) {
    if (entry.at("resource").as_string() != "POST /checks/bulk") continue;
    ++bulk_entries;
    EXPECT_EQ(entry.at("action").as_string(), "check");
    EXPECT_EQ(entry.at("outcome").as_string(), "clear") << log.body;
  }
  // Both requests, every chunk: the person is in each.
  EXPECT_EQ(bulk_entries, 2 * ((kIds + kChunk - 1) / kChunk)) << log.body;

  // Metrics count the streamed answers under their route and status.
  Reply metrics = Connection(server_->port()).Send(bhttp::verb::get, "/metrics");
  EXPECT_THAT(metrics.body,
              HasSubstr("muster_http_requests_total{route=\"/checks/bulk\",status=\"200\"} 2"));
}

}  // namespace
}  // namespace muster
