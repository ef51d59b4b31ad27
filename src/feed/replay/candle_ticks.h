// Candles to ticks: turns historical candles into the ticks a live feed would have sent, so that a
// replay drives the same CandleBuilder as live trading.
//
// One candle becomes up to kMaxTicksPerCandle ticks along its price path: open first, then low and
// high (low first when close >= open, else high first), close last; a point priced like the one
// before it is dropped (a flat candle is one tick). Exchange times sit at offsets 0, 1/4, 1/2 and
// 3/4 of the candle's interval (1m: :00, :15, :30, :45), a dropped point leaving its slot empty, so
// a 1-minute CandleBuilder plus rollups reproduce the candle's OHLC exactly at every interval of
// the file. Daily candles are spread the same way over that date's trading sessions (09:15-15:30 on
// ordinary days, the calendar's sessions on special days).
//
// Volume: the candle's volume is split over its ticks (each gets volume / n, the last the
// remainder) and carried as cumulative day volume per symbol, reset when the IST date changes, so
// the rise of cumulative volume within the candle equals its volume.
//
// The 1-minute files' 09:08 pre-open row (start 09:07) becomes ticks at its own time, outside the
// session: the TickNormalizer rejects them as outside_session, but their cumulative volume becomes
// the baseline, so the first regular candle does not include the auction volume. Post-close rows
// likewise.
//
// candle_price_path() is a pure function; DayVolume and CandleTickSynthesizer are not thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <unordered_map>

#include "core/nse_calendar.h"
#include "model/candle.h"
#include "model/tick.h"

namespace nifty::feed {

inline constexpr size_t kMaxTicksPerCandle = 4;

// Writes the candle's price path into `out` and returns how many ticks it wrote (1..4). Each tick
// has symbol, last_price, exchange_time, and last_quantity = its share of the candle volume;
// cumulative_volume is left 0 for DayVolume to fill in.
size_t candle_price_path(const model::Candle& candle, const core::NseCalendar& calendar,
                         std::span<model::Tick, kMaxTicksPerCandle> out);

// Per-symbol cumulative day volume.
class DayVolume {
 public:
  // Adds tick.last_quantity to the symbol's volume of the tick's IST date (starting from 0 on a new
  // date) and stores the sum in tick.cumulative_volume.
  void accumulate(model::Tick& tick);

 private:
  struct State {
    int64_t day = 0;  // IST days since the epoch
    model::Quantity cumulative = 0;
  };
  std::unordered_map<model::Symbol, State> by_symbol_;
};

// candle_price_path() and DayVolume together: candles in, ready ticks out.
class CandleTickSynthesizer {
 public:
  explicit CandleTickSynthesizer(const core::NseCalendar& calendar = core::NseCalendar::builtin())
      : calendar_(calendar) {}
  size_t to_ticks(const model::Candle& candle, std::span<model::Tick, kMaxTicksPerCandle> out);

 private:
  const core::NseCalendar& calendar_;
  DayVolume volume_;
};

}  // namespace nifty::feed
