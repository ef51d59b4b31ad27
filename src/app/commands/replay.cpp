// nifty replay INPUT... [--db PATH]: runs the engine over recorded data as fast as asked and ends
// with one JSON summary line on stdout. INPUT is candle or tick files, or one recording of a live
// session (`nifty record`), played through the same frame decoder the live feed used. Without
// --db the configured store (and cache) are used, e.g. PostgreSQL and Redis.
#include <chrono>
#include <cstdio>
#include <mutex>

#include "app/commands/commands.h"
#include "app/commands/engine_host.h"
#include "feed/recording/recording_feed.h"
#include "feed/replay/replay_feed.h"
#include "model/json_codec.h"

namespace nifty::app {

void add_replay_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::vector<std::string> inputs;
    std::string db;
    std::string speed = "max";
    std::string format;
    std::string print;
    std::string config;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("replay", "Replay recorded candles or ticks through the engine");
  cmd->add_option("inputs", opts->inputs,
                  "files or folders (1-minute NSE txt, 5-minute/daily CSV, tick CSV), or one recording")
      ->required();
  cmd->add_option("--db", opts->db, "SQLite file to store candles in (default: the configured store)");
  cmd->add_option("--speed", opts->speed, "max | 1x | Nx (default max)");
  cmd->add_option("--format", opts->format, "nse1min | csv | ticks (default: detected per file)");
  cmd->add_option("--print", opts->print, "also write ticks or candles as JSON lines on stdout")
      ->check(CLI::IsMember({"ticks", "candles"}));
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      config.feed_kind = "replay";
      config.replay.inputs = opts->inputs;
      if (!opts->db.empty()) {
        config.store_backend = "sqlite";
        config.sqlite.path = opts->db;
      }
      auto speed = parse_speed(opts->speed);
      if (!speed) {
        report_error(speed.status().message());
        return kExitUsage;
      }
      config.replay.speed = *speed;
      if (!opts->format.empty()) {
        auto format = feed::parse_format(opts->format);
        if (!format) {
          report_error("--format must be nse1min, csv or ticks, not '" + opts->format + "'");
          return kExitUsage;
        }
        config.replay.format = *format;
      }
      auto host = EngineHost::create(config);
      if (!host) {
        report_error(host.status().message());
        return exit_code_for(host.status());
      }
      // --print: JSON lines written by a queued subscriber, so stdout never slows the engine thread.
      if (!opts->print.empty()) {
        bus::Topic topic = opts->print == "ticks" ? bus::Topic::kRawTicks : bus::Topic::kMarketCandles;
        (void)(*host)->bus().subscribe(topic, "print", [](const bus::Message& m) {
          std::string line = std::holds_alternative<model::Tick>(m) ? model::encode_tick(std::get<model::Tick>(m))
                                                                    : model::encode_candle(std::get<model::Candle>(m));
          line += '\n';
          std::fwrite(line.data(), 1, line.size(), stdout);
        }, bus::SubscribeOptions{.queued = true, .queue_capacity = 1 << 16});
      }
      auto started = std::chrono::steady_clock::now();
      core::Status status = (*host)->run();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      auto stats = (*host)->pipeline().stats();
      static const feed::ReplayReport kNoReplay;
      auto* replay = dynamic_cast<feed::ReplayFeed*>(&(*host)->feed());
      const feed::ReplayReport& report = replay != nullptr ? replay->report() : kNoReplay;
      for (const auto& e : report.line_errors.errors()) {
        core::Logger::get("replay").warn("skipped a bad line", {{"error", e.to_string()}});
      }
      std::string summary = "{\"ticks\":" + std::to_string(stats.ticks_received) +
                            ",\"candles\":" + std::to_string(stats.candles[0]) + ",\"rejected\":{";
      for (size_t i = 0; i < feed::kRejectReasonCount; ++i) {
        summary += (i ? ",\"" : "\"") +
                   std::string(feed::reject_reason_name(static_cast<feed::RejectReason>(i))) + "\":" +
                   std::to_string(stats.rejected[i]);
      }
      summary += "},\"seconds\":" + std::to_string(seconds) + ",\"ticks_per_second\":" +
                 std::to_string(seconds > 0 ? static_cast<uint64_t>(stats.ticks_received / seconds) : 0) +
                 ",\"candles_by_interval\":{";
      for (size_t i = 0; i < std::size(model::kAllIntervals); ++i) {
        summary += (i ? ",\"" : "\"") + std::string(model::interval_name(model::kAllIntervals[i])) + "\":" +
                   std::to_string(stats.candles[i]);
      }
      summary += "},\"late_ticks\":" + std::to_string(stats.late_ticks) + ",\"gap_minutes\":" +
                 std::to_string(stats.gap_minutes) + ",\"files\":" + std::to_string(report.files_read) +
                 ",\"source_candles\":" + std::to_string(report.candles_read) + ",\"bad_lines\":{";
      for (size_t i = 0; i < feed::kLineErrorKindCount; ++i) {
        summary += (i ? ",\"" : "\"") + std::string(feed::line_error_kind_name(static_cast<feed::LineErrorKind>(i))) +
                   "\":" + std::to_string(report.line_errors.count(static_cast<feed::LineErrorKind>(i)));
      }
      summary += "},\"scorecards\":" + std::to_string(stats.scorecards) + ",\"signals\":" +
                 std::to_string(stats.signals);
      if (auto* rec = dynamic_cast<feed::recording::RecordingFeed*>(&(*host)->feed())) {
        const auto& r = rec->report();
        summary += ",\"recording\":{\"vendor\":\"" + r.vendor + "\",\"frames\":" + std::to_string(r.frames) +
                   ",\"frames_rejected\":" + std::to_string(r.frames_rejected) +
                   ",\"packets_rejected\":" + std::to_string(r.packets_rejected) +
                   ",\"connections\":" + std::to_string(r.connections) +
                   ",\"torn_tail\":" + (r.torn_tail ? "true" : "false") + "}";
      }
      summary += "}\n";
      std::fflush(stdout);
      std::fwrite(summary.data(), 1, summary.size(), stdout);
      if (!status.is_ok()) {
        report_error(status.message());
        return kExitFailure;
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
