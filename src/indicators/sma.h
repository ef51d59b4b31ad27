// Sma: simple moving average over the last `period` values, streaming (O(1) per value) and batch.
// TA-Lib conventions: the first output is at index period-1 (the mean of the first `period` values).
// Both forms keep a running total (add the new value, subtract the one leaving), recomputed from the
// window every detail::refresh_interval(period) steps (at least 128) so that rounding cannot drift.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nifty::indicators {

class Sma {
 public:
  // period >= 1 (checked: a bad period is a bug, not bad data).
  explicit Sma(int period);

  // Adds one value; returns ready(). A non-finite value is rejected (state unchanged, counted in
  // rejected()) so that one bad number cannot poison the average forever.
  bool update(double value);
  bool ready() const { return count_ >= period_; }
  // The mean of the last `period` values; NaN until ready.
  double value() const;
  void reset();

  int period() const { return period_; }
  int64_t count() const { return count_; }        // values accepted since the last reset
  int64_t rejected() const { return rejected_; }  // non-finite values refused since construction

 private:
  int period_;
  std::vector<double> window_;  // ring buffer of the last `period` values, sized once
  int next_ = 0;
  double sum_ = 0.0;
  int64_t since_refresh_ = 0;  // updates since sum_ was last recomputed from window_
  int64_t refresh_every_;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

// Batch form: out[i] = mean(values[i-period+1 .. i]) for i >= period-1, NaN before.
// Non-finite inputs propagate NaN into the windows that contain them (no skipping); the windows
// after them are exact again.
// Allocation-free: writes every element of `out`, which must have the size of `values` and must
// not overlap it (both checked). Thread-safe (pure).
void sma(std::span<const double> values, int period, std::span<double> out);
// The same into a new vector.
std::vector<double> sma(std::span<const double> values, int period);

}  // namespace nifty::indicators
