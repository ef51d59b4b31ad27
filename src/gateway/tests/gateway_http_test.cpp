// Gateway REST routes over real HTTP (net::http_request against a gateway on port 0): every route
// and every error code, auth, rate limits, validation, /health, /metrics, /docs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway_fixture.h"
#include "model/json_codec.h"

namespace nifty::gateway {
namespace {

using nlohmann::json;
using testing::GatewayFixture;
using testing::kPremiumKey;
using testing::kRevokedKey;
using testing::kStandardKey;

json body_of(const net::HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.body;
  return j;
}

model::Scorecard reliance_scorecard(core::Timestamp t) {
  model::Scorecard s;
  s.symbol = model::Symbol("RELIANCE");
  s.timestamp = t;
  s.ltp = model::Price::from_paise(285050);  // 2850.50 rupees
  s.change = 12.0;
  s.change_percent = 0.42;
  s.rsi = 65.25;
  s.macd = {12.5, 10.25, 2.25};
  s.ema50 = 2840.0;
  s.ema100 = 2820.0;
  s.ema200 = 2800.0;
  s.bollinger = {2860.0, 2850.0, 2840.0};
  s.trend_score = 3.5;
  s.momentum_score = 4.0;
  s.composite_score = 3.75;
  s.ai = {0.82, 0.88, "v1-heuristic"};
  s.recommendation = model::Recommendation::kStrongBuy;
  s.latency_ns = 85'400'000;  // 85.4 ms -> latency_ms 85
  return s;
}

model::Candle candle(const char* sym, int64_t start_s, int64_t close_paise) {
  model::Candle c;
  c.symbol = model::Symbol(sym);
  c.start = core::Timestamp::from_seconds(start_s);
  c.open = model::Price::from_paise(close_paise - 100);
  c.high = model::Price::from_paise(close_paise + 100);
  c.low = model::Price::from_paise(close_paise - 200);
  c.close = model::Price::from_paise(close_paise);
  c.volume = 1000;
  c.trades = 3;
  c.vwap = model::Price::from_paise(close_paise);
  return c;
}

class GatewayHttp : public GatewayFixture {};

TEST_F(GatewayHttp, AnalyzeAnswersTheSpecShape) {
  // Scorecard of the 05:31:00Z candle; the clock reads 05:31:00Z + 2 s -> data_age_seconds 2.
  ASSERT_TRUE(cache_.set_scorecard(reliance_scorecard(clock_.now())).is_ok());
  clock_.advance_to(clock_.now() + 2 * core::kNanosPerSecond);
  auto r = get("/api/v1/analyze?symbol=RELIANCE");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.header("Content-Type").find("application/json"), std::string_view::npos);
  json j = body_of(r);
  EXPECT_EQ(j["status"], "success");
  const json& d = j["data"];
  EXPECT_EQ(d["symbol"], "RELIANCE");
  EXPECT_EQ(d["timestamp"], "2024-01-25T05:31:00Z");
  EXPECT_DOUBLE_EQ(d["ltp"].get<double>(), 2850.5);
  EXPECT_DOUBLE_EQ(d["change_percent"].get<double>(), 0.42);
  EXPECT_DOUBLE_EQ(d["indicators"]["rsi"].get<double>(), 65.25);
  EXPECT_DOUBLE_EQ(d["indicators"]["macd"]["histogram"].get<double>(), 2.25);
  EXPECT_DOUBLE_EQ(d["indicators"]["emas"]["100"].get<double>(), 2820.0);
  EXPECT_DOUBLE_EQ(d["indicators"]["bollinger"]["lower"].get<double>(), 2840.0);
  EXPECT_DOUBLE_EQ(d["scores"]["composite"].get<double>(), 3.75);
  EXPECT_DOUBLE_EQ(d["ai"]["confidence"].get<double>(), 0.88);
  EXPECT_EQ(d["ai"]["model_version"], "v1-heuristic");
  EXPECT_EQ(d["recommendation"], "STRONG_BUY");
  EXPECT_EQ(d["meta"]["latency_ms"], 85);
  EXPECT_EQ(d["meta"]["data_age_seconds"], 2);
  EXPECT_FALSE(r.header("X-Request-Id").empty());
}

TEST_F(GatewayHttp, AnalyzeValidatesTheSymbol) {
  auto r = get("/api/v1/analyze");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["error"]["code"], "bad_parameter");
  EXPECT_NE(r.body.find("'symbol'"), std::string::npos);
  r = get("/api/v1/analyze?symbol=NOTASTOCK");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body_of(r)["error"]["code"], "unknown_symbol");
  r = get("/api/v1/analyze?symbol=TCS");  // known, but nothing analysed yet
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body_of(r)["error"]["code"], "no_data");
  r = get("/api/v1/analyze?symbol=TCS&colour=red");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("'colour'"), std::string::npos);
  r = get("/api/v1/analyze?symbol=%ZZ");
  EXPECT_EQ(r.status, 400);
}

TEST_F(GatewayHttp, AnalyzeMarketAndGainers) {
  auto r = get("/api/v1/analyze/market");
  EXPECT_EQ(r.status, 404);
  model::MarketView v;
  v.timestamp = clock_.now();
  v.stocks = 2;
  v.advances = 1;
  v.declines = 1;
  v.breadth_ratio = 1.0;
  v.sentiment = model::Sentiment::kBullish;
  ASSERT_TRUE(cache_.set_market_view(v).is_ok());
  r = get("/api/v1/analyze/market");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["data"]["overall"], "BULLISH");
  EXPECT_EQ(j["data"]["advances"], 1);

  // Two scorecards: TCS +2.1 %, INFY -1.0 % -> the board holds only TCS.
  auto tcs = reliance_scorecard(clock_.now());
  tcs.symbol = model::Symbol("TCS");
  tcs.change_percent = 2.1;
  auto infy = tcs;
  infy.symbol = model::Symbol("INFY");
  infy.change_percent = -1.0;
  ASSERT_TRUE(cache_.set_scorecard(tcs).is_ok());
  ASSERT_TRUE(cache_.set_scorecard(infy).is_ok());
  r = get("/api/v1/market/gainers?limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  j = body_of(r);
  ASSERT_EQ(j["data"]["gainers"].size(), 1u);
  EXPECT_EQ(j["data"]["gainers"][0]["symbol"], "TCS");
  EXPECT_DOUBLE_EQ(j["data"]["gainers"][0]["change_percent"].get<double>(), 2.1);
  EXPECT_EQ(get("/api/v1/market/gainers?limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/market/gainers?limit=ten").status, 400);
}

TEST_F(GatewayHttp, CandlesByRangeAndLast) {
  // Five 1m candles 05:00..05:04Z in the store, closes 100.00 .. 104.00 rupees.
  const int64_t t0 = 1'706'158'800;  // 2024-01-25T05:00:00Z
  std::vector<model::Candle> cs;
  for (int i = 0; i < 5; ++i) cs.push_back(candle("INFY", t0 + 60 * i, 10000 + 100 * i));
  ASSERT_TRUE(candles_.upsert(cs).is_ok());

  // [05:01, 05:03) -> the 05:01 and 05:02 candles.
  auto r = get("/api/v1/candles?symbol=INFY&interval=1m&from=2024-01-25T05:01:00Z&to=" + std::to_string(t0 + 180));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  ASSERT_EQ(j["data"]["candles"].size(), 2u);
  EXPECT_EQ(j["data"]["candles"][0]["time"], "2024-01-25T05:01:00Z");
  EXPECT_DOUBLE_EQ(j["data"]["candles"][1]["close"].get<double>(), 102.0);

  // The last 2 (cache-aside through the hot cache): 05:03 and 05:04, oldest first.
  r = get("/api/v1/candles?symbol=INFY&limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  j = body_of(r);
  ASSERT_EQ(j["data"]["candles"].size(), 2u);
  EXPECT_EQ(j["data"]["candles"][0]["time"], "2024-01-25T05:03:00Z");
  EXPECT_DOUBLE_EQ(j["data"]["candles"][1]["close"].get<double>(), 104.0);
  EXPECT_EQ(j["data"]["interval"], "1m");

  // Only 1m candles exist: 5m is empty, not an error.
  r = get("/api/v1/candles?symbol=INFY&interval=5m");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(body_of(r)["data"]["candles"].empty());

  r = get("/api/v1/candles?symbol=INFY&interval=2m");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("'interval'"), std::string::npos);
  r = get("/api/v1/candles?symbol=INFY&from=yesterday");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("'from'"), std::string::npos);
  r = get("/api/v1/candles?symbol=INFY&from=200&to=100");
  EXPECT_EQ(r.status, 400);
  r = get("/api/v1/candles?symbol=INFY&limit=999999");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("'limit'"), std::string::npos);
  EXPECT_EQ(get("/api/v1/candles?symbol=NOPE").status, 404);
}

TEST_F(GatewayHttp, SignalsSinceAndBySymbol) {
  auto make = [](const char* sym, int64_t t) {
    model::Signal s;
    s.symbol = model::Symbol(sym);
    s.timestamp = core::Timestamp::from_seconds(t);
    s.provenance.candle_time = s.timestamp;
    s.action = model::Recommendation::kBuy;
    s.price = model::Price::from_paise(350000);
    s.confidence = 0.5;
    s.id = std::string(sym) + "-" + std::to_string(t) + "-BUY";
    return s;
  };
  ASSERT_TRUE(signals_.append(make("TCS", 1'706'158'800)).is_ok());
  ASSERT_TRUE(signals_.append(make("INFY", 1'706'158'860)).is_ok());
  ASSERT_TRUE(signals_.append(make("TCS", 1'706'158'920)).is_ok());
  auto r = get("/api/v1/signals?since=1706158860");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  ASSERT_EQ(j["data"]["signals"].size(), 2u);
  EXPECT_EQ(j["data"]["signals"][0]["symbol"], "INFY");
  r = get("/api/v1/signals?since=1706158000&symbol=TCS&limit=1");
  ASSERT_EQ(r.status, 200);
  j = body_of(r);
  ASSERT_EQ(j["data"]["signals"].size(), 1u);
  EXPECT_EQ(j["data"]["signals"][0]["time"], "2024-01-25T05:02:00Z");
  EXPECT_EQ(get("/api/v1/signals?since=noon").status, 400);
  EXPECT_EQ(get("/api/v1/signals?symbol=XYZ").status, 404);
}

TEST_F(GatewayHttp, KeysMissingWrongAndRevokedGet401) {
  for (const char* key : {static_cast<const char*>(nullptr), "nk_wrong", kRevokedKey}) {
    auto r = get("/api/v1/market/gainers", key);
    EXPECT_EQ(r.status, 401) << (key ? key : "(none)");
    EXPECT_EQ(body_of(r)["error"]["code"], "unauthenticated");
    EXPECT_EQ(r.body.find(key ? key : "\x01"), std::string::npos) << "the key must not be echoed";
  }
  EXPECT_EQ(get("/api/v1/market/gainers", kStandardKey).status, 200);
}

TEST_F(GatewayHttp, StandardKeyIsLimitedAtItsRateWith429AndRetryAfter) {
  // Standard: burst 10 at a frozen clock -> exactly 10 pass, the 11th is 429; a refill of 1/10 s
  // buys one more request.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(get("/api/v1/market/gainers", kStandardKey).status, 200) << i;
  auto r = get("/api/v1/market/gainers", kStandardKey);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_EQ(body_of(r)["error"]["code"], "rate_limited");
  // Other keys are unaffected.
  EXPECT_EQ(get("/api/v1/market/gainers", kPremiumKey).status, 200);
  clock_.advance_to(clock_.now() + 100 * core::kNanosPerMilli);
  EXPECT_EQ(get("/api/v1/market/gainers", kStandardKey).status, 200);
  EXPECT_EQ(get("/api/v1/market/gainers", kStandardKey).status, 429);
}

TEST_F(GatewayHttp, PremiumKeyGetsFiftyPerSecond) {
  // Premium: burst 50, then 50 per second: over 1 s at 10 ms steps (100 requests, t = 0..0.99 s)
  // 50 + floor(0.99 * 50) = 99 pass.
  int ok = 0, limited = 0;
  for (int i = 0; i < 100; ++i) {
    int s = get("/health/live", kPremiumKey).status;  // open route: not limited
    ASSERT_EQ(s, 200);
    s = get("/api/v1/market/gainers", kPremiumKey).status;
    (s == 200 ? ok : limited)++;
    clock_.advance_to(clock_.now() + 10 * core::kNanosPerMilli);
  }
  EXPECT_EQ(ok, 99);
  EXPECT_EQ(limited, 1);
}

TEST_F(GatewayHttp, HealthReportsReadinessOfEachDependency) {
  auto r = get("/health", nullptr);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["ready"], true);
  EXPECT_EQ(j["checks"]["store"]["ok"], true);
  store_ok_ = false;
  r = get("/health", nullptr);
  EXPECT_EQ(r.status, 503);
  j = body_of(r);
  EXPECT_EQ(j["live"], true);
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["checks"]["store"]["ok"], false);
  EXPECT_EQ(j["checks"]["cache"]["ok"], true);
}

TEST_F(GatewayHttp, MetricsArePrometheusText) {
  EXPECT_EQ(get("/api/v1/analyze?symbol=NOPE").status, 404);
  auto r = get("/metrics", nullptr);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Content-Type").find("text/plain"), std::string_view::npos);
  EXPECT_NE(r.body.find("# TYPE gateway_http_requests_total counter"), std::string::npos);
  EXPECT_NE(r.body.find("gateway_http_requests_total{route=\"/api/v1/analyze\",status=\"404\"}"), std::string::npos);
}

TEST_F(GatewayHttp, UnknownRouteAndWrongMethod) {
  auto r = get("/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body_of(r)["error"]["code"], "not_found");
  net::HttpRequest post;
  post.method = "POST";
  post.url = "http://127.0.0.1:" + std::to_string(gateway_->port()) + "/api/v1/analyze";
  post.body = "{}";
  auto p = net::http_request(post);
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->status, 405);
  EXPECT_EQ(p->header("Allow"), "GET");
}

TEST_F(GatewayHttp, DocsDescribeEveryRouteTheRouterServes) {
  auto r = get("/docs/openapi.json", nullptr);
  ASSERT_EQ(r.status, 200);
  json doc = body_of(r);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  // Every documented path answers something other than the router's 404 "not_found".
  ASSERT_GE(doc["paths"].size(), 10u);
  for (const auto& [path, ops] : doc["paths"].items()) {
    auto resp = get(path);
    if (resp.status == 404) {
      EXPECT_NE(body_of(resp)["error"]["code"], "not_found") << path;
    }
    for (const auto& [method, op] : ops.items()) EXPECT_EQ(method, "get");
  }
  // Parameters documented for candles are the ones the router accepts.
  bool has_interval = false;
  for (const auto& p : doc["paths"]["/api/v1/candles"]["get"]["parameters"]) has_interval |= p["name"] == "interval";
  EXPECT_TRUE(has_interval);
  auto html = get("/docs", nullptr);
  EXPECT_EQ(html.status, 200);
  EXPECT_NE(html.body.find("/api/v1/candles"), std::string::npos);
}

TEST_F(GatewayHttp, AuthCanBeDisabledForLocalUse) {
  gateway_->stop();
  gateway_.reset();
  start_gateway([](GatewayConfig& c) { c.auth_enabled = false; });
  EXPECT_EQ(get("/api/v1/market/gainers", nullptr).status, 200);
}

TEST_F(GatewayHttp, MetricsCanBeClosed) {
  gateway_->stop();
  gateway_.reset();
  start_gateway([](GatewayConfig& c) { c.open_metrics = false; });
  EXPECT_EQ(get("/metrics", nullptr).status, 401);
  EXPECT_EQ(get("/metrics", kPremiumKey).status, 200);
}

}  // namespace
}  // namespace nifty::gateway
