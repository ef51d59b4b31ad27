// Tests of the mStock Type B frame splitter, packet decoder, tick conversion, text messages and
// builders. Packets are built here byte by byte from the offsets of broker-protocols.md 2.4
// (written out as numbers, independently of mstock_messages.h); expected values are by hand.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "feed/mstock/mstock_messages.h"
#include "feed/mstock/mstock_parse.h"
#include "feed/mstock/mstock_symbols.h"

namespace nifty::feed::mstock {
namespace {

using core::Timestamp;
using Bytes = std::vector<uint8_t>;

// 2026-01-15T04:00:00Z = 09:30 IST: 1767225600 (2026-01-01) + 14 * 86400 + 4 * 3600.
constexpr int64_t kRecvUnix = 1'768'449'600;
const Timestamp kRecv = Timestamp::from_seconds(kRecvUnix);
// The exchange stamped it 10 s before receipt; as seconds since 1980-01-01 (3652 days after 1970).
constexpr int64_t kExchUnix = kRecvUnix - 10;
constexpr int64_t kExch1980 = kExchUnix - 3652LL * 86400;  // 1452916790, "near 1.45e9" as the doc says

void put_le(Bytes& b, size_t at, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) b.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
}
void put_i64(Bytes& b, size_t at, int64_t v) { put_le(b, at, static_cast<uint64_t>(v), 8); }
void put_f64(Bytes& b, size_t at, double v) { put_le(b, at, std::bit_cast<uint64_t>(v), 8); }
void put_i16(Bytes& b, size_t at, int16_t v) { put_le(b, at, static_cast<uint16_t>(v), 2); }

// A packet of `size` bytes (51, 123 or 379) with the common fields set.
Bytes packet(size_t size, const std::string& token, int64_t seq, int64_t ts, int64_t ltp, uint8_t exch = 1) {
  Bytes b(size, 0);
  b[0] = size == 51 ? 1 : size == 123 ? 2 : 3;  // mode
  b[1] = exch;
  std::memcpy(b.data() + 2, token.data(), token.size());  // bytes 2..27, NUL-padded
  put_i64(b, 27, seq);
  put_i64(b, 35, ts);
  put_i64(b, 43, ltp);
  return b;
}

Bytes quote_packet(const std::string& token, int64_t seq, int64_t ts, int64_t ltp, int64_t ltq, int64_t volume,
                   size_t size = 123) {
  Bytes b = packet(size, token, seq, ts, ltp);
  put_i64(b, 51, ltq);
  put_i64(b, 59, 285512);   // ATP 2855.12
  put_i64(b, 67, volume);
  put_f64(b, 75, 12345.0);  // total buy qty
  put_f64(b, 83, 67890.0);  // total sell qty
  put_i64(b, 91, 286000);   // open
  put_i64(b, 99, 287110);   // high
  put_i64(b, 107, 284005);  // low
  put_i64(b, 115, 286055);  // close
  return b;
}

Bytes snap_packet(const std::string& token, int64_t seq, int64_t ts, int64_t ltp, int64_t bid, int64_t ask) {
  Bytes b = quote_packet(token, seq, ts, ltp, 7, 1'000'000, 379);
  put_i64(b, 123, ts - 1);  // LTT
  put_i64(b, 131, 0);       // OI
  put_f64(b, 139, 0.0);
  for (int i = 0; i < 10; ++i) {
    size_t at = 147 + 20 * static_cast<size_t>(i);
    bool is_bid = i < 5;
    int level = i % 5;
    put_i16(b, at, is_bid ? 1 : 0);
    put_i64(b, at + 2, 100 * (level + 1));
    put_i64(b, at + 10, is_bid ? bid - 5 * level : ask + 5 * level);
    put_i16(b, at + 18, static_cast<int16_t>(level + 1));
  }
  put_i64(b, 347, 313000);  // upper circuit
  put_i64(b, 355, 256100);  // lower circuit
  put_i64(b, 363, 320000);  // 52w high
  put_i64(b, 371, 220000);  // 52w low
  return b;
}

Bytes batch(const std::vector<Bytes>& packets) {
  Bytes f(4, 0);
  put_le(f, 0, packets.size(), 2);
  put_le(f, 2, packets.front().size(), 2);
  for (const Bytes& p : packets) f.insert(f.end(), p.begin(), p.end());
  return f;
}

model::Universe test_universe() {
  auto u = model::Universe::parse_csv("symbol,nse_token,kite_token\nRELIANCE,2885,738561\nINFY,1594,408065\n", "t");
  EXPECT_TRUE(u.is_ok());
  return std::move(u).value();
}

class MstockParseTest : public ::testing::Test {
 protected:
  model::Universe universe_ = test_universe();
  MstockSymbols symbols_{universe_};
  MstockParser parser_{symbols_};
  std::vector<model::Tick> ticks_;

  MstockFrameResult feed(const Bytes& frame, Timestamp recv = kRecv) { return parser_.on_frame(frame, recv, ticks_); }
};

TEST_F(MstockParseTest, BareLtpPacketBecomesATick) {
  auto r = feed(packet(51, "1594", 42, kExch1980, 165020));
  ASSERT_TRUE(r.first_error.is_ok()) << r.first_error.to_string();
  ASSERT_EQ(r.ticks, 1u);
  const model::Tick& t = ticks_.at(0);
  EXPECT_EQ(t.symbol.view(), "INFY");
  EXPECT_EQ(t.token, 1594u);
  EXPECT_EQ(t.last_price.paise(), 165020);
  EXPECT_EQ(t.cumulative_volume, 0);
  EXPECT_EQ(t.bid.paise(), 0);
  EXPECT_EQ(t.sequence, 42u);
  EXPECT_EQ(t.exchange_time, Timestamp::from_seconds(kExchUnix));
  EXPECT_EQ(t.receive_time, kRecv);
  EXPECT_EQ(parser_.detected_unit(), MstockTimeUnit::kSecondsSince1980);
}

TEST_F(MstockParseTest, BareQuotePacketCarriesVolumeAndLastQuantity) {
  auto r = feed(quote_packet("2885", 7, kExch1980, 285055, 25, 162220));
  ASSERT_EQ(r.ticks, 1u) << r.first_error.to_string();
  const model::Tick& t = ticks_.at(0);
  EXPECT_EQ(t.symbol.view(), "RELIANCE");
  EXPECT_EQ(t.last_price.paise(), 285055);
  EXPECT_EQ(t.last_quantity, 25);
  EXPECT_EQ(t.cumulative_volume, 162220);
}

TEST_F(MstockParseTest, BareSnapPacketCarriesBestBidAndAsk) {
  Bytes b = snap_packet("2885", 9, kExch1980, 285055, 285050, 285060);
  auto r = feed(b);
  ASSERT_EQ(r.ticks, 1u) << r.first_error.to_string();
  EXPECT_EQ(ticks_[0].bid.paise(), 285050);
  EXPECT_EQ(ticks_[0].ask.paise(), 285060);
  EXPECT_EQ(ticks_[0].cumulative_volume, 1'000'000);
  EXPECT_EQ(ticks_[0].last_quantity, 7);
}

TEST(MstockPacket, DecodesEveryFieldOfASnapPacket) {
  Bytes b = snap_packet("2885", 9, kExch1980, 285055, 285050, 285060);
  auto p = decode_packet(b);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->mode, MstockMode::kSnap);
  EXPECT_EQ(p->exchange_type, 1);
  EXPECT_EQ(p->token_view(), "2885");
  EXPECT_EQ(p->sequence, 9);
  EXPECT_EQ(p->exchange_timestamp, kExch1980);
  EXPECT_EQ(p->average_price, 285512);
  EXPECT_EQ(p->total_buy_quantity, 12345.0);
  EXPECT_EQ(p->total_sell_quantity, 67890.0);
  EXPECT_EQ(p->open, 286000);
  EXPECT_EQ(p->high, 287110);
  EXPECT_EQ(p->low, 284005);
  EXPECT_EQ(p->close, 286055);
  EXPECT_EQ(p->last_trade_timestamp, kExch1980 - 1);
  EXPECT_EQ(p->bids[0].flag, 1);
  EXPECT_EQ(p->bids[4].quantity, 500);
  EXPECT_EQ(p->bids[4].price, 285050 - 20);
  EXPECT_EQ(p->bids[4].orders, 5);
  EXPECT_EQ(p->asks[0].flag, 0);
  EXPECT_EQ(p->asks[2].price, 285060 + 10);
  EXPECT_EQ(p->asks[2].quantity, 300);
  EXPECT_EQ(p->upper_circuit, 313000);
  EXPECT_EQ(p->lower_circuit, 256100);
  EXPECT_EQ(p->high_52_week, 320000);
  EXPECT_EQ(p->low_52_week, 220000);
}

TEST_F(MstockParseTest, BatchFramesOfEverySizeYieldEveryPacket) {
  auto r1 = feed(batch({packet(51, "1594", 1, kExch1980, 100), packet(51, "2885", 2, kExch1980, 200),
                        packet(51, "1594", 3, kExch1980, 300)}));
  EXPECT_EQ(r1.ticks, 3u);
  auto r2 = feed(batch({quote_packet("1594", 4, kExch1980, 400, 1, 10), quote_packet("2885", 5, kExch1980, 500, 2, 20)}));
  EXPECT_EQ(r2.ticks, 2u);
  auto r3 = feed(batch({snap_packet("2885", 6, kExch1980, 600, 595, 605)}));
  EXPECT_EQ(r3.ticks, 1u);
  ASSERT_EQ(ticks_.size(), 6u);
  const int64_t prices[] = {100, 200, 300, 400, 500, 600};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(ticks_[i].last_price.paise(), prices[i]);
    EXPECT_EQ(ticks_[i].sequence, i + 1);
  }
  EXPECT_EQ(ticks_[4].cumulative_volume, 20);
  EXPECT_EQ(ticks_[5].ask.paise(), 605);
  EXPECT_EQ(parser_.rejects().total(), 0u);
}

TEST_F(MstockParseTest, MalformedFramesAreRejectedWholeAndCounted) {
  Bytes good = batch({packet(51, "1594", 1, kExch1980, 100), packet(51, "2885", 2, kExch1980, 200)});
  Bytes truncated(good.begin(), good.end() - 1);
  Bytes extra = good;
  extra.push_back(0);
  Bytes zero_count = good;
  zero_count[0] = 0;
  Bytes bad_size = good;
  bad_size[2] = 50;
  std::vector<Bytes> frames = {{}, {1, 0, 51}, truncated, extra, zero_count, bad_size, Bytes(52, 0), Bytes(378, 0)};
  for (const Bytes& f : frames) {
    auto r = feed(f);
    EXPECT_EQ(r.ticks, 0u);
    EXPECT_EQ(r.rejected, 1u);
    EXPECT_EQ(r.first_error.code(), core::ErrorCode::kParseError);
  }
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kBadFrame), frames.size());
  EXPECT_TRUE(ticks_.empty());
}

TEST_F(MstockParseTest, ABadPacketInABatchDoesNotLoseTheOthers) {
  Bytes wrong_mode = packet(51, "2885", 2, kExch1980, 200);
  wrong_mode[0] = 3;
  Bytes bad_token = packet(51, "12a4", 3, kExch1980, 300);
  Bytes unpadded = packet(51, "1594", 4, kExch1980, 400);
  unpadded[20] = 'x';
  auto r = feed(batch({packet(51, "1594", 1, kExch1980, 100), wrong_mode, packet(51, "9999", 5, kExch1980, 500),
                       bad_token, packet(51, "2885", 6, kExch1980, 600, /*exch=*/2), unpadded,
                       packet(51, "2885", 7, kExch1980, 700)}));
  EXPECT_EQ(r.ticks, 2u);
  EXPECT_EQ(r.rejected, 5u);
  ASSERT_EQ(ticks_.size(), 2u);
  EXPECT_EQ(ticks_[0].last_price.paise(), 100);
  EXPECT_EQ(ticks_[1].last_price.paise(), 700);
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kBadPacket), 3u);
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kUnknownInstrument), 1u);
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kUnsupportedExchange), 1u);
}

TEST_F(MstockParseTest, NegativeValuesAreRejected) {
  auto r = feed(quote_packet("1594", 1, kExch1980, 100, 1, -5));
  EXPECT_EQ(r.ticks, 0u);
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kBadPacket), 1u);
  auto s = feed(packet(51, "1594", -1, kExch1980, 100));
  EXPECT_EQ(s.ticks, 0u);
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kBadPacket), 2u);
}

TEST_F(MstockParseTest, PricesAboveWhatTheStoreHoldsAreRejected) {
  // Found by tests/fuzz (corpus repro_mstock_price_range): an int64 LTP of 10^10 paise is one paisa
  // above NUMERIC(10,2)'s 99,999,999.99 rupees.
  auto r = feed(packet(51, "1594", 1, kExch1980, 10'000'000'000));
  EXPECT_EQ(r.ticks, 0u);
  EXPECT_EQ(parser_.rejects().count(MstockRejectReason::kBadPacket), 1u);
  auto ok = feed(packet(51, "1594", 2, kExch1980, 9'999'999'999));
  EXPECT_EQ(ok.ticks, 1u);
}

TEST(MstockTime, AutoDetectsUnixSecondsAndMillis) {
  model::Universe u = test_universe();
  MstockSymbols s(u);
  std::vector<model::Tick> out;
  MstockParser seconds(s);
  EXPECT_EQ(seconds.on_frame(packet(51, "1594", 1, kExchUnix, 100), kRecv, out).ticks, 1u);
  EXPECT_EQ(seconds.detected_unit(), MstockTimeUnit::kUnixSeconds);
  EXPECT_EQ(out.back().exchange_time, Timestamp::from_seconds(kExchUnix));
  MstockParser millis(s);
  EXPECT_EQ(millis.on_frame(packet(51, "1594", 1, kExchUnix * 1000 + 250, 100), kRecv, out).ticks, 1u);
  EXPECT_EQ(millis.detected_unit(), MstockTimeUnit::kUnixMillis);
  EXPECT_EQ(out.back().exchange_time.nanos(), kExchUnix * 1'000'000'000 + 250'000'000);
}

TEST(MstockTime, ImplausibleTimestampsAreRejectedAndTheUnitIsLatched) {
  model::Universe u = test_universe();
  MstockSymbols s(u);
  std::vector<model::Tick> out;
  MstockParser p(s);
  EXPECT_EQ(p.on_frame(packet(51, "1594", 1, 0, 100), kRecv, out).ticks, 0u);
  EXPECT_EQ(p.on_frame(packet(51, "1594", 1, -5, 100), kRecv, out).ticks, 0u);
  EXPECT_EQ(p.on_frame(packet(51, "1594", 1, INT64_MAX, 100), kRecv, out).ticks, 0u);
  EXPECT_EQ(p.detected_unit(), MstockTimeUnit::kAuto);
  EXPECT_EQ(p.on_frame(packet(51, "1594", 1, kExch1980, 100), kRecv, out).ticks, 1u);
  EXPECT_EQ(p.detected_unit(), MstockTimeUnit::kSecondsSince1980);
  // Now latched: a Unix-seconds value would be 10 years in the future.
  EXPECT_EQ(p.on_frame(packet(51, "1594", 2, kExchUnix, 100), kRecv, out).ticks, 0u);
  EXPECT_EQ(p.rejects().count(MstockRejectReason::kBadTimestamp), 4u);
}

TEST(MstockTime, AConfiguredUnitIsCheckedForPlausibility) {
  model::Universe u = test_universe();
  MstockSymbols s(u);
  std::vector<model::Tick> out;
  MstockParser p(s, MstockTimeConfig{MstockTimeUnit::kUnixSeconds, core::kNanosPerHour});
  EXPECT_EQ(p.on_frame(packet(51, "1594", 1, kExchUnix, 100), kRecv, out).ticks, 1u);
  EXPECT_EQ(p.on_frame(packet(51, "1594", 2, kExch1980, 100), kRecv, out).ticks, 0u);
  EXPECT_EQ(p.on_frame(packet(51, "1594", 3, kExchUnix - 2 * 3600, 100), kRecv, out).ticks, 0u);
  EXPECT_EQ(p.rejects().count(MstockRejectReason::kBadTimestamp), 2u);
  EXPECT_FALSE(timestamp_in_unit(INT64_MAX / 1000, MstockTimeUnit::kUnixSeconds).has_value());
  EXPECT_EQ(timestamp_in_unit(0, MstockTimeUnit::kSecondsSince1980), Timestamp::from_seconds(315532800));
}

TEST(MstockText, ClassifiesTheDocumentedTextFrames) {
  auto order = parse_text(R"({"order_status":"order","orderData":{"id":"1"}})");
  EXPECT_EQ(order.type, MstockTextType::kOrderUpdate);
  EXPECT_EQ(order.data, R"({"id":"1"})");
  EXPECT_EQ(parse_text(R"({"order_status":"trade","orderData":{}})").type, MstockTextType::kTradeUpdate);
  auto err = parse_text(R"({"type":"error","data":"invalid token"})");
  EXPECT_EQ(err.type, MstockTextType::kError);
  EXPECT_EQ(err.data, "invalid token");
  auto other = parse_text("Login successful");
  EXPECT_EQ(other.type, MstockTextType::kOther);
  EXPECT_EQ(other.data, "Login successful");
  EXPECT_EQ(parse_text("{\"type\":\"err").type, MstockTextType::kOther);
}

TEST(MstockMessages, BuildsLoginAndSubscribe) {
  EXPECT_EQ(*build_login("eyJ.abc.def"), "LOGIN:eyJ.abc.def");
  EXPECT_FALSE(build_login("").is_ok());
  std::vector<std::string> tokens = {"1594", "22"};
  auto sub = build_subscribe(MstockAction::kSubscribe, MstockMode::kSnap, MstockExchangeType::kNseCm, tokens, "c1");
  ASSERT_TRUE(sub.is_ok());
  EXPECT_EQ(*sub,
            R"({"correlationID":"c1","action":1,"params":{"mode":3,"tokenList":[{"exchangeType":1,"tokens":["1594","22"]}]}})");
  auto unsub = build_subscribe(MstockAction::kUnsubscribe, MstockMode::kLtp, MstockExchangeType::kNseCm, tokens);
  EXPECT_EQ(*unsub, R"({"action":0,"params":{"mode":1,"tokenList":[{"exchangeType":1,"tokens":["1594","22"]}]}})");
  std::vector<std::string> none;
  EXPECT_FALSE(build_subscribe(MstockAction::kSubscribe, MstockMode::kLtp, MstockExchangeType::kNseCm, none).is_ok());
  std::vector<std::string> bad = {"NSE:1594"};
  EXPECT_FALSE(build_subscribe(MstockAction::kSubscribe, MstockMode::kLtp, MstockExchangeType::kNseCm, bad).is_ok());
}

TEST(MstockSymbols, MapsTokensToInstrumentsBothWays) {
  model::Universe u = test_universe();
  MstockSymbols s(u);
  ASSERT_NE(s.find(1, "2885"), nullptr);
  EXPECT_EQ(s.find(1, "2885")->symbol.view(), "RELIANCE");
  EXPECT_EQ(s.find(1, "26000")->symbol.view(), "NIFTY 50");
  EXPECT_EQ(s.find(3, "2885"), nullptr);
  EXPECT_EQ(s.find(1, "9999"), nullptr);
  EXPECT_EQ(s.find(1, "x"), nullptr);
  EXPECT_EQ(s.token_for(model::Symbol("INFY")), "1594");
  EXPECT_FALSE(s.token_for(model::Symbol("TCS")).has_value());
  std::vector<model::Symbol> syms = {model::Symbol("RELIANCE"), model::Symbol("TCS")};
  EXPECT_EQ(s.tokens_for(syms).status().code(), core::ErrorCode::kNotFound);
}

TEST_F(MstockParseTest, GarbageAndTruncatedFramesNeverCrash) {
  std::vector<Bytes> valid = {packet(51, "1594", 1, kExch1980, 100), quote_packet("2885", 2, kExch1980, 200, 1, 1),
                              snap_packet("2885", 3, kExch1980, 300, 295, 305),
                              batch({packet(51, "1594", 4, kExch1980, 400), packet(51, "2885", 5, kExch1980, 500)}),
                              batch({snap_packet("1594", 6, kExch1980, 600, 595, 605)})};
  std::mt19937 rng(20260115);
  size_t rejected = 0;
  for (const Bytes& v : valid) {
    for (size_t n = 0; n <= v.size(); ++n) rejected += feed(Bytes(v.begin(), v.begin() + static_cast<long>(n))).rejected;
  }
  for (int i = 0; i < 3000; ++i) {
    Bytes m = valid[rng() % valid.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) m[rng() % m.size()] = static_cast<uint8_t>(rng());
    rejected += feed(m).rejected;
    Bytes junk(rng() % 800);
    for (uint8_t& c : junk) c = static_cast<uint8_t>(rng());
    rejected += feed(junk).rejected;
  }
  EXPECT_EQ(rejected, parser_.rejects().total());
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace nifty::feed::mstock
