#include "store/redis/redis_hot_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/metrics.h"
#include "model/json_codec.h"
#include "store/redis/tests/redis_test_util.h"

namespace nifty::store {
namespace {

using testing::eventually;
using testing::OwnRedis;
using testing::RawRedis;

// 2024-01-18 06:40:00 UTC, the spec's example "ts":1705560000.
constexpr int64_t kSpecTs = 1705560000;

model::Tick spec_tick(std::string_view symbol = "RELIANCE", int64_t ltp_paise = 285050) {
  model::Tick t;
  t.token = 738561;
  t.symbol = model::Symbol(symbol);
  t.last_price = model::Price::from_paise(ltp_paise);
  t.cumulative_volume = 1500;
  t.last_quantity = 7;
  t.bid = model::Price::from_paise(285025);
  t.ask = model::Price::from_paise(285075);
  t.exchange_time = core::Timestamp::from_nanos(kSpecTs * 1'000'000'000 + 250'000'000);
  t.receive_time = core::Timestamp::from_nanos(kSpecTs * 1'000'000'000 + 251'000'000);
  t.sequence = 42;
  t.volume_delta = 100;
  return t;
}

// The spec's candle: open 2845.00 high 2851.00 low 2844.00 close 2850.50 volume 150000.
model::Candle spec_candle(std::string_view symbol = "RELIANCE") {
  model::Candle c;
  c.symbol = model::Symbol(symbol);
  c.start = core::Timestamp::from_seconds(kSpecTs);
  c.open = model::Price::from_paise(284500);
  c.high = model::Price::from_paise(285100);
  c.low = model::Price::from_paise(284400);
  c.close = model::Price::from_paise(285050);
  c.volume = 150000;
  c.trades = 350;
  c.vwap = model::Price::from_paise(284780);
  return c;
}

// ltp 2850.50 with change +50.50 rupees: reference (previous close) 2800.00, so 50.5/2800 = 1.8035714...%.
model::Scorecard spec_card(std::string_view symbol = "RELIANCE") {
  model::Scorecard s;
  s.symbol = model::Symbol(symbol);
  s.timestamp = core::Timestamp::from_seconds(kSpecTs);
  s.ltp = model::Price::from_paise(285050);
  s.change = 50.5;
  s.change_percent = 50.5 / 2800.0 * 100.0;
  s.day_volume = 150000;
  s.rsi = 65.2;
  s.macd = {12.5, 10.0, 2.5};
  s.trend_score = 3.0;
  s.momentum_score = 1.0;
  s.composite_score = 2.0;
  s.recommendation = model::Recommendation::kBuy;
  s.ai_engine = "heuristic";
  s.ai.model_version = "v1-heuristic";
  return s;
}

std::unique_ptr<RedisHotCache> open_or_die(const RedisConfig& cfg) {
  auto r = RedisHotCache::open(cfg);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : nullptr;
}

TEST(RedisHotCache, WritesTheSpecStructuresWithTheirTypesTtlsAndFields) {
  NIFTY_SHARED_REDIS(cfg, 1);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  ASSERT_TRUE(cache->set_scorecard(spec_card()).is_ok());
  ASSERT_TRUE(cache->set_latest_tick(spec_tick()).is_ok());
  ASSERT_TRUE(cache->set_current_candle(spec_candle()).is_ok());
  ASSERT_TRUE(cache->flush(std::chrono::seconds(5)));
  RawRedis raw(cfg);

  // SET tick:latest:RELIANCE '{"ltp":2850.50,"volume":1500,"ts":1705560000}' EX 300
  EXPECT_EQ(raw.str("TYPE tick:latest:RELIANCE"), "string");
  long long ttl = raw.integer("TTL %s", "tick:latest:RELIANCE");
  EXPECT_GT(ttl, 290);
  EXPECT_LE(ttl, 300);
  auto j = nlohmann::json::parse(raw.str("GET tick:latest:RELIANCE"));
  ASSERT_TRUE(j["ltp"].is_number_float());
  EXPECT_DOUBLE_EQ(j["ltp"].get<double>(), 2850.50);
  ASSERT_TRUE(j["volume"].is_number_integer());
  EXPECT_EQ(j["volume"].get<int64_t>(), 1500);
  ASSERT_TRUE(j["ts"].is_number_integer());
  EXPECT_EQ(j["ts"].get<int64_t>(), kSpecTs);
  // The spec's fields come first, in the spec's order.
  std::string text = raw.str("GET tick:latest:RELIANCE");
  EXPECT_LT(text.find("\"ltp\""), text.find("\"volume\""));
  EXPECT_LT(text.find("\"volume\""), text.find("\"ts\""));

  // HSET candle:current:RELIANCE open 2845.00 high 2851.00 low 2844.00 close 2850.50 volume 150000; EXPIRE 120
  EXPECT_EQ(raw.str("TYPE candle:current:RELIANCE"), "hash");
  ttl = raw.integer("TTL %s", "candle:current:RELIANCE");
  EXPECT_GT(ttl, 110);
  EXPECT_LE(ttl, 120);
  EXPECT_DOUBLE_EQ(std::stod(raw.str("HGET candle:current:RELIANCE open")), 2845.00);
  EXPECT_DOUBLE_EQ(std::stod(raw.str("HGET candle:current:RELIANCE high")), 2851.00);
  EXPECT_DOUBLE_EQ(std::stod(raw.str("HGET candle:current:RELIANCE low")), 2844.00);
  EXPECT_DOUBLE_EQ(std::stod(raw.str("HGET candle:current:RELIANCE close")), 2850.50);
  EXPECT_EQ(raw.str("HGET candle:current:RELIANCE volume"), "150000");

  // XADD analysis:results * symbol RELIANCE rsi 65.2 macd 12.5 trend BULLISH
  EXPECT_EQ(raw.str("TYPE analysis:results"), "stream");
  redisReply* r = raw.reply("XRANGE analysis:results - +");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 1u);
  redisReply* fields = r->element[0]->element[1];
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) f[fields->element[i]->str] = fields->element[i + 1]->str;
  EXPECT_EQ(std::string(fields->element[0]->str), "symbol");  // the spec's order: symbol, rsi, macd, trend
  EXPECT_EQ(std::string(fields->element[2]->str), "rsi");
  EXPECT_EQ(std::string(fields->element[4]->str), "macd");
  EXPECT_EQ(std::string(fields->element[6]->str), "trend");
  EXPECT_EQ(f["symbol"], "RELIANCE");
  EXPECT_DOUBLE_EQ(std::stod(f["rsi"]), 65.2);
  EXPECT_DOUBLE_EQ(std::stod(f["macd"]), 12.5);
  EXPECT_EQ(f["trend"], "BULLISH");
  freeReplyObject(r);

  // ZADD market:gainers <pct> RELIANCE. The tick repeats the scorecard's ltp, so the score is the
  // scorecard's: 50.50 / 2800.00 = 1.8035714285714286 %.
  EXPECT_EQ(raw.str("TYPE market:gainers"), "zset");
  EXPECT_NEAR(std::stod(raw.str("ZSCORE market:gainers RELIANCE")), 1.8035714285714286, 1e-9);
}

TEST(RedisHotCache, RoundTripsTickCandleAndScorecard) {
  NIFTY_SHARED_REDIS(cfg, 2);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  const model::Tick t = spec_tick("TCS", 350005);
  const model::Candle c = spec_candle("TCS");
  const model::Scorecard s = spec_card("TCS");
  ASSERT_TRUE(cache->set_latest_tick(t).is_ok());
  ASSERT_TRUE(cache->set_current_candle(c).is_ok());
  ASSERT_TRUE(cache->set_scorecard(s).is_ok());
  ASSERT_TRUE(cache->flush(std::chrono::seconds(5)));
  ASSERT_TRUE(cache->backend_up());

  auto got = cache->latest_tick(model::Symbol("TCS"));
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_TRUE(got->has_value());
  const model::Tick& g = **got;
  EXPECT_EQ(g.symbol, t.symbol);
  EXPECT_EQ(g.token, t.token);
  EXPECT_EQ(g.last_price, t.last_price);
  EXPECT_EQ(g.cumulative_volume, t.cumulative_volume);
  EXPECT_EQ(g.last_quantity, t.last_quantity);
  EXPECT_EQ(g.bid, t.bid);
  EXPECT_EQ(g.ask, t.ask);
  EXPECT_EQ(g.exchange_time, t.exchange_time);
  EXPECT_EQ(g.receive_time, t.receive_time);
  EXPECT_EQ(g.sequence, t.sequence);
  EXPECT_EQ(g.volume_delta, t.volume_delta);

  auto gc = cache->current_candle(model::Symbol("TCS"));
  ASSERT_TRUE(gc.is_ok()) << gc.status().to_string();
  ASSERT_TRUE(gc->has_value());
  EXPECT_EQ((*gc)->start, c.start);
  EXPECT_EQ((*gc)->open, c.open);
  EXPECT_EQ((*gc)->high, c.high);
  EXPECT_EQ((*gc)->low, c.low);
  EXPECT_EQ((*gc)->close, c.close);
  EXPECT_EQ((*gc)->volume, c.volume);
  EXPECT_EQ((*gc)->trades, c.trades);
  EXPECT_EQ((*gc)->vwap, c.vwap);

  auto gs = cache->scorecard(model::Symbol("TCS"));
  ASSERT_TRUE(gs.is_ok()) << gs.status().to_string();
  ASSERT_TRUE(gs->has_value());
  EXPECT_EQ((*gs)->ltp, s.ltp);
  EXPECT_DOUBLE_EQ((*gs)->rsi, 65.2);
  EXPECT_EQ((*gs)->recommendation, model::Recommendation::kBuy);
  auto all = cache->scorecards();
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 1u);

  auto none = cache->latest_tick(model::Symbol("INFY"));
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
}

TEST(RedisHotCache, TrimsTheAnalysisStreamToAbout1000Entries) {
  NIFTY_SHARED_REDIS(cfg, 3);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  for (int i = 0; i < 5000; ++i) {
    auto s = spec_card("INFY");
    s.timestamp = core::Timestamp::from_seconds(kSpecTs + 60 * i);
    ASSERT_TRUE(cache->set_scorecard(s).is_ok());
  }
  ASSERT_TRUE(cache->flush(std::chrono::seconds(10)));
  RawRedis raw(cfg);
  long long len = std::atoll(raw.str("XLEN analysis:results").c_str());
  // MAXLEN ~ trims whole stream nodes (100 entries by default): at least 1000, under 1100.
  EXPECT_GE(len, 1000);
  EXPECT_LT(len, 1100);
}

TEST(RedisHotCache, PublishesTicksSignalsAndTheMarketViewToSubscribers) {
  NIFTY_SHARED_REDIS(cfg, 4);
  RawRedis sub(cfg);
  ASSERT_TRUE(sub.ok());
  redisReply* r = sub.reply("SUBSCRIBE tick:updates signal:alerts market:sentiment");
  ASSERT_NE(r, nullptr);
  freeReplyObject(r);
  for (int i = 0; i < 2; ++i) {  // the other two subscription confirmations
    void* more = nullptr;
    ASSERT_EQ(redisGetReply(sub.ctx(), &more), REDIS_OK);
    freeReplyObject(more);
  }
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  // A symbol of this test only: the channels are shared by every database.
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("PUBTEST", 285050)).is_ok());
  model::Signal sig;
  sig.id = "PUBTEST-20240118T0640Z-BUY";
  sig.symbol = model::Symbol("PUBTEST");
  sig.timestamp = core::Timestamp::from_seconds(kSpecTs);
  sig.action = model::Recommendation::kBuy;
  sig.price = model::Price::from_paise(350000);
  ASSERT_TRUE(cache->add_signal(sig).is_ok());
  model::MarketView view;
  view.timestamp = core::Timestamp::from_seconds(kSpecTs);
  view.advances = 5;
  view.declines = 2;
  view.stocks = 7;
  view.breadth_ratio = 2.5;
  view.sentiment = model::Sentiment::kBullish;
  ASSERT_TRUE(cache->set_market_view(view).is_ok());

  std::map<std::string, nlohmann::json> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    void* m = nullptr;
    if (redisGetReply(sub.ctx(), &m) != REDIS_OK) break;  // the 2 s socket timeout bounds each wait
    auto* msg = static_cast<redisReply*>(m);
    if (msg->type == REDIS_REPLY_ARRAY && msg->elements == 3) {
      std::string channel = msg->element[1]->str;
      auto j = nlohmann::json::parse(std::string(msg->element[2]->str, msg->element[2]->len));
      if (channel == "market:sentiment" || j.value("symbol", "") == "PUBTEST") got[channel] = j;
    }
    freeReplyObject(msg);
  }
  ASSERT_EQ(got.size(), 3u);
  // PUBLISH tick:updates '{"symbol":"RELIANCE","ltp":2850.50}'
  EXPECT_EQ(got["tick:updates"]["symbol"], "PUBTEST");
  EXPECT_DOUBLE_EQ(got["tick:updates"]["ltp"].get<double>(), 2850.50);
  // PUBLISH signal:alerts '{"action":"BUY","symbol":"TCS","price":3500}'
  EXPECT_EQ(got["signal:alerts"]["action"], "BUY");
  EXPECT_EQ(got["signal:alerts"]["symbol"], "PUBTEST");
  EXPECT_DOUBLE_EQ(got["signal:alerts"]["price"].get<double>(), 3500.0);
  // PUBLISH market:sentiment '{"overall":"BULLISH","breadth":2.5}'
  EXPECT_EQ(got["market:sentiment"]["overall"], "BULLISH");
  EXPECT_DOUBLE_EQ(got["market:sentiment"]["breadth"].get<double>(), 2.5);

  // Kept for reads too.
  auto v = cache->market_view();
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((*v)->sentiment, model::Sentiment::kBullish);
  auto sigs = cache->recent_signals(10);
  ASSERT_TRUE(sigs.is_ok()) << sigs.status().to_string();
  ASSERT_EQ(sigs->size(), 1u);
  EXPECT_EQ((*sigs)[0].id, sig.id);
}

TEST(RedisHotCache, MovesTheGainersBoardWithEachTickAgainstTheScorecardReference) {
  NIFTY_SHARED_REDIS(cfg, 5);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  // A: ltp 100.00, change +2.00 -> reference 98.00. B: ltp 200.00, change -4.00 -> reference 204.00.
  model::Scorecard a = spec_card("AAA");
  a.ltp = model::Price::from_paise(10000);
  a.change = 2.0;
  a.change_percent = 2.0 / 98.0 * 100.0;
  model::Scorecard b = spec_card("BBB");
  b.ltp = model::Price::from_paise(20000);
  b.change = -4.0;
  b.change_percent = -4.0 / 204.0 * 100.0;
  ASSERT_TRUE(cache->set_scorecard(a).is_ok());
  ASSERT_TRUE(cache->set_scorecard(b).is_ok());
  // Ticks: A to 99.00 -> (99-98)/98 = 1.0204081632653061 %; B to 210.12 -> (210.12-204)/204 = 3.0 %.
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("AAA", 9900)).is_ok());
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("BBB", 21012)).is_ok());
  // No scorecard yet: not on the board.
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("CCC", 5000)).is_ok());
  ASSERT_TRUE(cache->flush(std::chrono::seconds(5)));
  RawRedis raw(cfg);
  EXPECT_NEAR(std::stod(raw.str("ZSCORE market:gainers AAA")), 1.0204081632653061, 1e-9);
  EXPECT_NEAR(std::stod(raw.str("ZSCORE market:gainers BBB")), 3.0, 1e-9);
  EXPECT_EQ(raw.str("ZSCORE market:gainers CCC"), "(nil)");
  auto top = cache->top_gainers(10);
  ASSERT_TRUE(top.is_ok()) << top.status().to_string();
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].symbol, model::Symbol("BBB"));
  EXPECT_EQ((*top)[1].symbol, model::Symbol("AAA"));
}

TEST(RedisHotCache, KeepsRecentClosedCandlesPerSymbolAndInterval) {
  NIFTY_SHARED_REDIS(cfg, 6);
  cfg.recent_candles = 3;
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  auto at = [](int minute, int64_t close) {
    model::Candle c = spec_candle("WIPRO");
    c.interval = model::Interval::k5m;
    c.start = core::Timestamp::from_seconds(kSpecTs + 300 * minute);
    c.close = model::Price::from_paise(close);
    return c;
  };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cache->add_closed_candle(at(i, 284500 + i * 5)).is_ok());
  ASSERT_TRUE(cache->add_closed_candle(at(4, 285000)).is_ok());  // same start as the last: replaces it
  ASSERT_TRUE(cache->add_closed_candle(at(1, 100)).is_ok());     // older: ignored
  ASSERT_TRUE(cache->flush(std::chrono::seconds(5)));
  RawRedis raw(cfg);
  EXPECT_EQ(raw.str("TYPE candle:recent:5m:WIPRO"), "list");
  EXPECT_EQ(raw.str("LLEN candle:recent:5m:WIPRO"), "3");
  auto got = cache->recent_candles(model::Symbol("WIPRO"), model::Interval::k5m, 10);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].start, at(2, 0).start);
  EXPECT_EQ((*got)[2].start, at(4, 0).start);
  EXPECT_EQ((*got)[2].close.paise(), 285000);
  EXPECT_EQ((*got)[2].interval, model::Interval::k5m);
  auto one_m = cache->recent_candles(model::Symbol("WIPRO"), model::Interval::k1m, 10);
  ASSERT_TRUE(one_m.is_ok());
  EXPECT_TRUE(one_m->empty());
}

TEST(RedisHotCache, ClosedPortFailsWithAClearErrorInBoundedTime) {
  if (std::getenv("NIFTY_TEST_REDIS_DIR") == nullptr) GTEST_SKIP() << "NIFTY_TEST_REDIS_DIR is unset";
  RedisConfig cfg;
  cfg.port = testing::closed_port();
  auto t0 = std::chrono::steady_clock::now();
  auto r = RedisHotCache::open(cfg);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("127.0.0.1:" + std::to_string(cfg.port)), std::string::npos)
      << r.status().message();
  EXPECT_LT(elapsed, cfg.connect_timeout + std::chrono::seconds(1));

  // Not required at open: starts in fallback and still answers.
  cfg.require_at_open = false;
  auto fallback = RedisHotCache::open(cfg);
  ASSERT_TRUE(fallback.is_ok()) << fallback.status().to_string();
  EXPECT_FALSE((*fallback)->backend_up());
  ASSERT_TRUE((*fallback)->set_latest_tick(spec_tick("SBIN", 60000)).is_ok());
  auto t = (*fallback)->latest_tick(model::Symbol("SBIN"));
  ASSERT_TRUE(t.is_ok() && t->has_value());
  EXPECT_EQ((*t)->last_price.paise(), 60000);
}

TEST(RedisHotCache, RejectsAWrongOrMissingPasswordAsUnauthenticated) {
  if (std::getenv("NIFTY_TEST_REDIS_DIR") == nullptr) GTEST_SKIP() << "NIFTY_TEST_REDIS_DIR is unset";
  OwnRedis server("s3cret-test");
  ASSERT_TRUE(server.start());
  RedisConfig cfg = server.config();
  cfg.password_env = "NIFTY_REDIS_TEST_PASSWORD_UNDER_TEST";
  ::setenv(cfg.password_env.c_str(), "wrong", 1);
  auto wrong = RedisHotCache::open(cfg);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_EQ(wrong.status().code(), core::ErrorCode::kUnauthenticated) << wrong.status().to_string();
  EXPECT_EQ(wrong.status().message().find("wrong"), std::string::npos) << "the password must not be echoed";

  ::unsetenv(cfg.password_env.c_str());
  auto missing = RedisHotCache::open(cfg);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), core::ErrorCode::kUnauthenticated) << missing.status().to_string();
  EXPECT_NE(missing.status().message().find("NOAUTH"), std::string::npos);

  ::setenv(cfg.password_env.c_str(), "s3cret-test", 1);
  auto right = RedisHotCache::open(cfg);
  EXPECT_TRUE(right.is_ok()) << right.status().to_string();
  ::unsetenv(cfg.password_env.c_str());
}

TEST(RedisHotCache, FallsBackToMemoryWhileRedisIsDownAndWritesItsStateBack) {
  if (std::getenv("NIFTY_TEST_REDIS_DIR") == nullptr) GTEST_SKIP() << "NIFTY_TEST_REDIS_DIR is unset";
  OwnRedis server;
  ASSERT_TRUE(server.start());
  RedisConfig cfg = server.config();
  cfg.reconnect_initial = std::chrono::milliseconds(20);
  cfg.reconnect_max = std::chrono::milliseconds(200);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  auto& up_gauge = core::MetricsRegistry::global().gauge("cache_backend_up", "", {{"backend", "redis"}});
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("HDFCBANK", 160000)).is_ok());
  ASSERT_TRUE(cache->flush(std::chrono::seconds(5)));
  EXPECT_EQ(up_gauge.value(), 1.0);

  ASSERT_TRUE(server.kill());
  // Setters keep succeeding; the writer notices the outage (a write fails or the heartbeat does).
  int64_t price = 160000;
  ASSERT_TRUE(eventually([&] {
    price += 5;
    EXPECT_TRUE(cache->set_latest_tick(spec_tick("HDFCBANK", price)).is_ok());
    return !cache->backend_up();
  }));
  EXPECT_EQ(up_gauge.value(), 0.0);
  EXPECT_GE(cache->stats().outages, 1u);
  price += 5;
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("HDFCBANK", price)).is_ok());
  ASSERT_TRUE(cache->set_current_candle(spec_candle("HDFCBANK")).is_ok());
  auto t = cache->latest_tick(model::Symbol("HDFCBANK"));
  ASSERT_TRUE(t.is_ok() && t->has_value()) << t.status().to_string();
  EXPECT_EQ((*t)->last_price.paise(), price);  // from memory

  ASSERT_TRUE(server.start());
  ASSERT_TRUE(eventually([&] { return cache->backend_up(); }, std::chrono::seconds(15)));
  EXPECT_EQ(up_gauge.value(), 1.0);
  EXPECT_GE(cache->stats().reconnects, 1u);
  // The outage's writes reached Redis: the resync wrote memory's state (the server came back empty).
  RawRedis raw(cfg);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(eventually([&] { return raw.str("EXISTS candle:current:HDFCBANK") == "1"; }));
  auto j = nlohmann::json::parse(raw.str("GET tick:latest:HDFCBANK"));
  EXPECT_EQ(model::Price::from_rupees(j["ltp"].get<double>()).paise(), price);
  // And new writes go to Redis again.
  ASSERT_TRUE(cache->set_latest_tick(spec_tick("ITC", 45000)).is_ok());
  ASSERT_TRUE(eventually([&] { return raw.str("EXISTS tick:latest:ITC") == "1"; }));
}

// A key record as the gateway caches it; the hash is SHA-256("abc") (FIPS 180-2, appendix B.1),
// written out here so the test does not depend on the gateway's hashing.
constexpr std::string_view kAbcSha256Hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

ApiKeyHash abc_hash() {
  ApiKeyHash h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(std::stoi(std::string(kAbcSha256Hex.substr(2 * i, 2)), nullptr, 16));
  return h;
}

ApiKey abc_record() {
  ApiKey k;
  k.id = "k_abc";
  k.key_hash = abc_hash();
  k.label = "alice's script";
  k.tier = "premium";
  k.rate_per_second = 50.0;
  k.burst = 75;
  k.created_at = core::Timestamp::from_seconds(kSpecTs);
  return k;
}

TEST(RedisHotCache, CachesApiKeyRecordsUnderTheirHashWithTheTtl) {
  NIFTY_SHARED_REDIS(cfg, 8);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  const std::string name = "api_key:" + std::string(kAbcSha256Hex);
  ApiKey rec = abc_record();
  ASSERT_TRUE(cache->set_api_key(abc_hash(), rec, std::chrono::seconds(300)).is_ok());
  // Synchronous: in Redis when set_api_key returns, no flush needed.
  RawRedis raw(cfg);
  EXPECT_EQ(raw.str("TYPE %s", name.c_str()), "string");
  long long ttl = std::atoll(raw.str("TTL %s", name.c_str()).c_str());
  EXPECT_GT(ttl, 290);
  EXPECT_LE(ttl, 300);
  EXPECT_EQ(raw.str("DBSIZE"), "1");  // nothing else written, under no other name
  auto j = nlohmann::json::parse(raw.str("GET %s", name.c_str()));
  EXPECT_EQ(j["id"], "k_abc");
  EXPECT_EQ(j["key_sha256"], std::string(kAbcSha256Hex));
  EXPECT_EQ(j["tier"], "premium");
  EXPECT_EQ(j["burst"], 75);
  EXPECT_TRUE(j["revoked_at_ns"].is_null());

  auto got = cache->api_key(abc_hash());
  ASSERT_TRUE(got.is_ok() && got->has_value()) << got.status().to_string();
  EXPECT_EQ(**got, rec);

  // A revoked record round-trips its revocation time.
  rec.revoked_at = core::Timestamp::from_nanos(kSpecTs * 1'000'000'000 + 5);
  ASSERT_TRUE(cache->set_api_key(abc_hash(), rec, std::chrono::seconds(60)).is_ok());
  got = cache->api_key(abc_hash());
  ASSERT_TRUE(got.is_ok() && got->has_value()) << got.status().to_string();
  EXPECT_EQ(**got, rec);

  ASSERT_TRUE(cache->drop_api_key(abc_hash()).is_ok());
  EXPECT_EQ(raw.str("EXISTS %s", name.c_str()), "0");
  got = cache->api_key(abc_hash());
  ASSERT_TRUE(got.is_ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(cache->drop_api_key(abc_hash()).is_ok());  // nothing there: still ok

  EXPECT_EQ(cache->set_api_key(abc_hash(), rec, std::chrono::seconds(0)).code(), core::ErrorCode::kInvalidArgument);

  // A record Redis expired is gone (EX 1: the server's own clock).
  ASSERT_TRUE(cache->set_api_key(abc_hash(), abc_record(), std::chrono::seconds(1)).is_ok());
  EXPECT_TRUE(eventually([&] {
    auto r = cache->api_key(abc_hash());
    return r.is_ok() && !r->has_value();
  }, std::chrono::seconds(5)));

  // Something else under the name is a clear parse error naming the key, not a crash.
  ASSERT_EQ(raw.str("SET %s %s", name.c_str(), "{\"id\":7}"), "OK");
  got = cache->api_key(abc_hash());
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), core::ErrorCode::kParseError);
  EXPECT_NE(got.status().message().find(name), std::string::npos) << got.status().message();
}

TEST(RedisHotCache, ApiKeyRecordsComeFromMemoryWhileRedisIsDownAndADropSaysItCouldNotReachIt) {
  if (std::getenv("NIFTY_TEST_REDIS_DIR") == nullptr) GTEST_SKIP() << "NIFTY_TEST_REDIS_DIR is unset";
  OwnRedis server;
  ASSERT_TRUE(server.start());
  RedisConfig cfg = server.config();
  cfg.reconnect_initial = std::chrono::milliseconds(20);
  cfg.reconnect_max = std::chrono::milliseconds(200);
  auto cache = open_or_die(cfg);
  ASSERT_TRUE(cache);
  ASSERT_TRUE(cache->set_api_key(abc_hash(), abc_record(), std::chrono::seconds(300)).is_ok());
  ASSERT_TRUE(server.kill());
  ASSERT_TRUE(eventually([&] { return !cache->backend_up(); }));
  auto got = cache->api_key(abc_hash());
  ASSERT_TRUE(got.is_ok() && got->has_value()) << got.status().to_string();
  EXPECT_EQ((*got)->id, "k_abc");
  core::Status dropped = cache->drop_api_key(abc_hash());
  EXPECT_EQ(dropped.code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(dropped.message().find("api_key:" + std::string(kAbcSha256Hex)), std::string::npos) << dropped.message();
  got = cache->api_key(abc_hash());  // the memory copy went
  ASSERT_TRUE(got.is_ok());
  EXPECT_FALSE(got->has_value());
}

}  // namespace
}  // namespace nifty::store
