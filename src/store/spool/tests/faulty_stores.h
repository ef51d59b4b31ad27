// Test fakes: a CandleStore and a SignalStore over the in-memory stores that can be switched down
// and up, or made to fail the next N writes, with a chosen error. Each records the batches it
// committed, in commit order. Thread-safe (the drain thread writes, the test reads).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_signal_store.h"

namespace nifty::store::testing {

// The failure plan shared by both fakes.
class FaultSwitch {
 public:
  void set_down(bool down, core::ErrorCode code = core::ErrorCode::kUnavailable) {
    std::lock_guard lock(mu_);
    down_ = down;
    code_ = code;
  }
  void fail_next(int n, core::ErrorCode code = core::ErrorCode::kUnavailable) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
    code_ = code;
  }
  // The error the next write gets, or ok (consuming one of fail_next).
  core::Status check() {
    std::lock_guard lock(mu_);
    ++attempts_;
    if (down_) return core::error(code_, "test backend is down");
    if (fail_next_ > 0) {
      --fail_next_;
      return core::error(code_, "test backend fails this write");
    }
    return core::Status::ok();
  }
  int attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  mutable std::mutex mu_;
  bool down_ = false;
  int fail_next_ = 0;
  int attempts_ = 0;
  core::ErrorCode code_ = core::ErrorCode::kUnavailable;
};

class FaultyCandleStore final : public CandleStore {
 public:
  FaultSwitch& faults() { return faults_; }
  MemoryCandleStore& memory() { return memory_; }
  std::vector<std::vector<model::Candle>> committed() const {
    std::lock_guard lock(mu_);
    return committed_;
  }

  core::Status upsert(std::span<const model::Candle> candles) override {
    NIFTY_RETURN_IF_ERROR(faults_.check());
    std::lock_guard lock(mu_);
    NIFTY_RETURN_IF_ERROR(memory_.upsert(candles));
    committed_.emplace_back(candles.begin(), candles.end());
    return core::Status::ok();
  }
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& s, model::Interval i, size_t n) override {
    return memory_.last_n(s, i, n);
  }
  core::Result<std::vector<model::Candle>> range(const model::Symbol& s, model::Interval i, core::Timestamp from,
                                                 core::Timestamp to) override {
    return memory_.range(s, i, from, to);
  }
  core::Result<std::vector<model::Symbol>> symbols(model::Interval i) override { return memory_.symbols(i); }
  core::Result<int64_t> count(model::Interval i) override { return memory_.count(i); }
  std::string_view backend() const override { return "faulty"; }

 private:
  FaultSwitch faults_;
  MemoryCandleStore memory_;
  mutable std::mutex mu_;
  std::vector<std::vector<model::Candle>> committed_;
};

class FaultySignalStore final : public SignalStore {
 public:
  FaultSwitch& faults() { return faults_; }
  MemorySignalStore& memory() { return memory_; }
  std::vector<std::vector<model::Signal>> committed() const {
    std::lock_guard lock(mu_);
    return committed_;
  }

  core::Status append(const model::Signal& signal) override { return append_all(std::span(&signal, 1)); }
  core::Status append_all(std::span<const model::Signal> signals) override {
    NIFTY_RETURN_IF_ERROR(faults_.check());
    std::lock_guard lock(mu_);
    NIFTY_RETURN_IF_ERROR(memory_.append_all(signals));
    committed_.emplace_back(signals.begin(), signals.end());
    return core::Status::ok();
  }
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol) override {
    return memory_.range(from, to, symbol);
  }
  std::string_view backend() const override { return "faulty"; }

 private:
  FaultSwitch faults_;
  MemorySignalStore memory_;
  mutable std::mutex mu_;
  std::vector<std::vector<model::Signal>> committed_;
};

// Polls `done` until it holds or `timeout` passes; true when it held.
inline bool poll_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace nifty::store::testing
