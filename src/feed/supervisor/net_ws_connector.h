// NetWsConnector: the production WsConnector — each connection is a net::WebSocketClient (Boost.Beast
// over OpenSSL: wss with SNI and certificate verification, pings, idle timeout), created per attempt.
//
// Threading: connect() from any thread; each connection calls its handler on its own thread.
#pragma once

#include <chrono>

#include "feed/supervisor/ws_transport.h"

namespace nifty::feed {

struct NetConnectorOptions {
  std::chrono::milliseconds connect_timeout{10'000};    // DNS + TCP
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS + upgrade
  std::chrono::milliseconds idle_timeout{15'000};       // no frame at all (heartbeats, pongs included)
  std::chrono::milliseconds ping_interval{5'000};       // WebSocket pings when nothing was received
};

class NetWsConnector final : public WsConnector {
 public:
  explicit NetWsConnector(NetConnectorOptions options = {}) : options_(options) {}
  core::Result<std::unique_ptr<WsConnection>> connect(const WsEndpoint& endpoint, WsHandler& handler) override;

 private:
  NetConnectorOptions options_;
};

}  // namespace nifty::feed
