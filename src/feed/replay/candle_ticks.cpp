#include "feed/replay/candle_ticks.h"

#include <algorithm>
#include <array>

namespace nifty::feed {

namespace {

// The exchange time at fraction k/4 of the trading time of the candle's date.
core::Timestamp daily_slot_time(const model::Candle& candle, const core::NseCalendar& calendar, size_t k) {
  const core::Date date = candle.start.ist_date();
  std::vector<core::Session> sessions = calendar.sessions(date);
  if (sessions.empty()) {
    sessions.push_back({core::Timestamp::from_ist(date, core::NseCalendar::kOpenMinute / 60,
                                                  core::NseCalendar::kOpenMinute % 60),
                        core::Timestamp::from_ist(date, core::NseCalendar::kCloseMinute / 60,
                                                  core::NseCalendar::kCloseMinute % 60)});
  }
  int64_t total = 0;
  for (const core::Session& s : sessions) total += s.end - s.start;
  int64_t offset = total * static_cast<int64_t>(k) / static_cast<int64_t>(kMaxTicksPerCandle);
  for (const core::Session& s : sessions) {
    if (offset < s.end - s.start) return s.start + offset;
    offset -= s.end - s.start;
  }
  return sessions.back().start;  // unreachable: offset < total
}

}  // namespace

size_t candle_price_path(const model::Candle& candle, const core::NseCalendar& calendar,
                         std::span<model::Tick, kMaxTicksPerCandle> out) {
  const bool up = candle.close >= candle.open;
  const std::array<model::Price, kMaxTicksPerCandle> path = {
      candle.open, up ? candle.low : candle.high, up ? candle.high : candle.low, candle.close};
  std::array<size_t, kMaxTicksPerCandle> slots{};
  size_t n = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    if (n > 0 && path[i] == path[slots[n - 1]]) continue;
    slots[n++] = i;
  }
  // An intraday candle whose interval runs past its session's end (the 15:15 hourly candle, the
  // last candles of a short special session) only traded until that end: its ticks go there.
  int64_t length = model::interval_nanos(candle.interval);
  if (candle.interval != model::Interval::k1d) {
    if (auto session = calendar.session_at(candle.start)) length = std::min(length, session->end - candle.start);
  }
  const model::Quantity share = candle.volume / static_cast<model::Quantity>(n);
  for (size_t j = 0; j < n; ++j) {
    model::Tick& t = out[j];
    t = model::Tick{};
    t.symbol = candle.symbol;
    t.last_price = path[slots[j]];
    t.exchange_time = candle.interval == model::Interval::k1d
                          ? daily_slot_time(candle, calendar, slots[j])
                          : candle.start + length / static_cast<int64_t>(kMaxTicksPerCandle) *
                                               static_cast<int64_t>(slots[j]);
    t.last_quantity = j + 1 < n ? share : candle.volume - share * static_cast<model::Quantity>(n - 1);
  }
  return n;
}

void DayVolume::accumulate(model::Tick& tick) {
  const int64_t day = (tick.exchange_time.nanos() + core::kIstOffsetNanos) / core::kNanosPerDay;
  auto [it, inserted] = by_symbol_.try_emplace(tick.symbol, State{day, 0});
  State& s = it->second;
  if (day != s.day) {
    s.day = day;
    s.cumulative = 0;
  }
  // Readers bound volumes (kMaxVolume), so a day's sum cannot overflow; checked all the same.
  NIFTY_CHECK(!__builtin_add_overflow(s.cumulative, tick.last_quantity, &s.cumulative),
              "cumulative day volume overflows int64");
  tick.cumulative_volume = s.cumulative;
}

size_t CandleTickSynthesizer::to_ticks(const model::Candle& candle, std::span<model::Tick, kMaxTicksPerCandle> out) {
  size_t n = candle_price_path(candle, calendar_, out);
  for (size_t i = 0; i < n; ++i) volume_.accumulate(out[i]);
  return n;
}

}  // namespace nifty::feed
