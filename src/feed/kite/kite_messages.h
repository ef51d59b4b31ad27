// Kite ticker (KiteTicker WebSocket v3) wire format: frame and packet sizes, field offsets, segment
// ids, and the client -> server JSON requests. Layouts follow ../shared/design/broker-protocols.md
// section 1 (byte ranges half-open, every packet field big-endian).
// Constants and pure functions only; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace nifty::feed::kite {

// --- Frame -------------------------------------------------------------------------------------
// A binary frame is: uint16 BE packet count N, then N times (uint16 BE length L, L bytes of packet).
// A frame of exactly one byte is a heartbeat.
inline constexpr size_t kHeartbeatFrameSize = 1;
inline constexpr size_t kFrameCountSize = 2;
inline constexpr size_t kPacketLengthSize = 2;

// --- Packet sizes: a packet's kind is decided by its length alone, as the official clients do ---
inline constexpr size_t kLtpPacketSize = 8;          // tradable or index, mode "ltp"
inline constexpr size_t kIndexQuotePacketSize = 28;  // index, mode "quote"
inline constexpr size_t kIndexFullPacketSize = 32;   // index, mode "full"
inline constexpr size_t kQuotePacketSize = 44;       // tradable, mode "quote"
inline constexpr size_t kFullPacketSize = 184;       // tradable, mode "full" (with market depth)

// --- Tradable packet (equity / F&O) offsets; int32 BE unless noted -------------------------------
namespace tradable {
inline constexpr size_t kToken = 0;
inline constexpr size_t kLastPrice = 4;      // the ltp packet ends here
inline constexpr size_t kLastQuantity = 8;
inline constexpr size_t kAveragePrice = 12;
inline constexpr size_t kVolume = 16;        // volume traded today (cumulative)
inline constexpr size_t kBuyQuantity = 20;   // total pending buy quantity
inline constexpr size_t kSellQuantity = 24;  // total pending sell quantity
inline constexpr size_t kOpen = 28;          // O, H, L, C order
inline constexpr size_t kHigh = 32;
inline constexpr size_t kLow = 36;
inline constexpr size_t kClose = 40;         // previous close; the quote packet ends at 44
inline constexpr size_t kLastTradeTime = 44; // epoch seconds
inline constexpr size_t kOpenInterest = 48;
inline constexpr size_t kOpenInterestDayHigh = 52;
inline constexpr size_t kOpenInterestDayLow = 56;
inline constexpr size_t kExchangeTime = 60;  // epoch seconds
inline constexpr size_t kDepth = 64;         // 5 bids then 5 asks, kDepthEntrySize bytes each
inline constexpr size_t kDepthLevels = 5;
inline constexpr size_t kDepthEntrySize = 12;
inline constexpr size_t kBids = kDepth;
inline constexpr size_t kAsks = kDepth + kDepthLevels * kDepthEntrySize;  // 124
// Within a depth entry: quantity int32, price int32, orders **int16**, then 2 bytes of padding.
inline constexpr size_t kDepthQuantity = 0;
inline constexpr size_t kDepthPrice = 4;
inline constexpr size_t kDepthOrders = 8;
inline constexpr size_t kDepthPadding = 10;
static_assert(kAsks + kDepthLevels * kDepthEntrySize == kFullPacketSize);
}  // namespace tradable

// --- Index packet (NIFTY 50, ...) offsets; int32 BE. Careful: H, L, O, C -- not O, H, L, C. -----
namespace index {
inline constexpr size_t kToken = 0;
inline constexpr size_t kLastPrice = 4;  // the ltp packet ends here
inline constexpr size_t kHigh = 8;
inline constexpr size_t kLow = 12;
inline constexpr size_t kOpen = 16;
inline constexpr size_t kClose = 20;
inline constexpr size_t kChange = 24;        // not used by the official clients; the quote packet ends at 28
inline constexpr size_t kExchangeTime = 28;  // epoch seconds; the full packet ends at 32
}  // namespace index

// --- Segments: the low byte of an instrument token ----------------------------------------------
enum class Segment : uint8_t {
  kNse = 1,
  kNfo = 2,
  kCds = 3,  // NSE currency: prices are rupees * 10^7
  kBse = 4,
  kBfo = 5,
  kBcd = 6,  // BSE currency: prices are rupees * 10^4
  kMcx = 7,
  kMcxSx = 8,
  kIndices = 9,
};

constexpr Segment segment_of(uint32_t instrument_token) { return static_cast<Segment>(instrument_token & 0xffu); }
// instrument_token = exchange_token * 256 + segment (a sanity check, not a Zerodha contract).
constexpr uint32_t instrument_token(uint32_t exchange_token, Segment segment) {
  return exchange_token * 256u + static_cast<uint32_t>(segment);
}
constexpr uint32_t exchange_token_of(uint32_t instrument_token) { return instrument_token >> 8; }

// --- Decoded packet: every field of every layout, in wire units (prices as sent, times in epoch
// seconds). For inspection, replay printing and tests; the tick parser reads only what it needs. --
enum class PacketKind : uint8_t { kLtp, kIndexQuote, kIndexFull, kQuote, kFull };

struct DepthLevel {
  uint32_t quantity = 0;
  int32_t price = 0;
  uint16_t orders = 0;
};

struct Packet {
  PacketKind kind = PacketKind::kLtp;
  uint32_t token = 0;
  int32_t last_price = 0;
  uint32_t last_quantity = 0;
  int32_t average_price = 0;
  uint32_t volume = 0;
  uint32_t buy_quantity = 0;
  uint32_t sell_quantity = 0;
  int32_t open = 0;
  int32_t high = 0;
  int32_t low = 0;
  int32_t close = 0;
  int32_t change = 0;  // index packets only
  uint32_t last_trade_time = 0;
  uint32_t open_interest = 0;
  uint32_t open_interest_day_high = 0;
  uint32_t open_interest_day_low = 0;
  uint32_t exchange_time = 0;
  DepthLevel bids[tradable::kDepthLevels];
  DepthLevel asks[tradable::kDepthLevels];
};

// Decodes one packet (without its length prefix). Returns false for a length that is no known
// packet size; never reads outside `packet`.
bool decode_packet(std::span<const uint8_t> packet, Packet& out);

// --- Client -> server requests (JSON text frames, numeric tokens) ----------------------------------
enum class Mode : uint8_t { kLtp, kQuote, kFull };
// "ltp" | "quote" | "full".
std::string_view mode_name(Mode mode);

// {"a":"subscribe","v":[408065,2953217]}
std::string subscribe_message(std::span<const uint32_t> tokens);
// {"a":"unsubscribe","v":[408065]}
std::string unsubscribe_message(std::span<const uint32_t> tokens);
// {"a":"mode","v":["full",[408065,2953217]]}
std::string mode_message(Mode mode, std::span<const uint32_t> tokens);

// Big-endian loads (bounds are the caller's job).
inline uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((static_cast<uint16_t>(p[0]) << 8) | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}
inline int32_t load_be32_signed(const uint8_t* p) { return static_cast<int32_t>(load_be32(p)); }

}  // namespace nifty::feed::kite
