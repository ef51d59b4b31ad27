#include "store/sqlite/sqlite_signal_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/log.h"
#include "model/json_codec.h"
#include "store/sqlite/sqlite_util.h"

namespace nifty::store {

namespace {

using sqlite_util::bind_text;
using sqlite_util::ceil_seconds;
using sqlite_util::column_text;
using sqlite_util::ResetGuard;

constexpr const char* kColumns = "id, time, symbol, action, previous, price, confidence, reason, provenance";

}  // namespace

SqliteSignalStore::SqliteSignalStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

SqliteSignalStore::~SqliteSignalStore() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(range_);
  sqlite3_finalize(range_symbol_);
  sqlite3_close_v2(db_);
}

core::Result<std::unique_ptr<SqliteSignalStore>> SqliteSignalStore::open(const SqliteConfig& config) {
  NIFTY_ASSIGN_OR_RETURN(sqlite3 * db, sqlite_util::open(config.path));
  std::unique_ptr<SqliteSignalStore> store(new SqliteSignalStore(db, config.path));
  core::Status s = store->init(config);
  if (!s.is_ok()) {
    return core::error(core::ErrorCode::kIoError, "cannot open SQLite database '" + config.path + "' for signals: " +
                                                      s.message());
  }
  return store;
}

core::Status SqliteSignalStore::sqlite_error(int rc, std::string_view what) const {
  return core::error(sqlite_util::error_code(rc), std::string(what) + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) +
                                       " (sqlite code " + std::to_string(rc) + ", database '" + path_ + "')");
}

core::Status SqliteSignalStore::prepare(const char* sql, sqlite3_stmt** out) {
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, std::string("prepare '") + sql + "'");
  return core::Status::ok();
}

core::Status SqliteSignalStore::init(const SqliteConfig& config) {
  sqlite3_busy_timeout(db_, static_cast<int>(std::clamp<int64_t>(config.busy_timeout.count(), 0,
                                                                 std::numeric_limits<int>::max())));
  // WAL is a property of the file: the candle store sets it too; setting it again is harmless.
  int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "set journal_mode=WAL");
  rc = sqlite3_exec(db_, config.synchronous_normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
                    nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "set synchronous");
  rc = sqlite3_exec(db_,
                    "CREATE TABLE IF NOT EXISTS signals (id TEXT PRIMARY KEY, time INTEGER NOT NULL,"
                    " symbol TEXT NOT NULL, action TEXT NOT NULL, previous TEXT NOT NULL,"
                    " price NUMERIC(10, 2) NOT NULL, confidence REAL NOT NULL, reason TEXT NOT NULL,"
                    " provenance TEXT NOT NULL);"
                    "CREATE INDEX IF NOT EXISTS idx_signals_time ON signals (time);"
                    "CREATE INDEX IF NOT EXISTS idx_signals_symbol_time ON signals (symbol, time);",
                    nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "create the signals table");
  NIFTY_RETURN_IF_ERROR(prepare(
      "INSERT INTO signals (id, time, symbol, action, previous, price, confidence, reason, provenance)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO UPDATE SET time = excluded.time,"
      " symbol = excluded.symbol, action = excluded.action, previous = excluded.previous,"
      " price = excluded.price, confidence = excluded.confidence, reason = excluded.reason,"
      " provenance = excluded.provenance",
      &insert_));
  std::string range = std::string("SELECT ") + kColumns +
                      " FROM signals WHERE time >= ?1 AND time < ?2 ORDER BY time, symbol, id";
  NIFTY_RETURN_IF_ERROR(prepare(range.c_str(), &range_));
  std::string range_symbol = std::string("SELECT ") + kColumns +
                             " FROM signals WHERE symbol = ?3 AND time >= ?1 AND time < ?2 ORDER BY time, id";
  NIFTY_RETURN_IF_ERROR(prepare(range_symbol.c_str(), &range_symbol_));
  core::Logger::get("store").info("opened signal store", {{"backend", "sqlite"}, {"path", path_}});
  return core::Status::ok();
}

core::Status SqliteSignalStore::append(const model::Signal& s) { return append_all(std::span(&s, 1)); }

core::Status SqliteSignalStore::append_all(std::span<const model::Signal> signals) {
  for (const auto& s : signals) NIFTY_RETURN_IF_ERROR(validate_signal(s));
  std::lock_guard lock(mu_);
  int rc = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "begin a signal transaction");
  for (const auto& s : signals) {
    core::Status st = insert_locked(s);
    if (!st.is_ok()) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
  }
  rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    core::Status st = sqlite_error(rc, "commit " + std::to_string(signals.size()) + " signals");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return st;
  }
  return core::Status::ok();
}

core::Status SqliteSignalStore::insert_locked(const model::Signal& s) {
  const std::string provenance = model::encode_signal_provenance(s.provenance);
  ResetGuard guard(insert_);
  bind_text(insert_, 1, s.id);
  sqlite3_bind_int64(insert_, 2, s.timestamp.seconds());
  bind_text(insert_, 3, s.symbol.view());
  bind_text(insert_, 4, model::recommendation_name(s.action));
  bind_text(insert_, 5, model::recommendation_name(s.previous));
  sqlite3_bind_double(insert_, 6, static_cast<double>(s.price.paise()) / 100.0);
  sqlite3_bind_double(insert_, 7, s.confidence);
  bind_text(insert_, 8, s.reason);
  bind_text(insert_, 9, provenance);
  int rc = sqlite3_step(insert_);
  if (rc != SQLITE_DONE) return sqlite_error(rc, "append signal '" + s.id + "'");
  return core::Status::ok();
}

core::Result<std::vector<model::Signal>> SqliteSignalStore::range(core::Timestamp from, core::Timestamp to,
                                                                  std::optional<model::Symbol> symbol) {
  std::vector<model::Signal> out;
  if (from >= to) return out;
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = symbol ? range_symbol_ : range_;
  ResetGuard guard(stmt);
  sqlite3_bind_int64(stmt, 1, ceil_seconds(from.nanos()));
  sqlite3_bind_int64(stmt, 2, ceil_seconds(to.nanos()));
  if (symbol) bind_text(stmt, 3, symbol->view());
  while (true) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(rc, "read a range of signals");
    auto bad_row = [&](const std::string& why) {
      return core::error(core::ErrorCode::kIoError, "signals row '" + std::string(column_text(stmt, 0)) +
                                                        "': " + why + " (database '" + path_ + "')");
    };
    model::Signal s;
    s.id = std::string(column_text(stmt, 0));
    s.timestamp = core::Timestamp::from_seconds(sqlite3_column_int64(stmt, 1));
    std::string_view name = column_text(stmt, 2);
    if (!model::Symbol::valid(name)) return bad_row("invalid symbol '" + std::string(name) + "'");
    s.symbol = model::Symbol(name);
    auto action = model::parse_recommendation(column_text(stmt, 3));
    auto previous = model::parse_recommendation(column_text(stmt, 4));
    if (!action || !previous) return bad_row("unknown action or previous recommendation");
    s.action = *action;
    s.previous = *previous;
    s.price = model::Price::from_paise(std::llround(sqlite3_column_double(stmt, 5) * 100.0));
    s.confidence = sqlite3_column_double(stmt, 6);
    s.reason = std::string(column_text(stmt, 7));
    auto provenance = model::decode_signal_provenance(column_text(stmt, 8));
    if (!provenance.is_ok()) return bad_row(provenance.status().message());
    s.provenance = std::move(provenance).value();
    s.composite_score = s.provenance.composite_score;
    s.ai_prediction = s.provenance.ai_prediction;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace nifty::store
