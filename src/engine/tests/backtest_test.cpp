#include "engine/backtest.h"

#include <gtest/gtest.h>

#include "predict/heuristic_engine.h"
#include "store/memory/memory_candle_store.h"

namespace nifty::engine {
namespace {

constexpr core::Date kDay{2024, 1, 25};

// 75 five-minute candles of one day whose close rises by 1 rupee a candle from 100.
std::vector<model::Candle> rising_day(const char* symbol) {
  std::vector<model::Candle> out;
  for (int i = 0; i < 75; ++i) {
    model::Candle c;
    c.symbol = model::Symbol(symbol);
    c.interval = model::Interval::k5m;
    c.start = core::Timestamp::from_ist(kDay, 9, 15) + static_cast<int64_t>(i) * 5 * core::kNanosPerMinute;
    c.open = model::Price::from_paise(9950 + 100 * i);
    c.close = model::Price::from_paise(10000 + 100 * i);
    c.high = c.close;
    c.low = c.open;
    c.volume = 1000;
    out.push_back(c);
  }
  return out;
}

TEST(Backtest, WilsonIntervalMatchesTheTextbookValue) {
  auto [lo, hi] = wilson_interval(50, 100);  // 0.5 +/- : 0.4038 .. 0.5962
  EXPECT_NEAR(lo, 0.4038, 1e-4);
  EXPECT_NEAR(hi, 0.5962, 1e-4);
  EXPECT_EQ(wilson_interval(0, 0), (std::pair<double, double>{0.0, 0.0}));
}

TEST(Backtest, BaselineForwardReturnsFollowTheCandles) {
  store::MemoryCandleStore store;
  auto day = rising_day("TCS");
  ASSERT_TRUE(store.upsert(day).is_ok());
  predict::HeuristicEngine engine;
  Backtest backtest(store, engine, core::NseCalendar::builtin());
  BacktestConfig config;
  config.from = core::Timestamp::from_ist(kDay, 0, 0);
  config.to = core::Timestamp::from_ist(core::Date{2024, 1, 26}, 0, 0);
  config.interval = model::Interval::k5m;
  auto report = backtest.run(config);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->candles, 75u);
  EXPECT_EQ(report->scorecards, 75u);
  // 5 minutes ahead is the next candle: (101 + i) / (100 + i) - 1 for i = 0..73.
  double sum5 = 0, sum60 = 0, sum_close = 0;
  for (int i = 0; i < 74; ++i) sum5 += (101.0 + i) / (100.0 + i) - 1;
  for (int i = 0; i + 12 < 75; ++i) sum60 += (112.0 + i) / (100.0 + i) - 1;  // 60 min = 12 candles ahead
  for (int i = 0; i < 74; ++i) sum_close += 174.0 / (100.0 + i) - 1;
  EXPECT_EQ(report->baseline[0].n, 74u);
  EXPECT_NEAR(report->baseline[0].mean_return, sum5 / 74, 1e-12);
  EXPECT_EQ(report->baseline[2].n, 63u);
  EXPECT_NEAR(report->baseline[2].mean_return, sum60 / 63, 1e-12);
  EXPECT_NEAR(report->baseline[3].mean_return, sum_close / 74, 1e-12);
  EXPECT_DOUBLE_EQ(report->baseline[0].up_rate, 1.0);
}

TEST(Backtest, TwoRunsGiveTheSameReport) {
  store::MemoryCandleStore store;
  ASSERT_TRUE(store.upsert(rising_day("TCS")).is_ok());
  ASSERT_TRUE(store.upsert(rising_day("INFY")).is_ok());
  predict::HeuristicEngine engine;
  BacktestConfig config;
  config.from = core::Timestamp::from_ist(kDay, 0, 0);
  config.to = core::Timestamp::from_ist(core::Date{2024, 1, 26}, 0, 0);
  config.interval = model::Interval::k5m;
  Backtest a(store, engine, core::NseCalendar::builtin());
  Backtest b(store, engine, core::NseCalendar::builtin());
  auto ra = a.run(config);
  auto rb = b.run(config);
  ASSERT_TRUE(ra.is_ok() && rb.is_ok());
  EXPECT_EQ(ra->to_json(), rb->to_json());
  EXPECT_EQ(ra->symbols, (std::vector<std::string>{"INFY", "TCS"}));
}

TEST(Backtest, AnEmptyRangeIsNotFound) {
  store::MemoryCandleStore store;
  predict::HeuristicEngine engine;
  Backtest backtest(store, engine, core::NseCalendar::builtin());
  BacktestConfig config;
  config.from = core::Timestamp::from_ist(kDay, 0, 0);
  config.to = core::Timestamp::from_ist(core::Date{2024, 1, 26}, 0, 0);
  auto report = backtest.run(config);
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace nifty::engine
