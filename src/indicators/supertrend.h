// SuperTrend(period, multiplier), default (10, 3), streaming (O(1) per candle) and batch. Not in
// TA-Lib; the common definition (as TradingView's ta.supertrend), stated exactly:
//  - atr = Wilder's ATR(period) as in atr.h (TA-Lib seeding), first at index `period`;
//  - mid = (high + low) / 2; basic upper = mid + multiplier * atr, basic lower = mid - multiplier * atr;
//  - at the first index (`period`) the final bands are the basic bands and the trend is DOWN
//    (TradingView's start), so the line is the upper band;
//  - after that, with the previous candle's close c1:
//      final upper = basic upper if basic upper < previous final upper or c1 > previous final upper,
//                    else the previous final upper (the upper band only ratchets down in a downtrend);
//      final lower = basic lower if basic lower > previous final lower or c1 < previous final lower,
//                    else the previous final lower;
//      a DOWN trend turns UP when close > final upper; an UP trend turns DOWN when close < final lower;
//  - supertrend = final lower in an UP trend, final upper in a DOWN trend.
// direction is +1 (up) or -1 (down). First output at index `period` (lookback = period).
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/atr.h"
#include "indicators/hlcv.h"

namespace nifty::indicators {

class SuperTrend {
 public:
  // period >= 1 and multiplier > 0 (checked).
  explicit SuperTrend(int period = 10, double multiplier = 3.0);

  // Adds one candle; returns ready(). A candle with a non-finite high, low or close is rejected
  // (state unchanged, counted).
  bool update(const Hlcv& candle);
  bool ready() const { return atr_.ready(); }
  // NaN until ready.
  double value() const;
  // +1 up, -1 down; 0 until ready.
  int direction() const { return ready() ? direction_ : 0; }
  double upper() const;  // final upper band
  double lower() const;  // final lower band
  void reset();

  int64_t rejected() const { return rejected_; }

 private:
  Atr atr_;
  double multiplier_;
  double upper_ = 0.0;
  double lower_ = 0.0;
  double previous_close_ = 0.0;
  int direction_ = -1;
  int64_t rejected_ = 0;
};

struct SuperTrendSeries {
  std::vector<double> value;  // NaN before index period
  std::vector<int> direction;  // 0 before index period, then +1 / -1
  std::vector<double> upper;
  std::vector<double> lower;
};

// Batch form over parallel spans (equal sizes, checked). Non-finite inputs propagate NaN.
SuperTrendSeries supertrend(std::span<const double> high, std::span<const double> low,
                            std::span<const double> close, int period = 10, double multiplier = 3.0);

}  // namespace nifty::indicators
