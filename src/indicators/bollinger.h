// Bollinger: Bollinger bands over the last `period` values, streaming (O(1) per value) and batch,
// TA-Lib defaults: middle = SMA(period), upper/lower = middle +/- k * the POPULATION standard
// deviation (divide by period, not period-1) of the same window. First output at index period-1.
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
  double sum_ = 0.0;
  double sum_squares_ = 0.0;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

struct BollingerSeries {
  std::vector<double> upper;   // NaN before index period-1
  std::vector<double> middle;
  std::vector<double> lower;
};

// Batch form (two-pass variance per window). Non-finite inputs propagate NaN (no skipping).
BollingerSeries bollinger(std::span<const double> values, int period = 20, double k = 2.0);

}  // namespace nifty::indicators
