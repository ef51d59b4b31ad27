// nifty migrate [--retention]: creates or upgrades the PostgreSQL schema (versioned, idempotent
// migrations; TimescaleDB hypertables when the extension is available, monthly partitions when not)
// and prints one JSON line of what it did. --retention also runs the maintenance: partitions of this
// month and the next two, and drops candle partitions older than store.postgres.retention_days.
#include <cstdio>

#include "app/commands/commands.h"
#include "store/postgres/migrations.h"

namespace nifty::app {

void add_migrate_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    bool retention = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("migrate", "Create or upgrade the PostgreSQL schema (store.backend = postgres)");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->add_flag("--retention", opts->retention,
                "also create partitions ahead and drop those older than store.postgres.retention_days");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (config.store_backend != "postgres") {
        std::printf("{\"backend\":\"%s\",\"migrated\":false,\"note\":\"this backend creates its schema when it opens\"}\n",
                    config.store_backend.c_str());
        return kExitOk;
      }
      auto report = store::migrate(config.postgres);
      if (!report) {
        report_error("postgres " + store::postgres_target(config.postgres) + ": " + report.status().message());
        return kExitFailure;
      }
      std::string applied;
      for (int v : report.value().applied) applied += (applied.empty() ? "" : ",") + std::to_string(v);
      if (opts->retention) {
        core::Status s = store::apply_retention(config.postgres, core::Timestamp::now());
        if (!s) {
          report_error("postgres retention: " + s.message());
          return kExitFailure;
        }
      }
      std::printf("{\"backend\":\"postgres\",\"target\":\"%s\",\"applied\":[%s],\"schema_version\":%d,"
                  "\"timescale\":%s,\"retention_applied\":%s}\n",
                  store::postgres_target(config.postgres).c_str(), applied.c_str(), report.value().schema_version,
                  report.value().timescale ? "true" : "false", opts->retention ? "true" : "false");
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
