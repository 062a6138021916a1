// Shared by the enforcement tests (header-only, test code only): a registry on a simulated
// clock with a person who gets every measure, second connections to the same store ("another
// node"), a recording check journal, synthetic ledger events, and a tiny local HTTP listener
// that plays a webhook consumer.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "enforcement/checks.h"
#include "registry/events.h"
#include "testing/registry_fixture.h"

namespace muster::enforcement::testing {

using muster::testing::AddPerson;
using muster::testing::At;
using muster::testing::PersonSpec;

inline CommandContext Officer() { return {.actor = "officer"}; }

inline std::unique_ptr<Connection> OpenAgain(const muster::testing::TempDir& dir,
                                             const std::string& name = "registry") {
  auto connection = OpenStore(muster::testing::StoreUrl(dir, name), OpenMode::kExisting);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

inline const Consumer& ConsumerNamed(std::string_view id) { return **FindConsumer(id); }

// The ru-127fz campaign of the registry tests: posted on the portal 1 April 09:00 Moscow
// (served at once: exit ban), appearance 15 April; the six no-show measures at 00:00 on 6 May.
class EnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = muster::testing::MakeRegistry(dir_, "ru-127fz", At("2026-04-01T09:00:00+03:00"));
    ASSERT_NE(registry_, nullptr);
  }

  SummonsId Issue(PersonId person) {
    auto summons = registry_->IssueSummons(Officer(), {.person_id = person});
    EXPECT_TRUE(summons.ok()) << summons.status().ToString();
    return summons.ok() ? *summons : 0;
  }

  void AdvanceTo(std::string_view instant) {
    auto run = registry_->AdvanceTo(At(instant));
    ASSERT_TRUE(run.ok()) << run.status().ToString();
  }

  void Appear(SummonsId summons) {
    Status status = registry_->RecordAppearance(Officer(), summons, registry_->Now());
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  int64_t Head() { return muster::testing::Events(*registry_); }

  muster::testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

// Records what the service journals, in call order, and can be told to fail.
class RecordingJournal : public CheckJournal {
 public:
  Status Record(const CheckContext& context, std::span<const CheckRecord> records) override {
    std::lock_guard lock(mutex_);
    if (fail_) return Unavailable("journal: disk full");
    batches.push_back(records.size());
    for (const CheckRecord& record : records) this->records.push_back(record);
    purposes.push_back(context.purpose);
    events.push_back("journal:" + std::to_string(records.size()));
    return Status::Ok();
  }
  void Fail() { fail_ = true; }

  std::mutex mutex_;
  std::vector<size_t> batches;
  std::vector<CheckRecord> records;
  std::vector<std::string> purposes;
  std::vector<std::string> events;  // "journal:N" interleaved with the test's "sink:N"

 private:
  bool fail_ = false;
};

// Synthetic ledger events for an index built without a store.
class EventMaker {
 public:
  LedgerEvent Person(PersonId person_id, std::string office = "RYA-01", std::string snils = "") {
    boost::json::array identifiers;
    if (!snils.empty()) identifiers.push_back({{"kind", "snils"}, {"value", snils}});
    boost::json::object payload{
        {"person_id", person_id}, {"office", office}, {"identifiers", std::move(identifiers)}};
    return Make(events::kPersonRegistered, person_id, payload, FromUnixSeconds(0));
  }
  LedgerEvent Impose(PersonId person_id, MeasureId measure_id, MeasureKind kind, Instant at) {
    boost::json::object payload{
        {"person_id", person_id}, {"measure_id", measure_id}, {"kind", MeasureKindName(kind)}};
    return Make(events::kMeasureImposed, person_id, payload, at);
  }
  LedgerEvent Lift(PersonId person_id, MeasureId measure_id, MeasureKind kind, Instant at) {
    boost::json::object payload{
        {"person_id", person_id}, {"measure_id", measure_id}, {"kind", MeasureKindName(kind)}};
    return Make(events::kMeasureLifted, person_id, payload, at);
  }
  LedgerEvent Other() {
    return Make(events::kClockAdvanced, std::nullopt, boost::json::object{}, FromUnixSeconds(0));
  }
  int64_t seq() const { return seq_; }

  LedgerEvent Make(std::string_view type, std::optional<PersonId> person_id,
                   const boost::json::object& payload, Instant at) {
    LedgerEvent event;
    event.seq = ++seq_;
    event.type = std::string(type);
    event.person_id = person_id;
    event.effective_at = at;
    event.recorded_at = at;
    event.payload = boost::json::serialize(payload);
    return event;
  }

 private:
  int64_t seq_ = 0;
};

// A webhook consumer on 127.0.0.1 and a free port: answers each POST with the next status of
// `statuses` (the last one repeats) and records what it received. With a certificate and key
// (PEM files) it speaks https.
class FakeConsumer {
 public:
  struct Received {
    std::string target;
    std::string body;
    std::string idempotency_key;
    std::string signature;
    std::string attempt;
  };

  explicit FakeConsumer(std::vector<int> statuses, const std::string& certificate_file = "",
                        const std::string& key_file = "")
      : statuses_(std::move(statuses)) {
    namespace asio = boost::asio;
    if (!certificate_file.empty()) {
      tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(certificate_file);
      tls_->use_private_key_file(key_file, asio::ssl::context::pem);
    }
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeConsumer() {
    io_.stop();
    thread_.join();
  }

  std::string url(std::string_view path = "/hooks/muster") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           std::string(path);
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  void SetStatuses(std::vector<int> statuses) {
    std::lock_guard lock(mutex_);
    statuses_ = std::move(statuses);
    next_ = 0;
  }

 private:
  boost::asio::awaitable<void> Accept() {
    namespace asio = boost::asio;
    while (true) {
      auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
      if (tls_) {
        asio::co_spawn(io_, ServeTls(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
      }
    }
  }

  boost::asio::awaitable<void> ServeTls(boost::asio::ip::tcp::socket socket) {
    namespace asio = boost::asio;
    boost::beast::ssl_stream<asio::ip::tcp::socket> stream(std::move(socket), *tls_);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    co_await Exchange(stream);
  }

  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket) {
    co_await Exchange(socket);
    boost::system::error_code ignored;
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  }

  template <typename Stream>
  boost::asio::awaitable<void> Exchange(Stream& stream) {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    co_await http::async_read(stream, buffer, request, asio::use_awaitable);
    int status = 200;
    {
      std::lock_guard lock(mutex_);
      received_.push_back(
          {std::string(request.target()), request.body(), std::string(request["Idempotency-Key"]),
           std::string(request["Muster-Signature"]), std::string(request["Muster-Attempt"])});
      if (!statuses_.empty()) {
        status = statuses_[std::min(next_, statuses_.size() - 1)];
        ++next_;
      }
    }
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.body() = status == 200 ? "ok" : "try later";
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::use_awaitable);
  }

  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<int> statuses_;       // guarded by mutex_
  size_t next_ = 0;                 // guarded by mutex_
  std::vector<Received> received_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace muster::enforcement::testing
