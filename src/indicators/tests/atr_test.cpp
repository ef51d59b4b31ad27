#include "indicators/atr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

// Hand-worked ATR(3). (high, low, close) and true range against the previous close:
//  0: 10, 8, 9        -
//  1: 11, 9, 10       max(2, |11-9|, |9-9|)    = 2
//  2: 12, 10, 11      max(2, |12-10|, |10-10|) = 2
//  3: 13, 10, 10      max(3, |13-11|, |10-11|) = 3   ATR = (2+2+3)/3       = 7/3
//  4: 10, 9, 9.5      max(1, |10-10|, |9-10|)  = 1   ATR = (7/3*2 + 1)/3   = 17/9
//  5: 15, 14, 14.5    gap up: max(1, 5.5, 4.5) = 5.5 ATR = (17/9*2 + 5.5)/3 = 83.5/27
const std::vector<double> kHigh{10, 11, 12, 13, 10, 15};
const std::vector<double> kLow{8, 9, 10, 10, 9, 14};
const std::vector<double> kClose{9, 10, 11, 10, 9.5, 14.5};
const std::vector<double> kExpected{NAN, NAN, NAN, 7.0 / 3.0, 17.0 / 9.0, 83.5 / 27.0};

TEST(Atr, HandWorkedWilderAverageWithAGap) {
  Atr a(3);
  auto batch = atr(kHigh, kLow, kClose, 3);
  for (size_t i = 0; i < kClose.size(); ++i) {
    EXPECT_EQ(a.update({kHigh[i], kLow[i], kClose[i], 0}), i >= 3) << i;
    if (i < 3) {
      EXPECT_TRUE(std::isnan(a.value())) << i;
      EXPECT_TRUE(std::isnan(batch[i])) << i;
    } else {
      EXPECT_NEAR(a.value(), kExpected[i], 1e-12) << i;
      EXPECT_NEAR(batch[i], kExpected[i], 1e-12) << i;
    }
  }
  EXPECT_DOUBLE_EQ(a.true_range(), 5.5);
}

TEST(Atr, FewerCandlesThanThePeriodIsNotReady) {
  auto batch = atr(std::vector<double>{2, 3}, std::vector<double>{1, 2}, std::vector<double>{1.5, 2.5}, 3);
  for (double v : batch) EXPECT_TRUE(std::isnan(v));
  EXPECT_TRUE(atr({}, {}, {}, 14).empty());
}

TEST(Atr, FlatPricesGiveZero) {
  Atr a(3);
  for (int i = 0; i < 6; ++i) a.update({5, 5, 5, 0});
  EXPECT_DOUBLE_EQ(a.value(), 0.0);
}

TEST(Atr, RejectsNonFiniteCandles) {
  Atr a(1);
  a.update({10, 8, 9, 0});
  a.update({NAN, 8, 9, 0});
  a.update({10, 8, INFINITY, 0});
  a.update({12, 9, 11, 0});
  EXPECT_EQ(a.rejected(), 2);
  EXPECT_DOUBLE_EQ(a.value(), 3.0);  // max(3, |12-9|, |9-9|): the rejected candles never existed
}

TEST(Atr, ResetStartsOver) {
  Atr a(3);
  for (size_t i = 0; i < kClose.size(); ++i) a.update({kHigh[i], kLow[i], kClose[i], 0});
  a.reset();
  EXPECT_FALSE(a.ready());
  for (size_t i = 0; i < 4; ++i) a.update({kHigh[i], kLow[i], kClose[i], 0});
  EXPECT_NEAR(a.value(), 7.0 / 3.0, 1e-12);
}

TEST(Atr, StreamingEqualsBatchOnRealCandles) {
  for (const char* kind : {"daily", "5min"}) {
    auto c = testing::real_candles(kind, "RELIANCE");
    ASSERT_EQ(c.size(), 400u) << kind;
    for (int period : {1, 14, 30}) {
      auto batch = atr(c.high, c.low, c.close, period);
      Atr a(period);
      for (size_t i = 0; i < c.size(); ++i) {
        a.update(c.at(i));
        ASSERT_TRUE(testing::near(a.value(), batch[i])) << kind << " " << period << " " << i;
        if (i >= static_cast<size_t>(period)) {
          ASSERT_GT(a.value(), 0.0);
        }
      }
    }
  }
}

}  // namespace
}  // namespace nifty::indicators
