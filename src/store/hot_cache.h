// HotCache: the port for the spec's real-time read model (layer 3 "Redis hot storage"): per symbol
// the latest tick (Redis key tick:latest:SYMBOL), the candle being built (candle:current:SYMBOL),
// the latest Scorecard (and the analysis:results stream), the day's change for the gainers board
// (market:gainers), a short list of recently CLOSED candles per symbol and interval (the
// cache-aside read model of CandleReadThrough), the latest MarketView (market:sentiment) and the
// recent Signals (signal:alerts); and the gateway's API-key records (api_key:<sha256 hex>), the
// cache of the spec's cache-aside authentication.
// Adapters: memory/ (embedded default), redis/ (the spec's keys, TTLs and channels).
//
// Every latest-value setter replaces what was there (last write wins); getters answer nullopt (or
// an empty list) when nothing is known. Errors (a Redis server gone) come back as Status, never as
// exceptions.
//
// Day change of the gainers board: change_percent as the Scorecard defines it, versus the previous
// close, else the day's open (the reference analysis uses, so the board agrees with MarketView).
// Between scorecards each tick moves it: the reference is ltp - change of the symbol's latest
// scorecard, and a tick's change is (tick ltp - reference) / reference. Before the first scorecard
// of a symbol no reference is known and the symbol is not on the board.
//
// API-key records are keyed by the key's SHA-256, never by the key; each expires `ttl` after it
// was set (a read after that answers nullopt).
//
// Threading: every adapter is safe to call from several threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "model/candle.h"
#include "model/market_view.h"
#include "model/scorecard.h"
#include "model/symbol.h"
#include "model/tick.h"
#include "store/api_key_store.h"

namespace nifty::store {

// One line of the gainers board.
struct Gainer {
  model::Symbol symbol;
  double change_percent = 0.0;
};

// How many signals recent_signals() can give back.
inline constexpr size_t kRecentSignalsCapacity = 100;
// Default length of the recent-candles lists.
inline constexpr size_t kDefaultRecentCandles = 500;

class HotCache {
 public:
  virtual ~HotCache() = default;

  // Also moves the symbol's day change on the gainers board (see above) and announces the tick
  // (Redis: PUBLISH tick:updates).
  virtual core::Status set_latest_tick(const model::Tick& tick) = 0;
  virtual core::Result<std::optional<model::Tick>> latest_tick(const model::Symbol& symbol) = 0;

  // The candle still being built for the symbol (1-minute).
  virtual core::Status set_current_candle(const model::Candle& candle) = 0;
  virtual core::Result<std::optional<model::Candle>> current_candle(const model::Symbol& symbol) = 0;

  // Also appends to the analysis results (Redis: the analysis:results stream) and sets the
  // symbol's day change on the gainers board.
  virtual core::Status set_scorecard(const model::Scorecard& scorecard) = 0;
  virtual core::Result<std::optional<model::Scorecard>> scorecard(const model::Symbol& symbol) = 0;
  // The latest scorecard of every symbol, sorted by symbol.
  virtual core::Result<std::vector<model::Scorecard>> scorecards() = 0;

  // The `n` symbols with the largest positive day change, largest first.
  virtual core::Result<std::vector<Gainer>> top_gainers(size_t n) = 0;

  // Announces a signal (Redis: PUBLISH signal:alerts) and keeps it among the recent ones.
  virtual core::Status add_signal(const model::Signal& signal) = 0;
  // The last `n` signals added (at most kRecentSignalsCapacity), newest first.
  virtual core::Result<std::vector<model::Signal>> recent_signals(size_t n) = 0;

  // Replaces the market view and announces it (Redis: PUBLISH market:sentiment).
  virtual core::Status set_market_view(const model::MarketView& view) = 0;
  virtual core::Result<std::optional<model::MarketView>> market_view() = 0;

  // Appends a CLOSED candle of any interval to its (symbol, interval) recent list, which keeps the
  // newest recent_candles_capacity() candles. A candle whose start is not after the list's last
  // one replaces the candle with that start when it is the last one, else is ignored.
  virtual core::Status add_closed_candle(const model::Candle& candle) = 0;
  // The newest `n` candles of the recent list (fewer when it holds fewer), oldest first.
  virtual core::Result<std::vector<model::Candle>> recent_candles(const model::Symbol& symbol,
                                                                  model::Interval interval, size_t n) = 0;
  // Puts OLDER history (oldest first, one symbol and interval, e.g. read from a CandleStore) in
  // front of the recent list: only candles that start before the list's first candle are added, so
  // a candle appended meanwhile is neither lost nor reordered. The list stays capped.
  virtual core::Status prepend_candles(std::span<const model::Candle> older) = 0;
  virtual size_t recent_candles_capacity() const = 0;

  // Caches a key's record under its hash for `ttl` (> 0, else kInvalidArgument), replacing what
  // was there.
  virtual core::Status set_api_key(const ApiKeyHash& hash, const ApiKey& key, std::chrono::seconds ttl) = 0;
  // The record cached under `hash`; nullopt when none, or when it expired.
  virtual core::Result<std::optional<ApiKey>> api_key(const ApiKeyHash& hash) = 0;
  // Forgets the record cached under `hash` (ok when there was none).
  virtual core::Status drop_api_key(const ApiKeyHash& hash) = 0;
};

}  // namespace nifty::store
