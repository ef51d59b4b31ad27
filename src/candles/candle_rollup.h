// CandleRollup: builds 5-minute, 15-minute, 1-hour and daily candles incrementally from CLOSED
// 1-minute candles (the output of CandleBuilder).
//
// Rules:
//  - open = first open, high = max, low = min, close = last close, volume = sum, trades = sum,
//    vwap = volume-weighted average of the 1-minute vwaps rounded to the nearest paisa (halves up),
//    or the close when the bucket had no volume.
//  - 5m/15m/1h buckets are aligned to the open of the calendar session that contains the minute
//    (09:15 on a regular day, so 1h buckets are 09:15, 10:15, ...; a special session opening at 18:15
//    or 13:45 aligns to its own open) and end at the session end at the latest (the 15:15 1h bucket
//    ends 15:30). candle.start is the bucket start.
//  - The 1d bucket starts at IST midnight of the date (how the daily source data labels days) and
//    ends at the end of the date's last session.
//  - A bucket is emitted as soon as it is complete: when the 1-minute candle of its last minute
//    arrives, when a 1-minute candle of a later bucket arrives for the symbol, when
//    on_clock(now) >= bucket end + grace, or on flush. For one input candle, emissions follow the
//    order of `intervals`.
//  - Input that is not a valid 1-minute candle is rejected (rejected_candles); a minute outside every
//    calendar session is not rolled up (out_of_session). A candle not later than the symbol's
//    previous one is late (late_candles) and not applied; so is, per interval, a candle for a bucket
//    already emitted on the clock (counted once). Rejections are logged, rate-limited.
//  - OHLC invariants of every emitted candle are checked with NIFTY_CHECK.
// When driven by the clock, call CandleBuilder::on_clock (feeding its candles here) before
// CandleRollup::on_clock with the same `now`, and keep the rollup's grace >= the builder's.
//
// Threading: not thread-safe; one engine thread owns it. The calendar must outlive it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "candles/candle_builder.h"
#include "candles/symbol_table.h"
#include "core/nse_calendar.h"
#include "model/candle.h"

namespace nifty::candles {

struct CandleRollupStats {
  uint64_t candles_in = 0;        // every on_candle call
  uint64_t candles_out = 0;       // rolled-up candles sent to a sink
  uint64_t late_candles = 0;      // for a bucket already emitted or earlier than the open bucket
  uint64_t rejected_candles = 0;  // not a valid 1-minute candle
  uint64_t out_of_session = 0;    // minute outside every calendar session
  uint64_t closed_on_clock = 0;   // emitted by on_clock (subset of candles_out)
};

class CandleRollup {
 public:
  // `intervals` may hold k5m, k15m, k1h, k1d, each at most once (k1m is the input, not an output).
  explicit CandleRollup(const core::NseCalendar& calendar,
                        std::vector<model::Interval> intervals = {model::Interval::k5m, model::Interval::k15m,
                                                                  model::Interval::k1h, model::Interval::k1d},
                        int64_t grace_nanos = 2 * core::kNanosPerSecond);

  // Adds one closed 1-minute candle; buckets it completes or supersedes go to `sink` before returning.
  void on_candle(const model::Candle& one_minute, CandleSink& sink);
  // Emits every open bucket whose end + grace <= now.
  void on_clock(core::Timestamp now, CandleSink& sink);
  // Emits every open bucket (shutdown, end of replay).
  void flush(CandleSink& sink);
  // The open bucket of `s` for `interval` (vwap so far), nullptr if none. Valid until the next call
  // of on_candle/on_clock/flush.
  const model::Candle* current(const model::Symbol& s, model::Interval interval) const;
  const CandleRollupStats& stats() const { return stats_; }

 private:
  __extension__ typedef __int128 Wide;

  struct Bucket {
    mutable model::Candle candle;
    Wide vwap_volume = 0;  // sum(1m vwap paise x 1m volume)
    int64_t end = 0;       // exclusive, clipped to the session (or day) end
    int64_t watermark = std::numeric_limits<int64_t>::min();  // end of the last emitted bucket
    bool open = false;
  };
  struct Bounds {
    int64_t start;
    int64_t end;
  };

  std::optional<core::Session> session_at(int64_t t) const;
  int64_t day_end(int64_t day_start, int64_t t) const;
  Bounds bounds(model::Interval interval, const core::Session& session, int64_t t) const;
  void emit(Bucket& b, CandleSink& sink);
  void reject(const model::Candle& c, const char* reason);

  const core::NseCalendar& calendar_;
  std::vector<model::Interval> intervals_;
  int64_t grace_nanos_;
  SymbolTable table_;
  std::vector<Bucket> buckets_;  // slot * intervals_.size() + interval index
  std::vector<int64_t> last_minute_;  // by slot: start of the latest 1m candle applied
  int64_t min_deadline_ = std::numeric_limits<int64_t>::max();
  CandleRollupStats stats_;
  // Look-up caches (the calendar builds Sessions from dates on each call).
  mutable std::optional<core::Session> last_session_;
  mutable int64_t cached_day_start_ = std::numeric_limits<int64_t>::min();
  mutable int64_t cached_day_end_ = 0;
};

}  // namespace nifty::candles
