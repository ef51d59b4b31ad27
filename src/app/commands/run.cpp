// nifty run: the embedded deployment. Default: replay of the bundled real trading day at 60x into
// the SQLite store, with a live table on a terminal (JSON logs with --headless or without a tty).
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "app/commands/commands.h"
#include "app/commands/engine_host.h"
#include "app/commands/gateway_host.h"
#include "app/commands/live_table.h"

namespace nifty::app {
namespace {

// Rows of the table that fit the terminal (header lines and a spare line excluded).
int table_rows() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4) return ws.ws_row - 4;
  return 50;
}

}  // namespace

void add_run_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    bool headless = false;
    std::string feed;
    std::string speed;
    std::string db;
    std::vector<std::string> inputs;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("run", "Run the whole pipeline in one process (embedded default)");
  cmd->add_option("--config,-c", opts->config, "TOML config file (default: built-in defaults)");
  cmd->add_flag("--headless", opts->headless, "JSON log lines instead of the live table");
  cmd->add_option("--feed", opts->feed, "replay | sim | live (overrides feed.kind)");
  cmd->add_option("--speed", opts->speed, "max | 1x | Nx (overrides the feed's speed)");
  cmd->add_option("--db", opts->db, "SQLite file (overrides store.sqlite.path)");
  cmd->add_option("--input", opts->inputs, "replay input file or folder (overrides feed.replay.inputs)");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (!opts->feed.empty()) {
        if (opts->feed != "replay" && opts->feed != "sim" && opts->feed != "live") {
          report_error("--feed must be replay, sim or live, not '" + opts->feed + "'");
          return kExitUsage;
        }
        config.feed_kind = opts->feed;
      }
      if (!opts->speed.empty()) {
        auto speed = parse_speed(opts->speed);
        if (!speed) {
          report_error(speed.status().message());
          return kExitUsage;
        }
        config.replay.speed = *speed;
        config.sim.speed = *speed;
      }
      if (!opts->db.empty()) config.sqlite.path = opts->db;
      if (!opts->inputs.empty()) config.replay.inputs = opts->inputs;

      auto host = EngineHost::create(config);
      if (!host) {
        report_error(host.status().message());
        return exit_code_for(host.status());
      }
      if (config.feed_kind != "replay") (*host)->warm_up(config.warm_up_candles);
      // The API beside the pipeline (gateway.enabled). Declared after the host: stopped first.
      std::unique_ptr<GatewayHost> api;
      if (config.gateway_enabled) {
        EngineHost& h = **host;
        std::vector<gateway::HealthCheck> health = {
            {"store",
             [&h] {
               auto now = core::Timestamp::now();
               auto r = h.signal_store().range(now, now);
               return r.is_ok() ? core::Status::ok() : r.status();
             }},
            {"cache",
             [&h] {
               auto r = h.cache().market_view();
               return r.is_ok() ? core::Status::ok() : r.status();
             }},
            {"bus", [] { return core::Status::ok(); }},
            {"feeds", [&h] {
               return h.pipeline().stats().ticks_received > 0
                          ? core::Status::ok()
                          : core::error(core::ErrorCode::kUnavailable, "no tick received yet");
             }}};
        auto started_api = GatewayHost::start(config, h.cache(), &h.store(), &h.signal_store(), &h.bus(),
                                              std::move(health));
        if (started_api) {
          api = std::move(started_api).value();
        } else {
          // The pipeline still runs (and stores everything); only the API is missing.
          report_error("gateway not started: " + started_api.status().message());
        }
      }

      const bool table = !opts->headless && isatty(STDOUT_FILENO);
      if (table) core::Logger::set_level(core::LogLevel::kError);  // logs would tear the table
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      auto started = std::chrono::steady_clock::now();
      std::thread ui([&] {
        std::unique_lock lock(mu);
        int tick = 0;
        while (!done) {
          double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          auto stats = (*host)->pipeline().stats();
          if (table) {
            std::string screen = render_live_table((*host)->cache(), stats, (*host)->feed().name(), elapsed, true, table_rows());
            std::fwrite(screen.data(), 1, screen.size(), stdout);
            std::fflush(stdout);
          } else if (tick % 10 == 0) {
            core::Logger::get("app").info("progress", {{"ticks", stats.ticks_received},
                                                       {"rejected", stats.rejected_total},
                                                       {"candles_1m", stats.candles[0]},
                                                       {"scorecards", stats.scorecards},
                                                       {"signals", stats.signals}});
          }
          ++tick;
          cv.wait_for(lock, std::chrono::seconds(1), [&] { return done; });
        }
      });
      core::Status status = (*host)->run();
      {
        std::lock_guard lock(mu);
        done = true;
      }
      cv.notify_all();
      ui.join();
      auto stats = (*host)->pipeline().stats();
      if (table) {
        double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::string screen = render_live_table((*host)->cache(), stats, (*host)->feed().name(), elapsed, true, table_rows());
        std::fwrite(screen.data(), 1, screen.size(), stdout);
      }
      if (!status.is_ok()) {
        report_error(status.message());
        return kExitFailure;
      }
      std::fprintf(stderr, "nifty: stopped: %llu ticks, %llu one-minute candles, %llu signals; stored in %s\n",
                   static_cast<unsigned long long>(stats.ticks_received),
                   static_cast<unsigned long long>(stats.candles[0]), static_cast<unsigned long long>(stats.signals),
                   config.store_backend == "sqlite" ? config.sqlite.path.c_str() : "memory");
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
