// Rsi: Wilder's relative strength index, streaming (O(1) per value) and batch, TA-Lib conventions
// (not the spec's plain 14-change average, see ARCHITECTURE.md section 4):
//  - the first averages are the simple means of the first `period` gains and losses, so the first
//    output is at index `period` (it needs period+1 values);
//  - then Wilder smoothing: avg = (avg * (period - 1) + current) / period;
//  - rsi = 100 * avg_gain / (avg_gain + avg_loss), which equals 100 - 100 / (1 + RS) and is 100
//    when there are no losses;
//  - when avg_gain + avg_loss is zero (a flat series) the value is 0, as TA-Lib returns (not 50).
//    "Zero" uses TA-Lib's tolerance of 1e-14.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nifty::indicators {

class Rsi {
 public:
  // period >= 1 (checked).
  explicit Rsi(int period = 14);

  // Adds one value; returns ready(). A non-finite value is rejected (state unchanged, counted).
  bool update(double value);
  bool ready() const { return count_ > period_; }
  // 0 .. 100; NaN until ready.
  double value() const;
  void reset();

  int period() const { return period_; }
  int64_t count() const { return count_; }
  int64_t rejected() const { return rejected_; }

 private:
  int period_;
  double previous_ = 0.0;
  double avg_gain_ = 0.0;  // a plain sum of gains until `period` changes are seen
  double avg_loss_ = 0.0;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

// Batch form: NaN before index `period`. Non-finite inputs propagate NaN (no skipping).
// Allocation-free: writes every element of `out`, which must have the size of `values` and must
// not overlap it (both checked). Thread-safe (pure).
void rsi(std::span<const double> values, int period, std::span<double> out);
// The same into a new vector.
std::vector<double> rsi(std::span<const double> values, int period = 14);

}  // namespace nifty::indicators
