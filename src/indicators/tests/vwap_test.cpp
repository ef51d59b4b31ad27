#include "indicators/vwap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/timestamp.h"
#include "indicators/tests/near.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

int64_t ist(int year, int month, int day, int hour, int minute) {
  return core::Timestamp::from_ist(core::Date{year, month, day}, hour, minute).nanos();
}

TEST(Vwap, SessionsStartAtEachIstDayAndAgainAt0915) {
  int64_t pre_open = vwap_session_key(ist(2024, 6, 21, 9, 7));
  int64_t open = vwap_session_key(ist(2024, 6, 21, 9, 15));
  EXPECT_NE(pre_open, open);
  EXPECT_EQ(open, vwap_session_key(ist(2024, 6, 21, 15, 25)));
  EXPECT_EQ(open, vwap_session_key(ist(2024, 6, 21, 23, 59)));
  EXPECT_NE(open, vwap_session_key(ist(2024, 6, 22, 0, 0)));
  EXPECT_NE(pre_open, vwap_session_key(ist(2024, 6, 20, 15, 25)));
  // 09:14:59.999999999 IST is still before the regular session.
  EXPECT_EQ(pre_open, vwap_session_key(ist(2024, 6, 21, 9, 15) - 1));
  // 00:00 IST is 18:30 UTC of the previous UTC day: the IST date decides.
  EXPECT_EQ(vwap_session_key(ist(2024, 6, 21, 0, 0)), vwap_session_key(ist(2024, 6, 21, 5, 30)));
}

TEST(Vwap, HandWorkedResetsAtTheNextSession) {
  // Day 1: tp (12+8+10)/3 = 10 x 100, tp (14+12+13)/3 = 13 x 200 -> (1000 + 2600) / 300 = 12.
  // Day 2 09:15: tp 20 x 50 -> 20 (the previous day is forgotten).
  Vwap v;
  v.update(ist(2024, 6, 20, 9, 15), {12, 8, 10, 100});
  EXPECT_DOUBLE_EQ(v.value(), 10.0);
  v.update(ist(2024, 6, 20, 9, 20), {14, 12, 13, 200});
  EXPECT_DOUBLE_EQ(v.value(), 12.0);
  v.update(ist(2024, 6, 21, 9, 15), {21, 19, 20, 50});
  EXPECT_DOUBLE_EQ(v.value(), 20.0);

  std::vector<int64_t> t{ist(2024, 6, 20, 9, 15), ist(2024, 6, 20, 9, 20), ist(2024, 6, 21, 9, 15)};
  auto batch = vwap(t, std::vector<double>{12, 14, 21}, std::vector<double>{8, 12, 19},
                    std::vector<double>{10, 13, 20}, std::vector<double>{100, 200, 50});
  EXPECT_DOUBLE_EQ(batch[0], 10.0);
  EXPECT_DOUBLE_EQ(batch[1], 12.0);
  EXPECT_DOUBLE_EQ(batch[2], 20.0);
}

TEST(Vwap, ZeroVolumeGivesTheMeanTypicalPriceNotNaN) {
  // An index carries no volume: the VWAP is the plain mean of typical prices 10 and 13.
  Vwap v;
  v.update({12, 8, 10, 0}, true);
  v.update({14, 12, 13, 0}, false);
  EXPECT_DOUBLE_EQ(v.value(), 11.5);
  v.update({20, 20, 20, 10}, false);  // the first volume takes over
  EXPECT_DOUBLE_EQ(v.value(), 20.0);
}

TEST(Vwap, FlagFormStartsSessionsWhenTold) {
  Vwap v;
  v.update({12, 8, 10, 100}, false);  // the first candle always starts a session
  v.update({14, 12, 13, 200}, false);
  EXPECT_DOUBLE_EQ(v.value(), 12.0);
  v.update({14, 12, 13, 200}, true);
  EXPECT_DOUBLE_EQ(v.value(), 13.0);
}

TEST(Vwap, RejectsBadCandles) {
  Vwap v;
  EXPECT_TRUE(std::isnan(v.value()));
  v.update({12, 8, 10, 100}, true);
  v.update({12, 8, NAN, 100}, false);
  v.update({12, 8, 10, -1}, false);
  v.update(ist(2024, 6, 21, 9, 15), {12, 8, 10, INFINITY});
  EXPECT_EQ(v.rejected(), 3);
  EXPECT_DOUBLE_EQ(v.value(), 10.0);
}

TEST(Vwap, StreamingEqualsBatchOnRealCandles) {
  for (const char* kind : {"daily", "5min"}) {
    auto c = testing::real_candles(kind, "ITC");
    ASSERT_EQ(c.size(), 400u) << kind;
    auto batch = vwap(c.start_nanos, c.high, c.low, c.close, c.volume);
    Vwap v;
    int sessions = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      v.update(c.start_nanos[i], c.at(i));
      if (i == 0 || vwap_session_key(c.start_nanos[i]) != vwap_session_key(c.start_nanos[i - 1])) ++sessions;
      ASSERT_TRUE(testing::near(v.value(), batch[i])) << kind << " " << i;
      ASSERT_GE(v.value(), c.low[i] * 0.8) << i;
    }
    // 400 daily candles are 400 sessions; 400 five-minute candles span 6 trading days.
    EXPECT_EQ(sessions, std::string(kind) == "daily" ? 400 : 6) << kind;
  }
}

}  // namespace
}  // namespace nifty::indicators
