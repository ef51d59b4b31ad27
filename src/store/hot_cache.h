// HotCache: the port for the spec's real-time read model (layer 3 "Redis hot storage"): per symbol
// the latest tick (Redis key tick:latest:SYMBOL), the candle being built (candle:current:SYMBOL)
// and the latest Scorecard, plus a snapshot of all scorecards for the market view and the gateway.
// Adapters: memory/ (embedded default); a Redis adapter will keep the spec's keys and TTLs
// (300 s for ticks, 120 s for candles).
//
// Every setter replaces what was there (last write wins); getters answer nullopt when nothing is
// known for the symbol. Errors (a Redis server gone) come back as Status, never as exceptions.
//
// Threading: every adapter is safe to call from several threads at once.
#pragma once

#include <optional>
#include <vector>

#include "core/status.h"
#include "model/candle.h"
#include "model/scorecard.h"
#include "model/symbol.h"
#include "model/tick.h"

namespace nifty::store {

class HotCache {
 public:
  virtual ~HotCache() = default;

  virtual core::Status set_latest_tick(const model::Tick& tick) = 0;
  virtual core::Result<std::optional<model::Tick>> latest_tick(const model::Symbol& symbol) = 0;

  // The candle still being built for the symbol (1-minute).
  virtual core::Status set_current_candle(const model::Candle& candle) = 0;
  virtual core::Result<std::optional<model::Candle>> current_candle(const model::Symbol& symbol) = 0;

  virtual core::Status set_scorecard(const model::Scorecard& scorecard) = 0;
  virtual core::Result<std::optional<model::Scorecard>> scorecard(const model::Symbol& symbol) = 0;
  // The latest scorecard of every symbol, sorted by symbol.
  virtual core::Result<std::vector<model::Scorecard>> scorecards() = 0;
};

}  // namespace nifty::store
