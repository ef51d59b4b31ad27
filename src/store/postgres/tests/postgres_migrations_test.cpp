// Migrations against the test server: idempotence, refusal of newer schemas, the embedded files.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pg_test_support.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_candle_store.h"
#include "store/postgres/postgres_signal_store.h"

namespace nifty::store {
namespace {

class PostgresMigrations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = pgtest::server_url();
    if (!url) GTEST_SKIP() << "NIFTY_TEST_POSTGRES_DIR is not set";
    db_ = std::make_unique<pgtest::TestDatabase>(*url);
    ASSERT_TRUE(db_->ok());
  }
  std::unique_ptr<pgtest::TestDatabase> db_;
};

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd;
  return out;
}

// The schema as pg_dump prints it, without the \\restrict/\\unrestrict lines (a random key per run).
std::string schema_dump(const pgtest::TestDatabase& db) {
  std::string dump = run_command("/usr/lib/postgresql/15/bin/pg_dump --schema-only --no-owner '" + db.url() + "'");
  std::string out;
  size_t pos = 0;
  while (pos < dump.size()) {
    size_t end = dump.find('\n', pos);
    if (end == std::string::npos) end = dump.size();
    std::string_view line(dump.data() + pos, end - pos);
    if (line.rfind("\\restrict", 0) != 0 && line.rfind("\\unrestrict", 0) != 0) {
      out.append(line);
      out += '\n';
    }
    pos = end + 1;
  }
  return out;
}

std::string migration_rows(const pgtest::TestDatabase& db) {
  return pgtest::query_one(db.config(),
                           "SELECT string_agg(version || '|' || name || '|' || checksum || '|' || applied_at, ';'"
                           " ORDER BY version) FROM schema_migrations");
}

TEST_F(PostgresMigrations, RunningTwiceChangesNothingTheSecondTime) {
  auto first = migrate(db_->config());
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  // No TimescaleDB on these machines: versions 1 and 2 (native) are applied.
  EXPECT_EQ(first->applied, (std::vector<int>{1, 2}));
  EXPECT_EQ(first->schema_version, 2);
  EXPECT_FALSE(first->timescale);
  std::string dump = schema_dump(*db_);
  std::string rows = migration_rows(*db_);
  EXPECT_NE(dump.find("CREATE TABLE public.candles_1m"), std::string::npos);
  EXPECT_NE(dump.find("PARTITION BY RANGE"), std::string::npos);

  auto second = migrate(db_->config());
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_TRUE(second->applied.empty());
  EXPECT_EQ(second->schema_version, 2);
  EXPECT_EQ(schema_dump(*db_), dump);
  EXPECT_EQ(migration_rows(*db_), rows);
}

TEST_F(PostgresMigrations, CreatesTheSpecIndexAndTheApiKeysTable) {
  ASSERT_TRUE(migrate(db_->config()).is_ok());
  EXPECT_EQ(pgtest::query_one(db_->config(),
                              "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_candles_1m_symbol_time'"),
            "CREATE INDEX idx_candles_1m_symbol_time ON ONLY public.candles_1m USING btree (symbol, \"time\" DESC)");
  EXPECT_EQ(pgtest::query_one(db_->config(),
                              "SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable, ','"
                              " ORDER BY ordinal_position) FROM information_schema.columns"
                              " WHERE table_name = 'api_keys'"),
            "id:text:NO,key_hash:bytea:NO,label:text:NO,tier:text:NO,rate_per_second:double precision:NO,"
            "burst:integer:NO,created_at:timestamp with time zone:NO,revoked_at:timestamp with time zone:YES");
  // The rollup tables are partitioned the same way.
  EXPECT_EQ(pgtest::query_one(db_->config(),
                              "SELECT count(*) FROM pg_class WHERE relkind = 'p' AND relname IN"
                              " ('candles_1m', 'candles_5m', 'candles_15m', 'candles_1h', 'candles_1d')"),
            "5");
}

TEST_F(PostgresMigrations, RefusesADatabaseNewerThanThisBinary) {
  ASSERT_TRUE(migrate(db_->config()).is_ok());
  const int future = latest_schema_version() + 1;
  pgtest::query_one(db_->config(), "INSERT INTO schema_migrations (version, name, checksum) VALUES (" +
                                       std::to_string(future) + ", 'from_the_future', 'x') RETURNING version");
  std::string want = "database schema version " + std::to_string(future) + " is newer than this nifty knows (" +
                     std::to_string(latest_schema_version()) + "): upgrade nifty";
  auto m = migrate(db_->config());
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), core::ErrorCode::kConfigError);
  EXPECT_EQ(m.status().message(), want);
  auto candles = PostgresCandleStore::open(db_->config());
  ASSERT_FALSE(candles.is_ok());
  EXPECT_EQ(candles.status().code(), core::ErrorCode::kConfigError);
  EXPECT_EQ(candles.status().message(), want);
  auto signals = PostgresSignalStore::open(db_->config());
  ASSERT_FALSE(signals.is_ok());
  EXPECT_EQ(signals.status().code(), core::ErrorCode::kConfigError);
}

TEST_F(PostgresMigrations, OpenRefusesAMissingSchema) {
  auto candles = PostgresCandleStore::open(db_->config());
  ASSERT_FALSE(candles.is_ok());
  EXPECT_EQ(candles.status().code(), core::ErrorCode::kConfigError);
  EXPECT_NE(candles.status().message().find("run nifty migrate"), std::string::npos) << candles.status().message();
}

TEST(PostgresMigrationFiles, EmbeddedCopiesMatchTheSourceFiles) {
  const std::filesystem::path dir = std::filesystem::path(NIFTY_SOURCE_DIR) / "src/store/postgres/migrations";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string stem = entry.path().stem().string();  // "0002_candles.native"
    int version = std::stoi(stem.substr(0, 4));
    std::string name = stem.substr(5);
    bool found = false;
    for (const Migration& m : embedded_migrations()) {
      if (m.version == version && m.name == name) {
        found = true;
        EXPECT_EQ(m.sql, text.str()) << stem;
        EXPECT_EQ(m.checksum.size(), 64u);
      }
    }
    EXPECT_TRUE(found) << stem;
  }
  EXPECT_EQ(embedded_migrations().size(), files);
  EXPECT_EQ(latest_schema_version(), 2);
}

}  // namespace
}  // namespace nifty::store
