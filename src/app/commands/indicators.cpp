// nifty indicators --db PATH --symbol X [--interval 1m] [--from DATE] [--to DATE]: the indicator
// series over stored candles as CSV on stdout, for checking or charting them elsewhere.
#include <cstdio>

#include "analysis/indicator_table.h"
#include "app/commands/commands.h"

namespace nifty::app {

void add_indicators_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string db;
    std::string symbol;
    std::string interval = "1m";
    std::string from;
    std::string to;
    std::string config;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("indicators", "Print the indicator series of a stored symbol as CSV");
  cmd->add_option("--db", opts->db, "SQLite file with the candles (overrides store.sqlite.path)");
  cmd->add_option("--symbol", opts->symbol, "the symbol, e.g. RELIANCE")->required();
  cmd->add_option("--interval", opts->interval, "1m | 5m | 15m | 1h | 1d (default 1m)");
  cmd->add_option("--from", opts->from, "first day, YYYY-MM-DD (IST; default: the first stored)");
  cmd->add_option("--to", opts->to, "last day, YYYY-MM-DD (IST), included (default: the last stored)");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
      auto interval = parse_interval_or_report(opts->interval);
      if (!interval) return kExitUsage;
      if (!model::Symbol::valid(opts->symbol)) {
        report_error("--symbol: bad symbol '" + opts->symbol + "'");
        return kExitUsage;
      }
      core::Timestamp from, to;
      if (!parse_days_or_report(opts->from, opts->to, from, to)) return kExitUsage;
      auto store = open_store(config);
      if (!store) {
        report_error(store.status().message());
        return kExitFailure;
      }
      auto candles = (*store)->range(model::Symbol(opts->symbol), *interval, from, to);
      if (!candles) {
        report_error(candles.status().message());
        return kExitFailure;
      }
      if (candles->empty()) {
        report_error("no " + opts->interval + " candles of " + opts->symbol + " stored in that range");
        return kExitFailure;
      }
      std::string csv = analysis::indicator_table_csv(*candles, analysis::compute_indicator_table(*candles));
      std::fwrite(csv.data(), 1, csv.size(), stdout);
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
