// EngineHost: builds the embedded deployment around a Pipeline for `run` and `replay`: the feed,
// the in-process bus, the store and its writer thread, the hot cache and the prediction engine,
// and stops it cleanly on SIGINT/SIGTERM (open candles flushed, everything received stored).
// Threading: one host per process, driven from the main thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/config.h"
#include "bus/inproc/inproc_bus.h"
#include "engine/pipeline.h"
#include "feed/feed.h"
#include "predict/heuristic_engine.h"
#include "store/candle_writer.h"
#include "store/hot_cache.h"

namespace nifty::app {

class EngineHost {
 public:
  // Opens the store and builds the feed named by config.feed_kind. Errors: kIoError for an
  // unusable database, kConfigError/kNotFound for bad settings or inputs.
  static core::Result<std::unique_ptr<EngineHost>> create(const NiftyConfig& config);
  ~EngineHost();

  bus::Bus& bus() { return bus_; }
  store::HotCache& cache() { return *cache_; }
  engine::Pipeline& pipeline() { return *pipeline_; }
  feed::Feed& feed() { return *feed_; }
  store::CandleWriter& writer() { return *writer_; }
  store::CandleStore& store() { return *store_; }
  store::SignalStore& signal_store() { return *signal_store_; }
  // Warms the indicators from the last `n` stored 1-minute candles of every stored symbol that
  // start before the feed's first session (live: now).
  void warm_up(int n);

  // Runs until the feed ends or SIGINT/SIGTERM arrives; then drains and flushes.
  core::Status run();

 private:
  EngineHost() = default;
  NiftyConfig config_;
  bus::InprocBus bus_;
  std::unique_ptr<store::HotCache> cache_;
  predict::HeuristicEngine engine_;
  std::optional<core::NseCalendar> own_calendar_;
  const core::NseCalendar* calendar_ = nullptr;
  std::optional<model::Universe> universe_;
  std::unique_ptr<store::CandleStore> store_;
  std::unique_ptr<store::CandleWriter> writer_;
  std::unique_ptr<store::SignalStore> signal_store_;
  std::unique_ptr<store::SignalWriter> signal_writer_;
  std::unique_ptr<feed::Feed> feed_;
  std::unique_ptr<engine::Pipeline> pipeline_;
  core::Timestamp warm_up_before_ = core::Timestamp::now();
};

}  // namespace nifty::app
