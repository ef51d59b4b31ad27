// nifty backtest --db PATH --from DATE --to DATE [--symbols A,B] [--interval 5m] [--out FILE]:
// the engine's analysis and signal code over stored candles, each signal scored against the
// forward returns that followed it and against the baseline of all candles.
#include <cstdio>
#include <fstream>

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
      if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
      engine::BacktestConfig bc;
      if (!parse_days_or_report(opts->from, opts->to, bc.from, bc.to)) return kExitUsage;
      auto interval = parse_interval_or_report(opts->interval);
      auto symbols = parse_symbols_or_report(opts->symbols);
      if (!interval || !symbols) return kExitUsage;
      bc.interval = *interval;
      bc.symbols = std::move(*symbols);
      bc.pipeline = config.pipeline;
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
