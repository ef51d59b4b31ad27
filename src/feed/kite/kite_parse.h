// Kite ticker parser: binary frames -> model::Tick (units converted), JSON text frames -> events.
// No network code; the session feeds it whole WebSocket messages.
//
// Decisions (see README.md):
// - A frame is all or nothing: its packet structure (count, lengths) is checked first, and a frame
//   that is truncated, has trailing bytes or is otherwise malformed yields a kParseError naming the
//   packet and byte, and appends no tick at all. A WebSocket message arrives whole, so a short one
//   is corruption, not a packet to wait for.
// - A packet of a length that is no known size (8, 28, 32, 44, 184) is skipped and counted.
// - A packet whose token is not in Symbols is not emitted (a tick with no symbol must not reach
//   candles); it is counted in ParseResult::unknown_tokens so the caller can count the rejection.
// - Prices: paise exactly for every segment with divisor 100 (NSE, BSE, F&O, MCX, indices). Currency
//   segments carry finer prices (CDS rupees * 10^7, BCD rupees * 10^4): rounded to the nearest paisa.
// - exchange_time: the packet's exchange timestamp (full modes); else its last trade time (full
//   tradable); else receive_time (ltp and quote packets carry no time).
// - bid/ask: the best depth level in full mode, else 0. Index packets: volume and quantities 0.
// - exchange: kBse for the BSE segments (BSE, BFO, BCD), else kNse. sequence: 0 (Kite has none).
// Stateless; thread-safe. Hot path: no allocation beyond growth of the caller's vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "feed/kite/kite_messages.h"
#include "feed/kite/kite_symbols.h"
#include "model/price.h"
#include "model/tick.h"

namespace nifty::feed::kite {

struct ParseResult {
  size_t ticks = 0;           // ticks appended to `out`
  size_t skipped = 0;         // packets of an unknown length
  size_t unknown_tokens = 0;  // packets whose token is not in Symbols (not emitted)
  bool heartbeat = false;     // the frame was a 1-byte heartbeat
};

// Parses one binary frame and appends its ticks to `out`. On error `out` is unchanged.
core::Result<ParseResult> parse_frame(std::span<const uint8_t> frame, core::Timestamp receive_time,
                                      const Symbols& symbols, std::vector<model::Tick>& out);

// A wire price of `segment` in paise (exact for divisor-100 segments, rounded for currencies).
model::Price price_from_wire(int32_t raw, Segment segment);

// A JSON text frame from the server: {"type": ..., "data": ...}.
enum class TextKind : uint8_t {
  kError,    // data: an error string
  kOrder,    // data: an order postback; text is its JSON
  kMessage,  // data: a broker message or alert
  kOther,    // an undocumented type (instruments_meta, app_code, ...): pass on or ignore
};
struct TextEvent {
  TextKind kind = TextKind::kOther;
  std::string type;  // the `type` field as sent
  std::string text;  // `data` when it is a string, else `data` as compact JSON ("" when absent)
};
// kParseError when the text is not a JSON object with a string `type`.
core::Result<TextEvent> parse_text(std::string_view text);

}  // namespace nifty::feed::kite
