#include "enforcement/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <boost/url/parse.hpp>
#include <exception>
#include <optional>

namespace muster::enforcement {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint64_t kResponseBodyLimit = 64 * 1024;

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // origin-form: path and query
};

Result<Target> ParseTarget(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return InvalidArgument("url: '" + std::string(url) + "' is not an absolute URL");
  Target target;
  std::string_view scheme = parsed->scheme();
  if (scheme == "https") {
    target.tls = true;
  } else if (scheme != "http") {
    return InvalidArgument("url: scheme must be http or https, got '" + std::string(scheme) + "'");
  }
  target.host = std::string(parsed->encoded_host());
  if (target.host.empty()) return InvalidArgument("url: no host");
  // An IPv6 literal comes bracketed; the resolver wants it bare.
  if (target.host.size() > 2 && target.host.front() == '[' && target.host.back() == ']') {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  target.port = parsed->has_port() ? std::string(parsed->port()) : (target.tls ? "443" : "80");
  target.path = std::string(parsed->encoded_path());
  if (target.path.empty()) target.path = "/";
  if (parsed->has_query()) target.path += "?" + std::string(parsed->encoded_query());
  return target;
}

template <typename Stream>
asio::awaitable<void> Exchange(Stream& stream, http::request<http::string_body>& request,
                               HttpResponse& out) {
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
}

asio::awaitable<void> Post(const Target& target, http::request<http::string_body>& request,
                           std::chrono::milliseconds timeout, const TlsOptions& tls,
                           HttpResponse& out) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
  if (!target.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_await Exchange(stream, request, out);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  if (!tls.ca_file.empty()) context.load_verify_file(tls.ca_file);
  context.set_verify_mode(asio::ssl::verify_peer);
  context.set_verify_callback(asio::ssl::host_name_verification(target.host));
  beast::ssl_stream<beast::tcp_stream> stream(executor, context);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str())) {
    throw beast::system_error(
        beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
  }
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_await Exchange(stream, request, out);
}

}  // namespace

Result<HttpResponse> PostJson(std::string_view url, const HttpHeaders& headers,
                              std::string_view body, std::chrono::milliseconds timeout,
                              const TlsOptions& tls) {
  ASSIGN_OR_RETURN(Target target, ParseTarget(url));
  http::request<http::string_body> request{http::verb::post, target.path, 11};
  const bool default_port = target.port == (target.tls ? "443" : "80");
  request.set(http::field::host, default_port ? target.host : target.host + ":" + target.port);
  request.set(http::field::user_agent, "muster-webhooks");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.prepare_payload();

  HttpResponse response;
  std::exception_ptr failure;
  // Declared after what the coroutine refers to, so destroyed before it: after a timeout the
  // suspended coroutine dies with the io_context.
  asio::io_context io;
  asio::co_spawn(io, Post(target, request, timeout, tls, response),
                 [&](std::exception_ptr error) { failure = error; });
  // The stream's expiry bounds connect, write and read; this bounds name resolution too.
  io.run_for(timeout + std::chrono::milliseconds(100));
  const std::string where = "POST " + std::string(url) + ": ";
  if (!io.stopped()) {
    io.stop();
    return Unavailable(where + "timed out after " + std::to_string(timeout.count()) + " ms");
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const beast::system_error& error) {
      if (error.code() == beast::error::timeout) {
        return Unavailable(where + "timed out after " + std::to_string(timeout.count()) + " ms");
      }
      return Unavailable(where + error.code().message());
    } catch (const std::exception& error) {
      return Unavailable(where + error.what());
    }
  }
  return response;
}

}  // namespace muster::enforcement
