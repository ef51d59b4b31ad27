#include <cstdio>

#include "app/commands/commands.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_signal_store.h"
#include "store/sqlite/sqlite_candle_store.h"
#include "store/sqlite/sqlite_signal_store.h"

namespace nifty::app {

void report_error(const std::string& message) { std::fprintf(stderr, "nifty: %s\n", message.c_str()); }

bool load_config_or_report(const std::string& path, NiftyConfig& out, int& exit_code) {
  auto config = load_config(path);
  if (!config) {
    report_error(config.status().message());
    exit_code = kExitUsage;
    return false;
  }
  out = std::move(config).value();
  core::LogLevel level = core::LogLevel::kInfo;
  core::parse_log_level(out.log_level, level);
  core::Logger::set_level(level);
  if (!out.log_file.empty() && !core::Logger::set_file(out.log_file)) {
    report_error("cannot write log file " + out.log_file);
    exit_code = kExitFailure;
    return false;
  }
  for (auto& input : out.replay.inputs) input = resolve_data_path(input);
  out.universe_file = resolve_data_path(out.universe_file);
  return true;
}

core::Result<std::unique_ptr<store::CandleStore>> open_store(const NiftyConfig& config) {
  if (config.store_backend == "memory") {
    return std::unique_ptr<store::CandleStore>(std::make_unique<store::MemoryCandleStore>());
  }
  auto sqlite = store::SqliteCandleStore::open(config.sqlite);
  if (!sqlite) return sqlite.status();
  return std::unique_ptr<store::CandleStore>(std::move(sqlite).value());
}

core::Result<std::unique_ptr<store::SignalStore>> open_signal_store(const NiftyConfig& config) {
  if (config.store_backend == "memory") {
    return std::unique_ptr<store::SignalStore>(std::make_unique<store::MemorySignalStore>());
  }
  auto sqlite = store::SqliteSignalStore::open(config.sqlite);
  if (!sqlite) return sqlite.status();
  return std::unique_ptr<store::SignalStore>(std::move(sqlite).value());
}

}  // namespace nifty::app
