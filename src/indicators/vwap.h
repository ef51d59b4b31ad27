// Vwap: the session volume-weighted average price, streaming (O(1) per candle) and batch.
//  - typical price tp = (high + low + close) / 3 of each candle;
//  - vwap = sum(tp * volume) / sum(volume) over the candles of the current session, including the
//    latest; while the session's volume is still zero (an index, or no trade yet) it is the plain
//    mean of the session's typical prices, so it is always defined from the first candle on;
//  - sessions: given the candle start time (ns since the epoch, UTC), a new session starts at the
//    first candle of each IST calendar day (UTC+05:30, no DST) and again at the first candle that
//    starts at or after 09:15 IST that day. So the regular session always starts afresh at 09:15,
//    a pre-open candle (before 09:15) never mixes into the previous day nor into the regular
//    session, and a special session (Muhurat in the evening, a Saturday) is a session of its day.
//    Or the caller says when a session starts with the flag form of update().
// Lookback 0. Not thread-safe: one instance per series, used from one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "indicators/hlcv.h"

namespace nifty::indicators {

// The session key of a candle starting at `start_nanos` (ns since the epoch, UTC): equal keys are
// the same session (2 * IST day number, +1 from 09:15 IST on).
int64_t vwap_session_key(int64_t start_nanos);

class Vwap {
 public:
  Vwap() = default;

  // Adds one candle that starts at `start_nanos`; starts a new session when its session key differs
  // from the previous candle's. Returns ready(). A candle with a non-finite price or a non-finite or
  // negative volume is rejected (state unchanged, counted).
  bool update(int64_t start_nanos, const Hlcv& candle);
  // Adds one candle; `new_session` true starts a new session with it (the first candle after
  // construction or reset() always does).
  bool update(const Hlcv& candle, bool new_session);
  bool ready() const { return count_ > 0; }
  // NaN until ready.
  double value() const;
  void reset();

  int64_t rejected() const { return rejected_; }

 private:
  double price_volume_ = 0.0;  // sum of tp * volume in the session
  double volume_ = 0.0;
  double price_sum_ = 0.0;  // sum of tp in the session, for the zero-volume case
  int64_t session_count_ = 0;
  int64_t session_key_ = 0;
  int64_t count_ = 0;
  int64_t rejected_ = 0;
};

// Batch form over parallel spans (equal sizes, checked); sessions from start_nanos as above.
// Non-finite inputs propagate NaN until the session ends.
std::vector<double> vwap(std::span<const int64_t> start_nanos, std::span<const double> high,
                         std::span<const double> low, std::span<const double> close,
                         std::span<const double> volume);

}  // namespace nifty::indicators
