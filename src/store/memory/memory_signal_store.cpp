#include "store/memory/memory_signal_store.h"

namespace nifty::store {

core::Status MemorySignalStore::append(const model::Signal& signal) {
  NIFTY_RETURN_IF_ERROR(validate_signal(signal));
  Key key{signal.timestamp, signal.symbol.str(), signal.id};
  std::lock_guard lock(mu_);
  auto it = key_of_id_.find(signal.id);
  if (it != key_of_id_.end()) {
    by_time_.erase(it->second);
    it->second = key;
  } else {
    key_of_id_.emplace(signal.id, key);
  }
  by_time_.insert_or_assign(key, signal);
  return core::Status::ok();
}

core::Status MemorySignalStore::append_all(std::span<const model::Signal> signals) {
  for (const auto& s : signals) NIFTY_RETURN_IF_ERROR(validate_signal(s));  // all or none
  for (const auto& s : signals) NIFTY_RETURN_IF_ERROR(append(s));
  return core::Status::ok();
}

core::Result<std::vector<model::Signal>> MemorySignalStore::range(core::Timestamp from, core::Timestamp to,
                                                                  std::optional<model::Symbol> symbol) {
  std::vector<model::Signal> out;
  if (from >= to) return out;
  std::lock_guard lock(mu_);
  for (auto it = by_time_.lower_bound(Key{from, std::string(), std::string()});
       it != by_time_.end() && std::get<0>(it->first) < to; ++it) {
    if (symbol && it->second.symbol != *symbol) continue;
    out.push_back(it->second);
  }
  return out;
}

size_t MemorySignalStore::size() const {
  std::lock_guard lock(mu_);
  return by_time_.size();
}

}  // namespace nifty::store
