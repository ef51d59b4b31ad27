#include "store/redis/candle_read_through.h"

#include <algorithm>

namespace nifty::store {

core::Result<std::vector<model::Candle>> CandleReadThrough::last_n(const model::Symbol& symbol,
                                                                   model::Interval interval, size_t n) {
  if (n == 0) return std::vector<model::Candle>{};
  if (n > cache_.recent_candles_capacity()) {
    bypasses_.fetch_add(1, std::memory_order_relaxed);
    return store_.last_n(symbol, interval, n);
  }
  const Key key{symbol, interval};
  auto cached = cache_.recent_candles(symbol, interval, n);
  std::vector<model::Candle> have;
  if (cached.is_ok()) {
    have = std::move(cached).value();
    if (have.size() >= n) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return have;
    }
    std::lock_guard lock(mu_);
    auto it = complete_len_.find(key);
    if (it != complete_len_.end() && have.size() >= it->second) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return have;
    }
  } else {
    cache_errors_.fetch_add(1, std::memory_order_relaxed);
  }

  misses_.fetch_add(1, std::memory_order_relaxed);
  NIFTY_ASSIGN_OR_RETURN(std::vector<model::Candle> stored, store_.last_n(symbol, interval, n));
  if (cached.is_ok()) (void)cache_.prepend_candles(stored);

  // The store's rows, then what the cache has that is newer (written through before the store).
  std::vector<model::Candle> merged = std::move(stored);
  for (const auto& c : have) {
    if (merged.empty() || c.start > merged.back().start) {
      merged.push_back(c);
    } else if (c.start == merged.back().start) {
      merged.back() = c;
    }
  }
  bool store_exhausted = merged.size() < n;
  if (merged.size() > n) merged.erase(merged.begin(), merged.end() - static_cast<std::ptrdiff_t>(n));
  if (store_exhausted && cached.is_ok()) {
    std::lock_guard lock(mu_);
    complete_len_[key] = merged.size();
  }
  return merged;
}

CandleReadThrough::Stats CandleReadThrough::stats() const {
  return Stats{hits_.load(), misses_.load(), bypasses_.load(), cache_errors_.load()};
}

}  // namespace nifty::store
