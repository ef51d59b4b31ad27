#include "indicators/sma.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace nifty::indicators {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

Sma::Sma(int period) : period_(period) {
  NIFTY_CHECK(period >= 1, "Sma period must be >= 1");
  window_.assign(static_cast<size_t>(period), 0.0);
}

bool Sma::update(double value) {
  if (!std::isfinite(value)) {
    ++rejected_;
    return ready();
  }
  if (count_ >= period_) sum_ -= window_[static_cast<size_t>(next_)];
  window_[static_cast<size_t>(next_)] = value;
  sum_ += value;
  next_ = (next_ + 1) % period_;
  ++count_;
  return ready();
}

double Sma::value() const { return ready() ? sum_ / period_ : kNaN; }

void Sma::reset() {
  window_.assign(window_.size(), 0.0);
  next_ = 0;
  sum_ = 0.0;
  count_ = 0;
}

std::vector<double> sma(std::span<const double> values, int period) {
  NIFTY_CHECK(period >= 1, "sma period must be >= 1");
  std::vector<double> out(values.size(), kNaN);
  if (values.size() < static_cast<size_t>(period)) return out;
  // Each window summed afresh: independent of the streaming running sum, and immune to drift.
  for (size_t i = static_cast<size_t>(period) - 1; i < values.size(); ++i) {
    double total = 0.0;
    for (size_t j = i + 1 - static_cast<size_t>(period); j <= i; ++j) total += values[j];
    out[i] = total / period;
  }
  return out;
}

}  // namespace nifty::indicators
