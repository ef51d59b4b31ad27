// Tests of the Noren (Flattrade) message parser and builders. Messages are hand-built from the
// layouts of broker-protocols.md section 3; expected values are written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feed/flattrade/noren_messages.h"
#include "feed/flattrade/noren_parse.h"
#include "feed/flattrade/noren_symbols.h"

namespace nifty::feed::flattrade {
namespace {

using core::Timestamp;
using model::Symbol;

model::Universe test_universe() {
  auto u = model::Universe::parse_csv(
      "symbol,nse_token,kite_token\nRELIANCE,2885,738561\nINFY,1594,408065\nNTPC,11630,2977281\n", "test");
  EXPECT_TRUE(u.is_ok()) << u.status().to_string();
  return std::move(u).value();
}

const Timestamp kRecv = Timestamp::from_seconds(1706171401);

// A tk snapshot for RELIANCE (NSE|2885). ft 1706171400 = 2024-01-25T08:30:00Z.
const char* kRelianceTk =
    R"({"t":"tk","e":"NSE","tk":"2885","ts":"RELIANCE-EQ","pp":"2","ti":"0.05","ls":"1","lp":"2850.55",)"
    R"("pc":"-0.35","v":"162220","o":"2860.00","h":"2871.10","l":"2840.05","c":"2860.55","ap":"2855.12",)"
    R"("bp1":"2850.50","bq1":"120","sp1":"2850.60","sq1":"75","ft":"1706171400"})";

class NorenParseTest : public ::testing::Test {
 protected:
  model::Universe universe_ = test_universe();
  NorenSymbols symbols_{universe_};
  NorenState state_{symbols_};
};

TEST(NorenMessages, BuildsTheCurrentAndTheOlderConnectForm) {
  auto current = build_connect(NorenConnectForm::kAccessToken, "FT01", "FT01", "tok123");
  ASSERT_TRUE(current.is_ok());
  EXPECT_EQ(*current, R"({"t":"a","uid":"FT01","actid":"FT01","accesstoken":"tok123","source":"API"})");
  auto older = build_connect(NorenConnectForm::kSessionToken, "FT01", "FT02", "tok123");
  ASSERT_TRUE(older.is_ok());
  EXPECT_EQ(*older, R"({"t":"c","uid":"FT01","actid":"FT02","susertoken":"tok123","source":"API"})");
  EXPECT_FALSE(build_connect(NorenConnectForm::kAccessToken, "FT01", "FT01", "").is_ok());
}

TEST(NorenMessages, BuildsSubscribeAndUnsubscribeKeyLists) {
  std::vector<std::string> keys = {"NSE|2885", "NSE|1594"};
  EXPECT_EQ(*build_subscribe(NorenFeedKind::kTouchline, keys), R"({"t":"t","k":"NSE|2885#NSE|1594"})");
  EXPECT_EQ(*build_subscribe(NorenFeedKind::kDepth, keys), R"({"t":"d","k":"NSE|2885#NSE|1594"})");
  EXPECT_EQ(*build_unsubscribe(NorenFeedKind::kTouchline, keys), R"({"t":"u","k":"NSE|2885#NSE|1594"})");
  EXPECT_EQ(*build_unsubscribe(NorenFeedKind::kDepth, keys), R"({"t":"ud","k":"NSE|2885#NSE|1594"})");
  EXPECT_EQ(build_heartbeat(), R"({"t":"h"})");
}

TEST(NorenMessages, RefusesEmptyOrMalformedKeyLists) {
  std::vector<std::string> none;
  EXPECT_EQ(build_subscribe(NorenFeedKind::kTouchline, none).status().code(), core::ErrorCode::kInvalidArgument);
  std::vector<std::string> joined = {"NSE|2885#NSE|1594"};
  EXPECT_FALSE(build_subscribe(NorenFeedKind::kTouchline, joined).is_ok());
  std::vector<std::string> no_token = {"NSE|"};
  EXPECT_FALSE(build_subscribe(NorenFeedKind::kDepth, no_token).is_ok());
}

TEST(NorenSymbols, MapsKeysToInstrumentsBothWays) {
  model::Universe u = test_universe();
  NorenSymbols s(u);
  ASSERT_NE(s.find_key("NSE|2885"), nullptr);
  EXPECT_EQ(s.find_key("NSE|2885")->symbol.view(), "RELIANCE");
  EXPECT_EQ(s.find_key("NSE|26000")->symbol.view(), "NIFTY 50");
  EXPECT_EQ(s.find_key("NSE|9999"), nullptr);
  EXPECT_EQ(s.find_key("BSE|2885"), nullptr);  // tokens are unique only within an exchange
  EXPECT_EQ(s.find_key("NSE2885"), nullptr);
  EXPECT_EQ(s.key_for(Symbol("INFY")), "NSE|1594");
  EXPECT_EQ(s.key_for(Symbol("NIFTY 50")), "NSE|26000");
  EXPECT_FALSE(s.key_for(Symbol("TCS")).has_value());
  std::vector<Symbol> syms = {Symbol("RELIANCE"), Symbol("INFY")};
  auto keys = s.keys_for(syms);
  ASSERT_TRUE(keys.is_ok());
  EXPECT_EQ(*build_subscribe(NorenFeedKind::kTouchline, *keys), R"({"t":"t","k":"NSE|2885#NSE|1594"})");
  std::vector<Symbol> bad = {Symbol("RELIANCE"), Symbol("TCS")};
  EXPECT_EQ(s.keys_for(bad).status().code(), core::ErrorCode::kNotFound);
}

TEST_F(NorenParseTest, ReadsConnectAcknowledgementsOfBothForms) {
  auto ak = state_.on_message(R"({"t":"ak","uid":"FT01","s":"OK"})", kRecv);
  ASSERT_TRUE(ak.is_ok());
  EXPECT_EQ(ak->type, NorenMessageType::kConnectAck);
  EXPECT_TRUE(ak->connect_ok);
  auto ck = state_.on_message(R"({"t":"ck","uid":"FT01","s":"Ok"})", kRecv);
  ASSERT_TRUE(ck.is_ok());
  EXPECT_TRUE(ck->connect_ok);
  auto refused = state_.on_message(R"({"t":"ck","s":"Not_Ok","emsg":"Invalid Session Key"})", kRecv);
  ASSERT_TRUE(refused.is_ok());
  EXPECT_FALSE(refused->connect_ok);
  EXPECT_EQ(refused->detail, "Invalid Session Key");
  core::Status st = connect_rejected(refused->detail);
  EXPECT_FALSE(st.is_ok());
  EXPECT_FALSE(st.is_retryable());
  auto no_status = state_.on_message(R"({"t":"ak"})", kRecv);
  ASSERT_TRUE(no_status.is_ok());
  EXPECT_FALSE(no_status->connect_ok);
}

TEST_F(NorenParseTest, HeartbeatAndOrderMessagesProduceNoTick) {
  auto h = state_.on_message(R"({"t":"h"})", kRecv);
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->type, NorenMessageType::kHeartbeat);
  EXPECT_FALSE(h->has_tick);
  auto om = state_.on_message(R"({"t":"om","norenordno":"123"})", kRecv);
  ASSERT_TRUE(om.is_ok());
  EXPECT_EQ(om->type, NorenMessageType::kOrderUpdate);
  auto uk = state_.on_message(R"({"t":"uk","k":"NSE|2885"})", kRecv);
  ASSERT_TRUE(uk.is_ok());
  EXPECT_EQ(uk->type, NorenMessageType::kOther);
}

TEST_F(NorenParseTest, FeedTimesFrom2100AndPricesBeyondNumeric10_2AreBadFields) {
  // Found by tests/fuzz (corpus repro_noren_*): "ft":"9999999999" overflowed the nanosecond
  // Timestamp, and "100000000.00" rupees does not fit the store's NUMERIC(10,2).
  auto late = state_.on_message(R"({"t":"tk","e":"NSE","tk":"2885","lp":"1.00","ft":"9999999999"})", kRecv);
  ASSERT_FALSE(late.is_ok());
  EXPECT_EQ(late.status().code(), core::ErrorCode::kParseError);
  auto dear = state_.on_message(R"({"t":"tk","e":"NSE","tk":"2885","lp":"100000000.00","ft":"1706158795"})", kRecv);
  ASSERT_FALSE(dear.is_ok());
  auto max = state_.on_message(R"({"t":"tk","e":"NSE","tk":"2885","lp":"99999999.99","ft":"1706158795"})", kRecv);
  ASSERT_TRUE(max.is_ok()) << max.status().to_string();
  EXPECT_EQ(max->tick.last_price.paise(), 9'999'999'999);
}

TEST_F(NorenParseTest, TouchlineSnapshotBecomesAFullTickInPaiseAndNanoseconds) {
  auto r = state_.on_message(kRelianceTk, kRecv);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(r->has_tick);
  const model::Tick& t = r->tick;
  EXPECT_EQ(t.symbol.view(), "RELIANCE");
  EXPECT_EQ(t.token, 2885u);
  EXPECT_EQ(t.exchange, model::Exchange::kNse);
  EXPECT_EQ(t.last_price.paise(), 285055);  // "2850.55"
  EXPECT_EQ(t.cumulative_volume, 162220);
  EXPECT_EQ(t.last_quantity, 0);  // touchline carries no ltq
  EXPECT_EQ(t.bid.paise(), 285050);
  EXPECT_EQ(t.ask.paise(), 285060);
  EXPECT_EQ(t.exchange_time.nanos(), 1706171400LL * 1'000'000'000LL);
  EXPECT_EQ(t.receive_time, kRecv);
  const NorenQuote* q = state_.quote(2885);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->open.paise(), 286000);
  EXPECT_EQ(q->high.paise(), 287110);
  EXPECT_EQ(q->low.paise(), 284005);
  EXPECT_EQ(q->close.paise(), 286055);
  EXPECT_EQ(q->average_price.paise(), 285512);
  EXPECT_EQ(q->bid_quantity, 120);
  EXPECT_EQ(q->ask_quantity, 75);
}

TEST_F(NorenParseTest, PartialTouchlineIsMergedIntoTheLastSnapshot) {
  ASSERT_TRUE(state_.on_message(kRelianceTk, kRecv).is_ok());
  // Only lp, v, sp1 and ft changed; bp1 is absent and must keep 2850.50.
  auto r = state_.on_message(R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05","v":"166637","sp1":"2851.10","ft":"1706171403"})",
                             kRecv + 3'000'000'000LL);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(r->has_tick);
  EXPECT_EQ(r->type, NorenMessageType::kTouchlinePartial);
  EXPECT_EQ(r->tick.last_price.paise(), 285105);
  EXPECT_EQ(r->tick.cumulative_volume, 166637);
  EXPECT_EQ(r->tick.bid.paise(), 285050);
  EXPECT_EQ(r->tick.ask.paise(), 285110);
  EXPECT_EQ(r->tick.exchange_time, Timestamp::from_seconds(1706171403));
  // A partial carrying only the volume keeps the price, quotes and time of before.
  auto r2 = state_.on_message(R"({"t":"tf","e":"NSE","tk":"2885","v":"170000"})", kRecv);
  ASSERT_TRUE(r2.is_ok());
  EXPECT_EQ(r2->tick.last_price.paise(), 285105);
  EXPECT_EQ(r2->tick.cumulative_volume, 170000);
  EXPECT_EQ(r2->tick.exchange_time, Timestamp::from_seconds(1706171403));
}

TEST_F(NorenParseTest, ZeroDayStatisticsInAnUpdateKeepTheCachedValue) {
  ASSERT_TRUE(state_.on_message(kRelianceTk, kRecv).is_ok());
  ASSERT_TRUE(state_.on_message(R"({"t":"tf","e":"NSE","tk":"2885","o":"0","h":"2880.00","ap":"0"})", kRecv).is_ok());
  const NorenQuote* q = state_.quote(2885);
  EXPECT_EQ(q->open.paise(), 286000);
  EXPECT_EQ(q->high.paise(), 288000);
  EXPECT_EQ(q->average_price.paise(), 285512);
}

TEST_F(NorenParseTest, DepthSnapshotAndPartialCarryLastTradeQuantity) {
  auto dk = state_.on_message(
      R"({"t":"dk","e":"NSE","tk":"1594","lp":"1650.20","v":"900000","ltq":"10","bp1":"1650.15","sp1":"1650.25",)"
      R"("bp2":"1650.10","bq1":"40","sq1":"12","tbq":"1000","tsq":"2000","ft":"1706171500"})",
      kRecv);
  ASSERT_TRUE(dk.is_ok()) << dk.status().to_string();
  EXPECT_EQ(dk->type, NorenMessageType::kDepthFull);
  EXPECT_EQ(dk->tick.symbol.view(), "INFY");
  EXPECT_EQ(dk->tick.last_quantity, 10);
  EXPECT_EQ(dk->tick.bid.paise(), 165015);
  auto df = state_.on_message(R"({"t":"df","e":"NSE","tk":"1594","ltq":"25","lp":"1650.3","v":"900025"})", kRecv);
  ASSERT_TRUE(df.is_ok()) << df.status().to_string();
  EXPECT_EQ(df->tick.last_quantity, 25);
  EXPECT_EQ(df->tick.last_price.paise(), 165030);  // "1650.3" = 1650.30
  EXPECT_EQ(df->tick.ask.paise(), 165025);
  EXPECT_EQ(df->tick.exchange_time, Timestamp::from_seconds(1706171500));
}

TEST_F(NorenParseTest, PartialBeforeAnySnapshotIsACountedError) {
  auto r = state_.on_message(R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05"})", kRecv);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kParseError);
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kPartialBeforeFull), 1u);
  EXPECT_EQ(state_.quote(2885), nullptr);
  // A df needs a dk, even when a tk arrived.
  ASSERT_TRUE(state_.on_message(kRelianceTk, kRecv).is_ok());
  EXPECT_FALSE(state_.on_message(R"({"t":"df","e":"NSE","tk":"2885","ltq":"5"})", kRecv).is_ok());
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kPartialBeforeFull), 2u);
  // After clear() (a reconnect) a partial needs a new snapshot.
  state_.clear();
  EXPECT_FALSE(state_.on_message(R"({"t":"tf","e":"NSE","tk":"2885","lp":"1.00"})", kRecv).is_ok());
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kPartialBeforeFull), 3u);
}

TEST_F(NorenParseTest, UnknownTokensAndExchangesAreCountedErrors) {
  auto r = state_.on_message(R"({"t":"tk","e":"NSE","tk":"9999","lp":"10.00","ft":"1706171400"})", kRecv);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kUnknownInstrument), 1u);
  auto b = state_.on_message(R"({"t":"tk","e":"BSE","tk":"2885","lp":"10.00","ft":"1706171400"})", kRecv);
  ASSERT_FALSE(b.is_ok());
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kUnsupportedExchange), 1u);
  auto m = state_.on_message(R"({"t":"tk","lp":"10.00"})", kRecv);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kMissingField), 1u);
}

TEST_F(NorenParseTest, BadFieldValuesRejectTheWholeMessageAndKeepTheState) {
  ASSERT_TRUE(state_.on_message(kRelianceTk, kRecv).is_ok());
  // A number instead of a string, a sub-paisa price, a signed volume, a bad time.
  const char* bad[] = {
      R"({"t":"tf","e":"NSE","tk":"2885","lp":2851.05})",
      R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.055"})",
      R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05","v":"-5"})",
      R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05","ft":"17061714OO"})",
      R"({"t":"tf","e":"NSE","tk":"2885","bp1":""})",
  };
  for (const char* msg : bad) {
    auto r = state_.on_message(msg, kRecv);
    EXPECT_FALSE(r.is_ok()) << msg;
    EXPECT_EQ(r.status().code(), core::ErrorCode::kParseError);
  }
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kBadField), 5u);
  const NorenQuote* q = state_.quote(2885);
  EXPECT_EQ(q->last_price.paise(), 285055);
  EXPECT_EQ(q->volume, 162220);
  EXPECT_EQ(q->feed_time_seconds, 1706171400);
}

TEST_F(NorenParseTest, IndexHasNoVolumeAndLargeSentinelPricesStayExact) {
  auto r = state_.on_message(R"({"t":"tk","e":"NSE","tk":"26000","lp":"21453.95","ft":"1706171400"})", kRecv);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->tick.symbol.view(), "NIFTY 50");
  EXPECT_EQ(r->tick.last_price.paise(), 2145395);
  EXPECT_EQ(r->tick.cumulative_volume, 0);
  // The ATO price sentinel 42949672.95 (broker-protocols.md 3.6) in paise, exactly.
  auto ato = state_.on_message(R"({"t":"tk","e":"NSE","tk":"11630","lp":"42949672.95","ft":"1706171400"})", kRecv);
  ASSERT_TRUE(ato.is_ok());
  EXPECT_EQ(ato->tick.last_price.paise(), 4294967295LL);
}

TEST_F(NorenParseTest, SnapshotWithoutPriceGivesNoTickAndWithoutTimeIsCounted) {
  auto r = state_.on_message(R"({"t":"tk","e":"NSE","tk":"1594","ft":"1706171400"})", kRecv);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->has_tick);
  auto nt = state_.on_message(R"({"t":"tk","e":"NSE","tk":"2885","lp":"1.00"})", kRecv);
  ASSERT_FALSE(nt.is_ok());
  EXPECT_EQ(state_.rejects().count(NorenRejectReason::kNoFeedTime), 1u);
}

TEST_F(NorenParseTest, GarbageAndTruncatedMessagesNeverCrash) {
  const std::string valid[] = {
      kRelianceTk,
      R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05","v":"166637"})",
      R"({"t":"dk","e":"NSE","tk":"1594","lp":"1650.20","ltq":"10","ft":"1706171500"})",
      R"({"t":"ak","s":"OK"})",
      "{\"t\":\"h\"}",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
      std::string(5000, '{'),
  };
  std::mt19937 rng(20240125);
  uint64_t errors = 0;
  auto feed = [&](std::string_view text) {
    auto r = state_.on_message(text, kRecv);
    if (!r.is_ok()) {
      ++errors;
      EXPECT_EQ(r.status().code(), core::ErrorCode::kParseError);
    }
  };
  for (const std::string& v : valid) {
    for (size_t n = 0; n <= v.size(); ++n) feed(std::string_view(v).substr(0, n));
  }
  for (int i = 0; i < 3000; ++i) {
    std::string m = valid[rng() % 4];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) m[rng() % m.size()] = static_cast<char>(rng() % 256);
    feed(m);
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    feed(junk);
  }
  EXPECT_EQ(errors, state_.rejects().total());
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace nifty::feed::flattrade
