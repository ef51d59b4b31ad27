// CandleReadThrough: cache-aside reads of a symbol's last n candles. It answers from the hot
// cache's recent-candles list (written through by the engine on every closed candle, see
// HotCache::add_closed_candle) and, on a miss, reads the CandleStore and puts what it read in
// front of the list (HotCache::prepend_candles) so that the next read is a hit.
//
// A miss is: the list holds fewer than n candles, unless an earlier load in this process found the
// store holding fewer than asked (then the list is the whole history, as long as it has not
// shrunk: an expired or evicted key is a miss again). n above the list's capacity always reads the
// store.
//
// Staleness bound: a candle closed by the engine is in the list once the cache's writer has sent
// it (Redis: normally under a millisecond; at most command_timeout plus the queue ahead of it),
// and the answer of a miss also merges in the list, so a candle that reached the cache before the
// store is not lost. Candles changed in the store by another path (an import, a backfill) are seen
// only when the list's key expires (RedisConfig::recent_candles_ttl, 24 h by default, renewed on
// each append) or is evicted; a restart forgets the "store has no more" markers.
//
// Threading: thread-safe when the cache and the store are (every adapter of both ports is).
#pragma once

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "store/candle_store.h"
#include "store/hot_cache.h"

namespace nifty::store {

class CandleReadThrough {
 public:
  CandleReadThrough(HotCache& cache, CandleStore& store) : cache_(cache), store_(store) {}

  // The last `n` candles of the symbol at this interval (fewer when there are fewer), oldest first.
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& symbol, model::Interval interval, size_t n);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;       // store reads that went on to populate the cache
    uint64_t bypasses = 0;     // n above the list capacity: store only
    uint64_t cache_errors = 0; // the cache failed; the store answered
  };
  Stats stats() const;

 private:
  struct Key {
    model::Symbol symbol;
    model::Interval interval;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      return std::hash<model::Symbol>{}(k.symbol) * 31 + static_cast<size_t>(k.interval);
    }
  };

  HotCache& cache_;
  CandleStore& store_;
  std::mutex mu_;
  // Length of the list when a load found that the store had no more; 0 / absent = unknown.
  std::unordered_map<Key, size_t, KeyHash> complete_len_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, bypasses_{0}, cache_errors_{0};
};

}  // namespace nifty::store
