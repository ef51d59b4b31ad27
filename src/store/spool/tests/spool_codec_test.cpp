#include "store/spool/spool_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "store/tests/store_test_util.h"

namespace nifty::store {
namespace {

model::Signal full_signal() {
  model::Signal s;
  s.id = "M&M-20240125T0500Z-STRONG_BUY";
  s.symbol = model::Symbol("M&M");
  s.timestamp = core::Timestamp::from_seconds(1706158800);
  s.action = model::Recommendation::kStrongBuy;
  s.previous = model::Recommendation::kSell;
  s.price = model::Price::from_paise(163'455);
  s.confidence = 0.8125;
  s.composite_score = 3.3333333333333335;
  s.ai_prediction = 0.71;
  s.reason = "composite 3.33 >= 3 with RSI 58.2 (\"quoted\", unicode ₹)";
  auto& p = s.provenance;
  p.candle_time = s.timestamp;
  p.rsi = 58.2;
  p.macd = {1.25, -0.5, 1.75};
  p.ema50 = 1630.1;
  p.ema100 = model::kNaN;
  p.ema200 = -0.0;
  p.bollinger = {1700.0, 1650.5, 1601.0};
  p.trend_score = 4.0;
  p.momentum_score = 2.5;
  p.composite_score = 3.25;
  p.ai_prediction = 0.71;
  p.ai_confidence = std::numeric_limits<double>::infinity();
  p.engine = "heuristic";
  p.model_version = "v1-heuristic";
  return s;
}

// Doubles compared by their bits: NaN == NaN, -0.0 != 0.0.
void expect_same_bits(double a, double b, const char* what) {
  EXPECT_EQ(std::bit_cast<uint64_t>(a), std::bit_cast<uint64_t>(b)) << what;
}

TEST(SpoolCodec, RoundTripsEveryCandleField) {
  std::vector<model::Candle> in = {
      testing::make_candle("RELIANCE", model::Interval::k1m, testing::kMarketOpenSeconds, 285'050, 12'345),
      testing::make_candle("BAJAJ-AUTO", model::Interval::k1d, testing::kMarketOpenSeconds - 33'300, 812'300, 0),
  };
  in[1].trades = -7;  // every bit pattern survives, sensible or not
  in[1].vwap = model::Price::from_paise(-1);
  in[1].start = core::Timestamp(-5);
  std::vector<uint8_t> record;
  encode_candle_batch(in, record);
  EXPECT_EQ(record[0], kSpoolRecordVersion);
  std::vector<model::Candle> out;
  ASSERT_TRUE(decode_candle_batch(record, out).is_ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) testing::expect_same_candle(in[i], out[i]);
}

TEST(SpoolCodec, RoundTripsEverySignalFieldIncludingNaN) {
  std::vector<model::Signal> in = {full_signal(), full_signal()};
  in[1].id = "TCS-x";
  in[1].reason.clear();
  std::vector<uint8_t> record;
  encode_signal_batch(in, record);
  std::vector<model::Signal> out;
  ASSERT_TRUE(decode_signal_batch(record, out).is_ok());
  ASSERT_EQ(out.size(), 2u);
  for (size_t i = 0; i < in.size(); ++i) {
    const auto& a = in[i];
    const auto& b = out[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.timestamp, b.timestamp);
    EXPECT_EQ(a.action, b.action);
    EXPECT_EQ(a.previous, b.previous);
    EXPECT_EQ(a.price, b.price);
    expect_same_bits(a.confidence, b.confidence, "confidence");
    expect_same_bits(a.composite_score, b.composite_score, "composite_score");
    expect_same_bits(a.ai_prediction, b.ai_prediction, "ai_prediction");
    EXPECT_EQ(a.reason, b.reason);
    const auto& p = a.provenance;
    const auto& q = b.provenance;
    EXPECT_EQ(p.candle_time, q.candle_time);
    expect_same_bits(p.rsi, q.rsi, "rsi");
    expect_same_bits(p.macd.value, q.macd.value, "macd.value");
    expect_same_bits(p.macd.signal, q.macd.signal, "macd.signal");
    expect_same_bits(p.macd.histogram, q.macd.histogram, "macd.histogram");
    expect_same_bits(p.ema50, q.ema50, "ema50");
    expect_same_bits(p.ema100, q.ema100, "ema100");
    expect_same_bits(p.ema200, q.ema200, "ema200");
    expect_same_bits(p.bollinger.upper, q.bollinger.upper, "bollinger.upper");
    expect_same_bits(p.bollinger.middle, q.bollinger.middle, "bollinger.middle");
    expect_same_bits(p.bollinger.lower, q.bollinger.lower, "bollinger.lower");
    expect_same_bits(p.trend_score, q.trend_score, "trend_score");
    expect_same_bits(p.momentum_score, q.momentum_score, "momentum_score");
    expect_same_bits(p.composite_score, q.composite_score, "provenance composite_score");
    expect_same_bits(p.ai_prediction, q.ai_prediction, "provenance ai_prediction");
    expect_same_bits(p.ai_confidence, q.ai_confidence, "ai_confidence");
    EXPECT_EQ(p.engine, q.engine);
    EXPECT_EQ(p.model_version, q.model_version);
  }
}

TEST(SpoolCodec, RejectsTruncatedWrongKindAndUnknownVersionRecords) {
  std::vector<model::Candle> in = {
      testing::make_candle("TCS", model::Interval::k5m, testing::kMarketOpenSeconds, 380'000)};
  std::vector<uint8_t> record;
  encode_candle_batch(in, record);
  std::vector<model::Candle> out;

  auto truncated = record;
  truncated.pop_back();
  EXPECT_EQ(decode_candle_batch(truncated, out).code(), core::ErrorCode::kParseError);
  EXPECT_TRUE(out.empty());

  auto future = record;
  future[0] = kSpoolRecordVersion + 1;
  EXPECT_EQ(decode_candle_batch(future, out).code(), core::ErrorCode::kParseError);

  auto huge_count = record;
  huge_count[2] = huge_count[3] = huge_count[4] = huge_count[5] = 0xFF;
  EXPECT_EQ(decode_candle_batch(huge_count, out).code(), core::ErrorCode::kParseError);

  auto bad_interval = record;
  bad_interval[6 + 1 + 3] = 9;  // after the header (6) and the symbol "TCS" (1 + 3)
  EXPECT_EQ(decode_candle_batch(bad_interval, out).code(), core::ErrorCode::kParseError);

  std::vector<model::Signal> signals;
  EXPECT_EQ(decode_signal_batch(record, signals).code(), core::ErrorCode::kParseError);  // a candle record
}

}  // namespace
}  // namespace nifty::store
