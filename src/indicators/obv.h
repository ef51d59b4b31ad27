// Obv: on-balance volume, streaming (O(1) per candle) and batch, TA-Lib conventions:
//  - the first value (index 0) is the first candle's volume (TA-Lib starts there, not at 0);
//  - then obv += volume when the close rises, -= volume when it falls, unchanged when equal.
// Lookback 0: a value from the first candle on.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/hlcv.h"

namespace nifty::indicators {

class Obv {
 public:
  Obv() = default;

  // Adds one candle; returns ready(). A candle with a non-finite price or a non-finite or negative
  // volume is rejected (state unchanged, counted).
  bool update(const Hlcv& candle);
  bool ready() const { return count_ > 0; }
  // NaN until ready.
  double value() const;
  void reset();

  int64_t count() const { return count_; }
  int64_t rejected() const { return rejected_; }

 private:
  double previous_close_ = 0.0;
  double obv_ = 0.0;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

// Batch form over parallel spans (equal sizes, checked). Non-finite inputs propagate NaN.
std::vector<double> obv(std::span<const double> close, std::span<const double> volume);

}  // namespace nifty::indicators
