#include "indicators/bollinger.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_closes.h"

namespace nifty::indicators {
namespace {

TEST(Bollinger, HandWorkedPopulationStandardDeviation) {
  // Bollinger(3, 2) of 1, 2, 3, 4, 10.
  // Index 2: mean 2, population variance ((1)^2 + 0 + (1)^2)/3 = 2/3.
  // Index 4: window 3, 4, 10: mean 17/3; deviations -8/3, -5/3, 13/3;
  //          variance (64 + 25 + 169)/9/3 = 258/27.
  std::vector<double> in{1, 2, 3, 4, 10};
  Bollinger b(3, 2.0);
  auto batch = bollinger(in, 3, 2.0);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(b.update(in[i]), i >= 2);
    if (i < 2) {
      EXPECT_TRUE(std::isnan(b.middle()));
      EXPECT_TRUE(std::isnan(b.upper()));
      EXPECT_TRUE(std::isnan(batch.lower[i]));
    }
    if (i == 2) {
      EXPECT_NEAR(b.middle(), 2.0, 1e-12);
      EXPECT_NEAR(b.upper(), 2.0 + 2.0 * std::sqrt(2.0 / 3.0), 1e-12);
      EXPECT_NEAR(b.lower(), 2.0 - 2.0 * std::sqrt(2.0 / 3.0), 1e-12);
      EXPECT_NEAR(batch.upper[i], 2.0 + 2.0 * std::sqrt(2.0 / 3.0), 1e-12);
    }
  }
  double sd = std::sqrt(258.0 / 27.0);
  EXPECT_NEAR(b.middle(), 17.0 / 3.0, 1e-12);
  EXPECT_NEAR(b.stddev(), sd, 1e-12);
  EXPECT_NEAR(b.upper(), 17.0 / 3.0 + 2.0 * sd, 1e-12);
  EXPECT_NEAR(batch.lower[4], 17.0 / 3.0 - 2.0 * sd, 1e-12);
}

TEST(Bollinger, FlatWindowHasZeroWidth) {
  Bollinger b(4, 2.0);
  for (int i = 0; i < 10; ++i) b.update(2356.1);
  EXPECT_DOUBLE_EQ(b.upper(), b.lower());
  EXPECT_NEAR(b.middle(), 2356.1, 1e-9);
}

TEST(Bollinger, StreamingEqualsBatchOnRealCloses) {
  auto closes = testing::real_closes();
  ASSERT_EQ(closes.size(), 375u);
  auto s = bollinger(closes, 20, 2.0);
  Bollinger b(20, 2.0);
  for (size_t i = 0; i < closes.size(); ++i) {
    b.update(closes[i]);
    if (i < 19) {
      ASSERT_TRUE(std::isnan(s.middle[i]));
      ASSERT_TRUE(std::isnan(b.middle()));
      continue;
    }
    ASSERT_TRUE(testing::near(b.middle(), s.middle[i], 1e-9)) << i;
    ASSERT_TRUE(testing::near(b.upper(), s.upper[i], 1e-9)) << i;
    ASSERT_TRUE(testing::near(b.lower(), s.lower[i], 1e-9)) << i;
    // The width too (a standard deviation of a few rupees: 1e-9 absolute below 1 rupee).
    ASSERT_TRUE(testing::near(b.stddev(), (s.upper[i] - s.lower[i]) / 4.0, 1e-9)) << i;
  }
}

TEST(Bollinger, ResetAndRejection) {
  Bollinger b(2, 1.0);
  b.update(50);
  b.update(60);
  b.reset();
  b.update(INFINITY);
  EXPECT_EQ(b.rejected(), 1);
  b.update(1);
  b.update(3);
  EXPECT_NEAR(b.upper(), 3.0, 1e-12);  // mean 2, population sd 1
  EXPECT_NEAR(b.lower(), 1.0, 1e-12);
}

}  // namespace
}  // namespace nifty::indicators
