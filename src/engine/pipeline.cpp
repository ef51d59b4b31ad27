#include "engine/pipeline.h"

#include "core/log.h"
#include "core/metrics.h"

namespace nifty::engine {
namespace {

core::Logger& log() { return core::Logger::get("engine"); }

constexpr size_t kBatch = 4096;

int64_t steady_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Holds the 1-minute candles the builder closes until the tick that closed them has updated its
// own candle, then publishes them on market_candles: the tick's candle update does not wait for
// rollups, storage and analysis of the candle it closed.
class Pipeline::CandleOut final : public candles::CandleSink {
 public:
  explicit CandleOut(bus::Bus& bus) : bus_(bus) { pending_.reserve(64); }
  void on_candle(const model::Candle& c) override { pending_.push_back(c); }
  void publish_pending() {
    for (const model::Candle& c : pending_) (void)bus_.publish(bus::Topic::kMarketCandles, c);
    pending_.clear();
  }

 private:
  bus::Bus& bus_;
  std::vector<model::Candle> pending_;
};

// Publishes completed rollups on market_candles.
class Pipeline::RollupOut final : public candles::CandleSink {
 public:
  explicit RollupOut(bus::Bus& bus) : bus_(bus) {}
  void on_candle(const model::Candle& c) override { (void)bus_.publish(bus::Topic::kMarketCandles, c); }

 private:
  bus::Bus& bus_;
};

Pipeline::Pipeline(PipelineConfig config, PipelineDeps deps, std::string feed_name)
    : config_(std::move(config)),
      deps_(deps),
      feed_name_(std::move(feed_name)),
      queue_(config_.feed_queue_capacity),
      normalizer_(deps.calendar, feed_name_),
      builder_(config_.candles),
      rollup_(deps.calendar, config_.rollups, config_.candles.grace_nanos),
      signal_rules_(config_.signals),
      market_view_(config_.market_view),
      candle_out_(std::make_unique<CandleOut>(deps.bus)),
      rollup_out_(std::make_unique<RollupOut>(deps.bus)),
      analysis_seconds_(&core::MetricsRegistry::global().histogram(
          "analysis_duration_seconds", "Time to compute one stock's scorecard on a candle close",
          // Ours are microseconds; the spec's buckets (10 ms .. 5 s) follow for a whole-market pass.
          {1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.5, 1, 2, 5})) {
  subscribe_stages();
}

Pipeline::~Pipeline() = default;

void Pipeline::subscribe_stages() {
  bus::Bus& bus = deps_.bus;
  // raw-ticks -> candle builder (+ latest tick in the hot cache).
  (void)bus.subscribe(bus::Topic::kRawTicks, "candles", [this](const bus::Message& m) {
    const auto& tick = std::get<model::Tick>(m);
    builder_.on_tick(tick, *candle_out_);
    if (deps_.cache) {
      (void)deps_.cache->set_latest_tick(tick);
      if (const model::Candle* c = builder_.current(tick.symbol)) (void)deps_.cache->set_current_candle(*c);
    }
    // The tick's candle is updated and visible: that is the latency we publish.
    tick_to_candle_.record(steady_nanos() - dequeued_at_);
    receipt_to_candle_.record(core::Timestamp::now() - tick.receive_time);
    candle_out_->publish_pending();
  });
  // market_candles -> counts, rollups, store, analysis.
  (void)bus.subscribe(bus::Topic::kMarketCandles, "candles-rollup", [this](const bus::Message& m) {
    const auto& candle = std::get<model::Candle>(m);
    ++local_.candles[static_cast<size_t>(candle.interval)];
    if (candle.interval == model::Interval::k1m) rollup_.on_candle(candle, *rollup_out_);
    if (deps_.cache) (void)deps_.cache->add_closed_candle(candle);
  });
  if (deps_.writer) {
    (void)bus.subscribe(bus::Topic::kMarketCandles, "store", [this](const bus::Message& m) {
      const auto& candle = std::get<model::Candle>(m);
      model::Interval from = config_.store_from;
      if (auto it = config_.store_from_symbol.find(candle.symbol); it != config_.store_from_symbol.end()) from = it->second;
      if (candle.interval >= from) deps_.writer->write(candle);
    });
  }
  if (config_.analysis) {
    (void)bus.subscribe(bus::Topic::kMarketCandles, "analysis", [this](const bus::Message& m) {
      const auto& candle = std::get<model::Candle>(m);
      if (candle.interval != analysis_interval(candle.symbol)) return;
      auto card = scorecards(candle.interval).on_candle(candle);
      if (!card) {
        ++local_.analysis_errors;
        return;
      }
      ++local_.scorecards;
      analysis_seconds_->observe(static_cast<double>(card->latency_ns) / 1e9);
      if (deps_.cache) (void)deps_.cache->set_scorecard(*card);
      (void)deps_.bus.publish(bus::Topic::kAnalysisUpdates, *card);
      market_view_dirty_ |= market_view_.on_scorecard(*card);
    });
    (void)bus.subscribe(bus::Topic::kAnalysisUpdates, "signals", [this](const bus::Message& m) {
      if (auto signal = signal_rules_.on_scorecard(std::get<model::Scorecard>(m))) {
        ++local_.signals;
        if (deps_.signal_writer) deps_.signal_writer->write(*signal);
        if (deps_.cache) (void)deps_.cache->add_signal(*signal);
        (void)deps_.bus.publish(bus::Topic::kSignals, *signal);
      }
    });
  }
}

void Pipeline::warm_up(const model::Candle& candle) {
  if (candle.interval == analysis_interval(candle.symbol)) (void)scorecards(candle.interval).warm_up(candle);
}

model::Interval Pipeline::analysis_interval(const model::Symbol& symbol) const {
  auto it = config_.store_from_symbol.find(symbol);
  return it != config_.store_from_symbol.end() ? it->second : config_.scorecards.interval;
}

analysis::ScorecardBuilder& Pipeline::scorecards(model::Interval interval) {
  auto& builder = scorecards_[static_cast<size_t>(interval)];
  if (!builder) {
    analysis::ScorecardConfig config = config_.scorecards;
    config.interval = interval;
    builder = std::make_unique<analysis::ScorecardBuilder>(deps_.engine, config);
  }
  return *builder;
}

bool Pipeline::on_ticks(std::span<const model::Tick> ticks) {
  if (config_.inline_feed) {  // processed before a stop is answered: nothing handed over is lost
    for (const model::Tick& t : ticks) process_tick(t);
    end_batch();
    return !stop_requested_.load(std::memory_order_relaxed);
  }
  thread_local std::vector<Event> events;  // the feed thread's, reused batch after batch
  events.clear();
  for (const auto& t : ticks) events.emplace_back(t);
  return queue_.push_all(events);
}

bool Pipeline::on_clock(core::Timestamp t) {
  if (config_.inline_feed) {
    process(Event(t));
    end_batch();
    return !stop_requested_.load(std::memory_order_relaxed);
  }
  return queue_.push(Event(t));
}

void Pipeline::advance_clock(core::Timestamp now) {
  if (now <= clock_) return;
  clock_ = now;
  if (now.nanos() < next_clock_check_) return;
  next_clock_check_ = now.floor(core::kNanosPerSecond).nanos() + core::kNanosPerSecond;
  // The builder first: its candles feed the rollup before the rollup's own clock closes buckets.
  builder_.on_clock(now, *candle_out_);
  candle_out_->publish_pending();
  rollup_.on_clock(now, *rollup_out_);
  // One market view a minute, once the grace period has let every candle of the minute close:
  // a whole minute's scorecards, at a deterministic point of engine time.
  if (now >= market_view_due_) {
    publish_market_view();
    market_view_due_ = now.floor(core::kNanosPerMinute) + core::kNanosPerMinute + config_.candles.grace_nanos;
  }
}

void Pipeline::process(const Event& event) {
  if (const auto* t = std::get_if<core::Timestamp>(&event)) {
    if (config_.time_source == TimeSource::kEventTime) advance_clock(*t);
    return;
  }
  process_tick(std::get<model::Tick>(event));
}

void Pipeline::process_tick(model::Tick tick) {
  dequeued_at_ = steady_nanos();
  ++local_.ticks_received;
  if (normalizer_.normalize(tick)) return;  // rejected and counted; a bad time must not move the clock
  if (config_.time_source == TimeSource::kEventTime) advance_clock(tick.exchange_time);
  ++local_.ticks_accepted;
  (void)deps_.bus.publish(bus::Topic::kRawTicks, tick);
}

Pipeline::Latency Pipeline::latency() const {
  return Latency{tick_to_candle_.snapshot(), receipt_to_candle_.snapshot()};
}

void Pipeline::export_latency_metrics() {
  auto& registry = core::MetricsRegistry::global();
  auto export_one = [&](const char* name, const char* help, const core::LatencyHistogram& h) {
    auto snap = h.snapshot();
    for (auto [label, q] : {std::pair{"0.5", 0.5}, std::pair{"0.99", 0.99}, std::pair{"0.999", 0.999}}) {
      registry.gauge(name, help, {{"feed", feed_name_}, {"quantile", label}}).set(snap.percentile(q) / 1e9);
    }
  };
  export_one("tick_to_candle_latency_seconds",
             "From the engine taking a tick to its candle being updated and visible (quantiles since start)",
             tick_to_candle_);
  export_one("tick_receipt_to_candle_latency_seconds",
             "From the feed receiving a tick to its candle being updated (includes the feed queue)", receipt_to_candle_);
}

void Pipeline::publish_stats() {
  const auto& counts = normalizer_.rejected();
  local_.rejected = counts.rejected;
  local_.rejected_total = counts.total_rejected();
  local_.late_ticks = builder_.stats().late_ticks;
  local_.gap_minutes = builder_.stats().gap_minutes;
  std::lock_guard lock(stats_mu_);
  stats_ = local_;
}

void Pipeline::end_batch() {
  if (config_.time_source == TimeSource::kWallClock) advance_clock(core::Timestamp::now());
  publish_stats();
  if (auto now = std::chrono::steady_clock::now(); now >= next_metrics_export_) {
    export_latency_metrics();
    next_metrics_export_ = now + std::chrono::seconds(1);
  }
}

core::Status Pipeline::run(feed::Feed& feed, std::stop_token stop) {
  std::stop_callback on_stop(stop, [this] { request_stop(); });
  if (config_.inline_feed) return run_inline(feed);
  core::Status feed_status;
  std::jthread feed_thread([&](std::stop_token feed_stop) {
    feed_status = feed.run(*this, feed_stop);
    queue_.close();  // the engine drains what was received, then finishes
  });
  log().info("pipeline started", {{"feed", feed_name_}});

  std::vector<Event> batch;
  batch.reserve(kBatch);
  while (true) {
    if (stop_requested_.load(std::memory_order_relaxed)) feed_thread.request_stop();
    batch.clear();
    size_t n = queue_.pop_some(batch, kBatch, std::chrono::milliseconds(100), config_.feed_wait_spin);
    for (const Event& e : batch) process(e);
    end_batch();
    if (n == 0 && queue_.finished()) break;
  }
  feed_thread.join();
  return finish_run(feed_status);
}

core::Status Pipeline::run_inline(feed::Feed& feed) {
  log().info("pipeline started", {{"feed", feed_name_}, {"engine", "inline"}});
  core::Status feed_status = feed.run(*this, inline_stop_.get_token());
  return finish_run(feed_status);
}

core::Status Pipeline::finish_run(const core::Status& feed_status) {
  finish();
  export_latency_metrics();
  core::Status writer_status = deps_.writer ? deps_.writer->flush() : core::Status::ok();
  core::Status signal_status = deps_.signal_writer ? deps_.signal_writer->flush() : core::Status::ok();
  if (writer_status.is_ok()) writer_status = signal_status;
  log().info("pipeline stopped", {{"feed", feed_name_},
                                  {"ticks", static_cast<int64_t>(local_.ticks_received)},
                                  {"candles_1m", static_cast<int64_t>(local_.candles[0])}});
  if (!feed_status.is_ok()) return feed_status;
  return writer_status;
}

void Pipeline::publish_market_view() {
  if (!market_view_dirty_) return;
  market_view_dirty_ = false;
  ++local_.market_views;
  if (deps_.cache) (void)deps_.cache->set_market_view(market_view_.view());
  (void)deps_.bus.publish(bus::Topic::kMarketView, market_view_.view());
}

void Pipeline::run_candles(std::span<const model::Candle> candles) {
  for (const model::Candle& c : candles) {
    advance_clock(c.start + model::interval_nanos(c.interval));
    (void)deps_.bus.publish(bus::Topic::kMarketCandles, c);
  }
  finish();
}

void Pipeline::finish() {
  // Open candles are closed as they stand: a stop loses nothing already received.
  builder_.flush(*candle_out_);
  candle_out_->publish_pending();
  rollup_.flush(*rollup_out_);
  publish_market_view();
  deps_.bus.drain();
  publish_stats();
}

void Pipeline::request_stop() {
  stop_requested_.store(true, std::memory_order_relaxed);
  inline_stop_.request_stop();
}

PipelineStats Pipeline::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

}  // namespace nifty::engine
