#include "analysis/market_view_builder.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/check.h"

namespace nifty::analysis {

core::Status MarketViewConfig::validate() const {
  auto bad = [](const char* field) {
    return core::error(core::ErrorCode::kConfigError, fmt::format("market view config: {} is out of range", field));
  };
  for (const std::string& s : index_symbols) {
    if (!model::Symbol::valid(s)) return bad("index_symbols");
  }
  if (top_n < 0) return bad("top_n");
  if (!(bullish_breadth > 1.0) || !std::isfinite(bullish_breadth)) return bad("bullish_breadth");
  if (!(sentiment_change_percent >= 0.0) || !std::isfinite(sentiment_change_percent)) {
    return bad("sentiment_change_percent");
  }
  return core::Status::ok();
}

MarketViewBuilder::MarketViewBuilder(MarketViewConfig config) : config_(std::move(config)) {
  NIFTY_CHECK(config_.validate().is_ok(), "invalid MarketViewConfig (validate() it first)");
  for (const std::string& s : config_.index_symbols) index_symbols_.emplace_back(s);
}

bool MarketViewBuilder::is_index(const model::Symbol& symbol) const {
  return std::find(index_symbols_.begin(), index_symbols_.end(), symbol) != index_symbols_.end();
}

bool MarketViewBuilder::on_scorecard(const model::Scorecard& card) {
  if (card.symbol.empty()) {
    ++rejected_;
    return false;
  }
  auto [it, inserted] = latest_.try_emplace(card.symbol);
  Entry& e = it->second;
  if (!inserted && card.timestamp < e.time) return true;  // older than what we have: keep ours
  e.time = card.timestamp;
  e.ltp = card.ltp;
  // Non-finite changes cannot come from ScorecardBuilder; a decoded message could carry them.
  e.change = std::isfinite(card.change) ? card.change : 0.0;
  e.change_percent = std::isfinite(card.change_percent) ? card.change_percent : 0.0;
  if (!any_ || card.timestamp > newest_) newest_ = card.timestamp;
  any_ = true;
  return true;
}

double MarketViewBuilder::breadth_ratio(int32_t advances, int32_t declines) {
  return static_cast<double>(advances) / static_cast<double>(declines > 0 ? declines : 1);
}

model::Sentiment MarketViewBuilder::sentiment(double breadth, double average_change_percent, int32_t stocks,
                                              const MarketViewConfig& c) {
  if (stocks <= 0) return model::Sentiment::kNeutral;
  if (breadth >= c.bullish_breadth && average_change_percent >= c.sentiment_change_percent) {
    return model::Sentiment::kBullish;
  }
  if (breadth <= 1.0 / c.bullish_breadth && average_change_percent <= -c.sentiment_change_percent) {
    return model::Sentiment::kBearish;
  }
  return model::Sentiment::kNeutral;
}

model::MarketView MarketViewBuilder::view() const {
  model::MarketView v;
  if (!any_) return v;
  v.timestamp = newest_;
  const int64_t today = newest_.ist_date().days_since_epoch();

  std::vector<model::Mover> stocks;
  stocks.reserve(latest_.size());
  for (const auto& [symbol, e] : latest_) {
    if (e.time.ist_date().days_since_epoch() != today) continue;
    if (is_index(symbol)) continue;
    stocks.push_back(model::Mover{symbol, e.ltp, e.change_percent});
    if (e.change > 0.0) {
      ++v.advances;
    } else if (e.change < 0.0) {
      ++v.declines;
    } else {
      ++v.unchanged;
    }
  }
  // Symbol order makes the sum (and so the view) independent of the map's iteration order.
  std::sort(stocks.begin(), stocks.end(), [](const model::Mover& a, const model::Mover& b) { return a.symbol < b.symbol; });
  v.stocks = static_cast<int32_t>(stocks.size());
  double sum = 0.0;
  for (const model::Mover& m : stocks) sum += m.change_percent;
  v.average_change_percent = stocks.empty() ? 0.0 : sum / static_cast<double>(stocks.size());
  v.breadth_ratio = breadth_ratio(v.advances, v.declines);
  v.sentiment = sentiment(v.breadth_ratio, v.average_change_percent, v.stocks, config_);

  const auto top = static_cast<size_t>(config_.top_n);
  for (const model::Mover& m : stocks) {
    if (m.change_percent > 0.0) v.gainers.push_back(m);
    if (m.change_percent < 0.0) v.losers.push_back(m);
  }
  auto by_gain = [](const model::Mover& a, const model::Mover& b) {
    return a.change_percent != b.change_percent ? a.change_percent > b.change_percent : a.symbol < b.symbol;
  };
  auto by_loss = [](const model::Mover& a, const model::Mover& b) {
    return a.change_percent != b.change_percent ? a.change_percent < b.change_percent : a.symbol < b.symbol;
  };
  std::stable_sort(v.gainers.begin(), v.gainers.end(), by_gain);
  std::stable_sort(v.losers.begin(), v.losers.end(), by_loss);
  if (v.gainers.size() > top) v.gainers.resize(top);
  if (v.losers.size() > top) v.losers.resize(top);

  for (const model::Symbol& name : index_symbols_) {
    auto it = latest_.find(name);
    if (it == latest_.end() || it->second.time.ist_date().days_since_epoch() != today) continue;
    const Entry& e = it->second;
    v.index = model::IndexLevel{name, e.ltp, e.change, e.change_percent};
    break;
  }
  return v;
}

}  // namespace nifty::analysis
