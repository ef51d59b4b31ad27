// Adx: Wilder's directional movement system (+DI, -DI, DX, ADX), streaming (O(1) per candle) and
// batch, exactly TA-Lib's PLUS_DI / MINUS_DI / DX / ADX for one period (default 14):
//  - directional movement from index 1: up = high - previous high, down = previous low - low;
//    +DM = up when up > down and up > 0, -DM = down when down > up and down > 0, else 0;
//    tr = true range (see atr.h);
//  - TA-Lib's Wilder sums: the plain sums of +DM, -DM and tr over indices 1 .. period-1, then at
//    every index from `period` on  s = s - s / period + x  (so the first smoothed value, at index
//    `period`, is S(period-1) * (period-1)/period + x, not the plain sum of `period` values);
//  - +DI = 100 * s(+DM) / s(tr), -DI likewise, first at index `period`; both 0 when s(tr) is zero;
//  - DX = 100 * |+DI - -DI| / (+DI + -DI), first at index `period`; 0 when +DI + -DI is zero;
//  - ADX = the mean of the first `period` DX values, at index 2*period-1 (27: TA-Lib's lookback),
//    then adx = (adx * (period - 1) + dx) / period; a candle whose DX is undefined (zero range)
//    leaves ADX unchanged, as TA-Lib does.
// "Zero" uses TA-Lib's tolerance of 1e-14.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/hlcv.h"

namespace nifty::indicators {

class Adx {
 public:
  // period >= 2 (checked; TA-Lib's minimum).
  explicit Adx(int period = 14);

  // Adds one candle; returns ready() (ADX exists). A candle with a non-finite high, low or close is
  // rejected (state unchanged, counted).
  bool update(const Hlcv& candle);
  bool ready() const { return count_ >= 2 * static_cast<int64_t>(period_); }
  // True once +DI, -DI and DX exist (index `period`).
  bool di_ready() const { return count_ > period_; }
  // NaN until they exist.
  double plus_di() const;
  double minus_di() const;
  double dx() const;
  double adx() const;
  void reset();

  int period() const { return period_; }
  int64_t rejected() const { return rejected_; }

 private:
  int period_;
  double previous_high_ = 0.0;
  double previous_low_ = 0.0;
  double previous_close_ = 0.0;
  double plus_dm_ = 0.0;  // Wilder sums
  double minus_dm_ = 0.0;
  double tr_ = 0.0;
  double plus_di_ = 0.0;
  double minus_di_ = 0.0;
  double dx_ = 0.0;
  bool dx_defined_ = false;
  double adx_ = 0.0;  // the sum of DX values until ready
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

struct AdxSeries {
  std::vector<double> plus_di;   // NaN before index period
  std::vector<double> minus_di;  // NaN before index period
  std::vector<double> dx;        // NaN before index period
  std::vector<double> adx;       // NaN before index 2*period-1
};

// Batch form over parallel spans (equal sizes, checked). Non-finite inputs propagate NaN.
AdxSeries adx(std::span<const double> high, std::span<const double> low, std::span<const double> close,
              int period = 14);

}  // namespace nifty::indicators
