#include "feed/kite/kite_parse.h"

#include <nlohmann/json.hpp>

#include "feed/kite/kite_errors.h"

namespace nifty::feed::kite {

namespace {

using core::Timestamp;

// Divides with rounding to nearest, halves away from zero.
int64_t divide_rounded(int64_t value, int64_t divisor) {
  int64_t q = value / divisor;
  int64_t r = value % divisor;
  if (2 * (r < 0 ? -r : r) >= divisor) q += value < 0 ? -1 : 1;
  return q;
}

inline model::Price to_price(const uint8_t* p, Segment segment) {
  int32_t raw = load_be32_signed(p);
  if (segment != Segment::kCds && segment != Segment::kBcd) [[likely]]
    return model::Price::from_paise(raw);
  return price_from_wire(raw, segment);
}

inline model::Exchange exchange_of(Segment segment) {
  return segment == Segment::kBse || segment == Segment::kBfo || segment == Segment::kBcd ? model::Exchange::kBse
                                                                                         : model::Exchange::kNse;
}

inline Timestamp seconds_or(uint32_t seconds, Timestamp fallback) {
  return seconds != 0 ? Timestamp::from_seconds(seconds) : fallback;
}

std::string json_text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return {};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

model::Price price_from_wire(int32_t raw, Segment segment) {
  switch (segment) {
    case Segment::kCds:  // rupees * 10^7 -> paise: / 10^5
      return model::Price::from_paise(divide_rounded(raw, 100'000));
    case Segment::kBcd:  // rupees * 10^4 -> paise: / 10^2
      return model::Price::from_paise(divide_rounded(raw, 100));
    default:
      return model::Price::from_paise(raw);
  }
}

core::Result<ParseResult> parse_frame(std::span<const uint8_t> frame, Timestamp receive_time,
                                      const Symbols& symbols, std::vector<model::Tick>& out) {
  ParseResult result;
  const size_t size = frame.size();
  const uint8_t* data = frame.data();
  if (size == 0) return frame_error("empty frame");
  if (size == kHeartbeatFrameSize) {
    result.heartbeat = true;
    return result;
  }
  const size_t count = load_be16(data);

  // Pass 1: the structure must add up exactly before anything is emitted.
  size_t pos = kFrameCountSize;
  for (size_t i = 0; i < count; ++i) {
    if (size - pos < kPacketLengthSize)
      return packet_error(i, count, pos,
                          "frame truncated: " + std::to_string(size - pos) + " byte(s) left, want a 2-byte length");
    const size_t len = load_be16(data + pos);
    if (size - pos - kPacketLengthSize < len)
      return packet_error(i, count, pos,
                          "frame truncated: packet length " + std::to_string(len) + " but " +
                              std::to_string(size - pos - kPacketLengthSize) + " byte(s) left");
    pos += kPacketLengthSize + len;
  }
  if (pos != size)
    return frame_error(std::to_string(size - pos) + " trailing byte(s) after " + std::to_string(count) +
                       " packet(s) ending at byte " + std::to_string(pos));

  // Pass 2: decode.
  pos = kFrameCountSize;
  for (size_t i = 0; i < count; ++i) {
    const size_t len = load_be16(data + pos);
    const uint8_t* p = data + pos + kPacketLengthSize;
    pos += kPacketLengthSize + len;
    if (len != kFullPacketSize && len != kQuotePacketSize && len != kLtpPacketSize &&
        len != kIndexQuotePacketSize && len != kIndexFullPacketSize) [[unlikely]] {
      ++result.skipped;
      continue;
    }
    const uint32_t token = load_be32(p + tradable::kToken);
    const model::Symbol* symbol = symbols.symbol_of(token);
    if (symbol == nullptr) [[unlikely]] {
      ++result.unknown_tokens;
      continue;
    }
    const Segment segment = segment_of(token);
    model::Tick& t = out.emplace_back();
    t.token = token;
    t.symbol = *symbol;
    t.exchange = exchange_of(segment);
    t.last_price = to_price(p + tradable::kLastPrice, segment);
    t.receive_time = receive_time;
    t.exchange_time = receive_time;
    switch (len) {
      case kFullPacketSize:
        t.bid = to_price(p + tradable::kBids + tradable::kDepthPrice, segment);
        t.ask = to_price(p + tradable::kAsks + tradable::kDepthPrice, segment);
        t.exchange_time = seconds_or(load_be32(p + tradable::kExchangeTime),
                                     seconds_or(load_be32(p + tradable::kLastTradeTime), receive_time));
        [[fallthrough]];
      case kQuotePacketSize:
        t.last_quantity = load_be32(p + tradable::kLastQuantity);
        t.cumulative_volume = load_be32(p + tradable::kVolume);
        break;
      case kIndexFullPacketSize:
        t.exchange_time = seconds_or(load_be32(p + index::kExchangeTime), receive_time);
        break;
      default:  // ltp and index quote: price only
        break;
    }
    ++result.ticks;
  }
  return result;
}

core::Result<TextEvent> parse_text(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return text_error("not valid JSON");
  if (!j.is_object()) return text_error("not a JSON object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return text_error("no string field \"type\"");
  TextEvent ev;
  ev.type = type->get<std::string>();
  if (ev.type == "error") ev.kind = TextKind::kError;
  else if (ev.type == "order") ev.kind = TextKind::kOrder;
  else if (ev.type == "message") ev.kind = TextKind::kMessage;
  else ev.kind = TextKind::kOther;
  auto data = j.find("data");
  if (data != j.end()) ev.text = json_text(*data);
  return ev;
}

}  // namespace nifty::feed::kite
