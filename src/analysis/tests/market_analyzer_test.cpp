#include "analysis/market_analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace nifty::analysis {
namespace {

using model::Candle;
using model::Price;
using model::Symbol;

class FixedEngine final : public predict::Engine {
 public:
  std::string_view name() const override { return "fixed"; }
  core::Result<model::Prediction> predict(const predict::FeatureVector&) override {
    return model::Prediction{0.5, 0.25, "fixed-v1"};
  }
};

EngineFactory fixed_engines() {
  return [] { return std::make_unique<FixedEngine>(); };
}

// n one-minute candles from 2024-01-25 09:15 IST, closes rising by `step` paise from `first`.
std::vector<Candle> rising(std::string_view symbol, int n, int64_t first, int64_t step) {
  std::vector<Candle> out;
  core::Timestamp open = core::Timestamp::from_ist(core::Date{2024, 1, 25}, 9, 15);
  for (int i = 0; i < n; ++i) {
    Candle c;
    c.symbol = Symbol(symbol);
    c.start = open + i * core::kNanosPerMinute;
    c.open = Price::from_paise(first + step * i);
    c.close = c.vwap = Price::from_paise(first + step * (i + 1));
    c.high = std::max(c.open, c.close);
    c.low = std::min(c.open, c.close);
    c.volume = 100;
    c.trades = 1;
    out.push_back(c);
  }
  return out;
}

// A fake candle source: fixed series, one symbol that fails, one that blocks until released.
class FakeSource {
 public:
  std::map<std::string, std::vector<Candle>> series;

  core::Result<std::vector<Candle>> operator()(const Symbol& s) {
    if (s.view() == "BROKEN") return core::error(core::ErrorCode::kIoError, "disk on fire");
    if (s.view() == "SLOW") {
      std::unique_lock lock(mu_);
      slow_entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
      return rising("SLOW", 40, 10000, 5);
    }
    auto it = series.find(std::string(s.view()));
    if (it == series.end()) return std::vector<Candle>{};
    return it->second;
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool slow_entered() {
    std::lock_guard lock(mu_);
    return slow_entered_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  bool slow_entered_ = false;
};

TEST(MarketAnalyzer, EverySymbolGetsAScorecardOrAStatusInTheOrderAsked) {
  FakeSource source;
  source.series["TCS"] = rising("TCS", 60, 350000, 10);
  source.series["INFY"] = rising("INFY", 30, 150000, -5);
  MarketAnalyzerConfig config;
  config.threads = 3;
  config.deadline = std::chrono::milliseconds(1000);
  MarketAnalyzer analyzer(fixed_engines(), config);
  ASSERT_EQ(analyzer.threads(), 3);
  // Declared after the analyzer, so destroyed first: SLOW is released even when an assertion
  // fails, before the analyzer joins its workers.
  struct Release {
    FakeSource& source;
    ~Release() { source.release(); }
  } release{source};

  std::vector<Symbol> symbols{Symbol("TCS"), Symbol("SLOW"), Symbol("BROKEN"), Symbol("INFY"), Symbol("ABSENT")};
  auto started = std::chrono::steady_clock::now();
  auto results = analyzer.analyze(symbols, [&source](const Symbol& s) { return source(s); });
  auto elapsed = std::chrono::steady_clock::now() - started;
  // Checked before SLOW is released: it is reported, not waited for.
  ASSERT_EQ(results.size(), symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i) EXPECT_EQ(results[i].symbol, symbols[i]) << i;

  ASSERT_EQ(results[0].status, AnalysisStatus::kOk) << results[0].status_text();
  ASSERT_TRUE(results[0].scorecard.has_value());
  // Last of 60 candles: close = 350000 + 10 * 60 paise, stamped with the 60th candle's start (10:14 IST).
  EXPECT_EQ(results[0].scorecard->ltp, Price::from_paise(350600));
  EXPECT_EQ(results[0].scorecard->timestamp, core::Timestamp::from_ist(core::Date{2024, 1, 25}, 10, 14));
  EXPECT_EQ(results[0].scorecard->day_volume, 60 * 100);
  EXPECT_EQ(results[0].scorecard->ai.model_version, "fixed-v1");
  EXPECT_EQ(results[0].status_text(), "ok");

  EXPECT_EQ(results[1].status, AnalysisStatus::kTimedOut);
  EXPECT_FALSE(results[1].scorecard.has_value());
  EXPECT_EQ(results[1].status_text(), "timed out");

  EXPECT_EQ(results[2].status, AnalysisStatus::kFailed);
  EXPECT_NE(results[2].status_text().find("failed: "), std::string::npos);
  EXPECT_NE(results[2].error.find("disk on fire"), std::string::npos) << results[2].error;

  ASSERT_EQ(results[3].status, AnalysisStatus::kOk) << results[3].status_text();
  EXPECT_EQ(results[3].scorecard->ltp, Price::from_paise(150000 - 5 * 30));

  EXPECT_EQ(results[4].status, AnalysisStatus::kFailed);
  EXPECT_EQ(results[4].status_text(), "failed: no candles");

  EXPECT_TRUE(source.slow_entered());
  EXPECT_GE(elapsed, config.deadline);
  // Leaving the scope releases SLOW; the blocked worker finishes and its late result is discarded.
}

TEST(MarketAnalyzer, MatchesAStreamingBuilderOverTheSameCandles) {
  auto candles = rising("RELIANCE", 250, 250000, 7);
  candles[100].close = candles[100].low = Price::from_paise(240000);  // a dip, so not everything is monotone
  MarketAnalyzer analyzer(fixed_engines(), MarketAnalyzerConfig{.threads = 2});
  std::vector<Symbol> symbols{Symbol("RELIANCE")};
  auto results = analyzer.analyze(symbols, [&](const Symbol&) { return core::Result<std::vector<Candle>>(candles); });
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].status, AnalysisStatus::kOk) << results[0].status_text();

  // Reference: the engine's streaming path, every candle through on_candle.
  FixedEngine engine;
  ScorecardBuilder builder(engine);
  model::Scorecard want;
  for (const Candle& c : candles) want = builder.on_candle(c).value();
  const model::Scorecard& got = *results[0].scorecard;
  EXPECT_EQ(got.rsi, want.rsi);
  EXPECT_EQ(got.macd.histogram, want.macd.histogram);
  EXPECT_EQ(got.ema200, want.ema200);
  EXPECT_EQ(got.composite_score, want.composite_score);
  EXPECT_EQ(got.recommendation, want.recommendation);
  EXPECT_EQ(got.ai_engine, "fixed");
}

TEST(MarketAnalyzer, ReturnsAsSoonAsAllAreDone) {
  MarketAnalyzerConfig config;
  config.deadline = std::chrono::seconds(30);
  MarketAnalyzer analyzer(fixed_engines(), config);
  EXPECT_GE(analyzer.threads(), 1);
  std::vector<Symbol> symbols;
  for (int i = 0; i < 50; ++i) symbols.emplace_back("S" + std::to_string(i));
  auto started = std::chrono::steady_clock::now();
  auto results = analyzer.analyze(symbols, [](const Symbol& s) {
    return core::Result<std::vector<Candle>>(rising(s.view(), 30, 10000, 5));
  });
  EXPECT_LT(std::chrono::steady_clock::now() - started, config.deadline);
  ASSERT_EQ(results.size(), 50u);
  for (const auto& r : results) EXPECT_EQ(r.status, AnalysisStatus::kOk) << r.symbol.view() << ": " << r.status_text();
  EXPECT_TRUE(analyzer.analyze({}, nullptr).empty());
}

TEST(MarketAnalyzer, RejectedCandlesAndForeignSymbolsFailTheSymbol) {
  MarketAnalyzer analyzer(fixed_engines(), MarketAnalyzerConfig{.threads = 1});
  std::vector<Symbol> symbols{Symbol("DUP"), Symbol("OTHER")};
  auto results = analyzer.analyze(symbols, [](const Symbol& s) {
    auto c = rising(s.view(), 5, 10000, 5);
    if (s.view() == "DUP") c[3].start = c[2].start;  // not after the previous candle
    if (s.view() == "OTHER") c[1].symbol = Symbol("TCS");
    return core::Result<std::vector<Candle>>(c);
  });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, AnalysisStatus::kFailed);
  EXPECT_NE(results[0].error.find("not after the previous candle"), std::string::npos) << results[0].error;
  EXPECT_EQ(results[1].status, AnalysisStatus::kFailed);
  EXPECT_NE(results[1].error.find("TCS"), std::string::npos) << results[1].error;
}

TEST(MarketAnalyzerConfig, ValidateNamesTheBadField) {
  MarketAnalyzerConfig c;
  EXPECT_TRUE(c.validate().is_ok());
  c.threads = -1;
  EXPECT_NE(c.validate().message().find("threads"), std::string::npos);
  c = {};
  c.deadline = std::chrono::milliseconds(0);
  EXPECT_NE(c.validate().message().find("deadline"), std::string::npos);
}

}  // namespace
}  // namespace nifty::analysis
