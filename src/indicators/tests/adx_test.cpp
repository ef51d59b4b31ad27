#include "indicators/adx.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

// Hand-worked ADX(2). (high, low, close); +DM/-DM from (high - previous high, previous low - low):
//  0: 10, 8, 9
//  1: 11, 9, 10   up 1, down -1: +DM 1       TR 2    plain sums: S+ 1, S- 0, Str 2
//  2: 12, 10, 11  up 1, down -1: +DM 1       TR 2    S+ = 1 - 1/2 + 1 = 1.5, S- 0, Str = 2 - 1 + 2 = 3
//                 +DI 50, -DI 0, DX 100
//  3: 11, 8, 9    up -1, down 2: -DM 2       TR 3    S+ 0.75, S- 2, Str 4.5
//                 +DI 16.67, -DI 44.44, DX = 100 * 1.25 / 2.75 = 500/11; ADX = (100 + 500/11)/2 = 800/11
//  4: 10, 7, 8    up -1, down 1: -DM 1       TR 3    S+ 0.375, S- 2, Str 5.25
//                 DX = 100 * 1.625 / 2.375 = 1300/19; ADX = (800/11 + 1300/19) / 2
const std::vector<double> kHigh{10, 11, 12, 11, 10};
const std::vector<double> kLow{8, 9, 10, 8, 7};
const std::vector<double> kClose{9, 10, 11, 9, 8};

TEST(Adx, HandWorkedTaLibSmoothing) {
  Adx a(2);
  auto batch = adx(kHigh, kLow, kClose, 2);
  std::vector<double> dx{NAN, NAN, 100.0, 500.0 / 11.0, 1300.0 / 19.0};
  std::vector<double> expected{NAN, NAN, NAN, 800.0 / 11.0, (800.0 / 11.0 + 1300.0 / 19.0) / 2.0};
  for (size_t i = 0; i < kClose.size(); ++i) {
    EXPECT_EQ(a.update({kHigh[i], kLow[i], kClose[i], 0}), i >= 3) << i;
    EXPECT_TRUE(testing::near(a.dx(), dx[i], 1e-12)) << i;
    EXPECT_TRUE(testing::near(batch.dx[i], dx[i], 1e-12)) << i;
    EXPECT_TRUE(testing::near(a.adx(), expected[i], 1e-12)) << i;
    EXPECT_TRUE(testing::near(batch.adx[i], expected[i], 1e-12)) << i;
  }
  EXPECT_NEAR(a.plus_di(), 100.0 * 0.375 / 5.25, 1e-12);
  EXPECT_NEAR(a.minus_di(), 100.0 * 2.0 / 5.25, 1e-12);
  EXPECT_DOUBLE_EQ(batch.plus_di[2], 50.0);
  EXPECT_DOUBLE_EQ(batch.minus_di[2], 0.0);
}

TEST(Adx, FirstAdxAtTwicePeriodMinusOne) {
  Adx a(14);
  auto c = testing::real_candles("daily", "TCS");
  for (size_t i = 0; i < 28; ++i) {
    a.update(c.at(i));
    EXPECT_EQ(a.di_ready(), i >= 14) << i;
    EXPECT_EQ(a.ready(), i >= 27) << i;
  }
}

TEST(Adx, FlatPricesGiveZeroNotNaN) {
  Adx a(2);
  for (int i = 0; i < 6; ++i) a.update({5, 5, 5, 0});
  ASSERT_TRUE(a.ready());
  EXPECT_DOUBLE_EQ(a.plus_di(), 0.0);
  EXPECT_DOUBLE_EQ(a.minus_di(), 0.0);
  EXPECT_DOUBLE_EQ(a.adx(), 0.0);
  auto batch = adx(std::vector<double>(6, 5.0), std::vector<double>(6, 5.0), std::vector<double>(6, 5.0), 2);
  EXPECT_DOUBLE_EQ(batch.adx[5], 0.0);
}

TEST(Adx, RejectsNonFiniteCandles) {
  Adx a(2);
  Adx clean(2);
  for (size_t i = 0; i < kClose.size(); ++i) {
    a.update({kHigh[i], kLow[i], kClose[i], 0});
    if (i == 2) a.update({kHigh[i], NAN, kClose[i], 0});
    clean.update({kHigh[i], kLow[i], kClose[i], 0});
  }
  EXPECT_EQ(a.rejected(), 1);
  EXPECT_DOUBLE_EQ(a.adx(), clean.adx());
}

TEST(Adx, StreamingEqualsBatchOnRealCandles) {
  for (const char* kind : {"daily", "5min"}) {
    auto c = testing::real_candles(kind, "HDFCBANK");
    ASSERT_EQ(c.size(), 400u) << kind;
    for (int period : {2, 14}) {
      auto batch = adx(c.high, c.low, c.close, period);
      Adx a(period);
      for (size_t i = 0; i < c.size(); ++i) {
        a.update(c.at(i));
        ASSERT_TRUE(testing::near(a.plus_di(), batch.plus_di[i])) << kind << " " << i;
        ASSERT_TRUE(testing::near(a.minus_di(), batch.minus_di[i])) << kind << " " << i;
        ASSERT_TRUE(testing::near(a.dx(), batch.dx[i])) << kind << " " << i;
        ASSERT_TRUE(testing::near(a.adx(), batch.adx[i])) << kind << " " << i;
      }
    }
  }
}

}  // namespace
}  // namespace nifty::indicators
