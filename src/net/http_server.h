// HttpServer: an HTTP/1.1 + WebSocket server over Boost.Beast for the gateway and the scale-out
// services (/metrics, /health, /analyze). Keep-alive and in-order pipelining, header/body size
// limits, read and idle timeouts, a connection cap, graceful stop. No routing, auth or JSON policy:
// one HttpServerHandler sees every request and every WebSocket upgrade.
// HttpRequestParser: the request parser the server uses, callable without sockets (fuzzing, tests).
//
// Threading: start() runs `threads` io threads. HttpServerHandler::handle() and on_upgrade() and
// every WebSocketSessionHandler callback run on io threads, concurrently for different connections
// (one at a time per connection, in order); they must be thread-safe and must not block.
// WebSocketSession::send_text()/close() may be called from any thread and never block.
// stop() and the destructor must not be called from an io thread (a handler). Handlers must
// outlive the server. Drop WebSocketSession references before destroying the server; after stop()
// they are inert (send_text() returns kUnavailable). Beast is kept out of this header (pimpl).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "net/websocket_client.h"  // HttpHeaders

namespace nifty::net {

// Limits applied while parsing a request.
struct HttpParseLimits {
  // Request line + headers, including CRLFs; beyond -> 431.
  size_t max_header_bytes = 8 * 1024;
  // Decoded body (Content-Length or chunked); beyond -> 413.
  size_t max_body_bytes = 1024 * 1024;
};

struct HttpServerOptions {
  // Address to listen on; "0.0.0.0" for all interfaces.
  std::string bind_address = "127.0.0.1";
  // 0 = an OS-chosen port (see HttpServer::port()).
  uint16_t port = 0;
  // io_context threads running the handlers.
  int threads = 2;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  // A keep-alive connection with no request started for this long is closed.
  std::chrono::milliseconds keep_alive_timeout{5'000};
  // A request not fully received this long after its first byte -> 408 and close.
  std::chrono::milliseconds request_timeout{10'000};
  // Open connections (HTTP and WebSocket); beyond, a new connection gets 503 and is closed.
  size_t max_connections = 10'000;
  // listen() backlog.
  int backlog = 1024;
  // WebSocket: largest incoming message; bigger -> closed with 1009 (message too big).
  size_t ws_max_message_bytes = 64 * 1024;
  // WebSocket: per-connection send queue bounds; a send beyond either closes the connection with
  // 1008 "slow consumer" (the sender is never blocked).
  size_t ws_max_queued_messages = 1024;
  size_t ws_max_queued_bytes = 8 * 1024 * 1024;
  // WebSocket: ping after this long without receiving anything; close when nothing (no pong)
  // arrives for twice this long. 0 = no pings, no idle close.
  std::chrono::milliseconds ws_ping_interval{15'000};
  // WebSocket: upgrade handshake and close handshake bound; then the socket is closed hard.
  std::chrono::milliseconds ws_close_timeout{2'000};
  // "Server" header value.
  std::string server_name = "nifty";
};

struct HttpServerRequest {
  // Upper-case token as sent ("GET", "POST", ...).
  std::string method;
  // As sent: "/api/v1/quote?symbol=TCS".
  std::string target;
  // Target up to '?', not percent-decoded: "/api/v1/quote".
  std::string path;
  // After '?', raw: "symbol=TCS".
  std::string query;
  // Query split on '&' and '=', percent- and '+'-decoded, in order.
  std::vector<std::pair<std::string, std::string>> query_params;
  HttpHeaders headers;
  std::string body;
  // 11 for HTTP/1.1, 10 for HTTP/1.0.
  int version = 11;
  // Whether the connection stays open after this request (HTTP version and Connection header).
  bool keep_alive = true;
  // Peer "ip:port"; empty when parsed without a socket.
  std::string remote_address;
  // Unique per server, increasing; 0 when parsed without a socket.
  uint64_t id = 0;

  // First header with this name (case-insensitive); nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  // First decoded query parameter with this name (case-sensitive); nullopt when absent.
  std::optional<std::string_view> query_param(std::string_view name) const;
  // True for "Upgrade: websocket" GET requests.
  bool is_websocket_upgrade() const;
};

struct HttpServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  // Extra headers; Content-Length, Connection and Server are set by the server. Headers with a
  // CR or LF in their name or value are dropped (and counted as handler errors).
  HttpHeaders headers;
  std::string body;

  static HttpServerResponse json(int status, std::string body);
  static HttpServerResponse text(int status, std::string body);
  // {"status":"error","error":{"code":"<code>","message":"<message>"}}.
  static HttpServerResponse error(int status, std::string_view code, std::string_view message);
};

class WebSocketSession;

// Per-connection callbacks of accepted WebSocket upgrades; all on the connection's io thread, in
// order: on_open once, on_text per message, on_close once (also on server stop).
class WebSocketSessionHandler {
 public:
  virtual ~WebSocketSessionHandler() = default;
  virtual void on_open(const std::shared_ptr<WebSocketSession>& session) = 0;
  // `message` is valid only during the call.
  virtual void on_text(const std::shared_ptr<WebSocketSession>& session, std::string_view message) = 0;
  // `code`: the close code sent or received (1000, 1001 on stop, 1008 slow consumer, 1009 too
  // big, 1003 binary message), 1006 when the connection dropped without a close frame.
  virtual void on_close(const std::shared_ptr<WebSocketSession>& session, int code) = 0;
};

// What on_upgrade() decides: accept with a session handler, or refuse with an HTTP response
// (401, 403, 404, ...) sent instead of the upgrade.
struct UpgradeDecision {
  WebSocketSessionHandler* handler = nullptr;
  HttpServerResponse refusal;

  static UpgradeDecision accept(WebSocketSessionHandler& handler) { return {&handler, {}}; }
  static UpgradeDecision refuse(HttpServerResponse response) { return {nullptr, std::move(response)}; }
};

class HttpServerHandler {
 public:
  virtual ~HttpServerHandler() = default;
  // One request; see the threading contract above. An exception becomes a 500 (counted).
  virtual HttpServerResponse handle(const HttpServerRequest& request) = 0;
  // A WebSocket upgrade request. Default: refuse with 404.
  virtual UpgradeDecision on_upgrade(const HttpServerRequest& request);
};

// One accepted WebSocket connection (server side). Thread-safe.
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  // Queues a text message; the buffer is shared, never copied (broadcast one buffer to many).
  // kUnavailable when closing or closed; kResourceExhausted when the send queue is full, in
  // which case the session is being closed with 1008 "slow consumer". Never blocks.
  virtual core::Status send_text(std::shared_ptr<const std::string> message) = 0;
  // Starts a close handshake; idempotent; returns at once.
  virtual void close(int code = 1000, std::string_view reason = {}) = 0;
  virtual uint64_t id() const = 0;
  virtual const std::string& remote_address() const = 0;
  // Target of the upgrade request ("/ws?token=...").
  virtual const std::string& target() const = 0;
  virtual size_t queued_messages() const = 0;
  virtual size_t queued_bytes() const = 0;
  virtual bool is_open() const = 0;
};

struct HttpServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_active = 0;      // HTTP + WebSocket
  uint64_t connections_rejected = 0;    // over max_connections (503)
  uint64_t requests = 0;                // complete requests handed to the handler
  uint64_t bad_requests = 0;            // 400
  uint64_t headers_too_large = 0;       // 431
  uint64_t bodies_too_large = 0;        // 413
  uint64_t methods_not_implemented = 0; // 501
  uint64_t versions_not_supported = 0;  // 505
  uint64_t request_timeouts = 0;        // 408
  uint64_t handler_errors = 0;          // exception in a handler (500), bad response header
  uint64_t websocket_upgrades = 0;      // accepted and opened
  uint64_t websocket_refused = 0;
  uint64_t websocket_active = 0;
  uint64_t websocket_messages_received = 0;
  uint64_t websocket_messages_sent = 0;
  uint64_t websocket_slow_consumer_closes = 0;
  uint64_t websocket_too_big_closes = 0;
};

class HttpServer {
 public:
  // Binds, listens and starts the io threads. kInvalidArgument for bad options, kIoError when the
  // address cannot be bound (naming it). The handler must outlive the server.
  static core::Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, HttpServerHandler& handler);
  // stop(ws_close_timeout + 1 s) when still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  uint16_t port() const;
  // Graceful shutdown: stops accepting, lets in-flight requests finish (their responses carry
  // "Connection: close"), closes idle keep-alive connections, closes WebSockets with 1001; after
  // `timeout` closes whatever is left, then joins the io threads. True when everything closed
  // in time. Idempotent.
  bool stop(std::chrono::milliseconds timeout);
  HttpServerStats stats() const;
  const HttpServerOptions& options() const;

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Incremental request parser with the server's limits and checks (method, target, version).
// One request at a time: feed bytes until kComplete or kError, take the request, reset().
// Not thread-safe; one per connection.
class HttpRequestParser {
 public:
  enum class State { kNeedMore, kComplete, kError };
  struct Error {
    int status = 400;       // 400, 408, 413, 431, 501, 505
    std::string code;       // "bad_request", "header_too_large", "body_too_large", ...
    std::string message;    // what and where
  };

  explicit HttpRequestParser(HttpParseLimits limits = {});
  ~HttpRequestParser();
  HttpRequestParser(const HttpRequestParser&) = delete;
  HttpRequestParser& operator=(const HttpRequestParser&) = delete;

  // Parses from the front of `data`; returns how many bytes were used. Bytes not used must be
  // offered again, followed by more (they belong to an incomplete header, or to the next request).
  size_t feed(std::string_view data);
  State state() const;
  // True once any byte of the current request was used.
  bool started() const;
  // kComplete: the request (moved out); call reset() before the next one.
  HttpServerRequest take_request();
  // kError: what went wrong.
  const Error& error() const;
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses one request from a buffer (which may hold more after it): the fuzz entry point.
struct HttpParseResult {
  HttpRequestParser::State state = HttpRequestParser::State::kNeedMore;
  HttpServerRequest request;      // kComplete
  HttpRequestParser::Error error; // kError
  size_t consumed = 0;
};
HttpParseResult parse_http_request(std::string_view bytes, const HttpParseLimits& limits);

// "%41+b" -> "A b" (query component rules); nullopt on a bad escape.
std::optional<std::string> decode_query_component(std::string_view text);

}  // namespace nifty::net
