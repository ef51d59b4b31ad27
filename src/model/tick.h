// Tick: one normalised market-data update for an instrument. Units: Price in paise, Timestamp in
// ns UTC, volumes in shares. Trivially copyable; never allocates.
#pragma once

#include <cstdint>

#include "core/timestamp.h"
#include "model/price.h"
#include "model/symbol.h"

namespace nifty::model {

enum class Exchange : uint8_t { kNse, kBse };
std::string_view exchange_name(Exchange e);  // "NSE" | "BSE"

struct Tick {
  uint32_t token = 0;          // the broker's instrument token (Kite or NSE token), 0 when unknown
  Symbol symbol;               // "RELIANCE"
  Exchange exchange = Exchange::kNse;
  Price last_price;            // LTP
  Quantity cumulative_volume = 0;  // volume traded today so far (as brokers send it)
  Quantity last_quantity = 0;  // quantity of the last trade, 0 when unknown
  Price bid;                   // best bid, 0 when unknown
  Price ask;                   // best ask, 0 when unknown
  core::Timestamp exchange_time;  // when the exchange stamped it
  core::Timestamp receive_time;   // when we received it
  uint64_t sequence = 0;       // per-feed message sequence number; 0 = none
  // Set by TickNormalizer: the rise of cumulative_volume since the previous tick of this symbol
  // (0 after a day reset for the first tick's own volume; see TickNormalizer).
  Quantity volume_delta = 0;
};

}  // namespace nifty::model
