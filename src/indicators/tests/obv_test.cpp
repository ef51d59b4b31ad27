#include "indicators/obv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/near.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

TEST(Obv, HandWorkedStartsAtTheFirstVolume) {
  // closes 10, 11, 11, 10.5, 12 with volumes 100 .. 500:
  // 100 (TA-Lib starts at the first volume), +200 = 300, equal = 300, -400 = -100, +500 = 400.
  std::vector<double> close{10, 11, 11, 10.5, 12};
  std::vector<double> volume{100, 200, 300, 400, 500};
  std::vector<double> expected{100, 300, 300, -100, 400};
  Obv o;
  EXPECT_TRUE(std::isnan(o.value()));
  auto batch = obv(close, volume);
  for (size_t i = 0; i < close.size(); ++i) {
    EXPECT_TRUE(o.update({close[i], close[i], close[i], volume[i]}));
    EXPECT_DOUBLE_EQ(o.value(), expected[i]) << i;
    EXPECT_DOUBLE_EQ(batch[i], expected[i]) << i;
  }
}

TEST(Obv, RejectsNonFiniteOrNegativeVolume) {
  Obv o;
  o.update({10, 10, 10, 100});
  o.update({11, 11, 11, -5});
  o.update({11, 11, 11, NAN});
  o.update({NAN, 11, 11, 5});
  o.update({11, 11, 11, 50});
  EXPECT_EQ(o.rejected(), 3);
  EXPECT_DOUBLE_EQ(o.value(), 150.0);
}

TEST(Obv, StreamingEqualsBatchOnRealCandles) {
  for (const char* kind : {"daily", "5min"}) {
    auto c = testing::real_candles(kind, "SBIN");
    ASSERT_EQ(c.size(), 400u) << kind;
    auto batch = obv(c.close, c.volume);
    Obv o;
    for (size_t i = 0; i < c.size(); ++i) {
      o.update(c.at(i));
      ASSERT_TRUE(testing::near(o.value(), batch[i])) << kind << " " << i;
    }
  }
}

}  // namespace
}  // namespace nifty::indicators
