// SignalRules: turns a stream of Scorecards into Signals (spec layer 6), with hysteresis.
//
// Rule "recommendation_change": each symbol has a confirmed recommendation, HOLD before its first
// Signal. When a scorecard's recommendation differs from the confirmed one and the same new
// recommendation has been seen on `confirm_count` consecutive scorecards of that symbol, a Signal
// is emitted (action = the new one, previous = the old confirmed one) and the new one becomes
// confirmed. A scorecard that returns to the confirmed recommendation, or names a third one,
// restarts the count, so a recommendation that flaps back and forth never fires.
// The Signal carries the confirming scorecard's time, ltp, composite score and AI prediction, and
// a reason naming the rule and the values it fired on, e.g.
//   "recommendation_change: HOLD -> BUY held for 2 consecutive scorecards; composite=1.375
//    rsi=61.20 macd_histogram=0.0412 ai=0.650 (v1-heuristic)"
//
// Threading: not thread-safe; one engine thread feeds it.
// Allocation: per-symbol state on a symbol's first scorecard; the reason string of each Signal.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "core/status.h"
#include "model/scorecard.h"
#include "model/symbol.h"

namespace nifty::signals {

struct SignalConfig {
  int confirm_count = 2;  // consecutive scorecards a new recommendation must hold before it fires (>= 1)

  // Ok, or kConfigError naming the bad field.
  core::Status validate() const;
};

class SignalRules {
 public:
  // The config must be valid (checked).
  explicit SignalRules(SignalConfig config = {});

  // Feeds one scorecard; returns a Signal when the rule fires. A scorecard without a symbol is
  // ignored and counted in rejected().
  std::optional<model::Signal> on_scorecard(const model::Scorecard& card);

  // The confirmed recommendation of `symbol` (HOLD when none has fired yet).
  model::Recommendation confirmed(const model::Symbol& symbol) const;
  int64_t rejected() const { return rejected_; }
  const SignalConfig& config() const { return config_; }

 private:
  struct SymbolState {
    model::Recommendation confirmed = model::Recommendation::kHold;
    model::Recommendation candidate = model::Recommendation::kHold;
    int streak = 0;  // consecutive scorecards with `candidate`; 0 when none pending
  };

  SignalConfig config_;
  std::unordered_map<model::Symbol, SymbolState> states_;
  int64_t rejected_ = 0;
};

}  // namespace nifty::signals
