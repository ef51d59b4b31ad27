// SpoolingSignalStore: the SignalStore decorator that keeps signal writes safe through an outage of
// the store behind it; the same machinery and guarantees as SpoolingCandleStore (see
// store/spool/spooling_candle_store.h and store/spool/spooler.h), spooling to
// SpoolConfig::dir/signals with the metrics label spool="signals".
//
// - append()/append_all() write to the inner store while it works; on a retryable error (or
//   kIoError) the batch is spooled and ok returned; while anything is spooled every later batch is
//   spooled behind it, so a later append of the same id wins. Drained in order, popped after commit;
//   a batch appended again after a crash is harmless (an id replaces the stored signal).
// - Invalid signals and non-retryable inner errors go straight back to the caller; a full spool
//   returns kResourceExhausted.
// - range() reads the inner store: spooled signals are not visible until drained.
//
// Threading: thread-safe; writes are serialised. The inner store must outlive this object.
#pragma once

#include <chrono>
#include <memory>

#include "store/signal_store.h"
#include "store/spool/spool_config.h"
#include "store/spool/spooler.h"

namespace nifty::store {

class SpoolingSignalStore final : public SignalStore {
 public:
  // Opens (or creates) the spool and starts draining what an earlier run left in it.
  static core::Result<std::unique_ptr<SpoolingSignalStore>> create(SignalStore& inner, const SpoolConfig& config);

  core::Status append(const model::Signal& signal) override;
  core::Status append_all(std::span<const model::Signal> signals) override;
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol = std::nullopt) override;
  std::string_view backend() const override { return inner_.backend(); }

  core::Status drain_wait(std::chrono::milliseconds timeout) { return spooler_->drain_wait(timeout); }
  SpoolHealth health() const { return spooler_->health(); }

 private:
  SpoolingSignalStore(SignalStore& inner, std::unique_ptr<Spooler> spooler)
      : inner_(inner), spooler_(std::move(spooler)) {}

  SignalStore& inner_;
  std::unique_ptr<Spooler> spooler_;
};

}  // namespace nifty::store
