// nifty: real-time market data, analysis and signals for the Nifty 50.
#include <csignal>
#include <pthread.h>

#include <CLI/CLI.hpp>

#include "app/commands/commands.h"
#include "app/commands/gateway_host.h"

int main(int argc, char** argv) {
  // SIGINT/SIGTERM (and SIGUSR1, used internally) are blocked before any thread starts, so every
  // thread inherits the mask and a command takes them with sigwait on a thread of its own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  CLI::App app{"nifty: real-time market data, analysis and signals for the Nifty 50", "nifty"};
  app.require_subcommand(1);
  nifty::app::CommandAction action;
  nifty::app::add_run_command(app, action);
  nifty::app::add_replay_command(app, action);
  nifty::app::add_import_command(app, action);
  nifty::app::add_analyze_command(app, action);
  nifty::app::add_indicators_command(app, action);
  nifty::app::add_backtest_command(app, action);
  nifty::app::add_config_command(app, action);
  nifty::app::add_migrate_command(app, action);
  nifty::app::add_login_command(app, action);
  nifty::app::add_record_command(app, action);
  nifty::app::add_ingest_command(app, action);
  nifty::app::add_candles_command(app, action);
  nifty::app::add_analyze_service_command(app, action);
  nifty::app::add_gateway_command(app, action);
  nifty::app::add_keys_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? nifty::app::kExitOk : nifty::app::kExitUsage;
  }
  return action ? action() : nifty::app::kExitUsage;
}
