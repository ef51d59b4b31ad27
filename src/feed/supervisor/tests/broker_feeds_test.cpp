// The broker feeds end to end over real loopback WebSockets: LiveFeed + NetWsConnector + each broker
// session (Kite, Flattrade/Noren, mStock) against the fake servers of fake_brokers.h, which speak
// each protocol from broker-protocols.md. The same supervision rules as supervisor_test.cpp, but with
// real sockets, real frames (including the real Kite sample frames of section 6) and real decoders.
//
// Expected values come from the bytes and strings the fakes sent (their own encoders, not the code
// under test), from the sample frames' documented values, or from hand-worked values in comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include <unistd.h>

#include "core/clock.h"
#include "core/nse_calendar.h"
#include "feed/flattrade/noren_session.h"
#include "feed/kite/kite_session.h"
#include "feed/mstock/mstock_session.h"
#include "feed/supervisor/live_feed.h"
#include "feed/supervisor/net_ws_connector.h"
#include "feed/supervisor/tests/fake_brokers.h"
#include "model/instrument.h"

namespace nifty::feed {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using testing::FakeKite;
using testing::FakeMarket;
using testing::FakeMstock;
using testing::FakeNoren;
using testing::FakeStock;
using testing::SentTick;
using SteadyClock = std::chrono::steady_clock;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = SteadyClock::now() + limit;
  while (SteadyClock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);  // polling interval, not synchronisation
  }
  return pred();
}

const model::Universe& universe() {
  static const model::Universe u = [] {
    auto r = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
    if (!r) {
      ADD_FAILURE() << r.status().to_string();
      return model::Universe{};
    }
    return std::move(r).value();
  }();
  return u;
}

std::vector<model::Instrument> instruments(std::initializer_list<const char*> symbols) {
  std::vector<model::Instrument> out;
  for (const char* s : symbols) {
    const model::Instrument* i = universe().find(model::Symbol(s));
    if (i == nullptr) {
      ADD_FAILURE() << "not in nifty50.csv: " << s;
      continue;
    }
    out.push_back(*i);
  }
  return out;
}

// Stocks of the market with made-up base prices (multiples of 5 paise).
std::vector<FakeStock> stocks_of(const std::vector<model::Instrument>& ins) {
  std::vector<FakeStock> out;
  int64_t base = 100'000;
  for (const auto& i : ins) {
    if (i.kind == model::InstrumentKind::kIndex) continue;
    out.push_back({i.symbol.str(), i.nse_token, i.kite_token, base});
    base += 123'405;
  }
  return out;
}

int64_t wall_seconds() { return core::Timestamp::now().seconds(); }

class RecordingSink final : public FeedSink {
 public:
  struct Arrival {
    model::Tick tick;
    SteadyClock::time_point at;
  };
  bool on_ticks(std::span<const model::Tick> ticks) override {
    auto now = SteadyClock::now();
    std::lock_guard lock(mu_);
    for (const auto& t : ticks) arrivals_.push_back({t, now});
    return true;
  }
  bool on_clock(core::Timestamp) override { return true; }
  std::vector<Arrival> arrivals() const {
    std::lock_guard lock(mu_);
    return arrivals_;
  }
  std::vector<model::Tick> ticks() const {
    std::lock_guard lock(mu_);
    std::vector<model::Tick> out;
    for (const auto& a : arrivals_) out.push_back(a.tick);
    return out;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return arrivals_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Arrival> arrivals_;
};

NetConnectorOptions fast_net() {
  NetConnectorOptions o;
  o.connect_timeout = 1000ms;
  o.handshake_timeout = 1000ms;
  o.idle_timeout = 600ms;
  o.ping_interval = 100ms;
  return o;
}

LiveFeedConfig fast_feed() {
  LiveFeedConfig c;
  c.link.connect_timeout = 2000ms;
  c.link.login_timeout = 1000ms;
  c.link.backoff_initial = 20ms;
  c.link.backoff_max = 100ms;
  c.link.stale_after = 10s;  // the tests that want the watchdog shorten it
  c.link.stale_only_in_session = false;
  c.link.jitter_seed = 7;
  c.failover_after = 300ms;
  c.failback_after = 400ms;
  c.clock_interval = 20ms;
  return c;
}

// LiveFeed over NetWsConnector, run on a thread of its own.
struct FeedRun {
  FeedRun(std::vector<BrokerSession*> sessions, std::vector<model::Instrument> ins, LiveFeedConfig config = fast_feed(),
          NetConnectorOptions net = fast_net())
      : connector(net),
        feed(std::move(sessions), connector, std::move(ins), config, clock, core::NseCalendar::builtin()) {
    thread = std::thread([this] {
      result = feed.run(sink, stop.get_token());
      done = true;
    });
  }
  ~FeedRun() { finish(); }
  void finish() {
    stop.request_stop();
    if (thread.joinable()) thread.join();
  }
  BrokerLink::Snapshot link(size_t i = 0) const { return feed.snapshot().links.at(i).link; }

  core::WallClock clock;
  NetWsConnector connector;
  LiveFeed feed;
  RecordingSink sink;
  std::stop_source stop;
  std::thread thread;
  core::Status result;
  std::atomic<bool> done{false};
};

TokenProvider fixed_token(std::string token) {
  return [token] { return core::Result<std::string>(token); };
}

std::unique_ptr<kite::KiteSession> kite_session(const FakeKite& server, std::string token = "kite-token",
                                                std::string ca_file = {}) {
  kite::KiteSessionConfig c;
  c.url = server.url("/");
  c.api_key = "kite-key";
  c.ca_file = std::move(ca_file);
  auto s = kite::KiteSession::create(c, fixed_token(std::move(token)), universe());
  EXPECT_TRUE(static_cast<bool>(s)) << s.status().to_string();
  return std::move(s).value();
}

std::unique_ptr<flattrade::NorenSession> noren_session(const FakeNoren& server, std::string token = "noren-token") {
  flattrade::NorenSessionConfig c;
  c.url = server.url("/PiConnectWSAPI/");
  c.user_id = "FT0001";
  c.heartbeat_interval = 50ms;
  auto s = flattrade::NorenSession::create(c, fixed_token(std::move(token)), universe());
  EXPECT_TRUE(static_cast<bool>(s)) << s.status().to_string();
  return std::move(s).value();
}

std::unique_ptr<mstock::MstockSession> mstock_session(const FakeMstock& server, std::string jwt = "mstock.jwt.token") {
  mstock::MstockSessionConfig c;
  c.url = server.url("/");
  c.api_key = "mstock-key";
  auto s = mstock::MstockSession::create(c, fixed_token(std::move(jwt)), universe());
  EXPECT_TRUE(static_cast<bool>(s)) << s.status().to_string();
  return std::move(s).value();
}

using TickKey = std::tuple<std::string, int64_t, int64_t>;  // symbol, cumulative volume, exchange second

TickKey key_of(const model::Tick& t) { return {t.symbol.str(), t.cumulative_volume, t.exchange_time.seconds()}; }
TickKey key_of(const SentTick& t) { return {t.symbol, t.volume, t.exchange_seconds}; }

// Every received tick matches one the server sent (same symbol, volume, second, and price).
void expect_ticks_match_sent(const std::vector<model::Tick>& got, const std::vector<SentTick>& sent) {
  std::map<TickKey, int64_t> price_of;
  for (const SentTick& s : sent) price_of[key_of(s)] = s.price;
  for (const model::Tick& t : got) {
    auto it = price_of.find(key_of(t));
    ASSERT_NE(it, price_of.end()) << "a tick nobody sent: " << t.symbol.str() << " v=" << t.cumulative_volume
                                  << " t=" << t.exchange_time.seconds();
    EXPECT_EQ(t.last_price.paise(), it->second) << t.symbol.str();
    EXPECT_EQ(t.exchange_time.nanos() % 1'000'000'000, 0);
  }
}

// ---- ticks come out right -------------------------------------------------------------------------

TEST(KiteFeed, TicksComeOutRightFromTheSampleFramesAndBuiltPackets) {
  auto ins = instruments({"INFY", "TCS", "RELIANCE"});
  ins.push_back(model::Universe::nifty50_index());
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeKite::start(market, {}).value();
  auto session = kite_session(*server);
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  // Subscribed with numeric tokens, then mode full for each.
  EXPECT_EQ(server->subscribed(1), (std::set<uint32_t>{408065, 2953217, 738561, 256265}));
  for (const auto& [token, mode] : server->modes(1)) EXPECT_EQ(mode, "full") << token;

  // V1 (section 6): INFY 1299.05, volume 6065675, exchange time 1612777255; TCS 3209.40, volume
  // 2261635, time 1612777254 — the documented decoded values of the cppkiteconnect test vector.
  server->send_binary(1, testing::kite_sample_v1_frame());
  // A heartbeat carries nothing.
  server->send_binary(1, testing::kite_heartbeat());
  // V2 wrapped as a frame: INFY 1573.70, volume 1192471, time 1625461887; best bid 1573.40, ask 1573.70.
  std::string v2 = testing::kite_sample_v2_packet();
  ASSERT_EQ(v2.size(), 184u);
  server->send_binary(1, testing::kite_frame(std::span(&v2, 1)));
  // Built from the documented layouts: a full RELIANCE packet and a full NIFTY 50 index packet.
  testing::KiteFullPacket rel;
  rel.token = 738561;
  rel.last_price = 285005;  // 2850.05
  rel.volume = 4'321'000;
  rel.exchange_time = 1'705'560'000;  // 2024-01-18 06:40:00 UTC
  rel.last_trade_time = 1'705'559'999;
  rel.depth[0] = {10, 285000, 2};
  rel.depth[5] = {20, 285010, 3};
  testing::KiteIndexPacket nifty;
  nifty.token = 256265;
  nifty.last_price = 2'150'030;  // 21500.30
  nifty.high = 2'160'000;
  nifty.low = 2'140'000;
  nifty.open = 2'145'000;
  nifty.close = 2'144'000;
  nifty.exchange_time = 1'705'560'001;
  std::vector<std::string> packets = {testing::encode_kite_full(rel), testing::encode_kite_index_full(nifty)};
  ASSERT_EQ(packets[0].size(), 184u);
  ASSERT_EQ(packets[1].size(), 32u);
  server->send_binary(1, testing::kite_frame(packets));

  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 5; }));
  auto ticks = run.sink.ticks();
  ASSERT_EQ(ticks.size(), 5u);
  struct Want {
    const char* symbol;
    int64_t paise, volume, seconds;
  };
  const Want want[] = {{"INFY", 129905, 6065675, 1612777255},
                       {"TCS", 320940, 2261635, 1612777254},
                       {"INFY", 157370, 1192471, 1625461887},
                       {"RELIANCE", 285005, 4321000, 1705560000},
                       {"NIFTY 50", 2150030, 0, 1705560001}};
  for (size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ticks[i].symbol.str(), want[i].symbol);
    EXPECT_EQ(ticks[i].last_price.paise(), want[i].paise);
    EXPECT_EQ(ticks[i].cumulative_volume, want[i].volume);
    EXPECT_EQ(ticks[i].exchange_time.nanos(), want[i].seconds * 1'000'000'000);
    EXPECT_GT(ticks[i].receive_time.nanos(), 0);
    EXPECT_EQ(ticks[i].sequence, i + 1);
  }
  EXPECT_EQ(ticks[2].bid.paise(), 157340);
  EXPECT_EQ(ticks[2].ask.paise(), 157370);
  EXPECT_EQ(ticks[3].bid.paise(), 285000);
  EXPECT_EQ(ticks[3].ask.paise(), 285010);
  EXPECT_EQ(run.link().parse_errors, 0u);

  // Then a live stream of full packets for the subscribed stocks: every tick as sent.
  server->set_streaming(true);
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 60; }));
  server->set_streaming(false);
  ASSERT_TRUE(eventually([&] { return run.sink.size() == 5 + server->sent().size(); }));
  auto all = run.sink.ticks();
  std::vector<model::Tick> streamed(all.begin() + 5, all.end());
  auto sent = server->sent();
  ASSERT_EQ(streamed.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(streamed[i].symbol.str(), sent[i].symbol);
    EXPECT_EQ(streamed[i].last_price.paise(), sent[i].price);
    EXPECT_EQ(streamed[i].cumulative_volume, sent[i].volume);
    EXPECT_EQ(streamed[i].exchange_time.nanos(), sent[i].exchange_seconds * 1'000'000'000);
  }
}

TEST(NorenFeed, TicksComeOutRightFromSnapshotsAndPartialUpdates) {
  auto ins = instruments({"RELIANCE", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeNoren::start(market, {}).value();
  auto session = noren_session(*server);
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  auto texts = server->texts(1);
  ASSERT_GE(texts.size(), 2u);
  EXPECT_NE(texts[0].find("\"t\":\"a\""), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("\"accesstoken\":\"noren-token\""), std::string::npos) << texts[0];
  EXPECT_EQ(server->subscribed(1), (std::set<uint32_t>{2885, 11536}));

  // The two "tk" snapshots the subscription answered with.
  ASSERT_TRUE(eventually([&] { return run.sink.size() == 2; }));
  auto sent = server->sent();
  ASSERT_EQ(sent.size(), 2u);
  expect_ticks_match_sent(run.sink.ticks(), sent);

  // Partial updates with string fields; the expected merged state is worked out here by hand:
  // RELIANCE keeps its snapshot's volume when "v" is absent, TCS keeps its price when "lp" is absent.
  const SentTick rel = sent[0].symbol == "RELIANCE" ? sent[0] : sent[1];
  const SentTick tcs = sent[0].symbol == "TCS" ? sent[0] : sent[1];
  const int64_t t1 = rel.exchange_seconds + 1;
  server->send_text(1, testing::noren_json({{"t", "tf"}, {"e", "NSE"}, {"tk", "2885"}, {"lp", "2851.35"},
                                            {"ft", std::to_string(t1)}}));
  server->send_text(1, testing::noren_json({{"t", "tf"}, {"e", "NSE"}, {"tk", "11536"}, {"v", "987654"},
                                            {"ft", std::to_string(t1)}}));
  server->send_text(1, testing::noren_json({{"t", "h"}}));  // a heartbeat: nothing
  server->send_text(1, testing::noren_json({{"t", "tf"}, {"e", "NSE"}, {"tk", "2885"}, {"v", "1234567"},
                                            {"lp", "2851.40"}}));
  ASSERT_TRUE(eventually([&] { return run.sink.size() == 5; }));
  auto ticks = run.sink.ticks();
  EXPECT_EQ(ticks[2].symbol.str(), "RELIANCE");
  EXPECT_EQ(ticks[2].last_price.paise(), 285135);
  EXPECT_EQ(ticks[2].cumulative_volume, rel.volume);
  EXPECT_EQ(ticks[2].exchange_time.nanos(), t1 * 1'000'000'000);
  EXPECT_EQ(ticks[3].symbol.str(), "TCS");
  EXPECT_EQ(ticks[3].last_price.paise(), tcs.price);
  EXPECT_EQ(ticks[3].cumulative_volume, 987654);
  EXPECT_EQ(ticks[3].exchange_time.nanos(), t1 * 1'000'000'000);
  EXPECT_EQ(ticks[4].last_price.paise(), 285140);
  EXPECT_EQ(ticks[4].cumulative_volume, 1234567);
  EXPECT_EQ(ticks[4].exchange_time.nanos(), t1 * 1'000'000'000);  // ft absent: kept
  EXPECT_EQ(run.link().parse_errors, 0u);
  // The session's {"t":"h"} heartbeats reach the server (every 50 ms here).
  EXPECT_TRUE(eventually([&] { return server->heartbeats(1) >= 2; }));
}

TEST(MstockFeed, TicksComeOutRightFromBarePacketsAndBatches) {
  auto ins = instruments({"INFY", "SBIN"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeMstock::start(market, {}).value();
  auto session = mstock_session(*server);
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  auto texts = server->texts(1);
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[0], "LOGIN:mstock.jwt.token");
  EXPECT_EQ(server->subscribed(1), (std::set<uint32_t>{1594, 3045}));

  // Exchange time in seconds since 1980-01-01 UTC (315,532,800 s after the Unix epoch).
  const int64_t now_unix = wall_seconds();
  testing::MstockQuotePacket infy;
  infy.token = "1594";
  infy.sequence = 1;
  infy.exchange_time = now_unix - 315'532'800;
  infy.last_price = 157370;
  infy.volume = 1'192'471;
  testing::MstockQuotePacket sbin = infy;
  sbin.token = "3045";
  sbin.sequence = 2;
  sbin.exchange_time = now_unix - 1 - 315'532'800;
  sbin.last_price = 61255;
  sbin.volume = 5'000'001;
  std::string bare = testing::encode_mstock_quote(infy);
  ASSERT_EQ(bare.size(), 123u);
  server->send_binary(1, bare);
  std::vector<std::string> batch = {testing::encode_mstock_quote(sbin), testing::encode_mstock_quote(infy)};
  batch[1] = testing::encode_mstock_quote([&] {
    auto p = infy;
    p.volume += 10;
    p.last_price += 5;
    return p;
  }());
  server->send_binary(1, testing::mstock_batch(batch));

  ASSERT_TRUE(eventually([&] { return run.sink.size() == 3; }));
  auto ticks = run.sink.ticks();
  EXPECT_EQ(ticks[0].symbol.str(), "INFY");
  EXPECT_EQ(ticks[0].last_price.paise(), 157370);
  EXPECT_EQ(ticks[0].cumulative_volume, 1192471);
  EXPECT_EQ(ticks[0].exchange_time.nanos(), now_unix * 1'000'000'000);
  EXPECT_EQ(ticks[1].symbol.str(), "SBIN");
  EXPECT_EQ(ticks[1].last_price.paise(), 61255);
  EXPECT_EQ(ticks[1].cumulative_volume, 5000001);
  EXPECT_EQ(ticks[1].exchange_time.nanos(), (now_unix - 1) * 1'000'000'000);
  EXPECT_EQ(ticks[2].symbol.str(), "INFY");
  EXPECT_EQ(ticks[2].last_price.paise(), 157375);
  EXPECT_EQ(ticks[2].cumulative_volume, 1192481);
  EXPECT_EQ(run.link().parse_errors, 0u);
}

// ---- reconnect and resubscribe --------------------------------------------------------------------

template <typename Server>
void expect_reconnect_after_drop(Server& server, FeedRun& run) {
  ASSERT_TRUE(server.wait_subscribed(1, 5s));
  server.set_streaming(true);
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 5; }));
  auto subscribed_before = server.subscribed(1);
  server.connection(1, 1s)->drop();
  // A new connection subscribes the same instruments again.
  ASSERT_TRUE(server.wait_subscribed(2, 5s));
  EXPECT_EQ(server.subscribed(2), subscribed_before);
  EXPECT_GE(server.subscribes(2), 1);
  size_t before = run.sink.size();
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= before + 5; }));
  server.set_streaming(false);
  auto link = run.link();
  EXPECT_EQ(link.connects, 2u);
  EXPECT_GE(link.reconnects, 1u);
  expect_ticks_match_sent(run.sink.ticks(), server.sent());
}

TEST(KiteFeed, ADroppedConnectionReconnectsAndResubscribes) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeKite::start(market, {}).value();
  auto session = kite_session(*server);
  FeedRun run({session.get()}, ins);
  expect_reconnect_after_drop(*server, run);
  EXPECT_EQ(server->modes(2).size(), 2u);  // mode full set again
}

TEST(NorenFeed, ADroppedConnectionReconnectsLogsInAndResubscribes) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeNoren::start(market, {}).value();
  auto session = noren_session(*server);
  FeedRun run({session.get()}, ins);
  expect_reconnect_after_drop(*server, run);
  EXPECT_NE(server->texts(2).at(0).find("\"t\":\"a\""), std::string::npos);
}

TEST(MstockFeed, ADroppedConnectionReconnectsLogsInAndResubscribes) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeMstock::start(market, {}).value();
  auto session = mstock_session(*server);
  FeedRun run({session.get()}, ins);
  expect_reconnect_after_drop(*server, run);
  EXPECT_EQ(server->texts(2).at(0), "LOGIN:mstock.jwt.token");
}

// ---- a silent socket is replaced ----------------------------------------------------------------

template <typename Server>
void expect_silent_socket_replaced(Server& server, FeedRun& run) {
  ASSERT_TRUE(server.wait_subscribed(1, 5s));
  server.set_streaming(true);
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 3; }));
  server.go_silent(1);  // no pongs, no ticks; the TCP connection stays up
  ASSERT_TRUE(server.wait_subscribed(2, 10s));
  EXPECT_TRUE(server.connection(1, 1s)->wait_disconnected(5s));  // the client closed the silent one
  size_t before = run.sink.size();
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= before + 3; }));
  server.set_streaming(false);
  auto link = run.link();
  EXPECT_TRUE(link.last_error.code() == ErrorCode::kTimeout || link.stale_events >= 1) << link.last_error.to_string();
}

TEST(KiteFeed, ASilentSocketIsDetectedByTheIdleTimeoutAndReplaced) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeKite::start(market, {}).value();
  auto session = kite_session(*server);
  FeedRun run({session.get()}, ins);
  expect_silent_socket_replaced(*server, run);
  EXPECT_EQ(run.link().last_error.code(), ErrorCode::kTimeout) << run.link().last_error.to_string();
}

TEST(NorenFeed, ASilentSocketIsDetectedByTheStaleWatchdogAndReplaced) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeNoren::start(market, {}).value();
  auto session = noren_session(*server);
  // Idle timeout far away: only the watchdog (no tick for stale_after) can notice.
  LiveFeedConfig config = fast_feed();
  config.link.stale_after = 300ms;
  NetConnectorOptions net = fast_net();
  net.idle_timeout = 60s;
  net.ping_interval = 30s;
  FeedRun run({session.get()}, ins, config, net);
  expect_silent_socket_replaced(*server, run);
  EXPECT_GE(run.link().stale_events, 1u);
}

TEST(MstockFeed, ASilentSocketIsDetectedAndReplaced) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeMstock::start(market, {}).value();
  auto session = mstock_session(*server);
  FeedRun run({session.get()}, ins);
  expect_silent_socket_replaced(*server, run);
}

TEST(KiteFeed, AConnectedButTicklessSocketIsReplacedByTheStaleWatchdog) {
  // The server keeps the socket alive with 1-byte heartbeats but sends no tick: the idle timeout
  // never fires; the stale watchdog does.
  auto ins = instruments({"INFY"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  FakeKite::Options o;
  o.heartbeat_interval = 50ms;
  auto server = FakeKite::start(market, {}, o).value();
  auto session = kite_session(*server);
  LiveFeedConfig config = fast_feed();
  config.link.stale_after = 300ms;
  FeedRun run({session.get()}, ins, config);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  ASSERT_TRUE(server->wait_subscribed(2, 5s));
  EXPECT_GE(run.link().stale_events, 1u);
  EXPECT_EQ(run.sink.size(), 0u);
}

// ---- an expired token stops retries ---------------------------------------------------------------

// run() has returned, so every link has stopped: the connection count is final.
void expect_stopped_with_login_hint(FeedRun& run, size_t connections, std::string_view broker) {
  ASSERT_TRUE(eventually([&] { return run.done.load(); }));
  run.finish();
  EXPECT_EQ(run.result.code(), ErrorCode::kUnauthenticated) << run.result.to_string();
  EXPECT_NE(run.result.message().find("nifty login " + std::string(broker)), std::string::npos)
      << run.result.message();
  EXPECT_EQ(connections, 1u);
  EXPECT_EQ(run.link().state, LinkState::kAuthFailed);
}

TEST(KiteFeed, AnExpiredTokenIsRefusedWith403AndStopsRetries) {
  auto ins = instruments({"INFY"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeKite::start(market, {}).value();
  auto session = kite_session(*server, "expired-token");
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(eventually([&] { return run.done.load(); }));
  expect_stopped_with_login_hint(run, server->connections(), "kite");
}

TEST(NorenFeed, ARefusedConnectAckStopsRetriesAndClosesTheSilentSocket) {
  auto ins = instruments({"INFY"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeNoren::start(market, {}).value();
  auto session = noren_session(*server, "stale-token");
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(eventually([&] { return run.done.load(); }));
  expect_stopped_with_login_hint(run, server->connections(), "flattrade");
  // Flattrade leaves the rejected socket open: the client closed it.
  EXPECT_TRUE(server->connection(1, 1s)->wait_disconnected(2s));
}

TEST(MstockFeed, AnUnauthenticatedTokenIsRefusedAtTheUpgradeAndStopsRetries) {
  auto ins = instruments({"INFY"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeMstock::start(market, {}).value();
  auto session = mstock_session(*server, "expired.jwt");
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(eventually([&] { return run.done.load(); }));
  expect_stopped_with_login_hint(run, server->connections(), "mstock");
}

// ---- half frames and garbage ----------------------------------------------------------------------

TEST(KiteFeed, HalfPacketsAndGarbageAreCountedAndTheSessionGoesOn) {
  auto ins = instruments({"RELIANCE"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeKite::start(market, {}).value();
  auto session = kite_session(*server);
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));

  testing::KiteFullPacket rel;
  rel.token = 738561;
  rel.last_price = 285005;
  rel.volume = 100;
  rel.exchange_time = 1'705'560'000;
  std::string full = testing::kite_frame(std::vector<std::string>{testing::encode_kite_full(rel)});
  server->send_binary(1, full.substr(0, 100));  // header says 184 bytes, 96 follow
  server->send_binary(1, std::string("\x00\x03\x00\xb8garbage", 11));
  server->send_binary(1, full + "trailing");
  server->send_text(1, "{\"type\":\"order\",");  // half a JSON text
  ASSERT_TRUE(eventually([&] { return run.link().parse_errors >= 3; }));
  rel.volume = 200;
  server->send_binary(1, testing::kite_frame(std::vector<std::string>{testing::encode_kite_full(rel)}));
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 1; }));
  auto ticks = run.sink.ticks();
  EXPECT_EQ(ticks.back().cumulative_volume, 200);
  EXPECT_EQ(run.link().connects, 1u);  // the same connection went on

  // Garbage below the WebSocket framing (a reserved opcode) ends the connection: reconnect.
  server->connection(1, 1s)->send_raw(std::string("\x8f\x05hello", 7));
  ASSERT_TRUE(server->wait_subscribed(2, 5s));
  EXPECT_EQ(run.link().connects, 2u);
}

TEST(NorenFeed, HalfMessagesAndGarbageAreCountedAndTheSessionGoesOn) {
  auto ins = instruments({"RELIANCE"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeNoren::start(market, {}).value();
  auto session = noren_session(*server);
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  ASSERT_TRUE(eventually([&] { return run.sink.size() == 1; }));  // the tk snapshot
  const SentTick snap = server->sent().at(0);

  server->send_text(1, R"({"t":"tf","e":"NSE","tk":"2885","lp":"28)");  // half a message
  server->send_text(1, "garbage");
  server->send_binary(1, std::string("\x01\x02\x03", 3));                  // Noren sends no binary
  server->send_text(1, R"({"t":"tf","e":"NSE","tk":"2885","lp":12.5})");  // a number, not a string
  server->send_text(1, R"({"t":"tf","e":"NSE","tk":"3045","lp":"600.00"})");  // not subscribed/unknown state
  ASSERT_TRUE(eventually([&] { return run.link().parse_errors >= 5; }));
  server->send_text(1, testing::noren_json({{"t", "tf"}, {"e", "NSE"}, {"tk", "2885"}, {"v",
                                            std::to_string(snap.volume + 5)}}));
  ASSERT_TRUE(eventually([&] { return run.sink.size() == 2; }));
  auto ticks = run.sink.ticks();
  EXPECT_EQ(ticks[1].cumulative_volume, snap.volume + 5);
  EXPECT_EQ(ticks[1].last_price.paise(), snap.price);  // the half message changed nothing
  EXPECT_EQ(run.link().connects, 1u);
}

TEST(MstockFeed, ShortPacketsAndGarbageAreCountedAndTheSessionGoesOn) {
  auto ins = instruments({"INFY"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  auto server = FakeMstock::start(market, {}).value();
  auto session = mstock_session(*server);
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  testing::MstockQuotePacket infy;
  infy.token = "1594";
  infy.exchange_time = wall_seconds() - 315'532'800;
  infy.last_price = 157370;
  infy.volume = 10;
  std::string packet = testing::encode_mstock_quote(infy);
  server->send_binary(1, packet.substr(0, 60));  // half a packet
  std::vector<std::string> two = {packet, packet};
  std::string batch = testing::mstock_batch(two);
  server->send_binary(1, batch.substr(0, batch.size() - 10));  // a batch cut short
  server->send_binary(1, std::string(7, '\xff'));
  ASSERT_TRUE(eventually([&] { return run.link().parse_errors >= 3; }));
  infy.volume = 20;
  server->send_binary(1, testing::encode_mstock_quote(infy));
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 1; }));
  EXPECT_EQ(run.sink.ticks().back().cumulative_volume, 20);
  EXPECT_EQ(run.link().connects, 1u);
}

// ---- wss ------------------------------------------------------------------------------------------

TEST(KiteFeed, ConnectsOverWssTrustingTheTestCa) {
  auto ins = instruments({"INFY", "TCS"});
  FakeMarket market(stocks_of(ins), 5ms, wall_seconds());
  FakeKite::Options o;
  o.tls = true;
  auto server = FakeKite::start(market, {}, o).value();
  ASSERT_EQ(server->url("/").rfind("wss://", 0), 0u);
  auto ca = std::filesystem::temp_directory_path() / ("nifty_brokertest_ca_" + std::to_string(::getpid()) + ".pem");
  {
    std::ofstream(ca) << server->ca_pem();
  }
  auto session = kite_session(*server, "kite-token", ca.string());
  FeedRun run({session.get()}, ins);
  ASSERT_TRUE(server->wait_subscribed(1, 5s));
  server->set_streaming(true);
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 10; }));
  server->set_streaming(false);
  ASSERT_TRUE(eventually([&] { return run.sink.size() == server->sent().size(); }));
  expect_ticks_match_sent(run.sink.ticks(), server->sent());
  run.finish();
  std::filesystem::remove(ca);
}

// ---- failover and failback -----------------------------------------------------------------------

TEST(LiveFeedBrokers, KiteToFlattradeFailoverHasABoundedGapNoDuplicatesAndFailsBack) {
  auto ins = instruments({"RELIANCE", "TCS", "INFY"});
  FakeMarket market(stocks_of(ins), 4ms, wall_seconds());
  auto kite = FakeKite::start(market, {}).value();
  auto noren = FakeNoren::start(market, {}).value();
  auto primary = kite_session(*kite);
  auto secondary = noren_session(*noren);
  LiveFeedConfig config = fast_feed();
  NetConnectorOptions net = fast_net();
  FeedRun run({primary.get(), secondary.get()}, ins, config, net);
  kite->set_streaming(true);
  noren->set_streaming(true);

  ASSERT_TRUE(kite->wait_subscribed(1, 5s));
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= 30; }));
  EXPECT_EQ(noren->connections(), 0u);  // cold standby

  // Kill the primary in the middle of its stream; it stays down.
  kite->set_down(true);
  ASSERT_TRUE(noren->wait_subscribed(1, 10s));
  // Kite ticks carry Kite instrument tokens, Noren ticks NSE tokens.
  std::set<uint32_t> kite_tokens;
  for (const auto& i : ins) kite_tokens.insert(i.kite_token);
  auto is_kite = [&](const model::Tick& t) { return kite_tokens.count(t.token) == 1; };
  ASSERT_TRUE(eventually([&] {
    for (const auto& a : run.sink.arrivals())
      if (!is_kite(a.tick)) return true;
    return false;
  }));
  EXPECT_EQ(run.feed.snapshot().serving, 1u);
  EXPECT_EQ(run.feed.snapshot().failovers, 1u);

  // The gap between the last Kite tick and the first Flattrade tick, as the sink saw them.
  {
    auto arrivals = run.sink.arrivals();
    SteadyClock::time_point last_kite{}, first_noren{};
    for (const auto& a : arrivals) {
      if (is_kite(a.tick)) {
        if (first_noren == SteadyClock::time_point{}) last_kite = a.at;
      } else if (first_noren == SteadyClock::time_point{}) {
        first_noren = a.at;
      }
    }
    ASSERT_NE(last_kite, SteadyClock::time_point{});
    ASSERT_NE(first_noren, SteadyClock::time_point{});
    auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(first_noren - last_kite);
    // Failover waits failover_after (checked every clock_interval), then the secondary connects
    // (TCP + upgrade) and logs in.
    auto bound = config.failover_after + config.clock_interval + net.connect_timeout + net.handshake_timeout +
                 config.link.login_timeout;
    EXPECT_LE(gap, bound) << "gap " << gap.count() << " ms";
    EXPECT_GE(gap, config.failover_after) << "failover before failover_after";
    RecordProperty("failover_gap_ms", static_cast<int>(gap.count()));
  }

  // The primary returns: both overlap, then the primary serves again and Flattrade goes to
  // standby by unsubscribing (it keeps the socket).
  kite->set_down(false);
  ASSERT_TRUE(eventually([&] { return run.feed.snapshot().failbacks == 1; }));
  EXPECT_EQ(run.feed.snapshot().serving, 0u);
  ASSERT_TRUE(eventually([&] { return noren->unsubscribes(1) >= 1; }));
  size_t before = run.sink.size();
  ASSERT_TRUE(eventually([&] { return run.sink.size() >= before + 20; }));
  kite->set_streaming(false);
  noren->set_streaming(false);
  // Let whatever is in flight arrive: both servers stopped, the sink stops growing.
  size_t settled = 0;
  ASSERT_TRUE(eventually([&] {
    size_t n = run.sink.size();
    std::this_thread::sleep_for(50ms);  // a quiet interval, not synchronisation
    bool quiet = n == run.sink.size() && n == settled;
    settled = n;
    return quiet;
  }));
  run.finish();

  // No tick twice, and every tick is one a server sent.
  auto ticks = run.sink.ticks();
  std::set<TickKey> seen;
  for (const auto& t : ticks) EXPECT_TRUE(seen.insert(key_of(t)).second) << "duplicate " << t.symbol.str() << " v="
                                                                         << t.cumulative_volume;
  std::vector<SentTick> all = kite->sent();
  auto n_sent = noren->sent();
  all.insert(all.end(), n_sent.begin(), n_sent.end());
  expect_ticks_match_sent(ticks, all);
  // Sequence numbers are the feed's own, gapless.
  for (size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(ticks[i].sequence, i + 1);
  // Ticks after the failback come from Kite again.
  EXPECT_TRUE(is_kite(ticks.back()));
  EXPECT_GT(run.feed.snapshot().ticks_duplicate, 0u);
}

}  // namespace
}  // namespace nifty::feed
