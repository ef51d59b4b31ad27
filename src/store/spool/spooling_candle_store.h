// SpoolingCandleStore: a CandleStore decorator that keeps candle writes safe through an outage of
// the store behind it (PostgreSQL going down or restarting). upsert() writes to the inner store
// while it works; when it fails with a retryable error (Status::is_retryable() or kIoError) the
// batch goes to a bounded on-disk spool (SpoolConfig::dir/candles) and upsert() returns ok: the
// batch is durable. While anything is spooled, every later batch is spooled behind it, so a later
// upsert of the same key still wins. A drain thread replays the spool into the inner store in
// order with exponential backoff and jitter, popping each batch only after its commit. A crash
// between a commit and its pop makes that batch be upserted once more on the next start, which is
// harmless: upserts are idempotent (same key, same columns).
//
// - Invalid candles (validate_candle) and non-retryable errors of the inner store
//   (kInvalidArgument, kUnauthenticated, ...) are returned to the caller and never spooled.
// - A full spool returns kResourceExhausted (nothing of the batch is kept; the CandleWriter
//   retries it with backoff).
// - Reads go to the inner store: spooled candles are NOT visible to last_n/range/symbols/count
//   until they are drained.
// - On destruction what is still spooled stays on disk; create() on the same directory drains it.
//
// Metrics and health: see store/spool/spooler.h (spool label "candles").
// Threading: thread-safe; upserts are serialised. The inner store must outlive this object and be
// safe to call from the drain thread.
#pragma once

#include <chrono>
#include <memory>

#include "store/candle_store.h"
#include "store/spool/spool_config.h"
#include "store/spool/spooler.h"

namespace nifty::store {

class SpoolingCandleStore final : public CandleStore {
 public:
  // Opens (or creates) the spool and starts draining what an earlier run left in it.
  static core::Result<std::unique_ptr<SpoolingCandleStore>> create(CandleStore& inner, const SpoolConfig& config);

  core::Status upsert(std::span<const model::Candle> candles) override;
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& symbol, model::Interval interval,
                                                  size_t n) override;
  core::Result<std::vector<model::Candle>> range(const model::Symbol& symbol, model::Interval interval,
                                                 core::Timestamp from, core::Timestamp to) override;
  core::Result<std::vector<model::Symbol>> symbols(model::Interval interval) override;
  core::Result<int64_t> count(model::Interval interval) override;
  // The inner store's name ("postgres").
  std::string_view backend() const override { return inner_.backend(); }

  // Waits until everything spooled is in the inner store (ok) or `timeout` passed (kTimeout).
  core::Status drain_wait(std::chrono::milliseconds timeout) { return spooler_->drain_wait(timeout); }
  SpoolHealth health() const { return spooler_->health(); }

 private:
  SpoolingCandleStore(CandleStore& inner, std::unique_ptr<Spooler> spooler)
      : inner_(inner), spooler_(std::move(spooler)) {}

  CandleStore& inner_;
  std::unique_ptr<Spooler> spooler_;
};

}  // namespace nifty::store
