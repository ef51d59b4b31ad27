// MemoryHotCache: the HotCache kept in process memory (embedded deployment, tests, and the fallback
// of the Redis adapter while Redis is down). Entries do not expire: the embedded process is the
// only writer, so they are never stale for longer than the feed is silent. API-key records are the
// exception: each expires its `ttl` after it was set, measured on the clock given at construction
// (a ManualClock in tests), else on std::chrono::steady_clock; an expired record is dropped when
// read.
//
// Threading: thread-safe; readers share a shared_mutex, writers take it exclusively. A reader
// always sees a whole value as one setter wrote it, never a mix of two.
#pragma once

#include <deque>
#include <map>
#include <shared_mutex>
#include <unordered_map>

#include "core/clock.h"
#include "store/hot_cache.h"

namespace nifty::store {

class MemoryHotCache final : public HotCache {
 public:
  // `clock` (may be null: steady time) measures API-key TTLs and must outlive the cache.
  explicit MemoryHotCache(size_t recent_candles = kDefaultRecentCandles, const core::Clock* clock = nullptr)
      : recent_capacity_(recent_candles == 0 ? 1 : recent_candles), clock_(clock) {}

  core::Status set_latest_tick(const model::Tick& tick) override;
  core::Result<std::optional<model::Tick>> latest_tick(const model::Symbol& symbol) override;
  core::Status set_current_candle(const model::Candle& candle) override;
  core::Result<std::optional<model::Candle>> current_candle(const model::Symbol& symbol) override;
  core::Status set_scorecard(const model::Scorecard& scorecard) override;
  core::Result<std::optional<model::Scorecard>> scorecard(const model::Symbol& symbol) override;
  core::Result<std::vector<model::Scorecard>> scorecards() override;
  core::Result<std::vector<Gainer>> top_gainers(size_t n) override;
  core::Status add_signal(const model::Signal& signal) override;
  core::Result<std::vector<model::Signal>> recent_signals(size_t n) override;
  core::Status set_market_view(const model::MarketView& view) override;
  core::Result<std::optional<model::MarketView>> market_view() override;
  core::Status add_closed_candle(const model::Candle& candle) override;
  core::Result<std::vector<model::Candle>> recent_candles(const model::Symbol& symbol, model::Interval interval,
                                                          size_t n) override;
  core::Status prepend_candles(std::span<const model::Candle> older) override;
  size_t recent_candles_capacity() const override { return recent_capacity_; }
  core::Status set_api_key(const ApiKeyHash& hash, const ApiKey& key, std::chrono::seconds ttl) override;
  core::Result<std::optional<ApiKey>> api_key(const ApiKeyHash& hash) override;
  core::Status drop_api_key(const ApiKeyHash& hash) override;

  // The symbol's day change on the gainers board; nullopt before its first scorecard.
  std::optional<double> change_percent(const model::Symbol& symbol) const;

  // Everything held, for copying into another cache (the Redis adapter's resync after an outage).
  struct Snapshot {
    std::vector<model::Tick> ticks;
    std::vector<model::Candle> current_candles;
    std::vector<model::Scorecard> scorecards;  // sorted by symbol
    std::vector<Gainer> board;                 // every symbol with a known day change
    std::vector<model::Signal> signals;        // oldest first
    std::optional<model::MarketView> market_view;
    std::vector<std::vector<model::Candle>> recent_candles;  // one list per (symbol, interval), oldest first
  };
  Snapshot snapshot() const;

 private:
  struct RecentKey {
    model::Symbol symbol;
    model::Interval interval;
    bool operator==(const RecentKey&) const = default;
  };
  struct RecentKeyHash {
    size_t operator()(const RecentKey& k) const noexcept {
      return std::hash<model::Symbol>{}(k.symbol) * 31 + static_cast<size_t>(k.interval);
    }
  };
  struct ApiKeyHashHash {
    size_t operator()(const ApiKeyHash& h) const noexcept;
  };
  struct CachedKey {
    ApiKey key;
    int64_t expires_nanos = 0;  // on now_nanos()'s scale
  };
  struct Board {
    int64_t reference_paise = 0;  // previous close (else day open), from the latest scorecard
    double change_percent = 0.0;
  };

  // Now on the API-key TTL scale: the clock's time, else steady time.
  int64_t now_nanos() const;

  const size_t recent_capacity_;
  const core::Clock* const clock_;
  mutable std::shared_mutex mu_;
  std::unordered_map<model::Symbol, model::Tick> ticks_;
  std::unordered_map<model::Symbol, model::Candle> candles_;
  std::map<model::Symbol, model::Scorecard> scorecards_;  // ordered: snapshots come out sorted
  std::unordered_map<model::Symbol, Board> board_;
  std::deque<model::Signal> signals_;  // oldest first, at most kRecentSignalsCapacity
  std::optional<model::MarketView> market_view_;
  std::unordered_map<RecentKey, std::deque<model::Candle>, RecentKeyHash> recent_;
  std::unordered_map<ApiKeyHash, CachedKey, ApiKeyHashHash> api_keys_;
};

// The reference a scorecard's change is measured against, in paise (ltp - change); 0 when unknown.
int64_t scorecard_reference_paise(const model::Scorecard& scorecard);
// Day change of a price against a reference in paise; nullopt when the reference is not positive.
std::optional<double> day_change_percent(model::Price price, int64_t reference_paise);

}  // namespace nifty::store
