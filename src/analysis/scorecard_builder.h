// ScorecardBuilder: turns each symbol's candles of one interval (ScorecardConfig::interval, 1m by
// default) into a Scorecard (spec layer 4), keeping streaming indicators per symbol and asking a
// predict::Engine for the AI view.
//
// Indicators, over the closes in rupees: RSI(14), MACD(12,26,9), EMA 50/100/200,
// Bollinger(20, 2); each NaN until warm (see src/indicators). docs/analysis.md explains every
// formula below, its reason, and what happens with warming indicators, flat prices and gaps.
//
// Formulas:
//  ltp            = candle close.
//  day_volume     = sum of the volumes of this symbol's candles of the current IST day.
//  change         = close - reference, in rupees; change_percent = 100 * change / reference, where
//                   reference = the last close of the previous IST day this symbol traded (when
//                   seen, through on_candle or warm_up), else the open of the day's first candle.
//  trend_score    in -5..+5: the sum of four votes of +/-1.25 each: close vs EMA50, close vs
//                   EMA100, close vs EMA200, EMA50 vs EMA200 (+1.25 above, -1.25 below, 0 when
//                   equal or when an EMA is still NaN).
//  momentum_score in -5..+5: rsi_part + macd_part, where
//                   rsi_part  = 2.5 * (rsi - 50) / 50                        (0 while NaN, and 0
//                   when the last rsi_period changes of the close are all zero: TA-Lib's RSI of a
//                   flat series is 0, which would read as "all losses")
//                   macd_part = 2.5 * clamp(h / (close * macd_full_scale_percent / 100), -1, 1)
//                   with h the MACD histogram in rupees (0 while NaN): a histogram of
//                   macd_full_scale_percent of the price (default 0.05 %) or more counts fully.
//  composite_score = (trend_score + momentum_score) / 2.
//  ai             = engine.predict({symbol, rsi, macd line, ema50, ema200, close, candle volume}).
//                   When the engine fails: prediction 0.5, confidence 0, model_version =
//                   "<engine name>-unavailable", counted in ai_failures().
//  recommendation, first rule that holds (c = composite, p = ai.prediction):
//                   STRONG_BUY  c >= 2.5 and p >= 0.65;   BUY  c >= 1 and p >= 0.5;
//                   STRONG_SELL c <= -2.5 and p <= 0.35;  SELL c <= -1 and p <= 0.5;   else HOLD.
//                   (thresholds in ScorecardConfig; the sell side mirrors the buy side.)
//  ai_engine      = engine.name().
//  timestamp      = candle start; latency_ns = steady-clock time spent inside on_candle
//                   (latency_ms() = the same in whole milliseconds, truncated).
//
// Candles are rejected (an error returned, nothing changed, counted in rejected()) when the
// symbol is empty, the interval is not config.interval, OHLC/volume are inconsistent (Candle::ohlc_valid), or
// the candle does not start after the symbol's previous candle.
//
// Threading: not thread-safe; one engine thread feeds it. The engine is called on that thread.
// Allocation: a symbol's state is allocated the first time the symbol is seen; after that
// on_candle does not allocate (the engine's model_version string aside, which fits SSO for the
// heuristic engine).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "core/status.h"
#include "indicators/bollinger.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/rsi.h"
#include "model/candle.h"
#include "model/scorecard.h"
#include "model/symbol.h"
#include "predict/engine.h"

namespace nifty::analysis {

struct ScorecardConfig {
  model::Interval interval = model::Interval::k1m;  // the candles analysed; others are rejected
  int rsi_period = 14;                    // Wilder RSI period
  int macd_fast = 12;                     // MACD fast EMA period
  int macd_slow = 26;                     // MACD slow EMA period
  int macd_signal = 9;                    // MACD signal EMA period
  int bollinger_period = 20;              // Bollinger window
  double bollinger_k = 2.0;               // Bollinger width in population standard deviations
  double macd_full_scale_percent = 0.05;  // MACD histogram (% of price) that counts as full momentum
  double strong_composite = 2.5;          // |composite| needed for STRONG_BUY / STRONG_SELL
  double strong_prediction = 0.65;        // ai.prediction needed for STRONG_BUY (1 - it for STRONG_SELL)
  double composite = 1.0;                 // |composite| needed for BUY / SELL
  double prediction = 0.5;                // ai.prediction needed for BUY (1 - it for SELL)

  // Ok, or kConfigError naming the first bad field.
  core::Status validate() const;
};

class ScorecardBuilder {
 public:
  // `engine` must outlive the builder. The config must be valid (checked).
  explicit ScorecardBuilder(predict::Engine& engine, ScorecardConfig config = {});

  // Feeds one candle of config().interval and returns the symbol's new Scorecard (also kept as
  // latest()). Errors (kInvalidArgument, naming the symbol, the time and the problem) for
  // rejected candles.
  core::Result<model::Scorecard> on_candle(const model::Candle& candle);
  // Feeds history (indicators and day state) without producing a Scorecard or calling the engine.
  // Same validation as on_candle.
  core::Status warm_up(const model::Candle& candle);
  // The last Scorecard produced for `symbol`, or nullptr. Valid until the next on_candle call.
  const model::Scorecard* latest(const model::Symbol& symbol) const;
  // Drops everything kept for `symbol` (indicators, day state, latest scorecard): its next candle
  // starts it afresh. For a symbol whose stream went to another consumer (a Kafka rebalance).
  void forget(const model::Symbol& symbol);

  // Pure pieces of the formulas above, public so that they can be tested and reused.
  static double trend_score(double close, double ema50, double ema100, double ema200);
  static double momentum_score(double close, double rsi, double macd_histogram, double full_scale_percent);
  static model::Recommendation recommend(double composite, double prediction, const ScorecardConfig& config);

  const ScorecardConfig& config() const { return config_; }
  int64_t rejected() const { return rejected_; }
  int64_t ai_failures() const { return ai_failures_; }

 private:
  struct SymbolState {
    explicit SymbolState(const ScorecardConfig& c);
    indicators::Rsi rsi;
    indicators::Macd macd;
    indicators::Ema ema50{50};
    indicators::Ema ema100{100};
    indicators::Ema ema200{200};
    indicators::Bollinger bollinger;
    bool has_candle = false;
    core::Timestamp last_start;
    int64_t day = 0;  // IST days since epoch of the current day
    model::Price day_open;
    model::Price last_close;
    int64_t flat_run = 0;  // consecutive candles whose close equals the previous close
    bool has_previous_close = false;
    model::Price previous_close;  // last close of the previous IST day seen
    model::Quantity day_volume = 0;
    bool has_scorecard = false;
    model::Scorecard latest;
  };

  core::Status check(const model::Candle& c, const SymbolState* state) const;
  // Validates, then updates indicators and day state; returns the symbol's state.
  core::Result<SymbolState*> ingest(const model::Candle& c);

  predict::Engine& engine_;
  ScorecardConfig config_;
  std::unordered_map<model::Symbol, SymbolState> states_;
  int64_t rejected_ = 0;
  int64_t ai_failures_ = 0;
};

}  // namespace nifty::analysis
