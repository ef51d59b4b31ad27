// HeuristicEngine: the spec's default AI engine (layer 9), rule for rule:
//   score = 0.5
//   rsi < 30  -> +0.20 (oversold, bullish);  rsi > 70 -> -0.20 (overbought, bearish)
//   macd > 0  -> +0.15;                       else     -> -0.15
//   ema50 > ema200 -> +0.15 (golden cross);   else     -> -0.15 (death cross)
//   prediction = clamp(score, 0, 1); confidence = |prediction - 0.5| * 2
//   model_version = "v1-heuristic"
// One deviation, on purpose: a feature that is NaN (its indicator still warming up; for the EMA
// rule, either EMA) contributes nothing, instead of falling into the `else` branch, so that a
// stock with too little history reads neutral rather than bearish.
// Stateless; safe to call from several threads at once.
#pragma once

#include <string_view>

#include "predict/engine.h"

namespace nifty::predict {

class HeuristicEngine final : public Engine {
 public:
  static constexpr std::string_view kName = "heuristic";
  static constexpr std::string_view kModelVersion = "v1-heuristic";

  std::string_view name() const override { return kName; }
  // Never fails.
  core::Result<model::Prediction> predict(const FeatureVector& features) override;
};

}  // namespace nifty::predict
