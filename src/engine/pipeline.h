// Pipeline: the processing kernel shared by `nifty run`, `nifty replay` and (later) each service.
// It wires the stages to bus topics and owns the engine loop:
//
//   Feed thread --(bounded queue)--> engine thread:
//     TickNormalizer -> raw-ticks -> CandleBuilder -> market_candles (1m) -> CandleRollup ->
//     market_candles (5m, 15m, 1h, 1d) -> CandleWriter (its own thread) + HotCache
//     market_candles (1m) -> ScorecardBuilder -> analysis_updates -> SignalRules -> signals
//
// One engine thread runs every stage in order, so a replay gives the same candles, scorecards and
// signals every time, whatever the batching. Time: in event-time mode (replay, sim) the clock is
// the exchange time of the events themselves; in wall-clock mode (live brokers) it is the machine's.
//
// With PipelineConfig::inline_feed the engine thread is left out: each stage runs on the thread
// that hands the feed's events over (a live broker's connection thread), one call at a time.
//
// Threading: construct, subscribe extra sinks to bus(), then call run() from one thread.
// stats() and request_stop() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <stop_token>
#include <variant>
#include <vector>

#include "analysis/market_view_builder.h"
#include "analysis/scorecard_builder.h"
#include "bus/bus.h"
#include "candles/candle_builder.h"
#include "candles/candle_rollup.h"
#include "core/bounded_queue.h"
#include "core/latency_histogram.h"
#include "core/metrics.h"
#include "core/nse_calendar.h"
#include "feed/feed.h"
#include "feed/tick_normalizer.h"
#include "predict/engine.h"
#include "signals/signal_rules.h"
#include "store/candle_writer.h"
#include "store/hot_cache.h"
#include "store/signal_writer.h"

namespace nifty::engine {

enum class TimeSource { kEventTime, kWallClock };

struct PipelineConfig {
  // Feed events that may wait for the engine thread before the feed blocks (backpressure).
  size_t feed_queue_capacity = 1 << 16;
  // How long the engine thread polls an empty feed queue before it blocks (0 = block at once). A
  // tick arriving within it skips the thread wake-up; an idle engine spends at most this much CPU
  // per wait (waits are 100 ms apart when idle).
  std::chrono::nanoseconds feed_wait_spin{0};
  // Run every stage on the thread that delivers the feed's events instead of handing them to the
  // engine thread through the queue: no thread wake-up between a frame's receipt and its ticks on
  // the bus (a live feed's ticks reach raw-ticks in about a microsecond instead of a wake-up's
  // tens). The feed must call its sink from one thread at a time (every feed does: LiveFeed
  // serialises its links); the feed waits while the stages run. Off, the feed and the engine run
  // in parallel, which is what a replay at full speed wants.
  bool inline_feed = false;
  // Where the engine's clock comes from: event time for replay and sim, wall clock for live feeds.
  TimeSource time_source = TimeSource::kEventTime;
  candles::CandleBuilderConfig candles;
  // Rollups computed from closed 1-minute candles.
  std::vector<model::Interval> rollups = {model::Interval::k5m, model::Interval::k15m, model::Interval::k1h,
                                          model::Interval::k1d};
  // Candles of shorter intervals than this are not stored; per symbol when listed in
  // store_from_symbol. A replay of a symbol's 5-minute data sets 5m for it: the 1-minute candles it
  // builds on the way have a made-up inner shape and are not history, so that symbol is also
  // analysed on its 5-minute candles instead of scorecards.interval.
  model::Interval store_from = model::Interval::k1m;
  std::unordered_map<model::Symbol, model::Interval> store_from_symbol;
  // Compute scorecards and signals on each 1-minute candle close.
  bool analysis = true;
  analysis::ScorecardConfig scorecards;
  signals::SignalConfig signals;
  analysis::MarketViewConfig market_view;
};

// Counters of one run; a consistent copy.
struct PipelineStats {
  uint64_t ticks_received = 0;   // from the feed
  uint64_t ticks_accepted = 0;   // passed the normaliser
  std::array<uint64_t, feed::kRejectReasonCount> rejected{};  // by feed::RejectReason
  uint64_t rejected_total = 0;
  std::array<uint64_t, std::size(model::kAllIntervals)> candles{};  // closed, by model::Interval
  uint64_t late_ticks = 0;
  uint64_t gap_minutes = 0;
  uint64_t scorecards = 0;
  uint64_t signals = 0;
  uint64_t market_views = 0;
  uint64_t analysis_errors = 0;
};

struct PipelineDeps {
  const core::NseCalendar& calendar;
  bus::Bus& bus;
  predict::Engine& engine;
  store::CandleWriter* writer = nullptr;  // optional: where candles are stored
  store::HotCache* cache = nullptr;       // optional: latest tick, current candle, scorecards
  store::SignalWriter* signal_writer = nullptr;  // optional: where signals are kept
};

class Pipeline final : public feed::FeedSink {
 public:
  Pipeline(PipelineConfig config, PipelineDeps deps, std::string feed_name);
  ~Pipeline() override;

  // Feeds stored history (oldest first) to the indicators so scorecards are warm from the start;
  // candles of other intervals than the symbol's analysed one are ignored.
  void warm_up(const model::Candle& candle);

  // Runs `feed` on a thread of its own and the engine loop on the calling thread until the feed
  // ends or a stop is requested; then drains every tick already received, closes open candles,
  // and waits for the bus and the writer to finish. Returns the feed's error, or the writer's.
  core::Status run(feed::Feed& feed, std::stop_token stop = {});
  void request_stop();

  // Backtest entry: publishes stored, closed candles (oldest first) on market_candles on the
  // calling thread, with the clock at each candle's end, then closes what is open. The same
  // rollups, scorecards and signals run as for live ticks; no feed and no normaliser.
  void run_candles(std::span<const model::Candle> candles);

  PipelineStats stats() const;

  // Per-tick latency since start, published as tick_to_candle_latency_seconds{quantile} and
  // tick_receipt_to_candle_latency_seconds{quantile}: from the engine taking the tick off the feed
  // queue (and from the feed receiving it) to the tick's candle being updated in the builder and
  // the hot cache. The closed candle's rollups, storage and analysis come after that point.
  struct Latency {
    core::LatencyHistogram::Snapshot tick_to_candle;
    core::LatencyHistogram::Snapshot receipt_to_candle;
  };
  Latency latency() const;

  // FeedSink (called on the feed's thread).
  bool on_ticks(std::span<const model::Tick> ticks) override;
  bool on_clock(core::Timestamp t) override;

 private:
  using Event = std::variant<model::Tick, core::Timestamp>;
  class CandleOut;
  class RollupOut;

  void subscribe_stages();
  void process(const Event& event);
  void process_tick(model::Tick tick);
  // After each batch of events: the wall clock, published stats and (once a second) metrics.
  void end_batch();
  core::Status run_inline(feed::Feed& feed);
  // Shared end of run(): close what is open, flush the writers; the feed's error first.
  core::Status finish_run(const core::Status& feed_status);
  void advance_clock(core::Timestamp now);
  void finish();
  void publish_stats();
  void publish_market_view();
  void export_latency_metrics();

  PipelineConfig config_;
  PipelineDeps deps_;
  std::string feed_name_;
  core::BoundedQueue<Event> queue_;
  feed::TickNormalizer normalizer_;
  candles::CandleBuilder builder_;
  candles::CandleRollup rollup_;
  // The interval a symbol is analysed at: its store_from_symbol entry (a replay of 5-minute data
  // analyses the real 5-minute candles, not the made-up minutes), else scorecards.interval.
  model::Interval analysis_interval(const model::Symbol& symbol) const;
  analysis::ScorecardBuilder& scorecards(model::Interval interval);
  // One builder per analysed interval, made when first needed.
  std::array<std::unique_ptr<analysis::ScorecardBuilder>, std::size(model::kAllIntervals)> scorecards_;
  signals::SignalRules signal_rules_;
  analysis::MarketViewBuilder market_view_;
  bool market_view_dirty_ = false;     // a scorecard arrived since the last market view
  core::Timestamp market_view_due_{};  // engine time at which the next market view may go out
  std::unique_ptr<CandleOut> candle_out_;
  std::unique_ptr<RollupOut> rollup_out_;
  core::Histogram* analysis_seconds_;  // spec metric analysis_duration_seconds

  core::Timestamp clock_{};            // engine time (engine thread only)
  int64_t next_clock_check_ = 0;       // ns; on_clock runs at most once per second of engine time
  std::atomic<bool> stop_requested_{false};
  std::stop_source inline_stop_;       // inline_feed: stops the feed run() runs on its own thread
  int64_t dequeued_at_ = 0;            // steady-clock ns when the engine took the current tick
  core::LatencyHistogram tick_to_candle_;
  core::LatencyHistogram receipt_to_candle_;
  std::chrono::steady_clock::time_point next_metrics_export_{};

  mutable std::mutex stats_mu_;
  PipelineStats stats_;                // engine thread writes under stats_mu_ every batch
  PipelineStats local_;                // engine-thread copy updated without locking
};

}  // namespace nifty::engine
