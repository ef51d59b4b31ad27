// Spool record codecs: a batch of Candles or of Signals as one compact binary record, so that a
// spooled upsert is replayed exactly as it was asked for. Every field round-trips exactly (prices
// and times as int64, doubles by their bits, NaN included).
//
//   record  = u8 version (1) | u8 kind (1 candles, 2 signals) | u32 count | count x item
//   candle  = u8 symbol length | symbol | u8 interval | i64 start ns | i64 open, high, low, close paise
//             | i64 volume | i32 trades | i64 vwap paise
//   signal  = str id | u8 symbol length | symbol | i64 time ns | u8 action | u8 previous | i64 price
//             | f64 confidence, composite_score, ai_prediction | str reason | provenance
//   (str = u32 length | bytes; all integers little endian; provenance field by field in the order
//   of model::SignalProvenance.)
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "model/candle.h"
#include "model/scorecard.h"

namespace nifty::store {

inline constexpr uint8_t kSpoolRecordVersion = 1;

// Appends the record of a batch to `out` (cleared first).
void encode_candle_batch(std::span<const model::Candle> candles, std::vector<uint8_t>& out);
void encode_signal_batch(std::span<const model::Signal> signals, std::vector<uint8_t>& out);

// Decodes a record into `out` (cleared first). kParseError naming the field and byte offset when
// the record is not a well-formed batch of that kind and version.
core::Status decode_candle_batch(std::span<const uint8_t> record, std::vector<model::Candle>& out);
core::Status decode_signal_batch(std::span<const uint8_t> record, std::vector<model::Signal>& out);

}  // namespace nifty::store
