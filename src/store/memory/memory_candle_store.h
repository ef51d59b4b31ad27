// MemoryCandleStore: a CandleStore held in process memory, with the same semantics as the SQLite
// store (the contract in store/candle_store.h). For tests and backtests; nothing survives the process.
//
// Threading: thread-safe (a shared_mutex: queries run in parallel, upserts exclusively).
#pragma once

#include <array>
#include <map>
#include <shared_mutex>

#include "store/candle_store.h"

namespace nifty::store {

class MemoryCandleStore final : public CandleStore {
 public:
  MemoryCandleStore() = default;

  core::Status upsert(std::span<const model::Candle> candles) override;
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& symbol, model::Interval interval,
                                                  size_t n) override;
  core::Result<std::vector<model::Candle>> range(const model::Symbol& symbol, model::Interval interval,
                                                 core::Timestamp from, core::Timestamp to) override;
  core::Result<std::vector<model::Symbol>> symbols(model::Interval interval) override;
  core::Result<int64_t> count(model::Interval interval) override;
  std::string_view backend() const override { return "memory"; }

 private:
  // symbol -> candle start -> candle, per interval.
  using Series = std::map<core::Timestamp, model::Candle>;
  using Table = std::map<model::Symbol, Series>;

  mutable std::shared_mutex mu_;
  std::array<Table, std::size(model::kAllIntervals)> tables_;
};

}  // namespace nifty::store
