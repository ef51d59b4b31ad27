#include "store/signal_store.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "store/candle_store.h"

namespace nifty::store {

core::Status validate_signal(const model::Signal& s) {
  auto reject = [&](const std::string& why) {
    std::string who = s.id.empty() ? std::string(s.symbol.view()) + " at " + s.timestamp.to_iso_utc()
                                   : "'" + s.id + "'";
    return core::error(core::ErrorCode::kInvalidArgument, "signal " + who + " rejected: " + why);
  };
  if (s.id.empty()) return reject("empty id");
  if (s.symbol.empty()) return reject("empty symbol");
  if (s.timestamp.nanos() % core::kNanosPerSecond != 0) {
    return reject("time " + s.timestamp.to_iso_utc() + " is not a whole second");
  }
  if (!std::isfinite(s.confidence)) return reject("confidence is not finite");
  if (s.price.paise() < 0 || s.price.paise() > kMaxStoredPaise) {
    return reject("price " + s.price.to_string() + " is outside NUMERIC(10, 2)");
  }
  return core::Status::ok();
}

}  // namespace nifty::store
