#include "store/sqlite/sqlite_candle_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/log.h"
#include "store/sqlite/sqlite_util.h"

namespace nifty::store {

namespace {

using sqlite_util::ceil_seconds;
using sqlite_util::ResetGuard;

core::Logger& logger() { return core::Logger::get("store"); }

// NUMERIC(10, 2) rupees <-> paise. A double holds paise / 100.0 to within half an ulp, and for
// |paise| < 2^52 / 100 the product with 100 rounds back to the same integer (tested exhaustively
// over ranges in sqlite_candle_store_test.cpp).
double to_rupees(model::Price p) { return static_cast<double>(p.paise()) / 100.0; }
model::Price from_rupees(double rupees) { return model::Price::from_paise(std::llround(rupees * 100.0)); }

constexpr const char* kColumns = "time, symbol, open, high, low, close, volume, trades, vwap";

bool valid_interval(model::Interval i) { return static_cast<size_t>(i) < std::size(model::kAllIntervals); }

core::Status bad_interval(model::Interval i) {
  return core::error(core::ErrorCode::kInvalidArgument,
                     "unknown candle interval " + std::to_string(static_cast<int>(i)));
}

}  // namespace

SqliteCandleStore::SqliteCandleStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

SqliteCandleStore::~SqliteCandleStore() {
  for (auto& t : stmts_) {
    for (sqlite3_stmt* s : {t.upsert, t.last_n, t.range, t.symbols, t.count}) sqlite3_finalize(s);
  }
  sqlite3_finalize(begin_);
  sqlite3_finalize(commit_);
  sqlite3_finalize(rollback_);
  sqlite3_close_v2(db_);
}

core::Result<std::unique_ptr<SqliteCandleStore>> SqliteCandleStore::open(const SqliteConfig& config) {
  NIFTY_ASSIGN_OR_RETURN(sqlite3 * db, sqlite_util::open(config.path));
  std::unique_ptr<SqliteCandleStore> store(new SqliteCandleStore(db, config.path));
  core::Status s = store->init(config);
  store->opening_ = false;
  if (!s.is_ok()) {
    // Anything that fails while opening is about the file (unreadable, not a database, read-only
    // directory), except a schema from the future, which is a deployment mistake.
    auto code = s.code() == core::ErrorCode::kConfigError ? s.code() : core::ErrorCode::kIoError;
    return core::error(code, "cannot open SQLite database '" + config.path + "': " + s.message());
  }
  return store;
}

core::Status SqliteCandleStore::sqlite_error(int rc, std::string_view what) const {
  std::string msg(what);
  msg += ": ";
  msg += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  msg += " (sqlite code ";
  msg += std::to_string(rc);
  if (!opening_) {  // open() names the path itself
    msg += ", database '";
    msg += path_;
    msg += "'";
  }
  msg += ")";
  return core::error(sqlite_util::error_code(rc), std::move(msg));
}

core::Status SqliteCandleStore::exec(const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, what);
  return core::Status::ok();
}

core::Status SqliteCandleStore::prepare(const std::string& sql, sqlite3_stmt** out) {
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, SQLITE_PREPARE_PERSISTENT, out,
                              nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "prepare '" + sql + "'");
  return core::Status::ok();
}

core::Status SqliteCandleStore::init(const SqliteConfig& config) {
  sqlite3_busy_timeout(db_, static_cast<int>(std::clamp<int64_t>(config.busy_timeout.count(), 0,
                                                                 std::numeric_limits<int>::max())));

  // journal_mode answers with the mode in force: "wal", or "memory" for an in-memory database.
  std::string journal_mode;
  {
    sqlite3_stmt* stmt = nullptr;
    NIFTY_RETURN_IF_ERROR(prepare("PRAGMA journal_mode=WAL", &stmt));
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      journal_mode = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    core::Status s = rc == SQLITE_ROW ? core::Status::ok() : sqlite_error(rc, "set journal_mode=WAL");
    sqlite3_finalize(stmt);
    NIFTY_RETURN_IF_ERROR(s);
  }
  if (journal_mode != "wal" && path_ != ":memory:") {
    logger().warn("SQLite refused WAL mode; writers will block readers",
                  {{"path", path_}, {"journal_mode", journal_mode}});
  }
  NIFTY_RETURN_IF_ERROR(exec(config.synchronous_normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
                             "set synchronous"));

  int version = 0;
  {
    sqlite3_stmt* stmt = nullptr;
    NIFTY_RETURN_IF_ERROR(prepare("PRAGMA user_version", &stmt));
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
    core::Status s = rc == SQLITE_ROW ? core::Status::ok() : sqlite_error(rc, "read the schema version");
    sqlite3_finalize(stmt);
    NIFTY_RETURN_IF_ERROR(s);
  }
  if (version > kSchemaVersion) {
    return core::error(core::ErrorCode::kConfigError,
                       "schema version " + std::to_string(version) + " is newer than this program's (" +
                           std::to_string(kSchemaVersion) + "); upgrade nifty");
  }
  if (version < kSchemaVersion) {
    // Version 0 is a new file. Later versions add their migration steps here, each in this
    // transaction, ending with the new user_version.
    std::string ddl = "BEGIN IMMEDIATE;";
    for (model::Interval i : model::kAllIntervals) {
      // WITHOUT ROWID: the table is stored as the (symbol, time) B-tree itself, which serves every
      // query here (one symbol, a time range, newest or oldest first). The spec's
      // idx_candles_symbol_time (symbol, time DESC) would duplicate that key (SQLite walks an index
      // in either direction), so it is not created: it would double the cost of each upsert.
      ddl += "CREATE TABLE IF NOT EXISTS ";
      ddl += candle_table_name(i);
      ddl +=
          " (time INTEGER NOT NULL, symbol TEXT NOT NULL, open NUMERIC(10, 2), high NUMERIC(10, 2),"
          " low NUMERIC(10, 2), close NUMERIC(10, 2), volume BIGINT, trades INTEGER, vwap NUMERIC(10, 2),"
          " PRIMARY KEY (symbol, time)) WITHOUT ROWID;";
    }
    ddl += "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";COMMIT;";
    core::Status s = exec(ddl.c_str(), "create the schema");
    if (!s.is_ok()) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
  }

  NIFTY_RETURN_IF_ERROR(prepare("BEGIN IMMEDIATE", &begin_));
  NIFTY_RETURN_IF_ERROR(prepare("COMMIT", &commit_));
  NIFTY_RETURN_IF_ERROR(prepare("ROLLBACK", &rollback_));
  for (model::Interval i : model::kAllIntervals) {
    std::string table(candle_table_name(i));
    TableStatements& t = stmts_[static_cast<size_t>(i)];
    // Every column is replaced on conflict. The spec's statement sets only close and volume, which
    // would keep a stale high/low (and open, trades, vwap) when a corrected candle is written again.
    NIFTY_RETURN_IF_ERROR(prepare("INSERT INTO " + table + " (" + kColumns +
                                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                                      " ON CONFLICT(symbol, time) DO UPDATE SET open = excluded.open,"
                                      " high = excluded.high, low = excluded.low, close = excluded.close,"
                                      " volume = excluded.volume, trades = excluded.trades, vwap = excluded.vwap",
                                  &t.upsert));
    NIFTY_RETURN_IF_ERROR(prepare(std::string("SELECT ") + kColumns + " FROM " + table +
                                      " WHERE symbol = ?1 ORDER BY time DESC LIMIT ?2",
                                  &t.last_n));
    NIFTY_RETURN_IF_ERROR(prepare(std::string("SELECT ") + kColumns + " FROM " + table +
                                      " WHERE symbol = ?1 AND time >= ?2 AND time < ?3 ORDER BY time",
                                  &t.range));
    NIFTY_RETURN_IF_ERROR(prepare("SELECT DISTINCT symbol FROM " + table + " ORDER BY symbol", &t.symbols));
    NIFTY_RETURN_IF_ERROR(prepare("SELECT COUNT(*) FROM " + table, &t.count));
  }
  logger().info("opened candle store",
                {{"backend", "sqlite"}, {"path", path_}, {"journal_mode", journal_mode},
                 {"schema_version", kSchemaVersion}});
  return core::Status::ok();
}

void SqliteCandleStore::rollback() {
  sqlite3_step(rollback_);
  sqlite3_reset(rollback_);
}

core::Status SqliteCandleStore::upsert(std::span<const model::Candle> candles) {
  for (const model::Candle& c : candles) NIFTY_RETURN_IF_ERROR(validate_candle(c));
  if (candles.empty()) return core::Status::ok();

  std::lock_guard lock(mu_);
  {
    ResetGuard guard(begin_);
    int rc = sqlite3_step(begin_);
    if (rc != SQLITE_DONE) return sqlite_error(rc, "begin an upsert transaction");
  }
  // In key order, table by table: each B-tree is then walked once from left to right instead of
  // jumping between symbols, which roughly doubles the rows per second on a large batch. Stable:
  // of two rows with the same key in one batch, the later one must win.
  order_.clear();
  for (const model::Candle& c : candles) order_.push_back(&c);
  std::stable_sort(order_.begin(), order_.end(), [](const model::Candle* a, const model::Candle* b) {
    if (a->interval != b->interval) return a->interval < b->interval;
    if (a->symbol.view() != b->symbol.view()) return a->symbol.view() < b->symbol.view();
    return a->start < b->start;
  });
  for (const model::Candle* candle : order_) {
    const model::Candle& c = *candle;
    sqlite3_stmt* stmt = stmts_[static_cast<size_t>(c.interval)].upsert;
    ResetGuard guard(stmt);
    std::string_view sym = c.symbol.view();
    sqlite3_bind_int64(stmt, 1, c.start.seconds());
    sqlite3_bind_text(stmt, 2, sym.data(), static_cast<int>(sym.size()), SQLITE_STATIC);
    sqlite3_bind_double(stmt, 3, to_rupees(c.open));
    sqlite3_bind_double(stmt, 4, to_rupees(c.high));
    sqlite3_bind_double(stmt, 5, to_rupees(c.low));
    sqlite3_bind_double(stmt, 6, to_rupees(c.close));
    sqlite3_bind_int64(stmt, 7, c.volume);
    sqlite3_bind_int(stmt, 8, c.trades);
    sqlite3_bind_double(stmt, 9, to_rupees(c.vwap));
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
      core::Status s = sqlite_error(rc, "upsert into " + std::string(candle_table_name(c.interval)));
      rollback();
      return s;
    }
  }
  ResetGuard guard(commit_);
  int rc = sqlite3_step(commit_);
  if (rc != SQLITE_DONE) {
    core::Status s = sqlite_error(rc, "commit an upsert of " + std::to_string(candles.size()) + " candles");
    rollback();
    return s;
  }
  return core::Status::ok();
}

core::Result<std::vector<model::Candle>> SqliteCandleStore::read_candles(sqlite3_stmt* stmt, model::Interval interval,
                                                                         std::string_view what) {
  std::vector<model::Candle> out;
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(rc, what);
    const unsigned char* text = sqlite3_column_text(stmt, 1);
    int bytes = sqlite3_column_bytes(stmt, 1);
    std::string_view name(text != nullptr ? reinterpret_cast<const char*>(text) : "", static_cast<size_t>(bytes));
    if (!model::Symbol::valid(name)) {
      return core::error(core::ErrorCode::kIoError, std::string(what) + ": a row has an invalid symbol '" +
                                                        std::string(name) + "' (database '" + path_ + "')");
    }
    model::Candle c;
    c.symbol = model::Symbol(name);
    c.interval = interval;
    c.start = core::Timestamp::from_seconds(sqlite3_column_int64(stmt, 0));
    c.open = from_rupees(sqlite3_column_double(stmt, 2));
    c.high = from_rupees(sqlite3_column_double(stmt, 3));
    c.low = from_rupees(sqlite3_column_double(stmt, 4));
    c.close = from_rupees(sqlite3_column_double(stmt, 5));
    c.volume = sqlite3_column_int64(stmt, 6);
    c.trades = sqlite3_column_int(stmt, 7);
    c.vwap = from_rupees(sqlite3_column_double(stmt, 8));
    out.push_back(c);
  }
  return out;
}

core::Result<std::vector<model::Candle>> SqliteCandleStore::last_n(const model::Symbol& symbol,
                                                                   model::Interval interval, size_t n) {
  if (!valid_interval(interval)) return bad_interval(interval);
  if (n == 0) return std::vector<model::Candle>{};
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = stmts_[static_cast<size_t>(interval)].last_n;
  ResetGuard guard(stmt);
  std::string_view sym = symbol.view();
  sqlite3_bind_text(stmt, 1, sym.data(), static_cast<int>(sym.size()), SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2,
                     static_cast<sqlite3_int64>(std::min<uint64_t>(n, std::numeric_limits<int64_t>::max())));
  auto rows = read_candles(stmt, interval, "read the last candles from " + std::string(candle_table_name(interval)));
  if (!rows.is_ok()) return rows.status();
  std::reverse(rows->begin(), rows->end());
  return rows;
}

core::Result<std::vector<model::Candle>> SqliteCandleStore::range(const model::Symbol& symbol,
                                                                  model::Interval interval, core::Timestamp from,
                                                                  core::Timestamp to) {
  if (!valid_interval(interval)) return bad_interval(interval);
  if (from >= to) return std::vector<model::Candle>{};
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = stmts_[static_cast<size_t>(interval)].range;
  ResetGuard guard(stmt);
  std::string_view sym = symbol.view();
  sqlite3_bind_text(stmt, 1, sym.data(), static_cast<int>(sym.size()), SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, ceil_seconds(from.nanos()));
  sqlite3_bind_int64(stmt, 3, ceil_seconds(to.nanos()));
  return read_candles(stmt, interval, "read a range of " + std::string(candle_table_name(interval)));
}

core::Result<std::vector<model::Symbol>> SqliteCandleStore::symbols(model::Interval interval) {
  if (!valid_interval(interval)) return bad_interval(interval);
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = stmts_[static_cast<size_t>(interval)].symbols;
  ResetGuard guard(stmt);
  std::vector<model::Symbol> out;
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(rc, "list the symbols of " + std::string(candle_table_name(interval)));
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    std::string_view name(text != nullptr ? reinterpret_cast<const char*>(text) : "",
                          static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    if (!model::Symbol::valid(name)) {
      return core::error(core::ErrorCode::kIoError, "a row of " + std::string(candle_table_name(interval)) +
                                                        " has an invalid symbol '" + std::string(name) +
                                                        "' (database '" + path_ + "')");
    }
    out.emplace_back(name);
  }
  return out;
}

core::Result<int64_t> SqliteCandleStore::count(model::Interval interval) {
  if (!valid_interval(interval)) return bad_interval(interval);
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = stmts_[static_cast<size_t>(interval)].count;
  ResetGuard guard(stmt);
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) return sqlite_error(rc, "count the rows of " + std::string(candle_table_name(interval)));
  return static_cast<int64_t>(sqlite3_column_int64(stmt, 0));
}

}  // namespace nifty::store
