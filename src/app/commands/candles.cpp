// nifty candles [--config FILE] [--db PATH]: the candle service of the scale-out deployment. A
// member of consumer group services.candles.group on raw-ticks; engine::CandleService normalises
// the ticks of each assigned partition, builds 1-minute candles and rollups, upserts them into the
// configured store and produces them on market_candles. Every services.candles.commit_interval_ms
// the store writer and the producer are flushed, then each partition's safe offset is committed
// (engine/candle_service.h explains which, and which stored candles a restart publishes again:
// market_candles is at-least-once). Serves /metrics and /health on
// services.candles.http_port. Runs until SIGINT/SIGTERM (what is safe is committed; open candles
// are left for the next owner to rebuild). Exit 1 when the broker or the store cannot be reached,
// and when a candle could not be stored or published (after the writer's and librdkafka's own
// retries): nothing past it is committed, so the restarted service rebuilds it.
#include <chrono>
#include <map>
#include <optional>

#include "app/commands/backends.h"
#include "app/commands/commands.h"
#include "app/commands/signal_watch.h"
#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_consumer.h"
#include "core/log.h"
#include "core/metrics.h"
#include "engine/candle_service.h"
#include "engine/service_http.h"
#include "store/candle_writer.h"

namespace nifty::app {
namespace {

core::Logger& log() { return core::Logger::get("candles"); }

using Clock = std::chrono::steady_clock;

// Stores every candle (idempotent upsert) and publishes on market_candles all but the kRebuilt
// ones: kNew candles, and kRepublish candles (stored already, their publish not known to have been
// delivered before the crash or rebalance: market_candles is at-least-once).
class StoreAndPublish final : public engine::CandleServiceOutput {
 public:
  StoreAndPublish(store::CandleWriter& writer, bus::KafkaBus& bus) : writer_(writer), bus_(bus) {}
  void on_candle(const model::Candle& c, engine::CandleOrigin origin) override {
    writer_.write(c);
    if (origin != engine::CandleOrigin::kRebuilt) {
      core::Status st = bus_.publish(bus::Topic::kMarketCandles, c);
      if (!st.is_ok() && publish_error_.is_ok()) publish_error_ = st;
    }
  }
  // The first publish failure since the last call (then cleared).
  core::Status take_error() {
    core::Status st = publish_error_;
    publish_error_ = core::Status::ok();
    return st;
  }

 private:
  store::CandleWriter& writer_;
  bus::KafkaBus& bus_;
  core::Status publish_error_;
};

class CandlesService {
 public:
  CandlesService(const NiftyConfig& config, const core::NseCalendar& calendar, store::CandleStore& store,
                 store::CandleWriter& writer, bus::KafkaBus& bus)
      : config_(config),
        writer_(writer),
        bus_(bus),
        output_(writer, bus),
        service_(make_service_config(config), calendar, output_,
                 [&store](const model::Symbol& s, core::Timestamp from, core::Timestamp to) {
                   return store.range(s, model::Interval::k1m, from, to);
                 }),
        commits_(core::MetricsRegistry::global().counter("candles_service_commits_total",
                                                         "Offset commits of the candle service")),
        commit_errors_(core::MetricsRegistry::global().counter(
            "candles_service_commit_errors_total", "Failed flushes or commits of the candle service (retried)")),
        ticks_(core::MetricsRegistry::global().counter("candles_service_ticks_total",
                                                       "raw-ticks records handled by the candle service")),
        partitions_gauge_(core::MetricsRegistry::global().gauge("candles_service_partitions",
                                                                "raw-ticks partitions owned by this instance")) {}

  core::Status start() {
    bus::RebalanceListener listener;
    listener.on_assigned = [this](const std::vector<bus::TopicPartition>& tps) {
      std::vector<int32_t> ps;
      for (const auto& tp : tps) ps.push_back(tp.partition);
      service_.on_assigned(ps);
      for (int32_t p : ps) last_message_[p] = Clock::now();
      log().info("partitions assigned", {{"count", static_cast<int64_t>(ps.size())}});
      partitions_gauge_.set(static_cast<double>(service_.partitions().size()));
    };
    listener.on_revoked = [this](const std::vector<bus::TopicPartition>& tps) {
      std::vector<int32_t> ps;
      for (const auto& tp : tps) ps.push_back(tp.partition);
      core::Status st = commit(ps);
      if (!st.is_ok() && fatal_.is_ok()) fatal_ = st;
      service_.on_revoked(ps);
      for (int32_t p : ps) {
        last_committed_.erase(p);
        last_message_.erase(p);
      }
      log().info("partitions revoked", {{"count", static_cast<int64_t>(ps.size())}});
      partitions_gauge_.set(static_cast<double>(service_.partitions().size()));
    };
    auto consumer = bus::KafkaConsumer::create(config_.kafka, config_.candles_group, {bus::Topic::kRawTicks},
                                               std::move(listener));
    if (!consumer) return consumer.status();
    consumer_ = std::move(consumer).value();
    return core::Status::ok();
  }

  core::Status run(std::stop_token stop) {
    std::vector<bus::ConsumedMessage> batch;
    batch.reserve(1);
    const bool wall = config_.candles_time_source == "wall";
    const auto commit_every = std::chrono::milliseconds(config_.candles_commit_interval_ms);
    const auto idle_close = std::chrono::milliseconds(config_.candles_idle_close_ms);
    auto next_commit = Clock::now() + commit_every;
    while (!stop.stop_requested()) {
      // One record per poll, handled at once: a rebalance runs its callbacks inside poll(), and a
      // record fetched before it must not reach the state rebuilt after it.
      size_t handled = 0;
      for (; handled < 4096; ++handled) {
        batch.clear();
        core::Status st = consumer_->poll(batch, 1, std::chrono::milliseconds(handled == 0 ? 100 : 0));
        if (!st.is_ok()) {
          if (st.code() == core::ErrorCode::kCancelled) return commit_and_close();
          return st;
        }
        if (!fatal_.is_ok()) return fatal_;
        if (batch.empty()) break;
        const auto& m = batch.front();
        if (const auto* tick = std::get_if<model::Tick>(&m.message)) {
          service_.on_tick(m.tp.partition, m.offset, *tick);
          last_message_[m.tp.partition] = Clock::now();
        }
      }
      const auto now = Clock::now();
      ticks_.inc(static_cast<double>(handled));
      if (wall) service_.on_clock(core::Timestamp::now());
      if (!wall && config_.candles_idle_close_ms > 0) close_idle_partitions(now, idle_close);
      if (now >= next_commit) {
        // A candle that could not be stored or published is gone from memory: commit nothing
        // more and stop, so that a restart rebuilds it from the last safe commit.
        if (core::Status cs = commit(service_.partitions()); !cs.is_ok()) return cs;
        next_commit = now + commit_every;
      }
    }
    return commit_and_close();
  }

  core::Status commit_and_close() {
    core::Status st = commit(service_.partitions());
    consumer_->close();
    return st;
  }

  engine::ServiceHealth health() const {
    engine::ServiceHealth h;
    h.ok = healthy_.load();
    h.detail_json = "{\"partitions\":" + std::to_string(static_cast<int64_t>(partitions_gauge_.value())) +
                    ",\"rejected\":" + std::to_string(consumer_ ? consumer_->rejected() : 0) + "}";
    return h;
  }

 private:
  static engine::CandleServiceConfig make_service_config(const NiftyConfig& config) {
    engine::CandleServiceConfig c;
    c.candles = config.pipeline.candles;
    c.rollups = config.pipeline.rollups;
    c.feed_name = "kafka";
    return c;
  }

  // A partition with open candles, quiet for `idle` and read to its end offset: its stream has
  // ended (a finished replay), so its open candles close as they stand.
  void close_idle_partitions(Clock::time_point now, std::chrono::milliseconds idle) {
    for (auto& [p, last] : last_message_) {
      if (now - last < idle || !service_.has_open(p)) continue;
      last = now;  // ask the broker at most once per idle period
      auto end = consumer_->end_offset({bus::Topic::kRawTicks, p}, std::chrono::milliseconds(2000));
      if (end && *end <= service_.next_offset(p)) {
        service_.close_partition(p);
        log().info("closed the open candles of an idle partition", {{"partition", p}});
      }
    }
  }

  // Makes every candle handed out durable, then commits the safe offsets of `partitions`.
  core::Status commit(const std::vector<int32_t>& partitions) {
    core::Status st = writer_.flush();
    if (st.is_ok()) st = output_.take_error();
    if (st.is_ok()) st = bus_.flush(std::chrono::milliseconds(config_.kafka.message_timeout_ms));
    std::vector<bus::PartitionOffset> offsets;
    if (st.is_ok()) {
      for (int32_t p : partitions) {
        int64_t off = service_.commit_offset(p);
        if (off < 0) continue;
        auto it = last_committed_.find(p);
        if (it != last_committed_.end() && it->second == off) continue;
        offsets.push_back({{bus::Topic::kRawTicks, p}, off});
      }
      if (!offsets.empty()) st = consumer_->commit(offsets);
    }
    if (!st.is_ok()) {
      // Nothing is committed: a restart re-reads more, never less.
      commit_errors_.inc();
      healthy_ = false;
      log().error("cannot make candles durable; nothing more is committed", {{"error", st.to_string()}});
      return st;
    }
    healthy_ = true;
    for (const auto& po : offsets) last_committed_[po.tp.partition] = po.offset;
    if (!offsets.empty()) commits_.inc();
    return st;
  }

  const NiftyConfig& config_;
  store::CandleWriter& writer_;
  bus::KafkaBus& bus_;
  StoreAndPublish output_;
  engine::CandleService service_;
  std::unique_ptr<bus::KafkaConsumer> consumer_;
  std::map<int32_t, int64_t> last_committed_;
  std::map<int32_t, Clock::time_point> last_message_;
  std::atomic<bool> healthy_{true};
  core::Status fatal_;  // a commit failure inside a rebalance callback
  core::Counter& commits_;
  core::Counter& commit_errors_;
  core::Counter& ticks_;
  core::Gauge& partitions_gauge_;
};

}  // namespace

void add_candles_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    std::string db;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("candles", "Service: Kafka raw-ticks -> candles -> store and market_candles");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->add_option("--db", opts->db, "SQLite file to store candles in (default: the configured store)");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
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
      auto store = open_store(config, StoreUse::kWrite);
      if (!store) {
        report_error(store.status().message());
        return exit_code_for(store.status());
      }
      auto bus = bus::KafkaBus::create(config.kafka);
      if (!bus) {
        report_error("kafka at " + config.kafka.brokers + ": " + bus.status().message());
        return exit_code_for(bus.status());
      }
      store::CandleWriter writer(**store, config.writer);
      CandlesService service(config, *calendar, **store, writer, **bus);
      if (core::Status st = service.start(); !st.is_ok()) {
        report_error("kafka at " + config.kafka.brokers + ": " + st.message());
        return exit_code_for(st);
      }
      engine::ServiceHttp http("candles", [&service] { return service.health(); });
      if (config.candles_http_port > 0) {
        core::Status st = http.start(config.services_bind_address, static_cast<uint16_t>(config.candles_http_port));
        if (!st.is_ok()) {
          report_error(st.message());
          return kExitFailure;
        }
      }
      core::Status status;
      {
        SignalWatch signals;
        status = service.run(signals.token());
      }
      http.stop();
      (*bus)->close();
      core::Status writer_status = writer.close();
      if (status.is_ok()) status = writer_status;
      if (!status.is_ok()) {
        report_error(status.message());
        return kExitFailure;
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
