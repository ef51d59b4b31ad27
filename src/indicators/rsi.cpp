#include "indicators/rsi.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "indicators/batch_output.h"

namespace nifty::indicators {

namespace {

using detail::kNaN;
constexpr double kZeroTolerance = 1e-14;  // TA-Lib's TA_IS_ZERO

double rsi_of(double avg_gain, double avg_loss) {
  double total = avg_gain + avg_loss;
  if (total > -kZeroTolerance && total < kZeroTolerance) return 0.0;
  return 100.0 * (avg_gain / total);
}

}  // namespace

Rsi::Rsi(int period) : period_(period) { NIFTY_CHECK(period >= 1, "Rsi period must be >= 1"); }

bool Rsi::update(double value) {
  if (!std::isfinite(value)) {
    ++rejected_;
    return ready();
  }
  if (count_ > 0) {
    double change = value - previous_;
    double gain = change > 0.0 ? change : 0.0;
    double loss = change < 0.0 ? -change : 0.0;
    if (count_ < period_) {
      avg_gain_ += gain;
      avg_loss_ += loss;
    } else if (count_ == period_) {
      avg_gain_ = (avg_gain_ + gain) / period_;
      avg_loss_ = (avg_loss_ + loss) / period_;
    } else {
      avg_gain_ = (avg_gain_ * (period_ - 1) + gain) / period_;
      avg_loss_ = (avg_loss_ * (period_ - 1) + loss) / period_;
    }
  }
  previous_ = value;
  ++count_;
  return ready();
}

double Rsi::value() const { return ready() ? rsi_of(avg_gain_, avg_loss_) : kNaN; }

void Rsi::reset() {
  previous_ = 0.0;
  avg_gain_ = 0.0;
  avg_loss_ = 0.0;
  count_ = 0;
}

void rsi(std::span<const double> values, int period, std::span<double> out) {
  NIFTY_CHECK(period >= 1, "rsi period must be >= 1");
  detail::check_output(values, out, "rsi output must have the input's size and not overlap it");
  const size_t p = static_cast<size_t>(period);
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), p)), kNaN);
  if (values.size() <= p) return;
  double gains = 0.0;
  double losses = 0.0;
  for (size_t i = 1; i <= p; ++i) {
    double change = values[i] - values[i - 1];
    if (change > 0.0) gains += change;
    if (change < 0.0) losses -= change;
  }
  double avg_gain = gains / period;
  double avg_loss = losses / period;
  out[p] = rsi_of(avg_gain, avg_loss);
  for (size_t i = p + 1; i < values.size(); ++i) {
    double change = values[i] - values[i - 1];
    avg_gain = (avg_gain * (period - 1) + (change > 0.0 ? change : 0.0)) / period;
    avg_loss = (avg_loss * (period - 1) + (change < 0.0 ? -change : 0.0)) / period;
    out[i] = rsi_of(avg_gain, avg_loss);
  }
}

std::vector<double> rsi(std::span<const double> values, int period) {
  std::vector<double> out(values.size());
  rsi(values, period, out);
  return out;
}

}  // namespace nifty::indicators
