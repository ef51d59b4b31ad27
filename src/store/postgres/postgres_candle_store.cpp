#include "store/postgres/postgres_candle_store.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "core/log.h"
#include "store/postgres/copy_format.h"
#include "store/postgres/postgres_pool.h"
#include "store/postgres/postgres_schema.h"

namespace nifty::store {

namespace {

using namespace copy_format;

constexpr size_t kIntervals = std::size(model::kAllIntervals);
// Prices cross as integer paise and are converted exactly by the server: paise / 100.0 is a
// NUMERIC with no rounding, and NUMERIC(10, 2) * 100 is a whole number.
constexpr const char* kSelectColumns =
    "extract(epoch FROM time)::bigint, (open * 100)::bigint, (high * 100)::bigint, (low * 100)::bigint,"
    " (close * 100)::bigint, volume, trades, (vwap * 100)::bigint";
constexpr const char* kColumnList = "time, symbol, open, high, low, close, volume, trades, vwap";
const std::vector<std::string> kColumns = {"time", "symbol", "open",   "high",   "low",
                                           "close", "volume", "trades", "vwap"};

std::string stmt_name(std::string_view what, model::Interval i) {
  return std::string(what) + "_" + std::string(model::interval_name(i));
}

std::string stage_name(model::Interval i) { return "nifty_candle_stage_" + std::string(model::interval_name(i)); }

void setup_connection(pqxx::connection& conn) {
  {
    pqxx::nontransaction tx(conn);
    // Plan each prepared statement once. The planner's own choice re-plans last_n on every call
    // (its custom plan for LIMIT 300 looks cheaper than the generic plan's guess for LIMIT $2), and
    // planning across a year of monthly partitions costs more than running the query; the generic
    // plans of all our statements are the same index scans (runtime partition pruning included).
    tx.exec("SET plan_cache_mode = force_generic_plan");
    for (model::Interval i : model::kAllIntervals) {
      // The merge path's staging table: the candle table's columns and types, without its key, so
      // that the COPY lines of the direct path load unchanged.
      tx.exec("CREATE TEMP TABLE IF NOT EXISTS " + stage_name(i) +
              " (time TIMESTAMPTZ NOT NULL, symbol TEXT NOT NULL, open NUMERIC(10, 2), high NUMERIC(10, 2),"
              " low NUMERIC(10, 2), close NUMERIC(10, 2), volume BIGINT, trades INTEGER, vwap NUMERIC(10, 2))"
              " ON COMMIT DELETE ROWS");
    }
  }
  for (model::Interval i : model::kAllIntervals) {
    std::string table(candle_table_name(i));
    // Rows equal to the stored ones are left alone: a replay over stored days rewrites nothing.
    conn.prepare(stmt_name("merge", i),
                 "INSERT INTO " + table + " AS t (" + kColumnList + ") SELECT " + kColumnList + " FROM " +
                     stage_name(i) +
                     " ON CONFLICT (symbol, time) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high,"
                     " low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume,"
                     " trades = EXCLUDED.trades, vwap = EXCLUDED.vwap"
                     " WHERE (t.open, t.high, t.low, t.close, t.volume, t.trades, t.vwap) IS DISTINCT FROM"
                     " (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume,"
                     " EXCLUDED.trades, EXCLUDED.vwap)");
    conn.prepare(stmt_name("last_n", i), std::string("SELECT ") + kSelectColumns + " FROM " + table +
                                             " WHERE symbol = $1 ORDER BY time DESC LIMIT $2");
    conn.prepare(stmt_name("range", i), std::string("SELECT ") + kSelectColumns + " FROM " + table +
                                            " WHERE symbol = $1 AND time >= to_timestamp($2)"
                                            " AND time < to_timestamp($3) ORDER BY time");
    // A loose index scan: one index probe per distinct symbol instead of reading every row.
    conn.prepare(stmt_name("symbols", i), "WITH RECURSIVE s(symbol) AS (SELECT min(symbol) FROM " + table +
                                              " UNION ALL SELECT (SELECT min(symbol) FROM " + table +
                                              " WHERE symbol > s.symbol) FROM s WHERE s.symbol IS NOT NULL)"
                                              " SELECT symbol FROM s WHERE symbol IS NOT NULL");
    conn.prepare(stmt_name("count", i), "SELECT count(*) FROM " + table);
  }
}

// One candle as a line of COPY text format in kColumns order, without the line end.
void append_copy_line(std::string& out, const model::Candle& c) {
  append_utc_time(out, c.start.seconds());
  out.push_back('\t');
  append_copy_text(out, c.symbol.view());
  for (model::Price p : {c.open, c.high, c.low, c.close}) {
    out.push_back('\t');
    append_price(out, p);
  }
  out.push_back('\t');
  append_int(out, c.volume);
  out.push_back('\t');
  append_int(out, c.trades);
  out.push_back('\t');
  append_price(out, c.vwap);
}

// Unix seconds of the first whole second at or after `nanos` (stored times are whole seconds).
int64_t ceil_seconds(int64_t nanos) {
  int64_t q = nanos / core::kNanosPerSecond;
  if (nanos % core::kNanosPerSecond != 0 && nanos > 0) ++q;
  return q;
}

core::Status read_candles(const pqxx::result& rows, const model::Symbol& symbol, model::Interval interval,
                          std::string_view what, std::vector<model::Candle>& out) {
  out.reserve(out.size() + rows.size());
  for (const auto& row : rows) {
    for (int col = 0; col < 8; ++col) {
      if (row[col].is_null()) {
        return core::error(core::ErrorCode::kIoError,
                           std::string(what) + ": a " + std::string(candle_table_name(interval)) + " row of " +
                               symbol.str() + " has a NULL column (written by something other than nifty?)");
      }
    }
    model::Candle c;
    c.symbol = symbol;
    c.interval = interval;
    c.start = core::Timestamp::from_seconds(row[0].as<int64_t>());
    c.open = model::Price::from_paise(row[1].as<int64_t>());
    c.high = model::Price::from_paise(row[2].as<int64_t>());
    c.low = model::Price::from_paise(row[3].as<int64_t>());
    c.close = model::Price::from_paise(row[4].as<int64_t>());
    c.volume = row[5].as<int64_t>();
    c.trades = row[6].as<int32_t>();
    c.vwap = model::Price::from_paise(row[7].as<int64_t>());
    out.push_back(c);
  }
  return core::Status::ok();
}

}  // namespace

PostgresCandleStore::PostgresCandleStore() = default;
PostgresCandleStore::~PostgresCandleStore() = default;

core::Result<std::unique_ptr<PostgresCandleStore>> PostgresCandleStore::open(const PostgresConfig& config) {
  std::unique_ptr<PostgresCandleStore> store(new PostgresCandleStore());
  store->pool_ = std::make_unique<PostgresPool>(config, setup_connection);
  // The first connection: check the schema before preparing statements against it.
  {
    PostgresPool probe(PostgresConfig{config}, nullptr);
    core::Status s = probe.run("open the candle store", [&](pqxx::connection& conn) {
      NIFTY_RETURN_IF_ERROR(postgres_schema::check_schema_version(conn, probe.target()));
      store->partitioned_ = postgres_schema::candles_are_partitioned(conn);
      return core::Status::ok();
    });
    if (!s.is_ok()) return s;
  }
  NIFTY_RETURN_IF_ERROR(store->pool_->check_connect());
  core::Logger::get("store").info("opened candle store",
                                  {{"backend", "postgres"},
                                   {"target", store->pool_->target()},
                                   {"storage", store->partitioned_ ? "native partitions" : "timescaledb"},
                                   {"pool_size", config.pool_size}});
  return store;
}

uint64_t PostgresCandleStore::reconnects() const { return pool_->reconnects(); }

core::Status PostgresCandleStore::upsert(std::span<const model::Candle> candles) {
  for (const model::Candle& c : candles) NIFTY_RETURN_IF_ERROR(validate_candle(c));
  if (candles.empty()) return core::Status::ok();
  bool partition_missing = false;
  core::Status s = upsert_once(candles, partition_missing);
  if (!s.is_ok() && partition_missing) {
    // A partition we believed in was dropped (retention ran elsewhere): forget and recreate.
    s = upsert_once(candles, partition_missing);
  }
  return s;
}

core::Status PostgresCandleStore::upsert_once(std::span<const model::Candle> candles, bool& partition_missing) {
  partition_missing = false;
  // In key order, the last of equal keys kept: ON CONFLICT cannot update one row twice in a
  // statement, and a later candle in the batch must win (as in the SQLite store).
  std::vector<const model::Candle*> order;
  order.reserve(candles.size());
  for (const model::Candle& c : candles) order.push_back(&c);
  auto key_less = [](const model::Candle* a, const model::Candle* b) {
    if (a->interval != b->interval) return a->interval < b->interval;
    if (a->symbol.view() != b->symbol.view()) return a->symbol.view() < b->symbol.view();
    return a->start < b->start;
  };
  std::stable_sort(order.begin(), order.end(), key_less);
  size_t kept = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && !key_less(order[i], order[i + 1])) continue;  // a later duplicate follows
    order[kept++] = order[i];
  }
  order.resize(kept);

  // The COPY text of each interval's rows.
  std::array<ChunkedLines, kIntervals> lines;
  std::vector<std::pair<int, int64_t>> missing;
  for (const model::Candle* c : order) {
    append_copy_line(lines[static_cast<size_t>(c->interval)].next_line(), *c);
    if (!partitioned_) continue;
    std::pair<int, int64_t> key{static_cast<int>(c->interval), postgres_schema::utc_month_of(c->start.seconds())};
    if (std::find(missing.begin(), missing.end(), key) == missing.end()) missing.push_back(key);
  }
  if (partitioned_) {
    std::lock_guard lock(partitions_mu_);
    std::erase_if(missing, [&](const auto& key) { return partitions_.count(key) != 0; });
  }

  // Written straight into the candle tables when none of the rows is stored yet (COPY's speed);
  // when one is, that transaction fails on the key and the rows are merged through the staging
  // tables instead, and the next kMergeBatchesAfterConflict batches go straight to the merge.
  auto direct = [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    for (model::Interval i : model::kAllIntervals) {
      const ChunkedLines& mine = lines[static_cast<size_t>(i)];
      if (!mine.empty()) copy_lines(tx, std::string(candle_table_name(i)), kColumns, mine.chunks());
    }
    tx.commit();
  };
  auto merge = [&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    for (model::Interval i : model::kAllIntervals) {
      const ChunkedLines& mine = lines[static_cast<size_t>(i)];
      if (mine.empty()) continue;
      copy_lines(tx, stage_name(i), kColumns, mine.chunks());
      tx.exec_prepared(stmt_name("merge", i));
    }
    tx.commit();
  };

  return pool_->run("upsert " + std::to_string(candles.size()) + " candles", [&](pqxx::connection& conn) {
    for (const auto& [interval, month] : missing) {
      postgres_schema::ensure_partition(conn, static_cast<model::Interval>(interval), month);
      std::lock_guard lock(partitions_mu_);
      partitions_.insert({interval, month});
    }
    try {
      if (take_direct_turn()) {
        try {
          direct(conn);
          return core::Status::ok();
        } catch (const pqxx::unique_violation&) {
          merge_batches_left_.store(kMergeBatchesAfterConflict, std::memory_order_relaxed);
        }
      }
      merge(conn);
    } catch (const pqxx::check_violation& e) {
      // "no partition of relation ... found for row": our cache is stale.
      if (partitioned_ && std::string_view(e.what()).find("no partition") != std::string_view::npos) {
        partition_missing = true;
        std::lock_guard lock(partitions_mu_);
        partitions_.clear();
      }
      throw;
    }
    return core::Status::ok();
  });
}

bool PostgresCandleStore::take_direct_turn() {
  int left = merge_batches_left_.load(std::memory_order_relaxed);
  while (left > 0) {
    if (merge_batches_left_.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return false;
  }
  return true;
}

core::Result<std::vector<model::Candle>> PostgresCandleStore::last_n(const model::Symbol& symbol,
                                                                     model::Interval interval, size_t n) {
  std::vector<model::Candle> out;
  if (n == 0 || static_cast<size_t>(interval) >= kIntervals) {
    if (n == 0) return out;
    return core::error(core::ErrorCode::kInvalidArgument, "unknown candle interval " + std::to_string(static_cast<int>(interval)));
  }
  int64_t limit = static_cast<int64_t>(std::min<size_t>(n, std::numeric_limits<int64_t>::max()));
  core::Status s = pool_->run("read the last candles of " + symbol.str(), [&](pqxx::connection& conn) {
    out.clear();
    pqxx::nontransaction tx(conn);  // one statement, one round trip: no BEGIN/COMMIT
    pqxx::result rows = tx.exec_prepared(stmt_name("last_n", interval), symbol.str(), limit);
    NIFTY_RETURN_IF_ERROR(read_candles(rows, symbol, interval, "last_n", out));
    std::reverse(out.begin(), out.end());
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  return out;
}

core::Result<std::vector<model::Candle>> PostgresCandleStore::range(const model::Symbol& symbol,
                                                                    model::Interval interval, core::Timestamp from,
                                                                    core::Timestamp to) {
  std::vector<model::Candle> out;
  if (static_cast<size_t>(interval) >= kIntervals) {
    return core::error(core::ErrorCode::kInvalidArgument, "unknown candle interval " + std::to_string(static_cast<int>(interval)));
  }
  if (from >= to) return out;
  core::Status s = pool_->run("read a range of candles of " + symbol.str(), [&](pqxx::connection& conn) {
    out.clear();
    pqxx::nontransaction tx(conn);  // one statement, one round trip: no BEGIN/COMMIT
    pqxx::result rows = tx.exec_prepared(stmt_name("range", interval), symbol.str(), ceil_seconds(from.nanos()),
                                         ceil_seconds(to.nanos()));
    return read_candles(rows, symbol, interval, "range", out);
  });
  if (!s.is_ok()) return s;
  return out;
}

core::Result<std::vector<model::Symbol>> PostgresCandleStore::symbols(model::Interval interval) {
  std::vector<model::Symbol> out;
  if (static_cast<size_t>(interval) >= kIntervals) {
    return core::error(core::ErrorCode::kInvalidArgument, "unknown candle interval " + std::to_string(static_cast<int>(interval)));
  }
  core::Status s = pool_->run("list the symbols", [&](pqxx::connection& conn) -> core::Status {
    out.clear();
    pqxx::nontransaction tx(conn);  // one statement, one round trip: no BEGIN/COMMIT
    for (const auto& row : tx.exec_prepared(stmt_name("symbols", interval))) {
      std::string name = row[0].as<std::string>();
      if (!model::Symbol::valid(name)) {
        return core::error(core::ErrorCode::kIoError, "list the symbols: " + std::string(candle_table_name(interval)) +
                                                          " holds an invalid symbol '" + name + "'");
      }
      out.emplace_back(name);
    }
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  // By name in byte order, whatever the database's collation.
  std::sort(out.begin(), out.end());
  return out;
}

core::Result<int64_t> PostgresCandleStore::count(model::Interval interval) {
  if (static_cast<size_t>(interval) >= kIntervals) {
    return core::error(core::ErrorCode::kInvalidArgument, "unknown candle interval " + std::to_string(static_cast<int>(interval)));
  }
  int64_t n = 0;
  core::Status s = pool_->run("count candles", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);  // one statement, one round trip: no BEGIN/COMMIT
    n = tx.exec_prepared(stmt_name("count", interval))[0][0].as<int64_t>();
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  return n;
}

}  // namespace nifty::store
