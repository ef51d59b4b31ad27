// Schema migrations of the PostgreSQL store: versioned, idempotent SQL files
// (src/store/postgres/migrations/NNNN_name[.native|.timescale].sql) embedded into the binary at
// build time, recorded in a schema_migrations table (version, name, checksum, applied_at).
//
// A version has either one file, or two variants: `.timescale` (applied when the timescaledb
// extension is available: hypertables, compression, retention and continuous aggregates) and
// `.native` (plain PostgreSQL: monthly range partitions). The choice is made once, when version 2
// is applied, and logged; later runs follow what the database already has.
//
// Threading: each function opens its own connection; migrate() serialises concurrent migrators
// (several processes starting at once) with a PostgreSQL advisory lock.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "store/postgres/postgres_config.h"

namespace nifty::store {

// One embedded migration file.
struct Migration {
  int version = 0;
  std::string_view name;      // "candles.native": the file name without "NNNN_" and ".sql"
  std::string_view variant;   // "", "native" or "timescale"
  std::string_view sql;
  std::string_view checksum;  // SHA-256 of the file, hex
};

struct MigrationReport {
  std::vector<int> applied;   // versions applied by this run, ascending (empty: already up to date)
  int schema_version = 0;     // the database's version after the run
  bool timescale = false;     // candle tables are TimescaleDB hypertables (else native partitions)
};

// The newest schema version this binary knows.
int latest_schema_version();

// Every embedded migration, by version then variant.
std::span<const Migration> embedded_migrations();

// Brings the database to latest_schema_version(). Running it again changes nothing. Also creates
// the native candle partitions of the current month and the next two. Errors: a schema newer than
// this binary -> kConfigError "database schema version N is newer than this nifty knows (M):
// upgrade nifty"; an applied migration whose file has changed since -> kConfigError; connection
// and SQL failures as mapped in postgres_errors.h.
core::Result<MigrationReport> migrate(const PostgresConfig& config);

// Maintenance (never run implicitly): creates the partitions of `now`'s month and the next two,
// and when config.retention_days > 0 drops candle partitions (TimescaleDB: chunks) that lie wholly
// before now - retention_days.
core::Status apply_retention(const PostgresConfig& config, core::Timestamp now);

}  // namespace nifty::store
