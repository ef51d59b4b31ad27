#include "store/spool/spooling_candle_store.h"

#include "store/spool/spool_codec.h"

namespace nifty::store {

core::Result<std::unique_ptr<SpoolingCandleStore>> SpoolingCandleStore::create(CandleStore& inner,
                                                                               const SpoolConfig& config) {
  // Runs on the drain thread only, so the decode buffer needs no lock.
  auto apply = [&inner, batch = std::vector<model::Candle>()](std::span<const uint8_t> record) mutable {
    NIFTY_RETURN_IF_ERROR(decode_candle_batch(record, batch));
    return inner.upsert(batch);
  };
  NIFTY_ASSIGN_OR_RETURN(std::unique_ptr<Spooler> spooler,
                         Spooler::open(config, inner.backend(), "candles", std::move(apply)));
  return std::unique_ptr<SpoolingCandleStore>(new SpoolingCandleStore(inner, std::move(spooler)));
}

core::Status SpoolingCandleStore::upsert(std::span<const model::Candle> candles) {
  // Checked here, not only by the inner store: a spooled batch must be one the backend will take.
  for (const model::Candle& c : candles) NIFTY_RETURN_IF_ERROR(validate_candle(c));
  return spooler_->write([&] { return inner_.upsert(candles); },
                         [&](std::vector<uint8_t>& out) { encode_candle_batch(candles, out); });
}

core::Result<std::vector<model::Candle>> SpoolingCandleStore::last_n(const model::Symbol& symbol,
                                                                     model::Interval interval, size_t n) {
  return inner_.last_n(symbol, interval, n);
}

core::Result<std::vector<model::Candle>> SpoolingCandleStore::range(const model::Symbol& symbol,
                                                                    model::Interval interval, core::Timestamp from,
                                                                    core::Timestamp to) {
  return inner_.range(symbol, interval, from, to);
}

core::Result<std::vector<model::Symbol>> SpoolingCandleStore::symbols(model::Interval interval) {
  return inner_.symbols(interval);
}

core::Result<int64_t> SpoolingCandleStore::count(model::Interval interval) { return inner_.count(interval); }

}  // namespace nifty::store
