// Tests of the Kite ticker parser. Expected values come from ../shared/design/broker-protocols.md
// section 6 (the public sample frames and the values their sources list), or are hand-built from
// the documented offsets of sections 1.5 and 1.6; none is computed by the code under test.
#include "feed/kite/kite_parse.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "feed/kite/kite_errors.h"
#include "feed/kite/kite_messages.h"
#include "feed/kite/kite_symbols.h"
#include "model/instrument.h"

namespace nifty::feed::kite {
namespace {

using core::ErrorCode;
using core::Timestamp;
using Bytes = std::vector<uint8_t>;

// --- Sample frames from broker-protocols.md section 6 ------------------------------------------
// V1: 2 full packets (INFY, TCS), 374 bytes.
constexpr std::string_view kV1Hex =
    "000200b800063a010001fb71000000020001f805005c8e0b0005f3e50006423d0001f6260001fe1e0001f23e0001f0ea"
    "6021072700000000000000000000000060210727000008320001fb6c000a0000000000060001fb620002000000000087"
    "0001fb5800050000000000010001fb5300010000000000370001fb4e000200000000014f0001fb710007000000000001"
    "0001fb76000100000000002d0001fb9400020000000000780001fb9900020000000000e90001fb9e0003000000b8002d"
    "10010004e5ac000000940004dd700022828300023cd6000239d40004dde60004ec280004d07b0004d193602107260000"
    "0000000000000000000060210726000000010004e5ca000100000000012c0004e5ac000100000000008a0004e59d0001"
    "00000000001f0004e59300010000000000340004e58900010000000000100004e5e300020000000000230004e5ed0001"
    "00000000002f0004e5f2000200000000001e0004e5f7000300000000029e0004e5fc00010000";
// V2: a single full INFY packet, 184 bytes, no frame header.
constexpr std::string_view kV2Hex =
    "00063a01000266ba000000070002656d001232170003e9bb00058a01000264f30002673c000261c90002646c60e2947f"
    "00000000000000000000000060e2947f000000050002669c000100000000008c00026674000200000000000200026"
    "66f00010000000000db0002666a00070000000000320002666500010000000000ac000266ba000300000000002c0002"
    "66bf000300000000012e000266c9000300000000008d000266ce00020000000002d4000266d300050000";
// V3: a single quote INFY packet, 44 bytes.
constexpr std::string_view kV3Hex =
    "00063a010002668300000001000265690011f1b20003e9ff00058037000264f30002673c000261c90002646c";

Bytes from_hex(std::string_view hex) {
  Bytes out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

// Builds a packet of `size` bytes field by field at documented offsets.
struct PacketBuilder {
  explicit PacketBuilder(size_t size) : bytes(size, 0) {}
  PacketBuilder& u32(size_t off, uint32_t v) {
    bytes.at(off) = static_cast<uint8_t>(v >> 24);
    bytes.at(off + 1) = static_cast<uint8_t>(v >> 16);
    bytes.at(off + 2) = static_cast<uint8_t>(v >> 8);
    bytes.at(off + 3) = static_cast<uint8_t>(v);
    return *this;
  }
  PacketBuilder& i32(size_t off, int32_t v) { return u32(off, static_cast<uint32_t>(v)); }
  PacketBuilder& u16(size_t off, uint16_t v) {
    bytes.at(off) = static_cast<uint8_t>(v >> 8);
    bytes.at(off + 1) = static_cast<uint8_t>(v);
    return *this;
  }
  Bytes bytes;
};

// count (2 bytes BE), then (length, packet) per packet.
Bytes frame_of(const std::vector<Bytes>& packets) {
  Bytes f{static_cast<uint8_t>(packets.size() >> 8), static_cast<uint8_t>(packets.size())};
  for (const Bytes& p : packets) {
    f.push_back(static_cast<uint8_t>(p.size() >> 8));
    f.push_back(static_cast<uint8_t>(p.size()));
    f.insert(f.end(), p.begin(), p.end());
  }
  return f;
}

constexpr uint32_t kInfy = 408065;      // 1594 * 256 + 1
constexpr uint32_t kTcs = 2953217;      // 11536 * 256 + 1
constexpr uint32_t kNifty = 256265;     // 1001 * 256 + 9
constexpr uint32_t kUsdInr = 259;       // synthetic CDS token: 1 * 256 + 3
constexpr uint32_t kBseStock = 500228;  // synthetic BSE token: 1954 * 256 + 4

const Symbols& test_symbols() {
  static const Symbols symbols = [] {
    auto u = model::Universe::parse_csv(
        "symbol,nse_token,kite_token\nINFY,1594,408065\nTCS,11536,2953217\nUSDINR,1,259\nBSESTOCK,1954,500228\n",
        "test");
    EXPECT_TRUE(u.is_ok()) << u.status().to_string();
    auto s = Symbols::create(u.value());
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return std::move(s).value();
  }();
  return symbols;
}

const Timestamp kReceive = Timestamp::from_seconds(1'700'000'000) + 123'456'789;

core::Result<ParseResult> parse(const Bytes& frame, std::vector<model::Tick>& out) {
  return parse_frame(frame, kReceive, test_symbols(), out);
}

int64_t paise(const model::Price& p) { return p.paise(); }

// --- V1 ------------------------------------------------------------------------------------------

TEST(KiteParse, SampleFrameV1GivesTheDocumentedTicks) {
  Bytes v1 = from_hex(kV1Hex);
  ASSERT_EQ(v1.size(), 374u);
  std::vector<model::Tick> ticks;
  auto r = parse(v1, ticks);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->ticks, 2u);
  EXPECT_EQ(r->skipped, 0u);
  EXPECT_EQ(r->unknown_tokens, 0u);
  EXPECT_FALSE(r->heartbeat);
  ASSERT_EQ(ticks.size(), 2u);

  const model::Tick& infy = ticks[0];
  EXPECT_EQ(infy.token, kInfy);
  EXPECT_EQ(infy.symbol.view(), "INFY");
  EXPECT_EQ(infy.exchange, model::Exchange::kNse);
  EXPECT_EQ(paise(infy.last_price), 129905);  // 1299.05
  EXPECT_EQ(infy.last_quantity, 2);
  EXPECT_EQ(infy.cumulative_volume, 6065675);
  EXPECT_EQ(paise(infy.bid), 129900);  // best bid 1299.00
  EXPECT_EQ(paise(infy.ask), 129905);  // best ask 1299.05
  // 1612777255 = 2021-02-08 15:10:55 IST = 09:40:55 UTC.
  EXPECT_EQ(infy.exchange_time, Timestamp::from_seconds(1612777255));
  EXPECT_EQ(infy.exchange_time.to_iso_ist(), "2021-02-08T15:10:55+05:30");
  EXPECT_EQ(infy.receive_time, kReceive);
  EXPECT_EQ(infy.sequence, 0u);

  const model::Tick& tcs = ticks[1];
  EXPECT_EQ(tcs.token, kTcs);
  EXPECT_EQ(tcs.symbol.view(), "TCS");
  EXPECT_EQ(paise(tcs.last_price), 320940);  // 3209.40
  EXPECT_EQ(tcs.last_quantity, 148);
  EXPECT_EQ(tcs.cumulative_volume, 2261635);
  EXPECT_EQ(tcs.exchange_time, Timestamp::from_seconds(1612777254));
  // Decoded by hand from the hex: TCS's packet starts at byte 190; its first bid entry (byte 64 of
  // the packet) is 00000001 0004e5ca 0001 0000 -> price 0x4e5ca = 320970; its first ask (byte 124)
  // is 00000010 0004e5e3 0002 0000 -> price 0x4e5e3 = 320995.
  EXPECT_EQ(paise(tcs.bid), 320970);
  EXPECT_EQ(paise(tcs.ask), 320995);
}

TEST(KitePacket, SampleFrameV1DecodesEveryDocumentedField) {
  Bytes v1 = from_hex(kV1Hex);
  // The INFY packet: after the 2-byte count and its 2-byte length.
  Packet p;
  ASSERT_TRUE(decode_packet(std::span<const uint8_t>(v1).subspan(4, 184), p));
  EXPECT_EQ(p.kind, PacketKind::kFull);
  EXPECT_EQ(p.token, kInfy);
  EXPECT_EQ(p.last_price, 129905);
  EXPECT_EQ(p.last_quantity, 2u);
  EXPECT_EQ(p.average_price, 129029);
  EXPECT_EQ(p.volume, 6065675u);
  EXPECT_EQ(p.buy_quantity, 390117u);
  EXPECT_EQ(p.sell_quantity, 410173u);
  EXPECT_EQ(p.open, 128550);
  EXPECT_EQ(p.high, 130590);
  EXPECT_EQ(p.low, 127550);
  EXPECT_EQ(p.close, 127210);
  EXPECT_EQ(p.last_trade_time, 1612777255u);
  EXPECT_EQ(p.exchange_time, 1612777255u);
  EXPECT_EQ(p.open_interest, 0u);
  struct Level {
    int32_t price;
    uint32_t quantity;
    uint16_t orders;
  };
  const Level bids[5] = {{129900, 2098, 10}, {129890, 6, 2}, {129880, 135, 5}, {129875, 1, 1}, {129870, 55, 2}};
  const Level asks[5] = {{129905, 335, 7}, {129910, 1, 1}, {129940, 45, 2}, {129945, 120, 2}, {129950, 233, 3}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(p.bids[i].price, bids[i].price) << "bid " << i;
    EXPECT_EQ(p.bids[i].quantity, bids[i].quantity) << "bid " << i;
    EXPECT_EQ(p.bids[i].orders, bids[i].orders) << "bid " << i;
    EXPECT_EQ(p.asks[i].price, asks[i].price) << "ask " << i;
    EXPECT_EQ(p.asks[i].quantity, asks[i].quantity) << "ask " << i;
    EXPECT_EQ(p.asks[i].orders, asks[i].orders) << "ask " << i;
  }
}

TEST(KiteParse, SampleFullPacketV2WrappedAsAFrame) {
  Bytes v2 = from_hex(kV2Hex);
  ASSERT_EQ(v2.size(), 184u);
  std::vector<model::Tick> ticks;
  auto r = parse(frame_of({v2}), ticks);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].symbol.view(), "INFY");
  EXPECT_EQ(paise(ticks[0].last_price), 157370);
  EXPECT_EQ(ticks[0].last_quantity, 7);
  EXPECT_EQ(ticks[0].cumulative_volume, 1192471);
  EXPECT_EQ(paise(ticks[0].bid), 157340);
  EXPECT_EQ(paise(ticks[0].ask), 157370);
  EXPECT_EQ(ticks[0].exchange_time, Timestamp::from_seconds(1625461887));  // 2021-07-05 10:41:27 IST
  EXPECT_EQ(ticks[0].exchange_time.to_iso_ist(), "2021-07-05T10:41:27+05:30");
  Packet p;
  ASSERT_TRUE(decode_packet(v2, p));
  EXPECT_EQ(p.average_price, 157037);
  EXPECT_EQ(p.buy_quantity, 256443u);
  EXPECT_EQ(p.sell_quantity, 363009u);
  EXPECT_EQ(p.open, 156915);
  EXPECT_EQ(p.high, 157500);
  EXPECT_EQ(p.low, 156105);
  EXPECT_EQ(p.close, 156780);
  EXPECT_EQ(p.bids[0].quantity, 5u);
  EXPECT_EQ(p.bids[0].orders, 1u);
  EXPECT_EQ(p.asks[0].quantity, 172u);
  EXPECT_EQ(p.asks[0].orders, 3u);
}

TEST(KiteParse, SampleQuotePacketV3HasNoTimeSoUsesReceiveTime) {
  Bytes v3 = from_hex(kV3Hex);
  ASSERT_EQ(v3.size(), 44u);
  std::vector<model::Tick> ticks;
  auto r = parse(frame_of({v3}), ticks);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(paise(ticks[0].last_price), 157315);
  EXPECT_EQ(ticks[0].last_quantity, 1);
  EXPECT_EQ(ticks[0].cumulative_volume, 1175986);
  EXPECT_EQ(paise(ticks[0].bid), 0);
  EXPECT_EQ(paise(ticks[0].ask), 0);
  EXPECT_EQ(ticks[0].exchange_time, kReceive);
  Packet p;
  ASSERT_TRUE(decode_packet(v3, p));
  EXPECT_EQ(p.kind, PacketKind::kQuote);
  EXPECT_EQ(p.average_price, 157033);
  EXPECT_EQ(p.buy_quantity, 256511u);
  EXPECT_EQ(p.sell_quantity, 360503u);
  EXPECT_EQ(p.open, 156915);
  EXPECT_EQ(p.close, 156780);
}

// --- Hand-built packets of each size --------------------------------------------------------------

TEST(KiteParse, LtpPacketGivesPriceOnly) {
  Bytes ltp = PacketBuilder(8).u32(0, kTcs).i32(4, 345678).bytes;
  std::vector<model::Tick> ticks;
  auto r = parse(frame_of({ltp}), ticks);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].symbol.view(), "TCS");
  EXPECT_EQ(paise(ticks[0].last_price), 345678);
  EXPECT_EQ(ticks[0].cumulative_volume, 0);
  EXPECT_EQ(ticks[0].last_quantity, 0);
  EXPECT_EQ(ticks[0].exchange_time, kReceive);
}

TEST(KiteParse, QuotePacketGivesPriceQuantityAndVolume) {
  Bytes quote = PacketBuilder(44)
                    .u32(0, kInfy).i32(4, 150005).u32(8, 25).i32(12, 149990).u32(16, 987654)
                    .u32(20, 1111).u32(24, 2222).i32(28, 149000).i32(32, 151000).i32(36, 148500).i32(40, 149500)
                    .bytes;
  std::vector<model::Tick> ticks;
  auto r = parse(frame_of({quote}), ticks);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(paise(ticks[0].last_price), 150005);
  EXPECT_EQ(ticks[0].last_quantity, 25);
  EXPECT_EQ(ticks[0].cumulative_volume, 987654);
  EXPECT_EQ(ticks[0].exchange_time, kReceive);
  Packet p;
  ASSERT_TRUE(decode_packet(quote, p));
  EXPECT_EQ(p.open, 149000);
  EXPECT_EQ(p.high, 151000);
  EXPECT_EQ(p.low, 148500);
  EXPECT_EQ(p.close, 149500);
}

PacketBuilder full_packet(uint32_t token, uint32_t last_trade_time, uint32_t exchange_time) {
  PacketBuilder b(184);
  b.u32(0, token).i32(4, 250010).u32(8, 3).i32(12, 249000).u32(16, 4'000'000'000u)  // unsigned volume > 2^31
      .u32(44, last_trade_time).u32(48, 777).u32(60, exchange_time);
  for (int i = 0; i < 5; ++i) {
    size_t bid = 64 + 12 * i, ask = 124 + 12 * i;
    b.u32(bid, 100 + i).i32(bid + 4, 250000 - 5 * i).u16(bid + 8, static_cast<uint16_t>(16 + i)).u16(bid + 10, 0xffff);
    b.u32(ask, 200 + i).i32(ask + 4, 250020 + 5 * i).u16(ask + 8, static_cast<uint16_t>(30 + i)).u16(ask + 10, 0xffff);
  }
  return b;
}

TEST(KiteParse, FullPacketGivesBestDepthAndExchangeTime) {
  Bytes full = full_packet(kInfy, 1700000100, 1700000101).bytes;
  std::vector<model::Tick> ticks;
  auto r = parse(frame_of({full}), ticks);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(paise(ticks[0].last_price), 250010);
  EXPECT_EQ(ticks[0].last_quantity, 3);
  EXPECT_EQ(ticks[0].cumulative_volume, 4'000'000'000LL);
  EXPECT_EQ(paise(ticks[0].bid), 250000);
  EXPECT_EQ(paise(ticks[0].ask), 250020);
  EXPECT_EQ(ticks[0].exchange_time, Timestamp::from_seconds(1700000101));
}

TEST(KitePacket, DepthOrdersAreTwoBytesFollowedByPadding) {
  // Padding bytes set to ff: a parser reading orders as int32 would see 16 << 16 | 0xffff.
  Bytes full = full_packet(kInfy, 1, 2).bytes;
  Packet p;
  ASSERT_TRUE(decode_packet(full, p));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(p.bids[i].orders, 16 + i);
    EXPECT_EQ(p.bids[i].quantity, 100u + i);
    EXPECT_EQ(p.bids[i].price, 250000 - 5 * i);
    EXPECT_EQ(p.asks[i].orders, 30 + i);
    EXPECT_EQ(p.asks[i].quantity, 200u + i);
    EXPECT_EQ(p.asks[i].price, 250020 + 5 * i);
  }
  EXPECT_EQ(p.open_interest, 777u);
}

TEST(KiteParse, FullPacketWithoutExchangeTimeFallsBackToLastTradeTimeThenReceiveTime) {
  std::vector<model::Tick> ticks;
  ASSERT_TRUE(parse(frame_of({full_packet(kInfy, 1700000100, 0).bytes}), ticks).is_ok());
  ASSERT_TRUE(parse(frame_of({full_packet(kInfy, 0, 0).bytes}), ticks).is_ok());
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].exchange_time, Timestamp::from_seconds(1700000100));
  EXPECT_EQ(ticks[1].exchange_time, kReceive);
}

TEST(KiteParse, IndexPacketsUseTheirOwnFieldOrder) {
  // Index quote: token, LTP, then H, L, O, C, change (section 1.6).
  Bytes quote = PacketBuilder(28).u32(0, kNifty).i32(4, 2245010).i32(8, 2250000).i32(12, 2230000)
                    .i32(16, 2240000).i32(20, 2235000).i32(24, 10010).bytes;
  Bytes full = PacketBuilder(32).u32(0, kNifty).i32(4, 2245510).i32(8, 2250000).i32(12, 2230000)
                   .i32(16, 2240000).i32(20, 2235000).i32(24, 10510).u32(28, 1700000200).bytes;
  std::vector<model::Tick> ticks;
  auto r = parse(frame_of({quote, full}), ticks);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].symbol.view(), "NIFTY 50");
  EXPECT_EQ(ticks[0].token, kNifty);
  EXPECT_EQ(paise(ticks[0].last_price), 2245010);
  EXPECT_EQ(ticks[0].cumulative_volume, 0);  // not the "low" at bytes 12-16
  EXPECT_EQ(ticks[0].last_quantity, 0);      // not the "high" at bytes 8-12
  EXPECT_EQ(ticks[0].exchange_time, kReceive);
  EXPECT_EQ(paise(ticks[1].last_price), 2245510);
  EXPECT_EQ(ticks[1].exchange_time, Timestamp::from_seconds(1700000200));
  EXPECT_EQ(paise(ticks[1].bid), 0);

  Packet p;
  ASSERT_TRUE(decode_packet(full, p));
  EXPECT_EQ(p.kind, PacketKind::kIndexFull);
  EXPECT_EQ(p.high, 2250000);
  EXPECT_EQ(p.low, 2230000);
  EXPECT_EQ(p.open, 2240000);
  EXPECT_EQ(p.close, 2235000);
  EXPECT_EQ(p.change, 10510);
  EXPECT_EQ(p.exchange_time, 1700000200u);
  ASSERT_TRUE(decode_packet(quote, p));
  EXPECT_EQ(p.kind, PacketKind::kIndexQuote);
  EXPECT_EQ(p.exchange_time, 0u);
}

TEST(KiteParse, MixedModesInOneFrame) {
  Bytes frame = frame_of({PacketBuilder(8).u32(0, kNifty).i32(4, 2200000).bytes, from_hex(kV3Hex),
                          full_packet(kTcs, 5, 6).bytes});
  std::vector<model::Tick> ticks;
  auto r = parse(frame, ticks);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->ticks, 3u);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[0].symbol.view(), "NIFTY 50");
  EXPECT_EQ(ticks[1].symbol.view(), "INFY");
  EXPECT_EQ(ticks[2].symbol.view(), "TCS");
}

TEST(KiteParse, CurrencyAndBseSegmentsScaleAndLabelByTokenLowByte) {
  // CDS: rupees * 10^7. 74.5612500 rupees = 745612500 -> 7456.125 paise -> 7456.
  Bytes cds = PacketBuilder(8).u32(0, kUsdInr).i32(4, 745612500).bytes;
  // BSE: divisor 100 like NSE; the tick is labelled BSE.
  Bytes bse = PacketBuilder(8).u32(0, kBseStock).i32(4, 123455).bytes;
  std::vector<model::Tick> ticks;
  ASSERT_TRUE(parse(frame_of({cds, bse}), ticks).is_ok());
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(paise(ticks[0].last_price), 7456);
  EXPECT_EQ(paise(ticks[1].last_price), 123455);
  EXPECT_EQ(ticks[1].exchange, model::Exchange::kBse);
  // Rounding halves away from zero: 74.5650000 -> 7456.5 -> 7457; BCD 74.5650 (745650) -> 7457.
  EXPECT_EQ(paise(price_from_wire(745650000, Segment::kCds)), 7457);
  EXPECT_EQ(paise(price_from_wire(745649999, Segment::kCds)), 7456);
  EXPECT_EQ(paise(price_from_wire(745650, Segment::kBcd)), 7457);
  EXPECT_EQ(paise(price_from_wire(-745650, Segment::kBcd)), -7457);
  EXPECT_EQ(paise(price_from_wire(129905, Segment::kNse)), 129905);
  EXPECT_EQ(paise(price_from_wire(2245010, Segment::kIndices)), 2245010);
}

TEST(KiteParse, NegativeWirePriceIsReadSigned) {
  Bytes ltp = PacketBuilder(8).u32(0, kInfy).i32(4, -5).bytes;
  std::vector<model::Tick> ticks;
  ASSERT_TRUE(parse(frame_of({ltp}), ticks).is_ok());
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(paise(ticks[0].last_price), -5);  // TickNormalizer rejects it as bad_price
}

// --- Heartbeats, unknown sizes and tokens ---------------------------------------------------------

TEST(KiteParse, OneByteFrameIsAHeartbeat) {
  std::vector<model::Tick> ticks;
  for (uint8_t b : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0xff}}) {
    auto r = parse(Bytes{b}, ticks);
    ASSERT_TRUE(r.is_ok());
    EXPECT_TRUE(r->heartbeat);
    EXPECT_EQ(r->ticks, 0u);
  }
  EXPECT_TRUE(ticks.empty());
}

TEST(KiteParse, EmptyFrameIsAnErrorAndZeroPacketFrameIsEmpty) {
  std::vector<model::Tick> ticks;
  auto empty = parse(Bytes{}, ticks);
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kParseError);
  auto zero = parse(Bytes{0, 0}, ticks);
  ASSERT_TRUE(zero.is_ok());
  EXPECT_EQ(zero->ticks, 0u);
  EXPECT_FALSE(zero->heartbeat);
}

TEST(KiteParse, UnknownPacketSizesAreSkippedAndCounted) {
  Bytes frame = frame_of({Bytes{}, Bytes(7, 0x11), PacketBuilder(8).u32(0, kInfy).i32(4, 100).bytes, Bytes(164, 0x22),
                          Bytes(185, 0x33)});
  std::vector<model::Tick> ticks;
  auto r = parse(frame, ticks);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->skipped, 4u);
  EXPECT_EQ(r->ticks, 1u);
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(paise(ticks[0].last_price), 100);
}

TEST(KiteParse, UnknownTokenIsCountedAndNotEmitted) {
  Bytes frame = frame_of({PacketBuilder(8).u32(0, 12345601).i32(4, 100).bytes, PacketBuilder(8).u32(0, kTcs).i32(4, 200).bytes});
  std::vector<model::Tick> ticks;
  auto r = parse(frame, ticks);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->unknown_tokens, 1u);
  EXPECT_EQ(r->ticks, 1u);
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].symbol.view(), "TCS");
}

// --- Truncation and garbage -----------------------------------------------------------------------

TEST(KiteParse, V1TruncatedAtEveryByteIsAnErrorWithNoTicks) {
  const Bytes v1 = from_hex(kV1Hex);
  for (size_t n = 0; n < v1.size(); ++n) {
    Bytes cut(v1.begin(), v1.begin() + static_cast<std::ptrdiff_t>(n));  // exact-size copy: ASan sees overreads
    std::vector<model::Tick> ticks;
    auto r = parse(cut, ticks);
    if (n == 1) {
      ASSERT_TRUE(r.is_ok());
      EXPECT_TRUE(r->heartbeat);  // a 1-byte frame is a heartbeat whatever it holds
    } else {
      ASSERT_FALSE(r.is_ok()) << "prefix of " << n << " bytes";
      EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
    }
    EXPECT_TRUE(ticks.empty()) << "prefix of " << n << " bytes";
  }
}

TEST(KiteParse, TruncationErrorNamesThePacketAndByte) {
  Bytes v1 = from_hex(kV1Hex);
  v1.resize(300);  // inside TCS's packet, whose length field is at byte 188
  std::vector<model::Tick> ticks;
  auto r = parse(v1, ticks);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            "kite frame: packet 1 of 2 at byte 188: frame truncated: packet length 184 but 110 byte(s) left");
}

TEST(KiteParse, TrailingBytesAreAnError) {
  Bytes v1 = from_hex(kV1Hex);
  v1.push_back(0);
  std::vector<model::Tick> ticks;
  auto r = parse(v1, ticks);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
  EXPECT_TRUE(ticks.empty());
}

TEST(KiteParse, RandomGarbageNeverCrashes) {
  std::mt19937 rng(20240601);
  const Bytes v1 = from_hex(kV1Hex);
  size_t errors = 0, oks = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes frame;
    if (iter % 2 == 0) {
      frame.resize(rng() % 600);
      for (uint8_t& b : frame) b = static_cast<uint8_t>(rng());
    } else {  // V1 with a few bytes flipped and maybe cut
      frame = v1;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) frame[rng() % frame.size()] = static_cast<uint8_t>(rng());
      if (rng() % 3 == 0) frame.resize(rng() % frame.size());
    }
    std::vector<model::Tick> ticks;
    auto r = parse(frame, ticks);
    if (r.is_ok()) {
      ++oks;
      EXPECT_EQ(ticks.size(), r->ticks);
    } else {
      ++errors;
      EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
      EXPECT_TRUE(ticks.empty());
    }
  }
  EXPECT_GT(errors, 0u);
  EXPECT_GT(oks, 0u);  // flips inside packet bodies leave the structure intact
}

// --- Text messages ---------------------------------------------------------------------------------

TEST(KiteText, ErrorOrderAndMessageKinds) {
  auto e = parse_text(R"({"type":"error","id":"","data":"error parsing request"})");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->kind, TextKind::kError);
  EXPECT_EQ(e->text, "error parsing request");

  auto o = parse_text(R"({"type":"order","data":{"order_id":"151220000000000","status":"COMPLETE"}})");
  ASSERT_TRUE(o.is_ok());
  EXPECT_EQ(o->kind, TextKind::kOrder);
  EXPECT_EQ(o->text, R"({"order_id":"151220000000000","status":"COMPLETE"})");

  auto m = parse_text(R"({"type":"message","data":"Exchange maintenance at 18:00"})");
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m->kind, TextKind::kMessage);
  EXPECT_EQ(m->text, "Exchange maintenance at 18:00");

  auto meta = parse_text(R"({"type":"instruments_meta","data":{"count":1,"etag":"x"}})");
  ASSERT_TRUE(meta.is_ok());
  EXPECT_EQ(meta->kind, TextKind::kOther);
  EXPECT_EQ(meta->type, "instruments_meta");
  auto app = parse_text(R"({"type":"app_code","timestamp":"2024-01-01T09:00:00+05:30"})");
  ASSERT_TRUE(app.is_ok());
  EXPECT_EQ(app->kind, TextKind::kOther);
  EXPECT_EQ(app->text, "");
}

TEST(KiteText, MalformedTextIsAParseError) {
  for (std::string_view bad : {"", "not json", "[1,2]", R"({"data":"x"})", R"({"type":5})", "{\"type\":\"err"}) {
    auto r = parse_text(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kParseError) << bad;
  }
}

TEST(KiteText, InvalidUtf8InsideDataDoesNotThrow) {
  std::string text = "{\"type\":\"order\",\"data\":{\"k\":\"\xff\xfe\"}}";
  auto r = parse_text(text);  // the JSON parser rejects invalid UTF-8 in strings
  EXPECT_FALSE(r.is_ok());
}

// --- Requests --------------------------------------------------------------------------------------

TEST(KiteMessages, RequestsUseNumericTokensAsDocumented) {
  const std::vector<uint32_t> tokens{408065, 2953217};
  EXPECT_EQ(subscribe_message(tokens), R"({"a":"subscribe","v":[408065,2953217]})");
  EXPECT_EQ(unsubscribe_message(std::vector<uint32_t>{256265}), R"({"a":"unsubscribe","v":[256265]})");
  EXPECT_EQ(mode_message(Mode::kFull, tokens), R"({"a":"mode","v":["full",[408065,2953217]]})");
  EXPECT_EQ(mode_message(Mode::kLtp, {}), R"({"a":"mode","v":["ltp",[]]})");
  EXPECT_EQ(mode_message(Mode::kQuote, tokens), R"({"a":"mode","v":["quote",[408065,2953217]]})");
}

// --- Symbols ----------------------------------------------------------------------------------------

TEST(KiteSymbols, BothDirectionsFromTheRealUniverse) {
  auto u = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
  ASSERT_TRUE(u.is_ok()) << u.status().to_string();
  auto s = Symbols::create(u.value());
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(s->size(), u->size());
  ASSERT_NE(s->symbol_of(kInfy), nullptr);
  EXPECT_EQ(s->symbol_of(kInfy)->view(), "INFY");
  ASSERT_NE(s->symbol_of(kNifty), nullptr);
  EXPECT_EQ(s->symbol_of(kNifty)->view(), "NIFTY 50");
  EXPECT_EQ(s->token_of(model::Symbol("TCS")), std::optional<uint32_t>(kTcs));
  EXPECT_EQ(s->token_of(model::Symbol("NOPE")), std::nullopt);
  EXPECT_EQ(s->symbol_of(1), nullptr);
  EXPECT_TRUE(s->formula_mismatches().empty());  // every NSE equity: kite = nse * 256 + 1
  for (const model::Instrument& ins : u->instruments()) {
    ASSERT_NE(s->symbol_of(ins.kite_token), nullptr) << ins.symbol.view();
    EXPECT_EQ(*s->symbol_of(ins.kite_token), ins.symbol);
    EXPECT_EQ(s->token_of(ins.symbol), std::optional<uint32_t>(ins.kite_token));
  }
  EXPECT_EQ(s->tokens().size(), u->size());
}

TEST(KiteSymbols, TokenFormulaAndMismatches) {
  EXPECT_EQ(instrument_token(1594, Segment::kNse), kInfy);
  EXPECT_EQ(instrument_token(1001, Segment::kIndices), kNifty);
  EXPECT_EQ(segment_of(kNifty), Segment::kIndices);
  EXPECT_EQ(exchange_token_of(kTcs), 11536u);
  // USDINR,1,259 in the test universe is not 1 * 256 + 1: kept as given, reported.
  ASSERT_EQ(test_symbols().formula_mismatches().size(), 2u);
  EXPECT_EQ(test_symbols().formula_mismatches()[0].view(), "USDINR");
  // An equity with kite_token 0 gets the formula's token.
  auto u = model::Universe::parse_csv("symbol,nse_token,kite_token\nSBIN,3045,0\n", "t");
  ASSERT_TRUE(u.is_ok());
  auto s = Symbols::create(u.value());
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->token_of(model::Symbol("SBIN")), std::optional<uint32_t>(3045u * 256 + 1));
}

// --- Errors -----------------------------------------------------------------------------------------

TEST(KiteErrors, ExpiredTokenStopsRetries) {
  core::Status s = upgrade_failure_status(403);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(s.is_retryable());
  EXPECT_NE(s.message().find("nifty login kite"), std::string::npos);
  EXPECT_TRUE(upgrade_failure_status(503).is_retryable());
  EXPECT_TRUE(upgrade_failure_status(429).is_retryable());
  EXPECT_FALSE(server_error_status("error parsing request").is_retryable());
  EXPECT_EQ(server_error_status("error parsing request").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(server_error_status("max tokens exceeded").code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(server_error_status("Invalid access token").code(), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace nifty::feed::kite
