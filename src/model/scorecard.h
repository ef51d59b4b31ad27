// Scorecard, Prediction, Recommendation and Signal: what analysis says about one stock.
// Indicator values are NaN until the indicator has enough history (JSON null).
// Value types.
#pragma once

#include <cmath>
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
  int64_t latency_ns = 0;       // candle close to scorecard ready
};

// A graded, explained call on one stock, published on the `signals` topic.
struct Signal {
  Symbol symbol;
  core::Timestamp timestamp;
  Recommendation action = Recommendation::kHold;
  Recommendation previous = Recommendation::kHold;
  Price price;
  double composite_score = 0.0;
  double ai_prediction = 0.5;
  std::string reason;  // provenance: which rule fired and on what values
};

}  // namespace nifty::model
