// indicators_bench: speed of nifty::indicators on real NSE 5-minute candles, for issue 3's goals
// (bench/RESULTS.md, section "Indicators (issue 3)"):
//  - BM_Indicators_FullRecompute_50x300*: RSI(14), MACD(12,26,9), EMA and Bollinger(20,2) batch
//    functions over 50 stocks x 300 closes per iteration; p50/p99 per iteration (goal p99 < 0.25 ms).
//    They use the allocation-free batch forms writing into output buffers allocated once, outside
//    the timed loop, as a real recompute loop does; `_Vectors` times the vector-returning forms;
//  - BM_Indicators_IncrementalUpdate_50: every streaming indicator updated with one new candle for
//    each of 50 stocks (one market update); p50/p99 per update (goal < 20 us);
//  - BM_Indicators_FullRecompute_50x300_All: every indicator of the module (for information);
//  - BM_Batch_<X>/<candles>: batch ns per candle of each indicator (50 stocks x 300 or x 5000);
//    SMA, EMA, RSI, MACD and Bollinger into buffers sized once (as TA-Lib's), the others (which have
//    no span form yet) into new vectors.
// Built twice by bench/CMakeLists.txt: indicators_bench (ours only) and, with -DNIFTY_BENCH_TALIB=ON,
// indicators_talib_bench (NIFTY_WITH_TALIB=1), which also times TA-Lib's C functions on the same
// data in the same iterations (interleaved, alternating which goes first) and, before the
// benchmarks, checks that our values agree with TA-Lib's to 1e-8 relative (a warning line if not).
// Data: 50 series from NIFTY_SHARED_DATA_DIR/nse-5min-2023-24 (47 files, the first 3 reused on an
// earlier window). Single-threaded.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <time.h>

#include "indicators/indicators.h"

#if NIFTY_WITH_TALIB
#include <ta_func.h>
#endif

namespace ind = nifty::indicators;

namespace {

constexpr int kStocks = 50;
constexpr double kAgreeRelative = 1e-8;
// Where both values are this close to zero a relative difference means nothing (TA-Lib's running
// sums leave residues like 4.7e-15 where the exact value is 0); such pairs agree when their absolute
// difference is below it, and are counted and shown apart.
constexpr double kAgreeAbsoluteNearZero = 1e-10;

// ---- data ---------------------------------------------------------------------------------

struct Series {
  std::string symbol;
  std::vector<int64_t> start_nanos;  // candle start, ns since the epoch, UTC
  std::vector<double> open, high, low, close, volume;
};

struct Window {
  const Series* series = nullptr;
  size_t begin = 0;
  size_t size = 0;
  std::span<const double> open() const { return {series->open.data() + begin, size}; }
  std::span<const double> high() const { return {series->high.data() + begin, size}; }
  std::span<const double> low() const { return {series->low.data() + begin, size}; }
  std::span<const double> close() const { return {series->close.data() + begin, size}; }
  std::span<const double> volume() const { return {series->volume.data() + begin, size}; }
  std::span<const int64_t> start_nanos() const { return {series->start_nanos.data() + begin, size}; }
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "2023-07-03 09:15:00+05:30" -> ns since the epoch, UTC; -1 if malformed.
int64_t parse_kite_time(const std::string& s) {
  int y, mo, d, h, mi, se, oh, om;
  char sign;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om) != 9 ||
      (sign != '+' && sign != '-')) {
    return -1;
  }
  int64_t offset = (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  return secs * 1'000'000'000;
}

std::vector<Series>& all_series() {
  static std::vector<Series> series;
  return series;
}

// Reads `date,open,high,low,close,volume` rows (Kite format, see the data README).
bool load_series(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".csv") files.push_back(entry.path());
  }
  if (ec || files.empty()) {
    std::fprintf(stderr, "indicators_bench: no .csv files in %s\n", dir.c_str());
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    Series s;
    s.symbol = file.stem().string();
    std::string line;
    std::getline(in, line);  // header
    size_t line_no = 1;
    while (std::getline(in, line)) {
      ++line_no;
      double v[5];
      size_t pos = line.find(',');
      int64_t start = pos == std::string::npos ? -1 : parse_kite_time(line.substr(0, pos));
      bool ok = start >= 0;
      for (int i = 0; ok && i < 5; ++i) {
        char* end = nullptr;
        v[i] = std::strtod(line.c_str() + pos + 1, &end);
        ok = end != line.c_str() + pos + 1 && std::isfinite(v[i]);
        pos = static_cast<size_t>(end - line.c_str());
        if (i < 4) ok = ok && pos < line.size() && line[pos] == ',';
      }
      if (!ok) {
        std::fprintf(stderr, "indicators_bench: %s line %zu: bad row '%s'\n", file.c_str(), line_no,
                     line.c_str());
        return false;
      }
      s.start_nanos.push_back(start);
      s.open.push_back(v[0]);
      s.high.push_back(v[1]);
      s.low.push_back(v[2]);
      s.close.push_back(v[3]);
      s.volume.push_back(v[4]);
    }
    all_series().push_back(std::move(s));
  }
  return true;
}

// 50 windows of `candles` candles: stock i reads file i % 47, the most recent `candles` rows on the
// first pass and the `candles` rows before those on the second (so reused files differ).
const std::vector<Window>& universe(size_t candles) {
  static std::vector<std::pair<size_t, std::vector<Window>>> cache;
  for (const auto& [n, windows] : cache) {
    if (n == candles) return windows;
  }
  const auto& series = all_series();
  std::vector<Window> windows;
  for (int i = 0; i < kStocks; ++i) {
    const Series& s = series[static_cast<size_t>(i) % series.size()];
    size_t pass = static_cast<size_t>(i) / series.size();
    size_t rows = s.close.size();
    if (rows < (pass + 1) * candles) {
      std::fprintf(stderr, "indicators_bench: %s has %zu rows, fewer than %zu\n", s.symbol.c_str(), rows,
                   (pass + 1) * candles);
      std::exit(1);
    }
    windows.push_back(Window{&s, rows - (pass + 1) * candles, candles});
  }
  cache.emplace_back(candles, std::move(windows));
  return cache.back().second;
}

// ---- timing helpers -----------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of this thread in seconds: for ns-per-candle figures, so that time the core spends on
// other processes (the machine is shared) is not charged to the indicator. Latency percentiles use
// steady_clock (wall time), as a user would see them.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// p-quantile (0..1) of the samples, nearest rank; sorts in place.
double quantile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0.0;
  std::sort(samples.begin(), samples.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
  return samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
}

// Runs `work` once per benchmark iteration, timing each with steady_clock (manual time), and
// reports p50/p99/max in microseconds.
template <typename Work>
void run_with_percentiles(benchmark::State& state, Work&& work) {
  std::vector<double> samples;
  samples.reserve(1 << 20);
  for (auto _ : state) {
    auto t0 = Clock::now();
    work();
    double s = seconds_since(t0);
    state.SetIterationTime(s);
    samples.push_back(s * 1e6);
  }
  state.counters["p50_us"] = quantile(samples, 0.50);
  state.counters["p99_us"] = quantile(samples, 0.99);
  state.counters["max_us"] = samples.empty() ? 0.0 : samples.back();
}

// ---- our batch calls ----------------------------------------------------------------------

template <typename T>
void keep(const T& v) {
  benchmark::DoNotOptimize(v.data());
  benchmark::ClobberMemory();
}

// Output buffers of the allocation-free batch forms: sized once (before any timed loop) for the
// largest window, reused for every stock and every iteration.
struct OurBuffers {
  std::vector<double> a, b, c;
  void size_for(size_t n) {
    if (a.size() < n) {
      a.assign(n, 0.0);
      b.assign(n, 0.0);
      c.assign(n, 0.0);
    }
  }
};

OurBuffers& our_buffers() {
  static OurBuffers buffers;
  return buffers;
}

std::span<double> first(std::vector<double>& buffer, size_t n) { return {buffer.data(), n}; }

void ours_ema(const Window& w, int period) {
  auto& o = our_buffers();
  ind::ema(w.close(), period, first(o.a, w.size));
  keep(o.a);
}
void ours_sma(const Window& w) {
  auto& o = our_buffers();
  ind::sma(w.close(), 20, first(o.a, w.size));
  keep(o.a);
}
void ours_rsi(const Window& w) {
  auto& o = our_buffers();
  ind::rsi(w.close(), 14, first(o.a, w.size));
  keep(o.a);
}
void ours_macd(const Window& w) {
  auto& o = our_buffers();
  ind::macd(w.close(), 12, 26, 9, ind::MacdBuffers{first(o.a, w.size), first(o.b, w.size), first(o.c, w.size)});
  keep(o.c);
}
void ours_bbands(const Window& w) {
  auto& o = our_buffers();
  ind::bollinger(w.close(), 20, 2.0,
                 ind::BollingerBuffers{first(o.a, w.size), first(o.b, w.size), first(o.c, w.size)});
  keep(o.a);
}
// The vector-returning forms (each call allocates and fills its result vectors).
void ours_ema_vector(const Window& w, int period) { keep(ind::ema(w.close(), period)); }
void ours_rsi_vector(const Window& w) { keep(ind::rsi(w.close(), 14)); }
void ours_macd_vector(const Window& w) { keep(ind::macd(w.close(), 12, 26, 9).histogram); }
void ours_bbands_vector(const Window& w) { keep(ind::bollinger(w.close(), 20, 2.0).upper); }
void ours_atr(const Window& w) { keep(ind::atr(w.high(), w.low(), w.close(), 14)); }
void ours_stoch(const Window& w) { keep(ind::stochastic(w.high(), w.low(), w.close(), 14, 3, 3).slowd); }
void ours_adx(const Window& w) { keep(ind::adx(w.high(), w.low(), w.close(), 14).adx); }
void ours_obv(const Window& w) { keep(ind::obv(w.close(), w.volume())); }
void ours_vwap(const Window& w) { keep(ind::vwap(w.start_nanos(), w.high(), w.low(), w.close(), w.volume())); }
void ours_supertrend(const Window& w) { keep(ind::supertrend(w.high(), w.low(), w.close(), 10, 3.0).value); }

#if NIFTY_WITH_TALIB
// ---- TA-Lib batch calls (outputs into buffers sized once) ---------------------------------

struct TaBuffers {
  std::vector<double> a, b, c;
  int begin = 0;
  int count = 0;
  void size_for(size_t n) {
    if (a.size() < n) {
      a.assign(n, 0.0);
      b.assign(n, 0.0);
      c.assign(n, 0.0);
    }
  }
};

TaBuffers& ta_buffers() {
  static TaBuffers buffers;
  return buffers;
}

void check_rc(TA_RetCode rc, const char* what) {
  if (rc != TA_SUCCESS) {
    std::fprintf(stderr, "indicators_bench: %s returned TA_RetCode %d\n", what, static_cast<int>(rc));
    std::exit(1);
  }
}

int last(const Window& w) { return static_cast<int>(w.size) - 1; }

void ta_ema(const Window& w, int period) {
  auto& o = ta_buffers();
  check_rc(TA_EMA(0, last(w), w.close().data(), period, &o.begin, &o.count, o.a.data()), "TA_EMA");
  keep(o.a);
}
void ta_sma(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_SMA(0, last(w), w.close().data(), 20, &o.begin, &o.count, o.a.data()), "TA_SMA");
  keep(o.a);
}
void ta_rsi(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_RSI(0, last(w), w.close().data(), 14, &o.begin, &o.count, o.a.data()), "TA_RSI");
  keep(o.a);
}
void ta_macd(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_MACD(0, last(w), w.close().data(), 12, 26, 9, &o.begin, &o.count, o.a.data(), o.b.data(),
                   o.c.data()),
           "TA_MACD");
  keep(o.c);
}
void ta_bbands(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_BBANDS(0, last(w), w.close().data(), 20, 2.0, 2.0, TA_MAType_SMA, &o.begin, &o.count, o.a.data(),
                     o.b.data(), o.c.data()),
           "TA_BBANDS");
  keep(o.a);
}
void ta_atr(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_ATR(0, last(w), w.high().data(), w.low().data(), w.close().data(), 14, &o.begin, &o.count, o.a.data()),
           "TA_ATR");
  keep(o.a);
}
void ta_stoch(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_STOCH(0, last(w), w.high().data(), w.low().data(), w.close().data(), 14, 3, TA_MAType_SMA, 3,
                    TA_MAType_SMA, &o.begin, &o.count, o.a.data(), o.b.data()),
           "TA_STOCH");
  keep(o.b);
}
void ta_adx(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_ADX(0, last(w), w.high().data(), w.low().data(), w.close().data(), 14, &o.begin, &o.count, o.a.data()),
           "TA_ADX");
  keep(o.a);
}
void ta_obv(const Window& w) {
  auto& o = ta_buffers();
  check_rc(TA_OBV(0, last(w), w.close().data(), w.volume().data(), &o.begin, &o.count, o.a.data()), "TA_OBV");
  keep(o.a);
}
#endif

// ---- full recompute: the analysis of the whole market from scratch --------------------------

void recompute_ours(const std::vector<Window>& market, bool three_emas) {
  our_buffers().size_for(300);  // a no-op after the first call: sized before the timed loop
  for (const auto& w : market) {
    ours_rsi(w);
    ours_macd(w);
    ours_ema(w, 50);
    if (three_emas) {
      ours_ema(w, 100);
      ours_ema(w, 200);
    }
    ours_bbands(w);
  }
}

void BM_Indicators_FullRecompute_50x300(benchmark::State& state) {
  const auto& market = universe(300);
  our_buffers().size_for(300);
  run_with_percentiles(state, [&] { recompute_ours(market, false); });
  state.SetItemsProcessed(state.iterations() * kStocks * 300);
}
BENCHMARK(BM_Indicators_FullRecompute_50x300)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The same work with the vector-returning batch forms: 8 result vectors allocated per stock.
void BM_Indicators_FullRecompute_50x300_Vectors(benchmark::State& state) {
  const auto& market = universe(300);
  run_with_percentiles(state, [&] {
    for (const auto& w : market) {
      ours_rsi_vector(w);
      ours_macd_vector(w);
      ours_ema_vector(w, 50);
      ours_bbands_vector(w);
    }
  });
  state.SetItemsProcessed(state.iterations() * kStocks * 300);
}
BENCHMARK(BM_Indicators_FullRecompute_50x300_Vectors)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_Indicators_FullRecompute_50x300_Ema50_100_200(benchmark::State& state) {
  const auto& market = universe(300);
  our_buffers().size_for(300);
  run_with_percentiles(state, [&] { recompute_ours(market, true); });
  state.SetItemsProcessed(state.iterations() * kStocks * 300);
}
BENCHMARK(BM_Indicators_FullRecompute_50x300_Ema50_100_200)->UseManualTime()->Unit(benchmark::kMicrosecond);

// Every indicator of the module (not a goal of the issue; for the scorecard's full picture).
void BM_Indicators_FullRecompute_50x300_All(benchmark::State& state) {
  const auto& market = universe(300);
  our_buffers().size_for(300);
  run_with_percentiles(state, [&] {
    recompute_ours(market, true);
    for (const auto& w : market) {
      ours_sma(w);
      ours_atr(w);
      ours_stoch(w);
      ours_adx(w);
      ours_obv(w);
      ours_vwap(w);
      ours_supertrend(w);
    }
  });
  state.SetItemsProcessed(state.iterations() * kStocks * 300);
}
BENCHMARK(BM_Indicators_FullRecompute_50x300_All)->UseManualTime()->Unit(benchmark::kMicrosecond);

#if NIFTY_WITH_TALIB
void recompute_talib(const std::vector<Window>& market, bool three_emas) {
  ta_buffers().size_for(300);
  for (const auto& w : market) {
    ta_rsi(w);
    ta_macd(w);
    ta_ema(w, 50);
    if (three_emas) {
      ta_ema(w, 100);
      ta_ema(w, 200);
    }
    ta_bbands(w);
  }
}

void BM_TaLib_FullRecompute_50x300(benchmark::State& state) {
  const auto& market = universe(300);
  run_with_percentiles(state, [&] { recompute_talib(market, false); });
  state.SetItemsProcessed(state.iterations() * kStocks * 300);
}
BENCHMARK(BM_TaLib_FullRecompute_50x300)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_TaLib_FullRecompute_50x300_Ema50_100_200(benchmark::State& state) {
  const auto& market = universe(300);
  run_with_percentiles(state, [&] { recompute_talib(market, true); });
  state.SetItemsProcessed(state.iterations() * kStocks * 300);
}
BENCHMARK(BM_TaLib_FullRecompute_50x300_Ema50_100_200)->UseManualTime()->Unit(benchmark::kMicrosecond);
#endif

// ---- incremental: one candle close for the whole market -----------------------------------

// Every streaming indicator of one stock, as the live engine would hold them.
struct StockState {
  ind::Sma sma20{20};
  ind::Ema ema50{50};
  ind::Ema ema100{100};
  ind::Ema ema200{200};
  ind::Rsi rsi14{14};
  ind::Macd macd{12, 26, 9};
  ind::Bollinger bb{20, 2.0};
  ind::Atr atr14{14};
  ind::Stochastic stoch{14, 3, 3};
  ind::Adx adx14{14};
  ind::Obv obv;
  ind::Vwap vwap;
  ind::SuperTrend supertrend{10, 3.0};

  // Feeds candle i of the series; returns a sum of the outputs (read as a scorecard would).
  double update(const Series& s, size_t i) {
    double c = s.close[i];
    ind::Hlcv candle{s.high[i], s.low[i], c, s.volume[i]};
    atr14.update(candle);
    stoch.update(candle);
    adx14.update(candle);
    obv.update(candle);
    vwap.update(s.start_nanos[i], candle);
    supertrend.update(candle);
    sma20.update(c);
    ema50.update(c);
    ema100.update(c);
    ema200.update(c);
    rsi14.update(c);
    macd.update(c);
    bb.update(c);
    return sma20.value() + ema50.value() + ema100.value() + ema200.value() + rsi14.value() + macd.macd() +
           macd.signal() + macd.histogram() + bb.upper() + bb.middle() + bb.lower() + atr14.value() +
           stoch.slowk() + stoch.slowd() + adx14.plus_di() + adx14.minus_di() + adx14.adx() + obv.value() +
           vwap.value() + supertrend.value();
  }
};

void BM_Indicators_IncrementalUpdate_50(benchmark::State& state) {
  constexpr size_t kWarmUp = 300;
  const auto& series = all_series();
  std::vector<StockState> stocks(kStocks);
  std::vector<const Series*> source(kStocks);
  std::vector<size_t> start(kStocks);
  size_t length = SIZE_MAX;
  for (size_t i = 0; i < kStocks; ++i) {
    source[i] = &series[i % series.size()];
    start[i] = (i / series.size()) * 1000;  // reused files start 1000 candles later
    length = std::min(length, source[i]->close.size() - start[i]);
    for (size_t j = 0; j < kWarmUp; ++j) stocks[i].update(*source[i], start[i] + j);
  }
  size_t next = kWarmUp;
  double sink = 0.0;
  run_with_percentiles(state, [&] {
    for (size_t i = 0; i < kStocks; ++i) sink += stocks[i].update(*source[i], start[i] + next);
    benchmark::DoNotOptimize(sink);
    if (++next == length) next = kWarmUp;  // wraps: one jump in price every ~18,000 updates
  });
  state.SetItemsProcessed(state.iterations() * kStocks);
}
BENCHMARK(BM_Indicators_IncrementalUpdate_50)->UseManualTime()->Unit(benchmark::kMicrosecond);

// ---- per-indicator batch ns per candle (ours, and TA-Lib interleaved in the same iterations) ----

struct BatchCase {
  const char* name;
  std::function<void(const Window&)> ours;
  std::function<void(const Window&)> talib;  // empty without TA-Lib
};

// Reports ns_per_candle (ours) and, with TA-Lib, talib_ns_per_candle and ratio = ours / TA-Lib,
// all from this thread's CPU time. The benchmark's own (manual) time is ours, also CPU time; its
// "CPU" column is ours + TA-Lib + the loop.
void run_batch(benchmark::State& state, const BatchCase& c) {
  const auto candles = static_cast<size_t>(state.range(0));
  const auto& market = universe(candles);
  our_buffers().size_for(candles);
#if NIFTY_WITH_TALIB
  ta_buffers().size_for(candles);
#endif
  double ours_s = 0.0;
  double talib_s = 0.0;
  bool talib_first = false;
  for (auto _ : state) {
    double t_ours = 0.0;
    double t_talib = 0.0;
    auto time_talib = [&] {
      if (!c.talib) return;
      double t0 = thread_cpu_seconds();
      for (const auto& w : market) c.talib(w);
      t_talib = thread_cpu_seconds() - t0;
    };
    if (talib_first) time_talib();
    double t0 = thread_cpu_seconds();
    for (const auto& w : market) c.ours(w);
    t_ours = thread_cpu_seconds() - t0;
    if (!talib_first) time_talib();
    talib_first = !talib_first;
    state.SetIterationTime(t_ours);
    ours_s += t_ours;
    talib_s += t_talib;
  }
  double n = static_cast<double>(state.iterations()) * kStocks * static_cast<double>(candles);
  state.counters["ns_per_candle"] = ours_s * 1e9 / n;
  if (c.talib) {
    state.counters["talib_ns_per_candle"] = talib_s * 1e9 / n;
    state.counters["ratio"] = talib_s > 0 ? ours_s / talib_s : 0.0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

#if NIFTY_WITH_TALIB
#define NIFTY_TA(f) f
#else
#define NIFTY_TA(f) nullptr
#endif

const std::vector<BatchCase>& batch_cases() {
  static const std::vector<BatchCase> cases = {
      {"Ema50", [](const Window& w) { ours_ema(w, 50); },
       NIFTY_TA([](const Window& w) { ta_ema(w, 50); })},
      {"Sma20", ours_sma, NIFTY_TA(ta_sma)},
      {"Rsi14", ours_rsi, NIFTY_TA(ta_rsi)},
      {"Macd12_26_9", ours_macd, NIFTY_TA(ta_macd)},
      {"Bbands20_2", ours_bbands, NIFTY_TA(ta_bbands)},
      {"Atr14", ours_atr, NIFTY_TA(ta_atr)},
      {"Stoch14_3_3", ours_stoch, NIFTY_TA(ta_stoch)},
      {"Adx14", ours_adx, NIFTY_TA(ta_adx)},
      {"Obv", ours_obv, NIFTY_TA(ta_obv)},
      {"Vwap", ours_vwap, nullptr},          // not in TA-Lib
      {"SuperTrend10_3", ours_supertrend, nullptr},  // not in TA-Lib
  };
  return cases;
}

void register_batch_benchmarks() {
  for (const auto& c : batch_cases()) {
    benchmark::RegisterBenchmark((std::string("BM_Batch_") + c.name).c_str(),
                                 [&c](benchmark::State& state) { run_batch(state, c); })
        ->Arg(300)
        ->Arg(5000)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

#if NIFTY_WITH_TALIB
// ---- agreement with TA-Lib (a check in the bench set-up, not a test) -----------------------

struct Agreement {
  const char* name;
  size_t compared = 0;
  size_t bad = 0;  // beyond kAgreeRelative (and not both near zero), or NaN on one side only
  double max_relative = 0.0;
  double worst_ours = 0.0, worst_ref = 0.0;
  std::string where;
  size_t near_zero = 0;  // pairs that differ, both within kAgreeAbsoluteNearZero of zero
  double max_absolute_near_zero = 0.0;

  // ours[i] for i in [begin, begin + count) against ref[0 .. count).
  void compare(const std::vector<double>& ours, const double* ref, int begin, int count, const std::string& at) {
    for (int j = 0; j < count; ++j) {
      double a = ours[static_cast<size_t>(begin + j)];
      double b = ref[j];
      ++compared;
      if (a != b && std::fabs(a) < kAgreeAbsoluteNearZero && std::fabs(b) < kAgreeAbsoluteNearZero) {
        ++near_zero;
        max_absolute_near_zero = std::max(max_absolute_near_zero, std::fabs(a - b));
        continue;
      }
      double rel = (std::isnan(a) || std::isnan(b)) ? INFINITY
                   : a == b                         ? 0.0
                                                    : std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
      if (rel > max_relative) {
        max_relative = rel;
        worst_ours = a;
        worst_ref = b;
        where = at + " index " + std::to_string(begin + j);
      }
      if (rel > kAgreeRelative) ++bad;
    }
  }

  // True if all agreed.
  bool print() const {
    bool ok = bad == 0 && compared > 0;
    std::printf("%s agreement %-16s %8zu values, max relative difference %.3g%s%s", ok ? "ok     " : "WARNING",
                name, compared, max_relative, ok ? "" : " (worst at ", ok ? "" : where.c_str());
    if (near_zero > 0) {
      std::printf("; %zu values near 0 differ by <= %.3g absolute", near_zero, max_absolute_near_zero);
    }
    std::printf("\n");
    if (!ok) {
      std::printf("        ours %.17g vs TA-Lib %.17g; %zu of %zu beyond %g relative)\n", worst_ours, worst_ref, bad,
                  compared, kAgreeRelative);
    }
    return ok;
  }
};

// Compares every output after TA-Lib's warm-up on the 50 x 300 and 50 x 5000 windows.
bool check_agreement() {
  std::vector<Agreement> results;
  auto add = [&](const char* name) -> Agreement& {
    for (auto& r : results) {
      if (std::string(r.name) == name) return r;
    }
    results.push_back(Agreement{name});
    return results.back();
  };
  for (size_t candles : {size_t{300}, size_t{5000}}) {
    auto& o = ta_buffers();
    o.size_for(candles);
    for (const auto& w : universe(candles)) {
      std::string at = w.series->symbol + "[" + std::to_string(w.begin) + "+" + std::to_string(candles) + "]";
      for (int period : {50, 100, 200}) {
        check_rc(TA_EMA(0, last(w), w.close().data(), period, &o.begin, &o.count, o.a.data()), "TA_EMA");
        add(period == 50 ? "EMA(50)" : period == 100 ? "EMA(100)" : "EMA(200)")
            .compare(ind::ema(w.close(), period), o.a.data(), o.begin, o.count, at);
      }
      check_rc(TA_SMA(0, last(w), w.close().data(), 20, &o.begin, &o.count, o.a.data()), "TA_SMA");
      add("SMA(20)").compare(ind::sma(w.close(), 20), o.a.data(), o.begin, o.count, at);
      check_rc(TA_RSI(0, last(w), w.close().data(), 14, &o.begin, &o.count, o.a.data()), "TA_RSI");
      add("RSI(14)").compare(ind::rsi(w.close(), 14), o.a.data(), o.begin, o.count, at);
      check_rc(TA_MACD(0, last(w), w.close().data(), 12, 26, 9, &o.begin, &o.count, o.a.data(), o.b.data(),
                       o.c.data()),
               "TA_MACD");
      auto m = ind::macd(w.close(), 12, 26, 9);
      add("MACD line").compare(m.macd, o.a.data(), o.begin, o.count, at);
      add("MACD signal").compare(m.signal, o.b.data(), o.begin, o.count, at);
      add("MACD histogram").compare(m.histogram, o.c.data(), o.begin, o.count, at);
      check_rc(TA_BBANDS(0, last(w), w.close().data(), 20, 2.0, 2.0, TA_MAType_SMA, &o.begin, &o.count, o.a.data(),
                         o.b.data(), o.c.data()),
               "TA_BBANDS");
      auto bb = ind::bollinger(w.close(), 20, 2.0);
      add("BBANDS upper").compare(bb.upper, o.a.data(), o.begin, o.count, at);
      add("BBANDS middle").compare(bb.middle, o.b.data(), o.begin, o.count, at);
      add("BBANDS lower").compare(bb.lower, o.c.data(), o.begin, o.count, at);
      const double* h = w.high().data();
      const double* l = w.low().data();
      const double* c = w.close().data();
      check_rc(TA_ATR(0, last(w), h, l, c, 14, &o.begin, &o.count, o.a.data()), "TA_ATR");
      add("ATR(14)").compare(ind::atr(w.high(), w.low(), w.close(), 14), o.a.data(), o.begin, o.count, at);
      check_rc(TA_STOCH(0, last(w), h, l, c, 14, 3, TA_MAType_SMA, 3, TA_MAType_SMA, &o.begin, &o.count, o.a.data(),
                        o.b.data()),
               "TA_STOCH");
      auto st = ind::stochastic(w.high(), w.low(), w.close(), 14, 3, 3);
      add("STOCH slowk").compare(st.slowk, o.a.data(), o.begin, o.count, at);
      add("STOCH slowd").compare(st.slowd, o.b.data(), o.begin, o.count, at);
      auto dm = ind::adx(w.high(), w.low(), w.close(), 14);
      check_rc(TA_ADX(0, last(w), h, l, c, 14, &o.begin, &o.count, o.a.data()), "TA_ADX");
      add("ADX(14)").compare(dm.adx, o.a.data(), o.begin, o.count, at);
      check_rc(TA_PLUS_DI(0, last(w), h, l, c, 14, &o.begin, &o.count, o.a.data()), "TA_PLUS_DI");
      add("PLUS_DI(14)").compare(dm.plus_di, o.a.data(), o.begin, o.count, at);
      check_rc(TA_MINUS_DI(0, last(w), h, l, c, 14, &o.begin, &o.count, o.a.data()), "TA_MINUS_DI");
      add("MINUS_DI(14)").compare(dm.minus_di, o.a.data(), o.begin, o.count, at);
      check_rc(TA_DX(0, last(w), h, l, c, 14, &o.begin, &o.count, o.a.data()), "TA_DX");
      add("DX(14)").compare(dm.dx, o.a.data(), o.begin, o.count, at);
      check_rc(TA_OBV(0, last(w), c, w.volume().data(), &o.begin, &o.count, o.a.data()), "TA_OBV");
      add("OBV").compare(ind::obv(w.close(), w.volume()), o.a.data(), o.begin, o.count, at);
    }
  }
  bool all_ok = true;
  for (const auto& r : results) all_ok = r.print() && all_ok;
  std::fflush(stdout);
  return all_ok;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const char* dir = std::getenv("NIFTY_BENCH_DATA_DIR");
  std::filesystem::path data = dir ? dir : NIFTY_SHARED_DATA_DIR "/nse-5min-2023-24";
  if (!load_series(data)) return 1;
  std::printf("data: %zu series from %s; %d stocks per market\n", all_series().size(), data.c_str(), kStocks);
#if NIFTY_WITH_TALIB
  if (TA_Initialize() != TA_SUCCESS) {
    std::fprintf(stderr, "indicators_bench: TA_Initialize failed\n");
    return 1;
  }
  std::printf("TA-Lib %s\n", TA_GetVersionString());
  check_agreement();
#endif
  register_batch_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
#if NIFTY_WITH_TALIB
  TA_Shutdown();
#endif
  return 0;
}
