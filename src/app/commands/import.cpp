// nifty import FILE...: loads historical candles (the replay formats) straight into the store,
// with a progress bar on a terminal and a summary: rows read, stored, rejected with the reason.
#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <cstdio>

#include "app/commands/commands.h"
#include "core/nse_calendar.h"
#include "feed/replay/replay_feed.h"
#include "store/candle_writer.h"

namespace nifty::app {
namespace {

void draw_progress(size_t files_done, size_t files_total, uint64_t rows, bool tty) {
  if (tty) {
    const int width = 30;
    int filled = files_total ? static_cast<int>(width * files_done / files_total) : width;
    std::fprintf(stderr, "\r[%.*s%.*s] %zu/%zu files  %llu rows", filled, "##############################",
                 width - filled, "                              ", files_done, files_total,
                 static_cast<unsigned long long>(rows));
  } else {
    std::fprintf(stderr, "import: %zu/%zu files, %llu rows\n", files_done, files_total,
                 static_cast<unsigned long long>(rows));
  }
  std::fflush(stderr);
}

}  // namespace

void add_import_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::vector<std::string> inputs;
    std::string db;
    std::string format;
    std::string config;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("import", "Load historical candles into the store");
  cmd->add_option("inputs", opts->inputs, "files or folders (1-minute NSE txt, 5-minute/daily CSV)")->required();
  cmd->add_option("--db", opts->db, "SQLite file (overrides store.sqlite.path)");
  cmd->add_option("--format", opts->format, "nse1min | csv (default: detected per file)");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
      std::optional<feed::Format> format;
      if (!opts->format.empty()) {
        format = feed::parse_format(opts->format);
        if (!format || *format == feed::Format::kTicks) {
          report_error("--format must be nse1min or csv, not '" + opts->format + "'");
          return kExitUsage;
        }
      }
      auto files = feed::list_replay_files(opts->inputs);
      if (!files) {
        report_error(files.status().message());
        return kExitFailure;
      }
      auto store = open_store(config, StoreUse::kWrite);
      if (!store) {
        report_error(store.status().message());
        return kExitFailure;
      }
      // main() blocked SIGINT/SIGTERM for the engine's watcher; an import is simply interrupted
      // (each batch is one transaction, so the database stays consistent).
      sigset_t interrupt;
      sigemptyset(&interrupt);
      sigaddset(&interrupt, SIGINT);
      sigaddset(&interrupt, SIGTERM);
      pthread_sigmask(SIG_UNBLOCK, &interrupt, nullptr);
      const bool tty = isatty(STDERR_FILENO);
      const core::NseCalendar& calendar = core::NseCalendar::builtin();
      store::CandleWriter writer(**store, config.writer);
      feed::ReplayReport report;
      uint64_t rows = 0, outside_session = 0, queued = 0;
      auto started = std::chrono::steady_clock::now();
      size_t done = 0;
      for (const auto& file : *files) {
        core::Status st = feed::for_each_candle({file}, format, [&](const model::Candle& c) {
          ++rows;
          // Daily candles are labelled by midnight; intraday ones must lie in a session.
          if (c.interval != model::Interval::k1d && !calendar.in_session(c.start)) {
            ++outside_session;
            return true;
          }
          writer.write(c);
          ++queued;
          return true;
        }, report);
        if (!st.is_ok()) {
          report_error(st.message());
          (void)writer.close();
          return kExitFailure;
        }
        ++done;
        draw_progress(done, files->size(), rows, tty);
      }
      if (tty) std::fputc('\n', stderr);
      core::Status st = writer.close();
      auto stats = writer.stats();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (const auto& e : report.line_errors.errors()) std::fprintf(stderr, "import: skipped %s\n", e.to_string().c_str());
      std::string summary = "{\"files\":" + std::to_string(files->size()) + ",\"rows_read\":" +
                            std::to_string(rows + report.line_errors.total()) +
                            ",\"stored\":" + std::to_string(stats.candles_written) + ",\"rejected\":{";
      for (size_t i = 0; i < feed::kLineErrorKindCount; ++i) {
        auto kind = static_cast<feed::LineErrorKind>(i);
        summary += "\"" + std::string(feed::line_error_kind_name(kind)) + "\":" + std::to_string(report.line_errors.count(kind)) + ",";
      }
      summary += "\"outside_session\":" + std::to_string(outside_session) + ",\"store_failed\":" +
                 std::to_string(stats.candles_failed) + "},\"seconds\":" + std::to_string(seconds) + "}\n";
      std::fwrite(summary.data(), 1, summary.size(), stdout);
      if (!st.is_ok()) {
        report_error(st.message());
        return kExitFailure;
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
