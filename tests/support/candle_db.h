// Reads the candle tables of a `nifty` SQLite file straight through the sqlite3 C API (not the
// project's store), for golden tests: every row of candles_<interval> as a SourceCandle (prices back
// to paise with llround(x * 100), as the schema documents).
// Not thread-safe; open one per test.
#pragma once

#include <string>
#include <vector>

#include "support/source_data.h"

namespace nifty::testing {

struct CandleTable {
  CandleMap candles;
  std::string error;  // empty on success
};

// interval: "1m", "5m", "15m", "1h", "1d".
// Every row, ordered by (symbol, start); `error` set on failure.
std::vector<SourceCandle> read_candle_rows(const std::string& db_path, const std::string& interval, std::string& error);
// The same rows keyed by (symbol, start).
CandleTable read_candle_table(const std::string& db_path, const std::string& interval);
// SELECT count(*) FROM candles_<interval>; -1 when the file or table is not there (yet).
int64_t count_candles(const std::string& db_path, const std::string& interval);

}  // namespace nifty::testing
