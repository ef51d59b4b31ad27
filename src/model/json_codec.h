// JSON codecs of the spec's wire formats (Kafka topics raw-ticks, market_candles, analysis_updates
// and signals; the Redis market:sentiment message of the market view), in one place. Encoders write the spec's fields in the spec's order; prices are
// printed exactly from paise ("2850.5", "2845.0"), doubles in their shortest exact form, NaN and
// infinities as null. Decoders reject missing or mistyped fields with an error naming the field.
// Free functions without shared state: thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/candle.h"
#include "model/market_view.h"
#include "model/scorecard.h"
#include "model/tick.h"

namespace nifty::model {

// raw-ticks:
//   {"token":"2885","symbol":"RELIANCE","ltp":2850.5,"volume":1500,"bid":2850.25,"ask":2850.75,
//    "timestamp":1705560000000,"sequence":12345,"exchange":"NSE"}
// volume = cumulative day volume; timestamp = exchange time in ms. Two extras keep the round trip
// lossless: "last_quantity" (when not 0) and "receive_timestamp" (ms, when it differs from
// "timestamp"). Times travel in whole milliseconds; volume_delta does not travel (the consumer's
// TickNormalizer sets it).
std::string encode_tick(const Tick& tick);
// Appends to `out` (no allocation once `out` has capacity): the hot-path form.
void encode_tick(const Tick& tick, std::string& out);
core::Result<Tick> decode_tick(std::string_view json);

// market_candles:
//   {"time":"2024-01-25T10:30:00Z","symbol":"RELIANCE","open":2845.0,"high":2851.0,"low":2844.0,
//    "close":2850.5,"volume":150000,"trades":350,"vwap":2847.8}
// plus "interval":"5m" at the end when the interval is not 1m (absent means 1m).
std::string encode_candle(const Candle& candle);
core::Result<Candle> decode_candle(std::string_view json);

// analysis_updates: the spec's fields first, in the spec's order,
//   {"symbol","timestamp","ltp","rsi","macd":{"value","signal","histogram"},"emas":{"50","200"},
//    "trend_score","ai_prediction","ai_confidence","recommendation"}
// then ours: "emas" also carries "100" (after "200"); after "recommendation" come "change",
// "change_percent","volume" (day volume),"bollinger":{"upper","middle","lower"},"momentum_score",
// "composite_score","ai_model_version","ai_engine","latency_ms" (the spec Scorecard's
// latency_ms, whole milliseconds; decoding sets latency_ns = latency_ms * 10^6).
// Indicators not yet warm are null.
std::string encode_scorecard(const Scorecard& scorecard);
core::Result<Scorecard> decode_scorecard(std::string_view json);

// signals (the spec's signal:alerts shape {"action":"BUY","symbol":"TCS","price":3500} first, then
// ours):
//   {"action":"BUY","symbol":"TCS","price":3500.0,"id":"TCS-20240125T0500Z-BUY",
//    "time":"2024-01-25T05:00:00Z","confidence":0.61,"previous":"HOLD","reason":"...",
//    "provenance":{"candle_time":"...","rsi":..,"macd":{"value","signal","histogram"},
//                  "emas":{"50","100","200"},"bollinger":{"upper","middle","lower"},
//                  "trend_score":..,"momentum_score":..,"composite_score":..,"ai_prediction":..,
//                  "ai_confidence":..,"engine":"heuristic","model_version":"v1-heuristic"}}
// Decoding also accepts "timestamp" for "time". Signal::composite_score and ai_prediction are
// read from the provenance.
std::string encode_signal(const Signal& signal);
core::Result<Signal> decode_signal(std::string_view json);
// The "provenance" object alone (stored as a JSON column by store/sqlite).
std::string encode_signal_provenance(const SignalProvenance& provenance);
core::Result<SignalProvenance> decode_signal_provenance(std::string_view json);

// market_view (the spec's Redis market:sentiment message {"overall":"BULLISH","breadth":2.5} first):
//   {"overall":"BULLISH","breadth":2.5,"timestamp":"...","advances":30,"declines":12,
//    "unchanged":8,"stocks":50,"average_change_percent":0.41,
//    "gainers":[{"symbol":"TCS","ltp":3500.0,"change_percent":2.1},...],"losers":[...],
//    "index":{"symbol":"NIFTY 50","level":21500.5,"change":120.25,"change_percent":0.56} | null}
std::string encode_market_view(const MarketView& view);
core::Result<MarketView> decode_market_view(std::string_view json);

// The same shapes as nlohmann::json values (for the REST API). Keys of nlohmann::json objects are
// sorted; use the string encoders where the order matters.
nlohmann::json to_json(const Tick& tick);
nlohmann::json to_json(const Candle& candle);
nlohmann::json to_json(const Scorecard& scorecard);
nlohmann::json to_json(const Signal& signal);
nlohmann::json to_json(const MarketView& view);

// Appends a price from paise with one or two decimals: 285050 -> "2850.5", 284500 -> "2845.0".
void append_price(std::string& out, Price p);
// Appends a double in its shortest exact form with a decimal point ("2840.0", "65.2"); NaN and
// infinities as null.
void append_double(std::string& out, double v);

}  // namespace nifty::model
