// The gateway in the app: the ApiKeyStore chosen by [store] backend, and a GatewayHost that starts
// a gateway::Gateway over the process's hot cache, stores and bus (`nifty run`, `nifty gateway`).
// Also the `nifty gateway` and `nifty keys create|list|revoke` commands.
// Threading: called from the main thread.
#pragma once

#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/commands/commands.h"
#include "app/config.h"
#include "core/clock.h"
#include "gateway/gateway.h"
#include "model/instrument.h"
#include "store/api_key_store.h"

namespace nifty::app {

// memory -> MemoryApiKeyStore (keys live as long as the process), sqlite -> the api_keys table in
// store.sqlite.path, postgres -> the api_keys table of migration 0001.
core::Result<std::unique_ptr<store::ApiKeyStore>> open_api_key_store(const NiftyConfig& config);

class GatewayHost {
 public:
  // Loads the universe, opens the key store and starts the gateway with config.gateway; API keys
  // are looked up through `cache` (cache-aside, see gateway/api_key_auth.h). The cache, stores and
  // bus (any may be null but the cache) must outlive the host.
  static core::Result<std::unique_ptr<GatewayHost>> start(const NiftyConfig& config, store::HotCache& cache,
                                                          store::CandleStore* candles, store::SignalStore* signals,
                                                          bus::Bus* bus, std::vector<gateway::HealthCheck> health);
  ~GatewayHost();
  gateway::Gateway& gateway() { return *gateway_; }

 private:
  GatewayHost() = default;
  core::WallClock clock_;
  model::Universe universe_;
  std::unique_ptr<store::ApiKeyStore> keys_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

void add_gateway_command(CLI::App& app, CommandAction& action);
void add_keys_command(CLI::App& app, CommandAction& action);

}  // namespace nifty::app
