// Engine: the AI prediction port of spec layer 9. Given one stock's features it returns a
// Prediction (0 = bearish ... 1 = bullish, with a confidence). Adapters: HeuristicEngine (here);
// LSTM and LLM engines later.
// Threading: an engine instance is called from one thread at a time unless its header says more.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "model/scorecard.h"
#include "model/symbol.h"

namespace nifty::predict {

// The spec's FeatureVector. Indicator fields are NaN while that indicator is still warming up.
struct FeatureVector {
  model::Symbol symbol;
  double rsi = model::kNaN;     // RSI(14), 0..100
  double macd = model::kNaN;    // MACD line (12, 26), rupees
  double ema50 = model::kNaN;   // rupees
  double ema200 = model::kNaN;  // rupees
  double close = model::kNaN;   // rupees
  int64_t volume = 0;           // shares in the candle that produced these features
};

class Engine {
 public:
  virtual ~Engine();
  // Stable name for config and logs ("heuristic").
  virtual std::string_view name() const = 0;
  // An error means "no opinion this time" (e.g. a remote model unavailable); callers decide the
  // fallback.
  virtual core::Result<model::Prediction> predict(const FeatureVector& features) = 0;
};

}  // namespace nifty::predict
