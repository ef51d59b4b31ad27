// MarketAnalyzer: the spec's market-wide run (`AnalyzeMarket`, spec layer 4). Given the universe's
// symbols and a source of each symbol's recent candles, it computes every symbol's Scorecard on a
// small pool of worker threads, within a deadline (the spec's 5 s). Every symbol asked for gets an
// entry, in the order asked: a Scorecard, or "failed: <why>", or "timed out" — never silently
// missing.
//
// Per symbol: the source's candles (oldest first, of ScorecardConfig::interval) go through a fresh
// ScorecardBuilder — warm_up() for all but the last, on_candle() for the last — so the result is
// what the streaming engine would have said at that last candle. No candles is a failure ("failed:
// no candles"); so is any candle the builder rejects (the error names it) and an error from the
// source.
//
// The deadline is measured on the steady clock from the start of analyze(). Symbols whose work
// has not finished by then are reported "timed out"; work that is still running is not
// interrupted (the source cannot be cancelled) and its late result is discarded. Work not yet
// started when the deadline passes is skipped.
//
// Threading: analyze() may be called from several threads; each call waits for its own results.
// Each worker thread owns one predict::Engine made by the factory (engines are single-threaded).
// The CandleSource is called concurrently from the workers and must be thread-safe (CandleStore
// adapters are). The destructor stops the workers and waits for calls in progress to return.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "analysis/scorecard_builder.h"
#include "core/status.h"
#include "model/candle.h"
#include "model/scorecard.h"
#include "model/symbol.h"
#include "predict/engine.h"

namespace nifty::analysis {

// A symbol's recent candles, oldest first (e.g. CandleStore::last_n(symbol, interval, 300)).
using CandleSource = std::function<core::Result<std::vector<model::Candle>>(const model::Symbol&)>;
// Makes one engine per worker thread.
using EngineFactory = std::function<std::unique_ptr<predict::Engine>()>;

struct MarketAnalyzerConfig {
  int threads = 0;                                  // worker threads; 0 = std::thread::hardware_concurrency()
  std::chrono::milliseconds deadline{5000};         // the spec's 5 s for a whole-market run
  ScorecardConfig scorecard;                        // for each symbol's fresh ScorecardBuilder

  // Ok, or kConfigError naming the first bad field.
  core::Status validate() const;
};

enum class AnalysisStatus : uint8_t { kOk, kFailed, kTimedOut };

// One symbol's outcome.
struct SymbolAnalysis {
  model::Symbol symbol;
  AnalysisStatus status = AnalysisStatus::kTimedOut;
  std::optional<model::Scorecard> scorecard;  // set exactly when status == kOk
  std::string error;                          // why it failed (kFailed), empty otherwise

  // "ok", "failed: <why>" or "timed out".
  std::string status_text() const;
};

class MarketAnalyzer {
 public:
  // The config must be valid (checked). `engines` is called once per worker thread, on that thread.
  explicit MarketAnalyzer(EngineFactory engines, MarketAnalyzerConfig config = {});
  ~MarketAnalyzer();
  MarketAnalyzer(const MarketAnalyzer&) = delete;
  MarketAnalyzer& operator=(const MarketAnalyzer&) = delete;

  // Analyses every symbol (duplicates analysed once each time they appear); returns one entry per
  // symbol, in the order given, within config().deadline (plus scheduling jitter).
  std::vector<SymbolAnalysis> analyze(std::span<const model::Symbol> symbols, CandleSource source);

  const MarketAnalyzerConfig& config() const { return config_; }
  int threads() const { return static_cast<int>(workers_.size()); }

  // Analyses one symbol's candles on the calling thread with `engine` (what each worker does).
  static SymbolAnalysis analyze_one(const model::Symbol& symbol, const CandleSource& source,
                                    predict::Engine& engine, const ScorecardConfig& config);

 private:
  struct Run;
  struct Task {
    std::shared_ptr<Run> run;
    size_t index = 0;
  };

  void work(std::stop_token stop);

  EngineFactory engines_;
  MarketAnalyzerConfig config_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::deque<Task> queue_;  // guarded by mu_
  std::vector<std::jthread> workers_;
};

}  // namespace nifty::analysis
