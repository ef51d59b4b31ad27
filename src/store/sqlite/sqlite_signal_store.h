// SqliteSignalStore: the embedded SignalStore, a `signals` table in the same SQLite file as the
// candles (open it with the same SqliteConfig::path; WAL lets this connection and the candle
// store's work side by side).
//
// Table (created when missing; it does not touch the candle schema's PRAGMA user_version):
//   signals (id TEXT PRIMARY KEY, time INTEGER NOT NULL -- unix seconds UTC, as candles_*.time
//            symbol TEXT NOT NULL, action TEXT NOT NULL, previous TEXT NOT NULL,
//            price NUMERIC(10, 2) NOT NULL, confidence REAL NOT NULL, reason TEXT NOT NULL,
//            provenance TEXT NOT NULL -- the JSON "provenance" object of the signals message)
//   with indexes on (time) and (symbol, time).
// action and previous are recommendation names ("BUY"); prices are rupees as in the candle tables.
//
// Threading: thread-safe. One connection is shared under a mutex, so calls are serialised.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "store/signal_store.h"
#include "store/sqlite/sqlite_candle_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nifty::store {

class SqliteSignalStore final : public SignalStore {
 public:
  // Opens (creating if needed) the database file and the signals table. An unwritable or invalid
  // path gives kIoError naming the path and SQLite's reason.
  static core::Result<std::unique_ptr<SqliteSignalStore>> open(const SqliteConfig& config);

  ~SqliteSignalStore() override;
  SqliteSignalStore(const SqliteSignalStore&) = delete;
  SqliteSignalStore& operator=(const SqliteSignalStore&) = delete;

  core::Status append(const model::Signal& signal) override;
  core::Status append_all(std::span<const model::Signal> signals) override;
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol = std::nullopt) override;
  std::string_view backend() const override { return "sqlite"; }

  const std::string& path() const { return path_; }

 private:
  SqliteSignalStore(sqlite3* db, std::string path);
  core::Status init(const SqliteConfig& config);
  core::Status prepare(const char* sql, sqlite3_stmt** out);
  core::Status sqlite_error(int rc, std::string_view what) const;
  core::Status insert_locked(const model::Signal& s);  // mu_ held, inside a transaction

  std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::string path_;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* range_ = nullptr;
  sqlite3_stmt* range_symbol_ = nullptr;
};

}  // namespace nifty::store
