// The SignalStore contract (store/signal_store.h) as value-parameterised tests: a test
// executable includes this header once and instantiates SignalStoreContract with the backends it makes.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "model/json_codec.h"
#include "store/candle_store.h"
#include "store/signal_store.h"
#include "store_test_util.h"

namespace nifty::store {
namespace {

using model::Recommendation;
using testing::kMarketOpenSeconds;

struct SignalStoreContractBackend {
  const char* name;
  std::function<std::unique_ptr<SignalStore>(const testing::TempDir&)> make;
};

void PrintTo(const SignalStoreContractBackend& b, std::ostream* os) { *os << b.name; }

class SignalStoreContract : public ::testing::TestWithParam<SignalStoreContractBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_);
    if (IsSkipped()) return;  // a server backend without its test server configured
    ASSERT_NE(store_, nullptr);
  }
  testing::TempDir dir_;
  std::unique_ptr<SignalStore> store_;
};


core::Timestamp minute(int i) { return core::Timestamp::from_seconds(kMarketOpenSeconds + 60 * i); }

model::Signal signal(std::string_view symbol, int at_minute, Recommendation action, int64_t paise) {
  model::Signal s;
  s.symbol = model::Symbol(symbol);
  s.timestamp = minute(at_minute);
  s.action = action;
  s.previous = Recommendation::kHold;
  s.id = std::string(symbol) + "-m" + std::to_string(at_minute) + "-" + std::string(model::recommendation_name(action));
  s.price = model::Price::from_paise(paise);
  s.confidence = 0.6875;
  s.reason = "recommendation_change: HOLD -> " + std::string(model::recommendation_name(action));
  s.provenance.candle_time = s.timestamp;
  s.provenance.rsi = 61.25;
  s.provenance.macd = {1.5, 1.25, 0.25};
  s.provenance.ema50 = 2840.5;  // ema100, ema200 and the bands stay NaN (not warm)
  s.provenance.composite_score = 2.125;
  s.provenance.ai_prediction = 0.7;
  s.provenance.ai_confidence = 0.75;
  s.provenance.engine = "heuristic";
  s.provenance.model_version = "v1-heuristic";
  s.composite_score = 2.125;
  s.ai_prediction = 0.7;
  return s;
}

// Equal field by field; the JSON encoding covers every field (NaN as null).
void expect_same(const model::Signal& got, const model::Signal& want) {
  EXPECT_EQ(model::encode_signal(got), model::encode_signal(want));
  EXPECT_EQ(got.composite_score, want.composite_score);
  EXPECT_EQ(got.ai_prediction, want.ai_prediction);
}

TEST_P(SignalStoreContract, AppendThenReadBackInTimeOrder) {
  std::vector<model::Signal> in = {
      signal("TCS", 30, Recommendation::kSell, 349995),
      signal("RELIANCE", 2, Recommendation::kBuy, 285050),
      signal("INFY", 2, Recommendation::kStrongBuy, 150005),
      signal("RELIANCE", 20, Recommendation::kHold, 286000),
  };
  for (const auto& s : in) ASSERT_TRUE(store_->append(s).is_ok());

  auto all = store_->range(minute(0), minute(60));
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 4u);
  // Oldest first, ties by symbol: INFY@2, RELIANCE@2, RELIANCE@20, TCS@30.
  expect_same((*all)[0], in[2]);
  expect_same((*all)[1], in[1]);
  expect_same((*all)[2], in[3]);
  expect_same((*all)[3], in[0]);
  EXPECT_TRUE(std::isnan((*all)[0].provenance.ema200));

  auto reliance = store_->range(minute(0), minute(60), model::Symbol("RELIANCE"));
  ASSERT_TRUE(reliance.is_ok());
  ASSERT_EQ(reliance->size(), 2u);
  EXPECT_EQ((*reliance)[0].id, in[1].id);
  EXPECT_EQ((*reliance)[1].id, in[3].id);

  // [from, to): minute 20 is in [20, 30) and 30 is not.
  auto window = store_->range(minute(20), minute(30));
  ASSERT_TRUE(window.is_ok());
  ASSERT_EQ(window->size(), 1u);
  EXPECT_EQ((*window)[0].id, in[3].id);
  EXPECT_TRUE(store_->range(minute(30), minute(30))->empty());
  EXPECT_TRUE(store_->range(minute(0), minute(60), model::Symbol("WIPRO"))->empty());
}

TEST_P(SignalStoreContract, AppendingAnIdAgainReplacesIt) {
  model::Signal s = signal("TCS", 5, Recommendation::kBuy, 350000);
  ASSERT_TRUE(store_->append(s).is_ok());
  s.price = model::Price::from_paise(350005);
  s.confidence = 0.25;
  ASSERT_TRUE(store_->append(s).is_ok());
  auto all = store_->range(minute(0), minute(60));
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].price, model::Price::from_paise(350005));
  EXPECT_EQ((*all)[0].confidence, 0.25);
}

TEST_P(SignalStoreContract, RejectsBadSignalsAndWritesNothing) {
  model::Signal no_id = signal("TCS", 1, Recommendation::kBuy, 100);
  no_id.id.clear();
  model::Signal no_symbol = signal("TCS", 1, Recommendation::kBuy, 100);
  no_symbol.symbol = model::Symbol();
  model::Signal sub_second = signal("TCS", 1, Recommendation::kBuy, 100);
  sub_second.timestamp = sub_second.timestamp + 500'000'000;
  model::Signal huge = signal("TCS", 1, Recommendation::kBuy, 100);
  huge.price = model::Price::from_paise(kMaxStoredPaise + 1);
  model::Signal nan_confidence = signal("TCS", 1, Recommendation::kBuy, 100);
  nan_confidence.confidence = std::nan("");
  for (const auto& [bad, what] : std::vector<std::pair<model::Signal, std::string>>{
           {no_id, "empty id"}, {no_symbol, "empty symbol"}, {sub_second, "whole second"},
           {huge, "NUMERIC(10, 2)"}, {nan_confidence, "confidence"}}) {
    core::Status s = store_->append(bad);
    EXPECT_EQ(s.code(), core::ErrorCode::kInvalidArgument) << what;
    EXPECT_NE(s.message().find(what), std::string::npos) << s.message();
  }
  EXPECT_TRUE(store_->range(minute(0), minute(60))->empty());
}

}  // namespace
}  // namespace nifty::store
