// Macd: moving average convergence/divergence, streaming (O(1) per value) and batch, TA-Lib
// conventions for MACD(fast, slow, signal), default (12, 26, 9):
//  - both EMAs use k = 2 / (period + 1) and are seeded with a simple mean;
//  - the fast EMA is aligned to start with the slow one: both first exist at index slow-1, the
//    fast one seeded with the mean of the `fast` values ending there (values[slow-fast .. slow-1]);
//  - macd = fast EMA - slow EMA, first at index slow-1 (25);
//  - signal = EMA(signal) of the macd line, first at index slow-1 + signal-1 (33);
//  - histogram = macd - signal, first where signal is.
// TA-Lib's TA_MACD itself blanks the macd line until the signal exists; we publish it from index
// slow-1, and the values from index 33 on are TA-Lib's. When fast > slow the two are swapped, as
// TA-Lib does.
// Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/ema.h"
#include "indicators/sma.h"

namespace nifty::indicators {

class Macd {
 public:
  // Each period >= 1 (checked).
  Macd(int fast = 12, int slow = 26, int signal = 9);

  // Adds one value; returns ready() (the macd line exists). A non-finite value is rejected
  // (state unchanged, counted).
  bool update(double value);
  bool ready() const { return slow_.ready(); }
  // True once signal() and histogram() exist.
  bool signal_ready() const { return signal_.ready(); }
  // NaN until ready().
  double macd() const;
  // NaN until signal_ready().
  double signal() const;
  double histogram() const;
  void reset();

  int fast_period() const { return fast_seed_.period(); }
  int slow_period() const { return slow_.period(); }
  int signal_period() const { return signal_.period(); }
  int64_t rejected() const { return rejected_; }

 private:
  Sma fast_seed_;      // the last `fast` values, for the aligned seed of the fast EMA
  Ema slow_;
  Ema signal_;         // fed with the macd line
  double fast_k_;
  double fast_ema_ = 0.0;
  int64_t rejected_ = 0;
};

struct MacdSeries {
  std::vector<double> macd;       // NaN before index slow-1
  std::vector<double> signal;     // NaN before index slow-1 + signal-1
  std::vector<double> histogram;  // as signal
};

// Caller-provided outputs of the allocation-free batch form: each the size of the input.
struct MacdBuffers {
  std::span<double> macd;
  std::span<double> signal;
  std::span<double> histogram;
};

// Batch form. Non-finite inputs propagate NaN (no skipping).
// Allocation-free: writes every element of the three outputs, which must have the size of `values`
// and must not overlap it (checked). Thread-safe (pure).
void macd(std::span<const double> values, int fast, int slow, int signal, const MacdBuffers& out);
// The same into new vectors.
MacdSeries macd(std::span<const double> values, int fast = 12, int slow = 26, int signal = 9);

}  // namespace nifty::indicators
