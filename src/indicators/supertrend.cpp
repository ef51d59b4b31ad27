#include "indicators/supertrend.h"

#include <limits>

#include "core/check.h"

namespace nifty::indicators {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Bands {
  double upper;
  double lower;
  int direction;
};

// One step of the band and trend rules after the first output.
Bands next_bands(const Bands& previous, double basic_upper, double basic_lower, double close,
                 double previous_close) {
  Bands b;
  b.upper = (basic_upper < previous.upper || previous_close > previous.upper) ? basic_upper : previous.upper;
  b.lower = (basic_lower > previous.lower || previous_close < previous.lower) ? basic_lower : previous.lower;
  if (previous.direction < 0) {
    b.direction = close > b.upper ? 1 : -1;
  } else {
    b.direction = close < b.lower ? -1 : 1;
  }
  return b;
}

}  // namespace

SuperTrend::SuperTrend(int period, double multiplier) : atr_(period), multiplier_(multiplier) {
  NIFTY_CHECK(multiplier > 0.0, "SuperTrend multiplier must be > 0");
}

bool SuperTrend::update(const Hlcv& candle) {
  if (!finite_prices(candle)) {
    ++rejected_;
    return ready();
  }
  bool was_ready = atr_.ready();
  atr_.update(candle);
  if (atr_.ready()) {
    double mid = (candle.high + candle.low) / 2.0;
    double basic_upper = mid + multiplier_ * atr_.value();
    double basic_lower = mid - multiplier_ * atr_.value();
    if (!was_ready) {
      upper_ = basic_upper;
      lower_ = basic_lower;
      direction_ = -1;
    } else {
      Bands b = next_bands({upper_, lower_, direction_}, basic_upper, basic_lower, candle.close,
                           previous_close_);
      upper_ = b.upper;
      lower_ = b.lower;
      direction_ = b.direction;
    }
  }
  previous_close_ = candle.close;
  return ready();
}

double SuperTrend::value() const {
  if (!ready()) return kNaN;
  return direction_ > 0 ? lower_ : upper_;
}
double SuperTrend::upper() const { return ready() ? upper_ : kNaN; }
double SuperTrend::lower() const { return ready() ? lower_ : kNaN; }

void SuperTrend::reset() {
  atr_.reset();
  upper_ = lower_ = previous_close_ = 0.0;
  direction_ = -1;
}

SuperTrendSeries supertrend(std::span<const double> high, std::span<const double> low,
                            std::span<const double> close, int period, double multiplier) {
  NIFTY_CHECK(multiplier > 0.0, "supertrend multiplier must be > 0");
  const size_t n = close.size();
  SuperTrendSeries out{std::vector<double>(n, kNaN), std::vector<int>(n, 0), std::vector<double>(n, kNaN),
                       std::vector<double>(n, kNaN)};
  std::vector<double> range = atr(high, low, close, period);
  const size_t first = static_cast<size_t>(period);
  Bands b{0.0, 0.0, -1};
  for (size_t i = first; i < n; ++i) {
    double mid = (high[i] + low[i]) / 2.0;
    double basic_upper = mid + multiplier * range[i];
    double basic_lower = mid - multiplier * range[i];
    b = i == first ? Bands{basic_upper, basic_lower, -1}
                   : next_bands(b, basic_upper, basic_lower, close[i], close[i - 1]);
    out.upper[i] = b.upper;
    out.lower[i] = b.lower;
    out.direction[i] = b.direction;
    out.value[i] = b.direction > 0 ? b.lower : b.upper;
  }
  return out;
}

}  // namespace nifty::indicators
