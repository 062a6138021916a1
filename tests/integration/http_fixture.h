// The HTTP test fixture shared by the integration tests that talk to a live server
// (http_test.cc, openapi_test.cc): a server on port 0 in front of a throwaway registry (either
// engine, through testing::StoreUrl) with two persons in region RYA, officer sessions in RYA
// and MOW and a citizen session, and a small blocking Beast client.
//
// Everything is in an anonymous namespace: each test file that includes this header gets its
// own copy, as when the fixture lived in http_test.cc. Derive a fixture of your own
// (`class OpenApiTest : public HttpTest {}`) rather than reusing the HttpTest suite name from a
// second file: GoogleTest requires one fixture type per suite name.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "access/identity_store.h"
#include "access/passwords.h"
#include "http/api.h"
#include "http/server.h"
#include "registry/queries.h"
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
  int chunks = 0;     // chunks of a chunked body, not counting the terminating empty one

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
    if (!body.empty() && request.find(bhttp::field::content_type) == request.end()) {
      request.set(bhttp::field::content_type, "application/json");
    }
    request.body() = body;
    request.prepare_payload();
    bhttp::write(socket_, request);
    return Read();
  }

  void WriteRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  Reply Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    int chunks = 0;
    auto count_chunk = [&chunks](uint64_t size, std::string_view, beast::error_code&) {
      if (size > 0) ++chunks;
    };
    parser.on_chunk_header(count_chunk);
    beast::error_code error;
    bhttp::read(socket_, buffer_, parser, error);
    Reply reply;
    if (error) {
      ADD_FAILURE() << "reading the response: " << error.message();
      return reply;
    }
    bhttp::response<bhttp::string_body> response = parser.release();
    reply.chunks = chunks;
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

  using Headers = std::vector<std::pair<std::string, std::string>>;

  void StartServer(http::ServerOptions options = {}) {
    options.port = 0;
    if (options.identity_clock == nullptr) options.identity_clock = &clock_;
    std::string url = testing::StoreUrl(dir_, "registry");
    auto server = http::HttpServer::Create(
        std::move(registry_), [url] { return OpenStore(url, OpenMode::kExisting); }, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    auto connection = OpenStore(url, OpenMode::kExisting);
    ASSERT_TRUE(connection.ok());
    identity_connection_ = std::move(connection).value();
    identity_ = std::make_unique<access::IdentityStore>(*identity_connection_);
    officer_ = MakeOfficer("ryazan.officer", "region:RYA");
    other_region_ = MakeOfficer("moscow.officer", "region:MOW");
    auto citizen = identity_->StartCitizenSession(person_, clock_.Now());
    ASSERT_TRUE(citizen.ok()) << citizen.status().ToString();
    citizen_ = citizen->token;
    server_->Start();
  }

  // An officer with every officer scope in `jurisdiction`, logged in: the session token.
  std::string MakeOfficer(const std::string& login, const std::string& jurisdiction,
                          std::vector<std::string> extra_scopes = {}) {
    access::NewAccount account{.kind = access::PrincipalKind::kOfficer,
                               .login = login,
                               .display_name = login,
                               .password = "a long enough password"};
    auto where = access::Jurisdiction::Parse(jurisdiction, "test");
    EXPECT_TRUE(where.ok());
    for (std::string_view scope : access::AllScopes()) {
      if (scope == access::scope::kAuditRead || scope == access::scope::kMeasureCheck) continue;
      account.grants.push_back({std::string(scope), *where});
    }
    for (const std::string& scope : extra_scopes) account.grants.push_back({scope, *where});
    auto created = identity_->CreateAccount(account, clock_.Now());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    auto session = identity_->Login(login, account.password,
                                    *access::TotpCode(created->totp_secret,
                                                      access::TotpStep(clock_.Now())),
                                    clock_.Now());
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? session->token : "";
  }

  Reply Send(bhttp::verb method, const std::string& target, const std::string& body,
             const std::string& token, Headers headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return Connection(server_->port()).Send(method, target, body, headers);
  }
  Reply Get(const std::string& target) { return Send(bhttp::verb::get, target, "", officer_); }
  Reply GetAs(const std::string& token, const std::string& target, Headers headers = {}) {
    return Send(bhttp::verb::get, target, "", token, std::move(headers));
  }
  Reply Post(const std::string& target, const std::string& body, const std::string& key = "") {
    Headers headers;
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return Send(bhttp::verb::post, target, body, officer_, headers);
  }
  Reply PostAs(const std::string& token, const std::string& target, const std::string& body) {
    return Send(bhttp::verb::post, target, body, token);
  }
  std::string Summons(PersonId person) { return "{\"person_id\":" + std::to_string(person) + "}"; }

  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<http::HttpServer> server_;
  ManualClock clock_{SystemClock().Now()};  // sessions and TOTP: real time, moved by tests
  std::unique_ptr<muster::Connection> identity_connection_;
  std::unique_ptr<access::IdentityStore> identity_;
  std::string officer_;       // every officer scope in region RYA, where the persons live
  std::string other_region_;  // the same scopes in region MOW
  std::string citizen_;       // the citizen person_
  PersonId person_ = 0;
  PersonId deferred_ = 0;
};

inline void ExpectProblem(const Reply& reply, unsigned status, const std::string& type,
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

}  // namespace
}  // namespace muster
