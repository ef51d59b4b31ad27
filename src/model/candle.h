// Candle: OHLCV over one interval of exchange time, labelled by its START (as Kite labels them).
// Trivially copyable; never allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/timestamp.h"
#include "model/price.h"
#include "model/symbol.h"

namespace nifty::model {

enum class Interval : uint8_t { k1m, k5m, k15m, k1h, k1d };
inline constexpr Interval kAllIntervals[] = {Interval::k1m, Interval::k5m, Interval::k15m, Interval::k1h,
                                             Interval::k1d};

std::string_view interval_name(Interval i);  // "1m", "5m", "15m", "1h", "1d"
std::optional<Interval> parse_interval(std::string_view name);
// Length in ns; 1d is the trading day (24 h for alignment purposes).
int64_t interval_nanos(Interval i);

struct Candle {
  Symbol symbol;
  Interval interval = Interval::k1m;
  core::Timestamp start;  // first instant of the interval
  Price open;
  Price high;
  Price low;
  Price close;
  Quantity volume = 0;
  int32_t trades = 0;     // ticks seen (Kite ticks are snapshots, not trades)
  Price vwap;             // sum(price x volume delta) / sum(volume delta); close when no volume

  // high >= max(open, close), low <= min(open, close), low > 0, volume >= 0.
  bool ohlc_valid() const {
    return low.paise() > 0 && high >= open && high >= close && low <= open && low <= close && high >= low &&
           volume >= 0;
  }
};

}  // namespace nifty::model
