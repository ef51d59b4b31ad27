#include "predict/heuristic_engine.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nifty::predict {
namespace {

FeatureVector features(double rsi, double macd, double ema50, double ema200) {
  FeatureVector f;
  f.symbol = model::Symbol("RELIANCE");
  f.rsi = rsi;
  f.macd = macd;
  f.ema50 = ema50;
  f.ema200 = ema200;
  f.close = 2358.75;
  f.volume = 154158;
  return f;
}

model::Prediction run(const FeatureVector& f) {
  HeuristicEngine engine;
  auto r = engine.predict(f);
  EXPECT_TRUE(r.is_ok());
  return r.value();
}

constexpr double kTol = 1e-12;

TEST(HeuristicEngine, OversoldWithBullishMacdAndGoldenCrossIsFullyBullish) {
  // 0.5 + 0.2 + 0.15 + 0.15 = 1.0; confidence |1.0 - 0.5| * 2 = 1.0.
  auto p = run(features(25, 1.5, 2400, 2300));
  EXPECT_NEAR(p.prediction, 1.0, kTol);
  EXPECT_NEAR(p.confidence, 1.0, kTol);
  EXPECT_EQ(p.model_version, "v1-heuristic");
}

TEST(HeuristicEngine, OverboughtWithBearishMacdAndDeathCrossIsFullyBearish) {
  // 0.5 - 0.2 - 0.15 - 0.15 = 0.0; confidence 1.0.
  auto p = run(features(75, -1.5, 2300, 2400));
  EXPECT_NEAR(p.prediction, 0.0, kTol);
  EXPECT_NEAR(p.confidence, 1.0, kTol);
}

TEST(HeuristicEngine, NeutralRsiLeavesOnlyMacdAndEmaRules) {
  // 0.5 + 0 + 0.15 - 0.15 = 0.5; confidence 0.
  auto p = run(features(50, 0.8, 2300, 2400));
  EXPECT_NEAR(p.prediction, 0.5, kTol);
  EXPECT_NEAR(p.confidence, 0.0, kTol);
}

TEST(HeuristicEngine, RsiBoundariesAreStrict) {
  // rsi == 30 and rsi == 70 are neither oversold nor overbought: 0.5 + 0.15 + 0.15 = 0.8.
  EXPECT_NEAR(run(features(30, 1, 2, 1)).prediction, 0.8, kTol);
  EXPECT_NEAR(run(features(70, 1, 2, 1)).prediction, 0.8, kTol);
  // rsi 29.99: 0.8 + 0.2 = 1.0; rsi 70.01: 0.8 - 0.2 = 0.6, confidence 0.2.
  EXPECT_NEAR(run(features(29.99, 1, 2, 1)).prediction, 1.0, kTol);
  auto p = run(features(70.01, 1, 2, 1));
  EXPECT_NEAR(p.prediction, 0.6, kTol);
  EXPECT_NEAR(p.confidence, 0.2, kTol);
}

TEST(HeuristicEngine, ZeroMacdAndEqualEmasFallIntoTheElseBranches) {
  // As the spec: macd == 0 is not > 0 (-0.15); ema50 == ema200 is not > (-0.15).
  // 0.5 - 0.15 - 0.15 = 0.2; confidence |0.2 - 0.5| * 2 = 0.6.
  auto p = run(features(50, 0.0, 2300, 2300));
  EXPECT_NEAR(p.prediction, 0.2, kTol);
  EXPECT_NEAR(p.confidence, 0.6, kTol);
}

TEST(HeuristicEngine, OversoldButBearishTrend) {
  // 0.5 + 0.2 - 0.15 - 0.15 = 0.4; confidence 0.2.
  auto p = run(features(20, -3, 2300, 2400));
  EXPECT_NEAR(p.prediction, 0.4, kTol);
  EXPECT_NEAR(p.confidence, 0.2, kTol);
}

TEST(HeuristicEngine, NaNFeaturesContributeNothing) {
  // Deviation from the spec: warming-up indicators are neutral, not the `else` branch.
  auto all_nan = run(features(NAN, NAN, NAN, NAN));
  EXPECT_NEAR(all_nan.prediction, 0.5, kTol);
  EXPECT_NEAR(all_nan.confidence, 0.0, kTol);
  // Only ema200 missing: 0.5 + 0.15 (macd) = 0.65, EMA rule skipped.
  EXPECT_NEAR(run(features(50, 2, 2400, NAN)).prediction, 0.65, kTol);
  // Only macd missing: 0.5 - 0.2 (rsi 80) + 0.15 (golden cross) = 0.45.
  EXPECT_NEAR(run(features(80, NAN, 2400, 2300)).prediction, 0.45, kTol);
}

TEST(HeuristicEngine, NameIsHeuristic) {
  HeuristicEngine engine;
  Engine& port = engine;
  EXPECT_EQ(port.name(), "heuristic");
}

}  // namespace
}  // namespace nifty::predict
