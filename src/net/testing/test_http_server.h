// TestHttpServer: a tiny loopback HTTP/1.1 server for tests (login flows): each request goes to one
// handler callback that returns status, headers and body; one request per connection
// ("Connection: close"). Plain http, or https with a self-signed certificate for localhost.
// Threading: its own thread; the handler runs on it, one request at a time. For tests only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/websocket_client.h"  // HttpHeaders

namespace nifty::net::testing {

struct TestHttpRequest {
  std::string method;
  std::string target;
  HttpHeaders headers;
  std::string body;
  std::string header(std::string_view name) const;
};

struct TestHttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
};

class TestHttpServer {
 public:
  struct Options {
    bool tls = false;
    std::function<TestHttpResponse(const TestHttpRequest&)> handler;  // default: 404
  };
  static core::Result<std::unique_ptr<TestHttpServer>> start(Options options);
  virtual ~TestHttpServer() = default;
  virtual uint16_t port() const = 0;
  // "http://127.0.0.1:<port><target>" or "https://localhost:<port><target>".
  virtual std::string url(std::string_view target = "/") const = 0;
  virtual const std::string& ca_pem() const = 0;
  virtual size_t requests_served() const = 0;
};

}  // namespace nifty::net::testing
