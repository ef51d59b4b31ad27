// HttpServer over real loopback sockets: raw TCP clients for HTTP framing and errors,
// net::WebSocketClient for WebSocket. Expected bytes are written out by hand from RFC 9112 / 6455.
#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "net/websocket_client.h"

namespace nifty::net {
namespace {

using namespace std::chrono_literals;
using State = HttpRequestParser::State;

template <class F>
bool poll_until(F&& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::yield();
    std::this_thread::sleep_for(1ms);  // poll interval, not synchronisation
  }
  return cond();
}

// ---- raw TCP client ----------------------------------------------------------------------------

class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads more bytes into the buffer; false on EOF, error or timeout.
  bool read_more(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  // One response (Content-Length framed), or nullopt after the timeout / on EOF.
  std::optional<Response> read_response(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      return std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                         deadline - std::chrono::steady_clock::now()));
    };
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline || !read_more(left())) return std::nullopt;
    }
    Response r;
    std::string head = buf_.substr(0, end);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end;
    while (pos != std::string::npos && pos < head.size()) {
      size_t start = pos + 2;
      size_t next = head.find("\r\n", start);
      std::string line = head.substr(start, next == std::string::npos ? std::string::npos : next - start);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = next;
    }
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < end + 4 + length) {
      if (std::chrono::steady_clock::now() >= deadline || !read_more(left())) return std::nullopt;
    }
    r.body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return r;
  }
  // True when the server closed the connection (EOF) within the timeout.
  bool wait_eof(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && std::chrono::steady_clock::now() < deadline) read_more(10ms);
    return eof_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

// ---- handlers ----------------------------------------------------------------------------------

// Answers {"method":...,"path":...,"id":...,"body_bytes":...}; /block waits until released.
class TestHandler : public HttpServerHandler {
 public:
  HttpServerResponse handle(const HttpServerRequest& req) override {
    if (req.path == "/block") {
      std::unique_lock lk(mu_);
      blocked_ = true;
      cv_.notify_all();
      cv_.wait(lk, [this] { return released_; });
    }
    std::string body = "{\"method\":\"" + req.method + "\",\"path\":\"" + req.path + "\",\"id\":" +
                       std::to_string(req.id) + ",\"body_bytes\":" + std::to_string(req.body.size()) + "}";
    auto r = HttpServerResponse::json(200, std::move(body));
    r.headers.emplace_back("X-Path", req.path);
    return r;
  }
  UpgradeDecision on_upgrade(const HttpServerRequest& req) override {
    if (req.path != "/ws") return HttpServerHandler::on_upgrade(req);
    if (req.query_param("token") != std::optional<std::string_view>("good")) {
      return UpgradeDecision::refuse(HttpServerResponse::error(401, "unauthenticated", "bad token"));
    }
    if (ws_handler_ == nullptr) return HttpServerHandler::on_upgrade(req);
    return UpgradeDecision::accept(*ws_handler_);
  }
  bool wait_blocked(std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [this] { return blocked_; });
  }
  void release() {
    std::lock_guard lk(mu_);
    released_ = true;
    cv_.notify_all();
  }
  WebSocketSessionHandler* ws_handler_ = nullptr;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  bool released_ = false;
};

// Echoes text back ("echo:" + message), remembers sessions for broadcasting.
class EchoSessions : public WebSocketSessionHandler {
 public:
  void on_open(const std::shared_ptr<WebSocketSession>& s) override {
    std::lock_guard lk(mu_);
    sessions_.push_back(s);
  }
  void on_text(const std::shared_ptr<WebSocketSession>& s, std::string_view message) override {
    (void)s->send_text(std::make_shared<const std::string>("echo:" + std::string(message)));
  }
  void on_close(const std::shared_ptr<WebSocketSession>& s, int code) override {
    std::lock_guard lk(mu_);
    close_codes_[s->id()] = code;
    sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), s), sessions_.end());
  }
  std::vector<std::shared_ptr<WebSocketSession>> sessions() {
    std::lock_guard lk(mu_);
    return sessions_;
  }
  std::map<uint64_t, int> close_codes() {
    std::lock_guard lk(mu_);
    return close_codes_;
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<WebSocketSession>> sessions_;
  std::map<uint64_t, int> close_codes_;
};

// Client side: records messages; optionally blocks in the first on_message until released.
class RecordingClient : public WebSocketHandler {
 public:
  void on_open() override { opened = true; }
  void on_message(std::string_view payload, bool, core::Timestamp) override {
    {
      std::lock_guard lk(mu);
      messages.emplace_back(payload);
    }
    count.fetch_add(1);
    if (block_first) {
      std::unique_lock lk(mu);
      blocked = true;
      cv.wait(lk, [this] { return released; });
      block_first = false;
    }
  }
  void on_close(const CloseInfo& info) override {
    std::lock_guard lk(mu);
    close = info;
    closed = true;
  }
  void release() {
    std::lock_guard lk(mu);
    released = true;
    cv.notify_all();
  }
  std::atomic<bool> opened{false};
  std::atomic<bool> closed{false};
  std::atomic<size_t> count{0};
  bool block_first = false;
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false;
  bool released = false;
  std::vector<std::string> messages;
  CloseInfo close;
};

HttpServerOptions small_options() {
  HttpServerOptions o;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 4096;
  o.ws_max_message_bytes = 1024;
  return o;
}

std::unique_ptr<HttpServer> start_server(HttpServerHandler& h, HttpServerOptions o = small_options()) {
  auto r = HttpServer::start(std::move(o), h);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return std::move(r).value();
}

std::unique_ptr<WebSocketClient> connect_ws(uint16_t port, std::string target, RecordingClient& h) {
  WebSocketOptions o;
  o.url = "ws://127.0.0.1:" + std::to_string(port) + target;
  o.ping_interval = 0ms;
  o.idle_timeout = 0ms;
  o.max_message_bytes = 8 * 1024 * 1024;
  auto c = WebSocketClient::create(o, h);
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  auto client = std::move(c).value();
  EXPECT_TRUE(client->start().is_ok());
  return client;
}

// ---- parser ------------------------------------------------------------------------------------

TEST(HttpRequestParser, SplitsTargetDecodesQueryAndKeepsHeadersAndBody) {
  std::string raw =
      "POST /api/v1/quote?symbol=M%26M&note=a+b%21&flag HTTP/1.1\r\n"
      "Host: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  auto r = parse_http_request(raw, {});
  ASSERT_EQ(r.state, State::kComplete) << r.error.message;
  EXPECT_EQ(r.consumed, raw.size());
  EXPECT_EQ(r.request.method, "POST");
  EXPECT_EQ(r.request.path, "/api/v1/quote");
  EXPECT_EQ(r.request.query, "symbol=M%26M&note=a+b%21&flag");
  ASSERT_EQ(r.request.query_params.size(), 3u);
  EXPECT_EQ(r.request.query_param("symbol"), std::optional<std::string_view>("M&M"));
  EXPECT_EQ(r.request.query_param("note"), std::optional<std::string_view>("a b!"));
  EXPECT_EQ(r.request.query_param("flag"), std::optional<std::string_view>(""));
  EXPECT_EQ(r.request.header("content-TYPE"), std::optional<std::string_view>("text/plain"));
  EXPECT_EQ(r.request.body, "hello");
  EXPECT_TRUE(r.request.keep_alive);
}

TEST(HttpRequestParser, ByteAtATimeGivesTheSameRequestAndStopsAtItsEnd) {
  std::string first = "GET /a?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  std::string raw = first + "GET /b HTTP/1.1\r\n\r\n";
  HttpRequestParser p;
  std::string pending;
  size_t offered = 0;
  while (p.state() == State::kNeedMore && offered < raw.size()) {
    pending += raw[offered++];
    pending.erase(0, p.feed(pending));
  }
  ASSERT_EQ(p.state(), State::kComplete);
  EXPECT_EQ(offered - pending.size(), first.size());
  auto req = p.take_request();
  EXPECT_EQ(req.path, "/a");
  EXPECT_EQ(req.body, "abc");
}

TEST(HttpRequestParser, RejectsWithTheRightStatus) {
  HttpParseLimits limits{256, 16};
  struct Case {
    std::string raw;
    int status;
  } cases[] = {
      {"GET /x HTTP/1.1\r\nHost: " + std::string(300, 'a') + "\r\n\r\n", 431},
      {"POST /x HTTP/1.1\r\nContent-Length: 17\r\n\r\n", 413},
      {"BREW /pot HTTP/1.1\r\n\r\n", 501},
      {"TRACE / HTTP/1.1\r\n\r\n", 501},
      {"GET http://evil/ HTTP/1.1\r\n\r\n", 400},
      {"GET /x?a=%zz HTTP/1.1\r\n\r\n", 400},
      {"GET /x HTTP/1.2\r\n\r\n", 505},
      {"GET /x HTTP/1.1\r\nBad Header\r\n\r\n", 400},
      {"\x01\x02garbage\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    auto r = parse_http_request(c.raw, limits);
    ASSERT_EQ(r.state, State::kError) << c.raw;
    EXPECT_EQ(r.error.status, c.status) << c.raw;
    EXPECT_FALSE(r.error.message.empty());
  }
}

TEST(HttpServerResponse, ErrorBodyIsEscapedJson) {
  auto r = HttpServerResponse::error(400, "bad_request", "quote \" and \n newline");
  EXPECT_EQ(r.body, R"({"status":"error","error":{"code":"bad_request","message":"quote \" and \n newline"}})");
}

// ---- HTTP over sockets ----------------------------------------------------------------------------

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestHandler h;
  auto server = start_server(h);
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /k" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->headers["x-path"], "/k" + std::to_string(i));
    EXPECT_EQ(r->headers.count("connection"), 0u);
  }
  EXPECT_EQ(server->stats().connections_accepted, 1u);
  EXPECT_EQ(server->stats().requests, 3u);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  TestHandler h;
  auto server = start_server(h);
  RawClient c(server->port());
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  batch += "POST /body HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < 20; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->headers["x-path"], "/p" + std::to_string(i));
  }
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("\"body_bytes\":4"), std::string::npos);
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  TestHandler h;
  auto server = start_server(h);
  RawClient c(server->port());
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nConnection: close\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(c.wait_eof());
}

TEST(HttpServer, Http10ClosesUnlessKeepAliveAsked) {
  TestHandler h;
  auto server = start_server(h);
  RawClient c(server->port());
  ASSERT_TRUE(c.send("GET /a HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.wait_eof());
}

struct ErrorCase {
  std::string name;
  std::string raw;
  int status;
  std::string code;
};

TEST(HttpServer, BadRequestsGetAJsonErrorAndTheConnectionIsClosed) {
  TestHandler h;
  auto server = start_server(h);  // 1 KiB header, 4 KiB body
  std::vector<ErrorCase> cases = {
      {"malformed", "GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "bad_request"},
      {"garbage", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), 400, "bad_request"},
      {"header", "GET /x HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", 431, "header_too_large"},
      {"body", "POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'), 413, "body_too_large"},
      {"chunked body",
       "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + std::string(4096, 'c') +
           "\r\n1\r\nd\r\n0\r\n\r\n",
       413, "body_too_large"},
      {"method", "BREW /pot HTTP/1.1\r\n\r\n", 501, "method_not_implemented"},
  };
  for (const auto& c : cases) {
    RawClient client(server->port());
    ASSERT_TRUE(client.send(c.raw)) << c.name;
    auto r = client.read_response();
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->status, c.status) << c.name;
    EXPECT_EQ(r->headers["connection"], "close") << c.name;
    EXPECT_EQ(r->headers["content-type"], "application/json") << c.name;
    EXPECT_EQ(r->body.rfind(R"({"status":"error","error":{"code":")" + c.code + "\"", 0), 0u) << c.name << r->body;
    EXPECT_TRUE(client.wait_eof()) << c.name;
  }
  auto s = server->stats();
  EXPECT_EQ(s.bad_requests, 2u);
  EXPECT_EQ(s.headers_too_large, 1u);
  EXPECT_EQ(s.bodies_too_large, 2u);
  EXPECT_EQ(s.methods_not_implemented, 1u);
  EXPECT_EQ(s.requests, 0u);
  // Still serving.
  RawClient ok(server->port());
  ASSERT_TRUE(ok.send("GET /fine HTTP/1.1\r\n\r\n"));
  auto r = ok.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, IncompleteRequestTimesOutWith408) {
  TestHandler h;
  auto o = small_options();
  o.request_timeout = 200ms;
  auto server = start_server(h, o);
  RawClient c(server->port());
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: "));
  auto r = c.read_response(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.wait_eof());
  EXPECT_EQ(server->stats().request_timeouts, 1u);
}

TEST(HttpServer, ConnectionsBeyondTheLimitGet503) {
  TestHandler h;
  auto o = small_options();
  o.max_connections = 2;
  auto server = start_server(h, o);
  RawClient a(server->port()), b(server->port());
  ASSERT_TRUE(poll_until([&] { return server->stats().connections_active == 2; }));
  RawClient c(server->port());
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(server->stats().connections_rejected, 1u);
}

TEST(HttpServer, GracefulStopFinishesTheRequestInFlightAndClosesIdleConnections) {
  TestHandler h;
  auto server = start_server(h);
  RawClient idle(server->port());
  ASSERT_TRUE(idle.send("GET /first HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  RawClient busy(server->port());
  ASSERT_TRUE(busy.send("GET /block HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(h.wait_blocked(5s));
  auto stopped = std::async(std::launch::async, [&] { return server->stop(10s); });
  EXPECT_TRUE(idle.wait_eof());  // idle keep-alive connection closed by stop
  h.release();
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(busy.wait_eof());
  EXPECT_TRUE(stopped.get());
  RawClient after(server->port());
  EXPECT_FALSE(after.connected());
}

// ---- WebSocket ---------------------------------------------------------------------------------

TEST(HttpServerWebSocket, UpgradeRefusedWith401WithoutUpgrading) {
  TestHandler h;
  EchoSessions sessions;
  h.ws_handler_ = &sessions;
  auto server = start_server(h);
  RecordingClient rc;
  auto client = connect_ws(server->port(), "/ws?token=bad", rc);
  ASSERT_TRUE(client->wait_closed(5s));
  EXPECT_FALSE(rc.close.was_open);
  EXPECT_EQ(rc.close.http_status, 401);
  EXPECT_EQ(rc.close.status.code(), core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(server->stats().websocket_refused, 1u);
  EXPECT_EQ(server->stats().websocket_upgrades, 0u);
}

TEST(HttpServerWebSocket, EchoesTextMessages) {
  TestHandler h;
  EchoSessions sessions;
  h.ws_handler_ = &sessions;
  auto server = start_server(h);
  RecordingClient rc;
  auto client = connect_ws(server->port(), "/ws?token=good", rc);
  ASSERT_TRUE(poll_until([&] { return rc.opened.load(); }));
  ASSERT_TRUE(client->send_text("hello").is_ok());
  ASSERT_TRUE(client->send_text("world").is_ok());
  ASSERT_TRUE(poll_until([&] { return rc.count.load() == 2; }));
  std::lock_guard lk(rc.mu);
  EXPECT_EQ(rc.messages, (std::vector<std::string>{"echo:hello", "echo:world"}));
}

TEST(HttpServerWebSocket, BroadcastFromAnotherThreadReaches200Clients) {
  TestHandler h;
  EchoSessions sessions;
  h.ws_handler_ = &sessions;
  auto server = start_server(h);
  constexpr int kClients = 200;
  constexpr int kMessages = 20;
  std::vector<std::unique_ptr<RecordingClient>> handlers;
  std::vector<std::unique_ptr<WebSocketClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    handlers.push_back(std::make_unique<RecordingClient>());
    clients.push_back(connect_ws(server->port(), "/ws?token=good", *handlers.back()));
  }
  ASSERT_TRUE(poll_until([&] { return sessions.sessions().size() == kClients; }, 30s));
  std::thread broadcaster([&] {
    auto targets = sessions.sessions();
    for (int m = 0; m < kMessages; ++m) {
      auto msg = std::make_shared<const std::string>("tick " + std::to_string(m));
      for (auto& s : targets) EXPECT_TRUE(s->send_text(msg).is_ok());
    }
  });
  broadcaster.join();
  ASSERT_TRUE(poll_until(
      [&] {
        for (auto& hh : handlers)
          if (hh->count.load() < kMessages) return false;
        return true;
      },
      30s));
  for (auto& hh : handlers) {
    std::lock_guard lk(hh->mu);
    ASSERT_EQ(hh->messages.size(), static_cast<size_t>(kMessages));
    for (int m = 0; m < kMessages; ++m) EXPECT_EQ(hh->messages[m], "tick " + std::to_string(m));
  }
  // The server counts a message once its write completed, which can be just after the client read it.
  EXPECT_TRUE(poll_until(
      [&] { return server->stats().websocket_messages_sent == static_cast<uint64_t>(kClients * kMessages); }, 10s))
      << server->stats().websocket_messages_sent;
}

TEST(HttpServerWebSocket, SlowConsumerIsClosedWhileTheOthersGetEveryMessage) {
  TestHandler h;
  EchoSessions sessions;
  h.ws_handler_ = &sessions;
  auto o = small_options();
  o.ws_max_queued_messages = 4;
  o.ws_max_queued_bytes = 1024 * 1024;
  o.ws_close_timeout = 30s;  // the slow reader gets the close frame once it reads again
  auto server = start_server(h, o);
  constexpr int kFast = 3;
  RecordingClient slow;
  slow.block_first = true;
  auto slow_client = connect_ws(server->port(), "/ws?token=good", slow);
  ASSERT_TRUE(poll_until([&] { return sessions.sessions().size() == 1; }));
  auto slow_session = sessions.sessions()[0];
  std::vector<std::unique_ptr<RecordingClient>> fast;
  std::vector<std::unique_ptr<WebSocketClient>> fast_clients;
  for (int i = 0; i < kFast; ++i) {
    fast.push_back(std::make_unique<RecordingClient>());
    fast_clients.push_back(connect_ws(server->port(), "/ws?token=good", *fast.back()));
  }
  ASSERT_TRUE(poll_until([&] { return sessions.sessions().size() == 1 + kFast; }));
  auto targets = sessions.sessions();

  // 256 KiB messages, paced by the fast clients: each must get every message promptly, while the
  // blocked one fills its socket buffers and then its 4-message queue.
  const std::string big(256 * 1024, 'x');
  int sent = 0;
  for (; sent < 400 && server->stats().websocket_slow_consumer_closes == 0; ++sent) {
    auto msg = std::make_shared<const std::string>(std::to_string(sent) + ":" + big);
    for (auto& s : targets) (void)s->send_text(msg);
    ASSERT_TRUE(poll_until(
        [&] {
          for (auto& f : fast)
            if (f->count.load() < static_cast<size_t>(sent + 1)) return false;
          return true;
        },
        10s))
        << "fast clients fell behind at message " << sent;
  }
  ASSERT_EQ(server->stats().websocket_slow_consumer_closes, 1u);
  EXPECT_FALSE(slow_session->is_open());
  EXPECT_EQ(slow_session->send_text(std::make_shared<const std::string>("late")).code(),
            core::ErrorCode::kUnavailable);
  // The others keep receiving after the slow one is cut off.
  auto last = std::make_shared<const std::string>("after");
  for (auto& s : targets)
    if (s != slow_session) EXPECT_TRUE(s->send_text(last).is_ok());
  ASSERT_TRUE(poll_until([&] {
    for (auto& f : fast)
      if (f->count.load() < static_cast<size_t>(sent + 1)) return false;
    return true;
  }));
  for (auto& f : fast) {
    std::lock_guard lk(f->mu);
    ASSERT_EQ(f->messages.size(), static_cast<size_t>(sent + 1));
    for (int i = 0; i < sent; ++i) EXPECT_EQ(f->messages[i].substr(0, f->messages[i].find(':')), std::to_string(i));
    EXPECT_EQ(f->messages.back(), "after");
  }
  slow.release();
  ASSERT_TRUE(slow_client->wait_closed(20s));
  EXPECT_EQ(slow.close.close_code, 1008);
  EXPECT_EQ(slow.close.reason, "slow consumer");
  ASSERT_TRUE(poll_until([&] { return sessions.close_codes().count(slow_session->id()) == 1; }));
  EXPECT_EQ(sessions.close_codes()[slow_session->id()], 1008);
}

TEST(HttpServerWebSocket, OversizedMessageClosesWith1009) {
  TestHandler h;
  EchoSessions sessions;
  h.ws_handler_ = &sessions;
  auto server = start_server(h);  // ws_max_message_bytes = 1024
  RecordingClient rc;
  auto client = connect_ws(server->port(), "/ws?token=good", rc);
  ASSERT_TRUE(poll_until([&] { return rc.opened.load(); }));
  ASSERT_TRUE(client->send_text(std::string(1024, 'a')).is_ok());
  ASSERT_TRUE(poll_until([&] { return rc.count.load() == 1; }));
  ASSERT_TRUE(client->send_text(std::string(1025, 'a')).is_ok());
  ASSERT_TRUE(client->wait_closed(10s));
  EXPECT_EQ(rc.close.close_code, 1009);
  EXPECT_TRUE(poll_until([&] { return server->stats().websocket_too_big_closes == 1; }));
}

TEST(HttpServerWebSocket, StopClosesSessionsWith1001) {
  TestHandler h;
  EchoSessions sessions;
  h.ws_handler_ = &sessions;
  auto server = start_server(h);
  RecordingClient rc;
  auto client = connect_ws(server->port(), "/ws?token=good", rc);
  ASSERT_TRUE(poll_until([&] { return sessions.sessions().size() == 1; }));
  EXPECT_TRUE(server->stop(10s));
  ASSERT_TRUE(client->wait_closed(10s));
  EXPECT_EQ(rc.close.close_code, 1001);
  EXPECT_EQ(sessions.close_codes().begin()->second, 1001);
}

}  // namespace
}  // namespace nifty::net
