#include "indicators/stochastic.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace nifty::indicators {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double fastk_of(double close, double highest, double lowest) {
  double range = highest - lowest;
  return range != 0.0 ? 100.0 * (close - lowest) / range : 0.0;
}

}  // namespace

Stochastic::Stochastic(int fastk_period, int slowk_period, int slowd_period)
    : fastk_period_(fastk_period),
      highest_(fastk_period),
      lowest_(fastk_period),
      slowk_(slowk_period),
      slowd_(slowd_period),
      fastk_(kNaN) {}

bool Stochastic::update(const Hlcv& candle) {
  if (!finite_prices(candle)) {
    ++rejected_;
    return ready();
  }
  double highest = highest_.update(candle.high);
  double lowest = lowest_.update(candle.low);
  ++count_;
  if (count_ >= fastk_period_) {
    fastk_ = fastk_of(candle.close, highest, lowest);
    if (slowk_.update(fastk_)) slowd_.update(slowk_.value());
  }
  return ready();
}

void Stochastic::reset() {
  highest_.reset();
  lowest_.reset();
  slowk_.reset();
  slowd_.reset();
  fastk_ = kNaN;
  count_ = 0;
}

StochasticSeries stochastic(std::span<const double> high, std::span<const double> low,
                            std::span<const double> close, int fastk_period, int slowk_period,
                            int slowd_period) {
  NIFTY_CHECK(fastk_period >= 1 && slowk_period >= 1 && slowd_period >= 1, "stochastic periods must be >= 1");
  NIFTY_CHECK(high.size() == low.size() && low.size() == close.size(),
              "stochastic inputs must have equal sizes");
  const size_t n = close.size();
  const size_t k = static_cast<size_t>(fastk_period);
  StochasticSeries out{std::vector<double>(n, kNaN), std::vector<double>(n, kNaN)};
  if (n < k) return out;
  // Plain window scans: independent of the streaming deques.
  std::vector<double> fastk(n, kNaN);
  for (size_t i = k - 1; i < n; ++i) {
    double highest = high[i];
    double lowest = low[i];
    bool finite = true;
    for (size_t j = i + 1 - k; j <= i; ++j) {
      finite = finite && std::isfinite(high[j]) && std::isfinite(low[j]);
      if (high[j] > highest) highest = high[j];
      if (low[j] < lowest) lowest = low[j];
    }
    if (!finite) highest = kNaN;
    fastk[i] = std::isnan(highest) ? kNaN : fastk_of(close[i], highest, lowest);
  }
  // SMA over the defined part of each series.
  auto smooth = [n](const std::vector<double>& in, size_t first, int period, std::vector<double>& result) {
    const size_t p = static_cast<size_t>(period);
    for (size_t i = first + p - 1; i < n; ++i) {
      double sum = 0.0;
      for (size_t j = i + 1 - p; j <= i; ++j) sum += in[j];
      result[i] = sum / period;
    }
  };
  smooth(fastk, k - 1, slowk_period, out.slowk);
  smooth(out.slowk, k - 1 + static_cast<size_t>(slowk_period) - 1, slowd_period, out.slowd);
  return out;
}

}  // namespace nifty::indicators
