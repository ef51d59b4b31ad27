// nifty analyze-service [--config FILE]: the analysis service of the scale-out deployment (the
// batch `nifty analyze` over stored candles already has that name). A member of consumer group
// services.analyze.group on market_candles: each candle of the analysed interval
// (analysis.scorecards interval) -> ScorecardBuilder -> analysis_updates -> SignalRules -> signals,
// and a MarketView on market_view once per candle minute. Idempotent on (symbol, candle start): a
// candle not later than the symbol's last analysed one (a re-delivery after a rebalance or a
// restart of the candle service) is skipped and counted. Offsets are committed after each handled
// batch once the producer has delivered its results (at-least-once; the skip makes it effectively
// once per process lifetime). HTTP on services.analyze.http_port: GET /analyze?symbol=X (the
// latest scorecard), GET /analyze/market (the market view), GET /health, GET /metrics.
// Indicator state lives in the process: a restarted instance warms up from nothing (or from the
// store, analysis warm-up, when one is configured) — see the report of issue 6.
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "analysis/market_view_builder.h"
#include "analysis/scorecard_builder.h"
#include "app/commands/commands.h"
#include "app/commands/signal_watch.h"
#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_consumer.h"
#include "core/log.h"
#include "core/metrics.h"
#include "engine/service_http.h"
#include "model/json_codec.h"
#include "predict/heuristic_engine.h"
#include "signals/signal_rules.h"

namespace nifty::app {
namespace {

core::Logger& log() { return core::Logger::get("analyze"); }

class AnalyzeService {
 public:
  AnalyzeService(const NiftyConfig& config, bus::KafkaBus& bus)
      : config_(config),
        bus_(bus),
        scorecards_(engine_, config.pipeline.scorecards),
        signal_rules_(config.pipeline.signals),
        market_view_(config.pipeline.market_view),
        cards_(core::MetricsRegistry::global().counter("analyze_service_scorecards_total",
                                                       "Scorecards produced by the analysis service")),
        duplicates_(core::MetricsRegistry::global().counter(
            "analyze_service_duplicates_total", "Candles skipped as already analysed (symbol, candle time)")),
        errors_(core::MetricsRegistry::global().counter("analyze_service_errors_total",
                                                        "Candles the scorecard builder rejected")),
        analysis_seconds_(core::MetricsRegistry::global().histogram(
            "analysis_duration_seconds", "Time to compute one stock's scorecard on a candle close",
            {1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.5, 1, 2, 5})) {}

  core::Status start() {
    auto consumer = bus::KafkaConsumer::create(config_.kafka, config_.analyze_group, {bus::Topic::kMarketCandles});
    if (!consumer) return consumer.status();
    consumer_ = std::move(consumer).value();
    return core::Status::ok();
  }

  core::Status run(std::stop_token stop) {
    std::vector<bus::ConsumedMessage> batch;
    while (!stop.stop_requested()) {
      batch.clear();
      core::Status st = consumer_->poll(batch, 1024, std::chrono::milliseconds(100));
      if (!st.is_ok()) {
        if (st.code() == core::ErrorCode::kCancelled) break;
        return st;
      }
      if (batch.empty()) continue;
      for (const auto& m : batch) {
        if (const auto* c = std::get_if<model::Candle>(&m.message)) on_candle(*c);
      }
      st = bus_.flush(std::chrono::milliseconds(config_.kafka.message_timeout_ms));
      if (st.is_ok()) st = consumer_->commit_all();
      if (!st.is_ok()) log().warn("commit skipped", {{"error", st.to_string()}});
    }
    publish_market_view();
    (void)bus_.flush(std::chrono::milliseconds(config_.kafka.drain_timeout_ms));
    (void)consumer_->commit_all();
    consumer_->close();
    return core::Status::ok();
  }

  net::HttpServerResponse scorecard(const net::HttpServerRequest& request) {
    auto symbol = request.query_param("symbol");
    if (!symbol || symbol->empty()) {
      return net::HttpServerResponse::error(400, "bad_request", "query parameter 'symbol' is required");
    }
    std::lock_guard lock(mu_);
    auto it = latest_json_.find(std::string(*symbol));
    if (it == latest_json_.end()) {
      return net::HttpServerResponse::error(404, "not_found", "no scorecard for symbol '" + std::string(*symbol) + "'");
    }
    return net::HttpServerResponse::json(200, it->second);
  }

  net::HttpServerResponse market(const net::HttpServerRequest&) {
    std::lock_guard lock(mu_);
    if (market_json_.empty()) return net::HttpServerResponse::error(404, "not_found", "no market view yet");
    return net::HttpServerResponse::json(200, market_json_);
  }

 private:
  void on_candle(const model::Candle& candle) {
    if (candle.interval != config_.pipeline.scorecards.interval) return;
    auto [it, fresh] = last_start_.try_emplace(candle.symbol, candle.start.nanos());
    if (!fresh) {
      if (candle.start.nanos() <= it->second) {
        duplicates_.inc();
        return;
      }
      it->second = candle.start.nanos();
    }
    // A new minute: the previous one's scorecards are complete.
    if (candle.start.nanos() > view_minute_) {
      publish_market_view();
      view_minute_ = candle.start.nanos();
    }
    auto card = scorecards_.on_candle(candle);
    if (!card) {
      errors_.inc();
      return;
    }
    cards_.inc();
    analysis_seconds_.observe(static_cast<double>(card->latency_ns) / 1e9);
    (void)bus_.publish(bus::Topic::kAnalysisUpdates, *card);
    view_dirty_ |= market_view_.on_scorecard(*card);
    {
      std::lock_guard lock(mu_);
      latest_json_[card->symbol.str()] = model::encode_scorecard(*card);
    }
    if (auto signal = signal_rules_.on_scorecard(*card)) (void)bus_.publish(bus::Topic::kSignals, *signal);
  }

  void publish_market_view() {
    if (!view_dirty_) return;
    view_dirty_ = false;
    model::MarketView view = market_view_.view();
    (void)bus_.publish(bus::Topic::kMarketView, view);
    std::lock_guard lock(mu_);
    market_json_ = model::encode_market_view(view);
  }

  const NiftyConfig& config_;
  bus::KafkaBus& bus_;
  predict::HeuristicEngine engine_;
  analysis::ScorecardBuilder scorecards_;
  signals::SignalRules signal_rules_;
  analysis::MarketViewBuilder market_view_;
  std::unique_ptr<bus::KafkaConsumer> consumer_;
  std::unordered_map<model::Symbol, int64_t> last_start_;
  int64_t view_minute_ = 0;
  bool view_dirty_ = false;
  std::mutex mu_;  // guards the JSON served over HTTP
  std::unordered_map<std::string, std::string> latest_json_;
  std::string market_json_;
  core::Counter& cards_;
  core::Counter& duplicates_;
  core::Counter& errors_;
  core::Histogram& analysis_seconds_;
};

}  // namespace

void add_analyze_service_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "analyze-service", "Service: Kafka market_candles -> scorecards, market view, signals; HTTP /analyze");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_config_or_report(opts->config, config, code)) return code;
      auto bus = bus::KafkaBus::create(config.kafka);
      if (!bus) {
        report_error("kafka at " + config.kafka.brokers + ": " + bus.status().message());
        return exit_code_for(bus.status());
      }
      AnalyzeService service(config, **bus);
      if (core::Status st = service.start(); !st.is_ok()) {
        report_error("kafka at " + config.kafka.brokers + ": " + st.message());
        return exit_code_for(st);
      }
      engine::ServiceHttp http(
          "analyze", [] { return engine::ServiceHealth{}; },
          {{"/analyze", [&service](const net::HttpServerRequest& r) { return service.scorecard(r); }},
           {"/analyze/market", [&service](const net::HttpServerRequest& r) { return service.market(r); }}});
      if (config.analyze_http_port > 0) {
        core::Status st = http.start(config.services_bind_address, static_cast<uint16_t>(config.analyze_http_port));
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
      if (!status.is_ok()) {
        report_error(status.message());
        return kExitFailure;
      }
      return kExitOk;
    };
  });
}

}  // namespace nifty::app
