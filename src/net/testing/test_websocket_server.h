// TestWebSocketServer: a loopback WebSocket server for tests (ws, or wss with a self-signed
// certificate for localhost/127.0.0.1), listening on an OS-chosen port, running its own thread.
// Its framing is written here from RFC 6455, independent of Beast, so it can misbehave on
// purpose: refuse upgrades, send raw bytes (half frames, garbage), close with a code, drop the
// TCP connection, go silent (no pongs, no messages).
// BlackholeListener: a socket that listens but never accepts or answers.
//
// Threading: all methods are callable from the test thread; the accept hook runs on the server
// thread. Destroy connections (shared_ptr) before their server. For tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/websocket_client.h"  // HttpHeaders

namespace nifty::net::testing {

struct UpgradeRequest {
  std::string target;  // "/path?query"
  HttpHeaders headers;
  std::string sni;     // TLS server name the client sent; empty for ws or none
  // First header with this name (case-insensitive), empty when absent.
  std::string header(std::string_view name) const;
};

struct AcceptDecision {
  int status = 101;  // 101 accepts; anything else refuses with this HTTP status
  std::string body;
  static AcceptDecision accept() { return {}; }
  static AcceptDecision refuse(int status, std::string body = {}) { return {status, std::move(body)}; }
};

struct TestMessage {
  std::string payload;
  bool binary = false;
};

class TestConnection {
 public:
  virtual ~TestConnection() = default;
  // The next data message from the client (reassembled), or nullopt after the timeout.
  virtual std::optional<TestMessage> wait_message(std::chrono::milliseconds timeout) = 0;
  virtual void send_text(std::string_view payload) = 0;
  virtual void send_binary(std::string_view payload) = 0;
  // Bytes written as they are, after the upgrade: half frames, garbage.
  virtual void send_raw(std::string_view bytes) = 0;
  // Sends a close frame; the TCP connection ends when the client answers.
  virtual void close(int code, std::string_view reason = {}) = 0;
  // Ends the TCP connection at once (RST), no close frame.
  virtual void drop() = 0;
  // Stops answering pings and delivering messages; the connection stays up.
  virtual void go_silent() = 0;
  // True once the TCP connection has ended (either side).
  virtual bool wait_disconnected(std::chrono::milliseconds timeout) = 0;
  // The close code the client sent, once it did; nullopt after the timeout.
  virtual std::optional<int> wait_client_close(std::chrono::milliseconds timeout) = 0;
  virtual int pings_received() const = 0;
  virtual std::string last_ping_payload() const = 0;
  virtual const UpgradeRequest& request() const = 0;
  // False when the accept hook refused the upgrade.
  virtual bool upgraded() const = 0;
};

class TestWebSocketServer {
 public:
  struct Options {
    bool tls = false;
    // Sees every upgrade request; default accepts all.
    std::function<AcceptDecision(const UpgradeRequest&)> on_upgrade;
    // Name in the certificate; anything but "localhost" also drops the 127.0.0.1 IP SAN, so
    // clients connecting to localhost or 127.0.0.1 see a host-name mismatch.
    std::string certificate_name = "localhost";
  };
  static core::Result<std::unique_ptr<TestWebSocketServer>> start(Options options);
  virtual ~TestWebSocketServer() = default;

  virtual uint16_t port() const = 0;
  // "ws://127.0.0.1:<port><target>" or "wss://localhost:<port><target>".
  virtual std::string url(std::string_view target = "/") const = 0;
  // The certificate to trust (empty for ws).
  virtual const std::string& ca_pem() const = 0;
  // TCP connections accepted (including those failing TLS or refused at upgrade).
  virtual size_t tcp_accepts() const = 0;
  // Upgrade requests seen (accepted or refused).
  virtual size_t connections() const = 0;
  // The n-th (1-based) connection whose upgrade request was seen; nullptr after the timeout.
  virtual std::shared_ptr<TestConnection> wait_connection(size_t n, std::chrono::milliseconds timeout) = 0;
};

class BlackholeListener {
 public:
  static core::Result<std::unique_ptr<BlackholeListener>> start();
  virtual ~BlackholeListener() = default;
  virtual uint16_t port() const = 0;
};

}  // namespace nifty::net::testing
