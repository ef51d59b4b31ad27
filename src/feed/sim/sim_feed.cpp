#include "feed/sim/sim_feed.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numbers>
#include <vector>

#include "core/nse_calendar.h"

namespace nifty::feed {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kClockInterval = std::chrono::milliseconds(100);
constexpr int64_t kEndGrace = 5 * core::kNanosPerSecond;
constexpr int64_t kTickPaise = 5;
constexpr double kTradingDaysPerYear = 252.0;

// SplitMix64: small, fast, and the same on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1].
  double uniform_open0() { return 1.0 - uniform(); }
  // Exponential with mean 1.
  double exponential() { return -std::log(uniform_open0()); }
  // Standard normal (Box-Muller; the second value is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double r = std::sqrt(-2.0 * std::log(uniform_open0()));
    double a = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  size_t below(size_t n) { return static_cast<size_t>(uniform() * static_cast<double>(n)); }

 private:
  uint64_t state_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

uint64_t mix(uint64_t seed, std::string_view s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  Rng r(seed ^ h);
  return r.next();
}

// Intraday activity shape over the session fraction x in [0, 1]: 0.6 * (1 + 2 (2x - 1)^2), which
// is 1.8 at the open and the close, 0.6 at midday, and averages 1 over the day.
double u_shape(double x) {
  double y = 2.0 * x - 1.0;
  return 0.6 * (1.0 + 2.0 * y * y);
}
// Its integral from 0 to x: 0.6 * (x + ((2x - 1)^3 + 1) / 6).
double u_shape_integral(double x) {
  double y = 2.0 * x - 1.0;
  return 0.6 * (x + (y * y * y + 1.0) / 6.0);
}

int64_t to_grid(double rupees) {
  int64_t paise = std::llround(rupees * 100.0 / kTickPaise) * kTickPaise;
  return paise < kTickPaise ? kTickPaise : paise;
}

// The random market: one tick per call, in exchange-time order.
class Generator {
 public:
  Generator(const model::Universe& universe, const SimConfig& cfg, const SimFeed& feed)
      : rng_(cfg.seed), start_(feed.session_start()), length_(feed.session_end() - feed.session_start()) {
    const auto& all = universe.instruments();
    const double var_per_day = cfg.annual_volatility * cfg.annual_volatility / kTradingDaysPerYear;
    var_per_day_ = var_per_day;
    total_rate_per_ns_ = cfg.ticks_per_second * static_cast<double>(all.size()) / core::kNanosPerSecond;
    for (const auto& ins : all) {
      State s;
      s.ins = &ins;
      const double p0 = feed.start_price(ins).rupees();
      s.start = p0;
      s.log_price = std::log(p0);
      s.last_paise = to_grid(p0);
      const double liquidity = 0.5 + 1.5 * (static_cast<double>(mix(cfg.seed, ins.symbol.view()) >> 11) * 0x1.0p-53);
      s.mean_quantity = std::max(1.0, cfg.tick_notional_rupees * liquidity / p0);
      if (ins.has_volume()) ++stocks_;
      states_.push_back(s);
    }
    ratio_sum_ = static_cast<double>(stocks_);  // every stock at its start: ratio 1
    advance_time();
  }

  // False once the session is over.
  bool next(model::Tick& t) {
    if (next_offset_ >= length_) return false;
    const int64_t offset = next_offset_;
    // Exchange times in whole milliseconds, so that the wire format carries them exactly.
    const int64_t offset_ms = offset - offset % core::kNanosPerMilli;
    const double x = static_cast<double>(offset) / static_cast<double>(length_);
    State& s = states_[rng_.below(states_.size())];

    t = model::Tick{};
    t.token = s.ins->nse_token;
    t.symbol = s.ins->symbol;
    t.exchange = model::Exchange::kNse;
    t.exchange_time = start_ + offset_ms;
    t.receive_time = t.exchange_time;
    t.sequence = ++sequence_;

    if (s.ins->has_volume()) {
      // GBM step over the U-shaped variance accumulated since this stock's previous tick.
      const double var = var_per_day_ * (u_shape_integral(x) - u_shape_integral(s.last_x));
      s.last_x = x;
      const double old_ratio = std::exp(s.log_price) / s.start;
      s.log_price += -0.5 * var + std::sqrt(std::max(var, 0.0)) * rng_.normal();
      ratio_sum_ += std::exp(s.log_price) / s.start - old_ratio;
      const int64_t paise = to_grid(std::exp(s.log_price));
      bool up = paise > s.last_paise || (paise == s.last_paise && rng_.uniform() < 0.5);
      s.last_paise = paise;
      const auto qty = static_cast<int64_t>(std::llround(s.mean_quantity * u_shape(x) * rng_.exponential()));
      s.cumulative += std::max<int64_t>(1, qty);
      t.last_price = model::Price::from_paise(paise);
      t.last_quantity = std::max<int64_t>(1, qty);
      t.cumulative_volume = s.cumulative;
      if (up && paise > kTickPaise) {
        t.bid = model::Price::from_paise(paise - kTickPaise);
        t.ask = t.last_price;
      } else {
        t.bid = t.last_price;
        t.ask = model::Price::from_paise(paise + kTickPaise);
      }
    } else {
      // The index: the mean of the stocks' returns applied to its base; no volume, no quotes.
      const double mean_return = stocks_ == 0 ? 0.0 : ratio_sum_ / static_cast<double>(stocks_) - 1.0;
      t.last_price = model::Price::from_paise(to_grid(s.start * (1.0 + mean_return)));
    }
    advance_time();
    return true;
  }

  // Exchange time of the next tick, or the session end when there is none.
  core::Timestamp next_time() const {
    return start_ + (next_offset_ >= length_ ? length_ : next_offset_ - next_offset_ % core::kNanosPerMilli);
  }

 private:
  struct State {
    const model::Instrument* ins = nullptr;
    double start = 0.0;       // rupees
    double log_price = 0.0;   // ln rupees, unrounded
    double last_x = 0.0;      // session fraction of the previous tick
    double mean_quantity = 1.0;
    int64_t last_paise = 0;
    int64_t cumulative = 0;
  };

  void advance_time() {
    if (total_rate_per_ns_ <= 0) {
      next_offset_ = length_;
      return;
    }
    const double gap = rng_.exponential() / total_rate_per_ns_;
    next_offset_ = gap >= static_cast<double>(length_) ? length_ : next_offset_ + static_cast<int64_t>(gap);
  }

  Rng rng_;
  core::Timestamp start_;
  int64_t length_;
  int64_t next_offset_ = 0;
  double total_rate_per_ns_ = 0.0;
  double var_per_day_ = 0.0;
  double ratio_sum_ = 0.0;
  size_t stocks_ = 0;
  uint64_t sequence_ = 0;
  std::vector<State> states_;
};

}  // namespace

SimFeed::SimFeed(model::Universe universe, SimConfig config)
    : universe_(std::move(universe)), config_(std::move(config)), date_(last_trading_day(config_.date)) {
  if (config_.batch == 0) config_.batch = 1;
}

core::Date SimFeed::last_trading_day(core::Date date) {
  const auto& cal = core::NseCalendar::builtin();
  for (int i = 0; i < 3660; ++i) {
    auto s = cal.sessions(date);
    if (date.weekday() < 5 && s.size() == 1 &&
        s[0].start == core::Timestamp::from_ist(date, 9, 15) && s[0].end == core::Timestamp::from_ist(date, 15, 30)) {
      return date;
    }
    date = core::Date::from_days_since_epoch(date.days_since_epoch() - 1);
  }
  return date;
}

core::Timestamp SimFeed::session_start() const {
  return core::Timestamp::from_ist(date_, core::NseCalendar::kOpenMinute / 60, core::NseCalendar::kOpenMinute % 60);
}
core::Timestamp SimFeed::session_end() const {
  return core::Timestamp::from_ist(date_, core::NseCalendar::kCloseMinute / 60, core::NseCalendar::kCloseMinute % 60);
}

model::Price SimFeed::start_price(const model::Instrument& ins) const {
  if (auto it = config_.start_prices.find(ins.symbol); it != config_.start_prices.end() && it->second.paise() > 0) {
    return it->second;
  }
  if (!ins.has_volume()) return SimConfig::kIndexBase;
  // Log-uniform between ₹100 and ₹5,000, on the tick grid.
  const double u = static_cast<double>(mix(config_.seed, ins.symbol.view()) >> 11) * 0x1.0p-53;
  return model::Price::from_paise(to_grid(100.0 * std::pow(50.0, u)));
}

core::Status SimFeed::run(FeedSink& sink, std::stop_token stop) {
  Generator gen(universe_, config_, *this);
  const core::Timestamp start = session_start();
  const core::Timestamp final_clock = session_end() + kEndGrace;
  const bool paced = config_.speed > 0;

  std::vector<model::Tick> batch;
  batch.reserve(config_.batch);
  auto flush = [&] {
    if (batch.empty()) return true;
    bool ok = sink.on_ticks(batch);
    batch.clear();
    return ok;
  };

  if (!paced) {
    model::Tick t;
    while (gen.next(t)) {
      batch.push_back(t);
      if (batch.size() >= config_.batch) {
        if (!flush()) return core::Status::ok();
        if (stop.stop_requested()) return core::Status::ok();
      }
    }
    if (!flush()) return core::Status::ok();
    if (stop.stop_requested()) return core::Status::ok();
    sink.on_clock(final_clock);
    return core::Status::ok();
  }

  // Paced: exchange time = start + (wall time since run began) x speed.
  const auto wall_start = Clock::now();
  const double speed = config_.speed;
  auto paced_now = [&](Clock::time_point now) {
    const double ns = std::chrono::duration<double, std::nano>(now - wall_start).count() * speed;
    return start + static_cast<int64_t>(std::min(ns, 9.0e18));
  };
  auto wall_at = [&](core::Timestamp t) {
    const double ns = static_cast<double>(t - start) / speed;
    return wall_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::nano>(ns));
  };
  std::mutex mu;
  std::condition_variable_any cv;
  auto last_call = wall_start;
  bool more = true;
  model::Tick t;

  while (!stop.stop_requested()) {
    const core::Timestamp due = more ? gen.next_time() : final_clock;
    const auto now = Clock::now();
    if (paced_now(now) >= due) {
      if (!more) break;
      if (!gen.next(t)) {
        more = false;
        continue;
      }
      batch.push_back(t);
      if (batch.size() >= config_.batch) {
        if (!flush()) return core::Status::ok();
        last_call = Clock::now();
      }
      continue;
    }
    // Nothing due yet: hand over what is ready, then wait (waking for the clock and for stop).
    if (!batch.empty()) {
      if (!flush()) return core::Status::ok();
      last_call = Clock::now();
      continue;
    }
    if (now - last_call >= kClockInterval) {
      if (!sink.on_clock(std::min(paced_now(now), due))) return core::Status::ok();
      last_call = Clock::now();
      continue;
    }
    const auto wake = std::min(wall_at(due), last_call + kClockInterval);
    std::unique_lock lock(mu);
    cv.wait_until(lock, stop, wake, [] { return false; });
  }
  if (stop.stop_requested()) return core::Status::ok();
  if (!flush()) return core::Status::ok();
  sink.on_clock(final_clock);
  return core::Status::ok();
}

}  // namespace nifty::feed
