// Helpers shared by the postgres stores and the migrator: reading the schema version and the
// storage mode, creating monthly partitions. Internal to the adapter (includes libpqxx).
// Stateless; each call uses the connection it is given (one thread at a time).
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <string>

#include "core/status.h"
#include "model/candle.h"

namespace nifty::store::postgres_schema {

// The database's schema version: 0 when there is no schema_migrations table or it is empty.
int read_schema_version(pqxx::connection& conn);

// ok when the database's schema is exactly latest_schema_version(); kConfigError otherwise, saying
// "run nifty migrate" (missing or older) or "upgrade nifty" (newer).
core::Status check_schema_version(pqxx::connection& conn, const std::string& target);

// True when candles_1m is a natively partitioned table (no TimescaleDB).
bool candles_are_partitioned(pqxx::connection& conn);

// Month number (year * 12 + month - 1) of a unix time in seconds, UTC.
int64_t utc_month_of(int64_t unix_seconds);
// Unix seconds of the first instant of a month number.
int64_t utc_month_start(int64_t month);

// Creates the partition of `interval`'s table for `month` if missing (own transaction).
void ensure_partition(pqxx::connection& conn, model::Interval interval, int64_t month);

}  // namespace nifty::store::postgres_schema
