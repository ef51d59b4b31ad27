// WsConnector / WsConnection / WsHandler: the seam between the feed supervisor and a WebSocket
// implementation. In production it is net::WebSocketClient (net_ws_connector.h); in the
// supervisor's unit tests a scripted fake. Broker knowledge stays on the feed side of the seam.
//
// Threading: a connection calls its handler from one thread of its own, in order: on_open at most
// once, then on_message any number of times, then on_close exactly once (also when connecting
// failed). send_text() and close() may be called from any thread. Destroying a connection closes
// it and waits for its thread: no callback runs after the destructor returns.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::feed {

struct WsEndpoint {
  std::string url;  // ws:// or wss://, with the query (tokens) the broker wants
  std::vector<std::pair<std::string, std::string>> headers;
  // Certificate checks are on unless a test points ca_file at its own CA.
  std::string ca_file;
};

struct WsCloseInfo {
  core::Status status;  // why: kUnavailable (dropped), kTimeout (idle), kIoError (TLS/protocol), ...
  int http_status = 0;  // the upgrade response status when the upgrade was refused (401, 403, 429, 5xx)
  int close_code = 0;   // the WebSocket close code when the peer closed cleanly
  std::string reason;
};

class WsHandler {
 public:
  virtual ~WsHandler() = default;
  virtual void on_open() = 0;
  // One complete frame (text or binary) and the wall-clock time it was received.
  virtual void on_message(std::string_view payload, bool binary, core::Timestamp received) = 0;
  virtual void on_close(const WsCloseInfo& info) = 0;
};

class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual core::Status send_text(std::string text) = 0;
  virtual void close() = 0;
};

class WsConnector {
 public:
  virtual ~WsConnector() = default;
  // Starts connecting and returns at once; the outcome arrives at `handler` (on_open or on_close).
  // The handler must outlive the returned connection.
  virtual core::Result<std::unique_ptr<WsConnection>> connect(const WsEndpoint& endpoint, WsHandler& handler) = 0;
};

}  // namespace nifty::feed
