// PostgresConfig: where the PostgreSQL (TimescaleDB when present) store lives and how to reach it,
// and the libpq connection string built from it. Value types; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::store {

struct PostgresConfig {
  std::string host = "127.0.0.1";  // name, address, or a directory holding the unix socket
  int port = 5432;
  std::string dbname = "nifty";
  std::string user = "nifty";
  // Filled by the app from NIFTY_STORE_POSTGRES_PASSWORD; never read from the config file, never logged.
  std::string password;
  std::string sslmode = "prefer";  // libpq's: disable, allow, prefer, require, verify-ca, verify-full
  int pool_size = 4;               // connections per store; each serves one call at a time
  // Bound on establishing one connection (libpq rounds anything below 2 s up to 2 s).
  std::chrono::seconds connect_timeout{5};
  // apply_retention() drops candle partitions wholly older than this many days; 0 keeps everything.
  int retention_days = 730;
  std::string application_name = "nifty";  // shown in pg_stat_activity

  // Reads "postgresql://user:password@host:port/dbname?sslmode=...&application_name=..."
  // ("postgres://" too; user, password, port, dbname and the query are optional; %XX escapes are
  // decoded). Fields the URL leaves out keep their defaults. kConfigError names what is wrong.
  static core::Result<PostgresConfig> from_url(std::string_view url);
};

// The libpq keyword/value connection string of `config`, every value single-quoted and escaped.
// Holds the password: never log it (use postgres_target() instead).
std::string postgres_conninfo(const PostgresConfig& config);

// "nifty@127.0.0.1:5432/nifty": which server and database, for messages and logs (no password).
std::string postgres_target(const PostgresConfig& config);

}  // namespace nifty::store
