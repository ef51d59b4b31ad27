#include "app/commands/engine_host.h"

#include <csignal>
#include <pthread.h>
#include <thread>

#include "app/commands/commands.h"
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
  if (config.feed_kind == "sim") {
    auto universe = model::Universe::load_csv(config.universe_file);
    if (!universe) return core::error(core::ErrorCode::kConfigError, universe.status().message());
    host->universe_ = std::move(universe).value();
    host->feed_ = std::make_unique<feed::SimFeed>(*host->universe_, config.sim);
  } else {
    auto finest = feed::finest_source_interval(config.replay.inputs, config.replay.format);
    if (!finest) return finest.status();
    host->config_.pipeline.store_from = *finest;
    host->feed_ = std::make_unique<feed::ReplayFeed>(config.replay, *host->calendar_);
  }
  auto store = open_store(config);
  if (!store) return store.status();
  host->store_ = std::move(store).value();
  host->writer_ = std::make_unique<store::CandleWriter>(*host->store_, config.writer);
  engine::PipelineDeps deps{*host->calendar_, host->bus_, host->engine_, host->writer_.get(), &host->cache_};
  host->pipeline_ = std::make_unique<engine::Pipeline>(host->config_.pipeline, deps, std::string(host->feed_->name()));
  return host;
}

EngineHost::~EngineHost() {
  bus_.close();
  if (writer_) (void)writer_->close();
}

void EngineHost::warm_up(int n) {
  if (n <= 0) return;
  auto symbols = store_->symbols(model::Interval::k1m);
  if (!symbols) return;
  for (const auto& s : *symbols) {
    auto candles = store_->last_n(s, model::Interval::k1m, static_cast<size_t>(n));
    if (!candles) continue;
    for (const auto& c : *candles) pipeline_->warm_up(c);
  }
}

core::Status EngineHost::run() {
  // SIGINT/SIGTERM are taken by a watcher thread with sigwait, so no handler runs in a random
  // thread. main() blocked them (and SIGUSR1, our own wake-up at the end) before any thread
  // started; blocking again here keeps the host correct when used without main().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::stop_source stop;
  std::thread watcher([&] {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0 || sig == SIGUSR1) return;
    core::Logger::get("app").info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    stop.request_stop();
  });
  core::Status status = pipeline_->run(*feed_, stop.get_token());
  pthread_kill(watcher.native_handle(), SIGUSR1);
  watcher.join();
  bus_.close();
  core::Status writer_status = writer_->close();
  if (status.is_ok()) status = writer_status;
  return status;
}

}  // namespace nifty::app
