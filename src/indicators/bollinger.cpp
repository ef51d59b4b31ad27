#include "indicators/bollinger.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace nifty::indicators {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

Bollinger::Bollinger(int period, double k) : period_(period), k_(k) {
  NIFTY_CHECK(period >= 1, "Bollinger period must be >= 1");
  NIFTY_CHECK(k >= 0.0, "Bollinger k must be >= 0");
  window_.assign(static_cast<size_t>(period), 0.0);
}

bool Bollinger::update(double value) {
  if (!std::isfinite(value)) {
    ++rejected_;
    return ready();
  }
  auto slot = static_cast<size_t>(next_);
  if (count_ >= period_) {
    sum_ -= window_[slot];
    sum_squares_ -= window_[slot] * window_[slot];
  }
  window_[slot] = value;
  sum_ += value;
  sum_squares_ += value * value;
  next_ = (next_ + 1) % period_;
  ++count_;
  return ready();
}

double Bollinger::middle() const { return ready() ? sum_ / period_ : kNaN; }

double Bollinger::stddev() const {
  if (!ready()) return kNaN;
  double mean = sum_ / period_;
  double variance = sum_squares_ / period_ - mean * mean;
  // Running sums of squares can cancel to a tiny negative number on a flat window.
  return variance > 0.0 ? std::sqrt(variance) : 0.0;
}

double Bollinger::upper() const { return ready() ? middle() + k_ * stddev() : kNaN; }
double Bollinger::lower() const { return ready() ? middle() - k_ * stddev() : kNaN; }

void Bollinger::reset() {
  window_.assign(window_.size(), 0.0);
  next_ = 0;
  sum_ = 0.0;
  sum_squares_ = 0.0;
  count_ = 0;
}

BollingerSeries bollinger(std::span<const double> values, int period, double k) {
  NIFTY_CHECK(period >= 1, "bollinger period must be >= 1");
  const size_t n = values.size();
  const size_t p = static_cast<size_t>(period);
  BollingerSeries out{std::vector<double>(n, kNaN), std::vector<double>(n, kNaN), std::vector<double>(n, kNaN)};
  for (size_t i = p - 1; i < n; ++i) {
    double mean = 0.0;
    for (size_t j = i + 1 - p; j <= i; ++j) mean += values[j];
    mean /= period;
    double squares = 0.0;
    for (size_t j = i + 1 - p; j <= i; ++j) squares += (values[j] - mean) * (values[j] - mean);
    double sd = std::sqrt(squares / period);
    out.middle[i] = mean;
    out.upper[i] = mean + k * sd;
    out.lower[i] = mean - k * sd;
  }
  return out;
}

}  // namespace nifty::indicators
