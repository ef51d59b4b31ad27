#include "signals/signal_rules.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace nifty::signals {
namespace {

using model::Recommendation;
using R = Recommendation;

model::Scorecard card(std::string_view symbol, int minute, R rec) {
  model::Scorecard c;
  c.symbol = model::Symbol(symbol);
  c.timestamp = core::Timestamp::from_seconds(1677555900 + 60 * minute);
  c.ltp = model::Price::from_paise(235875 + minute);
  c.recommendation = rec;
  c.composite_score = 1.375;
  c.rsi = 61.2;
  c.macd.histogram = 0.0412;
  c.ai = model::Prediction{0.65, 0.3, "v1-heuristic"};
  c.ai_engine = "heuristic";
  return c;
}

// Hysteresis alone: no cooldown.
SignalConfig no_cooldown(int confirm_count = 2) {
  SignalConfig c;
  c.confirm_count = confirm_count;
  c.cooldown = std::chrono::seconds(0);
  return c;
}

// Feeds the recommendations in order; returns the indices at which a Signal fired.
std::vector<int> fire_points(SignalRules& rules, const std::vector<R>& recs, std::vector<model::Signal>* out = nullptr) {
  std::vector<int> fired;
  for (size_t i = 0; i < recs.size(); ++i) {
    auto s = rules.on_scorecard(card("RELIANCE", static_cast<int>(i), recs[i]));
    if (s) {
      fired.push_back(static_cast<int>(i));
      if (out) out->push_back(*s);
    }
  }
  return fired;
}

TEST(SignalRules, FiresWhenANewRecommendationHoldsForTwoScorecards) {
  SignalRules rules;
  std::vector<model::Signal> signals;
  // HOLD HOLD BUY BUY BUY: the second BUY (index 3) confirms; the third repeats nothing.
  EXPECT_EQ(fire_points(rules, {R::kHold, R::kHold, R::kBuy, R::kBuy, R::kBuy}, &signals), std::vector<int>{3});
  ASSERT_EQ(signals.size(), 1u);
  const model::Signal& s = signals[0];
  EXPECT_EQ(s.symbol, model::Symbol("RELIANCE"));
  EXPECT_EQ(s.action, R::kBuy);
  EXPECT_EQ(s.previous, R::kHold);
  EXPECT_EQ(s.timestamp, core::Timestamp::from_seconds(1677555900 + 180));
  EXPECT_EQ(s.price, model::Price::from_paise(235875 + 3));
  EXPECT_DOUBLE_EQ(s.composite_score, 1.375);
  EXPECT_DOUBLE_EQ(s.ai_prediction, 0.65);
  EXPECT_EQ(s.reason,
            "recommendation_change: HOLD -> BUY held for 2 consecutive scorecards; composite=1.375 rsi=61.20 "
            "macd_histogram=0.0412 ai=0.650 (v1-heuristic)");
  EXPECT_EQ(rules.confirmed(model::Symbol("RELIANCE")), R::kBuy);
}

TEST(SignalRules, FlappingNeverFires) {
  SignalRules rules;
  EXPECT_TRUE(fire_points(rules, {R::kBuy, R::kHold, R::kBuy, R::kHold, R::kSell, R::kHold, R::kSell, R::kBuy})
                  .empty());
  EXPECT_EQ(rules.confirmed(model::Symbol("RELIANCE")), R::kHold);
}

TEST(SignalRules, AThirdRecommendationRestartsTheCount) {
  SignalRules rules(no_cooldown());
  // BUY, STRONG_BUY (restart), STRONG_BUY (fires at 2), SELL, SELL (fires at 4, previous STRONG_BUY).
  std::vector<model::Signal> signals;
  EXPECT_EQ(fire_points(rules, {R::kBuy, R::kStrongBuy, R::kStrongBuy, R::kSell, R::kSell}, &signals),
            (std::vector<int>{2, 4}));
  ASSERT_EQ(signals.size(), 2u);
  EXPECT_EQ(signals[0].action, R::kStrongBuy);
  EXPECT_EQ(signals[0].previous, R::kHold);
  EXPECT_EQ(signals[1].action, R::kSell);
  EXPECT_EQ(signals[1].previous, R::kStrongBuy);
}

TEST(SignalRules, ReturningToHoldIsASignalToo) {
  SignalRules rules(no_cooldown());
  std::vector<model::Signal> signals;
  EXPECT_EQ(fire_points(rules, {R::kSell, R::kSell, R::kHold, R::kHold}, &signals), (std::vector<int>{1, 3}));
  EXPECT_EQ(signals[1].action, R::kHold);
  EXPECT_EQ(signals[1].previous, R::kSell);
}

TEST(SignalRules, ConfirmCountIsConfigurable) {
  SignalRules immediate(no_cooldown(1));
  EXPECT_EQ(fire_points(immediate, {R::kBuy, R::kHold, R::kHold}), (std::vector<int>{0, 1}));
  SignalRules patient(no_cooldown(3));
  EXPECT_EQ(fire_points(patient, {R::kBuy, R::kBuy, R::kHold, R::kBuy, R::kBuy, R::kBuy}), (std::vector<int>{5}));
}

TEST(SignalRules, SymbolsAreIndependent) {
  SignalRules rules;
  EXPECT_FALSE(rules.on_scorecard(card("TCS", 0, R::kBuy)));
  EXPECT_FALSE(rules.on_scorecard(card("INFY", 0, R::kBuy)));  // does not confirm TCS
  EXPECT_FALSE(rules.on_scorecard(card("INFY", 1, R::kSell)));
  auto s = rules.on_scorecard(card("TCS", 1, R::kBuy));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->symbol, model::Symbol("TCS"));
  EXPECT_EQ(rules.confirmed(model::Symbol("INFY")), R::kHold);
}

TEST(SignalRules, ScorecardWithoutSymbolIsRejectedAndCounted) {
  SignalRules rules(SignalConfig{1});
  EXPECT_FALSE(rules.on_scorecard(card("", 0, R::kBuy)));
  EXPECT_EQ(rules.rejected(), 1);
}

TEST(SignalRules, CarriesIdConfidenceAndProvenance) {
  SignalRules rules;
  model::Scorecard first = card("RELIANCE", 2, R::kBuy);
  model::Scorecard confirming = card("RELIANCE", 3, R::kBuy);
  confirming.ema50 = 2358.5;
  confirming.ema100 = 2350.25;
  confirming.macd = {1.5, 1.25, 0.25};
  confirming.bollinger = {2370.0, 2355.0, 2340.0};
  confirming.trend_score = 2.5;
  confirming.momentum_score = 0.25;
  EXPECT_FALSE(rules.on_scorecard(first));
  auto s = rules.on_scorecard(confirming);
  ASSERT_TRUE(s);
  // 1677555900 + 180 s = 2023-02-28 03:48:00 UTC (date -u -d @1677556080).
  EXPECT_EQ(s->id, "RELIANCE-20230228T0348Z-BUY");
  // 0.5 * 0.3 + 0.5 * (1.375 / 5) = 0.15 + 0.1375.
  EXPECT_DOUBLE_EQ(s->confidence, 0.2875);
  const model::SignalProvenance& p = s->provenance;
  EXPECT_EQ(p.candle_time, confirming.timestamp);
  EXPECT_EQ(p.rsi, 61.2);
  EXPECT_EQ(p.macd.value, 1.5);
  EXPECT_EQ(p.macd.signal, 1.25);
  EXPECT_EQ(p.macd.histogram, 0.25);
  EXPECT_EQ(p.ema50, 2358.5);
  EXPECT_EQ(p.ema100, 2350.25);
  EXPECT_TRUE(std::isnan(p.ema200));
  EXPECT_EQ(p.bollinger.middle, 2355.0);
  EXPECT_EQ(p.trend_score, 2.5);
  EXPECT_EQ(p.momentum_score, 0.25);
  EXPECT_EQ(p.composite_score, 1.375);
  EXPECT_EQ(p.ai_prediction, 0.65);
  EXPECT_EQ(p.ai_confidence, 0.3);
  EXPECT_EQ(p.engine, "heuristic");
  EXPECT_EQ(p.model_version, "v1-heuristic");
}

TEST(SignalRules, ConfidenceFormula) {
  EXPECT_DOUBLE_EQ(SignalRules::confidence(1.0, 5.0), 1.0);
  EXPECT_DOUBLE_EQ(SignalRules::confidence(1.0, -7.0), 1.0);  // |composite| / 5 capped at 1
  EXPECT_DOUBLE_EQ(SignalRules::confidence(0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(SignalRules::confidence(0.8, -2.5), 0.4 + 0.25);
  EXPECT_DOUBLE_EQ(SignalRules::confidence(std::nan(""), 2.5), 0.25);
  EXPECT_DOUBLE_EQ(SignalRules::confidence(1.5, 0.0), 0.5);  // an engine's confidence is clamped to 1
}

TEST(SignalRules, IdsAreDeterministicAndNameSymbolMinuteAndAction) {
  EXPECT_EQ(SignalRules::make_id(model::Symbol("M&M"), core::Timestamp::from_seconds(1677555900 + 60 + 59),
                                 R::kStrongSell),
            "M&M-20230228T0346Z-STRONG_SELL");
  // 1970-01-01 00:00 UTC and a time before the epoch (1969-12-31 23:59 UTC).
  EXPECT_EQ(SignalRules::make_id(model::Symbol("X"), core::Timestamp(), R::kHold), "X-19700101T0000Z-HOLD");
  EXPECT_EQ(SignalRules::make_id(model::Symbol("X"), core::Timestamp::from_seconds(-60), R::kBuy),
            "X-19691231T2359Z-BUY");
}

TEST(SignalRules, CooldownDelaysAChangeThatPersists) {
  SignalRules rules;  // confirm 2, cooldown 15 min
  // BUY confirmed at minute 1. HOLD from minute 2 is confirmed at minute 3, inside the cooldown
  // (until minute 16): held back, then fired on the first scorecard at minute 16.
  std::vector<R> recs{R::kBuy, R::kBuy};
  for (int i = 2; i <= 20; ++i) recs.push_back(R::kHold);
  std::vector<model::Signal> signals;
  EXPECT_EQ(fire_points(rules, recs, &signals), (std::vector<int>{1, 16}));
  ASSERT_EQ(signals.size(), 2u);
  EXPECT_EQ(signals[1].action, R::kHold);
  EXPECT_EQ(signals[1].previous, R::kBuy);
  EXPECT_NE(signals[1].reason.find("held for 15 consecutive scorecards (delayed by the 900 s cooldown)"),
            std::string::npos)
      << signals[1].reason;
  EXPECT_EQ(rules.cooled_down(), 1);
}

TEST(SignalRules, CooldownDropsAChangeThatRevertsBeforeItEnds) {
  SignalRules rules;
  // BUY at 1; HOLD at 2-3 (held back); BUY again at 4 onwards: nothing more to say.
  std::vector<R> recs{R::kBuy, R::kBuy, R::kHold, R::kHold};
  for (int i = 4; i <= 30; ++i) recs.push_back(R::kBuy);
  EXPECT_EQ(fire_points(rules, recs), (std::vector<int>{1}));
  EXPECT_EQ(rules.confirmed(model::Symbol("RELIANCE")), R::kBuy);
}

TEST(SignalRules, ReplaysGiveIdenticalSignals) {
  std::vector<R> recs{R::kBuy, R::kBuy, R::kHold, R::kSell, R::kSell, R::kStrongSell, R::kStrongSell};
  for (int i = 0; i < 20; ++i) recs.push_back(R::kHold);
  SignalRules a;
  SignalRules b;
  std::vector<model::Signal> first;
  std::vector<model::Signal> second;
  fire_points(a, recs, &first);
  fire_points(b, recs, &second);
  ASSERT_EQ(first.size(), second.size());
  ASSERT_FALSE(first.empty());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].id, second[i].id);
    EXPECT_EQ(first[i].reason, second[i].reason);
  }
}

TEST(SignalConfig, ValidateRejectsANegativeCooldown) {
  SignalConfig c;
  c.cooldown = std::chrono::seconds(-1);
  EXPECT_NE(c.validate().message().find("cooldown"), std::string::npos);
  EXPECT_EQ(SignalConfig{}.cooldown, std::chrono::minutes(15));
}

TEST(SignalConfig, ValidateRejectsZeroConfirmCount) {
  EXPECT_TRUE(SignalConfig{}.validate().is_ok());
  auto s = SignalConfig{0}.validate();
  EXPECT_EQ(s.code(), core::ErrorCode::kConfigError);
  EXPECT_NE(s.message().find("confirm_count"), std::string::npos);
}

}  // namespace
}  // namespace nifty::signals
