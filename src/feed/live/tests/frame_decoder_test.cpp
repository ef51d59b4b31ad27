// Tests of FrameDecoder. Expected values come from ../shared/design/broker-protocols.md: the public
// Kite sample frame V1 of section 6 (its listed values), the Noren touchline example of section 3.4
// (values written here by hand), and mStock packets built field by field at the offsets of section
// 2.4. None is computed by the code under test.
#include "feed/live/frame_decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "model/instrument.h"

namespace nifty::feed::live {
namespace {

using core::ErrorCode;
using core::Timestamp;
using Bytes = std::vector<uint8_t>;

// broker-protocols.md section 6, V1: two full packets (INFY, TCS).
constexpr std::string_view kV1Hex =
    "000200b800063a010001fb71000000020001f805005c8e0b0005f3e50006423d0001f6260001fe1e0001f23e0001f0ea"
    "6021072700000000000000000000000060210727000008320001fb6c000a0000000000060001fb620002000000000087"
    "0001fb5800050000000000010001fb5300010000000000370001fb4e000200000000014f0001fb710007000000000001"
    "0001fb76000100000000002d0001fb9400020000000000780001fb9900020000000000e90001fb9e0003000000b8002d"
    "10010004e5ac000000940004dd700022828300023cd6000239d40004dde60004ec280004d07b0004d193602107260000"
    "0000000000000000000060210726000000010004e5ca000100000000012c0004e5ac000100000000008a0004e59d0001"
    "00000000001f0004e59300010000000000340004e58900010000000000100004e5e300020000000000230004e5ed0001"
    "00000000002f0004e5f2000200000000001e0004e5f7000300000000029e0004e5fc00010000";

Bytes from_hex(std::string_view hex) {
  Bytes out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

model::Universe test_universe() {
  auto u = model::Universe::parse_csv("symbol,nse_token,kite_token\nINFY,1594,408065\nTCS,11536,2953217\n"
                                      "RELIANCE,2885,738561\n",
                                      "test");
  EXPECT_TRUE(u.is_ok()) << u.status().to_string();
  return std::move(u).value();
}

std::unique_ptr<FrameDecoder> make(std::string_view vendor, DecoderOptions options = {}) {
  auto d = make_frame_decoder(vendor, test_universe(), options);
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
  return std::move(d).value();
}

const Timestamp kRecv = Timestamp::from_seconds(1612777256);

TEST(FrameDecoder, KiteFullFrameGivesTheDocumentedTicks) {
  auto d = make("kite");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  Bytes frame = from_hex(kV1Hex);
  ASSERT_EQ(frame.size(), 374u);
  auto r = d->decode(FrameKind::kBinary, frame, kRecv, ticks, events);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->ticks, 2u);
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_TRUE(events.empty());
  // INFY: LTP 1299.05, volume 6065675, exchange time 1612777255, best bid 1299.00, best ask 1299.05.
  EXPECT_EQ(ticks[0].symbol.view(), "INFY");
  EXPECT_EQ(ticks[0].last_price.paise(), 129905);
  EXPECT_EQ(ticks[0].cumulative_volume, 6065675);
  EXPECT_EQ(ticks[0].last_quantity, 2);
  EXPECT_EQ(ticks[0].exchange_time, Timestamp::from_seconds(1612777255));
  EXPECT_EQ(ticks[0].receive_time, kRecv);
  EXPECT_EQ(ticks[0].bid.paise(), 129900);
  EXPECT_EQ(ticks[0].ask.paise(), 129905);
  // TCS: LTP 3209.40, LTQ 148, volume 2261635, timestamp 1612777254.
  EXPECT_EQ(ticks[1].symbol.view(), "TCS");
  EXPECT_EQ(ticks[1].last_price.paise(), 320940);
  EXPECT_EQ(ticks[1].last_quantity, 148);
  EXPECT_EQ(ticks[1].cumulative_volume, 2261635);
  EXPECT_EQ(ticks[1].exchange_time, Timestamp::from_seconds(1612777254));
  EXPECT_EQ(d->rejects().total(), 0u);
}

TEST(FrameDecoder, KiteHeartbeatIsNoTickAndNoRejection) {
  auto d = make("kite");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  Bytes hb = {0x00};
  auto r = d->decode(FrameKind::kBinary, hb, kRecv, ticks, events);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->heartbeat);
  EXPECT_TRUE(ticks.empty());
  EXPECT_EQ(d->rejects().total(), 0u);
}

TEST(FrameDecoder, KiteTruncatedFrameIsRejectedWholeAndCounted) {
  auto d = make("kite");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  Bytes frame = from_hex(kV1Hex);
  frame.resize(frame.size() - 10);
  auto r = d->decode(FrameKind::kBinary, frame, kRecv, ticks, events);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
  EXPECT_TRUE(ticks.empty());
  EXPECT_EQ(d->rejects().count("bad_frame"), 1u);
}

TEST(FrameDecoder, KiteFrameOfUnknownTokensOnlyIsRejectedAndCounted) {
  // One LTP packet (8 bytes) for token 999 (not in the universe), LTP 100.00.
  Bytes frame = {0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x03, 0xe7, 0x00, 0x00, 0x27, 0x10};
  auto d = make("kite");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  auto r = d->decode(FrameKind::kBinary, frame, kRecv, ticks, events);
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(ticks.empty());
  EXPECT_EQ(d->rejects().count("unknown_instrument"), 1u);
}

TEST(FrameDecoder, KiteTextFramesBecomeEvents) {
  auto d = make("kite");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(R"({"type":"error","id":"","data":"error parsing request"})"),
                        kRecv, ticks, events)
                  .is_ok());
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(R"({"type":"order","data":{"order_id":"1"}})"), kRecv, ticks,
                        events)
                  .is_ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, FrameEventKind::kServerError);
  EXPECT_EQ(events[0].text, "error parsing request");
  EXPECT_EQ(events[1].kind, FrameEventKind::kOrderUpdate);
  EXPECT_EQ(events[1].text, R"({"order_id":"1"})");
  auto bad = d->decode(FrameKind::kText, text_bytes("not json"), kRecv, ticks, events);
  EXPECT_FALSE(bad.is_ok());
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(d->rejects().count("bad_text"), 1u);
  EXPECT_TRUE(ticks.empty());
}

TEST(FrameDecoder, KiteSteadyStateReusesTheCallersVector) {
  auto d = make("kite");
  std::vector<model::Tick> ticks;
  ticks.reserve(16);
  const model::Tick* data = ticks.data();
  std::vector<FrameEvent> events;
  Bytes frame = from_hex(kV1Hex);
  for (int i = 0; i < 100; ++i) {
    ticks.clear();
    ASSERT_TRUE(d->decode(FrameKind::kBinary, frame, kRecv, ticks, events).is_ok());
  }
  EXPECT_EQ(ticks.data(), data);
  EXPECT_EQ(ticks.capacity(), 16u);
}

// Noren: a full "tk" snapshot, then a partial "tf" that carries only what changed.
constexpr std::string_view kNorenTk =
    R"({"t":"tk","e":"NSE","tk":"2885","ts":"RELIANCE-EQ","pp":"2","ti":"0.05","ls":"1","lp":"2850.55",)"
    R"("pc":"-0.35","v":"162220","o":"2860.00","h":"2871.10","l":"2840.05","c":"2860.55","ap":"2855.12",)"
    R"("bp1":"2850.50","bq1":"120","sp1":"2850.60","sq1":"75","ft":"1706171400"})";
constexpr std::string_view kNorenTf =
    R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05","v":"166637","sp1":"2851.10","ft":"1706171403"})";

TEST(FrameDecoder, FlattradeMergesPartialUpdatesIntoTheSnapshot) {
  auto d = make("flattrade");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(kNorenTk), kRecv, ticks, events).is_ok());
  auto r = d->decode(FrameKind::kText, text_bytes(kNorenTf), kRecv, ticks, events);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(ticks.size(), 2u);
  const model::Tick& t = ticks[1];
  EXPECT_EQ(t.symbol.view(), "RELIANCE");
  EXPECT_EQ(t.last_price.paise(), 285105);
  EXPECT_EQ(t.cumulative_volume, 166637);
  EXPECT_EQ(t.bid.paise(), 285050);  // bp1 absent from the tf: kept from the tk
  EXPECT_EQ(t.ask.paise(), 285110);
  EXPECT_EQ(t.exchange_time, Timestamp::from_seconds(1706171403));
}

TEST(FrameDecoder, FlattradeRejectsPartialBeforeSnapshotAndForgetsOnReset) {
  auto d = make("flattrade");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  EXPECT_FALSE(d->decode(FrameKind::kText, text_bytes(kNorenTf), kRecv, ticks, events).is_ok());
  EXPECT_EQ(d->rejects().count("partial_before_full"), 1u);
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(kNorenTk), kRecv, ticks, events).is_ok());
  d->reset();  // a new connection
  EXPECT_FALSE(d->decode(FrameKind::kText, text_bytes(kNorenTf), kRecv, ticks, events).is_ok());
  EXPECT_EQ(d->rejects().count("partial_before_full"), 2u);
  EXPECT_EQ(ticks.size(), 1u);
  Bytes binary = {1, 2, 3};
  EXPECT_FALSE(d->decode(FrameKind::kBinary, binary, kRecv, ticks, events).is_ok());
  EXPECT_EQ(d->rejects().count("unexpected_frame_kind"), 1u);
}

TEST(FrameDecoder, FlattradeAcksHeartbeatsAndOrderUpdates) {
  auto d = make("flattrade");
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(R"({"t":"ak","uid":"FT01","s":"OK"})"), kRecv, ticks, events).is_ok());
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(R"({"t":"ck","s":"Not_Ok","emsg":"Invalid Session Key"})"), kRecv,
                        ticks, events)
                  .is_ok());
  auto hb = d->decode(FrameKind::kText, text_bytes(R"({"t":"h"})"), kRecv, ticks, events);
  ASSERT_TRUE(hb.is_ok());
  EXPECT_TRUE(hb->heartbeat);
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(R"({"t":"om","norenordno":"123"})"), kRecv, ticks, events).is_ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, FrameEventKind::kConnectAck);
  EXPECT_EQ(events[1].kind, FrameEventKind::kConnectRejected);
  EXPECT_EQ(events[2].kind, FrameEventKind::kOrderUpdate);
  EXPECT_EQ(events[2].text, R"({"t":"om","norenordno":"123"})");
  EXPECT_TRUE(ticks.empty());
}

// mStock quote packet (123 bytes, little-endian), built at the offsets of section 2.4.
Bytes mstock_quote(std::string_view token, int64_t unix_seconds, int64_t ltp_paise, int64_t volume) {
  Bytes p(123, 0);
  auto le = [&](size_t off, int64_t v) {
    for (int i = 0; i < 8; ++i) p[off + i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
  };
  p[0] = 2;  // quote mode
  p[1] = 1;  // NSECM
  std::memcpy(p.data() + 2, token.data(), token.size());
  le(27, 7);             // sequence
  le(35, unix_seconds);  // exchange timestamp
  le(43, ltp_paise);
  le(51, 5);             // last traded quantity
  le(59, ltp_paise);     // average price
  le(67, volume);
  le(91, ltp_paise);     // open
  le(99, ltp_paise);     // high
  le(107, ltp_paise);    // low
  le(115, ltp_paise);    // close
  return p;
}

TEST(FrameDecoder, MstockBatchFrameGivesOneTickPerPacket) {
  DecoderOptions options;
  options.mstock_time.unit = mstock::MstockTimeUnit::kUnixSeconds;
  auto d = make("mstock", options);
  Bytes a = mstock_quote("1594", 1612777255, 129905, 6065675);
  Bytes b = mstock_quote("2885", 1612777254, 285055, 162220);
  Bytes frame = {2, 0, 123, 0};  // LE count 2, LE size 123
  frame.insert(frame.end(), a.begin(), a.end());
  frame.insert(frame.end(), b.begin(), b.end());
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  auto r = d->decode(FrameKind::kBinary, frame, kRecv, ticks, events);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].symbol.view(), "INFY");
  EXPECT_EQ(ticks[0].last_price.paise(), 129905);
  EXPECT_EQ(ticks[0].cumulative_volume, 6065675);
  EXPECT_EQ(ticks[0].exchange_time, Timestamp::from_seconds(1612777255));
  EXPECT_EQ(ticks[1].symbol.view(), "RELIANCE");
  EXPECT_EQ(ticks[1].last_price.paise(), 285055);
}

TEST(FrameDecoder, MstockBadFrameIsRejectedAndTextBecomesEvents) {
  DecoderOptions options;
  options.mstock_time.unit = mstock::MstockTimeUnit::kUnixSeconds;
  auto d = make("mstock", options);
  std::vector<model::Tick> ticks;
  std::vector<FrameEvent> events;
  Bytes junk(50, 0xff);
  EXPECT_FALSE(d->decode(FrameKind::kBinary, junk, kRecv, ticks, events).is_ok());
  EXPECT_EQ(d->rejects().count("bad_frame"), 1u);
  Bytes unknown = mstock_quote("9999", 1612777255, 100, 1);
  EXPECT_FALSE(d->decode(FrameKind::kBinary, unknown, kRecv, ticks, events).is_ok());
  EXPECT_EQ(d->rejects().count("unknown_instrument"), 1u);
  EXPECT_TRUE(ticks.empty());
  ASSERT_TRUE(d->decode(FrameKind::kText, text_bytes(R"({"order_status":"trade","orderData":{"id":1}})"), kRecv, ticks,
                        events)
                  .is_ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, FrameEventKind::kTradeUpdate);
}

TEST(FrameDecoder, UnknownVendorIsAnError) {
  auto d = make_frame_decoder("zerodha", test_universe());
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace nifty::feed::live
