// Benchmarks of candles::CandleBuilder on realistic input: 50 symbols round-robin, prices moving on
// the 5-paise grid, cumulative volume rising (so every tick carries a volume delta), ~50 ticks per
// symbol per minute (2,500 ticks per exchange minute). Targets (ARCHITECTURE/brief): >= 5 M ticks/s
// per core for on_tick, p99 tick-to-candle-update < 10 us.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "candles/candle_builder.h"

namespace {

using nifty::candles::CandleBuilder;
using nifty::candles::CandleSink;
using nifty::core::Timestamp;
using nifty::model::Candle;
using nifty::model::Price;
using nifty::model::Symbol;
using nifty::model::Tick;

constexpr int kSymbols = 50;
constexpr int kTicksPerSymbolPerMinute = 50;
constexpr size_t kTicks = 1 << 17;  // ~52 exchange minutes; shifted forward a day on each wrap

class CountingSink : public CandleSink {
 public:
  void on_candle(const Candle& c) override {
    ++count_;
    checksum_ += c.close.paise() + c.volume;
  }
  uint64_t count_ = 0;
  int64_t checksum_ = 0;
};

// Deterministic xorshift, so every run sees the same ticks.
struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

std::vector<Tick> make_ticks() {
  std::vector<Tick> ticks(kTicks);
  std::vector<int64_t> price(kSymbols), cumulative(kSymbols);
  std::vector<Symbol> symbols;
  Rng rng;
  for (int s = 0; s < kSymbols; ++s) {
    symbols.emplace_back("SYM" + std::to_string(s));
    price[s] = 50'000 + 5 * static_cast<int64_t>(rng.next() % 100'000);  // 500 to 5,500 rupees
    cumulative[s] = 1'000'000;                                          // after the pre-open
  }
  // 2023-02-28 09:15:00 IST.
  const Timestamp open = Timestamp::from_ist(nifty::core::Date{2023, 2, 28}, 9, 15);
  const int64_t step = nifty::core::kNanosPerMinute / (kSymbols * kTicksPerSymbolPerMinute);
  for (size_t i = 0; i < kTicks; ++i) {
    const int s = static_cast<int>(i % kSymbols);
    Tick& t = ticks[i];
    t.symbol = symbols[s];
    t.token = static_cast<uint32_t>(s + 1);
    price[s] = std::max<int64_t>(5, price[s] + 5 * (static_cast<int64_t>(rng.next() % 5) - 2));
    const int64_t delta = static_cast<int64_t>(rng.next() % 400);
    cumulative[s] += delta;
    t.last_price = Price::from_paise(price[s]);
    t.cumulative_volume = cumulative[s];
    t.volume_delta = delta;
    t.exchange_time = open + static_cast<int64_t>(i) * step;
    t.receive_time = t.exchange_time + 300 * nifty::core::kNanosPerMicro;
  }
  return ticks;
}

// Moves every tick forward a day so that the next pass continues in time order.
void shift_a_day(std::vector<Tick>& ticks) {
  for (Tick& t : ticks) t.exchange_time = t.exchange_time + nifty::core::kNanosPerDay;
}

void BM_CandleBuilder_OnTick(benchmark::State& state) {
  std::vector<Tick> ticks = make_ticks();
  CandleBuilder builder;
  CountingSink sink;
  size_t i = 0;
  for (auto _ : state) {
    builder.on_tick(ticks[i], sink);
    if (++i == ticks.size()) [[unlikely]] {
      state.PauseTiming();
      shift_a_day(ticks);
      i = 0;
      state.ResumeTiming();
    }
  }
  benchmark::DoNotOptimize(sink.checksum_);
  state.SetItemsProcessed(state.iterations());
  state.counters["candles"] = static_cast<double>(sink.count_);
  state.counters["late_ticks"] = static_cast<double>(builder.stats().late_ticks);
}
BENCHMARK(BM_CandleBuilder_OnTick);

// Time from handing a tick to the builder until its effect is readable in current(): one on_tick
// plus the lookup. Reports percentiles of the per-tick latency (includes ~20 ns of clock reads).
void BM_CandleBuilder_TickToCandleUpdate(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  std::vector<Tick> ticks = make_ticks();
  CandleBuilder builder;
  CountingSink sink;
  std::vector<int64_t> samples(1 << 20);
  size_t n = 0;
  size_t i = 0;
  for (auto _ : state) {
    const Tick& t = ticks[i];
    const auto t0 = Clock::now();
    builder.on_tick(t, sink);
    const Candle* c = builder.current(t.symbol);
    benchmark::DoNotOptimize(c);
    const auto t1 = Clock::now();
    samples[n++ & (samples.size() - 1)] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    if (++i == ticks.size()) [[unlikely]] {
      state.PauseTiming();
      shift_a_day(ticks);
      i = 0;
      state.ResumeTiming();
    }
  }
  samples.resize(std::min(n, samples.size()));
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) {
    return static_cast<double>(samples[std::min(samples.size() - 1, static_cast<size_t>(p * samples.size()))]);
  };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p999_ns"] = pct(0.999);
  state.counters["max_ns"] = static_cast<double>(samples.back());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CandleBuilder_TickToCandleUpdate);

}  // namespace

BENCHMARK_MAIN();
