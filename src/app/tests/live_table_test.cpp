#include "app/commands/live_table.h"

#include <gtest/gtest.h>

#include "store/memory/memory_hot_cache.h"

namespace nifty::app {
namespace {

model::Scorecard card(const char* symbol, int64_t ltp_paise, double change_percent, model::Recommendation rec) {
  model::Scorecard c;
  c.symbol = model::Symbol(symbol);
  c.timestamp = core::Timestamp::from_ist(core::Date{2023, 2, 28}, 10, 4);
  c.ltp = model::Price::from_paise(ltp_paise);
  c.change_percent = change_percent;
  c.change = change_percent;  // only its sign matters here (advances and declines)
  c.rsi = 55.25;
  c.trend_score = 3.0;
  c.day_volume = 1'234'567;
  c.recommendation = rec;
  return c;
}

TEST(LiveTable, ShowsOneRowPerSymbolBiggestMoverFirst) {
  store::MemoryHotCache cache;
  ASSERT_TRUE(cache.set_scorecard(card("RELIANCE", 234745, -0.53, model::Recommendation::kSell)).is_ok());
  ASSERT_TRUE(cache.set_scorecard(card("ADANIENT", 120130, 3.57, model::Recommendation::kStrongBuy)).is_ok());
  engine::PipelineStats stats;
  stats.ticks_received = 8427;
  std::string screen = render_live_table(cache, stats, "replay", 5.0, false, 10);
  auto adani = screen.find("ADANIENT");
  auto reliance = screen.find("RELIANCE");
  ASSERT_NE(adani, std::string::npos);
  ASSERT_NE(reliance, std::string::npos);
  EXPECT_LT(adani, reliance);
  EXPECT_NE(screen.find("1201.30"), std::string::npos);
  EXPECT_NE(screen.find("+3.57"), std::string::npos);
  EXPECT_NE(screen.find("STRONG_BUY"), std::string::npos);
  EXPECT_NE(screen.find("12.35L"), std::string::npos);  // 1,234,567 shares in lakhs
  EXPECT_NE(screen.find("10:05:00 IST"), std::string::npos);  // the end of the 10:04 candle
  EXPECT_NE(screen.find("ticks 8427"), std::string::npos);
  EXPECT_EQ(screen.find("\x1b["), std::string::npos);  // no escapes without colour
  // One advance (ADANIENT +3.57 %), one decline (RELIANCE -0.53 %): breadth 1.00, average +1.52 %.
  EXPECT_NE(screen.find("advances 1  declines 1  unchanged 0  breadth 1.00  avg +1.52%"), std::string::npos) << screen;
}

TEST(LiveTable, CutsToTheRowsThatFit) {
  store::MemoryHotCache cache;
  ASSERT_TRUE(cache.set_scorecard(card("A", 100, 3, model::Recommendation::kHold)).is_ok());
  ASSERT_TRUE(cache.set_scorecard(card("B", 100, 2, model::Recommendation::kHold)).is_ok());
  ASSERT_TRUE(cache.set_scorecard(card("C", 100, 1, model::Recommendation::kHold)).is_ok());
  std::string screen = render_live_table(cache, {}, "sim", 0, false, 2);
  EXPECT_NE(screen.find("\nA "), std::string::npos);
  EXPECT_NE(screen.find("\nB "), std::string::npos);
  EXPECT_EQ(screen.find("\nC "), std::string::npos);
}

TEST(LiveTable, SaysWhenNothingHasClosedYet) {
  store::MemoryHotCache cache;
  std::string screen = render_live_table(cache, {}, "replay", 0, false, 10);
  EXPECT_NE(screen.find("waiting for the first candles"), std::string::npos);
}

}  // namespace
}  // namespace nifty::app
