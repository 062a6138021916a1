// A minimal blocking HTTP/1.1 client for webhook deliveries, on Boost.Beast.
//
// One request per connection (deliveries to one subscription are sequential and seconds
// apart at most; keep-alive would save little and complicate failure handling). The whole
// exchange — resolve, connect, TLS handshake, write, read — is bounded by `timeout`; a
// response body is read up to 64 KiB and otherwise ignored. https:// verifies the server's
// certificate against the system's trust store (and TlsOptions::ca_file) and its host name.
//
// Thread-safe: each call has its own io_context.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace muster::enforcement {

struct HttpResponse {
  int status = 0;
  std::string body;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct TlsOptions {
  // PEM file of further trusted certificate authorities, beside the system's (agencies that
  // use a national CA absent from common trust stores); empty: the system's only.
  std::string ca_file;
};

// POSTs `body` as application/json. Any HTTP response is a value (check `status`); failing to
// get one is kUnavailable ("POST http://…: connection refused", "…: timed out after 5000 ms",
// "…: certificate verify failed"); a malformed URL is kInvalidArgument naming "url".
Result<HttpResponse> PostJson(std::string_view url, const HttpHeaders& headers,
                              std::string_view body, std::chrono::milliseconds timeout,
                              const TlsOptions& tls = {});

}  // namespace muster::enforcement
