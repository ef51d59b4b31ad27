// Bad input (issue 3, "Must show"): fewer candles than a lookback, flat prices (zero variance,
// zero losses), a gap in the day, missing stocks in the universe. Each gives defined values —
// never NaN in the JSON (null where an indicator is not ready) — and never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/market_analyzer.h"
#include "analysis/market_view_builder.h"
#include "analysis/scorecard_builder.h"
#include "model/json_codec.h"

namespace nifty::analysis {
namespace {

using model::Candle;
using model::Price;
using model::Recommendation;
using model::Symbol;

class NeutralEngine final : public predict::Engine {
 public:
  std::string_view name() const override { return "neutral"; }
  core::Result<model::Prediction> predict(const predict::FeatureVector&) override {
    return model::Prediction{0.5, 0.0, "neutral-v0"};
  }
};

const core::Date kDay{2024, 1, 25};

Candle candle(std::string_view symbol, core::Timestamp start, int64_t open, int64_t close, int64_t volume = 100) {
  Candle c;
  c.symbol = Symbol(symbol);
  c.start = start;
  c.open = Price::from_paise(open);
  c.close = Price::from_paise(close);
  c.high = Price::from_paise(std::max(open, close));
  c.low = Price::from_paise(std::min(open, close));
  c.vwap = c.close;
  c.volume = volume;
  c.trades = 1;
  return c;
}

core::Timestamp minute(int i) { return core::Timestamp::from_ist(kDay, 9, 15) + i * core::kNanosPerMinute; }

// The JSON is valid (nlohmann rejects NaN and Infinity tokens) and names no non-finite value.
void expect_clean_json(const std::string& text) {
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
  EXPECT_EQ(text.find("inf"), std::string::npos) << text;
  EXPECT_NO_THROW((void)nlohmann::json::parse(text)) << text;
}

void expect_finite_scores(const model::Scorecard& s) {
  EXPECT_TRUE(std::isfinite(s.trend_score));
  EXPECT_TRUE(std::isfinite(s.momentum_score));
  EXPECT_TRUE(std::isfinite(s.composite_score));
  EXPECT_TRUE(std::isfinite(s.change));
  EXPECT_TRUE(std::isfinite(s.change_percent));
}

TEST(BadInput, FewerCandlesThanALookbackGivesNullIndicatorsAndAHold) {
  NeutralEngine engine;
  ScorecardBuilder b(engine);
  model::Scorecard s;
  for (int i = 0; i < 5; ++i) s = b.on_candle(candle("TCS", minute(i), 350000 + i * 100, 350100 + i * 100)).value();
  // 5 closes: RSI(14) needs 15, MACD 34, EMA50 50, Bollinger 20: none ready.
  EXPECT_TRUE(std::isnan(s.rsi));
  EXPECT_TRUE(std::isnan(s.macd.histogram));
  EXPECT_TRUE(std::isnan(s.ema50));
  EXPECT_TRUE(std::isnan(s.bollinger.upper));
  // No indicator votes: the scores are 0, not NaN, and the call is HOLD.
  EXPECT_EQ(s.trend_score, 0.0);
  EXPECT_EQ(s.momentum_score, 0.0);
  EXPECT_EQ(s.composite_score, 0.0);
  EXPECT_EQ(s.recommendation, Recommendation::kHold);
  // change vs the day's open 3500.00: close 3505.00 -> +5.00.
  EXPECT_EQ(s.change, 5.0);
  std::string json = model::encode_scorecard(s);
  expect_clean_json(json);
  auto j = nlohmann::json::parse(json);
  EXPECT_TRUE(j["rsi"].is_null());
  EXPECT_TRUE(j["macd"]["value"].is_null());
  EXPECT_TRUE(j["emas"]["200"].is_null());
  EXPECT_EQ(j["trend_score"], 0.0);
}

TEST(BadInput, FlatPricesGiveZeroScoresNotAFalseSell) {
  NeutralEngine engine;
  ScorecardBuilder b(engine);
  model::Scorecard s;
  for (int i = 0; i < 300; ++i) s = b.on_candle(candle("ITC", minute(i), 44000, 44000)).value();
  // Zero variance: the bands collapse onto the mean; zero gains and losses: TA-Lib's RSI is 0.
  EXPECT_EQ(s.bollinger.upper, 440.0);
  EXPECT_EQ(s.bollinger.lower, 440.0);
  EXPECT_EQ(s.rsi, 0.0);
  EXPECT_EQ(s.macd.histogram, 0.0);
  EXPECT_EQ(s.ema200, 440.0);
  // Close equals every EMA (no votes), the window is flat (RSI part 0), no histogram: all zero.
  EXPECT_EQ(s.trend_score, 0.0);
  EXPECT_EQ(s.momentum_score, 0.0);
  EXPECT_EQ(s.recommendation, Recommendation::kHold);
  EXPECT_EQ(s.change, 0.0);
  EXPECT_EQ(s.change_percent, 0.0);
  expect_clean_json(model::encode_scorecard(s));
}

TEST(BadInput, ZeroLossesGiveAnRsiOfOneHundred) {
  NeutralEngine engine;
  ScorecardBuilder b(engine);
  model::Scorecard s;
  for (int i = 0; i < 40; ++i) s = b.on_candle(candle("INFY", minute(i), 150000 + 5 * i, 150005 + 5 * i)).value();
  EXPECT_EQ(s.rsi, 100.0);
  // rsi part 2.5 * (100 - 50) / 50 = 2.5; a linear series has a constant MACD line, so the
  // histogram (and the MACD part) is 0 up to rounding.
  EXPECT_NEAR(s.momentum_score, 2.5, 1e-9);
  expect_finite_scores(s);
  expect_clean_json(model::encode_scorecard(s));
}

TEST(BadInput, AGapInTheDayIsAcceptedAndKeepsTheDayState) {
  NeutralEngine engine;
  ScorecardBuilder b(engine);
  model::Scorecard s;
  // 09:15-09:44, then nothing until 11:00-11:29 (a halt or a feed outage).
  for (int i = 0; i < 30; ++i) s = b.on_candle(candle("SBIN", minute(i), 60000 + i * 10, 60010 + i * 10, 200)).value();
  for (int i = 105; i < 135; ++i) {
    auto r = b.on_candle(candle("SBIN", minute(i), 60000 + i * 10, 60010 + i * 10, 200));
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    s = *r;
  }
  EXPECT_EQ(s.timestamp, core::Timestamp::from_ist(kDay, 11, 29));
  EXPECT_EQ(s.day_volume, 60 * 200);
  // Versus the day's open 600.00: the last close is 60000 + 1340 + 10 paise = 613.50.
  EXPECT_EQ(s.ltp, Price::from_paise(61350));
  EXPECT_DOUBLE_EQ(s.change, 13.5);
  EXPECT_DOUBLE_EQ(s.change_percent, 100.0 * 13.5 / 600.0);
  EXPECT_FALSE(std::isnan(s.rsi));  // 60 closes: RSI ready
  expect_finite_scores(s);
  expect_clean_json(model::encode_scorecard(s));
}

TEST(BadInput, MissingStocksAreReportedNotDropped) {
  MarketAnalyzer analyzer([] { return std::make_unique<NeutralEngine>(); }, MarketAnalyzerConfig{.threads = 2});
  std::vector<Symbol> universe{Symbol("TCS"), Symbol("DELISTED"), Symbol("INFY")};
  auto results = analyzer.analyze(universe, [](const Symbol& s) -> core::Result<std::vector<Candle>> {
    if (s.view() == "DELISTED") return std::vector<Candle>{};
    return std::vector<Candle>{candle(s.view(), minute(0), 10000, 10100), candle(s.view(), minute(1), 10100, 10000)};
  });
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, AnalysisStatus::kOk);
  EXPECT_EQ(results[1].status_text(), "failed: no candles");
  EXPECT_EQ(results[2].status, AnalysisStatus::kOk);

  // The market view counts the stocks it has; the missing one is not invented.
  MarketViewBuilder view;
  for (const auto& r : results) {
    if (r.scorecard) view.on_scorecard(*r.scorecard);
  }
  model::MarketView v = view.view();
  EXPECT_EQ(v.stocks, 2);
  EXPECT_EQ(v.advances + v.declines + v.unchanged, 2);
  expect_clean_json(model::encode_market_view(v));
}

TEST(BadInput, CandlesOfAnotherIntervalAreRejectedAndCounted) {
  NeutralEngine engine;
  ScorecardBuilder b(engine);
  Candle c = candle("TCS", minute(0), 100, 100);
  c.interval = model::Interval::k5m;
  auto r = b.on_candle(c);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("interval 5m"), std::string::npos) << r.status().message();
  EXPECT_EQ(b.rejected(), 1);
}

}  // namespace
}  // namespace nifty::analysis
