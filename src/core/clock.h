// Clock: where time comes from. WallClock live; ManualClock in replay, backtest and tests.
// Implementations are thread-safe.
#pragma once

#include <atomic>

#include "core/timestamp.h"

namespace nifty::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class WallClock final : public Clock {
 public:
  Timestamp now() const override { return Timestamp::now(); }
};

// A clock that moves only when told to; never moves backwards.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = {}) : nanos_(start.nanos()) {}
  Timestamp now() const override { return Timestamp(nanos_.load(std::memory_order_acquire)); }
  void advance_to(Timestamp t) {
    int64_t cur = nanos_.load(std::memory_order_relaxed);
    while (t.nanos() > cur && !nanos_.compare_exchange_weak(cur, t.nanos(), std::memory_order_acq_rel)) {
    }
  }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace nifty::core
