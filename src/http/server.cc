#include "http/server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>

#include "common/crypto.h"
#include "feeds/matching.h"
#include "http/api.h"

namespace muster::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// One connection, plain or TLS. The streams and `idle` are touched only on the connection's
// strand; `lowest()` is the TCP stream under either, for timeouts and closing.
struct HttpServer::Session {
  Session(tcp::socket socket, asio::ssl::context* tls) {
    if (tls != nullptr) {
      secure.emplace(std::move(socket), *tls);
    } else {
      plain.emplace(std::move(socket));
    }
  }
  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  bool idle = false;  // waiting for the first byte of the next request
};

// What a streaming handler refers to while it runs on the blocking pool, after Handle's frame
// is gone: the caller, the request's view of it, and the stream. The request message itself
// is ServeOn's, which outlives the handler (SendStreamed returns only once it has returned).
struct HttpServer::StreamedAnswer {
  std::optional<access::Principal> principal;
  std::vector<access::AccessEntry> accesses;  // for a handler that answers whole
  std::optional<RouteRequest> request;
  std::shared_ptr<ResponseStream> stream;
  std::optional<ResponseStream::Step> first;  // taken by Handle, sent by SendStreamed
};

namespace {

// A copyable callable (for a std::function callback) that resumes a coroutine's handler, which
// is move-only, on the handler's own executor with the arguments it is called with, keeping the
// io_context running until then.
template <typename... Args, typename Handler>
auto ResumeLater(Handler handler, asio::io_context& io) {
  auto work = asio::make_work_guard(asio::get_associated_executor(handler, io.get_executor()));
  auto shared = std::make_shared<std::pair<Handler, decltype(work)>>(std::move(handler),
                                                                     std::move(work));
  return [shared](Args... args) {
    auto executor = shared->second.get_executor();
    asio::post(executor, [shared, ... args = std::move(args)]() mutable {
      std::move(shared->first)(std::move(args)...);
    });
  };
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Registry> registry, ServerOptions options)
    : options_(std::move(options)),
      io_(options_.io_threads),
      control_(asio::make_strand(io_)),
      registry_(std::move(registry)),
      limiter_(options_.rate_limit, options_.rate_burst),
      acceptor_(control_),
      signals_(control_),
      scheduler_timer_(control_),
      grace_timer_(control_),
      router_(MakeApiRouter(metrics_)) {
  environment_.demo_logins = options_.demo_logins;
  environment_.identity_clock = &identity_clock();
  environment_.forget_token = [this](const std::string& token) {
    std::lock_guard lock(auth_cache_mutex_);
    auth_cache_.erase(Sha256Hex(token));
  };
}

const Clock& HttpServer::identity_clock() const {
  return options_.identity_clock != nullptr ? *options_.identity_clock : system_clock_;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(std::unique_ptr<Registry> registry,
                                                       const StoreConnector& connect,
                                                       ServerOptions options) {
  if (registry == nullptr) return Internal("server: no registry");
  if (options.rate_limit > 0 && options.rate_burst < 1) {
    return InvalidArgument("rate-burst: must be at least 1");
  }
  if (options.tls_certificate.empty() != options.tls_private_key.empty()) {
    return InvalidArgument("tls: give both the certificate and the private key, or neither");
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (!options.tls_certificate.empty()) {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    boost::system::error_code tls_error;
    if (tls->use_certificate_chain_file(options.tls_certificate, tls_error)) {
      return InvalidArgument("tls-certificate: cannot load '" + options.tls_certificate +
                             "': " + tls_error.message());
    }
    if (tls->use_private_key_file(options.tls_private_key, asio::ssl::context::pem, tls_error)) {
      return InvalidArgument("tls-key: cannot load '" + options.tls_private_key +
                             "': " + tls_error.message());
    }
  }
  if (options.io_threads < 1) return InvalidArgument("threads: must be at least 1");
  boost::system::error_code error;
  asio::ip::address address = asio::ip::make_address(options.address, error);
  if (error) return InvalidArgument("listen: '" + options.address + "' is not an IP address");
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(registry), std::move(options)));
  server->tls_ = std::move(tls);
  server->environment_.secure_cookies = server->tls_ != nullptr;
  tcp::endpoint endpoint(address, server->options_.port);
  std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  if (server->acceptor_.open(endpoint.protocol(), error) ||
      server->acceptor_.set_option(asio::socket_base::reuse_address(true), error) ||
      server->acceptor_.bind(endpoint, error) ||
      server->acceptor_.listen(asio::socket_base::max_listen_connections, error)) {
    return Unavailable("listen: cannot listen on " + where + ": " + error.message());
  }
  server->port_ = server->acceptor_.local_endpoint(error).port();
  if (error) return Unavailable("listen: " + error.message());
  // Identity and the access journal each get a connection of their own, so neither a login's
  // password hashing nor a journal commit ever waits behind registry work, or the reverse.
  if (!server->options_.web_root.empty()) {
    ASSIGN_OR_RETURN(server->web_, StaticFiles::Load(server->options_.web_root));
  }
  ASSIGN_OR_RETURN(server->identity_connection_, connect());
  server->identity_ = std::make_unique<access::IdentityStore>(*server->identity_connection_);
  ASSIGN_OR_RETURN(server->journal_,
                   access::AccessJournal::Start(
                       connect, {.sync_interval = server->options_.journal_sync_interval}));
  ASSIGN_OR_RETURN(server->enforcement_,
                   EnforcementNode::Start(connect, server->registry_->profile(),
                                          server->options_.enforcement));
  server->environment_.enforcement = server->enforcement_.get();
  HttpServer* raw = server.get();
  server->environment_.feed_ingestor = [raw](Registry& registry) -> Result<feeds::FeedIngestor*> {
    if (!raw->feed_ingestor_) {
      ASSIGN_OR_RETURN(feeds::MatchWeights weights, feeds::LoadMatchWeights(feeds::DefaultWeightsPath()));
      ASSIGN_OR_RETURN(raw->feed_ingestor_, feeds::FeedIngestor::Create(registry, std::move(weights)));
    }
    return raw->feed_ingestor_.get();
  };
  return server;
}

HttpServer::~HttpServer() {
  if (started_) Stop();
}

void HttpServer::StopOnSignals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& error, int) {
    if (!error) ShutdownOnControl();
  });
}

void HttpServer::Start() {
  started_ = true;
  auto log_failure = [](const char* what) {
    return [what](std::exception_ptr failure) {
      if (!failure) return;
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& exception) {
        std::fprintf(stderr, "muster serve: %s failed: %s\n", what, exception.what());
      }
    };
  };
  asio::co_spawn(control_, Accept(), log_failure("accept loop"));
  if (options_.scheduler_interval.count() > 0) {
    asio::co_spawn(control_, Schedule(), log_failure("scheduler"));
  }
  for (int i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] { io_.run(); });
  }
}

void HttpServer::BeginShutdown() {
  asio::post(control_, [this] { ShutdownOnControl(); });
}

void HttpServer::Wait() {
  std::call_once(joined_, [this] {
    for (std::thread& thread : io_threads_) thread.join();
    // Every worker job is awaited by a session or the scheduler, which hold the io_context's
    // work; with the I/O threads gone the worker is idle.
    worker_.join();
    feed_ingestor_.reset();  // holds a reference to the registry
    identity_pool_.join();
    blocking_pool_.join();
  });
}

void HttpServer::Stop() {
  BeginShutdown();
  Wait();
}

void HttpServer::ShutdownOnControl() {
  if (stopping_.exchange(true)) return;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  signals_.cancel(ignored);
  scheduler_timer_.cancel();
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions.assign(sessions_.begin(), sessions_.end());
  }
  if (sessions.empty()) return;
  // Idle keep-alive connections have nothing in flight: close them now. The others finish
  // their request; their response says `Connection: close`.
  for (const auto& session : sessions) {
    asio::post(session->lowest().get_executor(), [session] {
      if (session->idle) session->lowest().close();
    });
  }
  grace_timer_.expires_after(options_.shutdown_grace);
  grace_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // every session ended in time
    std::lock_guard lock(sessions_mutex_);
    for (const auto& session : sessions_) {
      asio::post(session->lowest().get_executor(), [session] { session->lowest().close(); });
    }
  });
}

void HttpServer::Forget(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(session);
  if (sessions_.empty() && stopping_) {
    asio::post(control_, [this] { grace_timer_.cancel(); });
  }
}

asio::awaitable<void> HttpServer::Accept() {
  while (!stopping_) {
    boost::system::error_code error;
    // A connection's handlers must not run at once: a strand serialises them, except on a
    // single I/O thread, which does by itself (and the strand's bookkeeping is then pure cost
    // on every step of every request).
    asio::any_io_executor strand = options_.io_threads == 1
                                       ? asio::any_io_executor(io_.get_executor())
                                       : asio::any_io_executor(asio::make_strand(io_));
    tcp::socket socket =
        co_await acceptor_.async_accept(strand, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (stopping_ || error == asio::error::operation_aborted) break;
      std::fprintf(stderr, "muster serve: accept: %s\n", error.message().c_str());
      // Out of descriptors or similar: back off instead of spinning.
      asio::steady_timer pause(control_, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    auto session = std::make_shared<Session>(std::move(socket), tls_.get());
    {
      std::lock_guard lock(sessions_mutex_);
      sessions_.insert(session);
    }
    // The one place a session's exceptions are caught: log, drop the connection, carry on.
    asio::co_spawn(session->lowest().get_executor(), Serve(session),
                   [this, session](std::exception_ptr failure) {
                     if (failure) {
                       try {
                         std::rethrow_exception(failure);
                       } catch (const std::exception& exception) {
                         std::fprintf(stderr, "muster serve: connection failed: %s\n",
                                      exception.what());
                       }
                     }
                     Forget(session);
                   });
  }
}

asio::awaitable<void> HttpServer::Serve(std::shared_ptr<Session> session) {
  if (!session->secure) {
    co_await ServeOn(*session, *session->plain);
    co_return;
  }
  // A client that never completes its handshake is cut off like a slow request.
  boost::system::error_code error;
  session->lowest().expires_after(options_.handshake_timeout);
  co_await session->secure->async_handshake(asio::ssl::stream_base::server,
                                            asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    session->lowest().close();
    co_return;
  }
  co_await ServeOn(*session, *session->secure);
}

template <typename Stream>
asio::awaitable<void> HttpServer::ServeOn(Session& session_state, Stream& stream) {
  Session* session = &session_state;
  beast::tcp_stream& transport = session->lowest();
  beast::flat_buffer buffer;
  boost::system::error_code error;
  std::string remote = transport.socket().remote_endpoint(error).address().to_string();
  for (;;) {
    if (buffer.size() == 0) {
      // Between requests: idle until the next request's first byte.
      session->idle = true;
      if (stopping_) break;
      transport.expires_after(options_.idle_timeout);
      size_t read = co_await stream.async_read_some(
          buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, error));
      session->idle = false;
      if (error) break;
      buffer.commit(read);
    }

    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(options_.header_limit);
    // The header first, under the largest limit any route has: Beast checks a declared
    // Content-Length while it reads the header, before the route (and its limit) is known.
    parser.body_limit(std::max({options_.body_limit, options_.bulk_body_limit,
                                options_.feed_body_limit}));
    uint64_t body_limit = options_.body_limit;
    transport.expires_after(options_.read_timeout);
    co_await beast_http::async_read_header(stream, buffer, parser,
                                           asio::redirect_error(asio::use_awaitable, error));
    if (!error && !parser.is_done()) {
      // The route's own limit: bulk checks carry 100,000 ids, feeds an agency's batch, postal
      // tracking a day of the operator's events.
      std::string_view path = parser.get().target();
      if (path == "/checks/bulk") body_limit = options_.bulk_body_limit;
      if (path.starts_with("/feeds/") || path.starts_with("/mail/tracking")) {
        body_limit = options_.feed_body_limit;
      }
      if (parser.content_length() && *parser.content_length() > body_limit) {
        error = beast_http::error::body_limit;  // refused before a byte of the body is read
      } else {
        parser.body_limit(body_limit);  // a chunked body is counted as it arrives
        co_await beast_http::async_read(stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, error));
      }
    }
    SteadyClock::time_point started = SteadyClock::now();
    std::string_view route_label = "unmatched";
    Response response;
    bool keep_alive = false;
    if (error) {
      // Answer what a client can act on; a timeout or a closed connection gets no answer.
      std::optional<Problem> problem;
      if (error == beast_http::error::body_limit) {
        problem = PayloadTooLarge(body_limit);
      } else if (error == beast_http::error::header_limit) {
        problem = HeadersTooLarge();
      } else if (error.category() ==
                     beast_http::make_error_code(beast_http::error::bad_target).category() &&
                 error != beast_http::error::end_of_stream &&
                 error != beast_http::error::partial_message) {
        problem = MalformedRequest("the request is not valid HTTP/1.1: " + error.message());
      }
      if (!problem) break;
      response = ProblemResponse(*problem, 11, false);
    } else {
      const Request& request = parser.get();
      std::shared_ptr<StreamedAnswer> streamed;
      response = co_await Handle(request, route_label, remote, streamed);
      keep_alive = request.keep_alive() && !stopping_;
      if (streamed) {
        unsigned status =
            co_await SendStreamed(*session, stream, *streamed, request.version(), keep_alive);
        metrics_.Record(route_label, status, SteadyClock::now() - started);
        if (!keep_alive) break;
        continue;
      }
      response.version(request.version());
    }
    response.keep_alive(keep_alive);
    transport.expires_after(options_.write_timeout);
    co_await beast_http::async_write(stream, response,
                                     asio::redirect_error(asio::use_awaitable, error));
    metrics_.Record(route_label, response.result_int(), SteadyClock::now() - started);
    if (error || !keep_alive) break;
  }
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    transport.socket().shutdown(tcp::socket::shutdown_send, error);
  } else {
    transport.expires_after(options_.write_timeout);
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, error));
  }
  transport.close();
}

// The head goes out with the first chunk that may (so a failure before it still answers with a
// problem), then each chunk as soon as its journal entries are committed, then HTTP's last
// chunk. After the head, a failure ends the connection without the last chunk: a client's
// parser then reports the answer as incomplete instead of taking what it got for all of it.
// HTTP/1.0 has no chunks: such a client gets the whole body at the end.
template <typename Stream>
asio::awaitable<unsigned> HttpServer::SendStreamed(Session& session, Stream& stream,
                                                   StreamedAnswer& answer, unsigned version,
                                                   bool& keep_alive) {
  using Kind = ResponseStream::Step::Kind;
  beast::tcp_stream& transport = session.lowest();
  ResponseStream& source = *answer.stream;
  const bool chunked = version >= 11;
  boost::system::error_code error;
  unsigned status = 0;           // the head's, once taken
  bool head_sent = false;        // chunked: bytes of the answer have gone
  std::optional<Response> whole;  // HTTP/1.0: the head, and the body gathered under it
  std::optional<ResponseStream::Step> step = std::move(answer.first);
  for (;; step.reset()) {
    if (!step) step = co_await NextStep(source);
    if (step->kind != Kind::kChunks) {
      // Failed (an answer given whole was taken by Handle). The handler has returned.
      if (head_sent) {
        keep_alive = false;
        co_return step->response.result_int();
      }
      Response& problem = step->response;
      problem.version(version);
      problem.keep_alive(keep_alive);
      transport.expires_after(options_.write_timeout);
      co_await beast_http::async_write(stream, problem,
                                       asio::redirect_error(asio::use_awaitable, error));
      if (error) keep_alive = false;
      co_return problem.result_int();
    }
    if (step->head) {
      Response& head = *step->head;
      status = head.result_int();
      head.version(version);
      head.keep_alive(keep_alive);
      head.erase(beast_http::field::content_length);
      if (chunked) {
        beast_http::response<beast_http::empty_body> header(std::move(head.base()));
        header.chunked(true);
        // Each chunk goes out when it is ready, not when the previous one is acknowledged.
        boost::system::error_code ignored;
        transport.socket().set_option(tcp::no_delay(true), ignored);
        beast_http::response_serializer<beast_http::empty_body> serializer(header);
        transport.expires_after(options_.write_timeout);
        co_await beast_http::async_write_header(stream, serializer,
                                                asio::redirect_error(asio::use_awaitable, error));
        head_sent = true;
      } else {
        head.body().clear();
        whole = std::move(head);
      }
    }
    if (!error && chunked) {
      transport.expires_after(options_.write_timeout);
      if (step->complete && step->chunks.empty()) {
        co_await asio::async_write(stream, beast_http::make_chunk_last(),
                                   asio::redirect_error(asio::use_awaitable, error));
      } else if (step->complete) {
        co_await asio::async_write(
            stream,
            beast::buffers_cat(beast_http::make_chunk(asio::buffer(step->chunks)),
                               beast_http::make_chunk_last()),
            asio::redirect_error(asio::use_awaitable, error));
      } else if (!step->chunks.empty()) {
        co_await asio::async_write(stream, beast_http::make_chunk(asio::buffer(step->chunks)),
                                   asio::redirect_error(asio::use_awaitable, error));
      }
    } else if (!error) {
      whole->body() += step->chunks;
      if (step->complete) {
        whole->prepare_payload();
        transport.expires_after(options_.write_timeout);
        co_await beast_http::async_write(stream, *whole,
                                         asio::redirect_error(asio::use_awaitable, error));
      }
    }
    if (error) {
      // The client is gone or too slow: stop the handler, and wait for it — it refers to the
      // request, which lives in ServeOn's frame.
      source.Cancel(Unavailable("client: the connection failed while the answer was sent"));
      for (;;) {
        ResponseStream::Step last = co_await NextStep(source);
        if (last.kind != Kind::kChunks) break;
      }
      keep_alive = false;
      co_return status;
    }
    if (step->complete) co_return status;
  }
}

asio::awaitable<ResponseStream::Step> HttpServer::NextStep(ResponseStream& stream) {
  for (;;) {
    if (std::optional<ResponseStream::Step> step = stream.Take()) co_return std::move(*step);
    auto initiate = [this, &stream](auto handler) {
      stream.NotifyWhenReady(ResumeLater<>(std::move(handler), io_));
    };
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(std::move(initiate),
                                                                        asio::use_awaitable);
  }
}

namespace {

// The bearer token of a request: "Authorization: Bearer T", "X-Api-Key: T" or the session
// cookie set at login (for the browser front end).
std::optional<std::string> BearerToken(const Request& request) {
  if (auto header = request.find(beast_http::field::authorization); header != request.end()) {
    std::string_view value = header->value();
    if (value.size() > 7 && (value.starts_with("Bearer ") || value.starts_with("bearer "))) {
      return std::string(value.substr(7));
    }
    return std::string();  // present but not a bearer credential: unauthenticated
  }
  if (auto header = request.find("X-Api-Key"); header != request.end()) {
    return std::string(header->value());
  }
  if (auto header = request.find(beast_http::field::cookie); header != request.end()) {
    std::string_view cookies = header->value();
    constexpr std::string_view kName = "muster_session=";
    for (size_t at = 0; at < cookies.size();) {
      size_t end = cookies.find(';', at);
      std::string_view cookie = cookies.substr(at, end == std::string_view::npos ? end : end - at);
      while (cookie.starts_with(' ')) cookie.remove_prefix(1);
      if (cookie.starts_with(kName)) return std::string(cookie.substr(kName.size()));
      if (end == std::string_view::npos) break;
      at = end + 1;
    }
  }
  return std::nullopt;
}

Response Unauthorized(const Status& status) {
  Response response = ProblemResponse(ProblemFromStatus(status), 11, true);
  response.set(beast_http::field::www_authenticate, "Bearer realm=\"muster\"");
  return response;
}

}  // namespace

asio::awaitable<Result<access::Principal>> HttpServer::Authenticate(const std::string& token) {
  std::string hash = Sha256Hex(token);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(auth_cache_mutex_);
    auto cached = auth_cache_.find(hash);
    if (cached != auth_cache_.end()) {
      if (now - cached->second.cached_at < options_.auth_cache_ttl &&
          cached->second.principal.expires_at > identity_clock().Now()) {
        co_return cached->second.principal;
      }
      auth_cache_.erase(cached);
    }
  }
  Result<access::Principal> principal = co_await OnPool<Result<access::Principal>>(
      identity_pool_,
      [this, &token]() -> Result<access::Principal> {
        return identity_->Authenticate(token, identity_clock().Now());
      });
  if (principal.ok()) {
    std::lock_guard lock(auth_cache_mutex_);
    if (auth_cache_.size() > 100000) auth_cache_.clear();  // bounded; refills on demand
    auth_cache_[hash] = CachedPrincipal{*principal, now};
  }
  co_return principal;
}

// Group commit without a hand-off: a request's entries join the current group and the first
// request of a group posts a flush behind it on the io_context, so the requests that are ready
// in the same pass of the event loop join too before it runs. The flush commits the group on
// whichever I/O thread runs it (AccessJournal::TryCommit) — no switch to the writer thread and
// back, which on a loaded machine costs more than the commit — unless that would wait (the
// store's write lock is held, or the engine is across the network); then the writer thread
// takes the group and the I/O thread goes on.
asio::awaitable<Status> HttpServer::Journal(std::vector<access::AccessEntry> entries) {
  auto initiate = [this, entries = std::move(entries)](auto handler) mutable {
    auto resume = ResumeLater<Status>(std::move(handler), io_);
    bool first = false;
    {
      std::lock_guard lock(journal_group_mutex_);
      journal_group_.push_back({std::move(entries), std::move(resume)});
      first = !std::exchange(journal_flush_posted_, true);
    }
    if (first) asio::post(io_, [this] { FlushJournalGroup(); });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      std::move(initiate), asio::use_awaitable);
}

void HttpServer::FlushJournalGroup() {
  std::vector<JournalWaiter> group;
  {
    std::lock_guard lock(journal_group_mutex_);
    group.swap(journal_group_);
    journal_flush_posted_ = false;
  }
  std::vector<access::AccessEntry> entries;
  for (JournalWaiter& waiter : group) {
    std::move(waiter.entries.begin(), waiter.entries.end(), std::back_inserter(entries));
  }
  if (std::optional<Status> committed = journal_->TryCommit(entries)) {
    for (JournalWaiter& waiter : group) waiter.resume(*committed);
    return;
  }
  auto waiters = std::make_shared<std::vector<JournalWaiter>>(std::move(group));
  journal_->Append(std::move(entries), [waiters](Status status) {
    for (JournalWaiter& waiter : *waiters) waiter.resume(status);
  });
}

asio::awaitable<Response> HttpServer::Handle(const Request& request, std::string_view& route_label,
                                             const std::string& remote,
                                             std::shared_ptr<StreamedAnswer>& streamed) {
  boost::urls::result<boost::urls::url_view> target =
      boost::urls::parse_origin_form(request.target());
  if (!target) {
    co_return ProblemResponse(MalformedRequest("the request target is not a valid path"), 11, true);
  }
  Router::Match match = router_.Find(request.method(), target->path());
  if (match.route == nullptr && match.allow.empty()) {
    if (std::optional<Response> file = web_.Serve(request, target->path())) {
      route_label = "static";
      co_return std::move(*file);
    }
  }
  if (match.route == nullptr) {
    if (match.allow.empty()) co_return ProblemResponse(RouteNotFound(target->path()), 11, true);
    Response response =
        ProblemResponse(MethodNotAllowed(request.method_string(), match.allow), 11, true);
    response.set(beast_http::field::allow, match.allow);
    co_return response;
  }
  const Route& route = *match.route;
  route_label = route.pattern;

  std::optional<access::Principal> principal;
  std::string presented_token;
  if (route.access == Access::kAuthenticated) {
    std::optional<std::string> token = BearerToken(request);
    if (!token || token->empty()) {
      co_return Unauthorized(Unauthenticated(
          "credentials: send 'Authorization: Bearer TOKEN' (a session from POST /auth/login or "
          "an agency API key)"));
    }
    Result<access::Principal> authenticated = co_await Authenticate(*token);
    if (!authenticated.ok()) co_return Unauthorized(authenticated.status());
    principal = std::move(authenticated).value();
    presented_token = std::move(*token);
  }
  // Per caller: an account's requests share one bucket wherever they come from.
  std::string caller = principal ? "account:" + std::to_string(principal->account_id) : "ip:" + remote;
  if (std::chrono::seconds wait = limiter_.Take(caller); wait.count() > 0) {
    Response response = ProblemResponse(
        ProblemFromStatus(ResourceExhausted("rate: over " + std::to_string(options_.rate_limit) +
                                            " requests per second; retry after " +
                                            std::to_string(wait.count()) + " s")),
        11, true);
    response.set(beast_http::field::retry_after, std::to_string(wait.count()));
    co_return response;
  }

  std::vector<access::AccessEntry> accesses;
  RouteRequest route_request{.message = request,
                             .path = std::move(match.path),
                             .query = {},
                             .principal = principal ? &*principal : nullptr,
                             .accesses = &accesses,
                             .identity = nullptr,
                             .environment = &environment_,
                             .remote = remote,
                             .token = std::move(presented_token)};
  for (const auto& parameter : target->params()) {
    route_request.query.emplace(parameter.key, parameter.value);
  }
  Response response;
  switch (route.execution) {
    case Execution::kInline:
      response = route.handler(route_request, nullptr);
      break;
    case Execution::kRegistryWorker:
      response = co_await OnWorker<Response>([&route, &route_request, this] {
        Status refreshed = registry_->RefreshClock();
        if (!refreshed.ok()) return ProblemResponse(ProblemFromStatus(refreshed), 11, true);
        return route.handler(route_request, registry_.get());
      });
      break;
    case Execution::kBlocking:
      response = co_await OnPool<Response>(blocking_pool_, [&route, &route_request] {
        return route.handler(route_request, nullptr);
      });
      break;
    case Execution::kStreaming: {
      auto answer = std::make_shared<StreamedAnswer>();
      answer->stream = std::make_shared<ResponseStream>(
          [journal = journal_.get()](std::vector<access::AccessEntry> entries,
                                     access::AccessJournal::Done done) {
            journal->Append(std::move(entries), std::move(done));
          });
      answer->request.emplace(route_request);
      answer->principal = std::move(principal);
      answer->request->principal = answer->principal ? &*answer->principal : nullptr;
      answer->request->accesses = &answer->accesses;
      answer->request->stream = answer->stream.get();
      asio::post(blocking_pool_, [answer, &route] {
        Response returned;
        try {
          returned = route.handler(*answer->request, nullptr);
        } catch (const std::exception& exception) {
          std::fprintf(stderr, "muster serve: %s failed: %s\n", route.pattern.c_str(),
                       exception.what());
          returned = ProblemResponse(ProblemFromStatus(Internal("server: the answer failed")),
                                     11, true);
        }
        answer->stream->Finish(std::move(returned));
      });
      ResponseStream::Step first = co_await NextStep(*answer->stream);
      if (first.kind == ResponseStream::Step::Kind::kChunks) {
        answer->first = std::move(first);
        streamed = std::move(answer);
        co_return Response();
      }
      // Answered whole, or failed before a byte went: the handler has returned.
      response = std::move(first.response);
      accesses = std::move(answer->accesses);
      break;
    }
    case Execution::kIdentity:
      route_request.identity = identity_.get();
      response = co_await OnPool<Response>(identity_pool_, [&route, &route_request] {
        return route.handler(route_request, nullptr);
      });
      break;
  }
  if (!accesses.empty()) {
    // No personal data leaves before its access is on record.
    Status journaled = co_await Journal(std::move(accesses));
    if (!journaled.ok()) {
      co_return ProblemResponse(
          ProblemFromStatus(Unavailable("access journal: the read could not be recorded, so "
                                        "nothing is disclosed; retry")),
          11, true);
    }
  }
  co_return response;
}

asio::awaitable<void> HttpServer::Schedule() {
  boost::system::error_code error;
  while (!stopping_) {
    scheduler_timer_.expires_after(options_.scheduler_interval);
    co_await scheduler_timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (error || stopping_) break;
    Status ran = co_await OnWorker<Status>([this] {
      RETURN_IF_ERROR(registry_->RefreshClock());
      // A key rotated with `muster keys rotate` (or revoked) takes effect here without a restart.
      if (Status keys = registry_->ReloadSigningKeys(); !keys.ok() && registry_->key_ring()) {
        std::fprintf(stderr, "muster serve: signing keys: %s\n", keys.ToString().c_str());
      }
      auto due = registry_->RunDue();
      RETURN_IF_ERROR(due.status());
      // Once per (registry) day: put on the register whoever reached the age, take off
      // whoever left it (profile [registration]).
      int64_t today = ToUnixSeconds(registry_->Now()) / 86400;
      if (today != last_sweep_day_) {
        auto swept = registry_->SweepRegistration(
            {.idempotency_key = "registration-sweep-" + std::to_string(today),
             .actor = "scheduler"});
        RETURN_IF_ERROR(swept.status());
        last_sweep_day_ = today;
      }
      return Status::Ok();
    });
    if (!ran.ok()) std::fprintf(stderr, "muster serve: due actions: %s\n", ran.ToString().c_str());
  }
}

template <typename T, typename Function>
asio::awaitable<T> HttpServer::OnPool(asio::thread_pool& pool, Function function) {
  auto initiate = [this, &pool, function = std::move(function)](auto handler) mutable {
    // The work guard keeps the caller's io_context running while the pool is busy.
    auto work = asio::make_work_guard(asio::get_associated_executor(handler, io_.get_executor()));
    asio::post(pool, [function = std::move(function), handler = std::move(handler),
                      work = std::move(work)]() mutable {
      std::exception_ptr failure;
      std::optional<T> result;
      try {
        result.emplace(function());
      } catch (...) {
        failure = std::current_exception();  // rethrown in the caller's coroutine
      }
      auto executor = work.get_executor();
      asio::post(executor,
                 [handler = std::move(handler), failure, result = std::move(result)]() mutable {
                   std::move(handler)(failure, std::move(result));
                 });
    });
  };
  std::optional<T> result =
      co_await asio::async_initiate<decltype(asio::use_awaitable),
                                    void(std::exception_ptr, std::optional<T>)>(
          std::move(initiate), asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace muster::http
