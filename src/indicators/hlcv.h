// Hlcv: the high, low, close and volume of one candle as doubles, the input of the indicators that
// need more than a close (ATR, Stochastic, ADX, OBV, VWAP, SuperTrend). The indicators module does
// not depend on model, so callers convert a model::Candle (paise, int64 volume) to this at the edge.
// Plain value type; thread-safe.
#pragma once

#include <cmath>

namespace nifty::indicators {

struct Hlcv {
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  double volume = 0.0;  // shares; only OBV and VWAP read it
};

// True when high, low and close are finite (what ATR, Stochastic, ADX and SuperTrend need).
inline bool finite_prices(const Hlcv& c) {
  return std::isfinite(c.high) && std::isfinite(c.low) && std::isfinite(c.close);
}

// True when the prices are finite and the volume is finite and not negative (OBV, VWAP).
inline bool finite_prices_and_volume(const Hlcv& c) {
  return finite_prices(c) && std::isfinite(c.volume) && c.volume >= 0.0;
}

}  // namespace nifty::indicators
