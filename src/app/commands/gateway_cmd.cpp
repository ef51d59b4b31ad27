// nifty gateway: the API as its own process (scale-out): REST from the configured hot cache
// (Redis in a scale-out deployment) and stores, until SIGINT/SIGTERM. GatewayHost also serves
// `nifty run`.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "app/commands/backends.h"
#include "app/commands/gateway_host.h"
#include "app/commands/signal_watch.h"
#include "bus/kafka/kafka_bus.h"
#include "core/log.h"
#include "store/memory/memory_api_key_store.h"
#include "store/postgres/postgres_api_key_store.h"
#include "store/sqlite/sqlite_api_key_store.h"

namespace nifty::app {

core::Result<std::unique_ptr<store::ApiKeyStore>> open_api_key_store(const NiftyConfig& config) {
  if (config.store_backend == "memory") {
    return std::unique_ptr<store::ApiKeyStore>(std::make_unique<store::MemoryApiKeyStore>());
  }
  if (config.store_backend == "postgres") {
    auto pg = store::PostgresApiKeyStore::open(config.postgres);
    if (!pg) return pg.status();
    return std::unique_ptr<store::ApiKeyStore>(std::move(pg).value());
  }
  auto sqlite = store::SqliteApiKeyStore::open(config.sqlite);
  if (!sqlite) return sqlite.status();
  return std::unique_ptr<store::ApiKeyStore>(std::move(sqlite).value());
}

GatewayHost::~GatewayHost() {
  if (gateway_) gateway_->stop();
}

core::Result<std::unique_ptr<GatewayHost>> GatewayHost::start(const NiftyConfig& config, store::HotCache& cache,
                                                              store::CandleStore* candles,
                                                              store::SignalStore* signals, bus::Bus* bus,
                                                              std::vector<gateway::HealthCheck> health) {
  std::unique_ptr<GatewayHost> host(new GatewayHost());
  auto universe = model::Universe::load_csv(resolve_data_path(config.universe_file));
  if (!universe) return core::error(core::ErrorCode::kConfigError, universe.status().message());
  host->universe_ = std::move(universe).value();
  if (config.gateway.auth_enabled) {
    auto keys = open_api_key_store(config);
    if (!keys) return keys.status();
    host->keys_ = std::move(keys).value();
  }
  gateway::GatewayDeps deps;
  deps.cache = &cache;
  deps.candles = candles;
  deps.signals = signals;
  deps.keys = host->keys_.get();
  deps.universe = &host->universe_;
  deps.clock = &host->clock_;
  deps.bus = bus;
  deps.health = std::move(health);
  auto g = gateway::Gateway::start(config.gateway, std::move(deps));
  if (!g) return g.status();
  host->gateway_ = std::move(g).value();
  return host;
}

void add_gateway_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    int port = -1;
    bool kafka = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("gateway", "Serve the API (REST, /health, /metrics, /docs) from the cache and store");
  cmd->add_option("--config,-c", opts->config, "TOML config file (default: built-in defaults)");
  cmd->add_option("--port", opts->port, "overrides gateway.port")->check(CLI::Range(0, 65535));
  cmd->add_flag("--kafka", opts->kafka,
                "push the Kafka topics ([kafka]) to WebSocket clients (consumer groups gateway-<host>-<pid>.<topic>)");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (opts->port >= 0) config.gateway.port = static_cast<uint16_t>(opts->port);
      SignalWatch watch;
      auto cache = open_hot_cache(config);
      if (!cache) {
        report_error(cache.status().message());
        return exit_code_for(cache.status());
      }
      auto candles = open_store(config, StoreUse::kRead);
      if (!candles) {
        report_error(candles.status().message());
        return exit_code_for(candles.status());
      }
      auto signals = open_signal_store(config, StoreUse::kRead);
      if (!signals) {
        report_error(signals.status().message());
        return exit_code_for(signals.status());
      }
      store::HotCache* c = cache->get();
      store::SignalStore* s = signals->get();
      std::vector<gateway::HealthCheck> health = {
          {"store",
           [s] {
             auto now = core::Timestamp::now();
             auto r = s->range(now, now);
             return r.is_ok() ? core::Status::ok() : r.status();
           }},
          {"cache",
           [c] {
             auto r = c->market_view();
             return r.is_ok() ? core::Status::ok() : r.status();
           }},
      };
      std::unique_ptr<bus::KafkaBus> kafka;
      if (opts->kafka) {
        auto k = bus::KafkaBus::create(config.kafka);
        if (!k) {
          report_error(k.status().message());
          return exit_code_for(k.status());
        }
        kafka = std::move(k).value();
        char host_name[256] = "host";
        gethostname(host_name, sizeof(host_name) - 1);
        config.gateway.bus_subscriber = std::string("gateway-") + host_name + "-" + std::to_string(getpid());
      }
      auto host = GatewayHost::start(config, *c, candles->get(), s, kafka.get(), std::move(health));
      if (!host) {
        report_error(host.status().message());
        return exit_code_for(host.status());
      }
      std::fprintf(stderr, "nifty: gateway on http://%s:%u (docs: /docs)\n", config.gateway.bind_address.c_str(),
                   static_cast<unsigned>((*host)->gateway().port()));
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock lk(mu);
      cv.wait(lk, watch.token(), [] { return false; });
      (*host)->gateway().stop();
      if (kafka) kafka->close();
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
