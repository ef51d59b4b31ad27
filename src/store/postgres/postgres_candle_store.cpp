#include "store/postgres/postgres_candle_store.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <tuple>

#include "core/log.h"
#include "store/postgres/postgres_pool.h"
#include "store/postgres/postgres_schema.h"

namespace nifty::store {

namespace {

constexpr size_t kIntervals = std::size(model::kAllIntervals);
constexpr const char* kStage = "nifty_candle_stage";
// Prices cross as integer paise and are converted exactly by the server: paise / 100.0 is a
// NUMERIC with no rounding, and NUMERIC(10, 2) * 100 is a whole number.
constexpr const char* kSelectColumns =
    "extract(epoch FROM time)::bigint, (open * 100)::bigint, (high * 100)::bigint, (low * 100)::bigint,"
    " (close * 100)::bigint, volume, trades, (vwap * 100)::bigint";

std::string stmt_name(std::string_view what, model::Interval i) {
  return std::string(what) + "_" + std::string(model::interval_name(i));
}

void setup_connection(pqxx::connection& conn) {
  {
    pqxx::nontransaction tx(conn);
    tx.exec(std::string("CREATE TEMP TABLE IF NOT EXISTS ") + kStage +
            " (iv SMALLINT NOT NULL, time_s BIGINT NOT NULL, symbol TEXT NOT NULL, open BIGINT NOT NULL,"
            " high BIGINT NOT NULL, low BIGINT NOT NULL, close BIGINT NOT NULL, volume BIGINT NOT NULL,"
            " trades INTEGER NOT NULL, vwap BIGINT NOT NULL) ON COMMIT DELETE ROWS");
  }
  for (model::Interval i : model::kAllIntervals) {
    std::string table(candle_table_name(i));
    conn.prepare(stmt_name("upsert", i),
                 "INSERT INTO " + table +
                     " (time, symbol, open, high, low, close, volume, trades, vwap)"
                     " SELECT to_timestamp(time_s), symbol, open / 100.0, high / 100.0, low / 100.0, close / 100.0,"
                     " volume, trades, vwap / 100.0 FROM " + kStage + " WHERE iv = " +
                     std::to_string(static_cast<int>(i)) +
                     " ON CONFLICT (symbol, time) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high,"
                     " low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume,"
                     " trades = EXCLUDED.trades, vwap = EXCLUDED.vwap");
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

  std::array<bool, kIntervals> present{};
  std::vector<std::pair<int, int64_t>> missing;
  for (const model::Candle* c : order) {
    present[static_cast<size_t>(c->interval)] = true;
    if (!partitioned_) continue;
    std::pair<int, int64_t> key{static_cast<int>(c->interval), postgres_schema::utc_month_of(c->start.seconds())};
    if (std::find(missing.begin(), missing.end(), key) == missing.end()) missing.push_back(key);
  }
  if (partitioned_) {
    std::lock_guard lock(partitions_mu_);
    std::erase_if(missing, [&](const auto& key) { return partitions_.count(key) != 0; });
  }

  return pool_->run("upsert " + std::to_string(candles.size()) + " candles", [&](pqxx::connection& conn) {
    for (const auto& [interval, month] : missing) {
      postgres_schema::ensure_partition(conn, static_cast<model::Interval>(interval), month);
      std::lock_guard lock(partitions_mu_);
      partitions_.insert({interval, month});
    }
    pqxx::work tx(conn);
    {
      static const std::vector<std::string> kColumns = {"iv",  "time_s", "symbol", "open",   "high",
                                                         "low", "close",  "volume", "trades", "vwap"};
      pqxx::stream_to stream(tx, kStage, kColumns);
      for (const model::Candle* c : order) {
        stream << std::make_tuple(static_cast<int>(c->interval), c->start.seconds(), c->symbol.str(),
                                  c->open.paise(), c->high.paise(), c->low.paise(), c->close.paise(), c->volume,
                                  c->trades, c->vwap.paise());
      }
      stream.complete();
    }
    try {
      for (model::Interval i : model::kAllIntervals) {
        if (present[static_cast<size_t>(i)]) tx.exec_prepared(stmt_name("upsert", i));
      }
    } catch (const pqxx::check_violation& e) {
      // "no partition of relation ... found for row": our cache is stale.
      if (partitioned_ && std::string_view(e.what()).find("no partition") != std::string_view::npos) {
        partition_missing = true;
        std::lock_guard lock(partitions_mu_);
        partitions_.clear();
      }
      throw;
    }
    tx.commit();
    return core::Status::ok();
  });
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
    pqxx::read_transaction tx(conn);
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
    pqxx::read_transaction tx(conn);
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
    pqxx::read_transaction tx(conn);
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
    pqxx::read_transaction tx(conn);
    n = tx.exec_prepared(stmt_name("count", interval))[0][0].as<int64_t>();
    return core::Status::ok();
  });
  if (!s.is_ok()) return s;
  return n;
}

}  // namespace nifty::store
