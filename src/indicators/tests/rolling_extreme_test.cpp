#include "indicators/rolling_extreme.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

TEST(RollingExtreme, MatchesAPlainScanOnRealHighsAndLows) {
  auto c = testing::real_candles("5min", "TCS");
  ASSERT_EQ(c.size(), 400u);
  for (int period : {1, 2, 14, 50}) {
    RollingMax highest(period);
    RollingMin lowest(period);
    for (size_t i = 0; i < c.size(); ++i) {
      size_t from = i + 1 >= static_cast<size_t>(period) ? i + 1 - static_cast<size_t>(period) : 0;
      auto begin = static_cast<long>(from);
      auto end = static_cast<long>(i) + 1;
      double hh = *std::max_element(c.high.begin() + begin, c.high.begin() + end);
      double ll = *std::min_element(c.low.begin() + begin, c.low.begin() + end);
      ASSERT_EQ(highest.update(c.high[i]), hh) << period << " " << i;
      ASSERT_EQ(lowest.update(c.low[i]), ll) << period << " " << i;
    }
  }
}

TEST(RollingExtreme, KeepsEqualValuesUntilTheyLeave) {
  RollingMax m(2);
  EXPECT_EQ(m.update(5), 5);
  EXPECT_EQ(m.update(5), 5);
  EXPECT_EQ(m.update(1), 5);
  EXPECT_EQ(m.update(0), 1);
}

}  // namespace
}  // namespace nifty::indicators
