// Stochastic: the slow stochastic oscillator, streaming (O(1) amortised per candle) and batch,
// TA-Lib's STOCH with simple moving averages, default (fastk 14, slowk 3, slowd 3):
//  - fastk[i] = 100 * (close - lowest low) / (highest high - lowest low) over the last
//    `fastk_period` candles including i, first at index fastk-1; 0 when the range is zero (a flat
//    window), as TA-Lib does;
//  - slowk = SMA(slowk_period) of fastk, first at index fastk-1 + slowk-1 (15);
//  - slowd = SMA(slowd_period) of slowk, first at index fastk-1 + slowk-1 + slowd-1 (17), which is
//    TA-Lib's lookback. TA-Lib blanks slowk until slowd exists; we publish slowk from index 15 (the
//    values from 17 on are TA-Lib's, the earlier ones are the same formula).
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/hlcv.h"
#include "indicators/rolling_extreme.h"
#include "indicators/sma.h"

namespace nifty::indicators {

class Stochastic {
 public:
  // Each period >= 1 (checked).
  explicit Stochastic(int fastk_period = 14, int slowk_period = 3, int slowd_period = 3);

  // Adds one candle; returns ready() (slowd exists). A candle with a non-finite high, low or close
  // is rejected (state unchanged, counted).
  bool update(const Hlcv& candle);
  bool ready() const { return slowd_.ready(); }
  bool slowk_ready() const { return slowk_.ready(); }
  // 0 .. 100; NaN until it exists.
  double fastk() const { return fastk_; }
  double slowk() const { return slowk_.value(); }
  double slowd() const { return slowd_.value(); }
  void reset();

  int64_t rejected() const { return rejected_; }

 private:
  int fastk_period_;
  RollingMax highest_;
  RollingMin lowest_;
  Sma slowk_;
  Sma slowd_;
  double fastk_;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

struct StochasticSeries {
  std::vector<double> slowk;  // NaN before index fastk-1 + slowk-1
  std::vector<double> slowd;  // NaN before index fastk-1 + slowk-1 + slowd-1
};

// Batch form over parallel spans (equal sizes, checked). Non-finite inputs propagate NaN.
StochasticSeries stochastic(std::span<const double> high, std::span<const double> low,
                            std::span<const double> close, int fastk_period = 14, int slowk_period = 3,
                            int slowd_period = 3);

}  // namespace nifty::indicators
