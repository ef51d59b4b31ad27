// Ema: exponential moving average, streaming (O(1) per value) and batch, TA-Lib conventions:
// k = 2 / (period + 1); the first output is at index period-1 and equals the simple mean of the
// first `period` values (the seed); after that ema = ema + k * (value - ema).
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nifty::indicators {

class Ema {
 public:
  // period >= 1 (checked).
  explicit Ema(int period);

  // Adds one value; returns ready(). A non-finite value is rejected (state unchanged, counted).
  bool update(double value);
  bool ready() const { return count_ >= period_; }
  // NaN until ready.
  double value() const;
  void reset();

  int period() const { return period_; }
  double k() const { return k_; }
  int64_t count() const { return count_; }
  int64_t rejected() const { return rejected_; }

 private:
  int period_;
  double k_;
  double seed_sum_ = 0.0;  // sum of the first `period` values, until ready
  double ema_ = 0.0;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

// Batch form: NaN before index period-1. Non-finite inputs propagate NaN (no skipping).
// Allocation-free: writes every element of `out`, which must have the size of `values` and must
// not overlap it (both checked). Thread-safe (pure).
void ema(std::span<const double> values, int period, std::span<double> out);
// The same into a new vector.
std::vector<double> ema(std::span<const double> values, int period);

}  // namespace nifty::indicators
