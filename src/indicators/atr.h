// Atr: Wilder's average true range, streaming (O(1) per candle) and batch, TA-Lib conventions:
//  - true range tr[i] = max(high - low, |high - close[i-1]|, |low - close[i-1]|), defined from
//    index 1 (index 0 has no previous close and gives no true range, as in TA-Lib's TRANGE);
//  - the first ATR is the simple mean of tr[1 .. period], at index `period` (lookback = period);
//  - then atr = (atr * (period - 1) + tr) / period.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/hlcv.h"

namespace nifty::indicators {

class Atr {
 public:
  // period >= 1 (checked).
  explicit Atr(int period = 14);

  // Adds one candle; returns ready(). A candle with a non-finite high, low or close is rejected
  // (state unchanged, counted in rejected()).
  bool update(const Hlcv& candle);
  bool ready() const { return count_ > period_; }
  // NaN until ready.
  double value() const;
  // The true range of the latest candle; NaN for the first candle.
  double true_range() const;
  void reset();

  int period() const { return period_; }
  int64_t count() const { return count_; }
  int64_t rejected() const { return rejected_; }

 private:
  int period_;
  double previous_close_ = 0.0;
  double true_range_ = 0.0;
  double atr_ = 0.0;  // a plain sum of true ranges until `period` of them are seen
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

// The true range of a candle given the previous close (TA-Lib's TRANGE).
double true_range(double high, double low, double previous_close);

// Batch form over parallel spans (equal sizes, checked): NaN before index `period`.
// Non-finite inputs propagate NaN (no skipping).
std::vector<double> atr(std::span<const double> high, std::span<const double> low,
                        std::span<const double> close, int period = 14);

}  // namespace nifty::indicators
