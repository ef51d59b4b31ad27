#include "bus/bus.h"

#include <type_traits>

namespace nifty::bus {

std::string_view topic_name(Topic t) {
  switch (t) {
    case Topic::kRawTicks: return "raw-ticks";
    case Topic::kMarketCandles: return "market_candles";
    case Topic::kAnalysisUpdates: return "analysis_updates";
    case Topic::kSignals: return "signals";
    case Topic::kMarketView: return "market_view";
  }
  return "?";
}

std::optional<Topic> parse_topic(std::string_view name) {
  for (Topic t : kAllTopics) {
    if (topic_name(t) == name) return t;
  }
  return std::nullopt;
}

model::Symbol message_key(const Message& m) {
  return std::visit(
      [](const auto& v) -> model::Symbol {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, model::MarketView>) {
          return model::Symbol("MARKET");
        } else {
          return v.symbol;
        }
      },
      m);
}

}  // namespace nifty::bus
