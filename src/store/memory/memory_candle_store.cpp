#include "store/memory/memory_candle_store.h"

#include <mutex>
#include <string>

namespace nifty::store {

namespace {

bool valid_interval(model::Interval i) { return static_cast<size_t>(i) < std::size(model::kAllIntervals); }

core::Status bad_interval(model::Interval i) {
  return core::error(core::ErrorCode::kInvalidArgument,
                     "unknown candle interval " + std::to_string(static_cast<int>(i)));
}

}  // namespace

core::Status MemoryCandleStore::upsert(std::span<const model::Candle> candles) {
  for (const model::Candle& c : candles) NIFTY_RETURN_IF_ERROR(validate_candle(c));
  std::unique_lock lock(mu_);
  for (const model::Candle& c : candles) tables_[static_cast<size_t>(c.interval)][c.symbol][c.start] = c;
  return core::Status::ok();
}

core::Result<std::vector<model::Candle>> MemoryCandleStore::last_n(const model::Symbol& symbol,
                                                                   model::Interval interval, size_t n) {
  if (!valid_interval(interval)) return bad_interval(interval);
  std::shared_lock lock(mu_);
  std::vector<model::Candle> out;
  const Table& table = tables_[static_cast<size_t>(interval)];
  auto it = table.find(symbol);
  if (it == table.end()) return out;
  const Series& series = it->second;
  size_t skip = series.size() > n ? series.size() - n : 0;
  out.reserve(series.size() - skip);
  auto s = series.begin();
  std::advance(s, static_cast<std::ptrdiff_t>(skip));
  for (; s != series.end(); ++s) out.push_back(s->second);
  return out;
}

core::Result<std::vector<model::Candle>> MemoryCandleStore::range(const model::Symbol& symbol,
                                                                  model::Interval interval, core::Timestamp from,
                                                                  core::Timestamp to) {
  if (!valid_interval(interval)) return bad_interval(interval);
  std::shared_lock lock(mu_);
  std::vector<model::Candle> out;
  if (from >= to) return out;
  const Table& table = tables_[static_cast<size_t>(interval)];
  auto it = table.find(symbol);
  if (it == table.end()) return out;
  for (auto s = it->second.lower_bound(from); s != it->second.end() && s->first < to; ++s) out.push_back(s->second);
  return out;
}

core::Result<std::vector<model::Symbol>> MemoryCandleStore::symbols(model::Interval interval) {
  if (!valid_interval(interval)) return bad_interval(interval);
  std::shared_lock lock(mu_);
  std::vector<model::Symbol> out;
  for (const auto& [symbol, series] : tables_[static_cast<size_t>(interval)]) {
    if (!series.empty()) out.push_back(symbol);
  }
  return out;
}

core::Result<int64_t> MemoryCandleStore::count(model::Interval interval) {
  if (!valid_interval(interval)) return bad_interval(interval);
  std::shared_lock lock(mu_);
  int64_t n = 0;
  for (const auto& [symbol, series] : tables_[static_cast<size_t>(interval)]) n += static_cast<int64_t>(series.size());
  return n;
}

}  // namespace nifty::store
