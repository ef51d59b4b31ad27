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
#include "bus/kafka/kafka_config.h"
#include "engine/pipeline.h"
#include "gateway/gateway.h"
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
  // A live feed's ticks go through every stage on the connection's thread (PipelineConfig::
  // inline_feed): no hand-over to an engine thread. Replays and the simulator always use the queue.
  bool live_feed_inline = true;
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
  // [kafka] the scale-out bus (nifty ingest / candles / analyze-service); the spec's values.
  bus::KafkaConfig kafka;
  // [services] the scale-out services: HTTP address of /metrics and /health (and /analyze).
  std::string services_bind_address = "127.0.0.1";
  // [services.ingest]
  int ingest_http_port = 9101;  // 0 = no HTTP endpoint
  // [services.candles]
  int candles_http_port = 9102;
  std::string candles_group = "candle-processors";  // the spec's consumer group
  int candles_commit_interval_ms = 1000;  // store + producer flushed, then offsets committed
  std::string candles_time_source = "event";  // event (exchange time of the ticks) | wall (live)
  // event time: a partition idle this long at its end offset has its open candles closed
  // (the end of a replay); 0 = never.
  int candles_idle_close_ms = 3000;
  // [services.analyze]
  int analyze_http_port = 9103;
  std::string analyze_group = "analyzers";
  // [gateway] the API (REST + WebSocket); `nifty run` serves it when enabled, `nifty gateway` always.
  bool gateway_enabled = true;
  gateway::GatewayConfig gateway;
  // Limits given to keys created by `nifty keys create --tier` (burst = rate): the spec's tiers.
  double gateway_standard_rate = 10.0;
  double gateway_premium_rate = 50.0;
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
