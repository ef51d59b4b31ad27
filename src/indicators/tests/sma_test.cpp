#include "indicators/sma.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_closes.h"

namespace nifty::indicators {
namespace {

TEST(Sma, HandWorkedOneToSix) {
  // SMA(3) of 1..6: (1+2+3)/3 = 2, then 3, 4, 5; nothing before index 2.
  std::vector<double> in{1, 2, 3, 4, 5, 6};
  std::vector<double> expected{NAN, NAN, 2, 3, 4, 5};
  Sma s(3);
  auto batch = sma(in, 3);
  for (size_t i = 0; i < in.size(); ++i) {
    bool ready = s.update(in[i]);
    EXPECT_EQ(ready, i >= 2) << i;
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(s.value())) << i;
      EXPECT_TRUE(std::isnan(batch[i])) << i;
    } else {
      EXPECT_DOUBLE_EQ(s.value(), expected[i]) << i;
      EXPECT_DOUBLE_EQ(batch[i], expected[i]) << i;
    }
  }
}

TEST(Sma, RejectsNonFiniteValuesAndCountsThem) {
  Sma s(2);
  s.update(4);
  s.update(std::numeric_limits<double>::quiet_NaN());
  s.update(std::numeric_limits<double>::infinity());
  EXPECT_EQ(s.rejected(), 2);
  EXPECT_FALSE(s.ready());
  s.update(6);
  EXPECT_DOUBLE_EQ(s.value(), 5.0);  // (4+6)/2
}

TEST(Sma, ResetForgetsHistory) {
  Sma s(2);
  s.update(100);
  s.update(200);
  s.reset();
  EXPECT_FALSE(s.ready());
  EXPECT_TRUE(std::isnan(s.value()));
  s.update(1);
  s.update(3);
  EXPECT_DOUBLE_EQ(s.value(), 2.0);
}

TEST(Sma, StreamingEqualsBatchOnRealCloses) {
  auto closes = testing::real_closes();
  ASSERT_EQ(closes.size(), 375u);  // 09:16..15:30
  for (int period : {1, 5, 20, 50}) {
    auto batch = sma(closes, period);
    Sma s(period);
    for (size_t i = 0; i < closes.size(); ++i) {
      s.update(closes[i]);
      if (i + 1 < static_cast<size_t>(period)) {
        ASSERT_TRUE(std::isnan(batch[i]));
        ASSERT_TRUE(std::isnan(s.value()));
      } else {
        ASSERT_TRUE(testing::near(s.value(), batch[i], 1e-9)) << "period " << period << " index " << i;
      }
    }
  }
}

}  // namespace
}  // namespace nifty::indicators
