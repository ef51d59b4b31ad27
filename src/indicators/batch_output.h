// batch_output: internal helpers of the batch functions that write into caller-provided spans
// (checks of the output's size and that it does not overlap the input; the running-total refresh
// interval). Not part of the public API. Pure functions, thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "core/check.h"

namespace nifty::indicators::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// True if the two ranges share any byte (empty ranges share none).
inline bool overlaps(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) return false;
  auto a0 = reinterpret_cast<std::uintptr_t>(a.data());
  auto b0 = reinterpret_cast<std::uintptr_t>(b.data());
  return a0 < b0 + b.size_bytes() && b0 < a0 + a.size_bytes();
}

// A wrong output size or an output overlapping the input is a bug of the caller: checked.
inline void check_output(std::span<const double> input, std::span<double> output, const char* message) {
  NIFTY_CHECK(output.size() == input.size() && !overlaps(input, output), message);
}

// Running totals over a sliding window (batch SMA and Bollinger, streaming Sma and Bollinger) are
// recomputed from the window itself every this many steps, so that rounding errors cannot build up
// over a long series: the error of any output is that of at most this many add/subtract steps,
// whatever the series' length. At least 128 steps, and 4 windows, so the recomputation costs at
// most a quarter of an addition per value.
inline std::size_t refresh_interval(std::size_t period) { return std::max<std::size_t>(128, 4 * period); }

}  // namespace nifty::indicators::detail
