#include "candles/candle_builder.h"

#include <algorithm>

#include "core/check.h"
#include "core/log.h"

namespace nifty::candles {
namespace {

constexpr int64_t kMinute = core::kNanosPerMinute;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t ist_day(int64_t nanos) { return floor_div(nanos + core::kIstOffsetNanos, core::kNanosPerDay); }

}  // namespace

CandleBuilder::CandleBuilder(CandleBuilderConfig config) : config_(config) {
  NIFTY_CHECK(config_.grace_nanos >= 0, "CandleBuilderConfig.grace_nanos must not be negative");
}

void CandleBuilder::on_tick(const model::Tick& tick, CandleSink& sink) {
  ++stats_.ticks;
  if (tick.symbol.empty()) [[unlikely]] return reject(tick, "empty symbol");
  if (tick.last_price.paise() <= 0) [[unlikely]] return reject(tick, "price not positive");
  if (tick.volume_delta < 0) [[unlikely]] return reject(tick, "negative volume_delta");
  if (tick.exchange_time.nanos() <= 0) [[unlikely]] return reject(tick, "missing exchange_time");

  bool inserted = false;
  const int32_t slot = table_.find_or_insert(tick.symbol, inserted);
  if (inserted) [[unlikely]] {
    states_.emplace_back();
    states_.back().candle.symbol = tick.symbol;
  }
  SymbolState& st = states_[static_cast<size_t>(slot)];
  const int64_t minute = tick.exchange_time.floor(kMinute).nanos();

  if (st.open) {
    model::Candle& c = st.candle;
    const int64_t start = c.start.nanos();
    if (minute == start) [[likely]] {
      const model::Price p = tick.last_price;
      if (p > c.high) c.high = p;
      if (p < c.low) c.low = p;
      c.close = p;
      c.volume += tick.volume_delta;
      st.price_volume += static_cast<Wide>(p.paise()) * tick.volume_delta;
      ++c.trades;
      return;
    }
    if (minute < start) {
      ++stats_.late_ticks;
      return;
    }
    close_candle(st, sink);  // the crossing tick opens the next candle below
  } else if (minute <= st.last_closed_start) {
    ++stats_.late_ticks;
    return;
  }
  open_candle(st, tick, minute);
}

void CandleBuilder::open_candle(SymbolState& st, const model::Tick& tick, int64_t minute_start) {
  if (st.last_closed_start != std::numeric_limits<int64_t>::min() &&
      ist_day(st.last_closed_start) == ist_day(minute_start)) {
    stats_.gap_minutes += static_cast<uint64_t>((minute_start - st.last_closed_start) / kMinute - 1);
  }
  model::Candle& c = st.candle;
  c.interval = model::Interval::k1m;
  c.start = core::Timestamp(minute_start);
  c.open = c.high = c.low = c.close = tick.last_price;
  c.volume = tick.volume_delta;
  c.trades = 1;
  c.vwap = model::Price();
  st.price_volume = static_cast<Wide>(tick.last_price.paise()) * tick.volume_delta;
  st.open = true;
  min_deadline_ = std::min(min_deadline_, minute_start + kMinute + config_.grace_nanos);
}

namespace {

template <typename Wide>
model::Price volume_weighted(Wide price_volume, model::Quantity volume, model::Price close) {
  if (volume <= 0) return close;
  return model::Price::from_paise(static_cast<int64_t>((price_volume + volume / 2) / volume));
}

}  // namespace

void CandleBuilder::close_candle(SymbolState& st, CandleSink& sink) {
  model::Candle& c = st.candle;
  c.vwap = volume_weighted(st.price_volume, c.volume, c.close);
  NIFTY_CHECK(c.ohlc_valid(), "CandleBuilder produced a candle breaking OHLC invariants");
  NIFTY_CHECK(c.vwap >= c.low && c.vwap <= c.high, "CandleBuilder produced a vwap outside [low, high]");
  NIFTY_CHECK(c.trades > 0, "CandleBuilder closed a candle without ticks");
  st.open = false;
  st.last_closed_start = c.start.nanos();
  ++stats_.candles_closed;
  const model::Candle out = c;
  sink.on_candle(out);
}

void CandleBuilder::on_clock(core::Timestamp now, CandleSink& sink) {
  if (now.nanos() < min_deadline_) [[likely]] return;
  int64_t next = std::numeric_limits<int64_t>::max();
  for (SymbolState& st : states_) {
    if (!st.open) continue;
    const int64_t deadline = st.candle.start.nanos() + kMinute + config_.grace_nanos;
    if (deadline <= now.nanos()) {
      ++stats_.closed_on_clock;
      close_candle(st, sink);
    } else {
      next = std::min(next, deadline);
    }
  }
  min_deadline_ = next;
}

void CandleBuilder::flush(CandleSink& sink) {
  for (SymbolState& st : states_) {
    if (st.open) close_candle(st, sink);
  }
  min_deadline_ = std::numeric_limits<int64_t>::max();
}

const model::Candle* CandleBuilder::current(const model::Symbol& s) const {
  const int32_t slot = table_.find(s);
  if (slot == SymbolTable::kAbsent) return nullptr;
  const SymbolState& st = states_[static_cast<size_t>(slot)];
  if (!st.open) return nullptr;
  st.candle.vwap = volume_weighted(st.price_volume, st.candle.volume, st.candle.close);
  return &st.candle;
}

void CandleBuilder::reject(const model::Tick& tick, const char* reason) {
  ++stats_.rejected_ticks;
  static core::RateLimitedLog limiter;
  uint64_t suppressed = 0;
  if (limiter.should_log(suppressed)) {
    core::Logger::get("candles").warn("rejected tick",
                                      {{"reason", reason},
                                       {"symbol", tick.symbol.view()},
                                       {"exchange_time", tick.exchange_time.nanos()},
                                       {"price_paise", tick.last_price.paise()},
                                       {"volume_delta", tick.volume_delta},
                                       {"suppressed", suppressed}});
  }
}

}  // namespace nifty::candles
