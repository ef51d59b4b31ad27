// PostgresCandleStore: the CandleStore on PostgreSQL — TimescaleDB hypertables when the extension
// is present, native monthly range partitions otherwise (see migrations.h). The schema is made by
// migrate(); open() refuses a database whose schema is missing, older or newer than this binary's.
//
// Tables candles_1m, _5m, _15m, _1h, _1d with the spec's columns: time TIMESTAMPTZ, prices
// NUMERIC(10, 2) rupees (exact to and from paise), volume BIGINT, trades INTEGER, vwap.
// upsert() formats the batch once as COPY text and, in one transaction, COPYs it straight into the
// candle tables, which is as fast as COPY gets; when a row's key is already stored that fails and
// the batch is COPYed into per-connection temporary staging tables and merged into each
// interval's table with INSERT ... SELECT ... ON CONFLICT (symbol, time) DO UPDATE of every column
// (rows equal to the stored ones are not rewritten). After such a conflict the next few batches
// go straight to the merge. Without TimescaleDB, the partitions a batch needs are created first.
//
// Threading: thread-safe; up to PostgresConfig::pool_size calls run at once, each on its own
// connection.
#pragma once

#include <atomic>
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
  // False while batches are still to go straight to the merge after a conflict (counts one down).
  bool take_direct_turn();

  // Batches merged without trying the direct COPY after one found a stored key.
  static constexpr int kMergeBatchesAfterConflict = 16;

  std::unique_ptr<PostgresPool> pool_;
  bool partitioned_ = false;
  std::mutex partitions_mu_;
  std::set<std::pair<int, int64_t>> partitions_;  // (interval, month) known to exist, guarded
  std::atomic<int> merge_batches_left_{0};
};

}  // namespace nifty::store
