// CandleStore: the port through which candles of every interval are kept and read back (spec layer
// 3, the TimescaleDB "warm storage"). Adapters: sqlite/ (the embedded default), memory/ (tests and
// backtests); a PostgreSQL/TimescaleDB adapter will implement the same contract.
//
// Contract shared by every adapter (tests/candle_store_contract_test.cpp runs it against each):
// - A candle is keyed by (interval, symbol, start). Upserting an existing key replaces EVERY column.
// - Intervals are kept apart: a 5m candle never shows up in a 1m query.
// - Times are whole seconds (candle starts are minute-aligned); a start with a sub-second part, an
//   empty symbol or a price outside NUMERIC(10,2) is rejected (kInvalidArgument) and nothing of
//   that upsert is written.
// - Queries return candles oldest first.
//
// Threading: every adapter in this module is safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "model/candle.h"
#include "model/symbol.h"

namespace nifty::store {

class CandleStore {
 public:
  virtual ~CandleStore() = default;

  // Inserts or replaces the candles in one transaction: all of them or none. Intervals may be mixed.
  virtual core::Status upsert(std::span<const model::Candle> candles) = 0;
  // The last `n` candles of a symbol (fewer when there are fewer), oldest first.
  virtual core::Result<std::vector<model::Candle>> last_n(const model::Symbol& symbol, model::Interval interval,
                                                          size_t n) = 0;
  // Candles whose start lies in [from, to), oldest first.
  virtual core::Result<std::vector<model::Candle>> range(const model::Symbol& symbol, model::Interval interval,
                                                         core::Timestamp from, core::Timestamp to) = 0;
  // The symbols that have at least one candle of this interval, sorted by name.
  virtual core::Result<std::vector<model::Symbol>> symbols(model::Interval interval) = 0;
  // How many candles of this interval are stored.
  virtual core::Result<int64_t> count(model::Interval interval) = 0;
  // The adapter's name for metrics and logs: "sqlite", "memory", "postgres".
  virtual std::string_view backend() const = 0;
};

// Largest |price| that NUMERIC(10, 2) holds: 99,999,999.99 rupees.
inline constexpr int64_t kMaxStoredPaise = model::kMaxPricePaise;

// Checks what every adapter requires of a candle (see the contract above). The error names the
// symbol, interval and start of the offending candle.
core::Status validate_candle(const model::Candle& candle);

// The table of an interval: "candles_1m", "candles_5m", "candles_15m", "candles_1h", "candles_1d".
std::string_view candle_table_name(model::Interval interval);

}  // namespace nifty::store
