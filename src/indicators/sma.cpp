#include "indicators/sma.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "indicators/batch_output.h"

namespace nifty::indicators {

using detail::kNaN;

Sma::Sma(int period)
    : period_(period), refresh_every_(static_cast<int64_t>(detail::refresh_interval(period >= 1 ? period : 1))) {
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
  if (count_ >= period_ && ++since_refresh_ >= refresh_every_) {
    // The window is full: its exact sum replaces the running one (O(period), once per refresh_every_).
    sum_ = 0.0;
    for (double v : window_) sum_ += v;
    since_refresh_ = 0;
  }
  return ready();
}

double Sma::value() const { return ready() ? sum_ / period_ : kNaN; }

void Sma::reset() {
  window_.assign(window_.size(), 0.0);
  next_ = 0;
  sum_ = 0.0;
  since_refresh_ = 0;
  count_ = 0;
}

void sma(std::span<const double> values, int period, std::span<double> out) {
  NIFTY_CHECK(period >= 1, "sma period must be >= 1");
  detail::check_output(values, out, "sma output must have the input's size and not overlap it");
  const size_t n = values.size();
  const size_t p = static_cast<size_t>(period);
  if (n < p) {
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(p - 1), kNaN);
  const double* v = values.data();
  double* o = out.data();
  auto window_sum = [v, p](size_t last) {
    double total = 0.0;
    for (size_t j = last + 1 - p; j <= last; ++j) total += v[j];
    return total;
  };
  const size_t refresh_every = detail::refresh_interval(p);
  double sum = window_sum(p - 1);
  o[p - 1] = sum / period;
  size_t refresh_at = p - 1 + refresh_every;
  for (size_t i = p; i < n; ++i) {
    const double leaving = v[i - p];
    // A non-finite value leaving the window has poisoned the running sum: recompute, as on schedule.
    if (i == refresh_at || !std::isfinite(leaving)) [[unlikely]] {
      sum = window_sum(i);
      refresh_at = i + refresh_every;
    } else {
      sum += v[i] - leaving;
    }
    o[i] = sum / period;
  }
}

std::vector<double> sma(std::span<const double> values, int period) {
  std::vector<double> out(values.size());
  sma(values, period, out);
  return out;
}

}  // namespace nifty::indicators
