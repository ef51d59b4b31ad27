// WebSocketClient: one WebSocket connection (ws:// or wss://) over Boost.Beast and OpenSSL, with
// no broker knowledge. TLS verifies the peer by default (system trust store, or ca_file/ca_pem)
// and checks the host name; SNI is always sent for host names. Text and binary frames,
// keep-alive pings when idle, an idle timeout, bounded outgoing queue.
//
// Threading: the client runs its own thread with its own io_context. Handler callbacks run on that
// thread, one at a time, in order: on_open() at most once, then on_message() per frame, then
// on_close() exactly once after start() succeeded (also when the connection never opened).
// send_text/send_binary/close may be called from any thread, including from inside callbacks.
// The destructor closes the connection and joins the thread, within close_timeout (plus a
// margin) even when the close handshake stalls; never destroy the client from inside its own
// callbacks. One connection per object: the supervisor makes a new client per
// attempt. Beast is kept out of this header (pimpl).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct WebSocketOptions {
  // ws:// or wss:// URL; the query is sent, never logged.
  std::string url;
  // Extra upgrade request headers ("X-Kite-Version: 3").
  HttpHeaders headers;
  // Verify the server certificate chain and host name (wss). Turn off only for tests.
  bool verify_peer = true;
  // PEM file of trusted CAs (tests, private CAs). Empty: the system default paths.
  std::string ca_file;
  // PEM text of trusted CAs, in addition to ca_file; convenient for test servers.
  std::string ca_pem;
  // DNS + TCP connect.
  std::chrono::milliseconds connect_timeout{10'000};
  // TLS + WebSocket upgrade.
  std::chrono::milliseconds handshake_timeout{10'000};
  // No frame at all (data, ping, pong) for this long -> close with kTimeout. 0 = never.
  std::chrono::milliseconds idle_timeout{30'000};
  // Send a ping when nothing was received for this long. 0 = no pings.
  std::chrono::milliseconds ping_interval{10'000};
  // Payload of the pings (<= 125 bytes); Noren servers take {"t":"h"} here.
  std::string ping_payload;
  // Largest accepted incoming message; bigger -> close with kResourceExhausted.
  size_t max_message_bytes = 4 * 1024 * 1024;
  // Messages waiting to be written; send_* beyond this fails with kResourceExhausted.
  size_t max_outgoing_messages = 1024;
  // Graceful close handshake bound, after which the socket is closed hard.
  std::chrono::milliseconds close_timeout{1'000};
  std::string user_agent = "nifty/0.1";
};

struct CloseInfo {
  // ok when close() ended it; kCancelled when close() came before the connection opened;
  // kUnauthenticated (upgrade 401/403), kResourceExhausted (429, message too big),
  // kUnavailable (refused, DNS, dropped, server closed, 5xx), kTimeout (connect, handshake, idle),
  // kIoError (TLS verification failed), kParseError (protocol violation, bad frame).
  core::Status status;
  // HTTP status of a refused upgrade (401, 403, 429, 5xx, ...); 0 otherwise.
  int http_status = 0;
  // WebSocket close code received from the server (1000, 1008, ...); 0 when none.
  int close_code = 0;
  // Close reason from the server, or the body of a refused upgrade (truncated to 512 bytes).
  std::string reason;
  // True when on_open() had been called.
  bool was_open = false;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void on_open() = 0;
  // `payload` is valid only during the call. `received` is the wall clock when the frame completed.
  virtual void on_message(std::string_view payload, bool binary, core::Timestamp received) = 0;
  virtual void on_close(const CloseInfo& info) = 0;
};

class WebSocketClient {
 public:
  enum class State { kIdle, kConnecting, kOpen, kClosing, kClosed };

  // Validates the options (URL scheme ws/wss, timeouts, ca_file readable). Does not connect.
  // The handler must outlive the client.
  static core::Result<std::unique_ptr<WebSocketClient>> create(WebSocketOptions options, WebSocketHandler& handler);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Starts the thread and connects. Errors only when already started (kInvalidArgument);
  // connection failures arrive in on_close().
  core::Status start();
  // Queues a frame. kUnavailable when not open, kResourceExhausted when the queue is full.
  core::Status send_text(std::string_view payload);
  core::Status send_binary(std::string_view payload);
  // Starts a graceful close (code, reason) bounded by close_timeout, then closes hard; returns
  // at once. While connecting, abandons the attempt. Idempotent.
  void close(int code = 1000, std::string_view reason = {});
  // Blocks until on_close() has returned or the timeout passes; true when closed.
  bool wait_closed(std::chrono::milliseconds timeout) const;

  State state() const;
  const WebSocketOptions& options() const;
  // Frames and bytes received (data frames only); readable from any thread.
  uint64_t messages_received() const;
  uint64_t bytes_received() const;

 private:
  struct Impl;
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::string_view websocket_state_name(WebSocketClient::State state);

}  // namespace nifty::net
