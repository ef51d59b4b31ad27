#include "indicators/macd.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "core/check.h"
#include "indicators/batch_output.h"

namespace nifty::indicators {

namespace {

using detail::kNaN;

std::pair<int, int> ordered(int fast, int slow) { return fast > slow ? std::pair{slow, fast} : std::pair{fast, slow}; }

}  // namespace

Macd::Macd(int fast, int slow, int signal)
    : fast_seed_(ordered(fast, slow).first),
      slow_(ordered(fast, slow).second),
      signal_(signal),
      fast_k_(2.0 / (ordered(fast, slow).first + 1.0)) {}

bool Macd::update(double value) {
  if (!std::isfinite(value)) {
    ++rejected_;
    return ready();
  }
  if (!slow_.ready()) {
    fast_seed_.update(value);
    if (slow_.update(value)) fast_ema_ = fast_seed_.value();  // index slow-1: aligned seed
  } else {
    slow_.update(value);
    fast_ema_ = (value - fast_ema_) * fast_k_ + fast_ema_;
  }
  if (ready()) signal_.update(fast_ema_ - slow_.value());
  return ready();
}

double Macd::macd() const { return ready() ? fast_ema_ - slow_.value() : kNaN; }
double Macd::signal() const { return signal_.value(); }
double Macd::histogram() const { return signal_ready() ? macd() - signal_.value() : kNaN; }

void Macd::reset() {
  fast_seed_.reset();
  slow_.reset();
  signal_.reset();
  fast_ema_ = 0.0;
}

void macd(std::span<const double> values, int fast, int slow, int signal, const MacdBuffers& out) {
  NIFTY_CHECK(fast >= 1 && slow >= 1 && signal >= 1, "macd periods must be >= 1");
  constexpr const char* kBadOutput = "macd outputs must have the input's size and not overlap it";
  detail::check_output(values, out.macd, kBadOutput);
  detail::check_output(values, out.signal, kBadOutput);
  detail::check_output(values, out.histogram, kBadOutput);
  std::tie(fast, slow) = ordered(fast, slow);
  const size_t n = values.size();
  const size_t first = static_cast<size_t>(slow) - 1;
  const size_t first_signal = first + static_cast<size_t>(signal) - 1;
  auto warm_up = [n](std::span<double> s, size_t length) {
    std::fill(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min(n, length)), kNaN);
  };
  warm_up(out.macd, first);
  warm_up(out.signal, first_signal);
  warm_up(out.histogram, first_signal);
  if (n <= first) return;

  const double* v = values.data();
  double* line = out.macd.data();
  const double k_fast = 2.0 / (fast + 1.0);
  const double k_slow = 2.0 / (slow + 1.0);
  double slow_ema = 0.0;
  for (size_t i = 0; i <= first; ++i) slow_ema += v[i];
  slow_ema /= slow;
  double fast_ema = 0.0;
  for (size_t i = first + 1 - static_cast<size_t>(fast); i <= first; ++i) fast_ema += v[i];
  fast_ema /= fast;
  line[first] = fast_ema - slow_ema;
  for (size_t i = first + 1; i < n; ++i) {
    fast_ema = (v[i] - fast_ema) * k_fast + fast_ema;
    slow_ema = (v[i] - slow_ema) * k_slow + slow_ema;
    line[i] = fast_ema - slow_ema;
  }

  if (n <= first_signal) return;
  double* sig_out = out.signal.data();
  double* hist = out.histogram.data();
  const double k_signal = 2.0 / (signal + 1.0);
  double sig = 0.0;
  for (size_t i = first; i <= first_signal; ++i) sig += line[i];
  sig /= signal;
  sig_out[first_signal] = sig;
  hist[first_signal] = line[first_signal] - sig;
  for (size_t i = first_signal + 1; i < n; ++i) {
    sig = (line[i] - sig) * k_signal + sig;
    sig_out[i] = sig;
    hist[i] = line[i] - sig;
  }
}

MacdSeries macd(std::span<const double> values, int fast, int slow, int signal) {
  const size_t n = values.size();
  MacdSeries out{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
  macd(values, fast, slow, signal, MacdBuffers{out.macd, out.signal, out.histogram});
  return out;
}

}  // namespace nifty::indicators
