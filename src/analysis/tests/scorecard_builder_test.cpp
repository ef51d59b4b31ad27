#include "analysis/scorecard_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "indicators/bollinger.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/rsi.h"
#include "support/shared_data.h"

namespace nifty::analysis {
namespace {

using model::Candle;
using model::Price;
using model::Recommendation;
using model::Symbol;

// A fake engine: returns a fixed prediction (or fails) and records what it was asked.
class FakeEngine final : public predict::Engine {
 public:
  std::string_view name() const override { return "fake"; }
  core::Result<model::Prediction> predict(const predict::FeatureVector& f) override {
    ++calls;
    last = f;
    if (fail) return core::error(core::ErrorCode::kUnavailable, "fake engine down");
    return model::Prediction{prediction, 0.42, "fake-v0"};
  }
  double prediction = 0.5;
  bool fail = false;
  int calls = 0;
  predict::FeatureVector last;
};

core::Timestamp at(core::Date day, int minute_index) {
  return core::Timestamp::from_ist(day, 9, 15) + minute_index * core::kNanosPerMinute;
}

Candle flat_candle(std::string_view symbol, core::Timestamp start, int64_t paise, int64_t volume) {
  Candle c;
  c.symbol = Symbol(symbol);
  c.interval = model::Interval::k1m;
  c.start = start;
  c.open = c.high = c.low = c.close = c.vwap = Price::from_paise(paise);
  c.volume = volume;
  c.trades = 1;
  return c;
}

// Rows of nse-1min/<day>/<symbol>.txt as candles (the file labels a candle by its END minute).
std::vector<Candle> real_candles(const std::string& day, const std::string& symbol) {
  std::ifstream in(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-1min/" + day + "/" + symbol + ".txt");
  std::vector<Candle> out;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) f.push_back(field);
    if (f.size() < 8) continue;
    auto date = core::Date::parse(f[1]);
    EXPECT_TRUE(date.is_ok()) << line;
    Candle c;
    c.symbol = Symbol(f[0]);
    c.interval = model::Interval::k1m;
    int hh = std::stoi(f[2].substr(0, 2));
    int mm = std::stoi(f[2].substr(3, 2));
    c.start = core::Timestamp::from_ist(date.value(), hh, mm) - core::kNanosPerMinute;
    c.open = *Price::parse(f[3]);
    c.high = *Price::parse(f[4]);
    c.low = *Price::parse(f[5]);
    c.close = *Price::parse(f[6]);
    c.vwap = c.close;
    c.volume = std::stoll(f[7]);
    out.push_back(c);
  }
  return out;
}

constexpr core::Date kDay{2023, 2, 28};

TEST(ScorecardBuilder, TrendScoreVotesHandWorked) {
  // Above all three EMAs and EMA50 > EMA200: 4 x 1.25 = 5.
  EXPECT_DOUBLE_EQ(ScorecardBuilder::trend_score(110, 105, 100, 95), 5.0);
  EXPECT_DOUBLE_EQ(ScorecardBuilder::trend_score(90, 95, 100, 105), -5.0);
  // Below EMA50 (-1.25), equal to EMA100 (0), above EMA200 (+1.25), EMA50 > EMA200 (+1.25).
  EXPECT_DOUBLE_EQ(ScorecardBuilder::trend_score(100, 105, 100, 95), 1.25);
  // EMA200 still NaN: only two votes, +2.5.
  EXPECT_DOUBLE_EQ(ScorecardBuilder::trend_score(110, 105, 100, NAN), 2.5);
  EXPECT_DOUBLE_EQ(ScorecardBuilder::trend_score(110, NAN, NAN, NAN), 0.0);
}

TEST(ScorecardBuilder, MomentumScoreHandWorked) {
  // close 2000, full scale 0.05 % = 1 rupee. RSI 70: 2.5 * 20/50 = 1.0; histogram 0.5: 2.5 * 0.5 = 1.25.
  EXPECT_NEAR(ScorecardBuilder::momentum_score(2000, 70, 0.5, 0.05), 2.25, 1e-12);
  // RSI 30: -1.0; histogram -3 rupees clamps at -1 -> -2.5.
  EXPECT_NEAR(ScorecardBuilder::momentum_score(2000, 30, -3.0, 0.05), -3.5, 1e-12);
  // Extremes: RSI 100 and a huge histogram make +5.
  EXPECT_NEAR(ScorecardBuilder::momentum_score(2000, 100, 50, 0.05), 5.0, 1e-12);
  // Warming up: nothing.
  EXPECT_DOUBLE_EQ(ScorecardBuilder::momentum_score(2000, NAN, NAN, 0.05), 0.0);
}

TEST(ScorecardBuilder, RecommendationThresholds) {
  ScorecardConfig c;
  EXPECT_EQ(ScorecardBuilder::recommend(2.5, 0.65, c), Recommendation::kStrongBuy);
  EXPECT_EQ(ScorecardBuilder::recommend(2.5, 0.64, c), Recommendation::kBuy);
  EXPECT_EQ(ScorecardBuilder::recommend(1.0, 0.5, c), Recommendation::kBuy);
  EXPECT_EQ(ScorecardBuilder::recommend(0.99, 0.9, c), Recommendation::kHold);
  EXPECT_EQ(ScorecardBuilder::recommend(3.0, 0.49, c), Recommendation::kHold);
  EXPECT_EQ(ScorecardBuilder::recommend(-2.5, 0.35, c), Recommendation::kStrongSell);
  EXPECT_EQ(ScorecardBuilder::recommend(-2.5, 0.36, c), Recommendation::kSell);
  EXPECT_EQ(ScorecardBuilder::recommend(-1.0, 0.5, c), Recommendation::kSell);
  EXPECT_EQ(ScorecardBuilder::recommend(-3.0, 0.51, c), Recommendation::kHold);
  EXPECT_EQ(ScorecardBuilder::recommend(0.0, 0.5, c), Recommendation::kHold);
}

TEST(ScorecardBuilder, SteadyRiseIsStrongBuyWhenTheEngineAgrees) {
  // Close rises 5 paise a minute from 1000.00. For a linear series an SMA-seeded EMA(n) lags the
  // price by exactly (n-1)/2 steps, so after 200 candles: trend = +5 (above every EMA, EMA50 >
  // EMA200), RSI = 100 (no losses) -> +2.5, MACD = (12.5 - 5.5) steps = 0.35 rupees, constant, so
  // the histogram is 0 -> momentum 2.5; composite (5 + 2.5)/2 = 3.75.
  FakeEngine engine;
  engine.prediction = 0.7;
  ScorecardBuilder b(engine);
  core::Result<model::Scorecard> card = model::Scorecard{};
  for (int i = 0; i < 210; ++i) card = b.on_candle(flat_candle("TCS", at(kDay, i), 100000 + 5 * i, 10));
  ASSERT_TRUE(card.is_ok());
  const double close = (100000 + 5 * 209) / 100.0;
  EXPECT_NEAR(card->ema50, close - 24.5 * 0.05, 1e-6);
  EXPECT_NEAR(card->ema200, close - 99.5 * 0.05, 1e-6);
  EXPECT_NEAR(card->macd.value, 0.35, 1e-6);
  EXPECT_NEAR(card->macd.histogram, 0.0, 1e-6);
  EXPECT_DOUBLE_EQ(card->rsi, 100.0);
  EXPECT_DOUBLE_EQ(card->trend_score, 5.0);
  EXPECT_NEAR(card->momentum_score, 2.5, 1e-3);
  EXPECT_NEAR(card->composite_score, 3.75, 1e-3);
  EXPECT_EQ(card->recommendation, Recommendation::kStrongBuy);

  engine.prediction = 0.6;  // agrees, but not strongly
  card = b.on_candle(flat_candle("TCS", at(kDay, 210), 100000 + 5 * 210, 10));
  EXPECT_EQ(card->recommendation, Recommendation::kBuy);
  engine.prediction = 0.4;  // disagrees
  card = b.on_candle(flat_candle("TCS", at(kDay, 211), 100000 + 5 * 211, 10));
  EXPECT_EQ(card->recommendation, Recommendation::kHold);
}

TEST(ScorecardBuilder, SteadyFallIsStrongSellWhenTheEngineAgrees) {
  // Mirror image: trend -5, RSI 0 -> -2.5, histogram 0; composite -3.75.
  FakeEngine engine;
  engine.prediction = 0.2;
  ScorecardBuilder b(engine);
  core::Result<model::Scorecard> card = model::Scorecard{};
  for (int i = 0; i < 210; ++i) card = b.on_candle(flat_candle("TCS", at(kDay, i), 200000 - 5 * i, 10));
  ASSERT_TRUE(card.is_ok());
  EXPECT_DOUBLE_EQ(card->trend_score, -5.0);
  EXPECT_NEAR(card->composite_score, -3.75, 1e-3);
  EXPECT_EQ(card->recommendation, Recommendation::kStrongSell);
}

TEST(ScorecardBuilder, DayVolumeAndChangeVersusTheDaysOpenThenThePreviousClose) {
  FakeEngine engine;
  ScorecardBuilder b(engine);
  core::Date monday{2023, 2, 27};
  Candle first = flat_candle("INFY", at(monday, 0), 150000, 100);
  first.open = Price::from_paise(148000);  // day opens at 1480.00, closes the minute at 1500.00
  first.low = first.open;
  auto c1 = b.on_candle(first);
  ASSERT_TRUE(c1.is_ok());
  // No previous day seen: versus the day's open, 1500 - 1480 = 20 rupees = 1.3513...%.
  EXPECT_NEAR(c1->change, 20.0, 1e-9);
  EXPECT_NEAR(c1->change_percent, 2000.0 / 1480.0, 1e-9);
  EXPECT_EQ(c1->day_volume, 100);
  auto c2 = b.on_candle(flat_candle("INFY", at(monday, 1), 151000, 50));
  EXPECT_NEAR(c2->change, 30.0, 1e-9);
  EXPECT_EQ(c2->day_volume, 150);
  EXPECT_EQ(c2->ltp, Price::from_paise(151000));

  // Next IST day: the volume restarts, the reference is Monday's last close, 1510.00:
  // 1494.90 - 1510.00 = -15.10 rupees = -1 %.
  auto c3 = b.on_candle(flat_candle("INFY", at(kDay, 0), 149490, 7));
  ASSERT_TRUE(c3.is_ok());
  EXPECT_EQ(c3->day_volume, 7);
  EXPECT_NEAR(c3->change, -15.10, 1e-9);
  EXPECT_NEAR(c3->change_percent, -1.0, 1e-9);
  EXPECT_EQ(c3->timestamp, at(kDay, 0));
}

TEST(ScorecardBuilder, RealTwoDaysMatchBatchIndicatorsAndFileTotals) {
  // 2023-02-27 is only in ../shared/data (the repository keeps 2023-02-28 alone).
  NIFTY_SKIP_UNLESS_EXISTS(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-1min/2023-02-27/RELIANCE.txt");
  NIFTY_SKIP_UNLESS_EXISTS(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-1min/2023-02-28/RELIANCE.txt");
  auto monday = real_candles("2023-02-27", "RELIANCE");
  auto tuesday = real_candles("2023-02-28", "RELIANCE");
  ASSERT_EQ(monday.size(), 380u);
  ASSERT_EQ(tuesday.size(), 380u);
  FakeEngine engine;
  ScorecardBuilder b(engine);
  for (const Candle& c : monday) ASSERT_TRUE(b.warm_up(c).is_ok());
  EXPECT_EQ(engine.calls, 0);
  EXPECT_EQ(b.latest(Symbol("RELIANCE")), nullptr);

  core::Result<model::Scorecard> card = model::Scorecard{};
  for (const Candle& c : tuesday) card = b.on_candle(c);
  ASSERT_TRUE(card.is_ok());
  EXPECT_EQ(engine.calls, 380);

  // Independent totals from the files: Tuesday's volume; change versus Monday's last row (16:5x).
  int64_t volume = 0;
  for (const Candle& c : tuesday) volume += c.volume;
  EXPECT_EQ(card->day_volume, volume);
  double previous_close = monday.back().close.rupees();
  double last = tuesday.back().close.rupees();
  EXPECT_NEAR(card->change, last - previous_close, 1e-9);
  EXPECT_NEAR(card->change_percent, 100.0 * (last - previous_close) / previous_close, 1e-9);

  // Indicators equal the batch forms over both days' closes.
  std::vector<double> closes;
  for (const Candle& c : monday) closes.push_back(c.close.rupees());
  for (const Candle& c : tuesday) closes.push_back(c.close.rupees());
  EXPECT_NEAR(card->rsi, indicators::rsi(closes, 14).back(), 1e-9);
  auto m = indicators::macd(closes, 12, 26, 9);
  EXPECT_NEAR(card->macd.value, m.macd.back(), 1e-9);
  EXPECT_NEAR(card->macd.signal, m.signal.back(), 1e-9);
  EXPECT_NEAR(card->macd.histogram, m.histogram.back(), 1e-9);
  EXPECT_NEAR(card->ema50, indicators::ema(closes, 50).back(), 1e-9);
  EXPECT_NEAR(card->ema100, indicators::ema(closes, 100).back(), 1e-9);
  EXPECT_NEAR(card->ema200, indicators::ema(closes, 200).back(), 1e-9);
  auto bb = indicators::bollinger(closes, 20, 2.0);
  EXPECT_NEAR(card->bollinger.upper, bb.upper.back(), 1e-5);
  EXPECT_NEAR(card->bollinger.middle, bb.middle.back(), 1e-8);
  EXPECT_NEAR(card->bollinger.lower, bb.lower.back(), 1e-5);
  EXPECT_GE(card->latency_ns, 0);

  // The engine saw the scorecard's features and the last candle's volume.
  EXPECT_EQ(engine.last.symbol, Symbol("RELIANCE"));
  EXPECT_DOUBLE_EQ(engine.last.rsi, card->rsi);
  EXPECT_DOUBLE_EQ(engine.last.macd, card->macd.value);
  EXPECT_DOUBLE_EQ(engine.last.ema50, card->ema50);
  EXPECT_DOUBLE_EQ(engine.last.ema200, card->ema200);
  EXPECT_DOUBLE_EQ(engine.last.close, last);
  EXPECT_EQ(engine.last.volume, tuesday.back().volume);
  EXPECT_EQ(card->ai.model_version, "fake-v0");

  const model::Scorecard* latest = b.latest(Symbol("RELIANCE"));
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->timestamp, tuesday.back().start);
}

TEST(ScorecardBuilder, WarmingUpIndicatorsAreNaN) {
  FakeEngine engine;
  ScorecardBuilder b(engine);
  auto card = b.on_candle(flat_candle("SBIN", at(kDay, 0), 55000, 1));
  ASSERT_TRUE(card.is_ok());
  EXPECT_TRUE(std::isnan(card->rsi));
  EXPECT_TRUE(std::isnan(card->macd.value));
  EXPECT_TRUE(std::isnan(card->ema50));
  EXPECT_TRUE(std::isnan(card->bollinger.middle));
  EXPECT_DOUBLE_EQ(card->trend_score, 0.0);
  EXPECT_DOUBLE_EQ(card->momentum_score, 0.0);
  EXPECT_TRUE(std::isnan(engine.last.rsi));
}

TEST(ScorecardBuilder, EngineFailureGivesANeutralCountedPrediction) {
  FakeEngine engine;
  engine.fail = true;
  ScorecardBuilder b(engine);
  auto card = b.on_candle(flat_candle("SBIN", at(kDay, 0), 55000, 1));
  ASSERT_TRUE(card.is_ok());
  EXPECT_DOUBLE_EQ(card->ai.prediction, 0.5);
  EXPECT_DOUBLE_EQ(card->ai.confidence, 0.0);
  EXPECT_EQ(card->ai.model_version, "fake-unavailable");
  EXPECT_EQ(b.ai_failures(), 1);
}

TEST(ScorecardBuilder, RejectsBadCandlesAndCountsThem) {
  FakeEngine engine;
  ScorecardBuilder b(engine);
  ASSERT_TRUE(b.on_candle(flat_candle("SBIN", at(kDay, 5), 55000, 1)).is_ok());

  Candle five = flat_candle("SBIN", at(kDay, 6), 55000, 1);
  five.interval = model::Interval::k5m;
  Candle broken = flat_candle("SBIN", at(kDay, 6), 55000, 1);
  broken.high = Price::from_paise(54000);  // high below close
  Candle negative = flat_candle("SBIN", at(kDay, 6), 55000, -1);
  Candle unnamed = flat_candle("", at(kDay, 6), 55000, 1);
  Candle stale = flat_candle("SBIN", at(kDay, 5), 56000, 1);  // same minute again
  Candle older = flat_candle("SBIN", at(kDay, 4), 56000, 1);

  int n = 0;
  for (const Candle& c : {five, broken, negative, unnamed, stale, older}) {
    auto r = b.on_candle(c);
    ASSERT_FALSE(r.is_ok()) << n;
    EXPECT_EQ(r.status().code(), core::ErrorCode::kInvalidArgument);
    ++n;
  }
  EXPECT_FALSE(b.warm_up(older).is_ok());
  EXPECT_EQ(b.rejected(), 7);
  EXPECT_EQ(engine.calls, 1);
  const model::Scorecard* latest = b.latest(Symbol("SBIN"));
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->ltp, Price::from_paise(55000));
  EXPECT_EQ(latest->day_volume, 1);
}

TEST(ScorecardBuilder, SymbolsAreIndependent) {
  FakeEngine engine;
  ScorecardBuilder b(engine);
  ASSERT_TRUE(b.on_candle(flat_candle("A", at(kDay, 0), 1000, 3)).is_ok());
  ASSERT_TRUE(b.on_candle(flat_candle("B", at(kDay, 0), 2000, 4)).is_ok());
  ASSERT_TRUE(b.on_candle(flat_candle("A", at(kDay, 1), 1100, 5)).is_ok());
  EXPECT_EQ(b.latest(Symbol("A"))->day_volume, 8);
  EXPECT_EQ(b.latest(Symbol("B"))->day_volume, 4);
  EXPECT_EQ(b.latest(Symbol("C")), nullptr);
}

TEST(ScorecardBuilder, AnalysesTheConfiguredInterval) {
  FakeEngine engine;
  ScorecardConfig config;
  config.interval = model::Interval::k5m;
  ScorecardBuilder b(engine, config);
  Candle five = flat_candle("TCS", at(kDay, 0), 350000, 10);
  five.interval = model::Interval::k5m;
  Candle next = flat_candle("TCS", at(kDay, 5), 351000, 20);
  next.interval = model::Interval::k5m;
  ASSERT_TRUE(b.warm_up(five).is_ok());
  auto card = b.on_candle(next);
  ASSERT_TRUE(card.is_ok()) << card.status().to_string();
  // Same IST day: change versus the day's open 3500.00 -> +10.00; volume 10 + 20.
  EXPECT_EQ(card->change, 10.0);
  EXPECT_EQ(card->day_volume, 30);
  EXPECT_EQ(card->ai_engine, "fake");
  auto one = b.on_candle(flat_candle("TCS", at(kDay, 10), 351000, 1));
  ASSERT_FALSE(one.is_ok());
  EXPECT_NE(one.status().message().find("interval 1m is not the analysed interval 5m"), std::string::npos)
      << one.status().message();
  EXPECT_EQ(b.rejected(), 1);
}

TEST(Scorecard, LatencyMsIsLatencyNsTruncatedToWholeMilliseconds) {
  model::Scorecard s;
  s.latency_ns = 999'999;
  EXPECT_EQ(s.latency_ms(), 0);
  s.latency_ns = 85'400'000;
  EXPECT_EQ(s.latency_ms(), 85);
}

TEST(ScorecardConfig, ValidateNamesTheBadField) {
  ScorecardConfig c;
  EXPECT_TRUE(c.validate().is_ok());
  c.rsi_period = 0;
  auto s = c.validate();
  EXPECT_EQ(s.code(), core::ErrorCode::kConfigError);
  EXPECT_NE(s.message().find("rsi_period"), std::string::npos);
}

}  // namespace
}  // namespace nifty::analysis
