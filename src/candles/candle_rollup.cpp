#include "candles/candle_rollup.h"

#include <algorithm>
#include <utility>

#include "core/check.h"
#include "core/log.h"

namespace nifty::candles {
namespace {

constexpr int64_t kMinute = core::kNanosPerMinute;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

CandleRollup::CandleRollup(const core::NseCalendar& calendar, std::vector<model::Interval> intervals,
                           int64_t grace_nanos)
    : calendar_(calendar), intervals_(std::move(intervals)), grace_nanos_(grace_nanos) {
  NIFTY_CHECK(grace_nanos_ >= 0, "CandleRollup grace must not be negative");
  for (size_t i = 0; i < intervals_.size(); ++i) {
    NIFTY_CHECK(intervals_[i] != model::Interval::k1m, "CandleRollup cannot produce 1m candles");
    for (size_t j = 0; j < i; ++j) {
      NIFTY_CHECK(intervals_[i] != intervals_[j], "CandleRollup interval listed twice");
    }
  }
}

std::optional<core::Session> CandleRollup::session_at(int64_t t) const {
  if (last_session_ && last_session_->contains(core::Timestamp(t))) return last_session_;
  auto s = calendar_.session_at(core::Timestamp(t));
  if (s) last_session_ = s;
  return s;
}

int64_t CandleRollup::day_end(int64_t day_start, int64_t t) const {
  if (day_start != cached_day_start_) {
    const auto sessions = calendar_.sessions(core::Timestamp(t).ist_date());
    cached_day_start_ = day_start;
    cached_day_end_ = sessions.empty() ? day_start + core::kNanosPerDay : sessions.back().end.nanos();
  }
  return cached_day_end_;
}

CandleRollup::Bounds CandleRollup::bounds(model::Interval interval, const core::Session& session,
                                          int64_t t) const {
  if (interval == model::Interval::k1d) {
    const int64_t day_start =
        floor_div(t + core::kIstOffsetNanos, core::kNanosPerDay) * core::kNanosPerDay - core::kIstOffsetNanos;
    return {day_start, day_end(day_start, t)};
  }
  const int64_t len = model::interval_nanos(interval);
  const int64_t open = session.start.nanos();
  const int64_t start = open + floor_div(t - open, len) * len;
  return {start, std::min(start + len, session.end.nanos())};
}

void CandleRollup::on_candle(const model::Candle& m, CandleSink& sink) {
  ++stats_.candles_in;
  if (m.interval != model::Interval::k1m) return reject(m, "not a 1m candle");
  if (m.symbol.empty()) return reject(m, "empty symbol");
  if (m.start.nanos() % kMinute != 0) return reject(m, "start not on a minute");
  if (!m.ohlc_valid()) return reject(m, "OHLC invariants broken");
  if (m.trades < 0) return reject(m, "negative trades");
  if (m.volume > 0 && (m.vwap < m.low || m.vwap > m.high)) return reject(m, "vwap outside [low, high]");

  const int64_t t = m.start.nanos();
  const auto session = session_at(t);
  if (!session) {
    ++stats_.out_of_session;
    return;
  }

  bool inserted = false;
  const int32_t slot = table_.find_or_insert(m.symbol, inserted);
  const size_t n = intervals_.size();
  if (inserted) {
    buckets_.resize(buckets_.size() + n);
    last_minute_.push_back(std::numeric_limits<int64_t>::min());
  }
  int64_t& last_minute = last_minute_[static_cast<size_t>(slot)];
  if (t <= last_minute) {
    ++stats_.late_candles;
    return;
  }
  last_minute = t;

  bool late = false;  // a bucket of some interval was already emitted (on the clock)
  for (size_t i = 0; i < n; ++i) {
    Bucket& b = buckets_[static_cast<size_t>(slot) * n + i];
    if (b.open && t < b.candle.start.nanos()) {
      late = true;
      continue;
    }
    if (b.open && t >= b.end) emit(b, sink);
    if (!b.open) {
      if (t < b.watermark) {
        late = true;
        continue;
      }
      const Bounds bd = bounds(intervals_[i], *session, t);
      model::Candle& c = b.candle;
      c = m;
      c.interval = intervals_[i];
      c.start = core::Timestamp(bd.start);
      b.vwap_volume = static_cast<Wide>(m.vwap.paise()) * m.volume;
      b.end = bd.end;
      b.open = true;
      min_deadline_ = std::min(min_deadline_, b.end + grace_nanos_);
    } else {
      model::Candle& c = b.candle;
      c.high = std::max(c.high, m.high);
      c.low = std::min(c.low, m.low);
      c.close = m.close;
      c.volume += m.volume;
      c.trades += m.trades;
      b.vwap_volume += static_cast<Wide>(m.vwap.paise()) * m.volume;
    }
    if (t + kMinute >= b.end) emit(b, sink);
  }
  if (late) ++stats_.late_candles;
}

void CandleRollup::emit(Bucket& b, CandleSink& sink) {
  model::Candle& c = b.candle;
  c.vwap = c.volume > 0 ? model::Price::from_paise(static_cast<int64_t>((b.vwap_volume + c.volume / 2) / c.volume))
                        : c.close;
  NIFTY_CHECK(c.ohlc_valid(), "CandleRollup produced a candle breaking OHLC invariants");
  NIFTY_CHECK(c.vwap >= c.low && c.vwap <= c.high, "CandleRollup produced a vwap outside [low, high]");
  b.open = false;
  b.watermark = b.end;
  ++stats_.candles_out;
  const model::Candle out = c;
  sink.on_candle(out);
}

void CandleRollup::on_clock(core::Timestamp now, CandleSink& sink) {
  if (now.nanos() < min_deadline_) return;
  int64_t next = std::numeric_limits<int64_t>::max();
  for (Bucket& b : buckets_) {
    if (!b.open) continue;
    if (b.end + grace_nanos_ <= now.nanos()) {
      ++stats_.closed_on_clock;
      emit(b, sink);
    } else {
      next = std::min(next, b.end + grace_nanos_);
    }
  }
  min_deadline_ = next;
}

void CandleRollup::flush(CandleSink& sink) {
  for (Bucket& b : buckets_) {
    if (b.open) emit(b, sink);
  }
  min_deadline_ = std::numeric_limits<int64_t>::max();
}

const model::Candle* CandleRollup::current(const model::Symbol& s, model::Interval interval) const {
  const int32_t slot = table_.find(s);
  if (slot == SymbolTable::kAbsent) return nullptr;
  for (size_t i = 0; i < intervals_.size(); ++i) {
    if (intervals_[i] != interval) continue;
    const Bucket& b = buckets_[static_cast<size_t>(slot) * intervals_.size() + i];
    if (!b.open) return nullptr;
    model::Candle& c = b.candle;  // mutable: vwap is filled in on demand
    c.vwap = c.volume > 0 ? model::Price::from_paise(static_cast<int64_t>((b.vwap_volume + c.volume / 2) / c.volume))
                          : c.close;
    return &c;
  }
  return nullptr;
}

void CandleRollup::reject(const model::Candle& c, const char* reason) {
  ++stats_.rejected_candles;
  static core::RateLimitedLog limiter;
  uint64_t suppressed = 0;
  if (limiter.should_log(suppressed)) {
    core::Logger::get("candles").warn("rejected 1m candle for rollup",
                                      {{"reason", reason},
                                       {"symbol", c.symbol.view()},
                                       {"interval", model::interval_name(c.interval)},
                                       {"start", c.start.nanos()},
                                       {"suppressed", suppressed}});
  }
}

}  // namespace nifty::candles
