// SqliteCandleStore: the embedded CandleStore, one SQLite file in WAL mode (the default backend).
//
// Schema (version 1, kept in PRAGMA user_version so that later versions can migrate): one table per
// interval — candles_1m, candles_5m, candles_15m, candles_1h, candles_1d — each with the spec's
// candles_1m columns (time, symbol, open, high, low, close, volume, trades, vwap) and
// PRIMARY KEY (symbol, time). Differences from the TimescaleDB schema, and why:
// - `time` is INTEGER unix seconds UTC: SQLite has no TIMESTAMPTZ type, and an integer compares,
//   indexes and converts exactly (text dates would need parsing and a fixed format).
// - prices are the spec's NUMERIC(10, 2) rupees, written as paise / 100.0 and read back with
//   llround(x * 100), which is exact for every paisa value NUMERIC(10, 2) can hold.
//
// Threading: thread-safe. One connection is shared under a mutex, so calls are serialised; the
// CandleWriter thread writes while readers (gateway, analysis warm-up) query.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "store/candle_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nifty::store {

struct SqliteConfig {
  // Database file; created with its schema when missing. ":memory:" gives a private in-memory
  // database (tests).
  std::string path = "nifty.db";
  // true: synchronous=NORMAL — in WAL mode a crash of the process loses nothing and a power loss can
  // lose only the last commits (candles are rebuilt from a replay). false: synchronous=FULL.
  bool synchronous_normal = true;
  // How long a statement waits for a lock held by another connection (another process reading the
  // same file) before it fails with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

class SqliteCandleStore final : public CandleStore {
 public:
  // The version of the schema this code writes and reads.
  static constexpr int kSchemaVersion = 1;

  // Opens (creating if needed) the database and its tables. An unwritable or invalid path gives
  // kIoError naming the path and SQLite's reason; a file of a newer schema gives kConfigError.
  static core::Result<std::unique_ptr<SqliteCandleStore>> open(const SqliteConfig& config);

  ~SqliteCandleStore() override;
  SqliteCandleStore(const SqliteCandleStore&) = delete;
  SqliteCandleStore& operator=(const SqliteCandleStore&) = delete;

  core::Status upsert(std::span<const model::Candle> candles) override;
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& symbol, model::Interval interval,
                                                  size_t n) override;
  core::Result<std::vector<model::Candle>> range(const model::Symbol& symbol, model::Interval interval,
                                                 core::Timestamp from, core::Timestamp to) override;
  core::Result<std::vector<model::Symbol>> symbols(model::Interval interval) override;
  core::Result<int64_t> count(model::Interval interval) override;
  std::string_view backend() const override { return "sqlite"; }

  const std::string& path() const { return path_; }

 private:
  static constexpr size_t kIntervals = std::size(model::kAllIntervals);
  // The prepared statements of one interval's table, reused for every call.
  struct TableStatements {
    sqlite3_stmt* upsert = nullptr;
    sqlite3_stmt* last_n = nullptr;
    sqlite3_stmt* range = nullptr;
    sqlite3_stmt* symbols = nullptr;
    sqlite3_stmt* count = nullptr;
  };

  SqliteCandleStore(sqlite3* db, std::string path);
  core::Status init(const SqliteConfig& config);
  core::Status exec(const char* sql, std::string_view what);
  core::Status prepare(const std::string& sql, sqlite3_stmt** out);
  core::Status sqlite_error(int rc, std::string_view what) const;
  core::Result<std::vector<model::Candle>> read_candles(sqlite3_stmt* stmt, model::Interval interval,
                                                        std::string_view what);
  void rollback();

  std::mutex mu_;
  std::vector<const model::Candle*> order_;  // upsert()'s scratch, guarded by mu_
  sqlite3* db_ = nullptr;
  std::string path_;
  bool opening_ = true;  // during open(): error messages leave the path to open()
  std::array<TableStatements, kIntervals> stmts_{};
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
};

}  // namespace nifty::store
