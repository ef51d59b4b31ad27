// MemoryApiKeyStore: an ApiKeyStore in process memory (tests, `nifty run` without a database).
// Keys are lost at exit. Threading: thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>

#include "store/api_key_store.h"

namespace nifty::store {

class MemoryApiKeyStore final : public ApiKeyStore {
 public:
  core::Status create(const ApiKey& key) override;
  core::Result<std::optional<ApiKey>> find_by_hash(const ApiKeyHash& hash) override;
  core::Result<std::vector<ApiKey>> list() override;
  core::Status revoke(std::string_view id, core::Timestamp at) override;
  std::string_view backend() const override { return "memory"; }

 private:
  std::mutex mu_;
  std::map<std::string, ApiKey, std::less<>> by_id_;  // guarded by mu_
  std::map<ApiKeyHash, std::string> id_of_hash_;      // guarded by mu_
};

}  // namespace nifty::store
