// Test helper: real candles copied into testdata/indicators/ (see its README), as parallel columns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "indicators/hlcv.h"

namespace nifty::indicators::testing {

struct RealCandles {
  std::vector<int64_t> start_nanos;  // candle start, ns since the epoch UTC
  std::vector<double> high;
  std::vector<double> low;
  std::vector<double> close;
  std::vector<double> volume;
  size_t size() const { return close.size(); }
  Hlcv at(size_t i) const { return {high[i], low[i], close[i], volume[i]}; }
};

// testdata/indicators/<kind>/<symbol>.csv, kind "daily" or "5min"; empty when it cannot be read.
RealCandles real_candles(const std::string& kind, const std::string& symbol);

// The symbols present in both testdata/indicators/daily and 5min.
std::vector<std::string> real_symbols();

}  // namespace nifty::indicators::testing
