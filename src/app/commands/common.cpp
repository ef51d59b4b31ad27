#include <cstdio>
#include <sstream>

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

bool load_store_config_or_report(const std::string& config_path, const std::string& db, NiftyConfig& out,
                                 int& exit_code) {
  if (!load_config_or_report(config_path, out, exit_code)) return false;
  if (!db.empty()) {
    out.store_backend = "sqlite";
    out.sqlite.path = db;
  }
  return true;
}

std::optional<model::Interval> parse_interval_or_report(const std::string& text) {
  auto interval = model::parse_interval(text);
  if (!interval) report_error("--interval must be 1m, 5m, 15m, 1h or 1d, not '" + text + "'");
  return interval;
}

std::optional<std::vector<model::Symbol>> parse_symbols_or_report(const std::string& text) {
  std::vector<model::Symbol> symbols;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item.empty()) continue;
    if (!model::Symbol::valid(item)) {
      report_error("--symbols: bad symbol '" + item + "'");
      return std::nullopt;
    }
    symbols.emplace_back(item);
  }
  return symbols;
}

bool parse_days_or_report(const std::string& from, const std::string& to, core::Timestamp& begin,
                          core::Timestamp& end) {
  begin = core::Timestamp::from_seconds(0);
  end = core::Timestamp::from_seconds(4'102'444'800);  // 2100-01-01
  std::optional<core::Date> first, last;
  if (!from.empty()) {
    auto d = core::Date::parse(from);
    if (!d) {
      report_error("--from: " + d.status().message());
      return false;
    }
    first = *d;
    begin = core::Timestamp::from_ist(*d, 0, 0);
  }
  if (!to.empty()) {
    auto d = core::Date::parse(to);
    if (!d) {
      report_error("--to: " + d.status().message());
      return false;
    }
    last = *d;
    end = core::Timestamp::from_ist(core::Date::from_days_since_epoch(d->days_since_epoch() + 1), 0, 0);
  }
  if (first && last && *last < *first) {
    report_error("--to is before --from");
    return false;
  }
  return true;
}

}  // namespace nifty::app
