#include "indicators/stochastic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

// Hand-worked STOCH(3, 2, 2). (high, low, close):
//  0: 10, 8, 9
//  1: 11, 9, 10
//  2: 12, 10, 11   HH 12, LL 8: fastk = 100*(11-8)/4 = 75
//  3: 13, 10, 10   HH 13, LL 9: fastk = 100*(10-9)/4 = 25     slowk = (75+25)/2 = 50
//  4: 10, 9, 9.5   HH 13, LL 9: fastk = 100*0.5/4 = 12.5      slowk = 18.75, slowd = 34.375
TEST(Stochastic, HandWorkedSlowStochastic) {
  std::vector<double> high{10, 11, 12, 13, 10};
  std::vector<double> low{8, 9, 10, 10, 9};
  std::vector<double> close{9, 10, 11, 10, 9.5};
  Stochastic s(3, 2, 2);
  auto batch = stochastic(high, low, close, 3, 2, 2);
  for (size_t i = 0; i < close.size(); ++i) EXPECT_EQ(s.update({high[i], low[i], close[i], 0}), i >= 4) << i;
  EXPECT_DOUBLE_EQ(s.fastk(), 12.5);
  EXPECT_DOUBLE_EQ(s.slowk(), 18.75);
  EXPECT_DOUBLE_EQ(s.slowd(), 34.375);
  EXPECT_TRUE(std::isnan(batch.slowk[2]));
  EXPECT_DOUBLE_EQ(batch.slowk[3], 50.0);
  EXPECT_TRUE(std::isnan(batch.slowd[3]));
  EXPECT_DOUBLE_EQ(batch.slowd[4], 34.375);
}

TEST(Stochastic, FlatWindowGivesZeroAsTaLibDoes) {
  Stochastic s(3, 1, 1);
  for (int i = 0; i < 5; ++i) s.update({7, 7, 7, 0});
  ASSERT_TRUE(s.ready());
  EXPECT_DOUBLE_EQ(s.slowk(), 0.0);
  EXPECT_DOUBLE_EQ(s.slowd(), 0.0);
}

TEST(Stochastic, FewerCandlesThanTheLookbackIsNotReady) {
  Stochastic s;
  for (int i = 0; i < 17; ++i) s.update({10.0 + i, 9.0 + i, 9.5 + i, 0});
  EXPECT_FALSE(s.ready());
  EXPECT_TRUE(s.slowk_ready());
  EXPECT_TRUE(std::isnan(s.slowd()));
  s.update({30, 29, 29.5, 0});
  EXPECT_TRUE(s.ready());  // index 17: TA-Lib's lookback 13 + 2 + 2
}

TEST(Stochastic, RejectsNonFiniteCandles) {
  Stochastic s(2, 1, 1);
  s.update({10, 8, 9, 0});
  s.update({NAN, 8, 9, 0});
  s.update({12, 9, 11, 0});
  EXPECT_EQ(s.rejected(), 1);
  EXPECT_DOUBLE_EQ(s.slowk(), 75.0);  // HH 12, LL 8: 100*(11-8)/4
}

TEST(Stochastic, StreamingEqualsBatchOnRealCandles) {
  for (const char* kind : {"daily", "5min"}) {
    auto c = testing::real_candles(kind, "INFY");
    ASSERT_EQ(c.size(), 400u) << kind;
    auto batch = stochastic(c.high, c.low, c.close);
    Stochastic s;
    for (size_t i = 0; i < c.size(); ++i) {
      s.update(c.at(i));
      ASSERT_TRUE(testing::near(s.slowk(), batch.slowk[i])) << kind << " " << i;
      ASSERT_TRUE(testing::near(s.slowd(), batch.slowd[i])) << kind << " " << i;
      if (i >= 17) {
        ASSERT_GE(s.slowd(), 0.0);
        ASSERT_LE(s.slowd(), 100.0);
      }
    }
  }
}

}  // namespace
}  // namespace nifty::indicators
