// PostgresSignalStore: the SignalStore on PostgreSQL, the `signals` table of migration 1:
//   signals (id TEXT PRIMARY KEY, time TIMESTAMPTZ, symbol, action, previous, price NUMERIC(10, 2),
//            confidence DOUBLE PRECISION, reason, provenance JSONB) + indexes on (time), (symbol, time).
// Same contract as the SQLite store; ties in range() are ordered by symbol then id in byte order.
//
// Threading: thread-safe; up to PostgresConfig::pool_size calls run at once.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/postgres/postgres_config.h"
#include "store/signal_store.h"

namespace nifty::store {

class PostgresPool;

class PostgresSignalStore final : public SignalStore {
 public:
  // Connects and checks the schema version; errors as PostgresCandleStore::open.
  static core::Result<std::unique_ptr<PostgresSignalStore>> open(const PostgresConfig& config);

  ~PostgresSignalStore() override;
  PostgresSignalStore(const PostgresSignalStore&) = delete;
  PostgresSignalStore& operator=(const PostgresSignalStore&) = delete;

  core::Status append(const model::Signal& signal) override;
  core::Status append_all(std::span<const model::Signal> signals) override;
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol = std::nullopt) override;
  std::string_view backend() const override { return "postgres"; }

 private:
  PostgresSignalStore();
  std::unique_ptr<PostgresPool> pool_;
};

}  // namespace nifty::store
