#include "indicators/ema.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "indicators/batch_output.h"

namespace nifty::indicators {

using detail::kNaN;

Ema::Ema(int period) : period_(period), k_(2.0 / (period + 1.0)) {
  NIFTY_CHECK(period >= 1, "Ema period must be >= 1");
}

bool Ema::update(double value) {
  if (!std::isfinite(value)) {
    ++rejected_;
    return ready();
  }
  ++count_;
  if (count_ < period_) {
    seed_sum_ += value;
  } else if (count_ == period_) {
    seed_sum_ += value;
    ema_ = seed_sum_ / period_;
  } else {
    ema_ = (value - ema_) * k_ + ema_;
  }
  return ready();
}

double Ema::value() const { return ready() ? ema_ : kNaN; }

void Ema::reset() {
  seed_sum_ = 0.0;
  ema_ = 0.0;
  count_ = 0;
}

void ema(std::span<const double> values, int period, std::span<double> out) {
  NIFTY_CHECK(period >= 1, "ema period must be >= 1");
  detail::check_output(values, out, "ema output must have the input's size and not overlap it");
  const size_t p = static_cast<size_t>(period);
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), p - 1)), kNaN);
  if (values.size() < p) return;
  const double k = 2.0 / (period + 1.0);
  double seed = 0.0;
  for (size_t i = 0; i < p; ++i) seed += values[i];
  double prev = seed / period;
  out[p - 1] = prev;
  for (size_t i = p; i < values.size(); ++i) {
    prev = (values[i] - prev) * k + prev;
    out[i] = prev;
  }
}

std::vector<double> ema(std::span<const double> values, int period) {
  std::vector<double> out(values.size());
  ema(values, period, out);
  return out;
}

}  // namespace nifty::indicators
