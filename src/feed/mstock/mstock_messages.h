// mStock (Mirae Asset) Type B streaming: wire constants, the decoded packet, the frame splitter,
// the text messages and builders for the client -> server text frames (LOGIN, subscribe).
// See ../shared/design/broker-protocols.md section 2. All binary fields are little-endian.
// Pure functions and value types; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::feed::mstock {

// Subscription mode: byte 0 of a packet and params.mode of a subscribe.
enum class MstockMode : uint8_t { kLtp = 1, kQuote = 2, kSnap = 3 };
// params.tokenList[].exchangeType and byte 1 of a packet.
enum class MstockExchangeType : uint8_t { kNseCm = 1, kNseFo = 2, kBseCm = 3, kBseFo = 4, kNseCd = 13 };
enum class MstockAction : uint8_t { kUnsubscribe = 0, kSubscribe = 1 };

inline constexpr size_t kLtpPacketSize = 51;
inline constexpr size_t kQuotePacketSize = 123;
inline constexpr size_t kSnapPacketSize = 379;
inline constexpr size_t kBatchHeaderSize = 4;  // LE uint16 packet count, LE uint16 packet size
inline constexpr size_t kTokenSize = 25;       // ASCII, NUL-padded
inline constexpr size_t kDepthLevels = 5;
inline constexpr std::string_view kMstockWsUrl = "wss://ws.mstock.trade";

// Byte offsets of the packet fields (section 2.4).
namespace offset {
inline constexpr size_t kMode = 0;
inline constexpr size_t kExchangeType = 1;
inline constexpr size_t kToken = 2;
inline constexpr size_t kSequence = 27;
inline constexpr size_t kExchangeTimestamp = 35;
inline constexpr size_t kLtp = 43;
inline constexpr size_t kLastQuantity = 51;
inline constexpr size_t kAveragePrice = 59;
inline constexpr size_t kVolume = 67;
inline constexpr size_t kTotalBuyQuantity = 75;   // double
inline constexpr size_t kTotalSellQuantity = 83;  // double
inline constexpr size_t kOpen = 91;
inline constexpr size_t kHigh = 99;
inline constexpr size_t kLow = 107;
inline constexpr size_t kClose = 115;
inline constexpr size_t kLastTradeTimestamp = 123;
inline constexpr size_t kOpenInterest = 131;
inline constexpr size_t kOpenInterestChange = 139;  // double per the SDK; openalgo reads int64/100
inline constexpr size_t kDepth = 147;               // 10 entries of 20 bytes: 5 bids, then 5 asks
inline constexpr size_t kDepthEntrySize = 20;       // int16 flag, int64 qty, int64 price, int16 orders
inline constexpr size_t kUpperCircuit = 347;
inline constexpr size_t kLowerCircuit = 355;
inline constexpr size_t kHigh52Week = 363;
inline constexpr size_t kLow52Week = 371;
}  // namespace offset

// The packet size of a mode.
size_t packet_size(MstockMode mode);

struct MstockDepthEntry {
  int16_t flag = 0;       // buy/sell flag
  int64_t quantity = 0;
  int64_t price = 0;      // paise
  int16_t orders = 0;
};

// One packet as sent (raw wire values, prices in paise); fields beyond the packet's mode are 0.
struct MstockPacket {
  MstockMode mode = MstockMode::kLtp;
  uint8_t exchange_type = 0;
  std::array<char, kTokenSize + 1> token{};  // NUL-terminated
  size_t token_length = 0;
  int64_t sequence = 0;
  int64_t exchange_timestamp = 0;  // raw; units UNCONFIRMED (see MstockParser)
  int64_t last_price = 0;
  // Quote and snap.
  int64_t last_quantity = 0;
  int64_t average_price = 0;
  int64_t volume = 0;  // cumulative for the day
  double total_buy_quantity = 0;
  double total_sell_quantity = 0;
  int64_t open = 0, high = 0, low = 0, close = 0;
  // Snap only.
  int64_t last_trade_timestamp = 0;  // raw
  int64_t open_interest = 0;
  double open_interest_change = 0;  // the SDK's reading (double); disputed, unused
  std::array<MstockDepthEntry, kDepthLevels> bids{};
  std::array<MstockDepthEntry, kDepthLevels> asks{};
  int64_t upper_circuit = 0, lower_circuit = 0, high_52_week = 0, low_52_week = 0;

  std::string_view token_view() const { return {token.data(), token_length}; }
};

// Decodes one packet of exactly 51, 123 or 379 bytes. The mode byte must agree with the size and
// the token must be ASCII digits followed only by NULs.
core::Result<MstockPacket> decode_packet(std::span<const uint8_t> bytes);

// Splits a binary frame into packets: a bare 51/123/379-byte packet, or a 4-byte batch header
// (LE uint16 count, LE uint16 size) followed by exactly count packets of that size. (No batch
// frame can be 51, 123 or 379 bytes long, so the two forms never collide.) Calls
// `on_packet(std::span<const uint8_t>)` per packet; returns an error, calling nothing, when
// the frame is neither form.
template <typename OnPacket>
core::Status split_frame(std::span<const uint8_t> frame, OnPacket&& on_packet);

// Text frames (section 2.5).
enum class MstockTextType {
  kOrderUpdate,  // {"order_status":"order","orderData":...}
  kTradeUpdate,  // {"order_status":"trade","orderData":...}
  kError,        // {"type":"error","data":...}
  kOther,        // anything else; the first text frame after LOGIN is the login confirmation
};
struct MstockText {
  MstockTextType type = MstockTextType::kOther;
  std::string data;  // orderData / data as JSON text, or the whole frame for kOther
};
// Classifies a text frame. Never fails: an unrecognised frame is kOther with the text itself.
MstockText parse_text(std::string_view text);

// "LOGIN:<jwt>": the text frame that must follow the connect within 10 s. Errors on an empty jwt.
core::Result<std::string> build_login(std::string_view jwt);
// {"correlationID":...,"action":1,"params":{"mode":3,"tokenList":[{"exchangeType":1,"tokens":["1594"]}]}}
// Tokens must be non-empty digit strings; errors on an empty list.
core::Result<std::string> build_subscribe(MstockAction action, MstockMode mode, MstockExchangeType exchange,
                                          std::span<const std::string> tokens,
                                          std::string_view correlation_id = {});

// --- implementation of the template ---

core::Status bad_frame_status(std::span<const uint8_t> frame);

template <typename OnPacket>
core::Status split_frame(std::span<const uint8_t> frame, OnPacket&& on_packet) {
  size_t n = frame.size();
  if (n == kLtpPacketSize || n == kQuotePacketSize || n == kSnapPacketSize) {
    on_packet(frame);
    return core::Status::ok();
  }
  if (n < kBatchHeaderSize) return bad_frame_status(frame);
  size_t count = static_cast<size_t>(frame[0]) | (static_cast<size_t>(frame[1]) << 8);
  size_t size = static_cast<size_t>(frame[2]) | (static_cast<size_t>(frame[3]) << 8);
  bool size_ok = size == kLtpPacketSize || size == kQuotePacketSize || size == kSnapPacketSize;
  if (!size_ok || count == 0 || n != kBatchHeaderSize + count * size) return bad_frame_status(frame);
  for (size_t i = 0; i < count; ++i) on_packet(frame.subspan(kBatchHeaderSize + i * size, size));
  return core::Status::ok();
}

}  // namespace nifty::feed::mstock
