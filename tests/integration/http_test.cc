// The HTTP API over real sockets: a server on port 0 in front of a throwaway registry (either
// engine, through testing::StoreUrl), driven by a small Beast client. Each test names the
// behaviour it protects: routes, the problem+json error model, idempotency, limits, timeouts,
// keep-alive and graceful shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "http/server.h"
#include "testing/registry_fixture.h"

namespace muster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using testing::At;
using testing::Day;
using ::testing::HasSubstr;

struct Reply {
  unsigned status = 0;
  bhttp::fields headers;
  std::string body;
  json::value json;  // null unless the body is JSON

  const json::object& object() const { return json.as_object(); }
  std::string Text(std::string_view key) const {
    const json::value* value = json.is_object() ? json.as_object().if_contains(key) : nullptr;
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
  }
};

// One client connection. Reads block with a receive timeout so a broken server fails the test
// instead of hanging it.
class Connection {
 public:
  explicit Connection(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    SetReceiveTimeout(std::chrono::seconds(10));
  }

  void SetReceiveTimeout(std::chrono::milliseconds timeout) {
    timeval value{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
                  .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  }

  Reply Send(bhttp::verb method, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    bhttp::request<bhttp::string_body> request{method, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty()) {
      request.set(bhttp::field::content_type, "application/json");
      request.body() = body;
    }
    request.prepare_payload();
    bhttp::write(socket_, request);
    return Read();
  }

  void WriteRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  Reply Read() {
    bhttp::response<bhttp::string_body> response;
    beast::error_code error;
    bhttp::read(socket_, buffer_, response, error);
    Reply reply;
    if (error) {
      ADD_FAILURE() << "reading the response: " << error.message();
      return reply;
    }
    reply.status = response.result_int();
    reply.headers = response.base();
    reply.body = response.body();
    beast::error_code json_error;
    json::value parsed = json::parse(reply.body, json_error);
    if (!json_error) reply.json = std::move(parsed);
    return reply;
  }

  // True once the server has closed the connection (EOF or reset) — waits up to the receive
  // timeout.
  bool ClosedByServer() {
    std::array<char, 256> bytes;
    beast::error_code error;
    for (;;) {
      socket_.read_some(asio::buffer(bytes), error);
      if (error == asio::error::eof || error == asio::error::connection_reset) return true;
      if (error) return false;  // timed out: still open
    }
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
    person_ = testing::AddPerson(*registry_, {.serial = 1});
    deferred_ = testing::AddPerson(*registry_, {.serial = 2});
    ASSERT_TRUE(registry_
                    ->GrantGround({.actor = "test"}, {.person_id = deferred_,
                                                      .basis = "student_full_time",
                                                      .valid_from = Day("2025-09-01"),
                                                      .valid_until = Day("2029-06-30"),
                                                      .evidence = "enrolment certificate"})
                    .ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  void StartServer(http::ServerOptions options = {}) {
    options.port = 0;
    auto server = http::HttpServer::Create(std::move(registry_), options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    server_->Start();
  }

  Reply Get(const std::string& target) {
    return Connection(server_->port()).Send(bhttp::verb::get, target);
  }
  Reply Post(const std::string& target, const std::string& body, const std::string& key = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return Connection(server_->port()).Send(bhttp::verb::post, target, body, headers);
  }
  std::string Summons(PersonId person) { return "{\"person_id\":" + std::to_string(person) + "}"; }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<http::HttpServer> server_;
  PersonId person_ = 0;
  PersonId deferred_ = 0;
};

void ExpectProblem(const Reply& reply, unsigned status, const std::string& type,
                   const std::string& field = "") {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.headers[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(reply.Text("type"), type) << reply.body;
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  EXPECT_EQ(reply.object().at("status").to_number<int64_t>(), status);
  EXPECT_FALSE(reply.Text("title").empty());
  EXPECT_FALSE(reply.Text("detail").empty());
  if (!field.empty()) {
    EXPECT_EQ(reply.Text("field"), field) << reply.body;
  }
}

TEST_F(HttpTest, HealthAnswersOk) {
  StartServer();
  Reply reply = Get("/health");
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
  ExpectProblem(Post("/summonses/1/marks", R"({"channel":"portal","mark":"posted"})"), 400,
                "/problems/invalid-request", "evidence");
}

TEST_F(HttpTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  StartServer();
  ExpectProblem(Get("/nowhere"), 404, "/problems/not-found");
  Reply reply = Connection(server_->port()).Send(bhttp::verb::delete_, "/persons/1");
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
  Reply second = connection.Send(bhttp::verb::get, "/persons/" + std::to_string(person_));
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
  Reply reply = Get("/metrics");
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
  in_flight.WriteRaw("GET /persons/" + std::to_string(person_) + " HTTP/1.1\r\n");
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

}  // namespace
}  // namespace muster
