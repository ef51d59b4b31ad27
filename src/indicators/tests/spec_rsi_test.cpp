// Why we use Wilder's RSI and not the spec's (spec layer 4, calculateRSI in Go):
//  - the spec averages the first `period` changes of the slice it is given, with no smoothing. Given
//    a long history it reports the OLDEST 14 changes and ignores everything after; given only the
//    last 15 closes it forgets all earlier moves at once, so the value jumps whenever a large change
//    leaves the 14-change window;
//  - it divides by the average loss: with no losses Go's float division gives +Inf (RSI 100 by
//    luck), and with neither gains nor losses 0/0 = NaN, which then flows into scores and alerts;
//  - Wilder's RSI (1978), which TA-Lib, charting platforms and brokers show, seeds with the same
//    simple mean and then smooths with weight 1/period over the whole history: users can check
//    our numbers against theirs, and it is defined (0 .. 100) for every input.
// The tests below show each point on real 5-minute data; spec_rsi is a transliteration of the Go.
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "indicators/rsi.h"
#include "indicators/tests/real_candles.h"

namespace nifty::indicators {
namespace {

double spec_rsi(std::span<const double> closes, int period) {
  double gains = 0.0, losses = 0.0;
  for (int i = 1; i <= period; ++i) {
    double change = closes[static_cast<size_t>(i)] - closes[static_cast<size_t>(i) - 1];
    if (change > 0) {
      gains += change;
    } else {
      losses += -change;
    }
  }
  double avg_gain = gains / period;
  double avg_loss = losses / period;
  double rs = avg_gain / avg_loss;
  return 100.0 - (100.0 / (1.0 + rs));
}

TEST(SpecRsi, AgreesWithWilderOnlyAtTheFirstValue) {
  auto c = testing::real_candles("5min", "RELIANCE");
  ASSERT_EQ(c.size(), 400u);
  auto wilder = rsi(c.close, 14);
  // Both seed with the simple mean of the first 14 changes.
  EXPECT_NEAR(spec_rsi(c.close, 14), wilder[14], 1e-9);
  // Given the whole history the spec still reports that first window: the latest 385 candles are ignored.
  EXPECT_NEAR(spec_rsi(c.close, 14), spec_rsi(std::span(c.close).first(15), 14), 1e-12);
  EXPECT_GT(std::abs(spec_rsi(c.close, 14) - wilder.back()), 1.0);
}

TEST(SpecRsi, ARollingSpecWindowDiffersFromWilderAndJumpsMore) {
  // The spec applied to the last 15 closes at every candle, against Wilder's at the same candle.
  auto c = testing::real_candles("5min", "RELIANCE");
  auto wilder = rsi(c.close, 14);
  double max_difference = 0.0;
  double spec_path = 0.0;    // total variation of each series
  double wilder_path = 0.0;
  double previous_spec = NAN;
  for (size_t i = 14; i < c.size(); ++i) {
    double spec = spec_rsi(std::span(c.close).subspan(i - 14, 15), 14);
    ASSERT_TRUE(std::isfinite(spec)) << i;  // RELIANCE moves in every 14 candles of this window
    max_difference = std::max(max_difference, std::abs(spec - wilder[i]));
    if (i > 14) {
      spec_path += std::abs(spec - previous_spec);
      wilder_path += std::abs(wilder[i] - wilder[i - 1]);
    }
    previous_spec = spec;
  }
  EXPECT_GT(max_difference, 10.0);          // not a rounding difference: a different indicator
  EXPECT_GT(spec_path, 1.5 * wilder_path);  // the unsmoothed window is much noisier
}

TEST(SpecRsi, DividesByZeroWhereWilderIsDefined) {
  std::vector<double> rising{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114};
  std::vector<double> flat(15, 100.0);
  EXPECT_DOUBLE_EQ(spec_rsi(rising, 14), 100.0);  // by +Inf: 100 - 100 / (1 + Inf)
  EXPECT_TRUE(std::isnan(spec_rsi(flat, 14)));    // 0 / 0
  EXPECT_DOUBLE_EQ(rsi(rising, 14)[14], 100.0);
  EXPECT_DOUBLE_EQ(rsi(flat, 14)[14], 0.0);  // TA-Lib's value for a flat series
}

}  // namespace
}  // namespace nifty::indicators
