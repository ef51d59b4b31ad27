#include "support/candle_db.h"

#include <sqlite3.h>

#include <cmath>

namespace nifty::testing {
namespace {

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

}  // namespace

std::vector<SourceCandle> read_candle_rows(const std::string& db_path, const std::string& interval, std::string& error) {
  std::vector<SourceCandle> rows;
  Db db;
  if (sqlite3_open_v2(db_path.c_str(), &db.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    error = "cannot open " + db_path + ": " + sqlite3_errmsg(db.db);
    return rows;
  }
  sqlite3_busy_timeout(db.db, 5000);
  std::string sql = "SELECT symbol, time, open, high, low, close, volume FROM candles_" + interval +
                    " ORDER BY symbol, time";
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    error = "cannot read candles_" + interval + ": " + sqlite3_errmsg(db.db);
    return rows;
  }
  int rc;
  auto paise = [&](int col) { return static_cast<int64_t>(std::llround(sqlite3_column_double(stmt, col) * 100.0)); };
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    SourceCandle c;
    c.symbol = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    c.start = sqlite3_column_int64(stmt, 1);
    c.open = paise(2);
    c.high = paise(3);
    c.low = paise(4);
    c.close = paise(5);
    c.volume = sqlite3_column_int64(stmt, 6);
    rows.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) error = std::string("reading candles_") + interval + ": " + sqlite3_errmsg(db.db);
  sqlite3_finalize(stmt);
  return rows;
}

CandleTable read_candle_table(const std::string& db_path, const std::string& interval) {
  CandleTable t;
  for (auto& c : read_candle_rows(db_path, interval, t.error)) {
    CandleKey key{c.symbol, c.start};
    if (!t.candles.emplace(key, c).second) t.error = "two rows for " + describe(c);
  }
  return t;
}

int64_t count_candles(const std::string& db_path, const std::string& interval) {
  Db db;
  if (sqlite3_open_v2(db_path.c_str(), &db.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_busy_timeout(db.db, 5000);
  std::string sql = "SELECT count(*) FROM candles_" + interval;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return -1;
  int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return n;
}

}  // namespace nifty::testing
