#include "store/memory/memory_hot_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

namespace nifty::store {

namespace {

core::Status empty_symbol(std::string_view what) {
  return core::error(core::ErrorCode::kInvalidArgument, std::string(what) + " has an empty symbol");
}

}  // namespace

int64_t scorecard_reference_paise(const model::Scorecard& scorecard) {
  if (!std::isfinite(scorecard.change)) return 0;
  int64_t ref = scorecard.ltp.paise() - std::llround(scorecard.change * 100.0);
  return ref > 0 ? ref : 0;
}

std::optional<double> day_change_percent(model::Price price, int64_t reference_paise) {
  if (reference_paise <= 0) return std::nullopt;
  return static_cast<double>(price.paise() - reference_paise) * 100.0 / static_cast<double>(reference_paise);
}

core::Status MemoryHotCache::set_latest_tick(const model::Tick& tick) {
  if (tick.symbol.empty()) return empty_symbol("hot cache: tick");
  std::unique_lock lock(mu_);
  ticks_.insert_or_assign(tick.symbol, tick);
  if (auto it = board_.find(tick.symbol); it != board_.end()) {
    if (auto pct = day_change_percent(tick.last_price, it->second.reference_paise)) it->second.change_percent = *pct;
  }
  return core::Status::ok();
}

core::Result<std::optional<model::Tick>> MemoryHotCache::latest_tick(const model::Symbol& symbol) {
  std::shared_lock lock(mu_);
  auto it = ticks_.find(symbol);
  if (it == ticks_.end()) return std::optional<model::Tick>{};
  return std::optional<model::Tick>(it->second);
}

core::Status MemoryHotCache::set_current_candle(const model::Candle& candle) {
  if (candle.symbol.empty()) return empty_symbol("hot cache: candle");
  std::unique_lock lock(mu_);
  candles_.insert_or_assign(candle.symbol, candle);
  return core::Status::ok();
}

core::Result<std::optional<model::Candle>> MemoryHotCache::current_candle(const model::Symbol& symbol) {
  std::shared_lock lock(mu_);
  auto it = candles_.find(symbol);
  if (it == candles_.end()) return std::optional<model::Candle>{};
  return std::optional<model::Candle>(it->second);
}

core::Status MemoryHotCache::set_scorecard(const model::Scorecard& scorecard) {
  if (scorecard.symbol.empty()) return empty_symbol("hot cache: scorecard");
  std::unique_lock lock(mu_);
  scorecards_.insert_or_assign(scorecard.symbol, scorecard);
  int64_t ref = scorecard_reference_paise(scorecard);
  if (ref > 0 && std::isfinite(scorecard.change_percent)) {
    board_.insert_or_assign(scorecard.symbol, Board{ref, scorecard.change_percent});
  }
  return core::Status::ok();
}

core::Result<std::optional<model::Scorecard>> MemoryHotCache::scorecard(const model::Symbol& symbol) {
  std::shared_lock lock(mu_);
  auto it = scorecards_.find(symbol);
  if (it == scorecards_.end()) return std::optional<model::Scorecard>{};
  return std::optional<model::Scorecard>(it->second);
}

core::Result<std::vector<model::Scorecard>> MemoryHotCache::scorecards() {
  std::shared_lock lock(mu_);
  std::vector<model::Scorecard> out;
  out.reserve(scorecards_.size());
  for (const auto& [symbol, card] : scorecards_) out.push_back(card);
  return out;
}

std::optional<double> MemoryHotCache::change_percent(const model::Symbol& symbol) const {
  std::shared_lock lock(mu_);
  auto it = board_.find(symbol);
  if (it == board_.end()) return std::nullopt;
  return it->second.change_percent;
}

core::Result<std::vector<Gainer>> MemoryHotCache::top_gainers(size_t n) {
  std::vector<Gainer> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [symbol, b] : board_) {
      if (b.change_percent > 0) out.push_back({symbol, b.change_percent});
    }
  }
  // Ties by symbol, as Redis orders equal scores (ZREVRANGE: reverse lexicographic).
  std::sort(out.begin(), out.end(), [](const Gainer& a, const Gainer& b) {
    if (a.change_percent != b.change_percent) return a.change_percent > b.change_percent;
    return b.symbol < a.symbol;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

core::Status MemoryHotCache::add_signal(const model::Signal& signal) {
  if (signal.symbol.empty()) return empty_symbol("hot cache: signal");
  std::unique_lock lock(mu_);
  signals_.push_back(signal);
  while (signals_.size() > kRecentSignalsCapacity) signals_.pop_front();
  return core::Status::ok();
}

core::Result<std::vector<model::Signal>> MemoryHotCache::recent_signals(size_t n) {
  std::shared_lock lock(mu_);
  std::vector<model::Signal> out;
  for (auto it = signals_.rbegin(); it != signals_.rend() && out.size() < n; ++it) out.push_back(*it);
  return out;
}

core::Status MemoryHotCache::set_market_view(const model::MarketView& view) {
  std::unique_lock lock(mu_);
  market_view_ = view;
  return core::Status::ok();
}

core::Result<std::optional<model::MarketView>> MemoryHotCache::market_view() {
  std::shared_lock lock(mu_);
  return market_view_;
}

core::Status MemoryHotCache::add_closed_candle(const model::Candle& candle) {
  if (candle.symbol.empty()) return empty_symbol("hot cache: closed candle");
  std::unique_lock lock(mu_);
  auto& list = recent_[RecentKey{candle.symbol, candle.interval}];
  if (!list.empty() && candle.start <= list.back().start) {
    if (candle.start == list.back().start) list.back() = candle;
    return core::Status::ok();
  }
  list.push_back(candle);
  while (list.size() > recent_capacity_) list.pop_front();
  return core::Status::ok();
}

core::Result<std::vector<model::Candle>> MemoryHotCache::recent_candles(const model::Symbol& symbol,
                                                                        model::Interval interval, size_t n) {
  std::shared_lock lock(mu_);
  auto it = recent_.find(RecentKey{symbol, interval});
  if (it == recent_.end()) return std::vector<model::Candle>{};
  const auto& list = it->second;
  size_t take = std::min(n, list.size());
  return std::vector<model::Candle>(list.end() - static_cast<std::ptrdiff_t>(take), list.end());
}

core::Status MemoryHotCache::prepend_candles(std::span<const model::Candle> older) {
  if (older.empty()) return core::Status::ok();
  const RecentKey key{older.front().symbol, older.front().interval};
  if (key.symbol.empty()) return empty_symbol("hot cache: prepended candle");
  for (const auto& c : older) {
    if (!(RecentKey{c.symbol, c.interval} == key)) {
      return core::error(core::ErrorCode::kInvalidArgument,
                         "hot cache: prepend_candles mixes " + key.symbol.str() + "/" +
                             std::string(model::interval_name(key.interval)) + " with " + c.symbol.str() + "/" +
                             std::string(model::interval_name(c.interval)));
    }
  }
  std::unique_lock lock(mu_);
  auto& list = recent_[key];
  // Newest first to the front, each strictly older than the current head.
  for (auto it = older.rbegin(); it != older.rend() && list.size() < recent_capacity_; ++it) {
    if (list.empty() || it->start < list.front().start) list.push_front(*it);
  }
  return core::Status::ok();
}

size_t MemoryHotCache::ApiKeyHashHash::operator()(const ApiKeyHash& h) const noexcept {
  size_t v = 0;
  std::memcpy(&v, h.data(), sizeof(v));  // a SHA-256 prefix: already uniformly distributed
  return v;
}

int64_t MemoryHotCache::now_nanos() const {
  if (clock_ != nullptr) return clock_->now().nanos();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

core::Status MemoryHotCache::set_api_key(const ApiKeyHash& hash, const ApiKey& key, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       "hot cache: api key '" + key.id + "': ttl must be > 0 s, got " + std::to_string(ttl.count()));
  }
  const int64_t expires = now_nanos() + std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count();
  std::unique_lock lock(mu_);
  api_keys_.insert_or_assign(hash, CachedKey{key, expires});
  return core::Status::ok();
}

core::Result<std::optional<ApiKey>> MemoryHotCache::api_key(const ApiKeyHash& hash) {
  const int64_t now = now_nanos();
  {
    std::shared_lock lock(mu_);
    auto it = api_keys_.find(hash);
    if (it == api_keys_.end()) return std::optional<ApiKey>{};
    if (it->second.expires_nanos > now) return std::optional<ApiKey>(it->second.key);
  }
  std::unique_lock lock(mu_);
  auto it = api_keys_.find(hash);
  if (it != api_keys_.end() && it->second.expires_nanos <= now) api_keys_.erase(it);
  return std::optional<ApiKey>{};
}

core::Status MemoryHotCache::drop_api_key(const ApiKeyHash& hash) {
  std::unique_lock lock(mu_);
  api_keys_.erase(hash);
  return core::Status::ok();
}

MemoryHotCache::Snapshot MemoryHotCache::snapshot() const {
  std::shared_lock lock(mu_);
  Snapshot s;
  for (const auto& [sym, t] : ticks_) s.ticks.push_back(t);
  for (const auto& [sym, c] : candles_) s.current_candles.push_back(c);
  for (const auto& [sym, card] : scorecards_) s.scorecards.push_back(card);
  for (const auto& [sym, b] : board_) s.board.push_back({sym, b.change_percent});
  s.signals.assign(signals_.begin(), signals_.end());
  s.market_view = market_view_;
  for (const auto& [key, list] : recent_) s.recent_candles.emplace_back(list.begin(), list.end());
  return s;
}

}  // namespace nifty::store
