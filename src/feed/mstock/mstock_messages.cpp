#include "feed/mstock/mstock_messages.h"

#include <bit>
#include <cstring>

#include <nlohmann/json.hpp>

#include "feed/mstock/mstock_errors.h"

namespace nifty::feed::mstock {

namespace {

uint64_t le_u64(std::span<const uint8_t> b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[at + i]) << (8 * i);
  return v;
}
int64_t le_i64(std::span<const uint8_t> b, size_t at) { return static_cast<int64_t>(le_u64(b, at)); }
int16_t le_i16(std::span<const uint8_t> b, size_t at) {
  return static_cast<int16_t>(static_cast<uint16_t>(b[at] | (b[at + 1] << 8)));
}
double le_f64(std::span<const uint8_t> b, size_t at) { return std::bit_cast<double>(le_u64(b, at)); }

MstockDepthEntry depth_entry(std::span<const uint8_t> b, size_t at) {
  MstockDepthEntry e;
  e.flag = le_i16(b, at);
  e.quantity = le_i64(b, at + 2);
  e.price = le_i64(b, at + 10);
  e.orders = le_i16(b, at + 18);
  return e;
}

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

size_t packet_size(MstockMode mode) {
  switch (mode) {
    case MstockMode::kLtp: return kLtpPacketSize;
    case MstockMode::kQuote: return kQuotePacketSize;
    case MstockMode::kSnap: return kSnapPacketSize;
  }
  return 0;
}

core::Status bad_frame_status(std::span<const uint8_t> frame) {
  std::string detail = "frame of " + std::to_string(frame.size()) + " bytes";
  if (frame.size() >= kBatchHeaderSize) {
    detail += " (header count " + std::to_string(frame[0] | (frame[1] << 8)) + ", size " +
              std::to_string(frame[2] | (frame[3] << 8)) + ")";
  }
  detail += " is neither a 51/123/379-byte packet nor a batch header with whole packets";
  return reject(MstockRejectReason::kBadFrame, detail);
}

core::Result<MstockPacket> decode_packet(std::span<const uint8_t> b) {
  MstockPacket p;
  switch (b.size()) {
    case kLtpPacketSize: p.mode = MstockMode::kLtp; break;
    case kQuotePacketSize: p.mode = MstockMode::kQuote; break;
    case kSnapPacketSize: p.mode = MstockMode::kSnap; break;
    default:
      return reject(MstockRejectReason::kBadFrame, "packet of " + std::to_string(b.size()) + " bytes");
  }
  if (b[offset::kMode] != static_cast<uint8_t>(p.mode)) {
    return reject(MstockRejectReason::kBadPacket, "mode byte " + std::to_string(b[offset::kMode]) +
                                                       " in a " + std::to_string(b.size()) + "-byte packet");
  }
  p.exchange_type = b[offset::kExchangeType];
  size_t len = 0;
  while (len < kTokenSize && b[offset::kToken + len] != 0) ++len;
  for (size_t i = len; i < kTokenSize; ++i) {
    if (b[offset::kToken + i] != 0) return reject(MstockRejectReason::kBadPacket, "token is not NUL-padded");
  }
  std::memcpy(p.token.data(), b.data() + offset::kToken, len);
  p.token_length = len;
  if (!is_digits(p.token_view())) return reject(MstockRejectReason::kBadPacket, "token is not a number");
  p.sequence = le_i64(b, offset::kSequence);
  p.exchange_timestamp = le_i64(b, offset::kExchangeTimestamp);
  p.last_price = le_i64(b, offset::kLtp);
  if (p.mode == MstockMode::kLtp) return p;
  p.last_quantity = le_i64(b, offset::kLastQuantity);
  p.average_price = le_i64(b, offset::kAveragePrice);
  p.volume = le_i64(b, offset::kVolume);
  p.total_buy_quantity = le_f64(b, offset::kTotalBuyQuantity);
  p.total_sell_quantity = le_f64(b, offset::kTotalSellQuantity);
  p.open = le_i64(b, offset::kOpen);
  p.high = le_i64(b, offset::kHigh);
  p.low = le_i64(b, offset::kLow);
  p.close = le_i64(b, offset::kClose);
  if (p.mode == MstockMode::kQuote) return p;
  p.last_trade_timestamp = le_i64(b, offset::kLastTradeTimestamp);
  p.open_interest = le_i64(b, offset::kOpenInterest);
  p.open_interest_change = le_f64(b, offset::kOpenInterestChange);
  for (size_t i = 0; i < kDepthLevels; ++i) {
    p.bids[i] = depth_entry(b, offset::kDepth + i * offset::kDepthEntrySize);
    p.asks[i] = depth_entry(b, offset::kDepth + (kDepthLevels + i) * offset::kDepthEntrySize);
  }
  p.upper_circuit = le_i64(b, offset::kUpperCircuit);
  p.lower_circuit = le_i64(b, offset::kLowerCircuit);
  p.high_52_week = le_i64(b, offset::kHigh52Week);
  p.low_52_week = le_i64(b, offset::kLow52Week);
  return p;
}

MstockText parse_text(std::string_view text) {
  MstockText out;
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded() && j.is_object()) {
    auto status = j.find("order_status");
    auto type = j.find("type");
    if (status != j.end() && status->is_string()) {
      const std::string& s = status->get_ref<const std::string&>();
      auto data = j.find("orderData");
      if ((s == "order" || s == "trade") && data != j.end()) {
        out.type = s == "order" ? MstockTextType::kOrderUpdate : MstockTextType::kTradeUpdate;
        out.data = data->dump();
        return out;
      }
    }
    if (type != j.end() && type->is_string() && type->get_ref<const std::string&>() == "error") {
      out.type = MstockTextType::kError;
      auto data = j.find("data");
      out.data = data == j.end() ? std::string() : (data->is_string() ? data->get<std::string>() : data->dump());
      return out;
    }
  }
  out.data = std::string(text);
  return out;
}

core::Result<std::string> build_login(std::string_view jwt) {
  if (jwt.empty()) return core::error(core::ErrorCode::kInvalidArgument, "mstock LOGIN: empty jwt");
  std::string s = "LOGIN:";
  s += jwt;
  return s;
}

core::Result<std::string> build_subscribe(MstockAction action, MstockMode mode, MstockExchangeType exchange,
                                          std::span<const std::string> tokens, std::string_view correlation_id) {
  if (tokens.empty()) return core::error(core::ErrorCode::kInvalidArgument, "mstock subscribe: no tokens");
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const std::string& t : tokens) {
    if (!is_digits(t) || t.size() > kTokenSize) {
      return core::error(core::ErrorCode::kInvalidArgument, "mstock subscribe: bad token '" + t + "'");
    }
    list.push_back(t);
  }
  nlohmann::ordered_json j;
  if (!correlation_id.empty()) j["correlationID"] = std::string(correlation_id);
  j["action"] = static_cast<int>(action);
  j["params"]["mode"] = static_cast<int>(mode);
  nlohmann::ordered_json entry;
  entry["exchangeType"] = static_cast<int>(exchange);
  entry["tokens"] = std::move(list);
  j["params"]["tokenList"] = nlohmann::ordered_json::array({std::move(entry)});
  return j.dump();
}

}  // namespace nifty::feed::mstock
