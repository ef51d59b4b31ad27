#include "store/spool/spooling_signal_store.h"

#include "store/spool/spool_codec.h"

namespace nifty::store {

core::Result<std::unique_ptr<SpoolingSignalStore>> SpoolingSignalStore::create(SignalStore& inner,
                                                                               const SpoolConfig& config) {
  // Runs on the drain thread only, so the decode buffer needs no lock.
  auto apply = [&inner, batch = std::vector<model::Signal>()](std::span<const uint8_t> record) mutable {
    NIFTY_RETURN_IF_ERROR(decode_signal_batch(record, batch));
    return inner.append_all(batch);
  };
  NIFTY_ASSIGN_OR_RETURN(std::unique_ptr<Spooler> spooler,
                         Spooler::open(config, inner.backend(), "signals", std::move(apply)));
  return std::unique_ptr<SpoolingSignalStore>(new SpoolingSignalStore(inner, std::move(spooler)));
}

core::Status SpoolingSignalStore::append(const model::Signal& signal) { return append_all(std::span(&signal, 1)); }

core::Status SpoolingSignalStore::append_all(std::span<const model::Signal> signals) {
  for (const model::Signal& s : signals) NIFTY_RETURN_IF_ERROR(validate_signal(s));
  return spooler_->write([&] { return inner_.append_all(signals); },
                         [&](std::vector<uint8_t>& out) { encode_signal_batch(signals, out); });
}

core::Result<std::vector<model::Signal>> SpoolingSignalStore::range(core::Timestamp from, core::Timestamp to,
                                                                    std::optional<model::Symbol> symbol) {
  return inner_.range(from, to, symbol);
}

}  // namespace nifty::store
