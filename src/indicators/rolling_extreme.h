// RollingExtreme: the maximum (or minimum) of the last `period` values in O(1) amortised per value,
// with a monotonic deque kept in two fixed ring buffers (sized once, no allocation per value).
// Internal helper of Stochastic. Not thread-safe: one instance per series.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/check.h"

namespace nifty::indicators {

template <bool kMax>
class RollingExtreme {
 public:
  explicit RollingExtreme(int period) : period_(period) {
    NIFTY_CHECK(period >= 1, "RollingExtreme period must be >= 1");
    values_.assign(static_cast<std::size_t>(period), 0.0);
    positions_.assign(static_cast<std::size_t>(period), 0);
  }

  // Adds the value at position count() and returns the extreme of the last `period` values.
  double update(double value) {
    // Drop the front when it has left the window.
    if (size_ > 0 && positions_[slot(head_)] <= count_ - period_) {
      head_ = (head_ + 1) % period_;
      --size_;
    }
    // Drop from the back every value the new one dominates.
    while (size_ > 0 && dominated(values_[slot(back())], value)) --size_;
    int at = (head_ + size_) % period_;
    values_[slot(at)] = value;
    positions_[slot(at)] = count_;
    ++size_;
    ++count_;
    return values_[slot(head_)];
  }

  void reset() {
    head_ = 0;
    size_ = 0;
    count_ = 0;
  }

 private:
  static std::size_t slot(int i) { return static_cast<std::size_t>(i); }
  int back() const { return (head_ + size_ - 1) % period_; }
  static bool dominated(double old_value, double new_value) {
    if constexpr (kMax) {
      return old_value <= new_value;
    } else {
      return old_value >= new_value;
    }
  }

  int period_;
  std::vector<double> values_;
  std::vector<int64_t> positions_;
  int head_ = 0;
  int size_ = 0;
  int64_t count_ = 0;
};

using RollingMax = RollingExtreme<true>;
using RollingMin = RollingExtreme<false>;

}  // namespace nifty::indicators
