// Benchmarks of the per-tick work on the engine thread, on the synthetic stream of
// bench/synthetic_ticks.h (50 symbols, 2,500 ticks per exchange minute, all in session):
//   BM_Reference_TickCopy         copying a tick and reading it: the floor any stage pays, measured
//                                 in the same run so a noisy machine shows up in it too.
//   BM_TickNormalizer_Normalize   feed::TickNormalizer::normalize on a copy of each tick.
//   BM_Pipeline_TickToCandle      normalize + candles::CandleBuilder::on_tick + current(): what the
//                                 engine thread does per tick before the bus hands it on.
//   BM_JsonCodec_EncodeTick       model::encode_tick into a reused string (the raw-ticks wire form).
// Items/s in the output is ticks per second on one core.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "synthetic_ticks.h"
#include "candles/candle_builder.h"
#include "core/nse_calendar.h"
#include "feed/tick_normalizer.h"
#include "model/json_codec.h"

namespace {

using nifty::bench::SyntheticTicks;
using nifty::model::Candle;
using nifty::model::Tick;

class CountingSink final : public nifty::candles::CandleSink {
 public:
  void on_candle(const Candle& c) override {
    ++count;
    checksum += c.close.paise() + c.volume;
  }
  uint64_t count = 0;
  int64_t checksum = 0;
};

void BM_Reference_TickCopy(benchmark::State& state) {
  SyntheticTicks ticks;
  size_t i = 0;
  int64_t sum = 0;
  for (auto _ : state) {
    Tick t = ticks[i];
    benchmark::DoNotOptimize(t);
    sum += t.last_price.paise() + t.cumulative_volume;
    if (++i == ticks.size()) i = 0;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Reference_TickCopy);

void BM_TickNormalizer_Normalize(benchmark::State& state) {
  SyntheticTicks ticks;
  nifty::feed::TickNormalizer normalizer(nifty::core::NseCalendar::builtin(), "bench");
  size_t i = 0;
  int64_t volume = 0;
  for (auto _ : state) {
    Tick t = ticks[i];
    if (!normalizer.normalize(t)) volume += t.volume_delta;
    if (++i == ticks.size()) [[unlikely]] {
      state.PauseTiming();
      ticks.next_pass();
      i = 0;
      state.ResumeTiming();
    }
  }
  benchmark::DoNotOptimize(volume);
  state.SetItemsProcessed(state.iterations());
  state.counters["accepted"] = static_cast<double>(normalizer.rejected().accepted);
  state.counters["rejected"] = static_cast<double>(normalizer.rejected().total_rejected());
}
BENCHMARK(BM_TickNormalizer_Normalize);

void BM_Pipeline_TickToCandle(benchmark::State& state) {
  SyntheticTicks ticks;
  nifty::feed::TickNormalizer normalizer(nifty::core::NseCalendar::builtin(), "bench");
  nifty::candles::CandleBuilder builder;
  CountingSink sink;
  size_t i = 0;
  for (auto _ : state) {
    Tick t = ticks[i];
    if (!normalizer.normalize(t)) {
      builder.on_tick(t, sink);
      benchmark::DoNotOptimize(builder.current(t.symbol));
    }
    if (++i == ticks.size()) [[unlikely]] {
      state.PauseTiming();
      ticks.next_pass();
      i = 0;
      state.ResumeTiming();
    }
  }
  benchmark::DoNotOptimize(sink.checksum);
  state.SetItemsProcessed(state.iterations());
  state.counters["candles"] = static_cast<double>(sink.count);
  state.counters["rejected"] = static_cast<double>(normalizer.rejected().total_rejected());
  state.counters["late_ticks"] = static_cast<double>(builder.stats().late_ticks);
}
BENCHMARK(BM_Pipeline_TickToCandle);

void BM_JsonCodec_EncodeTick(benchmark::State& state) {
  SyntheticTicks ticks;
  std::string out;
  out.reserve(512);
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    nifty::model::encode_tick(ticks[i], out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
    if (++i == ticks.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_JsonCodec_EncodeTick);

}  // namespace

BENCHMARK_MAIN();
