#include "app/commands/engine_host.h"

#include "app/commands/commands.h"
#include "app/commands/signal_watch.h"
#include "feed/recording/recording_feed.h"
#include "feed/recording/recording_reader.h"
#include "feed/replay/replay_feed.h"
#include "feed/sim/sim_feed.h"

namespace nifty::app {

core::Result<std::unique_ptr<EngineHost>> EngineHost::create(const NiftyConfig& config) {
  std::unique_ptr<EngineHost> host(new EngineHost());
  host->config_ = config;
  if (config.calendar_file.empty()) {
    host->calendar_ = &core::NseCalendar::builtin();
  } else {
    auto cal = core::NseCalendar::load_file(config.calendar_file);
    if (!cal) return core::error(core::ErrorCode::kConfigError, cal.status().message());
    host->own_calendar_ = std::move(cal).value();
    host->calendar_ = &*host->own_calendar_;
  }
  if (config.feed_kind == "sim" || config.feed_kind == "live") {
    auto universe = model::Universe::load_csv(config.universe_file);
    if (!universe) return core::error(core::ErrorCode::kConfigError, universe.status().message());
    host->universe_ = std::move(universe).value();
    if (config.feed_kind == "sim") {
      auto sim = std::make_unique<feed::SimFeed>(*host->universe_, config.sim);
      host->warm_up_before_ = sim->session_start();
      host->feed_ = std::move(sim);
    } else {
      auto live = open_live_feed(config, *host->calendar_, *host->universe_);
      if (!live) return live.status();
      host->feed_ = std::move(live).value();
      host->config_.pipeline.inline_feed = config.live_feed_inline;
    }
  } else if (config.replay.inputs.size() == 1 && feed::recording::is_recording_file(config.replay.inputs[0])) {
    // A recording of a live session: the same frames through the same decoder.
    auto universe = model::Universe::load_csv(config.universe_file);
    if (!universe) return core::error(core::ErrorCode::kConfigError, universe.status().message());
    feed::recording::RecordingFeedConfig rc;
    rc.universe = std::move(universe).value();
    rc.speed = config.replay.speed;
    auto recording = feed::recording::open_recording_feed(config.replay.inputs[0], std::move(rc));
    if (!recording) return recording.status();
    host->feed_ = std::move(recording).value();
  } else {
    auto intervals = feed::source_intervals(config.replay.inputs, config.replay.format);
    if (!intervals) return intervals.status();
    host->config_.pipeline.store_from_symbol = std::move(intervals).value();
    host->feed_ = std::make_unique<feed::ReplayFeed>(config.replay, *host->calendar_);
  }
  auto cache = open_hot_cache(config);
  if (!cache) return cache.status();
  host->cache_ = std::move(cache).value();
  auto store = open_store(config, StoreUse::kWrite);
  if (!store) return store.status();
  host->store_ = std::move(store).value();
  host->writer_ = std::make_unique<store::CandleWriter>(*host->store_, config.writer);
  auto signal_store = open_signal_store(config, StoreUse::kWrite);
  if (!signal_store) return signal_store.status();
  host->signal_store_ = std::move(signal_store).value();
  host->signal_writer_ = std::make_unique<store::SignalWriter>(*host->signal_store_);
  engine::PipelineDeps deps{*host->calendar_, host->bus_,           host->engine_, host->writer_.get(),
                            host->cache_.get(), host->signal_writer_.get()};
  host->pipeline_ = std::make_unique<engine::Pipeline>(host->config_.pipeline, deps, std::string(host->feed_->name()));
  return host;
}

EngineHost::~EngineHost() {
  bus_.close();
  if (writer_) (void)writer_->close();
  if (signal_writer_) (void)signal_writer_->close();
}

void EngineHost::warm_up(int n) {
  if (n <= 0) return;
  auto symbols = store_->symbols(model::Interval::k1m);
  if (!symbols) return;
  // Only history from before the feed starts: a second run over the same day must not feed the
  // indicators candles that the run is about to produce again.
  const core::Timestamp before = warm_up_before_;
  const core::Timestamp since = before - 31 * core::kNanosPerDay;
  for (const auto& s : *symbols) {
    auto candles = store_->range(s, model::Interval::k1m, since, before);
    if (!candles) continue;
    size_t skip = candles->size() > static_cast<size_t>(n) ? candles->size() - static_cast<size_t>(n) : 0;
    for (size_t i = skip; i < candles->size(); ++i) pipeline_->warm_up((*candles)[i]);
  }
}

core::Status EngineHost::run() {
  core::Status status;
  {
    SignalWatch signals;
    status = pipeline_->run(*feed_, signals.token());
  }
  bus_.close();
  core::Status writer_status = writer_->close();
  core::Status signal_status = signal_writer_->close();
  if (status.is_ok()) status = writer_status;
  if (status.is_ok()) status = signal_status;
  return status;
}

}  // namespace nifty::app
