#include "signals/signal_rules.h"

#include <fmt/format.h>

#include "core/check.h"

namespace nifty::signals {

core::Status SignalConfig::validate() const {
  if (confirm_count < 1) {
    return core::error(core::ErrorCode::kConfigError,
                       fmt::format("signals config: confirm_count must be >= 1, got {}", confirm_count));
  }
  return core::Status::ok();
}

SignalRules::SignalRules(SignalConfig config) : config_(config) {
  NIFTY_CHECK(config_.validate().is_ok(), "invalid SignalConfig (validate() it first)");
}

std::optional<model::Signal> SignalRules::on_scorecard(const model::Scorecard& card) {
  if (card.symbol.empty()) {
    ++rejected_;
    return std::nullopt;
  }
  SymbolState& s = states_[card.symbol];
  const model::Recommendation now = card.recommendation;
  if (now == s.confirmed) {
    s.streak = 0;
    return std::nullopt;
  }
  if (s.streak > 0 && now == s.candidate) {
    ++s.streak;
  } else {
    s.candidate = now;
    s.streak = 1;
  }
  if (s.streak < config_.confirm_count) return std::nullopt;

  model::Signal signal;
  signal.symbol = card.symbol;
  signal.timestamp = card.timestamp;
  signal.action = now;
  signal.previous = s.confirmed;
  signal.price = card.ltp;
  signal.composite_score = card.composite_score;
  signal.ai_prediction = card.ai.prediction;
  signal.reason = fmt::format(
      "recommendation_change: {} -> {} held for {} consecutive scorecards; composite={:.3f} rsi={:.2f} "
      "macd_histogram={:.4f} ai={:.3f} ({})",
      model::recommendation_name(s.confirmed), model::recommendation_name(now), s.streak, card.composite_score,
      card.rsi, card.macd.histogram, card.ai.prediction, card.ai.model_version);
  s.confirmed = now;
  s.streak = 0;
  return signal;
}

model::Recommendation SignalRules::confirmed(const model::Symbol& symbol) const {
  auto it = states_.find(symbol);
  return it == states_.end() ? model::Recommendation::kHold : it->second.confirmed;
}

}  // namespace nifty::signals
