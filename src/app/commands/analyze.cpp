// nifty analyze --db PATH [--symbols A,B] [--interval 1m] [--candles 300]: the spec's market-wide
// analysis (GET /analyze/market) over stored candles: every symbol's scorecard computed on a thread
// pool with a deadline, one JSON line per symbol (or its failure), then the market view.
#include <algorithm>
#include <cstdio>

#include "analysis/market_analyzer.h"
#include "analysis/market_view_builder.h"
#include "app/commands/commands.h"
#include "model/json_codec.h"
#include "predict/heuristic_engine.h"

namespace nifty::app {

void add_analyze_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string db;
    std::string symbols;
    std::string interval = "1m";
    int candles = 300;
    int deadline_ms = 5000;
    std::string config;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("analyze", "Analyse every stored symbol now (market-wide run with a deadline)");
  cmd->add_option("--db", opts->db, "SQLite file with the candles (overrides store.sqlite.path)");
  cmd->add_option("--symbols", opts->symbols, "comma-separated symbols (default: every stored symbol)");
  cmd->add_option("--interval", opts->interval, "1m | 5m | 15m | 1h | 1d (default 1m)");
  cmd->add_option("--candles", opts->candles, "latest candles per symbol to analyse (default 300)")->check(CLI::Range(1, 100000));
  cmd->add_option("--deadline-ms", opts->deadline_ms, "deadline of the whole run (default 5000, the spec's)")
      ->check(CLI::Range(1, 600000));
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
      auto interval = parse_interval_or_report(opts->interval);
      if (!interval) return kExitUsage;
      auto store = open_store(config);
      if (!store) {
        report_error(store.status().message());
        return kExitFailure;
      }
      auto listed = parse_symbols_or_report(opts->symbols);
      if (!listed) return kExitUsage;
      std::vector<model::Symbol> symbols = std::move(*listed);
      if (symbols.empty()) {
        auto stored = (*store)->symbols(*interval);
        if (!stored) {
          report_error(stored.status().message());
          return kExitFailure;
        }
        symbols = *stored;
      }
      analysis::MarketAnalyzerConfig mac;
      mac.deadline = std::chrono::milliseconds(opts->deadline_ms);
      mac.scorecard = config.pipeline.scorecards;
      mac.scorecard.interval = *interval;
      analysis::MarketAnalyzer analyzer([] { return std::make_unique<predict::HeuristicEngine>(); }, mac);
      // SQLite connections are not shared between threads: each read takes the store's own lock.
      auto results = analyzer.analyze(symbols, [&](const model::Symbol& s) -> core::Result<std::vector<model::Candle>> {
        NIFTY_ASSIGN_OR_RETURN(auto recent, (*store)->last_n(s, *interval, static_cast<size_t>(opts->candles)));
        if (recent.empty() || *interval == model::Interval::k1d) return recent;
        // The change is measured from the previous day's close (else the day's first open), as the
        // streaming engine does: add the rest of the last candle's day and the close before it.
        const core::Timestamp day_start = core::Timestamp::from_ist(recent.back().start.ist_date(), 0, 0);
        if (recent.front().start <= day_start) return recent;
        NIFTY_ASSIGN_OR_RETURN(auto earlier, (*store)->range(s, *interval, day_start - 10 * core::kNanosPerDay,
                                                             recent.front().start));
        auto first_of_day = std::lower_bound(earlier.begin(), earlier.end(), day_start,
                                             [](const model::Candle& c, core::Timestamp t) { return c.start < t; });
        std::vector<model::Candle> out;
        if (first_of_day != earlier.begin()) out.push_back(*(first_of_day - 1));  // the previous close
        out.insert(out.end(), first_of_day, earlier.end());
        out.insert(out.end(), recent.begin(), recent.end());
        return out;
      });
      analysis::MarketViewBuilder view(config.pipeline.market_view);
      int failures = 0;
      for (const auto& r : results) {
        std::string line;
        if (r.scorecard) {
          line = model::encode_scorecard(*r.scorecard);
          view.on_scorecard(*r.scorecard);
        } else {
          ++failures;
          line = "{\"symbol\":\"" + r.symbol.str() + "\",\"status\":\"";
          core::append_json_escaped(line, r.status_text());
          line += "\"}";
        }
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
      }
      std::string market = model::encode_market_view(view.view()) + "\n";
      std::fwrite(market.data(), 1, market.size(), stdout);
      if (failures > 0) std::fprintf(stderr, "nifty: %d of %zu symbols not analysed\n", failures, results.size());
      return failures > 0 ? kExitFailure : kExitOk;
    };
  });
}

}  // namespace nifty::app
