#include "store/memory/memory_hot_cache.h"

#include <mutex>

namespace nifty::store {

namespace {

core::Status empty_symbol(std::string_view what) {
  return core::error(core::ErrorCode::kInvalidArgument, std::string(what) + " has an empty symbol");
}

}  // namespace

core::Status MemoryHotCache::set_latest_tick(const model::Tick& tick) {
  if (tick.symbol.empty()) return empty_symbol("hot cache: tick");
  std::unique_lock lock(mu_);
  ticks_.insert_or_assign(tick.symbol, tick);
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

}  // namespace nifty::store
