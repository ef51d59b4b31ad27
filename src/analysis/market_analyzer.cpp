#include "analysis/market_analyzer.h"

#include <exception>
#include <utility>

#include <fmt/format.h>

#include "core/check.h"

namespace nifty::analysis {

// One analyze() call: shared by the caller and the workers, so that a worker still busy after the
// deadline writes into state that outlives the call (and is then ignored).
struct MarketAnalyzer::Run {
  std::vector<model::Symbol> symbols;
  CandleSource source;
  ScorecardConfig config;
  std::chrono::steady_clock::time_point deadline;

  std::mutex mu;
  std::condition_variable finished;
  std::vector<SymbolAnalysis> results;  // guarded by mu
  std::vector<bool> done;               // guarded by mu
  size_t remaining = 0;                 // guarded by mu
  bool closed = false;                  // guarded by mu: analyze() has returned its results
};

core::Status MarketAnalyzerConfig::validate() const {
  if (threads < 0) {
    return core::error(core::ErrorCode::kConfigError,
                       fmt::format("analysis config: threads must be >= 0 (0 = one per core), got {}", threads));
  }
  if (deadline.count() <= 0) {
    return core::error(core::ErrorCode::kConfigError,
                       fmt::format("analysis config: deadline must be > 0 ms, got {}", deadline.count()));
  }
  return scorecard.validate();
}

std::string SymbolAnalysis::status_text() const {
  switch (status) {
    case AnalysisStatus::kOk: return "ok";
    case AnalysisStatus::kFailed: return "failed: " + error;
    case AnalysisStatus::kTimedOut: return "timed out";
  }
  return "timed out";
}

MarketAnalyzer::MarketAnalyzer(EngineFactory engines, MarketAnalyzerConfig config)
    : engines_(std::move(engines)), config_(std::move(config)) {
  NIFTY_CHECK(config_.validate().is_ok(), "invalid MarketAnalyzerConfig (validate() it first)");
  NIFTY_CHECK(static_cast<bool>(engines_), "MarketAnalyzer needs an engine factory");
  int n = config_.threads;
  if (n == 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  workers_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

MarketAnalyzer::~MarketAnalyzer() {
  for (auto& w : workers_) w.request_stop();
  wake_.notify_all();
  workers_.clear();  // joins
}

SymbolAnalysis MarketAnalyzer::analyze_one(const model::Symbol& symbol, const CandleSource& source,
                                           predict::Engine& engine, const ScorecardConfig& config) {
  SymbolAnalysis out;
  out.symbol = symbol;
  auto fail = [&](std::string why) {
    out.status = AnalysisStatus::kFailed;
    out.error = std::move(why);
    return out;
  };
  if (symbol.empty()) return fail("empty symbol");
  if (!source) return fail("no candle source");
  core::Result<std::vector<model::Candle>> candles = core::error(core::ErrorCode::kInternal, "not read");
  try {
    candles = source(symbol);
  } catch (const std::exception& e) {  // a source must not throw; report it rather than lose the run
    return fail(fmt::format("candle source threw: {}", e.what()));
  }
  if (!candles.is_ok()) return fail(candles.status().to_string());
  if (candles->empty()) return fail("no candles");
  for (const model::Candle& c : *candles) {
    if (c.symbol != symbol) {
      return fail(fmt::format("the source returned a candle of {} at {}", c.symbol.view(), c.start.to_iso_utc()));
    }
  }
  ScorecardBuilder builder(engine, config);
  for (size_t i = 0; i + 1 < candles->size(); ++i) {
    core::Status s = builder.warm_up((*candles)[i]);
    if (!s.is_ok()) return fail(s.message());
  }
  auto card = builder.on_candle(candles->back());
  if (!card.is_ok()) return fail(card.status().message());
  out.status = AnalysisStatus::kOk;
  out.scorecard = std::move(card).value();
  return out;
}

void MarketAnalyzer::work(std::stop_token stop) {
  std::unique_ptr<predict::Engine> engine = engines_();
  while (true) {
    Task task;
    {
      std::unique_lock lock(mu_);
      if (!wake_.wait(lock, stop, [this] { return !queue_.empty(); })) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    Run& run = *task.run;
    {
      std::lock_guard lock(run.mu);
      if (run.closed) continue;
    }
    // Work not started by the deadline is skipped: analyze() reports it as timed out.
    if (std::chrono::steady_clock::now() >= run.deadline) continue;
    SymbolAnalysis result;
    if (engine == nullptr) {
      result.symbol = run.symbols[task.index];
      result.status = AnalysisStatus::kFailed;
      result.error = "the engine factory made no engine";
    } else {
      result = analyze_one(run.symbols[task.index], run.source, *engine, run.config);
    }
    std::lock_guard lock(run.mu);
    if (run.closed || run.done[task.index]) continue;
    run.results[task.index] = std::move(result);
    run.done[task.index] = true;
    if (--run.remaining == 0) run.finished.notify_all();
  }
}

std::vector<SymbolAnalysis> MarketAnalyzer::analyze(std::span<const model::Symbol> symbols, CandleSource source) {
  if (symbols.empty()) return {};
  auto run = std::make_shared<Run>();
  run->symbols.assign(symbols.begin(), symbols.end());
  run->source = std::move(source);
  run->config = config_.scorecard;
  run->deadline = std::chrono::steady_clock::now() + config_.deadline;
  run->results.resize(symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i) {
    run->results[i].symbol = symbols[i];
    run->results[i].status = AnalysisStatus::kTimedOut;
  }
  run->done.assign(symbols.size(), false);
  run->remaining = symbols.size();
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < symbols.size(); ++i) queue_.push_back(Task{run, i});
  }
  wake_.notify_all();

  std::unique_lock lock(run->mu);
  run->finished.wait_until(lock, run->deadline, [&] { return run->remaining == 0; });
  run->closed = true;
  return run->results;
}

}  // namespace nifty::analysis
