// SqliteApiKeyStore: the ApiKeyStore in the embedded SQLite file (open it with the candle store's
// SqliteConfig::path). Table, created when missing, the columns of PostgreSQL migration 0001:
//   api_keys (id TEXT PRIMARY KEY, key_hash BLOB NOT NULL UNIQUE -- 32 bytes of SHA-256,
//             label TEXT NOT NULL, tier TEXT NOT NULL, rate_per_second REAL NOT NULL,
//             burst INTEGER NOT NULL, created_at INTEGER NOT NULL -- unix seconds UTC,
//             revoked_at INTEGER -- unix seconds UTC, NULL while valid)
// Times are kept in whole seconds (sub-second parts are truncated).
//
// Threading: thread-safe; one connection shared under a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/api_key_store.h"
#include "store/sqlite/sqlite_candle_store.h"

struct sqlite3;

namespace nifty::store {

class SqliteApiKeyStore final : public ApiKeyStore {
 public:
  // Opens (creating if needed) the database file and the table; kIoError names the path.
  static core::Result<std::unique_ptr<SqliteApiKeyStore>> open(const SqliteConfig& config);
  ~SqliteApiKeyStore() override;
  SqliteApiKeyStore(const SqliteApiKeyStore&) = delete;
  SqliteApiKeyStore& operator=(const SqliteApiKeyStore&) = delete;

  core::Status create(const ApiKey& key) override;
  core::Result<std::optional<ApiKey>> find_by_hash(const ApiKeyHash& hash) override;
  core::Result<std::vector<ApiKey>> list() override;
  core::Status revoke(std::string_view id, core::Timestamp at) override;
  std::string_view backend() const override { return "sqlite"; }

 private:
  SqliteApiKeyStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  core::Status error(int rc, std::string_view what) const;

  std::mutex mu_;
  sqlite3* db_ = nullptr;  // guarded by mu_
  std::string path_;
};

}  // namespace nifty::store
