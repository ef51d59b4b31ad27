#include "indicators/atr.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace nifty::indicators {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double true_range(double high, double low, double previous_close) {
  return std::max({high - low, std::abs(high - previous_close), std::abs(low - previous_close)});
}

Atr::Atr(int period) : period_(period) { NIFTY_CHECK(period >= 1, "Atr period must be >= 1"); }

bool Atr::update(const Hlcv& candle) {
  if (!finite_prices(candle)) {
    ++rejected_;
    return ready();
  }
  if (count_ > 0) {
    true_range_ = indicators::true_range(candle.high, candle.low, previous_close_);
    if (count_ < period_) {
      atr_ += true_range_;
    } else if (count_ == period_) {
      atr_ = (atr_ + true_range_) / period_;
    } else {
      atr_ = (atr_ * (period_ - 1) + true_range_) / period_;
    }
  }
  previous_close_ = candle.close;
  ++count_;
  return ready();
}

double Atr::value() const { return ready() ? atr_ : kNaN; }
double Atr::true_range() const { return count_ > 1 ? true_range_ : kNaN; }

void Atr::reset() {
  previous_close_ = 0.0;
  true_range_ = 0.0;
  atr_ = 0.0;
  count_ = 0;
}

std::vector<double> atr(std::span<const double> high, std::span<const double> low,
                        std::span<const double> close, int period) {
  NIFTY_CHECK(period >= 1, "atr period must be >= 1");
  NIFTY_CHECK(high.size() == low.size() && low.size() == close.size(), "atr inputs must have equal sizes");
  const size_t n = close.size();
  const size_t p = static_cast<size_t>(period);
  std::vector<double> out(n, kNaN);
  if (n <= p) return out;
  double sum = 0.0;
  for (size_t i = 1; i <= p; ++i) sum += true_range(high[i], low[i], close[i - 1]);
  double value = sum / period;
  out[p] = value;
  for (size_t i = p + 1; i < n; ++i) {
    value = (value * (period - 1) + true_range(high[i], low[i], close[i - 1])) / period;
    out[i] = value;
  }
  return out;
}

}  // namespace nifty::indicators
