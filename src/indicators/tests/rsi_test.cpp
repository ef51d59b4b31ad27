#include "indicators/rsi.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/real_closes.h"

namespace nifty::indicators {
namespace {

TEST(Rsi, NoLossesGivesOneHundred) {
  // RSI(3) of 1..6: every change is +1, average loss 0 -> 100, first at index 3.
  std::vector<double> in{1, 2, 3, 4, 5, 6};
  Rsi r(3);
  auto batch = rsi(in, 3);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(r.update(in[i]), i >= 3) << i;
    if (i < 3) {
      EXPECT_TRUE(std::isnan(r.value()));
      EXPECT_TRUE(std::isnan(batch[i]));
    } else {
      EXPECT_DOUBLE_EQ(r.value(), 100.0);
      EXPECT_DOUBLE_EQ(batch[i], 100.0);
    }
  }
}

TEST(Rsi, NoGainsGivesZero) {
  Rsi r(2);
  for (double v : {5.0, 4.0, 3.0, 2.0}) r.update(v);
  EXPECT_DOUBLE_EQ(r.value(), 0.0);
}

TEST(Rsi, FlatSeriesGivesZeroAsTaLibDoes) {
  // Neither gains nor losses: TA-Lib returns 0 (not 50).
  Rsi r(3);
  for (double v : {7.0, 7.0, 7.0, 7.0, 7.0}) r.update(v);
  ASSERT_TRUE(r.ready());
  EXPECT_DOUBLE_EQ(r.value(), 0.0);
  EXPECT_DOUBLE_EQ(rsi(std::vector<double>{7, 7, 7, 7}, 3)[3], 0.0);
}

TEST(Rsi, HandWorkedWilderSmoothing) {
  // RSI(3) of 10, 11, 10.5, 11.5, 11, 12. Changes: +1, -0.5, +1, -0.5, +1.
  // Index 3: avg gain = (1+0+1)/3 = 2/3, avg loss = 0.5/3 = 1/6 -> 100*(2/3)/(5/6) = 80.
  // Index 4 (-0.5): gain = (2/3*2 + 0)/3 = 4/9, loss = (1/6*2 + 0.5)/3 = 5/18
  //                 -> 100*(8/18)/(13/18) = 800/13.
  // Index 5 (+1):   gain = (4/9*2 + 1)/3 = 17/27, loss = (5/18*2)/3 = 5/27 -> 1700/22.
  std::vector<double> in{10, 11, 10.5, 11.5, 11, 12};
  std::vector<double> expected{NAN, NAN, NAN, 80.0, 800.0 / 13.0, 1700.0 / 22.0};
  Rsi r(3);
  auto batch = rsi(in, 3);
  for (size_t i = 0; i < in.size(); ++i) {
    r.update(in[i]);
    if (i >= 3) {
      EXPECT_NEAR(r.value(), expected[i], 1e-9) << i;
      EXPECT_NEAR(batch[i], expected[i], 1e-9) << i;
    }
  }
}

TEST(Rsi, ResetStartsOver) {
  Rsi r(2);
  for (double v : {1.0, 2.0, 3.0}) r.update(v);
  ASSERT_TRUE(r.ready());
  r.reset();
  EXPECT_FALSE(r.ready());
  for (double v : {3.0, 2.0, 1.0}) r.update(v);
  EXPECT_DOUBLE_EQ(r.value(), 0.0);
}

TEST(Rsi, RejectsNonFiniteValues) {
  Rsi r(1);
  r.update(1);
  r.update(NAN);
  r.update(2);
  EXPECT_EQ(r.rejected(), 1);
  EXPECT_DOUBLE_EQ(r.value(), 100.0);  // the change is 2 - 1, the NaN never existed
}

TEST(Rsi, StreamingEqualsBatchOnRealCloses) {
  auto closes = testing::real_closes();
  ASSERT_EQ(closes.size(), 375u);
  for (int period : {2, 14, 30}) {
    auto batch = rsi(closes, period);
    Rsi r(period);
    for (size_t i = 0; i < closes.size(); ++i) {
      r.update(closes[i]);
      if (i < static_cast<size_t>(period)) {
        ASSERT_TRUE(std::isnan(batch[i]));
        ASSERT_TRUE(std::isnan(r.value()));
      } else {
        ASSERT_NEAR(r.value(), batch[i], 1e-9) << "period " << period << " index " << i;
        ASSERT_GE(r.value(), 0.0);
        ASSERT_LE(r.value(), 100.0);
      }
    }
  }
}

TEST(Rsi, FirstRealValueMatchesAReferenceComputation) {
  // Reference: the plain definition over the first 14 changes of the real closes.
  auto closes = testing::real_closes();
  ASSERT_GE(closes.size(), 15u);
  double gains = 0.0, losses = 0.0;
  for (size_t i = 1; i <= 14; ++i) {
    double d = closes[i] - closes[i - 1];
    (d > 0 ? gains : losses) += std::abs(d);
  }
  double rs = gains / losses;
  EXPECT_NEAR(rsi(closes, 14)[14], 100.0 - 100.0 / (1.0 + rs), 1e-9);
}

}  // namespace
}  // namespace nifty::indicators
