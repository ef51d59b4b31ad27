// PostgresApiKeyStore: the ApiKeyStore on PostgreSQL, the api_keys table of migration 0001:
//   api_keys (id TEXT PRIMARY KEY, key_hash BYTEA UNIQUE (32 bytes), label, tier,
//             rate_per_second DOUBLE PRECISION, burst INTEGER, created_at TIMESTAMPTZ,
//             revoked_at TIMESTAMPTZ NULL)
// Times are kept in whole seconds, as the SQLite adapter keeps them.
// Threading: thread-safe; up to PostgresConfig::pool_size calls run at once.
#pragma once

#include <memory>

#include "store/api_key_store.h"
#include "store/postgres/postgres_config.h"

namespace nifty::store {

class PostgresPool;

class PostgresApiKeyStore final : public ApiKeyStore {
 public:
  // Connects and checks the schema version; errors as PostgresCandleStore::open.
  static core::Result<std::unique_ptr<PostgresApiKeyStore>> open(const PostgresConfig& config);
  ~PostgresApiKeyStore() override;
  PostgresApiKeyStore(const PostgresApiKeyStore&) = delete;
  PostgresApiKeyStore& operator=(const PostgresApiKeyStore&) = delete;

  core::Status create(const ApiKey& key) override;
  core::Result<std::optional<ApiKey>> find_by_hash(const ApiKeyHash& hash) override;
  core::Result<std::vector<ApiKey>> list() override;
  core::Status revoke(std::string_view id, core::Timestamp at) override;
  std::string_view backend() const override { return "postgres"; }

 private:
  PostgresApiKeyStore();
  std::unique_ptr<PostgresPool> pool_;
};

}  // namespace nifty::store
