// nifty analyze-service [--config FILE] [--db PATH]: the analysis service of the scale-out
// deployment (the batch `nifty analyze` over stored candles already has that name). A member of
// consumer group services.analyze.group on market_candles: each candle of the analysed interval
// (analysis.scorecards interval) -> ScorecardBuilder -> analysis_updates -> SignalRules -> signals,
// and a MarketView on market_view once per candle minute. HTTP on services.analyze.http_port:
// GET /analyze?symbol=X (the latest scorecard), GET /analyze/market, GET /health, GET /metrics.
// Offsets are committed after each handled batch, once the producer has delivered its results.
//
// Surviving a restart (or a rebalance). Indicator and signal state lives in the process, so a
// symbol's state is rebuilt from the store (open_store, the store the candle service writes; --db
// selects a SQLite file) the first time one of its candles arrives after the start, or after its
// partition came back from another instance: the stored candles of the analysed interval STRICTLY
// OLDER than that first candle — the last analysis.warm_up_candles of them, extended back to the
// start of the IST day of the newest one plus the candle before that day (so day volume, the day's
// open and the previous close are exact) — go through ScorecardBuilder::on_candle and SignalRules
// (outputs discarded, the last scorecard kept for HTTP and the market view), and the idempotence
// guard ("last analysed candle time") is set to the newest of them. The first candle is then
// analysed live, like every later one.
//
// Why warm up lazily, with the first candle as the bound, and not from everything stored at start:
// the candle service stores a candle before it commits the raw-ticks behind it, but publishes it on
// market_candles without waiting for the store, so the store may hold candles this service has not
// consumed yet. Warming up with those and skipping them when they arrive would give the same
// indicator state but would never publish their scorecards and signals (lost output). With the
// bound: the candles of a symbol reach its partition in time order (key = symbol), and this group
// commits an offset only after everything before it was analysed and delivered. So the first candle
// of a symbol read after a restart is its oldest candle not known to be analysed, everything
// stored before it was analysed by the previous owner (it lies below the committed offset), and the
// warm-up state equals the previous owner's state when it reached that candle — provided the
// warm-up reaches back as far as the previous owner's own history (the whole day in the tests;
// otherwise the EMAs differ by a factor (1 - 2/(period+1))^k after k candles, as for `nifty run`).
// Candles re-published by a restarted candle service (older than one already analysed) are skipped
// by the guard. The store lags market_candles by the candle writer's queue: before warming up, the
// service waits (bounded, kStoreCatchUp) until the first candle itself is stored; the writer is
// FIFO, so everything older is then stored too. A symbol with nothing stored at all is not waited
// for (a new symbol, or a store the candle service does not write: the symbol starts cold).
//
// Delivery: AT LEAST ONCE per (symbol, candle time). Each candle's scorecard (and signal, when the
// rules fire) is published by whichever instance reads it; it is published twice only when an
// instance analysed it and then died or lost the partition before its offset was committed (at most
// the candles of the last poll batch, kBatch), or when the producer retried a message on a
// broker without idempotence (the kafka-0.9 profile). Both copies are identical except
// latency_ms: the restarted instance rebuilt the same state, and analysis is deterministic (the
// heuristic engine is stateless). Consumers deduplicate analysis_updates on (symbol, timestamp) and
// signals on id. Exactly once would need the output and the offset committed atomically (Kafka
// transactions, broker >= 0.11), which the spec's deployment does not assume.
//
// Failures: a store that cannot be read during a warm-up stops the service (exit 1) before the
// batch is committed, so a restart retries it; it is never analysed cold.
// Threading: one service thread polls, analyses, publishes and commits; HTTP handlers read the
// latest JSON under a mutex.
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "analysis/market_view_builder.h"
#include "analysis/scorecard_builder.h"
#include "app/commands/backends.h"
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
#include "store/candle_store.h"

namespace nifty::app {
namespace {

core::Logger& log() { return core::Logger::get("analyze"); }

// Most candles taken from the consumer (and committed) at once.
constexpr size_t kBatch = 1024;
// How long a warm-up waits for the store to hold the first candle of its symbol.
constexpr auto kStoreCatchUp = std::chrono::seconds(10);
constexpr auto kStorePollEvery = std::chrono::milliseconds(20);

int64_t ist_day(const model::Candle& c) { return c.start.ist_date().days_since_epoch(); }

class AnalyzeService {
 public:
  // `store` may be null (no warm-up: every symbol starts cold).
  AnalyzeService(const NiftyConfig& config, bus::KafkaBus& bus, store::CandleStore* store)
      : config_(config),
        bus_(bus),
        store_(store),
        scorecards_(engine_, config.pipeline.scorecards),
        signal_rules_(config.pipeline.signals),
        market_view_(config.pipeline.market_view),
        cards_(core::MetricsRegistry::global().counter("analyze_service_scorecards_total",
                                                       "Scorecards produced by the analysis service")),
        duplicates_(core::MetricsRegistry::global().counter(
            "analyze_service_duplicates_total", "Candles skipped as already analysed (symbol, candle time)")),
        errors_(core::MetricsRegistry::global().counter("analyze_service_errors_total",
                                                        "Candles the scorecard builder rejected")),
        warm_ups_(core::MetricsRegistry::global().counter(
            "analyze_service_warm_ups_total", "Symbols whose state was rebuilt from the store")),
        warm_up_candles_(core::MetricsRegistry::global().counter(
            "analyze_service_warm_up_candles_total", "Stored candles replayed to rebuild state")),
        store_lag_(core::MetricsRegistry::global().counter(
            "analyze_service_store_lag_total",
            "Warm-ups that did not find their first candle stored within the wait (then given up)")),
        analysis_seconds_(core::MetricsRegistry::global().histogram(
            "analysis_duration_seconds", "Time to compute one stock's scorecard on a candle close",
            {1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.5, 1, 2, 5})) {}

  core::Status start() {
    bus::RebalanceListener listener;
    listener.on_revoked = [this](const std::vector<bus::TopicPartition>& tps) { on_revoked(tps); };
    auto consumer = bus::KafkaConsumer::create(config_.kafka, config_.analyze_group, {bus::Topic::kMarketCandles},
                                               std::move(listener));
    if (!consumer) return consumer.status();
    consumer_ = std::move(consumer).value();
    return core::Status::ok();
  }

  core::Status run(std::stop_token stop) {
    stop_ = stop;
    std::vector<bus::ConsumedMessage> batch;
    batch.reserve(kBatch);
    while (!stop.stop_requested()) {
      batch.clear();
      core::Status st = consumer_->poll(batch, kBatch, std::chrono::milliseconds(100));
      if (!st.is_ok()) {
        if (st.code() == core::ErrorCode::kCancelled) break;
        return st;
      }
      if (batch.empty()) continue;
      for (const auto& m : batch) {
        const auto* c = std::get_if<model::Candle>(&m.message);
        if (c == nullptr) continue;
        if (core::Status cs = on_candle(*c, m.tp.partition); !cs.is_ok()) {
          // Nothing of this batch is committed: a restart analyses it again.
          (void)bus_.flush(std::chrono::milliseconds(config_.kafka.drain_timeout_ms));
          consumer_->close();
          return cs;
        }
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
  struct SymbolState {
    bool warm = false;                   // state rebuilt (or known to need nothing) since start/assignment
    int64_t last_start = INT64_MIN;      // ns; a candle not after it is skipped as a duplicate
    int32_t partition = -1;              // market_candles partition it was last read from
  };

  // Errors only when the store cannot be read (the service must stop).
  core::Status on_candle(const model::Candle& candle, int32_t partition) {
    if (candle.interval != config_.pipeline.scorecards.interval) return core::Status::ok();
    SymbolState& state = symbols_[candle.symbol];
    state.partition = partition;
    if (!state.warm) {
      NIFTY_RETURN_IF_ERROR(warm_up(candle, state));
      state.warm = true;
    }
    if (candle.start.nanos() <= state.last_start) {
      duplicates_.inc();
      return core::Status::ok();
    }
    state.last_start = candle.start.nanos();
    // A new minute: the previous one's scorecards are complete.
    if (candle.start.nanos() > view_minute_) {
      publish_market_view();
      view_minute_ = candle.start.nanos();
    }
    auto card = scorecards_.on_candle(candle);
    if (!card) {
      errors_.inc();
      log().warn("candle rejected", {{"error", card.status().message()}});
      return core::Status::ok();
    }
    cards_.inc();
    analysis_seconds_.observe(static_cast<double>(card->latency_ns) / 1e9);
    (void)bus_.publish(bus::Topic::kAnalysisUpdates, *card);
    view_dirty_ |= market_view_.on_scorecard(*card);
    keep_json(*card);
    if (auto signal = signal_rules_.on_scorecard(*card)) (void)bus_.publish(bus::Topic::kSignals, *signal);
    return core::Status::ok();
  }

  // Rebuilds the symbol's state from the stored candles strictly older than `first` (see the header
  // comment) and sets the guard to the newest of them.
  core::Status warm_up(const model::Candle& first, SymbolState& state) {
    const auto need = static_cast<size_t>(std::max(config_.warm_up_candles, 0));
    if (store_ == nullptr || need == 0) return core::Status::ok();
    NIFTY_RETURN_IF_ERROR(wait_until_stored(first));
    const model::Interval interval = first.interval;
    std::vector<model::Candle> older;
    for (size_t n = need + 64;; n *= 2) {
      auto got = store_->last_n(first.symbol, interval, n);
      if (!got) return read_error(first, got.status());
      const bool exhausted = got->size() < n;
      older = std::move(got).value();
      std::erase_if(older, [&](const model::Candle& c) { return c.start >= first.start; });
      // Enough: `need` candles, and the whole IST day of the newest one plus the candle before it.
      if (exhausted || (older.size() > need && ist_day(older.front()) < ist_day(older.back()))) break;
    }
    if (older.empty()) return core::Status::ok();
    size_t begin = older.size() > need ? older.size() - need : 0;
    const int64_t last_day = ist_day(older.back());
    size_t day_start = older.size() - 1;
    while (day_start > 0 && ist_day(older[day_start - 1]) == last_day) --day_start;
    begin = std::min(begin, day_start > 0 ? day_start - 1 : 0);
    const model::Scorecard* last = nullptr;
    for (size_t i = begin; i < older.size(); ++i) {
      auto card = scorecards_.on_candle(older[i]);
      if (!card) {
        errors_.inc();
        log().warn("stored candle rejected in warm-up", {{"error", card.status().message()}});
        continue;
      }
      (void)signal_rules_.on_scorecard(*card);  // its state only: these signals went out before
      last = scorecards_.latest(first.symbol);
      state.last_start = older[i].start.nanos();
      warm_up_candles_.inc();
    }
    if (last != nullptr) {
      (void)market_view_.on_scorecard(*last);
      keep_json(*last);
    }
    warm_ups_.inc();
    log().info("warmed up from the store", {{"symbol", first.symbol.str()},
                                            {"candles", static_cast<int64_t>(older.size() - begin)},
                                            {"before", first.start.to_iso_utc()}});
    return core::Status::ok();
  }

  // Waits (bounded) until the store holds `first`; after one wait in vain, waits no more.
  core::Status wait_until_stored(const model::Candle& first) {
    if (store_lagging_) return core::Status::ok();
    const auto deadline = std::chrono::steady_clock::now() + kStoreCatchUp;
    const core::Timestamp after = core::Timestamp::from_nanos(first.start.nanos() + 1);
    for (;;) {
      auto found = store_->range(first.symbol, first.interval, first.start, after);
      if (!found) return read_error(first, found.status());
      if (!found->empty()) return core::Status::ok();
      auto any = store_->last_n(first.symbol, first.interval, 1);
      if (!any) return read_error(first, any.status());
      if (any->empty()) return core::Status::ok();
      if (std::chrono::steady_clock::now() >= deadline || stop_.stop_requested()) break;
      std::this_thread::sleep_for(kStorePollEvery);
    }
    store_lagging_ = true;
    store_lag_.inc();
    log().warn("the store does not hold a consumed candle; warm-ups use what is stored from now on",
               {{"symbol", first.symbol.str()}, {"start", first.start.to_iso_utc()}});
    return core::Status::ok();
  }

  core::Status read_error(const model::Candle& first, const core::Status& st) {
    return core::error(st.code(), "warm-up of " + first.symbol.str() + " before " + first.start.to_iso_utc() +
                                      ": cannot read the " + std::string(store_->backend()) +
                                      " store: " + st.message());
  }

  // The partitions' symbols go to another member: forget their state, so that if they come back,
  // they are rebuilt from the store rather than continued from a stale state.
  void on_revoked(const std::vector<bus::TopicPartition>& tps) {
    for (auto it = symbols_.begin(); it != symbols_.end();) {
      bool gone = false;
      for (const auto& tp : tps) gone |= tp.partition == it->second.partition;
      if (gone) {
        scorecards_.forget(it->first);
        signal_rules_.forget(it->first);
        it = symbols_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void keep_json(const model::Scorecard& card) {
    std::lock_guard lock(mu_);
    latest_json_[card.symbol.str()] = model::encode_scorecard(card);
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
  store::CandleStore* store_;
  predict::HeuristicEngine engine_;
  analysis::ScorecardBuilder scorecards_;
  signals::SignalRules signal_rules_;
  analysis::MarketViewBuilder market_view_;
  std::unique_ptr<bus::KafkaConsumer> consumer_;
  std::stop_token stop_;
  std::unordered_map<model::Symbol, SymbolState> symbols_;
  bool store_lagging_ = false;
  int64_t view_minute_ = 0;
  bool view_dirty_ = false;
  std::mutex mu_;  // guards the JSON served over HTTP
  std::unordered_map<std::string, std::string> latest_json_;
  std::string market_json_;
  core::Counter& cards_;
  core::Counter& duplicates_;
  core::Counter& errors_;
  core::Counter& warm_ups_;
  core::Counter& warm_up_candles_;
  core::Counter& store_lag_;
  core::Histogram& analysis_seconds_;
};

}  // namespace

void add_analyze_service_command(CLI::App& app, CommandAction& action) {
  struct Options {
    std::string config;
    std::string db;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "analyze-service", "Service: Kafka market_candles -> scorecards, market view, signals; HTTP /analyze");
  cmd->add_option("--config,-c", opts->config, "TOML config file");
  cmd->add_option("--db", opts->db,
                  "SQLite file the candle service stores into, read for warm-up (default: the configured store)");
  cmd->callback([opts, &action] {
    action = [opts]() -> int {
      int code = kExitOk;
      NiftyConfig config;
      if (!load_store_config_or_report(opts->config, opts->db, config, code)) return code;
      std::unique_ptr<store::CandleStore> store;
      if (config.warm_up_candles > 0) {
        auto opened = open_store(config, StoreUse::kRead);
        if (!opened) {
          report_error("warm-up store: " + opened.status().message());
          return exit_code_for(opened.status());
        }
        store = std::move(opened).value();
      }
      auto bus = bus::KafkaBus::create(config.kafka);
      if (!bus) {
        report_error("kafka at " + config.kafka.brokers + ": " + bus.status().message());
        return exit_code_for(bus.status());
      }
      AnalyzeService service(config, **bus, store.get());
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
