// MemorySignalStore: a SignalStore in memory (tests, backtests). Signals are lost at exit.
// Threading: thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "store/signal_store.h"

namespace nifty::store {

class MemorySignalStore final : public SignalStore {
 public:
  core::Status append(const model::Signal& signal) override;
  core::Status append_all(std::span<const model::Signal> signals) override;
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol = std::nullopt) override;
  std::string_view backend() const override { return "memory"; }

  size_t size() const;

 private:
  // (time, symbol, id): the order range() returns.
  using Key = std::tuple<core::Timestamp, std::string, std::string>;

  mutable std::mutex mu_;
  std::map<Key, model::Signal> by_time_;        // guarded by mu_
  std::map<std::string, Key> key_of_id_;        // guarded by mu_
};

}  // namespace nifty::store
