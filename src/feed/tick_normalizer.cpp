#include "feed/tick_normalizer.h"

#include <climits>

namespace nifty::feed {

std::string_view reject_reason_name(RejectReason reason) {
  switch (reason) {
    case RejectReason::kBadPrice: return "bad_price";
    case RejectReason::kVolumeBackwards: return "volume_backwards";
    case RejectReason::kOutsideSession: return "outside_session";
    case RejectReason::kDuplicateSequence: return "duplicate_sequence";
  }
  return "unknown";
}

TickNormalizer::TickNormalizer(const core::NseCalendar& calendar, std::string feed_name)
    : calendar_(calendar), feed_name_(std::move(feed_name)), log_(core::Logger::get("feed")) {
  auto& registry = core::MetricsRegistry::global();
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    rejected_counters_[i] = &registry.counter(
        "ticks_rejected_total", "Ticks rejected by the normalizer, by feed and reason",
        {{"feed", feed_name_}, {"reason", std::string(reject_reason_name(static_cast<RejectReason>(i)))}});
  }
  accepted_counter_ =
      &registry.counter("ticks_accepted_total", "Ticks accepted by the normalizer, by feed", {{"feed", feed_name_}});
}

bool TickNormalizer::in_session(core::Timestamp t) {
  if (cached_session_ && cached_session_->contains(t)) return true;
  // Sessions open and close on whole minutes, so one answer holds for the whole minute.
  const int64_t minute = t.floor(core::kNanosPerMinute).nanos();
  if (minute == cached_outside_minute_) return false;
  if (auto s = calendar_.session_at(t)) {
    cached_session_ = s;
    return true;
  }
  cached_outside_minute_ = minute;
  return false;
}

std::optional<RejectReason> TickNormalizer::normalize(model::Tick& tick) {
  auto price_ok = [](model::Price p) { return p.paise() >= 0 && p.paise() <= model::kMaxPricePaise; };
  if (tick.last_price.paise() <= 0 || !price_ok(tick.last_price) || !price_ok(tick.bid) || !price_ok(tick.ask) ||
      tick.cumulative_volume < 0 || tick.cumulative_volume > model::kMaxQuantity) {
    return reject(RejectReason::kBadPrice, tick, 0);
  }
  if (tick.sequence != 0) {
    if (tick.sequence <= highest_sequence_) return reject(RejectReason::kDuplicateSequence, tick, 0);
    highest_sequence_ = tick.sequence;
  }
  const int64_t day =
      (tick.exchange_time + core::kIstOffsetNanos).floor(core::kNanosPerDay).nanos() / core::kNanosPerDay;
  auto [it, inserted] = symbols_.try_emplace(tick.symbol, SymbolState{day, 0});
  SymbolState& state = it->second;
  const model::Quantity baseline = day > state.day ? 0 : state.cumulative;
  if (tick.cumulative_volume < baseline) return reject(RejectReason::kVolumeBackwards, tick, baseline);
  if (day > state.day) state.day = day;
  state.cumulative = tick.cumulative_volume;
  if (!in_session(tick.exchange_time)) return reject(RejectReason::kOutsideSession, tick, baseline);
  tick.volume_delta = tick.cumulative_volume - baseline;
  ++counts_.accepted;
  accepted_counter_->inc();
  return std::nullopt;
}

size_t TickNormalizer::normalize_batch(std::span<model::Tick> ticks) {
  size_t kept = 0;
  for (size_t i = 0; i < ticks.size(); ++i) {
    if (normalize(ticks[i])) continue;
    if (kept != i) ticks[kept] = ticks[i];
    ++kept;
  }
  return kept;
}

std::optional<RejectReason> TickNormalizer::reject(RejectReason reason, const model::Tick& tick,
                                                   model::Quantity baseline) {
  const size_t i = static_cast<size_t>(reason);
  ++counts_.rejected[i];
  rejected_counters_[i]->inc();
  uint64_t suppressed = 0;
  if (log_.enabled(core::LogLevel::kWarn) && log_limiter_.should_log(suppressed)) {
    log_.warn("tick rejected", {{"feed", feed_name_},
                                {"symbol", tick.symbol.view()},
                                {"reason", reject_reason_name(reason)},
                                {"price", tick.last_price.to_string()},
                                {"bid", tick.bid.paise()},
                                {"ask", tick.ask.paise()},
                                {"cumulative_volume", tick.cumulative_volume},
                                {"baseline_volume", baseline},
                                {"sequence", tick.sequence},
                                {"highest_sequence", highest_sequence_},
                                {"exchange_time", tick.exchange_time.to_iso_ist()},
                                {"suppressed", suppressed}});
  }
  return reason;
}

}  // namespace nifty::feed
