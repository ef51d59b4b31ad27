// Feed: the port every tick source implements (replay, sim, and later kite, flattrade, mstock).
// A feed runs on a thread of its own, given by the engine, and hands ticks to a FeedSink in
// arrival order. The sink may block (backpressure); a feed never drops ticks on its own.
#pragma once

#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/timestamp.h"
#include "model/tick.h"

namespace nifty::feed {

class FeedSink {
 public:
  virtual ~FeedSink() = default;
  // Ticks in arrival order with exchange_time, receive_time and sequence set. Blocks while the
  // consumer is behind. Returns false when the consumer is shutting down: the feed should return.
  virtual bool on_ticks(std::span<const model::Tick> ticks) = 0;
  // Exchange time has reached `t` with no tick since (replay and sim heartbeats, so that candles of
  // illiquid symbols close on time). Returns false when the consumer is shutting down.
  virtual bool on_clock(core::Timestamp t) = 0;
};

class Feed {
 public:
  virtual ~Feed() = default;
  // "replay", "sim", "kite", ...: the `vendor`/`feed` label of metrics.
  virtual std::string_view name() const = 0;
  // Runs until the input is exhausted (replay), `stop` is requested, or the sink refuses.
  // Returns ok on a clean end; an error when the feed could not run (unreadable input, ...).
  virtual core::Status run(FeedSink& sink, std::stop_token stop) = 0;
};

}  // namespace nifty::feed
