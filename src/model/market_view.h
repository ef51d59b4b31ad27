// MarketView: the market-wide picture of spec layer 5 — breadth (advances, declines, unchanged),
// the top gainers and losers, the overall sentiment and the NIFTY 50 index level. Built by
// analysis::MarketViewBuilder from the latest Scorecard of each stock; published on the
// `market_view` topic in the shape of the spec's Redis `market:sentiment` message
// (model/json_codec.h). Rules and thresholds: docs/analysis.md.
// Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/timestamp.h"
#include "model/price.h"
#include "model/symbol.h"

namespace nifty::model {

enum class Sentiment : uint8_t { kBearish, kNeutral, kBullish };

// "BEARISH" | "NEUTRAL" | "BULLISH".
constexpr std::string_view sentiment_name(Sentiment s) {
  switch (s) {
    case Sentiment::kBearish: return "BEARISH";
    case Sentiment::kBullish: return "BULLISH";
    case Sentiment::kNeutral: return "NEUTRAL";
  }
  return "NEUTRAL";
}

constexpr std::optional<Sentiment> parse_sentiment(std::string_view name) {
  for (Sentiment s : {Sentiment::kBearish, Sentiment::kNeutral, Sentiment::kBullish}) {
    if (sentiment_name(s) == name) return s;
  }
  return std::nullopt;
}

// One line of the gainers or losers table.
struct Mover {
  Symbol symbol;
  Price ltp;
  double change_percent = 0.0;  // versus the previous close (else the day's open), as in Scorecard
};

// The index (NIFTY 50) when the feed carries it.
struct IndexLevel {
  Symbol symbol;             // as the feed names it: "NIFTY 50" or "NIFTY"
  Price level;               // last value of the index, in paise like any price
  double change = 0.0;       // points (rupees) versus the previous close, else the day's open
  double change_percent = 0.0;
};

struct MarketView {
  core::Timestamp timestamp;  // the newest scorecard time included
  int32_t stocks = 0;         // stocks counted (the index excluded) = advances + declines + unchanged
  int32_t advances = 0;       // change > 0
  int32_t declines = 0;       // change < 0
  int32_t unchanged = 0;      // change == 0 (exactly: changes are whole paise)
  // advances / declines; when declines == 0 it is advances (declines counted as 1), so it is
  // always finite: 0 when nothing moved, N when N stocks rose and none fell.
  double breadth_ratio = 0.0;
  double average_change_percent = 0.0;  // equal-weighted mean over the stocks counted; 0 when none
  std::vector<Mover> gainers;  // change_percent > 0, largest first, at most top_n
  std::vector<Mover> losers;   // change_percent < 0, most negative first, at most top_n
  Sentiment sentiment = Sentiment::kNeutral;
  std::optional<IndexLevel> index;  // absent when no index scorecard has been seen today
};

}  // namespace nifty::model
