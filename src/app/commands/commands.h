// The `nifty` subcommands. Each registers itself on the CLI11 app and returns the process exit
// code when run: 0 success, 1 runtime failure, 2 usage or configuration error.
// app/ is the only place that names concrete adapters (replay, sim, sqlite, memory, inproc).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "app/commands/backends.h"
#include "app/config.h"
#include "store/candle_store.h"
#include "store/signal_store.h"

namespace nifty::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Set by a subcommand's callback: what main() runs after parsing.
using CommandAction = std::function<int()>;

void add_run_command(CLI::App& app, CommandAction& action);
void add_replay_command(CLI::App& app, CommandAction& action);
void add_import_command(CLI::App& app, CommandAction& action);
void add_config_command(CLI::App& app, CommandAction& action);
void add_backtest_command(CLI::App& app, CommandAction& action);
void add_indicators_command(CLI::App& app, CommandAction& action);
void add_analyze_command(CLI::App& app, CommandAction& action);
void add_migrate_command(CLI::App& app, CommandAction& action);
void add_login_command(CLI::App& app, CommandAction& action);
void add_record_command(CLI::App& app, CommandAction& action);
// Scale-out services over Kafka.
void add_ingest_command(CLI::App& app, CommandAction& action);
void add_candles_command(CLI::App& app, CommandAction& action);
void add_analyze_service_command(CLI::App& app, CommandAction& action);

// Shared by the commands.
// Loads the config file (or defaults), applies logging settings; prints the error and sets
// exit_code (2) on failure.
bool load_config_or_report(const std::string& path, NiftyConfig& out, int& exit_code);
// load_config_or_report, then `--db PATH` (when given) selects the SQLite store at PATH.
bool load_store_config_or_report(const std::string& config_path, const std::string& db, NiftyConfig& out,
                                 int& exit_code);
// Parses an --interval value; prints the error and returns nullopt when it is not one.
std::optional<model::Interval> parse_interval_or_report(const std::string& text);
// Parses a comma-separated --symbols value (empty: none); prints the error and returns nullopt on a bad symbol.
std::optional<std::vector<model::Symbol>> parse_symbols_or_report(const std::string& text);
// Parses --from/--to days (YYYY-MM-DD, IST, both included) into [begin, end); an empty --from is
// the beginning of time and an empty --to the year 2100. Prints the error and returns false.
bool parse_days_or_report(const std::string& from, const std::string& to, core::Timestamp& begin,
                          core::Timestamp& end);
// Prints "nifty: <message>" on stderr.
void report_error(const std::string& message);

}  // namespace nifty::app
