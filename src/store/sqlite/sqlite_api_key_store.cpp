#include "store/sqlite/sqlite_api_key_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "store/sqlite/sqlite_util.h"

namespace nifty::store {

namespace {

using sqlite_util::bind_text;
using sqlite_util::column_text;

// Finalizes a statement when the scope ends.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

constexpr const char* kSelect =
    "SELECT id, key_hash, label, tier, rate_per_second, burst, created_at, revoked_at FROM api_keys";

ApiKey read_row(sqlite3_stmt* s) {
  ApiKey k;
  k.id = std::string(column_text(s, 0));
  const void* blob = sqlite3_column_blob(s, 1);
  if (blob != nullptr && sqlite3_column_bytes(s, 1) == static_cast<int>(k.key_hash.size())) {
    std::memcpy(k.key_hash.data(), blob, k.key_hash.size());
  }
  k.label = std::string(column_text(s, 2));
  k.tier = std::string(column_text(s, 3));
  k.rate_per_second = sqlite3_column_double(s, 4);
  k.burst = sqlite3_column_int(s, 5);
  k.created_at = core::Timestamp::from_seconds(sqlite3_column_int64(s, 6));
  if (sqlite3_column_type(s, 7) != SQLITE_NULL) {
    k.revoked_at = core::Timestamp::from_seconds(sqlite3_column_int64(s, 7));
  }
  return k;
}

}  // namespace

SqliteApiKeyStore::~SqliteApiKeyStore() { sqlite3_close_v2(db_); }

core::Status SqliteApiKeyStore::error(int rc, std::string_view what) const {
  return core::error(sqlite_util::error_code(rc), std::string(what) + ": " + sqlite3_errmsg(db_) + " (database '" +
                                                      path_ + "')");
}

core::Result<std::unique_ptr<SqliteApiKeyStore>> SqliteApiKeyStore::open(const SqliteConfig& config) {
  NIFTY_ASSIGN_OR_RETURN(sqlite3 * db, sqlite_util::open(config.path));
  std::unique_ptr<SqliteApiKeyStore> store(new SqliteApiKeyStore(db, config.path));
  sqlite3_busy_timeout(db, static_cast<int>(std::clamp<int64_t>(config.busy_timeout.count(), 0,
                                                                std::numeric_limits<int>::max())));
  int rc = sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL;"
                        "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, key_hash BLOB NOT NULL UNIQUE,"
                        " label TEXT NOT NULL, tier TEXT NOT NULL, rate_per_second REAL NOT NULL,"
                        " burst INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)",
                        nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return core::error(core::ErrorCode::kIoError, "cannot create the api_keys table in SQLite database '" +
                                                      config.path + "': " + sqlite3_errmsg(db));
  }
  return store;
}

core::Status SqliteApiKeyStore::create(const ApiKey& key) {
  NIFTY_RETURN_IF_ERROR(validate_api_key(key));
  std::lock_guard lk(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(db_,
                              "INSERT INTO api_keys (id, key_hash, label, tier, rate_per_second, burst, created_at,"
                              " revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                              -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare insert into api_keys");
  bind_text(st.s, 1, key.id);
  sqlite3_bind_blob(st.s, 2, key.key_hash.data(), static_cast<int>(key.key_hash.size()), SQLITE_STATIC);
  bind_text(st.s, 3, key.label);
  bind_text(st.s, 4, key.tier);
  sqlite3_bind_double(st.s, 5, key.rate_per_second);
  sqlite3_bind_int(st.s, 6, key.burst);
  sqlite3_bind_int64(st.s, 7, key.created_at.seconds());
  if (key.revoked_at) {
    sqlite3_bind_int64(st.s, 8, key.revoked_at->seconds());
  } else {
    sqlite3_bind_null(st.s, 8);
  }
  rc = sqlite3_step(st.s);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return core::error(core::ErrorCode::kAlreadyExists, "api key '" + key.id + "': the id or the key is already stored");
  }
  if (rc != SQLITE_DONE) return error(rc, "insert api key '" + key.id + "'");
  return core::Status::ok();
}

core::Result<std::optional<ApiKey>> SqliteApiKeyStore::find_by_hash(const ApiKeyHash& hash) {
  std::lock_guard lk(mu_);
  Stmt st;
  std::string sql = std::string(kSelect) + " WHERE key_hash = ?1";
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare api key lookup");
  sqlite3_bind_blob(st.s, 1, hash.data(), static_cast<int>(hash.size()), SQLITE_STATIC);
  rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<ApiKey>();
  if (rc != SQLITE_ROW) return error(rc, "api key lookup");
  return std::optional<ApiKey>(read_row(st.s));
}

core::Result<std::vector<ApiKey>> SqliteApiKeyStore::list() {
  std::lock_guard lk(mu_);
  Stmt st;
  std::string sql = std::string(kSelect) + " ORDER BY created_at, id";
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare api key list");
  std::vector<ApiKey> out;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) out.push_back(read_row(st.s));
  if (rc != SQLITE_DONE) return error(rc, "list api keys");
  return out;
}

core::Status SqliteApiKeyStore::revoke(std::string_view id, core::Timestamp at) {
  std::lock_guard lk(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(db_, "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", -1,
                              &st.s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare api key revoke");
  bind_text(st.s, 1, id);
  sqlite3_bind_int64(st.s, 2, at.seconds());
  rc = sqlite3_step(st.s);
  if (rc != SQLITE_DONE) return error(rc, "revoke api key '" + std::string(id) + "'");
  if (sqlite3_changes(db_) == 0) {
    return core::error(core::ErrorCode::kNotFound, "no api key with id '" + std::string(id) + "'");
  }
  return core::Status::ok();
}

}  // namespace nifty::store
