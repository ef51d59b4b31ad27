// MarketViewBuilder: keeps the latest Scorecard of every stock and the index, and produces the
// market-wide MarketView (spec layer 5) on demand — the engine asks after each minute's candles.
//
// Rules (docs/analysis.md gives the reasons):
//  - Each symbol counts with its latest scorecard (by candle time; an older one than the kept one
//    is ignored). Only scorecards of the newest IST day seen count, so a stock that has not traded
//    today is left out rather than counted with yesterday's move.
//  - Symbols named in config.index_symbols ("NIFTY 50", "NIFTY") are the index: reported as
//    MarketView::index (the first of the list that is present), never counted in the breadth.
//  - advances / declines / unchanged: Scorecard::change > 0 / < 0 / == 0 (whole paise, exact).
//  - breadth_ratio = advances / declines, or advances when declines == 0 (always finite).
//  - average_change_percent = mean of change_percent over the stocks counted (0 when none).
//  - gainers: change_percent > 0, largest first; losers: change_percent < 0, most negative first;
//    ties by symbol; at most config.top_n each.
//  - sentiment: BULLISH when breadth_ratio >= bullish_breadth and average_change_percent >=
//    +sentiment_change_percent; BEARISH when breadth_ratio <= 1 / bullish_breadth and
//    average_change_percent <= -sentiment_change_percent; NEUTRAL otherwise (and when no stock
//    is counted).
//
// Threading: not thread-safe; the engine thread feeds it and asks for views.
// Allocation: one entry per symbol on its first scorecard; view() allocates its result.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "model/market_view.h"
#include "model/scorecard.h"
#include "model/symbol.h"

namespace nifty::analysis {

struct MarketViewConfig {
  std::vector<std::string> index_symbols = {"NIFTY 50", "NIFTY"};  // the index's names, in order of preference
  int top_n = 10;                         // gainers and losers listed
  double bullish_breadth = 1.5;           // breadth for BULLISH (its inverse, 0.667, for BEARISH); > 1
  double sentiment_change_percent = 0.1;  // |average change %| needed for BULLISH / BEARISH; >= 0

  // Ok, or kConfigError naming the first bad field.
  core::Status validate() const;
};

class MarketViewBuilder {
 public:
  // The config must be valid (checked).
  explicit MarketViewBuilder(MarketViewConfig config = {});

  // Records a scorecard. A scorecard without a symbol is rejected (false, counted in rejected()).
  bool on_scorecard(const model::Scorecard& card);
  // The market view of the latest scorecards (see the rules above).
  model::MarketView view() const;

  // Pure pieces of the rules, public so that they can be tested and reused.
  static double breadth_ratio(int32_t advances, int32_t declines);
  static model::Sentiment sentiment(double breadth_ratio, double average_change_percent, int32_t stocks,
                                    const MarketViewConfig& config);

  bool is_index(const model::Symbol& symbol) const;
  size_t symbols() const { return latest_.size(); }
  int64_t rejected() const { return rejected_; }
  const MarketViewConfig& config() const { return config_; }

 private:
  struct Entry {
    core::Timestamp time;
    model::Price ltp;
    double change = 0.0;
    double change_percent = 0.0;
  };

  MarketViewConfig config_;
  std::vector<model::Symbol> index_symbols_;
  std::unordered_map<model::Symbol, Entry> latest_;
  core::Timestamp newest_;
  bool any_ = false;
  int64_t rejected_ = 0;
};

}  // namespace nifty::analysis
