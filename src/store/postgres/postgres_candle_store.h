// PostgresCandleStore: the CandleStore on PostgreSQL — TimescaleDB hypertables when the extension
// is present, native monthly range partitions otherwise (see migrations.h). The schema is made by
// migrate(); open() refuses a database whose schema is missing, older or newer than this binary's.
//
// Tables candles_1m, _5m, _15m, _1h, _1d with the spec's columns: time TIMESTAMPTZ, prices
// NUMERIC(10, 2) rupees (exact to and from paise), volume BIGINT, trades INTEGER, vwap.
// upsert() COPYs the batch into a per-connection temporary staging table and merges it into each
// interval's table with INSERT ... SELECT ... ON CONFLICT (symbol, time) DO UPDATE of every column,
// all in one transaction. Without TimescaleDB, the partitions a batch needs are created first.
//
// Threading: thread-safe; up to PostgresConfig::pool_size calls run at once, each on its own
// connection.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/candle_store.h"
#include "store/postgres/postgres_config.h"

namespace nifty::store {

class PostgresPool;

class PostgresCandleStore final : public CandleStore {
 public:
  // Connects (each attempt bounded by config.connect_timeout) and checks the schema version.
  // Errors: kUnavailable/kTimeout (server unreachable), kUnauthenticated (user or password),
  // kConfigError (no such database; schema missing or older: "run nifty migrate"; newer).
  static core::Result<std::unique_ptr<PostgresCandleStore>> open(const PostgresConfig& config);

  ~PostgresCandleStore() override;
  PostgresCandleStore(const PostgresCandleStore&) = delete;
  PostgresCandleStore& operator=(const PostgresCandleStore&) = delete;

  core::Status upsert(std::span<const model::Candle> candles) override;
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& symbol, model::Interval interval,
                                                  size_t n) override;
  core::Result<std::vector<model::Candle>> range(const model::Symbol& symbol, model::Interval interval,
                                                 core::Timestamp from, core::Timestamp to) override;
  core::Result<std::vector<model::Symbol>> symbols(model::Interval interval) override;
  core::Result<int64_t> count(model::Interval interval) override;
  std::string_view backend() const override { return "postgres"; }

  // True when the candle tables are native partitions (no TimescaleDB).
  bool partitioned() const { return partitioned_; }
  // Connections replaced after a failure (server restart, network cut) since open().
  uint64_t reconnects() const;

 private:
  PostgresCandleStore();
  core::Status upsert_once(std::span<const model::Candle> candles, bool& partition_missing);

  std::unique_ptr<PostgresPool> pool_;
  bool partitioned_ = false;
  std::mutex partitions_mu_;
  std::set<std::pair<int, int64_t>> partitions_;  // (interval, month) known to exist, guarded
};

}  // namespace nifty::store
