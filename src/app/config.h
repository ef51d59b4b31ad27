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
#include "feed/flattrade/noren_session.h"
#include "feed/kite/kite_session.h"
#include "feed/mstock/mstock_session.h"
#include "feed/replay/replay_feed.h"
#include "feed/sim/sim_feed.h"
#include "feed/supervisor/live_feed.h"
#include "feed/supervisor/net_ws_connector.h"
#include "store/candle_writer.h"
#include "store/postgres/postgres_config.h"
#include "store/redis/redis_config.h"
#include "store/spool/spool_config.h"
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
  std::string feed_kind = "replay";  // replay | sim | live
  feed::ReplayConfig replay{.inputs = {"testdata/nse-1min/2023-02-28"}, .format = std::nullopt, .speed = 60.0};
  feed::SimConfig sim = [] {
    feed::SimConfig s;
    s.speed = 60.0;
    return s;
  }();
  // [feed.live] brokers in priority order (the first is the primary), supervision, tokens.
  std::vector<std::string> live_brokers = {"kite"};
  std::string token_file;  // empty: feed::live::default_token_path()
  feed::LiveFeedConfig live;
  feed::NetConnectorOptions connector;
  // [feed.kite]
  feed::kite::KiteSessionConfig kite;
  std::string kite_api_url = "https://api.kite.trade";
  std::string kite_api_secret;  // secret: NIFTY_FEED_KITE_API_SECRET only
  // [feed.flattrade]
  feed::flattrade::NorenSessionConfig flattrade;
  std::string flattrade_connect_form = "current";  // current (PiConnectWSAPI) | older (PiConnectWSTp)
  std::string flattrade_api_key;
  std::string flattrade_auth_url = "https://authapi.flattrade.in";
  std::string flattrade_api_secret;  // secret
  // [feed.mstock]
  feed::mstock::MstockSessionConfig mstock;
  std::string mstock_api_url = "https://api.mstock.trade";
  std::string mstock_client_code;
  std::string mstock_password;     // secret
  std::string mstock_totp_secret;  // secret
  // [candles], [analysis], [engine]
  engine::PipelineConfig pipeline;
  int warm_up_candles = 300;  // 1-minute candles per symbol read from the store to warm indicators
  // [store]
  std::string store_backend = "sqlite";  // sqlite | memory | postgres
  store::SqliteConfig sqlite;
  store::PostgresConfig postgres;  // password: NIFTY_STORE_POSTGRES_PASSWORD only
  store::SpoolConfig spool = [] {  // where writes wait while PostgreSQL is away
    store::SpoolConfig s;
    s.dir = "spool";
    return s;
  }();
  store::CandleWriterConfig writer;
  // [cache]
  std::string cache_backend = "memory";  // memory | redis
  store::RedisConfig redis = [] {  // password: NIFTY_CACHE_REDIS_PASSWORD only
    store::RedisConfig r;
    r.password_env = "NIFTY_CACHE_REDIS_PASSWORD";
    return r;
  }();
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
