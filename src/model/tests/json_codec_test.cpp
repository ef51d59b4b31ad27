#include "model/json_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace nifty::model {
namespace {

// 1705560000000 ms = 2024-01-18T06:40:00Z; 1706178600 s = 2024-01-25T10:30:00Z (Python datetime).
constexpr int64_t kSpecTickMillis = 1705560000000;
constexpr int64_t k20240125T1030Z = 1706178600;

Tick spec_tick() {
  Tick t;
  t.token = 26000;
  t.symbol = Symbol("RELIANCE");
  t.last_price = Price::from_paise(285050);
  t.cumulative_volume = 1500;
  t.bid = Price::from_paise(285025);
  t.ask = Price::from_paise(285075);
  t.exchange_time = core::Timestamp::from_millis(kSpecTickMillis);
  t.receive_time = t.exchange_time;
  t.sequence = 12345;
  t.exchange = Exchange::kNse;
  return t;
}

// The spec's raw-ticks example (system-architecture.md, "Kafka Messages"), whitespace removed.
constexpr const char* kSpecTickJson =
    R"({"token":"26000","symbol":"RELIANCE","ltp":2850.5,"volume":1500,"bid":2850.25,"ask":2850.75,)"
    R"("timestamp":1705560000000,"sequence":12345,"exchange":"NSE"})";

// The spec's market_candles example, whitespace removed.
constexpr const char* kSpecCandleJson =
    R"({"time":"2024-01-25T10:30:00Z","symbol":"RELIANCE","open":2845.0,"high":2851.0,"low":2844.0,)"
    R"("close":2850.5,"volume":150000,"trades":350,"vwap":2847.8})";

Candle spec_candle() {
  Candle c;
  c.symbol = Symbol("RELIANCE");
  c.start = core::Timestamp::from_seconds(k20240125T1030Z);
  c.open = Price::from_paise(284500);
  c.high = Price::from_paise(285100);
  c.low = Price::from_paise(284400);
  c.close = Price::from_paise(285050);
  c.volume = 150000;
  c.trades = 350;
  c.vwap = Price::from_paise(284780);
  return c;
}

TEST(JsonCodec, EncodesTheSpecTickExactly) { EXPECT_EQ(encode_tick(spec_tick()), kSpecTickJson); }

TEST(JsonCodec, DecodesTheSpecTick) {
  auto t = decode_tick(kSpecTickJson);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->token, 26000u);
  EXPECT_EQ(t->symbol, Symbol("RELIANCE"));
  EXPECT_EQ(t->last_price.paise(), 285050);
  EXPECT_EQ(t->cumulative_volume, 1500);
  EXPECT_EQ(t->bid.paise(), 285025);
  EXPECT_EQ(t->ask.paise(), 285075);
  EXPECT_EQ(t->exchange_time.millis(), kSpecTickMillis);
  EXPECT_EQ(t->receive_time, t->exchange_time);
  EXPECT_EQ(t->sequence, 12345u);
  EXPECT_EQ(t->exchange, Exchange::kNse);
  EXPECT_EQ(t->last_quantity, 0);
}

TEST(JsonCodec, TickExtrasAppearOnlyWhenNeeded) {
  Tick t = spec_tick();
  t.last_quantity = 25;
  t.receive_time = t.exchange_time + 3 * core::kNanosPerMilli;
  EXPECT_EQ(encode_tick(t), std::string(kSpecTickJson, std::string_view(kSpecTickJson).size() - 1) +
                                R"(,"last_quantity":25,"receive_timestamp":1705560000003})");
}

TEST(JsonCodec, AppendFormOfEncodeTickAppends) {
  std::string out = "x";
  encode_tick(spec_tick(), out);
  EXPECT_EQ(out, std::string("x") + kSpecTickJson);
}

TEST(JsonCodec, PricesArePrintedExactlyFromPaise) {
  auto p = [](int64_t paise) {
    std::string s;
    append_price(s, Price::from_paise(paise));
    return s;
  };
  EXPECT_EQ(p(285050), "2850.5");
  EXPECT_EQ(p(285000), "2850.0");
  EXPECT_EQ(p(285005), "2850.05");
  EXPECT_EQ(p(285099), "2850.99");
  EXPECT_EQ(p(5), "0.05");
  EXPECT_EQ(p(0), "0.0");
  EXPECT_EQ(p(-150), "-1.5");
  // 0.1 + 0.2 rupees as a double would print 0.30000000000000004.
  EXPECT_EQ(p(Price::from_rupees(0.1 + 0.2).paise()), "0.3");
}

TEST(JsonCodec, DoublesAreShortestWithAPointAndNullWhenNotFinite) {
  auto d = [](double v) {
    std::string s;
    append_double(s, v);
    return s;
  };
  EXPECT_EQ(d(65.2), "65.2");
  EXPECT_EQ(d(2840.0), "2840.0");
  EXPECT_EQ(d(-3.5), "-3.5");
  EXPECT_EQ(d(0.0), "0.0");
  EXPECT_EQ(d(kNaN), "null");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(nlohmann::json::parse(d(1e300)).get<double>(), 1e300);
}

TEST(JsonCodec, TickRoundTripsLosslessly) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    Tick t;
    t.token = static_cast<uint32_t>(rng());
    t.symbol = Symbol(i % 2 ? "M&M" : "BAJAJ-AUTO");
    t.exchange = i % 3 ? Exchange::kNse : Exchange::kBse;
    t.last_price = Price::from_paise(static_cast<int64_t>(rng() % 10'000'000) + 1);
    t.cumulative_volume = static_cast<int64_t>(rng() % 100'000'000);
    t.last_quantity = static_cast<int64_t>(rng() % 3 == 0 ? 0 : rng() % 5000);
    t.bid = Price::from_paise(static_cast<int64_t>(rng() % 10'000'000));
    t.ask = Price::from_paise(static_cast<int64_t>(rng() % 10'000'000));
    t.exchange_time = core::Timestamp::from_millis(1'700'000'000'000 + static_cast<int64_t>(rng() % 1'000'000'000));
    t.receive_time = i % 4 == 0 ? t.exchange_time
                                : core::Timestamp::from_millis(t.exchange_time.millis() + static_cast<int64_t>(rng() % 50));
    if (i == 5) t.receive_time = core::Timestamp();  // unknown receive time survives too
    t.sequence = rng();
    auto back = decode_tick(encode_tick(t));
    ASSERT_TRUE(back.is_ok()) << back.status().to_string() << " " << encode_tick(t);
    EXPECT_EQ(back->token, t.token);
    EXPECT_EQ(back->symbol, t.symbol);
    EXPECT_EQ(back->exchange, t.exchange);
    EXPECT_EQ(back->last_price, t.last_price);
    EXPECT_EQ(back->cumulative_volume, t.cumulative_volume);
    EXPECT_EQ(back->last_quantity, t.last_quantity);
    EXPECT_EQ(back->bid, t.bid);
    EXPECT_EQ(back->ask, t.ask);
    EXPECT_EQ(back->exchange_time, t.exchange_time);
    EXPECT_EQ(back->receive_time, t.receive_time);
    EXPECT_EQ(back->sequence, t.sequence);
  }
}

TEST(JsonCodec, SymbolsAreEscaped) {
  Tick t = spec_tick();
  t.symbol = Symbol("A\"B\\C");
  std::string s = encode_tick(t);
  EXPECT_NE(s.find(R"("symbol":"A\"B\\C")"), std::string::npos);
  auto back = decode_tick(s);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->symbol, t.symbol);
}

struct BadTick {
  std::string json;
  std::string mentions;
};

TEST(JsonCodec, MalformedTicksGiveErrorsNamingTheField) {
  const std::string ok = kSpecTickJson;
  auto with = [&](const std::string& field, const std::string& value) {
    nlohmann::json j = nlohmann::json::parse(ok);
    j[field] = nlohmann::json::parse(value);
    return j.dump();
  };
  auto without = [&](const std::string& field) {
    nlohmann::json j = nlohmann::json::parse(ok);
    j.erase(field);
    return j.dump();
  };
  const BadTick cases[] = {
      {"", "malformed JSON"},
      {"{\"token\":", "malformed JSON"},
      {"[1,2]", "want a JSON object"},
      {without("ltp"), "'ltp'"},
      {without("symbol"), "'symbol'"},
      {without("volume"), "'volume'"},
      {without("timestamp"), "'timestamp'"},
      {without("token"), "'token'"},
      {with("ltp", "\"2850.5\""), "'ltp'"},
      {with("ltp", "-1.5"), "'ltp'"},
      {with("ltp", "2850.505"), "'ltp'"},
      {R"({"token":"1","symbol":"X","ltp":1e400,"volume":1,"timestamp":1})", "malformed JSON"},  // overflows a double
      {with("ltp", "1e300"), "'ltp'"},
      {with("bid", "-0.05"), "'bid'"},
      {with("volume", "-1"), "'volume'"},
      {with("volume", "1.5"), "'volume'"},
      {with("timestamp", "\"2024-01-18T06:40:00Z\""), "'timestamp'"},
      {with("token", "\"abc\""), "'token'"},
      {with("token", "\"99999999999\""), "'token'"},
      {with("symbol", "\"\""), "'symbol'"},
      {with("symbol", "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ\""), "'symbol'"},
      {with("symbol", "7"), "'symbol'"},
      {with("exchange", "\"XYZ\""), "'exchange'"},
      {with("sequence", "-3"), "'sequence'"},
  };
  for (const auto& c : cases) {
    auto r = decode_tick(c.json);
    ASSERT_FALSE(r.is_ok()) << c.json;
    EXPECT_EQ(r.status().code(), core::ErrorCode::kParseError);
    EXPECT_EQ(r.status().message().rfind("raw-ticks: ", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(c.mentions), std::string::npos) << r.status().message();
  }
}

TEST(JsonCodec, EncodesTheSpecCandleExactly) { EXPECT_EQ(encode_candle(spec_candle()), kSpecCandleJson); }

TEST(JsonCodec, CandleIntervalOnlyWhenNotOneMinute) {
  Candle c = spec_candle();
  c.interval = Interval::k5m;
  std::string s = encode_candle(c);
  EXPECT_EQ(s, std::string(kSpecCandleJson, std::string_view(kSpecCandleJson).size() - 1) + R"(,"interval":"5m"})");
  auto back = decode_candle(s);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->interval, Interval::k5m);
}

TEST(JsonCodec, CandleRoundTrips) {
  auto back = decode_candle(kSpecCandleJson);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  const Candle c = spec_candle();
  EXPECT_EQ(back->symbol, c.symbol);
  EXPECT_EQ(back->interval, Interval::k1m);
  EXPECT_EQ(back->start, c.start);
  EXPECT_EQ(back->open, c.open);
  EXPECT_EQ(back->high, c.high);
  EXPECT_EQ(back->low, c.low);
  EXPECT_EQ(back->close, c.close);
  EXPECT_EQ(back->volume, c.volume);
  EXPECT_EQ(back->trades, c.trades);
  EXPECT_EQ(back->vwap, c.vwap);
  EXPECT_EQ(encode_candle(*back), kSpecCandleJson);
}

TEST(JsonCodec, MalformedCandlesAreRejected) {
  for (const char* bad : {
           R"({"time":"yesterday","symbol":"X","open":1,"high":1,"low":1,"close":1,"volume":1})",
           R"({"time":"2024-01-25T10:30:00Z","symbol":"X","open":1,"high":1,"low":1,"volume":1})",
           R"({"time":"2024-01-25T10:30:00Z","symbol":"X","open":1,"high":1,"low":-1,"close":1,"volume":1})",
           R"({"time":"2024-01-25T10:30:00Z","symbol":"X","open":1,"high":1,"low":1,"close":1,"volume":1,"interval":"7m"})",
           R"({"time":1706178600,"symbol":"X","open":1,"high":1,"low":1,"close":1,"volume":1})",
       }) {
    auto r = decode_candle(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("market_candles: ", 0), 0u) << r.status().message();
  }
}

Scorecard spec_scorecard() {
  // The spec's analysis_updates example; ema100 absent there, so NaN.
  Scorecard s;
  s.symbol = Symbol("RELIANCE");
  s.timestamp = core::Timestamp::from_seconds(k20240125T1030Z + 60);  // 10:31:00Z
  s.ltp = Price::from_paise(285050);
  s.rsi = 65.2;
  s.macd = {12.5, 10.2, 2.3};
  s.ema50 = 2840.0;
  s.ema200 = 2800.0;
  s.trend_score = 3.5;
  s.ai.prediction = 0.82;
  s.ai.confidence = 0.88;
  s.recommendation = Recommendation::kStrongBuy;
  return s;
}

// Keys of a JSON object in the order written.
std::vector<std::string> keys_of(const nlohmann::ordered_json& j) {
  std::vector<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  return out;
}

TEST(JsonCodec, ScorecardCarriesTheSpecFieldsInTheSpecOrder) {
  std::string s = encode_scorecard(spec_scorecard());
  auto j = nlohmann::json::parse(s);
  EXPECT_EQ(j["symbol"], "RELIANCE");
  EXPECT_EQ(j["timestamp"], "2024-01-25T10:31:00Z");
  EXPECT_EQ(j["ltp"], 2850.5);
  EXPECT_EQ(j["rsi"], 65.2);
  EXPECT_EQ(j["macd"], (nlohmann::json{{"value", 12.5}, {"signal", 10.2}, {"histogram", 2.3}}));
  EXPECT_EQ(j["emas"]["50"], 2840.0);
  EXPECT_TRUE(j["emas"]["100"].is_null());
  EXPECT_EQ(j["emas"]["200"], 2800.0);
  EXPECT_EQ(j["trend_score"], 3.5);
  EXPECT_EQ(j["ai_prediction"], 0.82);
  EXPECT_EQ(j["ai_confidence"], 0.88);
  EXPECT_EQ(j["recommendation"], "STRONG_BUY");
  EXPECT_TRUE(j["bollinger"]["upper"].is_null());
  // The spec's "Topic: analysis_updates" example, key by key, comes first and in its order; ours follow.
  auto o = nlohmann::ordered_json::parse(s);
  EXPECT_EQ(keys_of(o), (std::vector<std::string>{"symbol", "timestamp", "ltp", "rsi", "macd", "emas", "trend_score",
                                                  "ai_prediction", "ai_confidence", "recommendation", "change",
                                                  "change_percent", "volume", "bollinger", "momentum_score",
                                                  "composite_score", "ai_model_version", "ai_engine",
                                                  "latency_ms"}));
  EXPECT_EQ(keys_of(o["macd"]), (std::vector<std::string>{"value", "signal", "histogram"}));
  EXPECT_EQ(keys_of(o["emas"]), (std::vector<std::string>{"50", "200", "100"}));
}

TEST(JsonCodec, ScorecardExactEncoding) {
  Scorecard s = spec_scorecard();
  s.change = 12.0;
  s.change_percent = 0.42;
  s.day_volume = 150000;
  s.bollinger = {2860.0, 2850.0, 2840.0};
  s.momentum_score = 4.0;
  s.composite_score = 3.75;
  s.ai.model_version = "v2.1-lstm";
  s.ai_engine = "lstm";
  s.latency_ns = 85'700'000;  // 85.7 ms -> 85
  EXPECT_EQ(encode_scorecard(s),
            R"({"symbol":"RELIANCE","timestamp":"2024-01-25T10:31:00Z","ltp":2850.5,"rsi":65.2,)"
            R"("macd":{"value":12.5,"signal":10.2,"histogram":2.3},"emas":{"50":2840.0,"200":2800.0,"100":null},)"
            R"("trend_score":3.5,"ai_prediction":0.82,"ai_confidence":0.88,"recommendation":"STRONG_BUY",)"
            R"("change":12.0,"change_percent":0.42,"volume":150000,)"
            R"("bollinger":{"upper":2860.0,"middle":2850.0,"lower":2840.0},"momentum_score":4.0,)"
            R"("composite_score":3.75,"ai_model_version":"v2.1-lstm","ai_engine":"lstm","latency_ms":85})");
  auto back = decode_scorecard(encode_scorecard(s));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->latency_ms(), 85);
  EXPECT_EQ(back->ai_engine, "lstm");
}

TEST(JsonCodec, ScorecardRoundTripsWithNaNs) {
  Scorecard s = spec_scorecard();
  s.change = -3.25;
  s.change_percent = -0.11;
  s.day_volume = 42;
  s.bollinger.middle = 2850.125;
  s.ai.model_version = "heuristic";
  auto back = decode_scorecard(encode_scorecard(s));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->symbol, s.symbol);
  EXPECT_EQ(back->timestamp, s.timestamp);
  EXPECT_EQ(back->ltp, s.ltp);
  EXPECT_EQ(back->change, s.change);
  EXPECT_EQ(back->change_percent, s.change_percent);
  EXPECT_EQ(back->day_volume, s.day_volume);
  EXPECT_EQ(back->rsi, s.rsi);
  EXPECT_EQ(back->macd.histogram, s.macd.histogram);
  EXPECT_EQ(back->ema50, s.ema50);
  EXPECT_TRUE(std::isnan(back->ema100));
  EXPECT_TRUE(std::isnan(back->bollinger.upper));
  EXPECT_EQ(back->bollinger.middle, 2850.125);
  EXPECT_EQ(back->ai.prediction, s.ai.prediction);
  EXPECT_EQ(back->ai.model_version, "heuristic");
  EXPECT_EQ(back->recommendation, Recommendation::kStrongBuy);
  EXPECT_EQ(encode_scorecard(*back), encode_scorecard(s));
}

TEST(JsonCodec, MalformedScorecardsAreRejected) {
  for (const char* bad : {
           R"({"symbol":"X","timestamp":"2024-01-25T10:31:00Z","ltp":1,"recommendation":"MAYBE"})",
           R"({"symbol":"X","timestamp":"2024-01-25T10:31:00Z","ltp":1})",
           R"({"symbol":"X","timestamp":"2024-01-25T10:31:00Z","ltp":1,"rsi":"high","recommendation":"BUY"})",
           R"({"symbol":"X","timestamp":"2024-01-25T10:31:00Z","ltp":1,"macd":{"value":"x"},"recommendation":"BUY"})",
           R"({"symbol":"X","timestamp":"2024-01-25T10:31:00Z","ltp":1,"emas":[1],"recommendation":"BUY"})",
       }) {
    auto r = decode_scorecard(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("analysis_updates", 0), 0u) << r.status().message();
  }
}

Signal spec_signal() {
  Signal s;
  s.id = "TCS-20240125T1030Z-BUY";
  s.symbol = Symbol("TCS");
  s.timestamp = core::Timestamp::from_seconds(k20240125T1030Z);
  s.action = Recommendation::kBuy;
  s.previous = Recommendation::kHold;
  s.price = Price::from_paise(350000);
  s.confidence = 0.625;
  s.composite_score = 2.5;
  s.ai_prediction = 0.7;
  s.reason = "composite 2.5 >= 2 \"buy\"";
  SignalProvenance& p = s.provenance;
  p.candle_time = s.timestamp;
  p.rsi = 61.5;
  p.macd = {1.5, 1.25, 0.25};
  p.ema50 = 3490.0;
  p.ema100 = 3480.5;
  p.bollinger = {3520.0, 3495.0, 3470.0};
  p.trend_score = 3.75;
  p.momentum_score = 1.25;
  p.composite_score = 2.5;
  p.ai_prediction = 0.7;
  p.ai_confidence = 0.75;
  p.engine = "heuristic";
  p.model_version = "v1-heuristic";
  return s;
}

TEST(JsonCodec, SignalEncodingAndRoundTrip) {
  Signal s = spec_signal();
  // The spec's signal:alerts {"action":"BUY","symbol":"TCS","price":3500} first, then ours.
  const std::string expected =
      R"({"action":"BUY","symbol":"TCS","price":3500.0,"id":"TCS-20240125T1030Z-BUY",)"
      R"("time":"2024-01-25T10:30:00Z","confidence":0.625,"previous":"HOLD","reason":"composite 2.5 >= 2 \"buy\"",)"
      R"("provenance":{"candle_time":"2024-01-25T10:30:00Z","rsi":61.5,)"
      R"("macd":{"value":1.5,"signal":1.25,"histogram":0.25},"emas":{"50":3490.0,"100":3480.5,"200":null},)"
      R"("bollinger":{"upper":3520.0,"middle":3495.0,"lower":3470.0},"trend_score":3.75,"momentum_score":1.25,)"
      R"("composite_score":2.5,"ai_prediction":0.7,"ai_confidence":0.75,"engine":"heuristic",)"
      R"("model_version":"v1-heuristic"}})";
  EXPECT_EQ(encode_signal(s), expected);
  auto back = decode_signal(expected);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->id, s.id);
  EXPECT_EQ(back->symbol, s.symbol);
  EXPECT_EQ(back->timestamp, s.timestamp);
  EXPECT_EQ(back->action, s.action);
  EXPECT_EQ(back->previous, s.previous);
  EXPECT_EQ(back->price, s.price);
  EXPECT_EQ(back->confidence, s.confidence);
  EXPECT_EQ(back->composite_score, s.composite_score);
  EXPECT_EQ(back->ai_prediction, s.ai_prediction);
  EXPECT_EQ(back->reason, s.reason);
  EXPECT_EQ(back->provenance.candle_time, s.provenance.candle_time);
  EXPECT_EQ(back->provenance.macd.histogram, 0.25);
  EXPECT_TRUE(std::isnan(back->provenance.ema200));
  EXPECT_EQ(back->provenance.engine, "heuristic");
  EXPECT_EQ(back->provenance.model_version, "v1-heuristic");
  EXPECT_EQ(encode_signal(*back), expected);

  auto provenance = decode_signal_provenance(encode_signal_provenance(s.provenance));
  ASSERT_TRUE(provenance.is_ok()) << provenance.status().to_string();
  EXPECT_EQ(encode_signal_provenance(*provenance), encode_signal_provenance(s.provenance));

  // The spec's minimal message decodes too ("timestamp" accepted for "time").
  auto minimal = decode_signal(R"({"action":"BUY","symbol":"TCS","price":3500,"timestamp":"2024-01-25T10:30:00Z"})");
  ASSERT_TRUE(minimal.is_ok()) << minimal.status().to_string();
  EXPECT_EQ(minimal->price, Price::from_paise(350000));
  EXPECT_FALSE(decode_signal(R"({"symbol":"TCS","price":1,"time":"2024-01-25T10:30:00Z"})").is_ok());
  auto bad = decode_signal(R"({"action":"BUY","symbol":"TCS","price":1,"time":"2024-01-25T10:30:00Z",)"
                           R"("provenance":{"candle_time":"2024-01-25T10:30:00Z","rsi":"high"}})");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("signals.provenance"), std::string::npos) << bad.status().message();
}

TEST(JsonCodec, MarketViewRoundTripsAndRejectsBadSentiment) {
  MarketView v;
  v.timestamp = core::Timestamp::from_seconds(k20240125T1030Z);
  v.stocks = 3;
  v.advances = 2;
  v.declines = 1;
  v.breadth_ratio = 2.0;
  v.average_change_percent = 0.5;
  v.sentiment = Sentiment::kBullish;
  v.gainers = {{Symbol("M&M"), Price::from_paise(150005), 1.25}};
  v.losers = {{Symbol("ITC"), Price::from_paise(44000), -0.5}};
  std::string text = encode_market_view(v);
  EXPECT_EQ(text.rfind(R"({"overall":"BULLISH","breadth":2.0,)", 0), 0u) << text;
  auto back = decode_market_view(text);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->gainers.at(0).symbol, Symbol("M&M"));
  EXPECT_EQ(back->losers.at(0).ltp, Price::from_paise(44000));
  EXPECT_FALSE(back->index.has_value());
  EXPECT_EQ(encode_market_view(*back), text);
  auto bad = decode_market_view(R"({"overall":"EUPHORIC","breadth":1,"advances":0,"declines":0,"unchanged":0})");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("overall"), std::string::npos);
  EXPECT_FALSE(decode_market_view(R"({"overall":"NEUTRAL","breadth":1,"advances":0,"declines":0,"unchanged":0,)"
                                  R"("gainers":[{"symbol":"X"}]})")
                   .is_ok());
}

TEST(JsonCodec, NlohmannBuildersMatchTheStringEncoders) {
  EXPECT_EQ(to_json(spec_tick()), nlohmann::json::parse(kSpecTickJson));
  EXPECT_EQ(to_json(spec_candle()), nlohmann::json::parse(kSpecCandleJson));
  Scorecard sc = spec_scorecard();
  EXPECT_EQ(to_json(sc).dump(), nlohmann::json::parse(encode_scorecard(sc)).dump());
  Signal sig;
  sig.symbol = Symbol("INFY");
  sig.price = Price::from_paise(150005);
  EXPECT_EQ(to_json(sig), nlohmann::json::parse(encode_signal(sig)));
  EXPECT_EQ(to_json(spec_signal()), nlohmann::json::parse(encode_signal(spec_signal())));
  sc.ai_engine = "heuristic";
  sc.latency_ns = 3'000'000;
  EXPECT_EQ(to_json(sc), nlohmann::json::parse(encode_scorecard(sc)));
}

}  // namespace
}  // namespace nifty::model
