// NorenState: turns Noren (Flattrade) WebSocket text frames into full model::Tick values.
// Noren sends a full snapshot per token ("tk" touchline, "dk" depth) and then partial updates
// ("tf", "df") that carry only the fields that changed; NorenState keeps the merged state per
// token and emits a complete Tick for every feed message. All values arrive as JSON strings;
// prices are parsed exactly into paise (never through double), "ft" (epoch seconds) becomes the
// exchange time in ns. Only NSE instruments of the universe are accepted.
// Not thread-safe: one instance per connection, used by that connection's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "core/timestamp.h"
#include "feed/flattrade/noren_errors.h"
#include "feed/flattrade/noren_messages.h"
#include "feed/flattrade/noren_symbols.h"
#include "model/tick.h"

namespace nifty::feed::flattrade {

// The merged state of one token. A price or quantity of 0 means "not known yet".
struct NorenQuote {
  model::Price last_price;       // lp
  model::Quantity volume = 0;    // v, cumulative for the day
  model::Quantity last_quantity = 0;  // ltq (depth only)
  model::Price bid;              // bp1
  model::Price ask;              // sp1
  model::Quantity bid_quantity = 0;  // bq1
  model::Quantity ask_quantity = 0;  // sq1
  model::Price open, high, low, close, average_price;  // o h l c ap
  int64_t feed_time_seconds = 0;  // ft, epoch seconds; 0 = not seen
  bool has_last_price = false;
  bool touchline_seen = false;   // a "tk" arrived
  bool depth_seen = false;       // a "dk" arrived
};

// What one text frame was, and the tick it produced.
struct NorenEvent {
  NorenMessageType type = NorenMessageType::kOther;
  bool connect_ok = false;  // kConnectAck: the server accepted the session
  std::string detail;       // kConnectAck refused: the server's reason ("emsg"), if any
  bool has_tick = false;    // a feed message for a token whose LTP is known
  model::Tick tick;
};

class NorenState {
 public:
  // `symbols` must outlive the state.
  explicit NorenState(const NorenSymbols& symbols) : symbols_(&symbols) {}

  // Parses one text frame received at `receive_time`. Feed messages update the token's state
  // (partial ones merged into the last snapshot) and yield a full tick. Errors are kParseError
  // values naming the reason (see NorenRejectReason) and are counted; a rejected message leaves
  // the state as it was, except kNoFeedTime, where the fields are kept and only the tick is refused.
  core::Result<NorenEvent> on_message(std::string_view text, core::Timestamp receive_time);

  // The merged state of an NSE token; nullptr before its first snapshot.
  const NorenQuote* quote(uint32_t nse_token) const;
  // Forgets every token (after a reconnect; the next tk/dk re-initialises each token anyway).
  void clear() { quotes_.clear(); }
  const NorenRejectCounts& rejects() const { return rejects_; }

 private:
  core::Status count(core::Status status, NorenRejectReason reason);

  const NorenSymbols* symbols_;
  std::unordered_map<uint32_t, NorenQuote> quotes_;
  NorenRejectCounts rejects_;
};

}  // namespace nifty::feed::flattrade
