// CandleBuilder: turns normalised ticks into 1-minute candles aligned to exchange minutes
// (spec layer 2, done as ARCHITECTURE.md section 4 says, not as the spec's code does).
//
// Input: ticks from feed::TickNormalizer — in-session only, `volume_delta` set (the rise of the
// cumulative day volume since the symbol's previous tick, pre-open included), exchange_time in ns
// UTC. Rules:
//  - A candle covers one exchange minute [start, start + 1 min); candle.start is the minute start
//    (minute floors are the same in UTC and IST, so the first regular candle starts 09:15:00 IST).
//  - The tick that crosses a minute boundary closes the symbol's open candle and opens the next
//    candle with itself (the spec's code drops it).
//  - A candle also closes on the clock: on_clock(now) closes every candle whose minute end + grace
//    <= now, so illiquid symbols close on time. on_clock is O(1) when nothing is due.
//  - volume = sum of the ticks' volume_delta; vwap = sum(price x volume_delta) / sum(volume_delta)
//    rounded to the nearest paisa (halves up), or the close when the candle had no volume (an
//    index); trades = ticks seen (Kite ticks are snapshots, not trades).
//  - Late ticks — in a minute whose candle has already closed, or earlier than the open candle —
//    are counted in stats().late_ticks and not applied.
//  - A minute without a tick produces no candle. Missing minutes between two consecutive candles
//    of a symbol on the same IST day are counted in stats().gap_minutes (candles at 10:00 and 10:03
//    count 2). The builder knows no calendar: the break inside a split special session counts too.
//  - Ticks that break the input contract (empty symbol, price <= 0, negative volume_delta,
//    exchange_time <= 0) are rejected, counted in stats().rejected_ticks and logged (rate-limited).
//  - OHLC invariants are checked with NIFTY_CHECK before a candle leaves (only a bug breaks them).
// Performance: no allocation per tick once every symbol has been seen.
//
// Threading: not thread-safe; one engine thread owns it. Sinks are called synchronously and must not
// call back into the builder's mutating functions.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "candles/symbol_table.h"
#include "core/timestamp.h"
#include "model/candle.h"
#include "model/tick.h"

namespace nifty::candles {

struct CandleBuilderConfig {
  // How long after a minute's end its candle stays open for delayed ticks before on_clock closes it.
  int64_t grace_nanos = 2 * core::kNanosPerSecond;
};

// Receives closed candles (1-minute from CandleBuilder, longer intervals from CandleRollup).
class CandleSink {
 public:
  virtual ~CandleSink() = default;
  virtual void on_candle(const model::Candle& c) = 0;
};

struct CandleBuilderStats {
  uint64_t ticks = 0;            // every on_tick call
  uint64_t candles_closed = 0;   // candles sent to a sink (any cause)
  uint64_t late_ticks = 0;       // not applied: their minute had closed or preceded the open candle
  uint64_t gap_minutes = 0;      // minutes without a candle between two candles of a symbol, same IST day
  uint64_t closed_on_clock = 0;  // candles closed by on_clock (subset of candles_closed)
  uint64_t rejected_ticks = 0;   // ticks breaking the input contract
};

class CandleBuilder {
 public:
  explicit CandleBuilder(CandleBuilderConfig config = {});

  // Applies one tick; a candle closed by it (the minute was crossed) goes to `sink` before returning.
  void on_tick(const model::Tick& tick, CandleSink& sink);
  // Closes every open candle whose minute end + grace <= now.
  void on_clock(core::Timestamp now, CandleSink& sink);
  // Closes every open candle (shutdown, end of replay).
  void flush(CandleSink& sink);
  // The open candle of `s` (its vwap over the ticks so far), nullptr if none. Valid until the next
  // on_tick/on_clock/flush.
  const model::Candle* current(const model::Symbol& s) const;
  const CandleBuilderStats& stats() const { return stats_; }

 private:
  __extension__ typedef __int128 Wide;

  struct SymbolState {
    mutable model::Candle candle;  // vwap is filled in when it leaves or current() is asked
    Wide price_volume = 0;  // sum(price paise x volume_delta) of the open candle
    int64_t last_closed_start = std::numeric_limits<int64_t>::min();  // start of the previous candle
    bool open = false;
  };

  void reject(const model::Tick& tick, const char* reason);
  void open_candle(SymbolState& st, const model::Tick& tick, int64_t minute_start);
  void close_candle(SymbolState& st, CandleSink& sink);

  CandleBuilderConfig config_;
  SymbolTable table_;
  std::vector<SymbolState> states_;
  // No open candle has a deadline (minute end + grace) before this; may be early, never late.
  int64_t min_deadline_ = std::numeric_limits<int64_t>::max();
  CandleBuilderStats stats_;
};

}  // namespace nifty::candles
