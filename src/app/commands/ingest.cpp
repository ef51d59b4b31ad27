// nifty ingest [INPUT...] [--config FILE] [--feed replay|sim|live] [--speed S]: the ingestion
// service of the scale-out deployment. Runs the configured feed and produces every tick, as
// received (the consumer's TickNormalizer validates it and sets volume_delta), on raw-ticks keyed by
// symbol. Serves /metrics and /health on services.ingest.http_port. A replay ends when its input
// does: the producer is flushed and one JSON summary line is printed; other feeds run until
// SIGINT/SIGTERM. Exit 1 when the broker cannot be reached within kafka.connect_timeout_ms, or
// when messages could not be delivered.
#include <atomic>
#include <cstdio>

#include "app/commands/backends.h"
#include "app/commands/commands.h"
#include "app/commands/signal_watch.h"
#include "bus/kafka/kafka_bus.h"
#include "core/metrics.h"
#include "engine/service_http.h"
#include "feed/replay/replay_feed.h"
#include "feed/sim/sim_feed.h"

namespace nifty::app {
namespace {

// Produces each tick on raw-ticks; a refused publish stops the feed (reported at the end).
class KafkaTickSink final : public feed::FeedSink {
 public:
  explicit KafkaTickSink(bus::KafkaBus& bus)
      : bus_(bus),
        published_(core::MetricsRegistry::global().counter("ingest_ticks_published_total",
                                                           "Ticks produced on raw-ticks by nifty ingest")) {}
  bool on_ticks(std::span<const model::Tick> ticks) override {
    for (const model::Tick& t : ticks) {
      core::Status st = bus_.publish(bus::Topic::kRawTicks, t);
      if (!st.is_ok()) {
        error_ = st;
        return false;
      }
      ++count_;
      published_.inc();
    }
    return true;
  }
  bool on_clock(core::Timestamp) override { return true; }
  uint64_t count() const { return count_.load(); }
  const core::Status& error() const { return error_; }

 private:
  bus::KafkaBus& bus_;
  core::Counter& published_;
  std::atomic<uint64_t> count_{0};
  core::Status error_;
};

}  // namespace

void add_ingest_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::vector<std::string> inputs;
    std::string config;
    std::string feed;
    std::string speed;
    std::string format;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("ingest", "Service: the configured feed -> Kafka raw-ticks (keyed by symbol)");
  cmd->add_option("inputs", opts->inputs, "replay inputs (override feed.replay.inputs; implies --feed replay)");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->add_option("--feed", opts->feed, "replay | sim | live (overrides feed.kind)")
      ->check(CLI::IsMember({"replay", "sim", "live"}));
  cmd->add_option("--speed", opts->speed, "max | 1x | Nx (overrides the feed's speed)");
  cmd->add_option("--format", opts->format, "nse1min | csv | ticks (default: detected per file)");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      if (!opts->inputs.empty()) {
        config.feed_kind = "replay";
        config.replay.inputs = opts->inputs;
      }
      if (!opts->feed.empty()) config.feed_kind = opts->feed;
      if (!opts->speed.empty()) {
        auto speed = parse_speed(opts->speed);
        if (!speed) {
          report_error(speed.status().message());
          return kExitUsage;
        }
        config.replay.speed = *speed;
        config.sim.speed = *speed;
      }
      if (!opts->format.empty()) {
        auto format = feed::parse_format(opts->format);
        if (!format) {
          report_error("--format must be nse1min, csv or ticks, not '" + opts->format + "'");
          return kExitUsage;
        }
        config.replay.format = *format;
      }
      const core::NseCalendar* calendar = &core::NseCalendar::builtin();
      std::optional<core::NseCalendar> own_calendar;
      if (!config.calendar_file.empty()) {
        auto cal = core::NseCalendar::load_file(config.calendar_file);
        if (!cal) {
          report_error(cal.status().message());
          return kExitUsage;
        }
        own_calendar = std::move(cal).value();
        calendar = &*own_calendar;
      }
      std::optional<model::Universe> universe;
      std::unique_ptr<feed::Feed> feed;
      if (config.feed_kind == "replay") {
        feed = std::make_unique<feed::ReplayFeed>(config.replay, *calendar);
      } else {
        auto u = model::Universe::load_csv(config.universe_file);
        if (!u) {
          report_error(u.status().message());
          return kExitUsage;
        }
        universe = std::move(u).value();
        if (config.feed_kind == "sim") {
          feed = std::make_unique<feed::SimFeed>(*universe, config.sim);
        } else {
          auto live = open_live_feed(config, *calendar, *universe);
          if (!live) {
            report_error(live.status().message());
            return exit_code_for(live.status());
          }
          feed = std::move(live).value();
        }
      }
      auto bus = bus::KafkaBus::create(config.kafka);
      if (!bus) {
        report_error("kafka at " + config.kafka.brokers + ": " + bus.status().message());
        return exit_code_for(bus.status());
      }
      KafkaTickSink sink(**bus);
      engine::ServiceHttp http("ingest", [&] {
        engine::ServiceHealth h;
        h.ok = (*bus)->delivery_failures() == 0;
        h.detail_json = "{\"ticks_published\":" + std::to_string(sink.count()) +
                        ",\"delivery_failures\":" + std::to_string((*bus)->delivery_failures()) + "}";
        return h;
      });
      if (config.ingest_http_port > 0) {
        core::Status st = http.start(config.services_bind_address, static_cast<uint16_t>(config.ingest_http_port));
        if (!st.is_ok()) {
          report_error(st.message());
          return kExitFailure;
        }
      }
      core::Status status;
      {
        SignalWatch signals;
        status = feed->run(sink, signals.token());
      }
      if (status.is_ok()) status = sink.error();
      core::Status flushed = (*bus)->flush(std::chrono::milliseconds(config.kafka.drain_timeout_ms));
      if (status.is_ok()) status = flushed;
      (*bus)->close();
      http.stop();
      std::string summary = "{\"ticks\":" + std::to_string(sink.count()) +
                            ",\"delivery_failures\":" + std::to_string((*bus)->delivery_failures()) + "}\n";
      std::fwrite(summary.data(), 1, summary.size(), stdout);
      std::fflush(stdout);
      if (!status.is_ok()) {
        report_error(status.message());
        return kExitFailure;
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
