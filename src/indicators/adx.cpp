#include "indicators/adx.h"

#include <cmath>
#include <limits>

#include "core/check.h"
#include "indicators/atr.h"

namespace nifty::indicators {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZeroTolerance = 1e-14;  // TA-Lib's TA_IS_ZERO

bool is_zero(double x) { return x > -kZeroTolerance && x < kZeroTolerance; }

// The directional movement of one candle against the previous: {+DM, -DM}.
struct Movement {
  double plus;
  double minus;
};

Movement movement(double high, double low, double previous_high, double previous_low) {
  double up = high - previous_high;
  double down = previous_low - low;
  if (down > 0.0 && up < down) return {0.0, down};
  if (up > 0.0 && up > down) return {up, 0.0};
  return {0.0, 0.0};
}

// +DI, -DI and DX from the Wilder sums; `defined` is false when DX has no value (zero range).
struct Directional {
  double plus_di = 0.0;
  double minus_di = 0.0;
  double dx = 0.0;
  bool defined = false;
};

Directional directional(double plus_dm, double minus_dm, double tr) {
  Directional d;
  if (is_zero(tr)) return d;
  d.plus_di = 100.0 * (plus_dm / tr);
  d.minus_di = 100.0 * (minus_dm / tr);
  double sum = d.plus_di + d.minus_di;
  if (is_zero(sum)) return d;
  d.dx = 100.0 * (std::abs(d.plus_di - d.minus_di) / sum);
  d.defined = true;
  return d;
}

}  // namespace

Adx::Adx(int period) : period_(period) { NIFTY_CHECK(period >= 2, "Adx period must be >= 2"); }

bool Adx::update(const Hlcv& candle) {
  if (!finite_prices(candle)) {
    ++rejected_;
    return ready();
  }
  if (count_ > 0) {
    Movement m = movement(candle.high, candle.low, previous_high_, previous_low_);
    double tr = true_range(candle.high, candle.low, previous_close_);
    if (count_ < period_) {
      plus_dm_ += m.plus;
      minus_dm_ += m.minus;
      tr_ += tr;
    } else {
      plus_dm_ = plus_dm_ - plus_dm_ / period_ + m.plus;
      minus_dm_ = minus_dm_ - minus_dm_ / period_ + m.minus;
      tr_ = tr_ - tr_ / period_ + tr;
      Directional d = directional(plus_dm_, minus_dm_, tr_);
      plus_di_ = d.plus_di;
      minus_di_ = d.minus_di;
      dx_ = d.dx;
      dx_defined_ = d.defined;
      const int64_t last_seed = 2 * static_cast<int64_t>(period_) - 1;  // index of the first ADX
      if (count_ < last_seed) {
        adx_ += d.dx;
      } else if (count_ == last_seed) {
        adx_ = (adx_ + d.dx) / period_;
      } else if (d.defined) {
        adx_ = (adx_ * (period_ - 1) + d.dx) / period_;
      }
    }
  }
  previous_high_ = candle.high;
  previous_low_ = candle.low;
  previous_close_ = candle.close;
  ++count_;
  return ready();
}

double Adx::plus_di() const { return di_ready() ? plus_di_ : kNaN; }
double Adx::minus_di() const { return di_ready() ? minus_di_ : kNaN; }
double Adx::dx() const { return di_ready() ? dx_ : kNaN; }
double Adx::adx() const { return ready() ? adx_ : kNaN; }

void Adx::reset() {
  previous_high_ = previous_low_ = previous_close_ = 0.0;
  plus_dm_ = minus_dm_ = tr_ = 0.0;
  plus_di_ = minus_di_ = dx_ = 0.0;
  dx_defined_ = false;
  adx_ = 0.0;
  count_ = 0;
}

AdxSeries adx(std::span<const double> high, std::span<const double> low, std::span<const double> close,
              int period) {
  NIFTY_CHECK(period >= 2, "adx period must be >= 2");
  NIFTY_CHECK(high.size() == low.size() && low.size() == close.size(), "adx inputs must have equal sizes");
  const size_t n = close.size();
  const size_t p = static_cast<size_t>(period);
  AdxSeries out{std::vector<double>(n, kNaN), std::vector<double>(n, kNaN), std::vector<double>(n, kNaN),
                std::vector<double>(n, kNaN)};
  if (n <= p) return out;
  double plus_dm = 0.0;
  double minus_dm = 0.0;
  double tr = 0.0;
  for (size_t i = 1; i < p; ++i) {
    Movement m = movement(high[i], low[i], high[i - 1], low[i - 1]);
    plus_dm += m.plus;
    minus_dm += m.minus;
    tr += true_range(high[i], low[i], close[i - 1]);
  }
  std::vector<bool> defined(n, false);
  for (size_t i = p; i < n; ++i) {
    Movement m = movement(high[i], low[i], high[i - 1], low[i - 1]);
    plus_dm = plus_dm - plus_dm / period + m.plus;
    minus_dm = minus_dm - minus_dm / period + m.minus;
    tr = tr - tr / period + true_range(high[i], low[i], close[i - 1]);
    Directional d = directional(plus_dm, minus_dm, tr);
    // A NaN input makes every comparison false; keep it visible as NaN.
    bool finite = std::isfinite(plus_dm) && std::isfinite(minus_dm) && std::isfinite(tr);
    out.plus_di[i] = finite ? d.plus_di : kNaN;
    out.minus_di[i] = finite ? d.minus_di : kNaN;
    out.dx[i] = finite ? d.dx : kNaN;
    defined[i] = d.defined;
  }
  const size_t first = 2 * p - 1;
  if (n <= first) return out;
  double sum = 0.0;
  for (size_t i = p; i <= first; ++i) sum += out.dx[i];
  double value = sum / period;
  out.adx[first] = value;
  for (size_t i = first + 1; i < n; ++i) {
    if (defined[i] || std::isnan(out.dx[i])) value = (value * (period - 1) + out.dx[i]) / period;
    out.adx[i] = value;
  }
  return out;
}

}  // namespace nifty::indicators
