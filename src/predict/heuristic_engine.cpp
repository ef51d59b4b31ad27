#include "predict/heuristic_engine.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace nifty::predict {

core::Result<model::Prediction> HeuristicEngine::predict(const FeatureVector& f) {
  double score = 0.5;

  // NaN compares false both ways, so a warming-up RSI adds nothing here without a special case.
  if (f.rsi < 30.0) {
    score += 0.2;
  } else if (f.rsi > 70.0) {
    score -= 0.2;
  }

  if (!std::isnan(f.macd)) score += f.macd > 0.0 ? 0.15 : -0.15;

  if (!std::isnan(f.ema50) && !std::isnan(f.ema200)) score += f.ema50 > f.ema200 ? 0.15 : -0.15;

  model::Prediction p;
  p.prediction = std::clamp(score, 0.0, 1.0);
  p.confidence = std::abs(p.prediction - 0.5) * 2.0;
  p.model_version = std::string(kModelVersion);
  return p;
}

}  // namespace nifty::predict
