// Real loopback sockets against the RFC 6455 test server in net/testing (independent of Beast).
#include "net/websocket_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/testing/test_websocket_server.h"
#include "support/temp_dir.h"

namespace nifty::net {
namespace {

using namespace std::chrono_literals;
using testing::AcceptDecision;
using testing::BlackholeListener;
using testing::TestWebSocketServer;
using testing::UpgradeRequest;
using core::ErrorCode;

constexpr auto kDeadline = 5s;

struct Received {
  std::string payload;
  bool binary;
  core::Timestamp at;
};

class RecordingHandler : public WebSocketHandler {
 public:
  void on_open() override {
    std::lock_guard lock(mu_);
    opened_ = true;
    cv_.notify_all();
  }
  void on_message(std::string_view payload, bool binary, core::Timestamp received) override {
    std::lock_guard lock(mu_);
    messages_.push_back({std::string(payload), binary, received});
    cv_.notify_all();
  }
  void on_close(const CloseInfo& info) override {
    std::lock_guard lock(mu_);
    ++closes_;
    close_ = info;
    cv_.notify_all();
  }
  bool wait_open(std::chrono::milliseconds t = kDeadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, t, [&] { return opened_ || close_.has_value(); }) && opened_;
  }
  std::optional<CloseInfo> wait_close(std::chrono::milliseconds t = kDeadline) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, t, [&] { return close_.has_value(); });
    return close_;
  }
  bool wait_messages(size_t n, std::chrono::milliseconds t = kDeadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, t, [&] { return messages_.size() >= n; });
  }
  std::vector<Received> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  bool closed() {
    std::lock_guard lock(mu_);
    return close_.has_value();
  }
  int closes() {
    std::lock_guard lock(mu_);
    return closes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool opened_ = false;
  int closes_ = 0;
  std::optional<CloseInfo> close_;
  std::vector<Received> messages_;
};

std::unique_ptr<TestWebSocketServer> make_server(bool tls = false,
                                                 std::function<AcceptDecision(const UpgradeRequest&)> hook = {}) {
  auto s = TestWebSocketServer::start({tls, std::move(hook)});
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return std::move(s).value();
}

WebSocketOptions options_for(const std::string& url) {
  WebSocketOptions o;
  o.url = url;
  o.connect_timeout = 3s;
  o.handshake_timeout = 3s;
  o.idle_timeout = 0ms;
  o.ping_interval = 0ms;
  return o;
}

std::unique_ptr<WebSocketClient> start_client(WebSocketOptions o, RecordingHandler& h) {
  auto c = WebSocketClient::create(std::move(o), h);
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  if (!c.is_ok()) return nullptr;
  EXPECT_TRUE(c.value()->start().is_ok());
  return std::move(c).value();
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Sends text and binary both ways and checks order, flags and receive timestamps.
void round_trip(TestWebSocketServer& server, WebSocketClient& client, RecordingHandler& h) {
  ASSERT_TRUE(h.wait_open());
  auto conn = server.wait_connection(1, kDeadline);
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(client.send_text("{\"a\":\"subscribe\"}").is_ok());
  const std::string bin("\x00\x01\xff\x7f", 4);
  ASSERT_TRUE(client.send_binary(bin).is_ok());
  auto m1 = conn->wait_message(kDeadline);
  auto m2 = conn->wait_message(kDeadline);
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->payload, "{\"a\":\"subscribe\"}");
  EXPECT_FALSE(m1->binary);
  EXPECT_EQ(m2->payload, bin);
  EXPECT_TRUE(m2->binary);

  core::Timestamp before = core::Timestamp::now();
  std::string big(70'000, 'x');  // 64-bit length encoding
  conn->send_text("hello");
  conn->send_binary(bin);
  conn->send_binary(big);
  ASSERT_TRUE(h.wait_messages(3));
  core::Timestamp after = core::Timestamp::now();
  auto got = h.messages();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, "hello");
  EXPECT_FALSE(got[0].binary);
  EXPECT_EQ(got[1].payload, bin);
  EXPECT_TRUE(got[1].binary);
  EXPECT_EQ(got[2].payload, big);
  for (const auto& m : got) {
    EXPECT_GE(m.at, before);
    EXPECT_LE(m.at, after);
  }
  EXPECT_EQ(client.messages_received(), 3u);
  client.close(1000, "done");
  EXPECT_EQ(conn->wait_client_close(kDeadline), 1000);
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->status.is_ok()) << info->status.to_string();
  EXPECT_TRUE(info->was_open);
}

TEST(WebSocketClient, PlainRoundTripTextAndBinarySendsHeadersAndTarget) {
  auto server = make_server();
  RecordingHandler h;
  auto o = options_for(server->url("/ws?api_key=k&access_token=t"));
  o.headers = {{"X-Kite-Version", "3"}};
  auto client = start_client(o, h);
  round_trip(*server, *client, h);
  auto conn = server->wait_connection(1, kDeadline);
  EXPECT_EQ(conn->request().target, "/ws?api_key=k&access_token=t");
  EXPECT_EQ(conn->request().header("X-Kite-Version"), "3");
  EXPECT_EQ(conn->request().header("User-Agent"), "nifty/0.1");
  EXPECT_EQ(h.closes(), 1);
}

TEST(WebSocketClient, TlsRoundTripWithServerCaAndSni) {
  auto server = make_server(true);
  RecordingHandler h;
  auto o = options_for(server->url("/"));
  o.ca_pem = server->ca_pem();
  auto client = start_client(o, h);
  round_trip(*server, *client, h);
  EXPECT_EQ(server->wait_connection(1, kDeadline)->request().sni, "localhost");
}

TEST(WebSocketClient, TlsTrustsCaFile) {
  auto server = make_server(true);
  nifty::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::ofstream(dir.file("ca.pem")) << server->ca_pem();
  RecordingHandler h;
  auto o = options_for(server->url("/"));
  o.ca_file = dir.file("ca.pem");
  auto client = start_client(o, h);
  EXPECT_TRUE(h.wait_open());
}

TEST(WebSocketClient, MissingCaFileIsRejectedAtCreate) {
  RecordingHandler h;
  auto o = options_for("wss://localhost:1/");
  o.ca_file = "/nonexistent/ca.pem";
  auto c = WebSocketClient::create(o, h);
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(c.status().message(), "/nonexistent/ca.pem"));
}

TEST(WebSocketClient, TlsWithoutServerCaFailsVerificationNamingHost) {
  auto server = make_server(true);
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/")), h);  // system trust store only
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kIoError) << info->status.to_string();
  EXPECT_TRUE(contains(info->status.message(), "verification failed"));
  EXPECT_TRUE(contains(info->status.message(), "'localhost'"));
  EXPECT_FALSE(info->was_open);
  EXPECT_EQ(server->connections(), 0u);
}

TEST(WebSocketClient, TlsHostNameMismatchFailsVerification) {
  auto started = TestWebSocketServer::start({true, {}, "feed.example"});
  ASSERT_TRUE(started.is_ok());
  auto& server = started.value();
  RecordingHandler h;
  // Trusted certificate, but for feed.example, not localhost.
  auto o = options_for(server->url("/"));
  o.ca_pem = server->ca_pem();
  auto client = start_client(o, h);
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kIoError) << info->status.to_string();
  EXPECT_TRUE(contains(info->status.message(), "'localhost'"));
  EXPECT_TRUE(contains(info->status.message(), "mismatch"));
}

TEST(WebSocketClient, TlsWithVerifyOffWorks) {
  auto server = make_server(true);
  RecordingHandler h;
  auto o = options_for(server->url("/"));
  o.verify_peer = false;
  auto client = start_client(o, h);
  EXPECT_TRUE(h.wait_open());
}

TEST(WebSocketClient, RefusedUpgradeReportsHttpStatus) {
  auto server = make_server(false, [](const UpgradeRequest& req) {
    return req.target.find("expired") != std::string::npos ? AcceptDecision::refuse(403, "TokenException")
                                                             : AcceptDecision::accept();
  });
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/?access_token=expired")), h);
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->http_status, 403);
  EXPECT_EQ(info->status.code(), ErrorCode::kUnauthenticated) << info->status.to_string();
  EXPECT_TRUE(contains(info->reason, "TokenException"));
  EXPECT_FALSE(contains(info->status.message(), "expired"));  // the query (token) is not echoed
  EXPECT_FALSE(info->was_open);
}

TEST(WebSocketClient, RefusedUpgradeWith429And503MapToRetryableCodes) {
  for (int status : {429, 503}) {
    auto server = make_server(false, [status](const UpgradeRequest&) { return AcceptDecision::refuse(status); });
    RecordingHandler h;
    auto client = start_client(options_for(server->url("/")), h);
    auto info = h.wait_close();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->http_status, status);
    EXPECT_TRUE(info->status.is_retryable()) << info->status.to_string();
  }
}

TEST(WebSocketClient, IdleTimeoutFiresWhenServerGoesSilent) {
  auto server = make_server();
  RecordingHandler h;
  auto o = options_for(server->url("/"));
  o.idle_timeout = 300ms;
  auto client = start_client(o, h);
  ASSERT_TRUE(h.wait_open());
  server->wait_connection(1, kDeadline)->go_silent();
  auto start = std::chrono::steady_clock::now();
  auto info = h.wait_close();
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kTimeout) << info->status.to_string();
  EXPECT_LT(waited, 3s);
}

TEST(WebSocketClient, PingsKeepIdleButAliveConnectionOpenThenSilenceTimesOut) {
  auto server = make_server();
  RecordingHandler h;
  auto o = options_for(server->url("/"));
  o.idle_timeout = 400ms;
  o.ping_interval = 100ms;
  o.ping_payload = R"({"t":"h"})";
  auto client = start_client(o, h);
  ASSERT_TRUE(h.wait_open());
  auto conn = server->wait_connection(1, kDeadline);
  // Poll until enough pings went by to cover well over 2 idle timeouts (>= 10 x 100 ms).
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (conn->pings_received() < 10 && std::chrono::steady_clock::now() < deadline && !h.closed()) {
    std::this_thread::yield();
  }
  EXPECT_GE(conn->pings_received(), 10);
  EXPECT_FALSE(h.closed());
  EXPECT_EQ(client->state(), WebSocketClient::State::kOpen);
  EXPECT_EQ(conn->last_ping_payload(), R"({"t":"h"})");
  conn->go_silent();  // pings now go unanswered: the "silent dead" socket is detected
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kTimeout) << info->status.to_string();
}

TEST(WebSocketClient, ServerDropReportsUnavailable) {
  auto server = make_server();
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/")), h);
  ASSERT_TRUE(h.wait_open());
  server->wait_connection(1, kDeadline)->drop();
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kUnavailable) << info->status.to_string();
  EXPECT_TRUE(info->was_open);
  EXPECT_EQ(client->send_text("x").code(), ErrorCode::kUnavailable);
}

TEST(WebSocketClient, ServerCloseReportsCodeAndReason) {
  auto server = make_server();
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/")), h);
  ASSERT_TRUE(h.wait_open());
  server->wait_connection(1, kDeadline)->close(4001, "session expired");
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(info->close_code, 4001);
  EXPECT_EQ(info->reason, "session expired");
}

TEST(WebSocketClient, GarbageFrameIsACleanProtocolError) {
  auto server = make_server();
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/")), h);
  ASSERT_TRUE(h.wait_open());
  // 0xF3: FIN with all three reserved bits set and opcode 3 (reserved): invalid per RFC 6455 5.2.
  server->wait_connection(1, kDeadline)->send_raw(std::string("\xf3\x03" "abc", 5));
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kParseError) << info->status.to_string();
  EXPECT_TRUE(h.messages().empty());
}

TEST(WebSocketClient, HalfFrameThenDropIsUnavailableWithoutAMessage) {
  auto server = make_server();
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/")), h);
  ASSERT_TRUE(h.wait_open());
  auto conn = server->wait_connection(1, kDeadline);
  conn->send_raw(std::string("\x82\x7e\x01\x00" "only-part-of-256-bytes", 26));  // binary, 256 bytes announced
  conn->drop();
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kUnavailable) << info->status.to_string();
  EXPECT_TRUE(h.messages().empty());
}

TEST(WebSocketClient, OversizeMessageIsACleanError) {
  auto server = make_server();
  RecordingHandler h;
  auto o = options_for(server->url("/"));
  o.max_message_bytes = 1024;
  auto client = start_client(o, h);
  ASSERT_TRUE(h.wait_open());
  auto conn = server->wait_connection(1, kDeadline);
  conn->send_binary(std::string(1024, 'a'));  // exactly the limit: accepted
  conn->send_binary(std::string(1025, 'b'));
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kResourceExhausted) << info->status.to_string();
  auto got = h.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload.size(), 1024u);
}

TEST(WebSocketClient, CloseWhileConnectingToBlackholeReturnsPromptly) {
  auto hole = BlackholeListener::start();
  ASSERT_TRUE(hole.is_ok());
  RecordingHandler h;
  auto o = options_for("ws://127.0.0.1:" + std::to_string(hole.value()->port()) + "/");
  o.connect_timeout = 30s;
  o.handshake_timeout = 30s;
  auto client = start_client(o, h);
  EXPECT_FALSE(h.wait_open(200ms));  // nothing answers
  auto start = std::chrono::steady_clock::now();
  std::thread closer([&] { client->close(); });
  closer.join();
  ASSERT_TRUE(client->wait_closed(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto info = h.wait_close(0ms);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kCancelled) << info->status.to_string();
}

TEST(WebSocketClient, HandshakeTimeoutAgainstBlackhole) {
  auto hole = BlackholeListener::start();
  ASSERT_TRUE(hole.is_ok());
  RecordingHandler h;
  auto o = options_for("wss://127.0.0.1:" + std::to_string(hole.value()->port()) + "/");
  o.handshake_timeout = 300ms;
  auto client = start_client(o, h);
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kTimeout) << info->status.to_string();
}

TEST(WebSocketClient, ConnectRefusedIsUnavailable) {
  uint16_t port;
  {
    auto server = make_server();
    port = server->port();
  }  // closed: nothing listens there now
  RecordingHandler h;
  auto client = start_client(options_for("ws://127.0.0.1:" + std::to_string(port) + "/"), h);
  auto info = h.wait_close();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status.code(), ErrorCode::kUnavailable) << info->status.to_string();
  EXPECT_TRUE(contains(info->status.message(), "127.0.0.1:" + std::to_string(port)));
}

TEST(WebSocketClient, SendBeforeOpenAndSecondStartFail) {
  RecordingHandler h;
  auto c = WebSocketClient::create(options_for("ws://127.0.0.1:1/"), h);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c.value()->send_text("x").code(), ErrorCode::kUnavailable);
  ASSERT_TRUE(c.value()->start().is_ok());
  EXPECT_FALSE(c.value()->start().is_ok());
  EXPECT_TRUE(h.wait_close().has_value());
}

TEST(WebSocketClient, RejectsBadOptions) {
  RecordingHandler h;
  EXPECT_EQ(WebSocketClient::create(options_for("https://x.y/"), h).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(WebSocketClient::create(options_for("ws://"), h).status().code(), ErrorCode::kInvalidArgument);
  auto o = options_for("ws://x.y/");
  o.headers = {{"Bad\r\nHeader", "v"}};
  EXPECT_EQ(WebSocketClient::create(o, h).status().code(), ErrorCode::kInvalidArgument);
  o = options_for("ws://x.y/");
  o.ping_payload = std::string(126, 'p');
  EXPECT_EQ(WebSocketClient::create(o, h).status().code(), ErrorCode::kInvalidArgument);
}

TEST(WebSocketClient, DestructorWithOpenConnectionClosesGracefully) {
  auto server = make_server();
  RecordingHandler h;
  auto client = start_client(options_for(server->url("/")), h);
  ASSERT_TRUE(h.wait_open());
  auto conn = server->wait_connection(1, kDeadline);
  client.reset();
  EXPECT_EQ(h.closes(), 1);
  EXPECT_EQ(conn->wait_client_close(kDeadline), 1000);
}

// Closes the client from inside on_message of the first message (callbacks may call close()).
class CloseOnFirstMessageHandler final : public RecordingHandler {
 public:
  std::atomic<WebSocketClient*> client{nullptr};
  void on_message(std::string_view payload, bool binary, core::Timestamp received) override {
    bool first = messages().empty();
    RecordingHandler::on_message(payload, binary, received);
    if (WebSocketClient* c = client.load(); first && c != nullptr) c->close(1000, "bye");
  }
};

// Regression: the destructor used to join the client's thread without stopping its io_context
// once on_close() had run, and Beast can park its close and read operations on each other for
// good, so the join never returned (a 600 s hang of the broker feed tests under load).
//
// The server writes, in one TCP write, two text frames then a close frame (RFC 6455 5.2; server
// frames are unmasked): 81 01 'a' | 81 01 'b' | 88 02 03 e8 (close, code 1000). The client reads
// all of it at once and closes from on_message("a"). Beast then starts its close op (sends the
// close frame, takes the write lock) and, after "b", a read op that finds the buffered close
// frame and first defers itself (the control callback is set); the close op finds the read lock
// taken and parks holding the write lock, the read op parks waiting for the write lock. Only
// close_timeout ends the connection; destroying the client must still return promptly.
TEST(WebSocketClient, DestructorReturnsWhenTheCloseHandshakeIsStuckInsideBeast) {
  auto server = make_server();
  // Heap objects: when the destructor hangs they are leaked with the thread running it.
  auto* h = new CloseOnFirstMessageHandler;
  auto o = options_for(server->url("/"));
  o.close_timeout = 200ms;
  auto created = WebSocketClient::create(o, *h);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  WebSocketClient* client = std::move(created).value().release();
  h->client = client;
  ASSERT_TRUE(client->start().is_ok());
  ASSERT_TRUE(h->wait_open());
  auto conn = server->wait_connection(1, kDeadline);
  ASSERT_NE(conn, nullptr);
  conn->send_raw(std::string("\x81\x01" "a" "\x81\x01" "b" "\x88\x02\x03\xe8", 10));
  auto info = h->wait_close();
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->was_open);

  std::atomic<bool> destroyed{false};
  std::thread destroyer([client, &destroyed] {
    delete client;
    destroyed = true;
  });
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!destroyed && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);  // poll
  if (!destroyed) {
    destroyer.detach();  // stuck in the client's destructor for good: leak it rather than hang the run
    FAIL() << "~WebSocketClient did not return within " << kDeadline.count() << " s of on_close()";
  }
  destroyer.join();
  delete h;
}

}  // namespace
}  // namespace nifty::net
