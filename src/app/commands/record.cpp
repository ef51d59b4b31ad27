// nifty record --feed NAME --out FILE [--duration SECONDS]: connects to one broker exactly as the
// live feed does (token store, supervision, reconnects) and saves every frame it receives, with its
// receive time, in the recording format (feed/recording/README.md). `nifty replay FILE` plays it
// back through the same decoder. Ends on SIGINT/SIGTERM or after --duration; prints one JSON line.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "app/commands/commands.h"
#include "app/commands/signal_watch.h"
#include "feed/recording/frame_recorder.h"
#include "feed/recording/recording_tap.h"
#include "feed/supervisor/live_feed.h"
#include "feed/supervisor/net_ws_connector.h"

namespace nifty::app {
namespace {

// Counts what the feed delivers; nothing else is done with the ticks while recording.
class CountingSink final : public feed::FeedSink {
 public:
  bool on_ticks(std::span<const model::Tick> ticks) override {
    ticks_ += ticks.size();
    return true;
  }
  bool on_clock(core::Timestamp) override { return true; }
  uint64_t ticks() const { return ticks_; }

 private:
  std::atomic<uint64_t> ticks_{0};
};

}  // namespace

void add_record_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    std::string feed;
    std::string out;
    double duration = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("record", "Record a broker's raw frames to a file for exact replay");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->add_option("--feed", opts->feed, "kite | flattrade | mstock")
      ->required()
      ->check(CLI::IsMember({"kite", "flattrade", "mstock"}));
  cmd->add_option("--out", opts->out, "the recording file to create (never overwritten)")->required();
  cmd->add_option("--duration", opts->duration, "stop after this many seconds (default: until SIGINT)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      auto universe = model::Universe::load_csv(config.universe_file);
      if (!universe) {
        report_error(universe.status().message());
        return kExitUsage;
      }
      auto tokens = open_token_store(config);
      auto session = make_broker_session(config, opts->feed, universe.value(), tokens);
      if (!session) {
        report_error(session.status().message());
        return exit_code_for(session.status());
      }
      auto recorder = feed::recording::FrameRecorder::create(opts->out, opts->feed, {});
      if (!recorder) {
        report_error(recorder.status().message());
        return kExitFailure;
      }
      feed::recording::RecordingTap tap(*session.value(), *recorder.value());
      feed::NetWsConnector connector(config.connector);
      core::WallClock clock;
      feed::LiveFeed live({&tap}, connector, universe.value().instruments(), config.live, clock,
                          core::NseCalendar::builtin());
      CountingSink sink;
      core::Status status;
      {
        SignalWatch signals;
        std::mutex mu;
        std::condition_variable_any cv;
        std::jthread timer([&](std::stop_token timer_stop) {
          if (opts->duration <= 0) return;
          std::unique_lock lock(mu);
          auto limit = std::chrono::duration<double>(opts->duration);
          if (!cv.wait_for(lock, timer_stop, limit, [] { return false; })) signals.request_stop();
        });
        status = live.run(sink, signals.token());
      }
      core::Status closed = recorder.value()->close();
      std::printf("{\"feed\":\"%s\",\"out\":\"%s\",\"frames\":%llu,\"ticks\":%llu}\n", opts->feed.c_str(),
                  opts->out.c_str(), static_cast<unsigned long long>(tap.frames_recorded()),
                  static_cast<unsigned long long>(sink.ticks()));
      for (const core::Status& s : {status, tap.error(), closed}) {
        if (!s.is_ok()) {
          report_error(s.message());
          return kExitFailure;
        }
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
