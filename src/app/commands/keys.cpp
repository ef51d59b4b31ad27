// nifty keys create|list|revoke: API keys of the gateway in the configured store. `create` prints
// the key once (only its SHA-256 is stored); list never shows keys, only ids; revoke also drops the
// key from the Redis hot cache when [cache] backend = "redis".
#include <cstdio>

#include "app/commands/backends.h"
#include "app/commands/gateway_host.h"
#include "gateway/api_key_auth.h"

namespace nifty::app {

void add_keys_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    std::string db;
    std::string label;
    std::string tier = "standard";
    double rate = 0.0;
    int burst = 0;
    std::string id;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("keys", "Manage the gateway's API keys");
  cmd->require_subcommand(1);
  cmd->add_option("--config,-c", opts->config, "TOML config file (default: built-in defaults)");
  cmd->add_option("--db", opts->db, "SQLite file (overrides store.sqlite.path)");

  auto with_store = [opts](auto&& fn) -> int {
    int code = kExitOk;
    NiftyConfig config;
    if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
    if (config.store_backend == "memory") {
      report_error("store.backend = \"memory\" keeps no keys between processes; use sqlite or postgres");
      return kExitUsage;
    }
    auto store = open_api_key_store(config);
    if (!store) {
      report_error(store.status().message());
      return exit_code_for(store.status());
    }
    return fn(config, **store);
  };

  CLI::App* create = cmd->add_subcommand("create", "Create a key and print it (once)");
  create->add_option("--label", opts->label, "what the key is for");
  create->add_option("--tier", opts->tier, "standard (10 req/s) | premium (50 req/s)")
      ->check(CLI::IsMember({"standard", "premium"}));
  create->add_option("--rate", opts->rate, "requests per second (overrides the tier's)")->check(CLI::PositiveNumber);
  create->add_option("--burst", opts->burst, "bucket capacity (default: the rate)")->check(CLI::PositiveNumber);
  create->callback([opts, with_store, &action] {
    action = [opts, with_store] {
      return with_store([&](const NiftyConfig& config, store::ApiKeyStore& keys) {
        store::ApiKey k;
        const std::string text = gateway::generate_api_key();
        k.id = gateway::generate_key_id();
        k.key_hash = gateway::hash_api_key(text);
        k.label = opts->label;
        k.tier = opts->tier;
        k.rate_per_second = opts->rate > 0 ? opts->rate
                                           : (opts->tier == "premium" ? config.gateway_premium_rate
                                                                      : config.gateway_standard_rate);
        k.burst = opts->burst > 0 ? opts->burst : std::max(1, static_cast<int>(k.rate_per_second));
        k.created_at = core::Timestamp::from_seconds(core::Timestamp::now().seconds());
        core::Status s = keys.create(k);
        if (!s.is_ok()) {
          report_error(s.message());
          return kExitFailure;
        }
        std::printf("id: %s\ntier: %s (%.3g req/s, burst %d)\nkey: %s\n", k.id.c_str(), k.tier.c_str(),
                    k.rate_per_second, k.burst, text.c_str());
        std::fprintf(stderr, "nifty: the key is shown only now; send it in the X-API-KEY header\n");
        return kExitOk;
      });
    };
  });

  CLI::App* list = cmd->add_subcommand("list", "List keys (ids, tiers, limits; never the keys)");
  list->callback([with_store, &action] {
    action = [with_store] {
      return with_store([&](const NiftyConfig&, store::ApiKeyStore& keys) {
        auto all = keys.list();
        if (!all) {
          report_error(all.status().message());
          return kExitFailure;
        }
        std::printf("%-16s %-10s %10s %6s  %-20s  %-20s  %s\n", "id", "tier", "rate/s", "burst", "created",
                    "revoked", "label");
        for (const auto& k : *all) {
          std::printf("%-16s %-10s %10.3g %6d  %-20s  %-20s  %s\n", k.id.c_str(), k.tier.c_str(), k.rate_per_second,
                      k.burst, k.created_at.to_iso_utc().c_str(),
                      k.revoked_at ? k.revoked_at->to_iso_utc().c_str() : "-", k.label.c_str());
        }
        return kExitOk;
      });
    };
  });

  CLI::App* revoke = cmd->add_subcommand(
      "revoke", "Revoke a key by id (and drop it from a Redis hot cache: gateways on it refuse it within 1 s)");
  revoke->add_option("id", opts->id, "key id (from create or list)")->required();
  revoke->callback([opts, with_store, &action] {
    action = [opts, with_store] {
      return with_store([&](const NiftyConfig& config, store::ApiKeyStore& keys) {
        const long long ttl = static_cast<long long>(config.gateway.key_cache_ttl.count());
        // With Redis, gateways share the cached record: drop it there too. The memory cache of a
        // running gateway cannot be reached from here; its record expires within the TTL.
        std::unique_ptr<store::HotCache> cache;
        std::string cache_down;
        if (config.cache_backend == "redis") {
          auto opened = open_hot_cache(config);
          if (opened) {
            cache = std::move(opened).value();
          } else {
            cache_down = opened.status().message();
          }
        }
        core::WallClock clock;
        gateway::ApiKeyAuth auth(keys, cache.get(), clock,
                                 gateway::ApiKeyAuthOptions{.cache_ttl = config.gateway.key_cache_ttl});
        core::Status s = auth.revoke(opts->id);
        if (s.code() == core::ErrorCode::kNotFound) {
          report_error(s.message());
          return kExitUsage;
        }
        if (!s.is_ok() || !cache_down.empty()) {
          // The store refused, or revoked it but the hot cache could not drop it.
          report_error(s.is_ok() ? "revoked " + opts->id + " in the store, but the hot cache is unreachable (" +
                                       cache_down + "): gateways refuse it within " +
                                       std::to_string(ttl + gateway::kGatewayLocalKeyTtl.count()) +
                                       " s; run revoke again to drop it there"
                                 : s.message());
          return kExitFailure;
        }
        if (cache) {
          std::printf("revoked %s; gateways on this Redis refuse it within %lld s\n", opts->id.c_str(),
                      static_cast<long long>(gateway::kGatewayLocalKeyTtl.count()));
        } else {
          std::printf("revoked %s; running gateways refuse it within %lld s\n", opts->id.c_str(),
                      ttl + static_cast<long long>(gateway::kGatewayLocalKeyTtl.count()));
        }
        return kExitOk;
      });
    };
  });
}

}  // namespace nifty::app
