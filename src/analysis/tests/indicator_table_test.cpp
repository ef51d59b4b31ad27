#include "analysis/indicator_table.h"

#include <gtest/gtest.h>

#include <cmath>

#include "indicators/indicators.h"

namespace nifty::analysis {
namespace {

std::vector<model::Candle> candles(size_t n) {
  std::vector<model::Candle> out;
  for (size_t i = 0; i < n; ++i) {
    model::Candle c;
    c.symbol = model::Symbol("TCS");
    c.start = core::Timestamp::from_ist(core::Date{2023, 2, 28}, 9, 15) + static_cast<int64_t>(i) * core::kNanosPerMinute;
    int64_t p = 330000 + static_cast<int64_t>((i * 37) % 23) * 5 - static_cast<int64_t>(i % 7) * 10;
    c.open = model::Price::from_paise(p);
    c.close = model::Price::from_paise(p + 15);
    c.high = model::Price::from_paise(p + 40);
    c.low = model::Price::from_paise(p - 25);
    c.volume = 100 + static_cast<int64_t>(i);
    out.push_back(c);
  }
  return out;
}

TEST(IndicatorTable, HasOneColumnPerOutputOfTheSameLengthAsTheInput) {
  auto cs = candles(60);
  auto t = compute_indicator_table(cs);
  EXPECT_EQ(t.columns.size(), 21u);
  for (const auto& c : t.columns) EXPECT_EQ(c.values.size(), cs.size()) << c.name;
  // The RSI column is the batch RSI of the closes.
  std::vector<double> closes;
  for (const auto& c : cs) closes.push_back(c.close.rupees());
  auto rsi = indicators::rsi(closes, 14);
  ASSERT_EQ(t.columns[0].name, "rsi14");
  for (size_t i = 0; i < cs.size(); ++i) {
    if (std::isnan(rsi[i])) EXPECT_TRUE(std::isnan(t.columns[0].values[i]));
    else EXPECT_EQ(t.columns[0].values[i], rsi[i]);
  }
}

TEST(IndicatorTable, CsvHasAHeaderAndEmptyCellsWhileWarmingUp) {
  auto cs = candles(20);
  std::string csv = indicator_table_csv(cs, compute_indicator_table(cs));
  auto first_nl = csv.find('\n');
  EXPECT_EQ(csv.substr(0, first_nl).rfind("time,close,rsi14,macd,macd_signal,macd_hist,ema50", 0), 0u);
  // 20 data lines; the first has the time in IST, the close, and no indicator values yet except OBV
  // and VWAP, which start at once.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 21);
  std::string line1 = csv.substr(first_nl + 1, csv.find('\n', first_nl + 1) - first_nl - 1);
  EXPECT_EQ(line1.rfind("2023-02-28T09:15:00+05:30,3300.15,,,,,", 0), 0u) << line1;
}

TEST(IndicatorTable, NoCandlesGiveEmptyColumns) {
  auto t = compute_indicator_table({});
  for (const auto& c : t.columns) EXPECT_TRUE(c.values.empty());
}

}  // namespace
}  // namespace nifty::analysis
