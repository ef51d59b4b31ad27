#include "candles/candle_rollup.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace nifty::candles {
namespace {

using core::Date;
using core::Timestamp;
using model::Candle;
using model::Interval;
using model::Price;
using model::Symbol;

const Date kDay{2023, 2, 28};  // a Tuesday

struct CollectingSink : CandleSink {
  std::vector<Candle> candles;
  void on_candle(const Candle& c) override { candles.push_back(c); }
  std::vector<Candle> of(Interval i) const {
    std::vector<Candle> out;
    for (const Candle& c : candles) {
      if (c.interval == i) out.push_back(c);
    }
    return out;
  }
};

Timestamp ist(int h, int m, Date d = kDay, int s = 0) { return Timestamp::from_ist(d, h, m, s); }

Candle minute(std::string_view sym, Timestamp start, int64_t o, int64_t h, int64_t l, int64_t c, int64_t v,
              int64_t vwap, int32_t trades = 1) {
  Candle k;
  k.symbol = Symbol(sym);
  k.interval = Interval::k1m;
  k.start = start;
  k.open = Price::from_paise(o);
  k.high = Price::from_paise(h);
  k.low = Price::from_paise(l);
  k.close = Price::from_paise(c);
  k.volume = v;
  k.vwap = Price::from_paise(vwap);
  k.trades = trades;
  return k;
}

// A flat candle at one price.
Candle flat(std::string_view sym, Timestamp start, int64_t p, int64_t v = 1) {
  return minute(sym, start, p, p, p, p, v, p);
}

// --- A real day, rolled up and compared with a straightforward grouping done here. ---

std::vector<Candle> load_real_day() {
  // Byte for byte the file of ../shared/data/nse-1min/2023-02-28 (testdata/README.md).
  const std::string path = std::string(NIFTY_SOURCE_DIR) + "/testdata/nse-1min/2023-02-28/RELIANCE.txt";
  std::ifstream in(path);
  std::vector<Candle> out;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string f[9];
    for (auto& x : f) std::getline(ss, x, ',');
    // The file labels a candle by the minute at which it ends.
    const int end_minute = std::stoi(f[2].substr(0, 2)) * 60 + std::stoi(f[2].substr(3, 2));
    const int start_minute = end_minute - 1;
    if (start_minute < 9 * 60 + 15 || start_minute >= 15 * 60 + 30) continue;  // regular session only
    const int64_t o = Price::parse(f[3])->paise(), h = Price::parse(f[4])->paise(),
                  l = Price::parse(f[5])->paise(), c = Price::parse(f[6])->paise();
    // The file has no vwap; use the typical price (h + l + c) / 3, rounded, which lies in [l, h].
    const int64_t typical = (h + l + c + 1) / 3;
    out.push_back(minute("RELIANCE", ist(start_minute / 60, start_minute % 60), o, h, l, c, std::stoll(f[7]),
                         typical, static_cast<int32_t>(1 + end_minute % 7)));
  }
  return out;
}

struct Expected {
  int64_t o = 0, h = 0, l = 0, c = 0, v = 0, pv = 0;
  int64_t trades = 0;
  bool any = false;
};

// Groups by start minute of day; key = bucket start minute of day.
std::map<int, Expected> group(const std::vector<Candle>& ones, int length_minutes) {
  std::map<int, Expected> g;
  for (const Candle& m : ones) {
    const int mod = m.start.ist_minute_of_day();
    const int key = length_minutes == 0 ? 0 : 555 + (mod - 555) / length_minutes * length_minutes;
    Expected& e = g[key];
    if (!e.any) {
      e.o = m.open.paise();
      e.h = m.high.paise();
      e.l = m.low.paise();
      e.any = true;
    }
    e.h = std::max(e.h, m.high.paise());
    e.l = std::min(e.l, m.low.paise());
    e.c = m.close.paise();
    e.v += m.volume;
    e.pv += m.vwap.paise() * m.volume;
    e.trades += m.trades;
  }
  return g;
}

void expect_matches(const std::vector<Candle>& got, const std::map<int, Expected>& want, Interval interval) {
  ASSERT_EQ(got.size(), want.size()) << model::interval_name(interval);
  size_t i = 0;
  for (const auto& [key, e] : want) {
    const Candle& c = got[i++];
    const std::string where = std::string(model::interval_name(interval)) + " bucket " + c.start.to_iso_ist();
    const Timestamp start = interval == Interval::k1d ? Timestamp::from_ist(kDay, 0, 0) : ist(key / 60, key % 60);
    EXPECT_EQ(c.start, start) << where;
    EXPECT_EQ(c.symbol, Symbol("RELIANCE")) << where;
    EXPECT_EQ(c.open.paise(), e.o) << where;
    EXPECT_EQ(c.high.paise(), e.h) << where;
    EXPECT_EQ(c.low.paise(), e.l) << where;
    EXPECT_EQ(c.close.paise(), e.c) << where;
    EXPECT_EQ(c.volume, e.v) << where;
    EXPECT_EQ(c.trades, e.trades) << where;
    // Round half up, in doubles (independent of the integer code path): exact enough at these sizes.
    const int64_t vwap = e.v > 0 ? static_cast<int64_t>(std::floor(static_cast<long double>(e.pv) / e.v + 0.5L)) : e.c;
    EXPECT_EQ(c.vwap.paise(), vwap) << where;
  }
}

TEST(CandleRollup, RealDayMatchesIndependentGrouping) {
  const std::vector<Candle> ones = load_real_day();
  ASSERT_EQ(ones.size(), 375u);
  CandleRollup rollup(core::NseCalendar::builtin());
  CollectingSink sink;
  for (const Candle& m : ones) rollup.on_candle(m, sink);
  // Every bucket was complete when its last minute arrived: nothing waits for flush.
  const size_t before_flush = sink.candles.size();
  rollup.flush(sink);
  EXPECT_EQ(sink.candles.size(), before_flush);
  EXPECT_EQ(sink.of(Interval::k5m).size(), 75u);
  EXPECT_EQ(sink.of(Interval::k15m).size(), 25u);
  EXPECT_EQ(sink.of(Interval::k1h).size(), 7u);  // 09:15 ... 14:15 and the clipped 15:15
  EXPECT_EQ(sink.of(Interval::k1d).size(), 1u);
  expect_matches(sink.of(Interval::k5m), group(ones, 5), Interval::k5m);
  expect_matches(sink.of(Interval::k15m), group(ones, 15), Interval::k15m);
  expect_matches(sink.of(Interval::k1h), group(ones, 60), Interval::k1h);
  expect_matches(sink.of(Interval::k1d), group(ones, 0), Interval::k1d);
  EXPECT_EQ(rollup.stats().candles_in, 375u);
  EXPECT_EQ(rollup.stats().candles_out, 108u);
  EXPECT_EQ(rollup.stats().late_candles, 0u);
}

TEST(CandleRollup, LastHourBucketIsClippedToSessionEnd) {
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k1h});
  CollectingSink sink;
  rollup.on_candle(minute("TCS", ist(15, 15), 10000, 11000, 9500, 10500, 10, 10200, 3), sink);
  rollup.on_candle(minute("TCS", ist(15, 22), 10500, 12000, 10400, 11800, 30, 11500, 4), sink);
  EXPECT_TRUE(sink.candles.empty());
  rollup.on_candle(minute("TCS", ist(15, 29), 11800, 11900, 9000, 9100, 0, 9100, 1), sink);
  // 15:29 is the last minute of the 15:15 bucket, which ends at 15:30: emitted now, not at 16:15.
  // O 100.00 H 120.00 L 90.00 C 91.00, V 40, trades 8,
  // vwap = (10200*10 + 11500*30 + 9100*0) / 40 = (102000 + 345000) / 40 = 11175 paise.
  ASSERT_EQ(sink.candles.size(), 1u);
  const Candle& c = sink.candles[0];
  EXPECT_EQ(c.interval, Interval::k1h);
  EXPECT_EQ(c.start, ist(15, 15));
  EXPECT_EQ(c.open.paise(), 10000);
  EXPECT_EQ(c.high.paise(), 12000);
  EXPECT_EQ(c.low.paise(), 9000);
  EXPECT_EQ(c.close.paise(), 9100);
  EXPECT_EQ(c.volume, 40);
  EXPECT_EQ(c.trades, 8);
  EXPECT_EQ(c.vwap.paise(), 11175);
}

TEST(CandleRollup, ClippedBucketClosesOnClockAtSessionEnd) {
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k1h, Interval::k1d});
  CollectingSink sink;
  rollup.on_candle(flat("TCS", ist(15, 20), 10000), sink);
  rollup.on_clock(ist(15, 30, kDay, 1), sink);  // 15:30 + 2 s grace not reached
  EXPECT_TRUE(sink.candles.empty());
  rollup.on_clock(ist(15, 30, kDay, 2), sink);
  ASSERT_EQ(sink.candles.size(), 2u);
  EXPECT_EQ(sink.candles[0].interval, Interval::k1h);
  EXPECT_EQ(sink.candles[0].start, ist(15, 15));
  EXPECT_EQ(sink.candles[1].interval, Interval::k1d);
  EXPECT_EQ(sink.candles[1].start, ist(0, 0));
  EXPECT_EQ(rollup.stats().closed_on_clock, 2u);
}

TEST(CandleRollup, SpecialEveningSessionAlignsToItsOpen) {
  // 2023-11-12 (a Sunday): Diwali Muhurat trading 18:15-19:15 in the calendar.
  const Date d{2023, 11, 12};
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k15m, Interval::k1h, Interval::k1d});
  CollectingSink sink;
  rollup.on_candle(flat("ITC", ist(18, 15, d), 44000, 5), sink);
  rollup.on_candle(flat("ITC", ist(18, 29, d), 44100, 5), sink);  // last minute of 18:15 15m
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].interval, Interval::k15m);
  EXPECT_EQ(sink.candles[0].start, ist(18, 15, d));
  rollup.on_candle(flat("ITC", ist(18, 50, d), 44300, 10), sink);
  rollup.on_candle(flat("ITC", ist(19, 14, d), 44200, 10), sink);
  // 19:14 is the last minute of the session: 18:45 15m is superseded, 19:00 15m, 18:15 1h, the day end.
  const auto q = sink.of(Interval::k15m);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[1].start, ist(18, 45, d));
  EXPECT_EQ(q[2].start, ist(19, 0, d));
  const auto h = sink.of(Interval::k1h);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].start, ist(18, 15, d));
  // vwap = (44000*5 + 44100*5 + 44300*10 + 44200*10) / 30 = 1325500 / 30 = 44183.33 -> 44183.
  EXPECT_EQ(h[0].vwap.paise(), 44183);
  EXPECT_EQ(h[0].open.paise(), 44000);
  EXPECT_EQ(h[0].close.paise(), 44200);
  EXPECT_EQ(h[0].high.paise(), 44300);
  const auto day = sink.of(Interval::k1d);
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(day[0].start, Timestamp::from_ist(d, 0, 0));
  EXPECT_EQ(day[0].volume, 30);
}

TEST(CandleRollup, SplitSpecialSessionAlignsEachPartToItsOpen) {
  // 2024-03-02 (a Saturday): sessions 09:15-10:00 and 11:30-12:30.
  const Date d{2024, 3, 2};
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k1h, Interval::k1d});
  CollectingSink sink;
  rollup.on_candle(flat("SBIN", ist(9, 15, d), 60000), sink);
  rollup.on_candle(flat("SBIN", ist(9, 59, d), 60100), sink);  // 09:15 1h bucket ends at 10:00
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].start, ist(9, 15, d));
  rollup.on_candle(flat("SBIN", ist(11, 30, d), 60200), sink);
  rollup.on_candle(flat("SBIN", ist(12, 29, d), 60300), sink);  // 11:30 1h bucket and the day end
  const auto h = sink.of(Interval::k1h);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].start, ist(11, 30, d));
  EXPECT_EQ(h[1].open.paise(), 60200);
  const auto day = sink.of(Interval::k1d);
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(day[0].open.paise(), 60000);
  EXPECT_EQ(day[0].close.paise(), 60300);
  EXPECT_EQ(day[0].trades, 4);
}

TEST(CandleRollup, MuhuratSessionOffTheRegularGridAlignsToItsOpen) {
  // 2025-10-21: 13:45-14:45, so the 1h bucket is 13:45, not 13:15.
  const Date d{2025, 10, 21};
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k1h});
  CollectingSink sink;
  rollup.on_candle(flat("HDFCBANK", ist(13, 45, d), 100000), sink);
  rollup.on_candle(flat("HDFCBANK", ist(14, 44, d), 100500), sink);
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].start, ist(13, 45, d));
  EXPECT_EQ(sink.candles[0].close.paise(), 100500);
}

TEST(CandleRollup, GapInsideBucketClosesOnLaterBucket) {
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k5m});
  CollectingSink sink;
  // 10:00-10:05 bucket with minutes 10:00, 10:01, 10:03 only (10:02 and 10:04 had no trade).
  rollup.on_candle(minute("ADANIENT", ist(10, 0), 180000, 181000, 179500, 180500, 100, 180300, 5), sink);
  rollup.on_candle(minute("ADANIENT", ist(10, 1), 180500, 180600, 178000, 178500, 300, 179000, 7), sink);
  rollup.on_candle(minute("ADANIENT", ist(10, 3), 178500, 182000, 178400, 181500, 100, 181000, 2), sink);
  EXPECT_TRUE(sink.candles.empty());  // its last minute has not arrived
  rollup.on_candle(minute("ADANIENT", ist(10, 6), 181500, 181500, 181500, 181500, 1, 181500), sink);
  // O 1800.00 H 1820.00 L 1780.00 C 1815.00, V 500, trades 14,
  // vwap = (180300*100 + 179000*300 + 181000*100) / 500 = (18030000 + 53700000 + 18100000) / 500
  //      = 89830000 / 500 = 179660.
  ASSERT_EQ(sink.candles.size(), 1u);
  const Candle& c = sink.candles[0];
  EXPECT_EQ(c.start, ist(10, 0));
  EXPECT_EQ(c.open.paise(), 180000);
  EXPECT_EQ(c.high.paise(), 182000);
  EXPECT_EQ(c.low.paise(), 178000);
  EXPECT_EQ(c.close.paise(), 181500);
  EXPECT_EQ(c.volume, 500);
  EXPECT_EQ(c.trades, 14);
  EXPECT_EQ(c.vwap.paise(), 179660);
  const Candle* cur = rollup.current(Symbol("ADANIENT"), Interval::k5m);
  ASSERT_NE(cur, nullptr);
  EXPECT_EQ(cur->start, ist(10, 5));
}

TEST(CandleRollup, GapAtBucketEndClosesOnClock) {
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k5m});
  CollectingSink sink;
  rollup.on_candle(flat("ADANIENT", ist(10, 2), 180000), sink);
  rollup.on_clock(ist(10, 5, kDay, 1), sink);
  EXPECT_TRUE(sink.candles.empty());
  rollup.on_clock(ist(10, 5, kDay, 2), sink);  // 10:05 + 2 s grace
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].start, ist(10, 0));
  // Its last minute arriving afterwards is late.
  rollup.on_candle(flat("ADANIENT", ist(10, 4), 180100), sink);
  EXPECT_EQ(rollup.stats().late_candles, 1u);
  EXPECT_EQ(rollup.current(Symbol("ADANIENT"), Interval::k5m), nullptr);
}

TEST(CandleRollup, NoVolumeVwapIsTheClose) {
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k5m});
  CollectingSink sink;
  rollup.on_candle(minute("NIFTY", ist(9, 15), 1756500, 1757000, 1756000, 1756800, 0, 1756800), sink);
  rollup.on_candle(minute("NIFTY", ist(9, 19), 1756800, 1758000, 1756700, 1757900, 0, 1757900), sink);
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].volume, 0);
  EXPECT_EQ(sink.candles[0].vwap.paise(), 1757900);
}

TEST(CandleRollup, RejectsBadInputAndCountsLateAndOutOfSession) {
  CandleRollup rollup(core::NseCalendar::builtin());
  CollectingSink sink;
  Candle five = flat("A", ist(10, 0), 1000);
  five.interval = Interval::k5m;
  rollup.on_candle(five, sink);                                                   // not 1m
  rollup.on_candle(minute("A", ist(10, 0), 1000, 900, 950, 1000, 1, 950), sink);   // high < open
  rollup.on_candle(flat("A", ist(10, 0) + 1, 1000), sink);                         // not on a minute
  rollup.on_candle(flat("A", ist(10, 0), 1000, 5), sink);
  Candle bad_vwap = flat("A", ist(10, 1), 1000, 5);
  bad_vwap.vwap = Price::from_paise(2000);
  rollup.on_candle(bad_vwap, sink);                                                // vwap out of range
  EXPECT_EQ(rollup.stats().rejected_candles, 4u);
  rollup.on_candle(flat("A", ist(10, 0), 1000), sink);                             // repeat: late
  EXPECT_EQ(rollup.stats().late_candles, 1u);
  rollup.on_candle(flat("A", ist(16, 0), 1000), sink);                             // after the close
  rollup.on_candle(flat("A", ist(10, 0, Date{2023, 3, 4}), 1000), sink);           // a Saturday
  EXPECT_EQ(rollup.stats().out_of_session, 2u);
  EXPECT_TRUE(sink.candles.empty());
  rollup.flush(sink);
  ASSERT_EQ(sink.candles.size(), 4u);  // 5m, 15m, 1h, 1d of the one good minute
  for (const Candle& c : sink.candles) EXPECT_EQ(c.volume, 5);
}

TEST(CandleRollup, DayBucketClosesWhenNextDayArrives) {
  CandleRollup rollup(core::NseCalendar::builtin(), {Interval::k1d});
  CollectingSink sink;
  rollup.on_candle(flat("A", ist(11, 0), 1000, 2), sink);
  EXPECT_TRUE(sink.candles.empty());
  rollup.on_candle(flat("A", ist(9, 15, Date{2023, 3, 1}), 1100, 3), sink);
  ASSERT_EQ(sink.candles.size(), 1u);
  EXPECT_EQ(sink.candles[0].start, Timestamp::from_ist(kDay, 0, 0));
  EXPECT_EQ(sink.candles[0].volume, 2);
  const Candle* cur = rollup.current(Symbol("A"), Interval::k1d);
  ASSERT_NE(cur, nullptr);
  EXPECT_EQ(cur->start, Timestamp::from_ist(Date{2023, 3, 1}, 0, 0));
}

}  // namespace
}  // namespace nifty::candles
