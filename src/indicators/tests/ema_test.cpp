#include "indicators/ema.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/real_closes.h"

namespace nifty::indicators {
namespace {

TEST(Ema, HandWorkedOneToSix) {
  // EMA(3), k = 2/4 = 0.5. Seed at index 2 = (1+2+3)/3 = 2;
  // index 3: 2 + 0.5*(4-2) = 3; index 4: 3 + 0.5*(5-3) = 4; index 5: 4 + 0.5*(6-4) = 5.
  std::vector<double> in{1, 2, 3, 4, 5, 6};
  std::vector<double> expected{NAN, NAN, 2, 3, 4, 5};
  Ema e(3);
  auto batch = ema(in, 3);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(e.update(in[i]), i >= 2);
    if (i < 2) {
      EXPECT_TRUE(std::isnan(e.value()));
      EXPECT_TRUE(std::isnan(batch[i]));
    } else {
      EXPECT_DOUBLE_EQ(e.value(), expected[i]) << i;
      EXPECT_DOUBLE_EQ(batch[i], expected[i]) << i;
    }
  }
}

TEST(Ema, HandWorkedUnevenSeries) {
  // EMA(3) of 2,4,6,8,12,4 (k = 0.5): seed (2+4+6)/3 = 4; 4 + 0.5*(8-4) = 6;
  // 6 + 0.5*(12-6) = 9; 9 + 0.5*(4-9) = 6.5.
  std::vector<double> in{2, 4, 6, 8, 12, 4};
  Ema e(3);
  for (double v : in) e.update(v);
  EXPECT_DOUBLE_EQ(e.value(), 6.5);
  EXPECT_DOUBLE_EQ(ema(in, 3)[4], 9.0);
  EXPECT_DOUBLE_EQ(e.k(), 0.5);
}

TEST(Ema, KIsTwoOverPeriodPlusOne) {
  // EMA(4): k = 0.4. Seed (1+1+1+1)/4 = 1; then 1 + 0.4*(6-1) = 3.
  Ema e(4);
  for (double v : {1.0, 1.0, 1.0, 1.0, 6.0}) e.update(v);
  EXPECT_DOUBLE_EQ(e.value(), 3.0);
}

TEST(Ema, RejectsNonFiniteValues) {
  Ema e(1);
  e.update(5);
  e.update(NAN);
  EXPECT_EQ(e.rejected(), 1);
  EXPECT_DOUBLE_EQ(e.value(), 5.0);
}

TEST(Ema, StreamingEqualsBatchOnRealCloses) {
  auto closes = testing::real_closes();
  ASSERT_EQ(closes.size(), 375u);
  for (int period : {3, 12, 26, 50, 100, 200}) {
    auto batch = ema(closes, period);
    Ema e(period);
    for (size_t i = 0; i < closes.size(); ++i) {
      e.update(closes[i]);
      if (i + 1 < static_cast<size_t>(period)) {
        ASSERT_TRUE(std::isnan(batch[i]));
        ASSERT_TRUE(std::isnan(e.value()));
      } else {
        ASSERT_NEAR(e.value(), batch[i], 1e-9) << "period " << period << " index " << i;
      }
    }
  }
}

TEST(Ema, FirstOutputIsTheMeanOfTheFirstPeriodRealCloses) {
  auto closes = testing::real_closes();
  ASSERT_GE(closes.size(), 50u);
  double mean = 0.0;
  for (size_t i = 0; i < 50; ++i) mean += closes[i] / 50.0;
  EXPECT_NEAR(ema(closes, 50)[49], mean, 1e-9);
}

}  // namespace
}  // namespace nifty::indicators
