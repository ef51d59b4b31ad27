#include "store/memory/memory_hot_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace nifty::store {
namespace {

model::Tick tick(std::string_view symbol, int64_t ltp_paise, int64_t volume) {
  model::Tick t;
  t.symbol = model::Symbol(symbol);
  t.last_price = model::Price::from_paise(ltp_paise);
  t.cumulative_volume = volume;
  t.exchange_time = core::Timestamp::from_seconds(1706154300);
  return t;
}

model::Scorecard card(std::string_view symbol, int64_t version) {
  model::Scorecard s;
  s.symbol = model::Symbol(symbol);
  // Three fields that always agree, so that a torn read would show.
  s.ltp = model::Price::from_paise(version);
  s.day_volume = version;
  s.timestamp = core::Timestamp::from_seconds(version);
  s.ai.model_version = "v" + std::to_string(version);
  return s;
}

TEST(MemoryHotCache, AnswersNothingForAnUnknownSymbol) {
  MemoryHotCache cache;
  auto t = cache.latest_tick(model::Symbol("RELIANCE"));
  ASSERT_TRUE(t.is_ok());
  EXPECT_FALSE(t->has_value());
  auto c = cache.current_candle(model::Symbol("RELIANCE"));
  ASSERT_TRUE(c.is_ok());
  EXPECT_FALSE(c->has_value());
  auto s = cache.scorecard(model::Symbol("RELIANCE"));
  ASSERT_TRUE(s.is_ok());
  EXPECT_FALSE(s->has_value());
  auto all = cache.scorecards();
  ASSERT_TRUE(all.is_ok());
  EXPECT_TRUE(all->empty());
}

TEST(MemoryHotCache, KeepsTheLatestValuePerSymbol) {
  MemoryHotCache cache;
  ASSERT_TRUE(cache.set_latest_tick(tick("RELIANCE", 285050, 1500)).is_ok());
  ASSERT_TRUE(cache.set_latest_tick(tick("RELIANCE", 285100, 1700)).is_ok());
  ASSERT_TRUE(cache.set_latest_tick(tick("TCS", 350000, 10)).is_ok());
  auto t = cache.latest_tick(model::Symbol("RELIANCE"));
  ASSERT_TRUE(t.is_ok() && t->has_value());
  EXPECT_EQ((*t)->last_price.paise(), 285100);
  EXPECT_EQ((*t)->cumulative_volume, 1700);
  auto tcs = cache.latest_tick(model::Symbol("TCS"));
  ASSERT_TRUE(tcs.is_ok() && tcs->has_value());
  EXPECT_EQ((*tcs)->last_price.paise(), 350000);

  model::Candle c;
  c.symbol = model::Symbol("RELIANCE");
  c.start = core::Timestamp::from_seconds(1706154300);
  c.open = model::Price::from_paise(284500);
  c.high = model::Price::from_paise(285100);
  c.low = model::Price::from_paise(284400);
  c.close = model::Price::from_paise(285050);
  c.volume = 150000;
  ASSERT_TRUE(cache.set_current_candle(c).is_ok());
  auto got = cache.current_candle(model::Symbol("RELIANCE"));
  ASSERT_TRUE(got.is_ok() && got->has_value());
  EXPECT_EQ((*got)->high.paise(), 285100);
  EXPECT_EQ((*got)->volume, 150000);

  ASSERT_TRUE(cache.set_scorecard(card("TCS", 1)).is_ok());
  ASSERT_TRUE(cache.set_scorecard(card("INFY", 2)).is_ok());
  ASSERT_TRUE(cache.set_scorecard(card("TCS", 3)).is_ok());
  auto all = cache.scorecards();
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].symbol.view(), "INFY");  // sorted by symbol
  EXPECT_EQ((*all)[1].symbol.view(), "TCS");
  EXPECT_EQ((*all)[1].day_volume, 3);
  EXPECT_EQ((*all)[1].ai.model_version, "v3");
}

TEST(MemoryHotCache, RejectsAnEmptySymbol) {
  MemoryHotCache cache;
  EXPECT_EQ(cache.set_latest_tick(tick("", 100, 1)).code(), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(cache.set_scorecard(card("", 1)).code(), core::ErrorCode::kInvalidArgument);
  model::Candle c;
  EXPECT_EQ(cache.set_current_candle(c).code(), core::ErrorCode::kInvalidArgument);
}

TEST(MemoryHotCache, ConcurrentReadersSeeWholeValuesThatOnlyMoveForward) {
  MemoryHotCache cache;
  constexpr int kSymbols = 20;
  constexpr int kVersions = 400;
  auto name = [](int i) { return "S" + std::to_string(i); };

  // Two writers, each owning half the symbols, publish versions 1..kVersions in order.
  std::atomic<int> writers_done{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int v = 1; v <= kVersions; ++v) {
        for (int s = w; s < kSymbols; s += 2) {
          EXPECT_TRUE(cache.set_scorecard(card(name(s), v)).is_ok());
          EXPECT_TRUE(cache.set_latest_tick(tick(name(s), v, v)).is_ok());
        }
      }
      writers_done.fetch_add(1);
    });
  }
  // Readers check each value is whole and never goes back, until the writers have finished.
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      std::vector<int64_t> last_seen(kSymbols, 0);
      bool final_pass = false;
      while (!final_pass) {
        final_pass = writers_done.load() == 2;
        auto all = cache.scorecards();
        ASSERT_TRUE(all.is_ok());
        for (const auto& c : *all) {
          int idx = std::stoi(std::string(c.symbol.view().substr(1)));
          ASSERT_EQ(c.ltp.paise(), c.day_volume);
          ASSERT_EQ(c.timestamp.seconds(), c.day_volume);
          ASSERT_EQ(c.ai.model_version, "v" + std::to_string(c.day_volume));
          ASSERT_GE(c.day_volume, last_seen[static_cast<size_t>(idx)]);
          last_seen[static_cast<size_t>(idx)] = c.day_volume;
        }
        auto t = cache.latest_tick(model::Symbol(name(3)));
        ASSERT_TRUE(t.is_ok());
        if (t->has_value()) {
          ASSERT_EQ((*t)->last_price.paise(), (*t)->cumulative_volume);
        }
      }
      // The pass after the writers finished saw every symbol at its last version.
      for (int64_t v : last_seen) EXPECT_EQ(v, kVersions);
    });
  }
  for (auto& t : threads) t.join();
}


TEST(MemoryHotCache, MovesTheGainersBoardWithTicksAgainstTheScorecardReference) {
  MemoryHotCache cache;
  // ltp 100.00 with change +2.00: reference 98.00, 2/98 = 2.0408163265306123 %.
  model::Scorecard a = card("AAA", 1);
  a.ltp = model::Price::from_paise(10000);
  a.change = 2.0;
  a.change_percent = 2.0 / 98.0 * 100.0;
  ASSERT_TRUE(cache.set_scorecard(a).is_ok());
  model::Scorecard b = card("BBB", 1);
  b.ltp = model::Price::from_paise(20000);
  b.change = -4.0;  // reference 204.00
  b.change_percent = -4.0 / 204.0 * 100.0;
  ASSERT_TRUE(cache.set_scorecard(b).is_ok());
  auto top = cache.top_gainers(5);
  ASSERT_TRUE(top.is_ok());
  ASSERT_EQ(top->size(), 1u);  // BBB is down: not a gainer
  EXPECT_NEAR((*top)[0].change_percent, 2.0408163265306123, 1e-12);
  // BBB ticks to 210.12: (210.12 - 204) / 204 = 3 %; AAA to 99.00: 1/98 = 1.0204081632653061 %.
  ASSERT_TRUE(cache.set_latest_tick(tick("BBB", 21012, 1)).is_ok());
  ASSERT_TRUE(cache.set_latest_tick(tick("AAA", 9900, 1)).is_ok());
  ASSERT_TRUE(cache.set_latest_tick(tick("CCC", 5000, 1)).is_ok());  // no scorecard: not on the board
  top = cache.top_gainers(5);
  ASSERT_TRUE(top.is_ok());
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].symbol, model::Symbol("BBB"));
  EXPECT_NEAR((*top)[0].change_percent, 3.0, 1e-12);
  EXPECT_NEAR((*top)[1].change_percent, 1.0204081632653061, 1e-12);
  EXPECT_EQ(cache.top_gainers(1)->size(), 1u);
}

TEST(MemoryHotCache, KeepsTheNewestSignalsAndTheMarketView) {
  MemoryHotCache cache;
  for (size_t i = 0; i < kRecentSignalsCapacity + 5; ++i) {
    model::Signal s;
    s.id = "S" + std::to_string(i);
    s.symbol = model::Symbol("TCS");
    ASSERT_TRUE(cache.add_signal(s).is_ok());
  }
  auto all = cache.recent_signals(1000);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), kRecentSignalsCapacity);
  EXPECT_EQ(all->front().id, "S" + std::to_string(kRecentSignalsCapacity + 4));  // newest first
  EXPECT_EQ(all->back().id, "S5");
  EXPECT_FALSE(cache.market_view()->has_value());
  model::MarketView v;
  v.advances = 3;
  ASSERT_TRUE(cache.set_market_view(v).is_ok());
  ASSERT_TRUE(cache.market_view()->has_value());
  EXPECT_EQ((*cache.market_view())->advances, 3);
}

model::Candle closed(int minute, int64_t close_paise) {
  model::Candle c;
  c.symbol = model::Symbol("INFY");
  c.start = core::Timestamp::from_seconds(1706154300 + 60 * minute);
  c.open = c.high = c.low = c.close = model::Price::from_paise(close_paise);
  return c;
}

TEST(MemoryHotCache, KeepsACappedListOfClosedCandlesAndPrependsOnlyOlderOnes) {
  MemoryHotCache cache(4);
  ASSERT_TRUE(cache.add_closed_candle(closed(5, 100)).is_ok());
  ASSERT_TRUE(cache.add_closed_candle(closed(6, 110)).is_ok());
  ASSERT_TRUE(cache.add_closed_candle(closed(6, 120)).is_ok());  // same start: replaces
  ASSERT_TRUE(cache.add_closed_candle(closed(2, 999)).is_ok());  // older than the last: ignored
  auto got = cache.recent_candles(model::Symbol("INFY"), model::Interval::k1m, 10);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[1].close.paise(), 120);
  // History 3..6 from a store: only 3 and 4 are older than the head (5); the cap of 4 holds.
  std::vector<model::Candle> older = {closed(2, 1), closed(3, 2), closed(4, 3), closed(5, 4), closed(6, 5)};
  ASSERT_TRUE(cache.prepend_candles(older).is_ok());
  got = cache.recent_candles(model::Symbol("INFY"), model::Interval::k1m, 10);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0].start, closed(3, 0).start);
  EXPECT_EQ((*got)[2].close.paise(), 100);  // the list's own 5, not the store's
  EXPECT_EQ((*got)[3].close.paise(), 120);
  auto last2 = cache.recent_candles(model::Symbol("INFY"), model::Interval::k1m, 2);
  ASSERT_EQ(last2->size(), 2u);
  EXPECT_EQ((*last2)[0].start, closed(5, 0).start);
  // Mixed symbols are refused.
  std::vector<model::Candle> mixed = {closed(0, 1), closed(1, 1)};
  mixed[1].symbol = model::Symbol("TCS");
  EXPECT_EQ(cache.prepend_candles(mixed).code(), core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace nifty::store
