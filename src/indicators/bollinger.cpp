#include "indicators/bollinger.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "indicators/batch_output.h"

namespace nifty::indicators {

using detail::kNaN;

namespace {
// The totals are recomputed about a new shift when the squared mean of the deviations exceeds this
// many times their variance: the cancellation in S2/n - (S1/n)^2 then costs at most ~16 bits of
// the variance's 53 (about 1e-11 relative), while right after a recomputation about a value of
// the window the ratio is below ~period, so it cannot trigger again at once.
constexpr double kRecenterRatio = 65536.0;
}  // namespace

Bollinger::Bollinger(int period, double k)
    : period_(period),
      k_(k),
      refresh_every_(static_cast<int64_t>(detail::refresh_interval(period >= 1 ? period : 1))) {
  NIFTY_CHECK(period >= 1, "Bollinger period must be >= 1");
  NIFTY_CHECK(k >= 0.0, "Bollinger k must be >= 0");
  window_.assign(static_cast<size_t>(period), 0.0);
}

bool Bollinger::update(double value) {
  if (!std::isfinite(value)) {
    ++rejected_;
    return ready();
  }
  if (count_ == 0) shift_ = value;
  auto slot = static_cast<size_t>(next_);
  const double latest = window_[static_cast<size_t>((next_ + period_ - 1) % period_)];
  equal_run_ = count_ > 0 && value == latest ? equal_run_ + 1 : 1;
  if (count_ >= period_) {
    // (x_in - c)^2 - (x_out - c)^2 = (x_in - x_out) * (x_in + x_out - 2c)
    double leaving = window_[slot];
    double delta = value - leaving;
    sum_ += delta;
    sum_squares_ += delta * ((value - shift_) + (leaving - shift_));
  } else {
    double d = value - shift_;
    sum_ += d;
    sum_squares_ += d * d;
  }
  window_[slot] = value;
  next_ = (next_ + 1) % period_;
  ++count_;
  if (equal_run_ >= period_) {
    // A flat window: its exact totals about its value are zero.
    shift_ = value;
    sum_ = 0.0;
    sum_squares_ = 0.0;
  } else if (count_ >= period_) {
    double mean = sum_ / period_;
    double variance = sum_squares_ / period_ - mean * mean;
    if (++since_refresh_ >= refresh_every_ || mean * mean > kRecenterRatio * variance) recompute_totals(value);
  }
  return ready();
}

void Bollinger::recompute_totals(double shift) {
  shift_ = shift;
  sum_ = 0.0;
  sum_squares_ = 0.0;
  for (double v : window_) {
    double d = v - shift_;
    sum_ += d;
    sum_squares_ += d * d;
  }
  since_refresh_ = 0;
}

double Bollinger::middle() const { return ready() ? shift_ + sum_ / period_ : kNaN; }

double Bollinger::stddev() const {
  if (!ready()) return kNaN;
  double mean = sum_ / period_;  // of the deviations from shift_
  double variance = sum_squares_ / period_ - mean * mean;
  // Running totals can cancel to a tiny negative number on a flat window.
  return variance > 0.0 ? std::sqrt(variance) : 0.0;
}

double Bollinger::upper() const { return ready() ? middle() + k_ * stddev() : kNaN; }
double Bollinger::lower() const { return ready() ? middle() - k_ * stddev() : kNaN; }

void Bollinger::reset() {
  window_.assign(window_.size(), 0.0);
  next_ = 0;
  shift_ = 0.0;
  sum_ = 0.0;
  sum_squares_ = 0.0;
  since_refresh_ = 0;
  equal_run_ = 0;
  count_ = 0;
}

void bollinger(std::span<const double> values, int period, double k, const BollingerBuffers& out) {
  NIFTY_CHECK(period >= 1, "bollinger period must be >= 1");
  constexpr const char* kBadOutput = "bollinger outputs must have the input's size and not overlap it";
  detail::check_output(values, out.upper, kBadOutput);
  detail::check_output(values, out.middle, kBadOutput);
  detail::check_output(values, out.lower, kBadOutput);
  const size_t n = values.size();
  const size_t p = static_cast<size_t>(period);
  const size_t warm_up = std::min(n, p - 1);
  for (auto s : {out.upper, out.middle, out.lower}) {
    std::fill(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(warm_up), kNaN);
  }
  if (n < p) return;

  const double* v = values.data();
  double* up = out.upper.data();
  double* mid = out.middle.data();
  double* lo = out.lower.data();
  const double inv_period = 1.0 / period;
  // Totals of the deviations from `shift` over the window ending at `last`, from scratch.
  double shift = 0.0;
  double s1 = 0.0;
  double s2 = 0.0;
  const size_t refresh_every = detail::refresh_interval(p);
  size_t refresh_at = p - 1 + refresh_every;
  auto recompute = [&](size_t last) {
    shift = v[last];
    s1 = 0.0;
    s2 = 0.0;
    for (size_t j = last + 1 - p; j <= last; ++j) {
      double d = v[j] - shift;
      s1 += d;
      s2 += d * d;
    }
  };
  auto emit = [&](size_t i) {
    double mean = s1 * inv_period;
    double variance = s2 * inv_period - mean * mean;
    if (mean * mean > kRecenterRatio * variance) [[unlikely]] {
      // The window has moved far from the shift (a jump in price): recompute about its newest value.
      recompute(i);
      refresh_at = i + refresh_every;
      mean = s1 * inv_period;
      variance = s2 * inv_period - mean * mean;
    }
    // Clamp a tiny negative from cancellation on a flat window; NaN (a non-finite input) stays NaN.
    double sd = std::sqrt(variance < 0.0 ? 0.0 : variance);
    double middle = shift + mean;
    mid[i] = middle;
    up[i] = middle + k * sd;
    lo[i] = middle - k * sd;
  };

  size_t equal_run = 1;  // how many values up to i are equal to v[i]
  for (size_t j = 1; j < p; ++j) equal_run = v[j] == v[j - 1] ? equal_run + 1 : 1;
  recompute(p - 1);
  emit(p - 1);
  for (size_t i = p; i < n; ++i) {
    const double entering = v[i];
    const double leaving = v[i - p];
    equal_run = entering == v[i - 1] ? equal_run + 1 : 1;
    if (equal_run >= p) [[unlikely]] {
      // A flat window: its exact totals about its value are zero.
      shift = entering;
      s1 = 0.0;
      s2 = 0.0;
    } else if (i == refresh_at || !std::isfinite(leaving)) [[unlikely]] {
      // On schedule, or a non-finite value leaving the window has poisoned the totals.
      recompute(i);
      refresh_at = i + refresh_every;
    } else {
      // (x_in - c)^2 - (x_out - c)^2 = (x_in - x_out) * (x_in + x_out - 2c)
      double delta = entering - leaving;
      s1 += delta;
      s2 += delta * ((entering - shift) + (leaving - shift));
    }
    emit(i);
  }
}

BollingerSeries bollinger(std::span<const double> values, int period, double k) {
  const size_t n = values.size();
  BollingerSeries out{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
  bollinger(values, period, k, BollingerBuffers{out.upper, out.middle, out.lower});
  return out;
}

}  // namespace nifty::indicators
