#include "app/commands/live_table.h"

#include "analysis/market_view_builder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nifty::app {
namespace {

std::string fmt_double(double v, const char* format) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string fmt_volume(int64_t v) {
  char buf[32];
  if (v >= 10'000'000) std::snprintf(buf, sizeof buf, "%.2fCr", v / 1e7);
  else if (v >= 100'000) std::snprintf(buf, sizeof buf, "%.2fL", v / 1e5);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  return buf;
}

std::string trend_word(double score) {
  if (score >= 2.5) return "UP+";
  if (score > 0) return "UP";
  if (score <= -2.5) return "DOWN+";
  if (score < 0) return "DOWN";
  return "FLAT";
}

}  // namespace

std::string render_live_table(store::HotCache& cache, const engine::PipelineStats& stats, std::string_view feed,
                              double elapsed_seconds, bool color, int max_rows) {
  auto cards_result = cache.scorecards();
  std::vector<model::Scorecard> cards = cards_result ? std::move(cards_result).value() : std::vector<model::Scorecard>{};
  // Biggest movers first, like `top` sorts by load.
  std::stable_sort(cards.begin(), cards.end(), [](const auto& a, const auto& b) {
    return std::fabs(a.change_percent) > std::fabs(b.change_percent);
  });
  std::string out;
  if (color) out += "\x1b[H\x1b[2J";
  core::Timestamp market_time = cards.empty() ? core::Timestamp() : cards.front().timestamp;
  for (const auto& c : cards) market_time = std::max(market_time, c.timestamp);
  char line[256];
  std::snprintf(line, sizeof line,
                "nifty  feed=%.*s  market %s IST  ticks %llu  rejected %llu  candles %llu  signals %llu  up %.0fs\n",
                static_cast<int>(feed.size()), feed.data(),
                cards.empty() ? "--:--:--" : (market_time + core::kNanosPerMinute).to_ist_clock().c_str(),
                static_cast<unsigned long long>(stats.ticks_received),
                static_cast<unsigned long long>(stats.rejected_total),
                static_cast<unsigned long long>(stats.candles[0]), static_cast<unsigned long long>(stats.signals),
                elapsed_seconds);
  out += line;
  // The market view of the same scorecards (spec layer 5), one line.
  analysis::MarketViewBuilder market;
  for (const auto& c : cards) market.on_scorecard(c);
  model::MarketView view = market.view();
  std::snprintf(line, sizeof line, "market %s  advances %d  declines %d  unchanged %d  breadth %.2f  avg %+.2f%%",
                std::string(model::sentiment_name(view.sentiment)).c_str(), view.advances, view.declines,
                view.unchanged, view.breadth_ratio, view.average_change_percent);
  out += line;
  if (view.index) {
    std::snprintf(line, sizeof line, "  %s %s %+.2f%%", view.index->symbol.str().c_str(),
                  view.index->level.to_string().c_str(), view.index->change_percent);
    out += line;
  }
  out += "\n";
  std::snprintf(line, sizeof line, "%s%-12s %10s %8s %10s %6s %6s  %-14s%s\n", color ? "\x1b[7m" : "", "SYMBOL", "LTP",
                "CHG%", "VOLUME", "RSI", "TREND", "RECOMMENDATION", color ? "\x1b[0m" : "");
  out += line;
  int rows = 0;
  for (const auto& c : cards) {
    if (rows++ >= max_rows) break;
    const char* paint = "";
    if (color) paint = c.change_percent > 0 ? "\x1b[32m" : c.change_percent < 0 ? "\x1b[31m" : "";
    std::string rec(model::recommendation_name(c.recommendation));
    std::snprintf(line, sizeof line, "%-12s %10s %s%8s%s %10s %6s %6s  %-14s\n", c.symbol.str().c_str(),
                  c.ltp.to_string().c_str(), paint, fmt_double(c.change_percent, "%+.2f").c_str(), color ? "\x1b[0m" : "",
                  fmt_volume(c.day_volume).c_str(), fmt_double(c.rsi, "%.1f").c_str(), trend_word(c.trend_score).c_str(),
                  rec.c_str());
    out += line;
  }
  if (cards.empty()) out += "(waiting for the first candles to close)\n";
  return out;
}

}  // namespace nifty::app
