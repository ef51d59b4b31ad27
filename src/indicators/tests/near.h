// Test helper: the relative comparison used by the streaming-vs-batch tests.
#pragma once

#include <algorithm>
#include <cmath>

namespace nifty::indicators::testing {

// |a - b| <= tolerance * max(1, |b|): relative for large values, absolute below 1 (so values
// near zero, such as a MACD histogram crossing zero, are not compared to a meaningless ratio).
// Two NaNs are equal.
inline bool near(double a, double b, double tolerance = 1e-9) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= tolerance * std::max(1.0, std::abs(b));
}

}  // namespace nifty::indicators::testing
