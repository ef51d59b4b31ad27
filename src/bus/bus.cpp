#include "bus/bus.h"

namespace nifty::bus {

std::string_view topic_name(Topic t) {
  switch (t) {
    case Topic::kRawTicks: return "raw-ticks";
    case Topic::kMarketCandles: return "market_candles";
    case Topic::kAnalysisUpdates: return "analysis_updates";
    case Topic::kSignals: return "signals";
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
  return std::visit([](const auto& v) { return v.symbol; }, m);
}

}  // namespace nifty::bus
