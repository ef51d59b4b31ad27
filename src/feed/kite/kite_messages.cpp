#include "feed/kite/kite_messages.h"

namespace nifty::feed::kite {

namespace {

void decode_depth(const uint8_t* side, DepthLevel* levels) {
  for (size_t i = 0; i < tradable::kDepthLevels; ++i) {
    const uint8_t* e = side + i * tradable::kDepthEntrySize;
    levels[i].quantity = load_be32(e + tradable::kDepthQuantity);
    levels[i].price = load_be32_signed(e + tradable::kDepthPrice);
    levels[i].orders = load_be16(e + tradable::kDepthOrders);
  }
}

std::string request(std::string_view action, std::string_view mode, std::span<const uint32_t> tokens) {
  std::string s = "{\"a\":\"";
  s += action;
  s += "\",\"v\":";
  if (!mode.empty()) {
    s += "[\"";
    s += mode;
    s += "\",";
  }
  s += '[';
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(tokens[i]);
  }
  s += ']';
  if (!mode.empty()) s += ']';
  s += '}';
  return s;
}

}  // namespace

bool decode_packet(std::span<const uint8_t> packet, Packet& out) {
  const uint8_t* p = packet.data();
  out = Packet{};
  switch (packet.size()) {
    case kLtpPacketSize:
      out.kind = PacketKind::kLtp;
      break;
    case kIndexQuotePacketSize:
      out.kind = PacketKind::kIndexQuote;
      break;
    case kIndexFullPacketSize:
      out.kind = PacketKind::kIndexFull;
      break;
    case kQuotePacketSize:
      out.kind = PacketKind::kQuote;
      break;
    case kFullPacketSize:
      out.kind = PacketKind::kFull;
      break;
    default:
      return false;
  }
  out.token = load_be32(p + tradable::kToken);
  out.last_price = load_be32_signed(p + tradable::kLastPrice);
  if (out.kind == PacketKind::kIndexQuote || out.kind == PacketKind::kIndexFull) {
    out.high = load_be32_signed(p + index::kHigh);
    out.low = load_be32_signed(p + index::kLow);
    out.open = load_be32_signed(p + index::kOpen);
    out.close = load_be32_signed(p + index::kClose);
    out.change = load_be32_signed(p + index::kChange);
    if (out.kind == PacketKind::kIndexFull) out.exchange_time = load_be32(p + index::kExchangeTime);
    return true;
  }
  if (out.kind == PacketKind::kLtp) return true;
  out.last_quantity = load_be32(p + tradable::kLastQuantity);
  out.average_price = load_be32_signed(p + tradable::kAveragePrice);
  out.volume = load_be32(p + tradable::kVolume);
  out.buy_quantity = load_be32(p + tradable::kBuyQuantity);
  out.sell_quantity = load_be32(p + tradable::kSellQuantity);
  out.open = load_be32_signed(p + tradable::kOpen);
  out.high = load_be32_signed(p + tradable::kHigh);
  out.low = load_be32_signed(p + tradable::kLow);
  out.close = load_be32_signed(p + tradable::kClose);
  if (out.kind == PacketKind::kQuote) return true;
  out.last_trade_time = load_be32(p + tradable::kLastTradeTime);
  out.open_interest = load_be32(p + tradable::kOpenInterest);
  out.open_interest_day_high = load_be32(p + tradable::kOpenInterestDayHigh);
  out.open_interest_day_low = load_be32(p + tradable::kOpenInterestDayLow);
  out.exchange_time = load_be32(p + tradable::kExchangeTime);
  decode_depth(p + tradable::kBids, out.bids);
  decode_depth(p + tradable::kAsks, out.asks);
  return true;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::kLtp:
      return "ltp";
    case Mode::kQuote:
      return "quote";
    case Mode::kFull:
      return "full";
  }
  return "full";
}

std::string subscribe_message(std::span<const uint32_t> tokens) { return request("subscribe", {}, tokens); }
std::string unsubscribe_message(std::span<const uint32_t> tokens) { return request("unsubscribe", {}, tokens); }
std::string mode_message(Mode mode, std::span<const uint32_t> tokens) {
  return request("mode", mode_name(mode), tokens);
}

}  // namespace nifty::feed::kite
