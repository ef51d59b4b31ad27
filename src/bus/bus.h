// Bus: the event bus port (spec: Kafka topics raw-ticks, market_candles, analysis_updates, plus
// signals). The in-process adapter (bus/inproc) is the default; a Kafka adapter implements the same
// port with the JSON codecs of model/json_codec.h. Messages are keyed by symbol.
// Implementations are thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/status.h"
#include "model/candle.h"
#include "model/market_view.h"
#include "model/scorecard.h"
#include "model/tick.h"

namespace nifty::bus {

enum class Topic : uint8_t { kRawTicks, kMarketCandles, kAnalysisUpdates, kSignals, kMarketView };
inline constexpr Topic kAllTopics[] = {Topic::kRawTicks, Topic::kMarketCandles, Topic::kAnalysisUpdates,
                                       Topic::kSignals, Topic::kMarketView};
// "raw-ticks", "market_candles", "analysis_updates" (the spec's names), "signals" and "market_view"
// (ours: the spec has them as Redis channels signal:alerts and market:sentiment).
std::string_view topic_name(Topic t);
std::optional<Topic> parse_topic(std::string_view name);

using Message = std::variant<model::Tick, model::Candle, model::Scorecard, model::Signal, model::MarketView>;
// The partition key of a message: its symbol ("MARKET" for a market view).
model::Symbol message_key(const Message& m);

using Handler = std::function<void(const Message&)>;

struct SubscribeOptions {
  // Inline: the handler runs on the publisher's thread, in publish order (pipeline stages).
  // Queued: the handler runs on a thread of its own fed by a bounded queue (slow sinks: store,
  // cache, gateway, alerts); a full queue blocks the publisher, nothing is dropped.
  bool queued = false;
  size_t queue_capacity = 65536;
};

class Bus {
 public:
  virtual ~Bus() = default;
  // Delivers `m` to every subscriber of `topic`. Blocks while a queued subscriber is full.
  virtual core::Status publish(Topic topic, const Message& m) = 0;
  // `name` identifies the subscriber in metrics. On Kafka the consumer group is "<name>.<topic>":
  // one group per topic, so subscribing the next topic does not rebalance (and re-deliver) the
  // partitions of the ones before; subscribers of one name and topic in several processes split
  // that topic's partitions.
  virtual core::Status subscribe(Topic topic, std::string name, Handler handler, SubscribeOptions options = {}) = 0;
  // Waits until every message published so far has been handled by every subscriber.
  virtual void drain() = 0;
  // Drains, then stops queued subscribers' threads. Publishing after close() fails.
  virtual void close() = 0;
};

}  // namespace nifty::bus
