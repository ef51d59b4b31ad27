#include "indicators/vwap.h"

#include <limits>

#include "core/check.h"
#include "core/timestamp.h"

namespace nifty::indicators {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kRegularOpenNanos = 9 * core::kNanosPerHour + 15 * core::kNanosPerMinute;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

double typical(double high, double low, double close) { return (high + low + close) / 3.0; }

}  // namespace

int64_t vwap_session_key(int64_t start_nanos) {
  int64_t ist = start_nanos + core::kIstOffsetNanos;
  int64_t day = floor_div(ist, core::kNanosPerDay);
  int64_t time_of_day = ist - day * core::kNanosPerDay;
  return 2 * day + (time_of_day >= kRegularOpenNanos ? 1 : 0);
}

bool Vwap::update(int64_t start_nanos, const Hlcv& candle) {
  int64_t key = vwap_session_key(start_nanos);
  bool new_session = count_ == 0 || key != session_key_;
  if (!finite_prices_and_volume(candle)) {
    ++rejected_;
    return ready();
  }
  session_key_ = key;
  return update(candle, new_session);
}

bool Vwap::update(const Hlcv& candle, bool new_session) {
  if (!finite_prices_and_volume(candle)) {
    ++rejected_;
    return ready();
  }
  if (new_session || count_ == 0) {
    price_volume_ = volume_ = price_sum_ = 0.0;
    session_count_ = 0;
  }
  double tp = typical(candle.high, candle.low, candle.close);
  price_volume_ += tp * candle.volume;
  volume_ += candle.volume;
  price_sum_ += tp;
  ++session_count_;
  ++count_;
  return ready();
}

double Vwap::value() const {
  if (!ready()) return kNaN;
  return volume_ > 0.0 ? price_volume_ / volume_ : price_sum_ / static_cast<double>(session_count_);
}

void Vwap::reset() {
  price_volume_ = volume_ = price_sum_ = 0.0;
  session_count_ = 0;
  session_key_ = 0;
  count_ = 0;
}

std::vector<double> vwap(std::span<const int64_t> start_nanos, std::span<const double> high,
                         std::span<const double> low, std::span<const double> close,
                         std::span<const double> volume) {
  const size_t n = close.size();
  NIFTY_CHECK(start_nanos.size() == n && high.size() == n && low.size() == n && volume.size() == n,
              "vwap inputs must have equal sizes");
  std::vector<double> out(n, kNaN);
  size_t begin = 0;  // first index of the current session
  while (begin < n) {
    size_t end = begin + 1;
    int64_t key = vwap_session_key(start_nanos[begin]);
    while (end < n && vwap_session_key(start_nanos[end]) == key) ++end;
    double pv = 0.0;
    double v = 0.0;
    double tp_sum = 0.0;
    for (size_t i = begin; i < end; ++i) {
      double tp = typical(high[i], low[i], close[i]);
      pv += tp * volume[i];
      v += volume[i];
      tp_sum += tp;
      out[i] = v > 0.0 ? pv / v : (v == 0.0 ? tp_sum / static_cast<double>(i - begin + 1) : kNaN);
    }
    begin = end;
  }
  return out;
}

}  // namespace nifty::indicators
