// Gateway WebSocket /ws over real connections (net::WebSocketClient): subscribe, broadcast from
// the bus, unsubscribe, errors, auth, a slow client that does not delay the others; and malformed
// HTTP on a raw socket.
#include <gtest/gtest.h>

#include <algorithm>

#include <boost/asio.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "bus/inproc/inproc_bus.h"
#include "gateway_fixture.h"
#include "net/websocket_client.h"

namespace nifty::gateway {
namespace {

using nlohmann::json;
using testing::kPremiumKey;
using testing::poll_until;

struct Recorder final : net::WebSocketHandler {
  void on_open() override { opened = true; }
  void on_message(std::string_view payload, bool, core::Timestamp) override {
    if (block_first) {
      // Stops reading until released: the server's queue for this client fills.
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return released; });
    }
    std::lock_guard lk(mu);
    messages.emplace_back(payload);
    count = messages.size();
  }
  void on_close(const net::CloseInfo& info) override {
    close_code = info.close_code;
    http_status = info.http_status;
    closed = true;
  }
  std::vector<json> json_messages() {
    std::lock_guard lk(mu);
    std::vector<json> out;
    for (auto& m : messages) out.push_back(json::parse(m, nullptr, false));
    return out;
  }
  void release() {
    {
      std::lock_guard lk(mu);
      released = true;
    }
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  bool block_first = false;
  bool released = false;
  std::vector<std::string> messages;
  std::atomic<size_t> count{0};
  std::atomic<bool> opened{false}, closed{false};
  std::atomic<int> close_code{0}, http_status{0};
};

class GatewayWs : public testing::GatewayFixture {
 protected:
  void SetUp() override {
    bus_ = &bus_impl_;
    start_gateway();
  }
  void TearDown() override {
    for (auto& r : recorders_) r->release();
    clients_.clear();
    GatewayFixture::TearDown();
    bus_impl_.close();
  }
  net::WebSocketClient& connect(Recorder& rec, const char* key = kPremiumKey, std::string query = "") {
    net::WebSocketOptions o;
    o.url = "ws://127.0.0.1:" + std::to_string(gateway_->port()) + "/ws" + query;
    if (key != nullptr) o.headers.emplace_back("X-API-KEY", key);
    o.ping_interval = std::chrono::milliseconds(0);
    o.idle_timeout = std::chrono::milliseconds(0);
    auto c = net::WebSocketClient::create(o, rec);
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    clients_.push_back(std::move(c).value());
    EXPECT_TRUE(clients_.back()->start().is_ok());
    return *clients_.back();
  }
  // Sends and waits for the n-th message (the ack).
  void send_and_wait(net::WebSocketClient& c, Recorder& rec, const std::string& msg) {
    size_t before = rec.count.load();
    ASSERT_TRUE(c.send_text(msg).is_ok());
    ASSERT_TRUE(poll_until([&] { return rec.count.load() > before; }));
  }
  model::Tick tick(const char* sym, int64_t paise) {
    model::Tick t;
    t.symbol = model::Symbol(sym);
    t.last_price = model::Price::from_paise(paise);
    t.cumulative_volume = 1500;
    t.exchange_time = clock_.now();
    t.receive_time = clock_.now();
    return t;
  }

  // Handlers outlive their clients (destroyed first in TearDown).
  Recorder& rec() {
    recorders_.push_back(std::make_unique<Recorder>());
    return *recorders_.back();
  }

  bus::InprocBus bus_impl_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
  std::vector<std::unique_ptr<net::WebSocketClient>> clients_;
};

TEST_F(GatewayWs, SubscribeBroadcastUnsubscribe) {
  Recorder& a = rec();
  Recorder& b = rec();
  auto& ca = connect(a);
  auto& cb = connect(b);
  ASSERT_TRUE(poll_until([&] { return a.opened && b.opened; }));
  send_and_wait(ca, a, R"({"action":"subscribe","channels":["ticks:RELIANCE"]})");
  send_and_wait(cb, b, R"({"action":"subscribe","channels":["ticks:*","signals"]})");
  auto acks = a.json_messages();
  EXPECT_EQ(acks[0]["type"], "ack");
  EXPECT_EQ(acks[0]["channels"][0], "ticks:RELIANCE");

  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kRawTicks, tick("RELIANCE", 285050)).is_ok());
  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kRawTicks, tick("TCS", 350000)).is_ok());
  bus_impl_.drain();
  ASSERT_TRUE(poll_until([&] { return a.count.load() == 2 && b.count.load() == 3; }));
  auto am = a.json_messages();
  EXPECT_EQ(am[1]["channel"], "ticks:RELIANCE");
  EXPECT_DOUBLE_EQ(am[1]["data"]["ltp"].get<double>(), 2850.5);
  auto bm = b.json_messages();
  EXPECT_EQ(bm[1]["channel"], "ticks:RELIANCE");
  EXPECT_EQ(bm[2]["channel"], "ticks:TCS");

  send_and_wait(ca, a, R"({"action":"unsubscribe","channels":["ticks:RELIANCE"]})");
  EXPECT_EQ(a.json_messages()[2]["action"], "unsubscribe");
  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kRawTicks, tick("RELIANCE", 285100)).is_ok());
  bus_impl_.drain();
  ASSERT_TRUE(poll_until([&] { return b.count.load() == 4; }));
  EXPECT_EQ(a.count.load(), 3u);  // nothing after the unsubscribe ack
}

TEST_F(GatewayWs, InvalidJsonAndBadChannelsGetErrorsAndTheConnectionStays) {
  Recorder& a = rec();
  auto& ca = connect(a);
  ASSERT_TRUE(poll_until([&] { return a.opened.load(); }));
  send_and_wait(ca, a, "{not json");
  send_and_wait(ca, a, R"({"action":"subscribe","channels":["ticks:NOTASTOCK"]})");
  send_and_wait(ca, a, R"({"action":"subscribe","channels":["weather"]})");
  send_and_wait(ca, a, R"({"action":"dance"})");
  send_and_wait(ca, a, R"({"action":"subscribe","channels":"market"})");
  auto m = a.json_messages();
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0]["error"]["code"], "invalid_json");
  EXPECT_EQ(m[1]["error"]["code"], "bad_channel");
  EXPECT_NE(m[1]["error"]["message"].get<std::string>().find("NOTASTOCK"), std::string::npos);
  EXPECT_EQ(m[2]["error"]["code"], "bad_channel");
  EXPECT_EQ(m[3]["error"]["code"], "bad_request");
  EXPECT_EQ(m[4]["error"]["code"], "bad_request");
  send_and_wait(ca, a, R"({"action":"subscribe","channels":["market"]})");
  EXPECT_EQ(a.json_messages()[5]["type"], "ack");
  EXPECT_FALSE(a.closed.load());
}

TEST_F(GatewayWs, UpgradeNeedsAKey) {
  Recorder& none = rec();
  Recorder& wrong = rec();
  Recorder& by_query = rec();
  connect(none, nullptr);
  connect(wrong, "nk_wrong");
  connect(by_query, nullptr, std::string("?api_key=") + kPremiumKey);
  ASSERT_TRUE(poll_until([&] { return none.closed && wrong.closed && by_query.opened; }));
  EXPECT_EQ(none.http_status.load(), 401);
  EXPECT_EQ(wrong.http_status.load(), 401);
}

TEST_F(GatewayWs, SlowClientIsClosedWithoutDelayingTheOthers) {
  gateway_->stop();
  gateway_.reset();
  bus_ = nullptr;  // publish directly
  start_gateway([](GatewayConfig& c) {
    c.ws_max_queued_messages = 4;
    c.ws_max_queued_bytes = 1024 * 1024;
  });
  Recorder& slow = rec();
  slow.block_first = true;
  auto& cs = connect(slow);
  std::vector<Recorder*> fast;
  for (int i = 0; i < 3; ++i) fast.push_back(&rec());
  for (auto* f : fast) connect(*f);
  ASSERT_TRUE(poll_until([&] { return gateway_->websocket_clients() == 4; }));
  ASSERT_TRUE(poll_until([&] {
    if (!slow.opened) return false;
    for (auto* f : fast)
      if (!f->opened) return false;
    return true;
  }));
  // The slow client blocks on its first message (its ack) and reads nothing more.
  ASSERT_TRUE(cs.send_text(R"({"action":"subscribe","channels":["market"]})").is_ok());
  for (size_t i = 0; i < fast.size(); ++i) {
    ASSERT_TRUE(clients_[1 + i]->send_text(R"({"action":"subscribe","channels":["market"]})").is_ok());
  }
  ASSERT_TRUE(poll_until([&] {
    for (auto& f : fast)
      if (f->count.load() < 1) return false;
    return true;
  }));
  // Big market views (every Nifty 50 stock as a gainer and a loser, a few KB each): each fast
  // client must get each one before the next is sent, while the slow one's socket buffers and
  // then its 4-message queue fill up.
  model::MarketView c;
  c.timestamp = clock_.now();
  for (const auto& in : universe_.instruments()) {
    c.gainers.push_back({in.symbol, model::Price::from_paise(150000), 1.25});
    c.losers.push_back({in.symbol, model::Price::from_paise(150000), -1.25});
  }
  size_t sent = 0;
  for (; sent < 50000 && gateway_->server_stats().websocket_slow_consumer_closes == 0; ++sent) {
    gateway_->publish(bus::Topic::kMarketView, c);
    ASSERT_TRUE(poll_until([&] {
      for (auto& f : fast)
        if (f->count.load() < sent + 2) return false;
      return true;
    }, std::chrono::seconds(5))) << "fast clients fell behind at message " << sent;
  }
  EXPECT_EQ(gateway_->server_stats().websocket_slow_consumer_closes, 1u);
  gateway_->publish(bus::Topic::kMarketView, c);
  ASSERT_TRUE(poll_until([&] {
    for (auto& f : fast)
      if (f->count.load() < sent + 2) return false;
    return true;
  }));
  slow.release();
  // The slow client ends closed (1008 when it still read the close frame in time, else the
  // server's hard close after its close timeout).
  ASSERT_TRUE(poll_until([&] { return slow.closed.load(); }, std::chrono::seconds(15)));
  EXPECT_TRUE(slow.close_code.load() == 1008 || slow.close_code.load() == 0) << slow.close_code.load();
}

TEST_F(GatewayWs, AnalysisSignalsAndMarketChannelsAndHeartbeats) {
  gateway_->stop();
  gateway_.reset();
  start_gateway([](GatewayConfig& c) { c.ws_heartbeat_interval = std::chrono::milliseconds(20); });
  Recorder& a = rec();
  auto& ca = connect(a);
  ASSERT_TRUE(poll_until([&] { return a.opened.load(); }));
  ASSERT_TRUE(ca.send_text(R"({"action":"subscribe","channels":["analysis:TCS","signals","market"]})").is_ok());
  ASSERT_TRUE(poll_until([&] {
    for (auto& m : a.json_messages())
      if (m["type"] == "ack") return true;
    return false;
  }));
  model::Scorecard sc;
  sc.symbol = model::Symbol("TCS");
  sc.timestamp = clock_.now();
  sc.ltp = model::Price::from_paise(350000);
  model::Scorecard other = sc;
  other.symbol = model::Symbol("INFY");
  model::Signal sig;
  sig.id = "TCS-20240125T0531Z-BUY";
  sig.symbol = sc.symbol;
  sig.timestamp = sc.timestamp;
  sig.provenance.candle_time = sc.timestamp;
  sig.action = model::Recommendation::kBuy;
  sig.price = sc.ltp;
  model::MarketView view;
  view.timestamp = sc.timestamp;
  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kAnalysisUpdates, other).is_ok());  // not subscribed
  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kAnalysisUpdates, sc).is_ok());
  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kSignals, sig).is_ok());
  ASSERT_TRUE(bus_impl_.publish(bus::Topic::kMarketView, view).is_ok());
  bus_impl_.drain();
  std::vector<std::string> channels;
  bool heartbeat = false;
  ASSERT_TRUE(poll_until([&] {
    channels.clear();
    heartbeat = false;
    for (auto& m : a.json_messages()) {
      if (m.contains("channel")) channels.push_back(m["channel"].get<std::string>());
      if (m["type"] == "heartbeat") heartbeat = true;
    }
    return channels.size() == 3 && heartbeat;
  }));
  // Each topic is pushed by its own queued bus subscriber, so the order across channels is free.
  std::sort(channels.begin(), channels.end());
  EXPECT_EQ(channels, (std::vector<std::string>{"analysis:TCS", "market", "signals"}));
}

// Sends raw bytes and reads the answer until the server closes.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(s, boost::asio::buffer(bytes));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    size_t n = s.read_some(boost::asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

TEST_F(GatewayWs, MalformedHttpAndOversizedHeadersGetCleanErrors) {
  std::string r = raw_exchange(gateway_->port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 400") << r;
  std::string big = "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(20000, 'a') + "\r\n\r\n";
  r = raw_exchange(gateway_->port(), big);
  EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 431") << r.substr(0, 100);
  // Still serving.
  EXPECT_EQ(get("/health/live", nullptr).status, 200);
}

}  // namespace
}  // namespace nifty::gateway
