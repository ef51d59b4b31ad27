#include "candles/candle_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace nifty::candles {
namespace {

using core::Date;
using core::Timestamp;
using model::Candle;
using model::Price;
using model::Symbol;
using model::Tick;

const Date kDay{2023, 2, 28};  // a Tuesday

struct CollectingSink : CandleSink {
  std::vector<Candle> candles;
  void on_candle(const Candle& c) override { candles.push_back(c); }
};

Timestamp ist(int h, int m, int s = 0, int64_t ms = 0, Date d = kDay) {
  return Timestamp::from_ist(d, h, m, s, ms * core::kNanosPerMilli);
}

Tick tick(std::string_view sym, Timestamp t, int64_t price_paise, int64_t volume_delta) {
  Tick k;
  k.symbol = Symbol(sym);
  k.exchange_time = t;
  k.receive_time = t;
  k.last_price = Price::from_paise(price_paise);
  k.volume_delta = volume_delta;
  return k;
}

Timestamp utc(const char* iso) { return Timestamp::parse(iso).value(); }

TEST(CandleBuilder, AlignsCandleToExchangeMinute) {
  CandleBuilder b;
  CollectingSink sink;
  // 09:15:00.000 IST exactly opens the first regular candle; 09:15 IST is 03:45 UTC.
  b.on_tick(tick("RELIANCE", ist(9, 15, 0), 236000, 100), sink);
  b.on_tick(tick("RELIANCE", ist(9, 15, 59, 999), 236005, 100), sink);
  b.on_tick(tick("TCS", ist(9, 16, 7, 250), 340000, 5), sink);
  b.flush(sink);
  ASSERT_EQ(sink.candles.size(), 2u);
  EXPECT_EQ(sink.candles[0].symbol, Symbol("RELIANCE"));
  EXPECT_EQ(sink.candles[0].start, utc("2023-02-28T03:45:00Z"));
  EXPECT_EQ(sink.candles[0].interval, model::Interval::k1m);
  EXPECT_EQ(sink.candles[0].trades, 2);
  EXPECT_EQ(sink.candles[1].start, utc("2023-02-28T03:46:00Z"));
}

TEST(CandleBuilder, OpensNextCandleWithTheCrossingTick) {
  CandleBuilder b;
  CollectingSink sink;
  b.on_tick(tick("INFY", ist(9, 15, 10), 100000, 10), sink);
  b.on_tick(tick("INFY", ist(9, 15, 40), 100500, 20), sink);
  EXPECT_TRUE(sink.candles.empty());
  b.on_tick(tick("INFY", ist(9, 16, 0), 100200, 5), sink);
  // The 09:15 candle closed before on_tick returned:
  // O 1000.00 H 1005.00 L 1000.00 C 1005.00, V 30, 2 ticks,
  // vwap = (100000*10 + 100500*20) / 30 = 3010000 / 30 = 100333.33 -> 100333 paise.
  ASSERT_EQ(sink.candles.size(), 1u);
  const Candle& c = sink.candles[0];
  EXPECT_EQ(c.start, ist(9, 15));
  EXPECT_EQ(c.open.paise(), 100000);
  EXPECT_EQ(c.high.paise(), 100500);
  EXPECT_EQ(c.low.paise(), 100000);
  EXPECT_EQ(c.close.paise(), 100500);
  EXPECT_EQ(c.volume, 30);
  EXPECT_EQ(c.trades, 2);
  EXPECT_EQ(c.vwap.paise(), 100333);
  // ...and the crossing tick opened 09:16 with itself.
  const Candle* cur = b.current(Symbol("INFY"));
  ASSERT_NE(cur, nullptr);
  EXPECT_EQ(cur->start, ist(9, 16));
  EXPECT_EQ(cur->open.paise(), 100200);
  EXPECT_EQ(cur->close.paise(), 100200);
  EXPECT_EQ(cur->volume, 5);
  EXPECT_EQ(cur->trades, 1);
  EXPECT_EQ(b.stats().candles_closed, 1u);
}

TEST(CandleBuilder, ClosesOnClockAfterMinuteEndPlusGrace) {
  CandleBuilder b(CandleBuilderConfig{.grace_nanos = 2 * core::kNanosPerSecond});
  CollectingSink sink;
  b.on_tick(tick("SHREECEM", ist(10, 0, 30), 2400000, 3), sink);
  b.on_clock(ist(10, 0, 59), sink);
  b.on_clock(ist(10, 1, 1, 999), sink);  // 10:01:00 + 2 s grace not reached
  EXPECT_TRUE(sink.candles.empty());
  b.on_clock(ist(10, 1, 2), sink);  // due exactly now
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].start, ist(10, 0));
  EXPECT_EQ(b.stats().closed_on_clock, 1u);
  EXPECT_EQ(b.current(Symbol("SHREECEM")), nullptr);
  b.on_clock(ist(10, 5), sink);  // nothing open: nothing more
  EXPECT_EQ(sink.candles.size(), 1u);
  // A delayed tick of the closed minute is late and not applied.
  b.on_tick(tick("SHREECEM", ist(10, 0, 59, 900), 2399000, 1), sink);
  EXPECT_EQ(b.stats().late_ticks, 1u);
  EXPECT_EQ(b.current(Symbol("SHREECEM")), nullptr);
  b.flush(sink);
  EXPECT_EQ(sink.candles.size(), 1u);
}

TEST(CandleBuilder, OnClockClosesOnlyDueCandles) {
  CandleBuilder b;
  CollectingSink sink;
  b.on_tick(tick("A", ist(10, 0, 10), 1000, 1), sink);
  b.on_tick(tick("B", ist(10, 1, 10), 2000, 1), sink);  // other symbol, later minute
  b.on_clock(ist(10, 1, 2), sink);                      // A due (10:01:02), B not (10:02:02)
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].symbol, Symbol("A"));
  ASSERT_NE(b.current(Symbol("B")), nullptr);
  b.on_clock(ist(10, 2, 2), sink);
  ASSERT_EQ(sink.candles.size(), 2u);
  EXPECT_EQ(sink.candles[1].symbol, Symbol("B"));
  EXPECT_EQ(b.stats().closed_on_clock, 2u);
}

TEST(CandleBuilder, VolumeIsSumOfDeltasAndVwapRoundsToNearestPaisa) {
  CandleBuilder b;
  CollectingSink sink;
  // 100.05 x 1 + 100.10 x 2 = 10005 + 20020 = 30025 paise-shares over 3 -> 10008.33 -> 10008.
  b.on_tick(tick("X", ist(11, 0, 1), 10005, 1), sink);
  b.on_tick(tick("X", ist(11, 0, 2), 10010, 2), sink);
  // Halves round up: (10005 + 10010) / 2 = 10007.5 -> 10008.
  b.on_tick(tick("Y", ist(11, 0, 1), 10005, 1), sink);
  b.on_tick(tick("Y", ist(11, 0, 2), 10010, 1), sink);
  // 99.95 x 2 + 100.00 x 1 = 19990 + 10000 = 29990 over 3 -> 9996.67 -> 9997; a zero-delta tick
  // moves the close and counts as a tick but weighs nothing.
  b.on_tick(tick("Z", ist(11, 0, 1), 9995, 2), sink);
  b.on_tick(tick("Z", ist(11, 0, 2), 10000, 1), sink);
  b.on_tick(tick("Z", ist(11, 0, 3), 10100, 0), sink);
  b.flush(sink);
  ASSERT_EQ(sink.candles.size(), 3u);
  EXPECT_EQ(sink.candles[0].volume, 3);
  EXPECT_EQ(sink.candles[0].vwap.paise(), 10008);
  EXPECT_EQ(sink.candles[1].vwap.paise(), 10008);
  EXPECT_EQ(sink.candles[2].volume, 3);
  EXPECT_EQ(sink.candles[2].trades, 3);
  EXPECT_EQ(sink.candles[2].close.paise(), 10100);
  EXPECT_EQ(sink.candles[2].high.paise(), 10100);
  EXPECT_EQ(sink.candles[2].vwap.paise(), 9997);
}

TEST(CandleBuilder, VwapIsCloseWhenNoVolume) {
  CandleBuilder b;
  CollectingSink sink;
  // The NIFTY index carries no volume.
  b.on_tick(tick("NIFTY", ist(9, 15, 1), 1756530, 0), sink);
  b.on_tick(tick("NIFTY", ist(9, 15, 2), 1757000, 0), sink);
  b.on_tick(tick("NIFTY", ist(9, 15, 3), 1756800, 0), sink);
  b.flush(sink);
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].volume, 0);
  EXPECT_EQ(sink.candles[0].trades, 3);
  EXPECT_EQ(sink.candles[0].vwap.paise(), 1756800);
  EXPECT_EQ(sink.candles[0].low.paise(), 1756530);
}

TEST(CandleBuilder, LateTicksAreCountedAndNotApplied) {
  CandleBuilder b;
  CollectingSink sink;
  b.on_tick(tick("M&M", ist(9, 15, 5), 120000, 10), sink);
  b.on_tick(tick("M&M", ist(9, 16, 5), 121000, 10), sink);  // closes 09:15, opens 09:16
  b.on_tick(tick("M&M", ist(9, 15, 59), 90000, 50), sink);  // minute already closed
  b.on_tick(tick("M&M", ist(9, 14, 0), 90000, 50), sink);   // earlier than the open candle
  EXPECT_EQ(b.stats().late_ticks, 2u);
  const Candle* cur = b.current(Symbol("M&M"));
  ASSERT_NE(cur, nullptr);
  EXPECT_EQ(cur->low.paise(), 121000);
  EXPECT_EQ(cur->volume, 10);
  EXPECT_EQ(cur->trades, 1);
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].low.paise(), 120000);
  EXPECT_EQ(b.stats().ticks, 4u);
}

TEST(CandleBuilder, CountsGapMinutesInsideADayOnly) {
  CandleBuilder b;
  CollectingSink sink;
  b.on_tick(tick("S", ist(10, 0, 1), 1000, 1), sink);
  b.on_tick(tick("S", ist(10, 3, 1), 1005, 1), sink);  // 10:01, 10:02 missing -> 2
  EXPECT_EQ(b.stats().gap_minutes, 2u);
  b.on_tick(tick("S", ist(10, 4, 0), 1005, 1), sink);  // adjacent -> 0
  EXPECT_EQ(b.stats().gap_minutes, 2u);
  b.on_tick(tick("S", ist(15, 29, 59), 1010, 1), sink);  // 10:05..15:28 missing: 324 minutes
  EXPECT_EQ(b.stats().gap_minutes, 2u + 324u);
  // Next day's first candle: no gap across the night.
  b.on_tick(tick("S", ist(9, 15, 0, 0, Date{2023, 3, 1}), 1010, 1), sink);
  EXPECT_EQ(b.stats().gap_minutes, 326u);
  // After a clock close the gap is measured from the closed candle too.
  b.on_clock(ist(9, 16, 2, 0, Date{2023, 3, 1}), sink);
  b.on_tick(tick("S", ist(9, 20, 0, 0, Date{2023, 3, 1}), 1010, 1), sink);  // 09:16..09:19 -> 4
  EXPECT_EQ(b.stats().gap_minutes, 330u);
  b.flush(sink);
  EXPECT_EQ(sink.candles.size(), 6u);
}

TEST(CandleBuilder, RejectsTicksBreakingTheInputContract) {
  CandleBuilder b;
  CollectingSink sink;
  b.on_tick(tick("A", ist(10, 0), 0, 1), sink);       // price 0
  b.on_tick(tick("A", ist(10, 0), -500, 1), sink);    // negative price
  b.on_tick(tick("A", ist(10, 0), 1000, -3), sink);   // negative volume delta
  b.on_tick(tick("", ist(10, 0), 1000, 1), sink);     // no symbol
  b.on_tick(tick("A", Timestamp(), 1000, 1), sink);   // no exchange time
  b.flush(sink);
  EXPECT_TRUE(sink.candles.empty());
  EXPECT_EQ(b.stats().rejected_ticks, 5u);
  EXPECT_EQ(b.stats().ticks, 5u);
  EXPECT_EQ(b.current(Symbol("A")), nullptr);
}

TEST(CandleBuilder, FlushClosesEveryOpenCandle) {
  CandleBuilder b;
  CollectingSink sink;
  for (const char* s : {"A", "B", "C"}) b.on_tick(tick(s, ist(12, 0, 30), 5000, 2), sink);
  EXPECT_EQ(b.current(Symbol("D")), nullptr);
  b.flush(sink);
  EXPECT_EQ(sink.candles.size(), 3u);
  EXPECT_EQ(b.current(Symbol("A")), nullptr);
  b.flush(sink);
  EXPECT_EQ(sink.candles.size(), 3u);
}

TEST(CandleBuilder, ManySymbolsKeepSeparateCandles) {
  CandleBuilder b;
  CollectingSink sink;
  // 300 symbols (beyond the initial hash table size) with prices 1000 + i paise.
  for (int i = 0; i < 300; ++i) {
    b.on_tick(tick("SYM" + std::to_string(i), ist(10, 0, 1), 1000 + i, i), sink);
  }
  for (int i = 0; i < 300; ++i) {
    const Candle* c = b.current(Symbol("SYM" + std::to_string(i)));
    ASSERT_NE(c, nullptr) << i;
    EXPECT_EQ(c->open.paise(), 1000 + i);
    EXPECT_EQ(c->volume, i);
  }
}

// Ticks synthesised from each real 1-minute row (open at :00, high at :15, low at :30, close at :45,
// volume split over the four) must rebuild that row. The file labels a candle by its END minute.
TEST(CandleBuilder, RebuildsRealMinuteCandlesFromTheirTicks) {
  // Byte for byte the file of ../shared/data/nse-1min/2023-02-28 (testdata/README.md).
  const std::string path = std::string(NIFTY_SOURCE_DIR) + "/testdata/nse-1min/2023-02-28/RELIANCE.txt";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  struct Row {
    Timestamp start;
    int64_t o, h, l, c, v;
  };
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string f[9];
    for (auto& x : f) std::getline(ss, x, ',');
    const int hh = std::stoi(f[2].substr(0, 2)), mm = std::stoi(f[2].substr(3, 2));
    const int minute_of_day = hh * 60 + mm - 1;
    if (minute_of_day < 9 * 60 + 15 || minute_of_day >= 15 * 60 + 30) continue;  // regular session only
    rows.push_back({ist(minute_of_day / 60, minute_of_day % 60), Price::parse(f[3])->paise(),
                    Price::parse(f[4])->paise(), Price::parse(f[5])->paise(), Price::parse(f[6])->paise(),
                    std::stoll(f[7])});
  }
  ASSERT_EQ(rows.size(), 375u);
  CandleBuilder b;
  CollectingSink sink;
  for (const Row& r : rows) {
    const int64_t q = r.v / 4;
    b.on_tick(tick("RELIANCE", r.start, r.o, q), sink);
    b.on_tick(tick("RELIANCE", r.start + 15 * core::kNanosPerSecond, r.h, q), sink);
    b.on_tick(tick("RELIANCE", r.start + 30 * core::kNanosPerSecond, r.l, q), sink);
    b.on_tick(tick("RELIANCE", r.start + 45 * core::kNanosPerSecond, r.c, r.v - 3 * q), sink);
  }
  b.flush(sink);
  ASSERT_EQ(sink.candles.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Candle& c = sink.candles[i];
    const Row& r = rows[i];
    ASSERT_EQ(c.start, r.start) << i;
    EXPECT_EQ(c.open.paise(), r.o) << i;
    EXPECT_EQ(c.high.paise(), r.h) << i;
    EXPECT_EQ(c.low.paise(), r.l) << i;
    EXPECT_EQ(c.close.paise(), r.c) << i;
    EXPECT_EQ(c.volume, r.v) << i;
    EXPECT_EQ(c.trades, 4) << i;
  }
  EXPECT_EQ(sink.candles.front().start, ist(9, 15));
  EXPECT_EQ(sink.candles.back().start, ist(15, 29));
  EXPECT_EQ(b.stats().gap_minutes, 0u);
  EXPECT_EQ(b.stats().late_ticks, 0u);
}

}  // namespace
}  // namespace nifty::candles
