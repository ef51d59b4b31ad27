#include "store/memory/memory_api_key_store.h"

#include <algorithm>

namespace nifty::store {

core::Status MemoryApiKeyStore::create(const ApiKey& key) {
  NIFTY_RETURN_IF_ERROR(validate_api_key(key));
  std::lock_guard lk(mu_);
  if (by_id_.count(key.id) != 0) {
    return core::error(core::ErrorCode::kAlreadyExists, "api key id '" + key.id + "' already exists");
  }
  if (id_of_hash_.count(key.key_hash) != 0) {
    return core::error(core::ErrorCode::kAlreadyExists, "api key '" + key.id + "': this key is already stored");
  }
  by_id_.emplace(key.id, key);
  id_of_hash_.emplace(key.key_hash, key.id);
  return core::Status::ok();
}

core::Result<std::optional<ApiKey>> MemoryApiKeyStore::find_by_hash(const ApiKeyHash& hash) {
  std::lock_guard lk(mu_);
  auto it = id_of_hash_.find(hash);
  if (it == id_of_hash_.end()) return std::optional<ApiKey>();
  return std::optional<ApiKey>(by_id_.at(it->second));
}

core::Result<std::vector<ApiKey>> MemoryApiKeyStore::list() {
  std::lock_guard lk(mu_);
  std::vector<ApiKey> out;
  out.reserve(by_id_.size());
  for (const auto& [id, key] : by_id_) out.push_back(key);
  std::stable_sort(out.begin(), out.end(),
                   [](const ApiKey& a, const ApiKey& b) { return a.created_at < b.created_at; });
  return out;
}

core::Status MemoryApiKeyStore::revoke(std::string_view id, core::Timestamp at) {
  std::lock_guard lk(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return core::error(core::ErrorCode::kNotFound, "no api key with id '" + std::string(id) + "'");
  if (!it->second.revoked_at) it->second.revoked_at = at;
  return core::Status::ok();
}

}  // namespace nifty::store
