// Backtest: the engine's own analysis and signal code run over stored candles with a simulated
// clock (Pipeline::run_candles), then each signal scored against what the market did next.
//
// For every signal (entry = the close of the candle that produced it, known at the candle's end)
// and every horizon (5, 15 and 60 minutes, and the session close), the forward return is
//   close of the last candle of the same IST day ending at or before entry end + horizon
//   / entry close - 1,
// undefined when the day has no later candle. A signal "hits" when its direction (+1 for BUY and
// STRONG_BUY, -1 for SELL and STRONG_SELL) has the sign of the forward return (0 is a miss); HOLD
// signals are counted but have no direction. The hit rate comes with a Wilson 95 % interval.
// The baseline of a horizon is the mean forward return over EVERY candle of the same symbols and
// range, taken as if it were an entry: a signal class has an edge only if its mean return beats it
// (in its own direction). Everything is computed from stored candles in a fixed order, so two runs
// give identical reports.
// Threading: run() on one thread.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/pipeline.h"
#include "predict/engine.h"
#include "store/candle_store.h"

namespace nifty::engine {

struct BacktestConfig {
  core::Timestamp from;                    // first candle start included
  core::Timestamp to;                      // candles starting before this
  std::vector<model::Symbol> symbols;      // empty: every symbol stored at the interval
  model::Interval interval = model::Interval::k1m;
  PipelineConfig pipeline;                 // analysis and signal settings (interval is set from above)
};

inline constexpr int kHorizonCount = 4;
inline constexpr std::array<const char*, kHorizonCount> kHorizonNames = {"5m", "15m", "60m", "close"};
inline constexpr std::array<int64_t, 3> kHorizonMinutes = {5, 15, 60};

struct HorizonStats {
  uint64_t n = 0;          // signals (or candles, for the baseline) with a defined forward return
  uint64_t hits = 0;       // direction matched the return (directional classes only)
  double mean_return = 0;  // mean forward return, as a fraction
  double hit_rate = 0;     // hits / n
  double ci_low = 0;       // Wilson 95 % interval of the hit rate
  double ci_high = 0;
  double up_rate = 0;      // share of returns > 0 (baseline only: what a coin that always says BUY scores)
  double down_rate = 0;    // share of returns < 0 (baseline only)
};

struct ClassStats {
  model::Recommendation action = model::Recommendation::kHold;
  uint64_t signals = 0;
  std::array<HorizonStats, kHorizonCount> horizons;
};

struct BacktestSignal {
  model::Signal signal;
  std::array<std::optional<double>, kHorizonCount> forward;  // returns by horizon
};

struct BacktestReport {
  model::Interval interval = model::Interval::k1m;
  core::Timestamp from;
  core::Timestamp to;
  std::vector<std::string> symbols;
  uint64_t candles = 0;
  uint64_t scorecards = 0;
  std::array<HorizonStats, kHorizonCount> baseline;  // every candle as an entry
  std::vector<ClassStats> classes;                    // STRONG_BUY, BUY, HOLD, SELL, STRONG_SELL
  std::vector<BacktestSignal> signals;                // in time order

  // The report as JSON (deterministic: no wall-clock figures); every signal with its forward
  // returns under "signal_list" when `with_signals`.
  std::string to_json(bool with_signals = true) const;
  // A table for the terminal.
  std::string to_table() const;
};

// Wilson score interval for `hits` successes out of `n` at 95 % (z = 1.96); {0, 0} when n == 0.
std::pair<double, double> wilson_interval(uint64_t hits, uint64_t n);

class Backtest {
 public:
  Backtest(store::CandleStore& store, predict::Engine& engine, const core::NseCalendar& calendar);
  // kNotFound when the range holds no candle; store errors as they come.
  core::Result<BacktestReport> run(const BacktestConfig& config);

 private:
  store::CandleStore& store_;
  predict::Engine& engine_;
  const core::NseCalendar& calendar_;
};

}  // namespace nifty::engine
