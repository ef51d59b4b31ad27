#include "store/candle_store.h"

#include <string>

namespace nifty::store {

namespace {

bool price_fits(model::Price p) { return p.paise() >= -kMaxStoredPaise && p.paise() <= kMaxStoredPaise; }

std::string describe(const model::Candle& c) {
  std::string out = "candle ";
  out += c.symbol.empty() ? std::string("<empty symbol>") : c.symbol.str();
  out += ' ';
  out += model::interval_name(c.interval);
  out += " at ";
  out += c.start.to_iso_utc();
  return out;
}

}  // namespace

core::Status validate_candle(const model::Candle& c) {
  if (static_cast<size_t>(c.interval) >= std::size(model::kAllIntervals)) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       describe(c) + ": unknown interval " + std::to_string(static_cast<int>(c.interval)));
  }
  if (c.symbol.empty()) return core::error(core::ErrorCode::kInvalidArgument, describe(c) + ": empty symbol");
  if (c.start.nanos() % core::kNanosPerSecond != 0) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       describe(c) + ": start is not a whole second (" + std::to_string(c.start.nanos()) + " ns)");
  }
  if (!price_fits(c.open) || !price_fits(c.high) || !price_fits(c.low) || !price_fits(c.close) ||
      !price_fits(c.vwap)) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       describe(c) + ": a price is outside NUMERIC(10, 2) (|rupees| > 99999999.99)");
  }
  return core::Status::ok();
}

std::string_view candle_table_name(model::Interval interval) {
  switch (interval) {
    case model::Interval::k1m: return "candles_1m";
    case model::Interval::k5m: return "candles_5m";
    case model::Interval::k15m: return "candles_15m";
    case model::Interval::k1h: return "candles_1h";
    case model::Interval::k1d: return "candles_1d";
  }
  return "candles_unknown";
}

}  // namespace nifty::store
