// NiftyConfig: the whole configuration, read from one TOML file (config/nifty.example.toml lists
// every setting with its default), then overridden by environment variables named after the key:
// NIFTY_ + the dotted key in upper case with '.' as '_' (store.sqlite.path -> NIFTY_STORE_SQLITE_PATH).
// Secrets are read only from the environment and never shown (`nifty config show` redacts them).
// Each module owns a plain config struct; this file only maps keys onto them.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/log.h"
#include "engine/pipeline.h"
#include "feed/replay/replay_feed.h"
#include "feed/sim/sim_feed.h"
#include "store/candle_writer.h"
#include "store/sqlite/sqlite_candle_store.h"

namespace nifty::app {

struct NiftyConfig {
  // [log]
  std::string log_level = "info";  // debug | info | warn | error | off
  std::string log_file;            // empty: stderr
  // [universe] what a live feed subscribes to.
  std::string universe_file = "config/nifty50.csv";
  // [calendar] empty: the built-in NSE calendar.
  std::string calendar_file;
  // [feed]
  std::string feed_kind = "replay";  // replay | sim
  feed::ReplayConfig replay{.inputs = {"testdata/nse-1min/2023-02-28"}, .format = std::nullopt, .speed = 60.0};
  feed::SimConfig sim = [] {
    feed::SimConfig s;
    s.speed = 60.0;
    return s;
  }();
  // [candles], [analysis], [engine]
  engine::PipelineConfig pipeline;
  int warm_up_candles = 300;  // 1-minute candles per symbol read from the store to warm indicators
  // [store]
  std::string store_backend = "sqlite";  // sqlite | memory
  store::SqliteConfig sqlite;
  store::CandleWriterConfig writer;
};

// Reads `path` (empty: defaults only), then the environment. Errors name the key (kConfigError).
core::Result<NiftyConfig> load_config(const std::string& path);
// The effective configuration as TOML, secrets redacted.
std::string show_config(const NiftyConfig& config);
// "max" -> 0, "60x" or "60" -> 60; error otherwise.
core::Result<double> parse_speed(std::string_view text);
// A relative path that does not exist from the working directory is looked up in the source tree
// (so `nifty run` finds its bundled data wherever it is started from).
std::string resolve_data_path(const std::string& path);

}  // namespace nifty::app
