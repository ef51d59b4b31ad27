// Scorecard, Prediction, Recommendation and Signal: what analysis says about one stock.
// Indicator values are NaN until the indicator has enough history (JSON null).
// Formulas and thresholds: docs/analysis.md. Value types.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/timestamp.h"
#include "model/price.h"
#include "model/symbol.h"

namespace nifty::model {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Recommendation : uint8_t { kStrongSell, kSell, kHold, kBuy, kStrongBuy };
std::string_view recommendation_name(Recommendation r);  // "STRONG_BUY" ...
std::optional<Recommendation> parse_recommendation(std::string_view name);

// The AI engine's view (spec layer 9): prediction 0 = bearish ... 1 = bullish.
struct Prediction {
  double prediction = 0.5;
  double confidence = 0.0;
  std::string model_version;
};

struct MacdValue {
  double value = kNaN;
  double signal = kNaN;
  double histogram = kNaN;
};

struct BollingerValue {
  double upper = kNaN;
  double middle = kNaN;
  double lower = kNaN;
};

struct Scorecard {
  Symbol symbol;
  core::Timestamp timestamp;  // start of the candle that produced it
  Price ltp;
  double change = 0.0;          // rupees versus the reference (previous close, else the day's open)
  double change_percent = 0.0;
  Quantity day_volume = 0;
  double rsi = kNaN;
  MacdValue macd;
  double ema50 = kNaN;
  double ema100 = kNaN;
  double ema200 = kNaN;
  BollingerValue bollinger;
  double trend_score = 0.0;     // -5 .. +5
  double momentum_score = 0.0;  // -5 .. +5
  double composite_score = 0.0; // average of the two
  Prediction ai;
  Recommendation recommendation = Recommendation::kHold;
  std::string ai_engine;        // name of the predict::Engine that produced `ai` ("heuristic")
  // Time spent computing this scorecard (indicators, scores, the engine call, the recommendation),
  // measured on the steady clock by ScorecardBuilder::on_candle.
  int64_t latency_ns = 0;

  // The spec's `latency_ms`: latency_ns in whole milliseconds, truncated (as Go's
  // Duration.Milliseconds() does), so 0 means "under a millisecond".
  int64_t latency_ms() const { return latency_ns / 1'000'000; }
};

// Where a Signal came from: the inputs of the rule that fired, so that it can be checked and
// reproduced. Copied from the confirming Scorecard.
struct SignalProvenance {
  core::Timestamp candle_time;  // start of the candle whose Scorecard confirmed the signal
  double rsi = kNaN;
  MacdValue macd;
  double ema50 = kNaN;
  double ema100 = kNaN;
  double ema200 = kNaN;
  BollingerValue bollinger;
  double trend_score = 0.0;
  double momentum_score = 0.0;
  double composite_score = 0.0;
  double ai_prediction = 0.5;
  double ai_confidence = 0.0;
  std::string engine;         // predict::Engine name ("heuristic")
  std::string model_version;  // the engine's model version ("v1-heuristic")
};

// A graded, explained call on one stock, published on the `signals` topic.
struct Signal {
  // Deterministic: "<SYMBOL>-<YYYYMMDDTHHMMZ of timestamp, UTC>-<ACTION>", e.g.
  // "TCS-20240125T0500Z-BUY"; a replay of the same data gives the same ids.
  std::string id;
  Symbol symbol;
  core::Timestamp timestamp;  // start of the candle that confirmed it (= provenance.candle_time)
  Recommendation action = Recommendation::kHold;
  Recommendation previous = Recommendation::kHold;
  Price price;
  // 0..1: 0.5 * ai confidence + 0.5 * min(|composite| / 5, 1) (docs/analysis.md).
  double confidence = 0.0;
  double composite_score = 0.0;  // = provenance.composite_score
  double ai_prediction = 0.5;    // = provenance.ai_prediction
  std::string reason;  // which rule fired and on what values, for humans
  SignalProvenance provenance;
};

}  // namespace nifty::model
