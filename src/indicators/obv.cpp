#include "indicators/obv.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace nifty::indicators {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double step(double obv, double close, double previous_close, double volume) {
  if (close > previous_close) return obv + volume;
  if (close < previous_close) return obv - volume;
  if (std::isnan(close) || std::isnan(previous_close)) return kNaN;
  return obv;
}
}  // namespace

bool Obv::update(const Hlcv& candle) {
  if (!finite_prices_and_volume(candle)) {
    ++rejected_;
    return ready();
  }
  obv_ = count_ == 0 ? candle.volume : step(obv_, candle.close, previous_close_, candle.volume);
  previous_close_ = candle.close;
  ++count_;
  return ready();
}

double Obv::value() const { return ready() ? obv_ : kNaN; }

void Obv::reset() {
  previous_close_ = 0.0;
  obv_ = 0.0;
  count_ = 0;
}

std::vector<double> obv(std::span<const double> close, std::span<const double> volume) {
  NIFTY_CHECK(close.size() == volume.size(), "obv inputs must have equal sizes");
  const size_t n = close.size();
  std::vector<double> out(n, kNaN);
  if (n == 0) return out;
  double value = volume[0];
  out[0] = value;
  for (size_t i = 1; i < n; ++i) {
    value = step(value, close[i], close[i - 1], volume[i]);
    out[i] = value;
  }
  return out;
}

}  // namespace nifty::indicators
