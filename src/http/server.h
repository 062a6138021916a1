// HttpServer: Muster's HTTP/1.1 front door on Boost.Beast and Asio coroutines.
//
// Modelled on Beast's example/http/server/awaitable: one coroutine per connection (each on
// its own strand), keep-alive, a timeout on every read and write (beast::tcp_stream::
// expires_after), header and body limits on every parser (413 for an oversize body, 431 for
// oversize headers), and exceptions caught only where a session is spawned.
//
// The Registry is blocking and used by one thread at a time, so the server owns it on a
// dedicated single worker thread: routes that touch it run there and the connection's
// coroutine co_awaits the result; I/O threads never wait on the database. The worker also
// runs the scheduler's tick (Registry::RunDue) every `scheduler_interval`.
//
// A kStreaming route (bulk checks) answers while its handler still runs on the blocking pool:
// the head with the first chunk that may go, then HTTP/1.1 chunks, each once the journal
// entries before it are committed (ResponseStream); a failure after the head closes the
// connection without the last chunk. Keep-alive continues after a complete stream.
//
// Shutdown is graceful: Stop() (or SIGINT/SIGTERM after StopOnSignals) stops accepting,
// closes idle keep-alive connections, lets requests already being received or handled finish
// (their responses carry `Connection: close`) and, after `shutdown_grace`, closes whatever is
// left.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <functional>
#include <unordered_map>

#include "access/access_journal.h"
#include "access/identity_store.h"
#include "access/rate_limiter.h"
#include "common/status.h"
#include "feeds/ingest.h"
#include "http/enforcement_api.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/response_stream.h"
#include "http/router.h"
#include "http/static_files.h"
#include "registry/registry.h"

namespace muster::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see HttpServer::port)
  int io_threads = 1;
  // From a request's first byte to its last: a client slower than this is cut off.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  // How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  // How long Stop waits for in-flight requests before closing their connections.
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(10);
  uint32_t header_limit = 16 * 1024;
  uint64_t body_limit = 64 * 1024;
  // POST /checks/bulk: up to 100,000 ids; POST /feeds/…: an agency's batch.
  uint64_t bulk_body_limit = 2 * 1024 * 1024;
  uint64_t feed_body_limit = 64 * 1024 * 1024;
  // The access journal's durability: each answer waits until its entries are committed, and
  // committed entries reach stable storage within this interval (docs/ARCHITECTURE.md,
  // "Access journal durability"). Zero: every commit waits for stable storage.
  std::chrono::milliseconds journal_sync_interval = std::chrono::milliseconds(50);
  // The measure index, its tailer and the webhook worker (issue 5).
  EnforcementOptions enforcement;
  // How often the worker runs due actions (Registry::RunDue); zero disables the tick.
  std::chrono::milliseconds scheduler_interval = std::chrono::seconds(60);
  // Requests per second per caller (per account, or per client address when anonymous),
  // with bursts up to `rate_burst`; over it, 429 with Retry-After. Zero disables the limit.
  double rate_limit = 100;
  double rate_burst = 200;
  // How long an authenticated token is trusted without asking the store again; a revocation
  // on another node takes effect within this time (on this node, at once).
  std::chrono::milliseconds auth_cache_ttl = std::chrono::seconds(5);
  // Enables POST /auth/citizen/demo (log in as a citizen by SNILS): demo registries only.
  bool demo_logins = false;
  // TLS: a PEM certificate chain and its private key. Both empty: plain HTTP (behind a
  // terminating proxy, or on loopback). TLS 1.2 is the minimum.
  std::string tls_certificate;
  std::string tls_private_key;
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  // The built web front end to serve on the same origin (web/dist); empty: API only.
  std::string web_root;
  // The clock for sessions, keys and TOTP codes: real time even on a simulated registry.
  // Null means the system clock. Tests inject a ManualClock.
  const Clock* identity_clock = nullptr;
};

// Opens another connection to the server's store (for the identity thread and the journal).
using StoreConnector = std::function<Result<std::unique_ptr<Connection>>()>;

class HttpServer {
 public:
  // Binds the listening socket and takes ownership of `registry`. kInvalidArgument for an
  // address that does not parse (field "listen"), kUnavailable if the address cannot be bound.
  // Nothing runs until Start.
  static Result<std::unique_ptr<HttpServer>> Create(std::unique_ptr<Registry> registry,
                                                    const StoreConnector& connect,
                                                    ServerOptions options);
  // Stops (gracefully) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the real one when options.port was 0).
  uint16_t port() const { return port_; }

  // Makes SIGINT and SIGTERM begin a graceful shutdown. Call before Start.
  void StopOnSignals();
  // Starts accepting on `io_threads` background threads. Call once.
  void Start();
  // Begins a graceful shutdown and returns at once. Thread-safe; later calls do nothing.
  void BeginShutdown();
  // Blocks until the server has shut down (after BeginShutdown, Stop or a signal).
  void Wait();
  // BeginShutdown, then Wait. Thread-safe, but not from a handler.
  void Stop();

  // Metrics of the requests answered so far.
  const Metrics& metrics() const { return metrics_; }

 private:
  struct Session;

  HttpServer(std::unique_ptr<Registry> registry, ServerOptions options);
  const Clock& identity_clock() const;

  boost::asio::awaitable<void> Accept();
  boost::asio::awaitable<void> Serve(std::shared_ptr<Session> session);
  template <typename Stream>
  boost::asio::awaitable<void> ServeOn(Session& session, Stream& stream);
  // A kStreaming route's answer in flight: what its handler (on the blocking pool) refers to,
  // kept alive until the handler has returned, and the first step the server took from it.
  struct StreamedAnswer;
  // The answer to `request`. When a kStreaming handler streams it, `streamed` is set and the
  // returned response is unused: ServeOn sends the stream (SendStreamed).
  boost::asio::awaitable<Response> Handle(const Request& request, std::string_view& route_label,
                                          const std::string& remote,
                                          std::shared_ptr<StreamedAnswer>& streamed);
  // Sends a streamed answer to its end; returns the status to count in the metrics and clears
  // `keep_alive` when the answer was cut short (the connection must then close).
  template <typename Stream>
  boost::asio::awaitable<unsigned> SendStreamed(Session& session, Stream& stream,
                                                StreamedAnswer& answer, unsigned version,
                                                bool& keep_alive);
  // The stream's next step, waiting (without blocking the I/O thread) until there is one.
  boost::asio::awaitable<ResponseStream::Step> NextStep(ResponseStream& stream);
  // The principal of the request's credentials (cache, else the identity thread).
  boost::asio::awaitable<Result<access::Principal>> Authenticate(const std::string& token);
  // Completes once `entries` are committed to the access journal (or could not be written).
  boost::asio::awaitable<Status> Journal(std::vector<access::AccessEntry> entries);
  // Commits the entries gathered by Journal since the last flush, on the I/O thread that runs
  // it if that needs no wait, else through the journal's writer thread.
  void FlushJournalGroup();
  boost::asio::awaitable<void> Schedule();
  void ShutdownOnControl();  // runs on control_
  void Forget(const std::shared_ptr<Session>& session);

  // Runs `function` on `pool` and completes on the calling coroutine's executor. An exception
  // thrown by `function` is rethrown in the caller.
  template <typename T, typename Function>
  boost::asio::awaitable<T> OnPool(boost::asio::thread_pool& pool, Function function);
  template <typename T, typename Function>
  boost::asio::awaitable<T> OnWorker(Function function) {
    return OnPool<T>(worker_, std::move(function));
  }

  ServerOptions options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
  boost::asio::io_context io_;
  boost::asio::strand<boost::asio::io_context::executor_type>
      control_;  // acceptor, timers, signals
  boost::asio::thread_pool worker_{1};
  std::unique_ptr<Registry> registry_;  // used only on worker_
  boost::asio::thread_pool identity_pool_{1};
  boost::asio::thread_pool blocking_pool_{2};  // bulk checks (kBlocking, kStreaming)
  std::unique_ptr<EnforcementNode> enforcement_;
  std::unique_ptr<feeds::FeedIngestor> feed_ingestor_;  // used only on worker_
  int64_t last_sweep_day_ = -1;                          // used only on worker_
  std::unique_ptr<Connection> identity_connection_;  // used only on identity_pool_
  std::unique_ptr<access::IdentityStore> identity_;  // used only on identity_pool_
  std::unique_ptr<access::AccessJournal> journal_;
  // The journal group: entries of the requests answered in one pass of the event loop, waiting
  // for the flush that Journal posted behind them (see Journal).
  struct JournalWaiter {
    std::vector<access::AccessEntry> entries;
    std::function<void(Status)> resume;  // resumes the request's coroutine on its executor
  };
  std::mutex journal_group_mutex_;
  std::vector<JournalWaiter> journal_group_;  // guarded by journal_group_mutex_
  bool journal_flush_posted_ = false;         // guarded by journal_group_mutex_
  access::RateLimiter limiter_;
  SystemClock system_clock_;
  ApiEnvironment environment_;
  struct CachedPrincipal {
    access::Principal principal;
    std::chrono::steady_clock::time_point cached_at;
  };
  std::mutex auth_cache_mutex_;
  std::unordered_map<std::string, CachedPrincipal> auth_cache_;  // by token hash
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer scheduler_timer_;
  boost::asio::steady_timer grace_timer_;
  uint16_t port_ = 0;
  Metrics metrics_;
  Router router_;
  StaticFiles web_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::vector<std::thread> io_threads_;
  std::once_flag joined_;

  std::mutex sessions_mutex_;
  std::set<std::shared_ptr<Session>> sessions_;  // guarded by sessions_mutex_
};

}  // namespace muster::http
