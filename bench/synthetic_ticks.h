// SyntheticTicks: a deterministic, realistic tick stream for the benchmarks in bench/: 50 symbols
// round-robin, prices moving on the 5-paise grid, cumulative volume rising, ~50 ticks per symbol
// per minute (2,500 ticks per exchange minute) from 09:15 IST, sequence numbers 1, 2, 3, ...
// next_pass() moves the whole stream to the next NSE trading day (and the sequence numbers on), so a
// benchmark can loop over it forever while time and sequence keep going forward.
// Not thread-safe; one per benchmark.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/nse_calendar.h"
#include "core/timestamp.h"
#include "model/tick.h"

namespace nifty::bench {

class SyntheticTicks {
 public:
  static constexpr int kSymbols = 50;
  static constexpr int kTicksPerSymbolPerMinute = 50;

  explicit SyntheticTicks(size_t count = size_t{1} << 17) : ticks_(count) {
    std::vector<int64_t> price(kSymbols), cumulative(kSymbols);
    std::vector<model::Symbol> symbols;
    uint64_t s = 0x9E3779B97F4A7C15ull;  // xorshift64
    auto next = [&s] {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      return s;
    };
    for (int i = 0; i < kSymbols; ++i) {
      symbols.emplace_back("SYM" + std::to_string(i));
      price[i] = 50'000 + 5 * static_cast<int64_t>(next() % 100'000);
      cumulative[i] = 1'000'000;
    }
    const core::Timestamp open = core::Timestamp::from_ist(day_, 9, 15);
    const int64_t step = core::kNanosPerMinute / (kSymbols * kTicksPerSymbolPerMinute);
    for (size_t i = 0; i < ticks_.size(); ++i) {
      const int k = static_cast<int>(i % kSymbols);
      model::Tick& t = ticks_[i];
      t.symbol = symbols[k];
      t.token = static_cast<uint32_t>(k + 1);
      price[k] = std::max<int64_t>(5, price[k] + 5 * (static_cast<int64_t>(next() % 5) - 2));
      cumulative[k] += static_cast<int64_t>(next() % 400);
      t.last_price = model::Price::from_paise(price[k]);
      t.bid = model::Price::from_paise(price[k] - 5);
      t.ask = model::Price::from_paise(price[k] + 5);
      t.cumulative_volume = cumulative[k];
      t.exchange_time = open + static_cast<int64_t>(i) * step;
      t.receive_time = t.exchange_time + 300 * core::kNanosPerMicro;
      t.sequence = i + 1;
    }
  }

  const std::vector<model::Tick>& ticks() const { return ticks_; }
  size_t size() const { return ticks_.size(); }
  const model::Tick& operator[](size_t i) const { return ticks_[i]; }

  // Moves every tick to the next day of the built-in calendar whose session holds the whole stream
  // (a regular 09:15 open; not a holiday, weekend or evening-only Muhurat session), sequence numbers
  // onwards, so that no tick is rejected as outside the session.
  void next_pass() {
    const auto& calendar = core::NseCalendar::builtin();
    const int64_t span = ticks_.back().exchange_time - ticks_.front().exchange_time;
    core::Date next = day_;
    auto holds_stream = [&](const core::Date& d) {
      const core::Timestamp open = core::Timestamp::from_ist(d, 9, 15);
      const auto session = calendar.session_at(open);
      return session && session->contains(open + span);
    };
    do {
      next = core::Date::from_days_since_epoch(next.days_since_epoch() + 1);
    } while (!holds_stream(next));
    const int64_t shift = (next.days_since_epoch() - day_.days_since_epoch()) * core::kNanosPerDay;
    day_ = next;
    for (model::Tick& t : ticks_) {
      t.exchange_time = t.exchange_time + shift;
      t.receive_time = t.receive_time + shift;
      t.sequence += ticks_.size();
    }
  }

 private:
  core::Date day_{2023, 2, 28};
  std::vector<model::Tick> ticks_;
};

}  // namespace nifty::bench
