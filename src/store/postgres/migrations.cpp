#include "store/postgres/migrations.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <vector>

#include "core/check.h"
#include "core/log.h"
#include "store/candle_store.h"
#include "store/postgres/postgres_errors.h"
#include "store/postgres/postgres_schema.h"

namespace nifty::store {

namespace migrations_embedded {
// Generated at build time from migrations/*.sql (see this directory's CMakeLists.txt).
struct File {
  const char* file;
  const char* sql;
  const char* sha256;
};
extern const File kFiles[];
extern const size_t kFileCount;
}  // namespace migrations_embedded

namespace {

// Key of the session advisory lock held while migrating ("nifty" in ASCII).
constexpr int64_t kMigrationLockKey = 0x6e69667479;
// Native partitions are kept this many months ahead of now.
constexpr int kMonthsAhead = 2;

core::Logger& logger() { return core::Logger::get("store"); }

std::vector<Migration> parse_embedded() {
  std::vector<Migration> out;
  for (size_t i = 0; i < migrations_embedded::kFileCount; ++i) {
    const auto& f = migrations_embedded::kFiles[i];
    std::string_view file = f.file;
    // NNNN_name[.variant].sql: a malformed name is a build mistake, caught by every test run.
    NIFTY_CHECK(file.size() > 9 && file.substr(file.size() - 4) == ".sql" && file[4] == '_',
                "bad migration file name");
    Migration m;
    m.version = std::stoi(std::string(file.substr(0, 4)));
    m.name = file.substr(5, file.size() - 9);
    size_t dot = m.name.rfind('.');
    if (dot != std::string_view::npos) m.variant = m.name.substr(dot + 1);
    NIFTY_CHECK(m.variant.empty() || m.variant == "native" || m.variant == "timescale", "bad migration variant");
    m.sql = f.sql;
    m.checksum = f.sha256;
    out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) {
    return a.version != b.version ? a.version < b.version : a.variant < b.variant;
  });
  return out;
}

const std::vector<Migration>& all_migrations() {
  static const std::vector<Migration> kAll = parse_embedded();
  return kAll;
}

std::unique_ptr<pqxx::connection> connect(const PostgresConfig& config) {
  return std::make_unique<pqxx::connection>(postgres_conninfo(config));
}

struct Applied {
  std::string name;
  std::string checksum;
};

void ensure_partitions_ahead(pqxx::connection& conn, core::Timestamp now) {
  int64_t month = postgres_schema::utc_month_of(now.seconds());
  for (model::Interval i : model::kAllIntervals) {
    for (int k = 0; k <= kMonthsAhead; ++k) postgres_schema::ensure_partition(conn, i, month + k);
  }
}

core::Result<MigrationReport> migrate_on(pqxx::connection& conn, const std::string& target) {
  MigrationReport report;
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
    // Quiet "already exists" notices: this runs on every start.
    tx.exec("SET client_min_messages = warning");
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  }
  std::map<int, Applied> applied;
  {
    pqxx::read_transaction tx(conn);
    for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version")) {
      applied[row[0].as<int>()] = Applied{row[1].as<std::string>(), row[2].as<std::string>()};
    }
  }
  const int latest = latest_schema_version();
  if (!applied.empty() && applied.rbegin()->first > latest) {
    return core::error(core::ErrorCode::kConfigError, "database schema version " +
                                                          std::to_string(applied.rbegin()->first) +
                                                          " is newer than this nifty knows (" + std::to_string(latest) +
                                                          "): upgrade nifty");
  }
  // Storage mode: what the database already has, else what the server offers.
  std::string mode;
  for (const auto& [version, a] : applied) {
    if (a.name.size() > 10 && a.name.substr(a.name.size() - 10) == ".timescale") mode = "timescale";
    if (a.name.size() > 7 && a.name.substr(a.name.size() - 7) == ".native") mode = "native";
  }
  if (mode.empty()) {
    pqxx::read_transaction tx(conn);
    bool available =
        tx.exec("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')")[0][0].as<bool>();
    mode = available ? "timescale" : "native";
    logger().info(available ? "timescaledb is available: candle tables become hypertables"
                            : "timescaledb is not available: candle tables use native monthly partitions",
                  {{"target", target}});
  }
  report.timescale = mode == "timescale";

  for (const Migration& m : all_migrations()) {
    if (!m.variant.empty() && m.variant != mode) continue;
    auto it = applied.find(m.version);
    if (it != applied.end()) {
      if (it->second.name != m.name) continue;  // the other variant of a version (cannot happen)
      if (it->second.checksum != m.checksum) {
        return core::error(core::ErrorCode::kConfigError,
                           "migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                               ") differs from the one applied to the database (checksum " + it->second.checksum +
                               ", this nifty has " + std::string(m.checksum) + "): never edit an applied migration");
      }
      continue;
    }
    pqxx::work tx(conn);
    tx.exec(std::string(m.sql));
    tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                   std::string(m.name), std::string(m.checksum));
    tx.commit();
    report.applied.push_back(m.version);
    logger().info("applied migration", {{"version", m.version}, {"name", m.name}, {"target", target}});
  }
  report.schema_version = postgres_schema::read_schema_version(conn);
  if (!report.timescale) ensure_partitions_ahead(conn, core::Timestamp::now());
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  }
  return report;
}

}  // namespace

int latest_schema_version() {
  int latest = 0;
  for (const Migration& m : all_migrations()) latest = std::max(latest, m.version);
  return latest;
}

std::span<const Migration> embedded_migrations() { return all_migrations(); }

core::Result<MigrationReport> migrate(const PostgresConfig& config) {
  const std::string target = postgres_target(config);
  core::Result<MigrationReport> out = core::error(core::ErrorCode::kInternal, "migrate did not run");
  core::Status s = postgres_call("migrate the schema", target, [&] {
    auto conn = connect(config);
    out = migrate_on(*conn, target);
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  return out;
}

core::Status apply_retention(const PostgresConfig& config, core::Timestamp now) {
  const std::string target = postgres_target(config);
  return postgres_call("apply retention", target, [&]() -> core::Status {
    auto conn = connect(config);
    NIFTY_RETURN_IF_ERROR(postgres_schema::check_schema_version(*conn, target));
    const bool native = postgres_schema::candles_are_partitioned(*conn);
    if (native) ensure_partitions_ahead(*conn, now);
    if (config.retention_days <= 0) return core::Status::ok();
    const int64_t cutoff = now.seconds() - static_cast<int64_t>(config.retention_days) * 86400;
    for (model::Interval i : model::kAllIntervals) {
      std::string table(candle_table_name(i));
      pqxx::work tx(*conn);
      if (native) {
        for (const auto& row : tx.exec_params("SELECT nifty_drop_partitions_before($1, to_timestamp($2))", table, cutoff)) {
          logger().info("dropped partition past retention",
                        {{"partition", row[0].as<std::string>()}, {"retention_days", config.retention_days}});
        }
      } else {
        // TimescaleDB (untested here): drop whole chunks older than the cutoff.
        tx.exec_params("SELECT drop_chunks($1::regclass, older_than => to_timestamp($2))", table, cutoff);
      }
      tx.commit();
    }
    return core::Status::ok();
  });
}

}  // namespace nifty::store
