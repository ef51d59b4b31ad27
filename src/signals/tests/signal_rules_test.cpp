#include "signals/signal_rules.h"

#include <gtest/gtest.h>

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
  SignalRules rules;
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
  SignalRules rules;
  std::vector<model::Signal> signals;
  EXPECT_EQ(fire_points(rules, {R::kSell, R::kSell, R::kHold, R::kHold}, &signals), (std::vector<int>{1, 3}));
  EXPECT_EQ(signals[1].action, R::kHold);
  EXPECT_EQ(signals[1].previous, R::kSell);
}

TEST(SignalRules, ConfirmCountIsConfigurable) {
  SignalRules immediate(SignalConfig{1});
  EXPECT_EQ(fire_points(immediate, {R::kBuy, R::kHold, R::kHold}), (std::vector<int>{0, 1}));
  SignalRules patient(SignalConfig{3});
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

TEST(SignalConfig, ValidateRejectsZeroConfirmCount) {
  EXPECT_TRUE(SignalConfig{}.validate().is_ok());
  auto s = SignalConfig{0}.validate();
  EXPECT_EQ(s.code(), core::ErrorCode::kConfigError);
  EXPECT_NE(s.message().find("confirm_count"), std::string::npos);
}

}  // namespace
}  // namespace nifty::signals
