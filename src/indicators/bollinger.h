// Bollinger: Bollinger bands over the last `period` values, streaming (O(1) per value) and batch,
// TA-Lib defaults: middle = SMA(period), upper/lower = middle +/- k * the POPULATION standard
// deviation (divide by period, not period-1) of the same window. First output at index period-1.
// Both forms keep running totals, as TA-Lib does, but of the values' deviations from a shift c (a
// recent value of the series) instead of the raw values: variance = S2/n - (S1/n)^2 with
// S1 = sum(x - c), S2 = sum((x - c)^2), which keeps the cancellation of prices of ~2,500 rupees
// with a spread of a few rupees small. Every detail::refresh_interval(period) steps (at least 128)
// the totals are recomputed from the window about a new shift, so that rounding cannot drift.
// A window of `period` equal values (flat prices) is recognised exactly (a count of equal
// consecutive values): its totals are set to zero about that value, so the bands are exactly the
// value with zero width, not a residue of rounding (whose square root would be ~1e-8 wide). And
// when the window's mean has moved far from the shift compared with its spread (a jump in price:
// (S1/n)^2 > 65,536 * variance), the totals are recomputed about the newest value at once.
// Each output therefore costs O(1), and O(period) on those rare steps.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nifty::indicators {

class Bollinger {
 public:
  // period >= 1 (checked); k >= 0 is the width in standard deviations.
  explicit Bollinger(int period = 20, double k = 2.0);

  // Adds one value; returns ready(). A non-finite value is rejected (state unchanged, counted).
  bool update(double value);
  bool ready() const { return count_ >= period_; }
  // NaN until ready.
  double upper() const;
  double middle() const;
  double lower() const;
  // The population standard deviation of the window; NaN until ready.
  double stddev() const;
  void reset();

  int period() const { return period_; }
  double k() const { return k_; }
  int64_t rejected() const { return rejected_; }

 private:
  int period_;
  double k_;
  std::vector<double> window_;  // ring buffer of the last `period` values, sized once
  int next_ = 0;
  double shift_ = 0.0;        // c: the first value after a reset, then the newest value at each refresh
  double sum_ = 0.0;          // sum of (x - shift_) over the window
  double sum_squares_ = 0.0;  // sum of (x - shift_)^2 over the window
  int64_t since_refresh_ = 0;
  int64_t refresh_every_;
  int64_t equal_run_ = 0;     // how many of the latest values are equal to the latest one

  void recompute_totals(double shift);  // exact totals of the full window about `shift`
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

struct BollingerSeries {
  std::vector<double> upper;   // NaN before index period-1
  std::vector<double> middle;
  std::vector<double> lower;
};

// Caller-provided outputs of the allocation-free batch form: each the size of the input.
struct BollingerBuffers {
  std::span<double> upper;
  std::span<double> middle;
  std::span<double> lower;
};

// Batch form. Non-finite inputs propagate NaN into the windows that contain them (no skipping);
// the windows after them are exact again.
// Allocation-free: writes every element of the three outputs, which must have the size of `values`
// and must not overlap it (checked). Thread-safe (pure).
void bollinger(std::span<const double> values, int period, double k, const BollingerBuffers& out);
// The same into new vectors.
BollingerSeries bollinger(std::span<const double> values, int period = 20, double k = 2.0);

}  // namespace nifty::indicators
