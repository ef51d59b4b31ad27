// IndicatorTable: every indicator's batch series over one symbol's candles, as named columns, for
// `nifty indicators` (CSV) and later the REST API. The batch forms are the same code the
// conformance suite checks against TTR; values are NaN where an indicator is still warming up.
// Columns: rsi14, macd, macd_signal, macd_hist, ema50, ema100, ema200, sma20, bb_upper, bb_middle,
// bb_lower, atr14, stoch_k, stoch_d, plus_di14, minus_di14, adx14, obv, vwap, supertrend,
// supertrend_dir.
// Pure function; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/candle.h"

namespace nifty::analysis {

struct IndicatorColumn {
  std::string name;
  std::vector<double> values;  // one per candle
};

struct IndicatorTable {
  std::vector<IndicatorColumn> columns;
};

// `candles` of one symbol and one interval, oldest first.
IndicatorTable compute_indicator_table(std::span<const model::Candle> candles);

// The table as CSV with a header: time (IST, ISO-8601), close, then one column per indicator;
// empty cells where a value is not ready.
std::string indicator_table_csv(std::span<const model::Candle> candles, const IndicatorTable& table);

}  // namespace nifty::analysis
