// SignalRules: turns a stream of Scorecards into Signals (spec layer 6), with hysteresis and a
// per-symbol cooldown, each Signal carrying its provenance.
//
// Rule "recommendation_change": each symbol has a confirmed recommendation, HOLD before its first
// Signal. When a scorecard's recommendation differs from the confirmed one and the same new
// recommendation has been seen on `confirm_count` consecutive scorecards of that symbol, a Signal
// is emitted (action = the new one, previous = the old confirmed one) and the new one becomes
// confirmed. A scorecard that returns to the confirmed recommendation, or names a third one,
// restarts the count, so a recommendation that flaps back and forth never fires.
//
// Cooldown: after a Signal for a symbol at candle time T, no Signal fires for that symbol on a
// scorecard whose time is before T + cooldown (exchange time, so a replay behaves as live). The
// count goes on during the cooldown: a change that is confirmed during it and still holds on the
// first scorecard at or after T + cooldown fires on that scorecard.
//
// The Signal carries the firing scorecard's time, ltp, composite score and AI prediction; its id
// (make_id); confidence = 0.5 * clamp(ai.confidence, 0, 1) + 0.5 * min(|composite| / 5, 1), so a
// strong call backed by a confident engine nears 1, a return to HOLD near 0; a reason naming the
// rule and the values it fired on, e.g.
//   "recommendation_change: HOLD -> BUY held for 2 consecutive scorecards; composite=1.375
//    rsi=61.20 macd_histogram=0.0412 ai=0.650 (v1-heuristic)"
// and the provenance (every indicator value, the scores, the engine and model version).
//
// Threading: not thread-safe; one engine thread feeds it.
// Allocation: per-symbol state on a symbol's first scorecard; the strings of each Signal.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "core/timestamp.h"
#include "model/scorecard.h"
#include "model/symbol.h"

namespace nifty::signals {

struct SignalConfig {
  int confirm_count = 2;  // consecutive scorecards a new recommendation must hold before it fires (>= 1)
  // After a Signal, no other Signal for the same symbol until this much exchange time has passed
  // (>= 0; 0 disables the cooldown).
  std::chrono::seconds cooldown{std::chrono::minutes(15)};

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
  // Drops the state of `symbol` (confirmed recommendation, pending count, cooldown): its next
  // scorecard starts from HOLD. For a symbol whose stream went to another consumer.
  void forget(const model::Symbol& symbol);
  int64_t rejected() const { return rejected_; }
  // Signals held back by the cooldown at least once before firing (or never firing).
  int64_t cooled_down() const { return cooled_down_; }
  const SignalConfig& config() const { return config_; }

  // "<SYMBOL>-<YYYYMMDDTHHMM>Z-<ACTION>" with the time in UTC: "TCS-20240125T0500Z-BUY".
  static std::string make_id(const model::Symbol& symbol, core::Timestamp time, model::Recommendation action);
  // 0.5 * clamp(ai_confidence, 0, 1) + 0.5 * min(|composite| / 5, 1); non-finite inputs count as 0.
  static double confidence(double ai_confidence, double composite);

 private:
  struct SymbolState {
    model::Recommendation confirmed = model::Recommendation::kHold;
    model::Recommendation candidate = model::Recommendation::kHold;
    int streak = 0;  // consecutive scorecards with `candidate`; 0 when none pending
    bool has_signal = false;
    core::Timestamp last_signal;  // candle time of the last Signal
    bool held = false;            // the pending candidate has been held back by the cooldown
  };

  SignalConfig config_;
  std::unordered_map<model::Symbol, SymbolState> states_;
  int64_t rejected_ = 0;
  int64_t cooled_down_ = 0;
};

}  // namespace nifty::signals
