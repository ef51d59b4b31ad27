#include "analysis/scorecard_builder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "core/check.h"

namespace nifty::analysis {

namespace {

constexpr double kVote = 1.25;  // trend: four votes make +/-5

double vote(double above, double below) {
  if (std::isnan(above) || std::isnan(below) || above == below) return 0.0;
  return above > below ? kVote : -kVote;
}

}  // namespace

core::Status ScorecardConfig::validate() const {
  auto bad = [](const char* field) {
    return core::error(core::ErrorCode::kConfigError, fmt::format("analysis config: {} is out of range", field));
  };
  if (static_cast<size_t>(interval) >= std::size(model::kAllIntervals)) return bad("interval");
  if (rsi_period < 1) return bad("rsi_period");
  if (macd_fast < 1) return bad("macd_fast");
  if (macd_slow < 1) return bad("macd_slow");
  if (macd_signal < 1) return bad("macd_signal");
  if (bollinger_period < 1) return bad("bollinger_period");
  if (!(bollinger_k >= 0.0)) return bad("bollinger_k");
  if (!(macd_full_scale_percent > 0.0)) return bad("macd_full_scale_percent");
  if (!(strong_composite >= composite)) return bad("strong_composite");
  if (!(composite >= 0.0)) return bad("composite");
  if (!(strong_prediction >= prediction && strong_prediction <= 1.0)) return bad("strong_prediction");
  if (!(prediction >= 0.5)) return bad("prediction");
  return core::Status::ok();
}

ScorecardBuilder::SymbolState::SymbolState(const ScorecardConfig& c)
    : rsi(c.rsi_period), macd(c.macd_fast, c.macd_slow, c.macd_signal), bollinger(c.bollinger_period, c.bollinger_k) {}

ScorecardBuilder::ScorecardBuilder(predict::Engine& engine, ScorecardConfig config)
    : engine_(engine), config_(config) {
  NIFTY_CHECK(config_.validate().is_ok(), "invalid ScorecardConfig (validate() it first)");
}

double ScorecardBuilder::trend_score(double close, double ema50, double ema100, double ema200) {
  return vote(close, ema50) + vote(close, ema100) + vote(close, ema200) + vote(ema50, ema200);
}

double ScorecardBuilder::momentum_score(double close, double rsi, double macd_histogram, double full_scale_percent) {
  double rsi_part = std::isnan(rsi) ? 0.0 : 2.5 * (rsi - 50.0) / 50.0;
  double macd_part = 0.0;
  double full_scale = close * full_scale_percent / 100.0;
  if (!std::isnan(macd_histogram) && full_scale > 0.0) {
    macd_part = 2.5 * std::clamp(macd_histogram / full_scale, -1.0, 1.0);
  }
  return rsi_part + macd_part;
}

model::Recommendation ScorecardBuilder::recommend(double composite, double prediction, const ScorecardConfig& c) {
  using model::Recommendation;
  if (composite >= c.strong_composite && prediction >= c.strong_prediction) return Recommendation::kStrongBuy;
  if (composite >= c.composite && prediction >= c.prediction) return Recommendation::kBuy;
  if (composite <= -c.strong_composite && prediction <= 1.0 - c.strong_prediction) return Recommendation::kStrongSell;
  if (composite <= -c.composite && prediction <= 1.0 - c.prediction) return Recommendation::kSell;
  return Recommendation::kHold;
}

core::Status ScorecardBuilder::check(const model::Candle& c, const SymbolState* state) const {
  auto reject = [&](std::string_view why) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       fmt::format("analysis: candle {} at {} rejected: {}", c.symbol.view(), c.start.to_iso_utc(), why));
  };
  if (c.symbol.empty()) return reject("empty symbol");
  if (c.interval != config_.interval) {
    return reject(fmt::format("interval {} is not the analysed interval {}", model::interval_name(c.interval),
                              model::interval_name(config_.interval)));
  }
  if (!c.ohlc_valid()) {
    return reject(fmt::format("inconsistent OHLCV o={} h={} l={} c={} v={}", c.open.to_string(), c.high.to_string(),
                              c.low.to_string(), c.close.to_string(), c.volume));
  }
  if (state != nullptr && state->has_candle && c.start <= state->last_start) {
    return reject(fmt::format("not after the previous candle at {}", state->last_start.to_iso_utc()));
  }
  return core::Status::ok();
}

core::Result<ScorecardBuilder::SymbolState*> ScorecardBuilder::ingest(const model::Candle& c) {
  auto it = states_.find(c.symbol);
  core::Status status = check(c, it == states_.end() ? nullptr : &it->second);
  if (!status.is_ok()) {
    ++rejected_;
    return status;
  }
  if (it == states_.end()) it = states_.try_emplace(c.symbol, config_).first;
  SymbolState& s = it->second;

  int64_t day = c.start.ist_date().days_since_epoch();
  if (!s.has_candle || day != s.day) {
    if (s.has_candle) {
      s.previous_close = s.last_close;
      s.has_previous_close = true;
    }
    s.day = day;
    s.day_open = c.open;
    s.day_volume = 0;
  }
  s.flat_run = s.has_candle && c.close == s.last_close ? s.flat_run + 1 : 0;
  s.has_candle = true;
  s.last_start = c.start;
  s.last_close = c.close;
  s.day_volume += c.volume;

  double close = c.close.rupees();
  s.rsi.update(close);
  s.macd.update(close);
  s.ema50.update(close);
  s.ema100.update(close);
  s.ema200.update(close);
  s.bollinger.update(close);
  return &s;
}

void ScorecardBuilder::forget(const model::Symbol& symbol) { states_.erase(symbol); }

core::Status ScorecardBuilder::warm_up(const model::Candle& candle) {
  auto state = ingest(candle);
  return state.status();
}

core::Result<model::Scorecard> ScorecardBuilder::on_candle(const model::Candle& candle) {
  auto started = std::chrono::steady_clock::now();
  NIFTY_ASSIGN_OR_RETURN(SymbolState * s, ingest(candle));

  model::Scorecard& card = s->latest;
  card.symbol = candle.symbol;
  card.timestamp = candle.start;
  card.ltp = candle.close;
  model::Price reference = s->has_previous_close ? s->previous_close : s->day_open;
  card.change = (candle.close - reference).rupees();
  card.change_percent = reference.paise() > 0 ? 100.0 * card.change / reference.rupees() : 0.0;
  card.day_volume = s->day_volume;
  card.rsi = s->rsi.value();
  card.macd = model::MacdValue{s->macd.macd(), s->macd.signal(), s->macd.histogram()};
  card.ema50 = s->ema50.value();
  card.ema100 = s->ema100.value();
  card.ema200 = s->ema200.value();
  card.bollinger = model::BollingerValue{s->bollinger.upper(), s->bollinger.middle(), s->bollinger.lower()};

  double close = candle.close.rupees();
  card.trend_score = trend_score(close, card.ema50, card.ema100, card.ema200);
  // A flat window has no momentum; TA-Lib's RSI of 0 there must not read as "all losses".
  double rsi_for_score = s->flat_run >= config_.rsi_period ? 50.0 : card.rsi;
  card.momentum_score = momentum_score(close, rsi_for_score, card.macd.histogram, config_.macd_full_scale_percent);
  card.composite_score = (card.trend_score + card.momentum_score) / 2.0;

  predict::FeatureVector features{candle.symbol, card.rsi,  card.macd.value,  card.ema50,
                                  card.ema200,       close,     candle.volume};
  auto prediction = engine_.predict(features);
  if (prediction.is_ok()) {
    card.ai = std::move(prediction).value();
  } else {
    ++ai_failures_;
    card.ai.prediction = 0.5;
    card.ai.confidence = 0.0;
    card.ai.model_version = fmt::format("{}-unavailable", engine_.name());
  }
  card.recommendation = recommend(card.composite_score, card.ai.prediction, config_);
  if (card.ai_engine != engine_.name()) card.ai_engine = std::string(engine_.name());
  s->has_scorecard = true;
  card.latency_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
  return card;
}

const model::Scorecard* ScorecardBuilder::latest(const model::Symbol& symbol) const {
  auto it = states_.find(symbol);
  if (it == states_.end() || !it->second.has_scorecard) return nullptr;
  return &it->second.latest;
}

}  // namespace nifty::analysis
