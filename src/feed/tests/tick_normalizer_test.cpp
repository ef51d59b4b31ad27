#include "feed/tick_normalizer.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/metrics.h"
#include "core/nse_calendar.h"

namespace nifty::feed {
namespace {

using core::Date;
using core::Timestamp;

// 2023-02-28 (a Tuesday) and 2023-03-01 (a Wednesday) are ordinary NSE trading days.
const Date kDay{2023, 2, 28};
const Date kNextDay{2023, 3, 1};

model::Tick make_tick(std::string_view symbol, Timestamp t, int64_t price_paise, model::Quantity cumulative,
                      uint64_t sequence = 0) {
  model::Tick tick;
  tick.symbol = model::Symbol(symbol);
  tick.exchange_time = t;
  tick.last_price = model::Price::from_paise(price_paise);
  tick.cumulative_volume = cumulative;
  tick.sequence = sequence;
  return tick;
}

Timestamp ist(const Date& d, int h, int m, int s = 0) { return Timestamp::from_ist(d, h, m, s); }

TEST(TickNormalizer, AcceptedTickGetsTheRiseOfCumulativeVolume) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_accept");
  auto a = make_tick("RELIANCE", ist(kDay, 9, 15, 0), 236000, 100);
  auto b = make_tick("RELIANCE", ist(kDay, 9, 15, 10), 236100, 150);
  auto c = make_tick("TCS", ist(kDay, 9, 15, 11), 320000, 70);
  EXPECT_FALSE(n.normalize(a));
  EXPECT_FALSE(n.normalize(b));
  EXPECT_FALSE(n.normalize(c));
  EXPECT_EQ(a.volume_delta, 100);  // first tick of the day: its own cumulative volume
  EXPECT_EQ(b.volume_delta, 50);   // 150 - 100
  EXPECT_EQ(c.volume_delta, 70);   // other symbols keep their own baseline
  EXPECT_EQ(n.rejected().accepted, 3u);
  EXPECT_EQ(n.rejected().total_rejected(), 0u);
}

TEST(TickNormalizer, RejectsNonPositivePriceNegativeQuotesAndNegativeVolumeAsBadPrice) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_bad_price");
  auto zero = make_tick("RELIANCE", ist(kDay, 10, 0), 0, 100);
  auto negative = make_tick("RELIANCE", ist(kDay, 10, 0), -500, 100);
  auto bad_bid = make_tick("RELIANCE", ist(kDay, 10, 0), 236000, 100);
  bad_bid.bid = model::Price::from_paise(-1);
  auto bad_ask = make_tick("RELIANCE", ist(kDay, 10, 0), 236000, 100);
  bad_ask.ask = model::Price::from_paise(-1);
  auto bad_volume = make_tick("RELIANCE", ist(kDay, 10, 0), 236000, -1);
  // One paisa above NUMERIC(10,2)'s 99,999,999.99 rupees: it could never be stored.
  auto too_dear = make_tick("RELIANCE", ist(kDay, 10, 0), 10'000'000'000, 100);
  auto too_dear_ask = make_tick("RELIANCE", ist(kDay, 10, 0), 236000, 100);
  too_dear_ask.ask = model::Price::from_paise(10'000'000'000);
  for (model::Tick* t : {&zero, &negative, &bad_bid, &bad_ask, &bad_volume, &too_dear, &too_dear_ask}) {
    auto r = n.normalize(*t);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, RejectReason::kBadPrice);
  }
  EXPECT_EQ(n.rejected()[RejectReason::kBadPrice], 7u);
  EXPECT_EQ(n.rejected().accepted, 0u);
  // Counted in the process-wide registry under {feed, reason}.
  auto& counter = core::MetricsRegistry::global().counter("ticks_rejected_total", "",
                                                          {{"feed", "test_bad_price"}, {"reason", "bad_price"}});
  EXPECT_EQ(counter.value(), 7.0);
  // A rejected bad tick leaves no baseline: the next good tick's delta is its whole volume.
  auto good = make_tick("RELIANCE", ist(kDay, 10, 1), 236000, 40);
  EXPECT_FALSE(n.normalize(good));
  EXPECT_EQ(good.volume_delta, 40);
}

TEST(TickNormalizer, RejectsCumulativeVolumeGoingBackwardsAndKeepsTheBaseline) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_backwards");
  auto a = make_tick("INFY", ist(kDay, 11, 0), 150000, 200);
  auto back = make_tick("INFY", ist(kDay, 11, 0, 5), 150000, 150);
  auto c = make_tick("INFY", ist(kDay, 11, 0, 9), 150000, 210);
  EXPECT_FALSE(n.normalize(a));
  auto r = n.normalize(back);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, RejectReason::kVolumeBackwards);
  EXPECT_FALSE(n.normalize(c));
  EXPECT_EQ(c.volume_delta, 10);  // 210 - 200: the backwards tick did not move the baseline
  EXPECT_EQ(n.rejected()[RejectReason::kVolumeBackwards], 1u);
}

TEST(TickNormalizer, RejectsTicksOutsideTheSession) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_outside");
  const Date saturday{2023, 3, 4};
  std::vector<model::Tick> ticks = {
      make_tick("SBIN", ist(kDay, 9, 8), 50000, 10),            // pre-open
      make_tick("SBIN", ist(kDay, 15, 30), 50000, 20),          // the session is [09:15, 15:30)
      make_tick("SBIN", ist(kDay, 16, 56), 50000, 30),          // post-close print
      make_tick("SBIN", ist(saturday, 10, 0), 50000, 40),       // weekend
  };
  for (auto& t : ticks) {
    auto r = n.normalize(t);
    ASSERT_TRUE(r.has_value()) << t.exchange_time.to_iso_ist();
    EXPECT_EQ(*r, RejectReason::kOutsideSession);
  }
  // The last second of the session is in (Monday 2023-03-06, after the Saturday tick).
  auto last = make_tick("SBIN", ist(Date{2023, 3, 6}, 15, 29, 59), 50000, 5);
  EXPECT_FALSE(n.normalize(last));
  EXPECT_EQ(n.rejected()[RejectReason::kOutsideSession], 4u);
}

TEST(TickNormalizer, SessionCacheFollowsSpecialSessionsAndNextDays) {
  // 2023-11-12 (a Sunday) had a Muhurat session 18:15-19:15; 2023-11-13 was an ordinary Monday.
  TickNormalizer n(core::NseCalendar::builtin(), "test_sessions");
  const Date muhurat{2023, 11, 12};
  const Date monday{2023, 11, 13};
  auto in_muhurat = make_tick("ITC", ist(muhurat, 18, 20), 45000, 10);
  auto after_muhurat = make_tick("ITC", ist(muhurat, 19, 15), 45000, 11);
  auto monday_open = make_tick("ITC", ist(monday, 9, 15), 45000, 5);
  auto monday_early = make_tick("ITC", ist(monday, 9, 14, 59), 45000, 5);
  EXPECT_FALSE(n.normalize(in_muhurat));
  EXPECT_EQ(n.normalize(after_muhurat), RejectReason::kOutsideSession);
  EXPECT_FALSE(n.normalize(monday_open));
  EXPECT_EQ(monday_open.volume_delta, 5);  // a new day starts from 0
  EXPECT_EQ(n.normalize(monday_early), RejectReason::kOutsideSession);
}

TEST(TickNormalizer, PreOpenVolumeBecomesTheBaselineOfTheFirstRegularTick) {
  // ../shared/data/nse-1min/2023-02-28/RELIANCE.txt: the 09:08 pre-open print has volume 41623 and
  // the first regular candle (09:16 label) 154158, which does not include the auction volume. A feed
  // sends cumulative day volume: 41623 at 09:08, then 41623 + 154158 = 195781 within 09:15-09:16.
  TickNormalizer n(core::NseCalendar::builtin(), "test_preopen");
  auto pre_open = make_tick("RELIANCE", ist(kDay, 9, 8), 235610, 41623);
  auto first = make_tick("RELIANCE", ist(kDay, 9, 15, 30), 236000, 195781);
  EXPECT_EQ(n.normalize(pre_open), RejectReason::kOutsideSession);
  EXPECT_FALSE(n.normalize(first));
  EXPECT_EQ(first.volume_delta, 154158);
}

TEST(TickNormalizer, NewTradingDayResetsTheBaselineToZero) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_day_reset");
  auto day1 = make_tick("HDFCBANK", ist(kDay, 15, 29), 160000, 1'000'000);
  auto day1_post = make_tick("HDFCBANK", ist(kDay, 15, 45), 160000, 1'000'100);
  auto day2 = make_tick("HDFCBANK", ist(kNextDay, 9, 15), 161000, 500);
  auto day2_next = make_tick("HDFCBANK", ist(kNextDay, 9, 15, 1), 161000, 800);
  EXPECT_FALSE(n.normalize(day1));
  EXPECT_EQ(n.normalize(day1_post), RejectReason::kOutsideSession);
  EXPECT_FALSE(n.normalize(day2));  // 500 < 1'000'100, but it is a new day
  EXPECT_EQ(day2.volume_delta, 500);
  EXPECT_FALSE(n.normalize(day2_next));
  EXPECT_EQ(day2_next.volume_delta, 300);
}

TEST(TickNormalizer, RejectsSequenceNumbersAlreadySeen) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_sequence");
  auto s5 = make_tick("TCS", ist(kDay, 10, 0, 0), 320000, 10, 5);
  auto s5_again = make_tick("TCS", ist(kDay, 10, 0, 1), 320000, 11, 5);
  auto s4 = make_tick("TCS", ist(kDay, 10, 0, 2), 320000, 12, 4);
  auto s6 = make_tick("TCS", ist(kDay, 10, 0, 3), 320000, 13, 6);
  auto none = make_tick("TCS", ist(kDay, 10, 0, 4), 320000, 14, 0);  // 0 = no sequence: never a duplicate
  EXPECT_FALSE(n.normalize(s5));
  EXPECT_EQ(n.normalize(s5_again), RejectReason::kDuplicateSequence);
  EXPECT_EQ(n.normalize(s4), RejectReason::kDuplicateSequence);
  EXPECT_FALSE(n.normalize(s6));
  EXPECT_FALSE(n.normalize(none));
  EXPECT_EQ(s6.volume_delta, 3);  // 13 - 10: duplicates did not move the baseline
  EXPECT_EQ(n.rejected()[RejectReason::kDuplicateSequence], 2u);
  EXPECT_EQ(n.rejected().accepted, 3u);
}

TEST(TickNormalizer, BatchPassesOnlyAcceptedTicksInOrder) {
  TickNormalizer n(core::NseCalendar::builtin(), "test_batch");
  std::vector<model::Tick> ticks = {
      make_tick("A", ist(kDay, 9, 8), 1000, 5),          // outside session (sets A's baseline to 5)
      make_tick("A", ist(kDay, 9, 15), 1005, 8),         // accepted, delta 3
      make_tick("B", ist(kDay, 9, 15), 0, 8),            // bad price
      make_tick("B", ist(kDay, 9, 15, 1), 2000, 9),      // accepted, delta 9
      make_tick("A", ist(kDay, 9, 15, 2), 1010, 7),      // backwards
      make_tick("A", ist(kDay, 9, 15, 3), 1015, 20),     // accepted, delta 12
  };
  size_t kept = n.normalize_batch(ticks);
  ASSERT_EQ(kept, 3u);
  EXPECT_EQ(ticks[0].last_price.paise(), 1005);
  EXPECT_EQ(ticks[0].volume_delta, 3);
  EXPECT_EQ(ticks[1].last_price.paise(), 2000);
  EXPECT_EQ(ticks[1].volume_delta, 9);
  EXPECT_EQ(ticks[2].last_price.paise(), 1015);
  EXPECT_EQ(ticks[2].volume_delta, 12);
  for (size_t i = 0; i < kept; ++i) EXPECT_GT(ticks[i].last_price.paise(), 0);
  const RejectCounts& c = n.rejected();
  EXPECT_EQ(c.accepted, 3u);
  EXPECT_EQ(c[RejectReason::kOutsideSession], 1u);
  EXPECT_EQ(c[RejectReason::kBadPrice], 1u);
  EXPECT_EQ(c[RejectReason::kVolumeBackwards], 1u);
  EXPECT_EQ(core::MetricsRegistry::global().counter("ticks_accepted_total", "", {{"feed", "test_batch"}}).value(), 3.0);
}

TEST(TickNormalizer, ReasonNames) {
  EXPECT_EQ(reject_reason_name(RejectReason::kBadPrice), "bad_price");
  EXPECT_EQ(reject_reason_name(RejectReason::kVolumeBackwards), "volume_backwards");
  EXPECT_EQ(reject_reason_name(RejectReason::kOutsideSession), "outside_session");
  EXPECT_EQ(reject_reason_name(RejectReason::kDuplicateSequence), "duplicate_sequence");
}

}  // namespace
}  // namespace nifty::feed
