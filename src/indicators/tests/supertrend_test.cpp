#include "indicators/supertrend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

// Hand-worked SuperTrend(1, 1): ATR(1) is the true range.
//  0: 10, 8, 9       no ATR yet
//  1: 11, 9, 10      TR 2, mid 10: basic 12 / 8; first: bands 12 / 8, DOWN, line 12
//  2: 12, 10, 11.5   TR 2, mid 11: basic 13 / 9; upper stays 12 (13 > 12, prev close 10 <= 12),
//                    lower 9 (rises); close 11.5 <= 12: still DOWN, line 12
//  3: 14, 12, 13.5   TR 2.5, mid 13: basic 15.5 / 10.5; upper stays 12, lower 10.5;
//                    close 13.5 > 12: turns UP, line = lower 10.5
//  4: 13, 9, 9.5     TR 4.5, mid 11: basic 15.5 / 6.5; upper 15.5 (prev close 13.5 > 12),
//                    lower stays 10.5; close 9.5 < 10.5: turns DOWN, line = upper 15.5
TEST(SuperTrend, HandWorkedBandsAndFlips) {
  std::vector<double> high{10, 11, 12, 14, 13};
  std::vector<double> low{8, 9, 10, 12, 9};
  std::vector<double> close{9, 10, 11.5, 13.5, 9.5};
  std::vector<double> line{NAN, 12, 12, 10.5, 15.5};
  std::vector<int> direction{0, -1, -1, 1, -1};
  std::vector<double> upper{NAN, 12, 12, 12, 15.5};
  std::vector<double> lower{NAN, 8, 9, 10.5, 10.5};
  SuperTrend s(1, 1.0);
  auto batch = supertrend(high, low, close, 1, 1.0);
  for (size_t i = 0; i < close.size(); ++i) {
    EXPECT_EQ(s.update({high[i], low[i], close[i], 0}), i >= 1) << i;
    EXPECT_TRUE(testing::near(s.value(), line[i], 1e-12)) << i;
    EXPECT_EQ(s.direction(), direction[i]) << i;
    EXPECT_TRUE(testing::near(s.upper(), upper[i], 1e-12)) << i;
    EXPECT_TRUE(testing::near(s.lower(), lower[i], 1e-12)) << i;
    EXPECT_TRUE(testing::near(batch.value[i], line[i], 1e-12)) << i;
    EXPECT_EQ(batch.direction[i], direction[i]) << i;
  }
}

TEST(SuperTrend, FlatPricesCollapseTheBandsOntoThePrice) {
  SuperTrend s(3, 3.0);
  for (int i = 0; i < 8; ++i) s.update({5, 5, 5, 0});
  ASSERT_TRUE(s.ready());
  EXPECT_DOUBLE_EQ(s.value(), 5.0);
}

TEST(SuperTrend, RejectsNonFiniteCandles) {
  SuperTrend s(1, 1.0);
  s.update({10, 8, 9, 0});
  s.update({10, NAN, 9, 0});
  s.update({11, 9, 10, 0});
  EXPECT_EQ(s.rejected(), 1);
  EXPECT_DOUBLE_EQ(s.value(), 12.0);
}

TEST(SuperTrend, StreamingEqualsBatchOnRealCandles) {
  for (const char* kind : {"daily", "5min"}) {
    auto c = testing::real_candles(kind, "TATASTEEL");
    ASSERT_EQ(c.size(), 400u) << kind;
    auto batch = supertrend(c.high, c.low, c.close);
    SuperTrend s;
    int flips = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      s.update(c.at(i));
      ASSERT_TRUE(testing::near(s.value(), batch.value[i])) << kind << " " << i;
      ASSERT_TRUE(testing::near(s.upper(), batch.upper[i])) << kind << " " << i;
      ASSERT_TRUE(testing::near(s.lower(), batch.lower[i])) << kind << " " << i;
      ASSERT_EQ(s.direction(), batch.direction[i]) << kind << " " << i;
      if (i > 10 && batch.direction[i] != batch.direction[i - 1]) ++flips;
    }
    EXPECT_GT(flips, 0) << kind;  // the real series exercise both trends
  }
}

}  // namespace
}  // namespace nifty::indicators
