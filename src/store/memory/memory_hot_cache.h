// MemoryHotCache: the HotCache kept in process memory (embedded deployment, tests). Entries do not
// expire: the embedded process is the only writer, so they are never stale for longer than the
// feed is silent.
//
// Threading: thread-safe; readers share a shared_mutex, writers take it exclusively. A reader
// always sees a whole value as one setter wrote it, never a mix of two.
#pragma once

#include <map>
#include <shared_mutex>
#include <unordered_map>

#include "store/hot_cache.h"

namespace nifty::store {

class MemoryHotCache final : public HotCache {
 public:
  MemoryHotCache() = default;

  core::Status set_latest_tick(const model::Tick& tick) override;
  core::Result<std::optional<model::Tick>> latest_tick(const model::Symbol& symbol) override;
  core::Status set_current_candle(const model::Candle& candle) override;
  core::Result<std::optional<model::Candle>> current_candle(const model::Symbol& symbol) override;
  core::Status set_scorecard(const model::Scorecard& scorecard) override;
  core::Result<std::optional<model::Scorecard>> scorecard(const model::Symbol& symbol) override;
  core::Result<std::vector<model::Scorecard>> scorecards() override;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<model::Symbol, model::Tick> ticks_;
  std::unordered_map<model::Symbol, model::Candle> candles_;
  std::map<model::Symbol, model::Scorecard> scorecards_;  // ordered: snapshots come out sorted
};

}  // namespace nifty::store
