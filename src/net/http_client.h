// http_request: one blocking HTTP/1.1 request over http:// or https:// (Beast + OpenSSL), bounded
// by a total timeout; for broker login and instrument endpoints. No broker knowledge.
// Thread-safe: each call has its own io_context and connection; call from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/websocket_client.h"  // HttpHeaders

namespace nifty::net {

struct HttpRequest {
  // "GET", "POST", "PUT", "DELETE", ...
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  std::string body;
  // Whole request: DNS, connect, TLS, write, read.
  std::chrono::milliseconds timeout{15'000};
  bool verify_peer = true;
  std::string ca_file;
  std::string ca_pem;
  // Largest accepted response body.
  size_t max_body_bytes = 64 * 1024 * 1024;
  std::string user_agent = "nifty/0.1";
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  // First header with this name (case-insensitive), empty when absent.
  std::string_view header(std::string_view name) const;
};

// Any HTTP status is a response (callers decide what 403 means). Errors: kInvalidArgument (URL,
// method), kUnavailable (DNS, refused, reset), kTimeout, kIoError (TLS verification, naming the
// host), kParseError (malformed response), kResourceExhausted (body too big).
core::Result<HttpResponse> http_request(const HttpRequest& request);

}  // namespace nifty::net
