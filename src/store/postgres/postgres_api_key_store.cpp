#include "store/postgres/postgres_api_key_store.h"

#include <pqxx/pqxx>

#include "store/postgres/postgres_pool.h"
#include "store/postgres/postgres_schema.h"

namespace nifty::store {

namespace {

constexpr const char* kSelect =
    "SELECT id, encode(key_hash, 'hex'), label, tier, rate_per_second, burst,"
    " extract(epoch FROM created_at)::bigint, extract(epoch FROM revoked_at)::bigint FROM api_keys";

ApiKey read_row(const pqxx::row& r) {
  ApiKey k;
  k.id = r[0].as<std::string>();
  // encode(key_hash, 'hex') of a 32-byte column: always 64 hex digits.
  if (auto hash = api_key_hash_from_hex(r[1].as<std::string>())) k.key_hash = *hash;
  k.label = r[2].as<std::string>();
  k.tier = r[3].as<std::string>();
  k.rate_per_second = r[4].as<double>();
  k.burst = r[5].as<int32_t>();
  k.created_at = core::Timestamp::from_seconds(r[6].as<int64_t>());
  if (!r[7].is_null()) k.revoked_at = core::Timestamp::from_seconds(r[7].as<int64_t>());
  return k;
}

}  // namespace

PostgresApiKeyStore::PostgresApiKeyStore() = default;
PostgresApiKeyStore::~PostgresApiKeyStore() = default;

core::Result<std::unique_ptr<PostgresApiKeyStore>> PostgresApiKeyStore::open(const PostgresConfig& config) {
  std::unique_ptr<PostgresApiKeyStore> store(new PostgresApiKeyStore());
  store->pool_ = std::make_unique<PostgresPool>(config, [](pqxx::connection&) {});
  core::Status s = store->pool_->run("open the api key store", [&](pqxx::connection& conn) {
    return postgres_schema::check_schema_version(conn, store->pool_->target());
  });
  if (!s.is_ok()) return s;
  return store;
}

core::Status PostgresApiKeyStore::create(const ApiKey& key) {
  NIFTY_RETURN_IF_ERROR(validate_api_key(key));
  bool duplicate = false;
  core::Status s = pool_->run("create an api key", [&](pqxx::connection& conn) -> core::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params(
        "INSERT INTO api_keys (id, key_hash, label, tier, rate_per_second, burst, created_at, revoked_at)"
        " VALUES ($1, decode($2, 'hex'), $3, $4, $5, $6, to_timestamp($7), CASE WHEN $8::bigint IS NULL THEN NULL"
        " ELSE to_timestamp($8::bigint) END) ON CONFLICT DO NOTHING",
        key.id, api_key_hash_hex(key.key_hash), key.label, key.tier, key.rate_per_second, key.burst, key.created_at.seconds(),
        key.revoked_at ? std::optional<int64_t>(key.revoked_at->seconds()) : std::optional<int64_t>());
    duplicate = r.affected_rows() == 0;
    tx.commit();
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  if (duplicate) {
    return core::error(core::ErrorCode::kAlreadyExists, "api key '" + key.id + "': the id or the key is already stored");
  }
  return core::Status::ok();
}

core::Result<std::optional<ApiKey>> PostgresApiKeyStore::find_by_hash(const ApiKeyHash& hash) {
  std::optional<ApiKey> out;
  core::Status s = pool_->run("look up an api key", [&](pqxx::connection& conn) -> core::Status {
    pqxx::read_transaction tx(conn);
    auto rows = tx.exec_params(std::string(kSelect) + " WHERE key_hash = decode($1, 'hex')", api_key_hash_hex(hash));
    if (!rows.empty()) out = read_row(rows[0]);
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  return out;
}

core::Result<std::vector<ApiKey>> PostgresApiKeyStore::list() {
  std::vector<ApiKey> out;
  core::Status s = pool_->run("list api keys", [&](pqxx::connection& conn) -> core::Status {
    pqxx::read_transaction tx(conn);
    out.clear();
    for (const auto& row : tx.exec(std::string(kSelect) + " ORDER BY created_at, id")) out.push_back(read_row(row));
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  return out;
}

core::Status PostgresApiKeyStore::revoke(std::string_view id, core::Timestamp at) {
  bool found = false;
  core::Status s = pool_->run("revoke an api key", [&](pqxx::connection& conn) -> core::Status {
    pqxx::work tx(conn);
    auto r = tx.exec_params("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, to_timestamp($2)) WHERE id = $1",
                            std::string(id), at.seconds());
    found = r.affected_rows() != 0;
    tx.commit();
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  if (!found) return core::error(core::ErrorCode::kNotFound, "no api key with id '" + std::string(id) + "'");
  return core::Status::ok();
}

}  // namespace nifty::store
