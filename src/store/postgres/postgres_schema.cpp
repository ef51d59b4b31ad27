#include "store/postgres/postgres_schema.h"

#include "store/candle_store.h"
#include "store/postgres/migrations.h"

namespace nifty::store::postgres_schema {

int read_schema_version(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  pqxx::result exists = tx.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0][0].as<bool>()) return 0;
  pqxx::result r = tx.exec("SELECT COALESCE(max(version), 0) FROM schema_migrations");
  return r[0][0].as<int>();
}

core::Status check_schema_version(pqxx::connection& conn, const std::string& target) {
  int have = read_schema_version(conn);
  int want = latest_schema_version();
  if (have == want) return core::Status::ok();
  if (have == 0) {
    return core::error(core::ErrorCode::kConfigError,
                       "database " + target + " has no nifty schema: run nifty migrate");
  }
  if (have < want) {
    return core::error(core::ErrorCode::kConfigError, "database schema version " + std::to_string(have) +
                                                          " is older than this nifty needs (" + std::to_string(want) +
                                                          "): run nifty migrate (" + target + ")");
  }
  return core::error(core::ErrorCode::kConfigError, "database schema version " + std::to_string(have) +
                                                        " is newer than this nifty knows (" + std::to_string(want) +
                                                        "): upgrade nifty");
}

bool candles_are_partitioned(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  pqxx::result r = tx.exec("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('candles_1m')");
  return !r.empty() && r[0][0].as<bool>();
}

int64_t utc_month_of(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400 - ((unix_seconds % 86400) < 0 ? 1 : 0);
  core::Date d = core::Date::from_days_since_epoch(days);
  return static_cast<int64_t>(d.year) * 12 + (d.month - 1);
}

int64_t utc_month_start(int64_t month) {
  core::Date d{static_cast<int>(month / 12), static_cast<int>(month % 12) + 1, 1};
  return d.days_since_epoch() * 86400;
}

void ensure_partition(pqxx::connection& conn, model::Interval interval, int64_t month) {
  pqxx::work tx(conn);
  tx.exec_params("SELECT nifty_ensure_partition($1, to_timestamp($2))", std::string(candle_table_name(interval)),
                 utc_month_start(month));
  tx.commit();
}

}  // namespace nifty::store::postgres_schema
