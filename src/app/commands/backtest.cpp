// nifty backtest --db PATH --from DATE --to DATE [--symbols A,B] [--interval 5m] [--out FILE]:
// the engine's analysis and signal code over stored candles, each signal scored against the
// forward returns that followed it and against the baseline of all candles.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/commands/commands.h"
#include "engine/backtest.h"
#include "predict/heuristic_engine.h"

namespace nifty::app {

void add_backtest_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string db;
    std::string from;
    std::string to;
    std::string symbols;
    std::string interval = "1m";
    std::string out = "backtest.json";
    bool summary_only = false;
    std::string config;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("backtest", "Run the analysis and signal rules over stored candles and score the signals");
  cmd->add_option("--db", opts->db, "SQLite file with the candles (overrides store.sqlite.path)");
  cmd->add_option("--from", opts->from, "first day, YYYY-MM-DD (IST)")->required();
  cmd->add_option("--to", opts->to, "last day, YYYY-MM-DD (IST), included")->required();
  cmd->add_option("--symbols", opts->symbols, "comma-separated symbols (default: every stored symbol)");
  cmd->add_option("--interval", opts->interval, "1m | 5m | 15m | 1h | 1d (default 1m)");
  cmd->add_option("--out", opts->out, "JSON report file (default backtest.json)");
  cmd->add_flag("--summary-only", opts->summary_only, "leave the list of signals out of the JSON report");
  cmd->add_option("--config,-c", opts->config, "TOML config file (analysis and signal settings)");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (!opts->db.empty()) {
        config.store_backend = "sqlite";
        config.sqlite.path = opts->db;
      }
      auto from = core::Date::parse(opts->from);
      auto to = core::Date::parse(opts->to);
      auto interval = model::parse_interval(opts->interval);
      if (!from || !to || !interval || *to < *from) {
        report_error(!from ? "--from: " + from.status().message()
                     : !to ? "--to: " + to.status().message()
                     : !interval ? "--interval must be 1m, 5m, 15m, 1h or 1d, not '" + opts->interval + "'"
                                 : std::string("--to is before --from"));
        return kExitUsage;
      }
      engine::BacktestConfig bc;
      bc.from = core::Timestamp::from_ist(*from, 0, 0);
      bc.to = core::Timestamp::from_ist(core::Date::from_days_since_epoch(to->days_since_epoch() + 1), 0, 0);
      bc.interval = *interval;
      bc.pipeline = config.pipeline;
      std::stringstream list(opts->symbols);
      std::string item;
      while (std::getline(list, item, ',')) {
        if (item.empty()) continue;
        if (!model::Symbol::valid(item)) {
          report_error("--symbols: bad symbol '" + item + "'");
          return kExitUsage;
        }
        bc.symbols.emplace_back(item);
      }
      auto store = open_store(config);
      if (!store) {
        report_error(store.status().message());
        return kExitFailure;
      }
      predict::HeuristicEngine engine;
      engine::Backtest backtest(**store, engine, core::NseCalendar::builtin());
      auto report = backtest.run(bc);
      if (!report) {
        report_error(report.status().message());
        return kExitFailure;
      }
      std::string table = report->to_table();
      std::fwrite(table.data(), 1, table.size(), stdout);
      std::ofstream out(opts->out);
      out << report->to_json(!opts->summary_only);
      if (!out) {
        report_error("cannot write " + opts->out);
        return kExitFailure;
      }
      std::printf("\nreport written to %s\n", opts->out.c_str());
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
