#include "signals/signal_rules.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/check.h"

namespace nifty::signals {

core::Status SignalConfig::validate() const {
  if (confirm_count < 1) {
    return core::error(core::ErrorCode::kConfigError,
                       fmt::format("signals config: confirm_count must be >= 1, got {}", confirm_count));
  }
  if (cooldown.count() < 0) {
    return core::error(core::ErrorCode::kConfigError,
                       fmt::format("signals config: cooldown must be >= 0 s, got {} s", cooldown.count()));
  }
  return core::Status::ok();
}

SignalRules::SignalRules(SignalConfig config) : config_(config) {
  NIFTY_CHECK(config_.validate().is_ok(), "invalid SignalConfig (validate() it first)");
}

std::string SignalRules::make_id(const model::Symbol& symbol, core::Timestamp time, model::Recommendation action) {
  // UTC wall time from days since the epoch (no time zone database, no locale).
  const int64_t minutes = time.floor(core::kNanosPerMinute).nanos() / core::kNanosPerMinute;
  int64_t days = minutes / (24 * 60);
  int64_t minute_of_day = minutes % (24 * 60);
  if (minute_of_day < 0) {
    minute_of_day += 24 * 60;
    --days;
  }
  core::Date d = core::Date::from_days_since_epoch(days);
  return fmt::format("{}-{:04d}{:02d}{:02d}T{:02d}{:02d}Z-{}", symbol.view(), d.year, d.month, d.day,
                     minute_of_day / 60, minute_of_day % 60, model::recommendation_name(action));
}

double SignalRules::confidence(double ai_confidence, double composite) {
  double ai = std::isfinite(ai_confidence) ? std::clamp(ai_confidence, 0.0, 1.0) : 0.0;
  double strength = std::isfinite(composite) ? std::min(std::fabs(composite) / 5.0, 1.0) : 0.0;
  return 0.5 * ai + 0.5 * strength;
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
    s.held = false;
    return std::nullopt;
  }
  if (s.streak > 0 && now == s.candidate) {
    ++s.streak;
  } else {
    s.candidate = now;
    s.streak = 1;
    s.held = false;
  }
  if (s.streak < config_.confirm_count) return std::nullopt;
  const int64_t cooldown_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(config_.cooldown).count();
  if (s.has_signal && card.timestamp - s.last_signal < cooldown_nanos) {
    if (!s.held) ++cooled_down_;
    s.held = true;
    return std::nullopt;
  }

  model::Signal signal;
  signal.id = make_id(card.symbol, card.timestamp, now);
  signal.symbol = card.symbol;
  signal.timestamp = card.timestamp;
  signal.action = now;
  signal.previous = s.confirmed;
  signal.price = card.ltp;
  signal.confidence = confidence(card.ai.confidence, card.composite_score);
  signal.composite_score = card.composite_score;
  signal.ai_prediction = card.ai.prediction;
  signal.reason = fmt::format(
      "recommendation_change: {} -> {} held for {} consecutive scorecards{}; composite={:.3f} rsi={:.2f} "
      "macd_histogram={:.4f} ai={:.3f} ({})",
      model::recommendation_name(s.confirmed), model::recommendation_name(now), s.streak,
      s.held ? fmt::format(" (delayed by the {} s cooldown)", config_.cooldown.count()) : std::string(),
      card.composite_score, card.rsi, card.macd.histogram, card.ai.prediction, card.ai.model_version);
  model::SignalProvenance& p = signal.provenance;
  p.candle_time = card.timestamp;
  p.rsi = card.rsi;
  p.macd = card.macd;
  p.ema50 = card.ema50;
  p.ema100 = card.ema100;
  p.ema200 = card.ema200;
  p.bollinger = card.bollinger;
  p.trend_score = card.trend_score;
  p.momentum_score = card.momentum_score;
  p.composite_score = card.composite_score;
  p.ai_prediction = card.ai.prediction;
  p.ai_confidence = card.ai.confidence;
  p.engine = card.ai_engine;
  p.model_version = card.ai.model_version;

  s.confirmed = now;
  s.streak = 0;
  s.held = false;
  s.has_signal = true;
  s.last_signal = card.timestamp;
  return signal;
}

model::Recommendation SignalRules::confirmed(const model::Symbol& symbol) const {
  auto it = states_.find(symbol);
  return it == states_.end() ? model::Recommendation::kHold : it->second.confirmed;
}

void SignalRules::forget(const model::Symbol& symbol) { states_.erase(symbol); }

}  // namespace nifty::signals
