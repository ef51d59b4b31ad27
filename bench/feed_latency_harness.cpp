// feed_latency_harness: end-to-end latency of a live broker feed over a real loopback WebSocket.
// A FakeKite server (src/feed/supervisor/tests/fake_brokers.h) streams full-mode frames for the
// Nifty 50 at a fixed rate -> NetWsConnector -> KiteSession -> LiveFeed -> engine::Pipeline
// (normaliser, inproc bus, candle builder, rollups, scorecards, signals, memory store and cache).
//
// Measured per tick, with one clock (core::Timestamp::now()):
//   receipt_to_sink    tick.receive_time (stamped by the net client when the frame completed) ->
//                      the FeedSink call that hands it to the pipeline (decode + LiveFeed de-dup).
//   receipt_to_candle  Pipeline::latency().receipt_to_candle: receive_time -> its candle updated.
//
// Usage: feed_latency_harness [--rate TICKS_PER_S] [--seconds N] [--runs N]
// Prints one JSON line per run and, with --runs > 1, a last line with the median of each figure.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/inproc/inproc_bus.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/nse_calendar.h"
#include "engine/pipeline.h"
#include "feed/kite/kite_session.h"
#include "feed/supervisor/live_feed.h"
#include "feed/supervisor/net_ws_connector.h"
#include "feed/supervisor/tests/fake_brokers.h"
#include "predict/heuristic_engine.h"
#include "store/candle_writer.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_hot_cache.h"

namespace {

using namespace nifty;
using namespace std::chrono_literals;

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

Percentiles percentiles(std::vector<int64_t> ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return static_cast<double>(ns[std::min(ns.size() - 1, static_cast<size_t>(q * ns.size()))]) / 1e3; };
  p.p50 = at(0.5);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(ns.back()) / 1e3;
  return p;
}

Percentiles from_snapshot(const core::LatencyHistogram::Snapshot& s) {
  Percentiles p;
  p.p50 = static_cast<double>(s.percentile(0.5)) / 1e3;
  p.p99 = static_cast<double>(s.percentile(0.99)) / 1e3;
  p.p999 = static_cast<double>(s.percentile(0.999)) / 1e3;
  p.max = static_cast<double>(s.percentile(1.0)) / 1e3;
  return p;
}

// Measures receipt -> sink, then forwards to the pipeline.
class MeasuringSink final : public feed::FeedSink {
 public:
  explicit MeasuringSink(feed::FeedSink& next) : next_(next) { ns_.reserve(1 << 22); }
  bool on_ticks(std::span<const model::Tick> ticks) override {
    const int64_t now = core::Timestamp::now().nanos();
    {
      std::lock_guard lock(mu_);
      for (const auto& t : ticks)
        if (ns_.size() < ns_.capacity()) ns_.push_back(now - t.receive_time.nanos());
    }
    return next_.on_ticks(ticks);
  }
  bool on_clock(core::Timestamp t) override { return next_.on_clock(t); }
  std::vector<int64_t> samples() const {
    std::lock_guard lock(mu_);
    return ns_;
  }

 private:
  feed::FeedSink& next_;
  mutable std::mutex mu_;
  std::vector<int64_t> ns_;
};

// LiveFeed seen by the pipeline through the measuring sink.
class MeasuredFeed final : public feed::Feed {
 public:
  explicit MeasuredFeed(feed::LiveFeed& feed) : feed_(feed) {}
  std::string_view name() const override { return feed_.name(); }
  core::Status run(feed::FeedSink& sink, std::stop_token stop) override {
    sink_ = std::make_unique<MeasuringSink>(sink);
    return feed_.run(*sink_, stop);
  }
  std::vector<int64_t> samples() const { return sink_ ? sink_->samples() : std::vector<int64_t>{}; }

 private:
  feed::LiveFeed& feed_;
  std::unique_ptr<MeasuringSink> sink_;
};

struct RunResult {
  uint64_t ticks = 0;
  double seconds = 0;
  Percentiles sink, candle;
};

core::Result<RunResult> run_once(const model::Universe& universe, double rate, double seconds) {
  std::vector<feed::testing::FakeStock> stocks;
  std::vector<model::Instrument> instruments;
  int64_t base = 50'000;
  for (const auto& i : universe.instruments()) {
    if (i.kind != model::InstrumentKind::kEquity) continue;
    stocks.push_back({i.symbol.str(), i.nse_token, i.kite_token, base});
    instruments.push_back(i);
    base += 10'005;
  }
  // Exchange time inside a session (2024-01-18 10:00 IST); the pipeline runs on event time.
  feed::testing::FakeMarket market(stocks, std::chrono::microseconds(static_cast<int64_t>(1e6 / rate)), 1'705'552'200);
  auto server = feed::testing::FakeKite::start(market, {});
  if (!server) return server.status();
  feed::kite::KiteSessionConfig kc;
  kc.url = server.value()->url("/");
  kc.api_key = "kite-key";
  auto session = feed::kite::KiteSession::create(kc, [] { return core::Result<std::string>("kite-token"); }, universe);
  if (!session) return session.status();
  feed::NetWsConnector connector;
  core::WallClock clock;
  const core::NseCalendar& calendar = core::NseCalendar::builtin();
  feed::LiveFeedConfig fc;
  fc.link.stale_only_in_session = true;
  feed::LiveFeed live({session.value().get()}, connector, instruments, fc, clock, calendar);
  MeasuredFeed measured(live);

  bus::InprocBus bus;
  predict::HeuristicEngine engine;
  store::MemoryCandleStore store;
  store::CandleWriter writer(store);
  store::MemoryHotCache cache;
  engine::PipelineDeps deps{calendar, bus, engine, &writer, &cache};
  engine::Pipeline pipeline(engine::PipelineConfig{}, deps, "kite");

  std::stop_source stop;
  server.value()->set_streaming(true);
  const auto started = std::chrono::steady_clock::now();
  std::thread timer([&] {
    auto until = started + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until && !stop.stop_requested())
      std::this_thread::sleep_for(10ms);  // the run's length, not synchronisation
    server.value()->set_streaming(false);
    stop.request_stop();
  });
  core::Status status = pipeline.run(measured, stop.get_token());
  stop.request_stop();
  timer.join();
  bus.close();
  core::Status ws = writer.close();
  if (!status.is_ok() && status.code() != core::ErrorCode::kCancelled) return status;
  (void)ws;

  RunResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto samples = measured.samples();
  r.ticks = samples.size();
  r.sink = percentiles(std::move(samples));
  r.candle = from_snapshot(pipeline.latency().receipt_to_candle);
  return r;
}

std::string json(const RunResult& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"ticks\":%llu,\"seconds\":%.2f,\"receipt_to_sink_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,"
                "\"max\":%.1f},\"receipt_to_candle_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}}",
                static_cast<unsigned long long>(r.ticks), r.seconds, r.sink.p50, r.sink.p99, r.sink.p999,
                r.sink.max, r.candle.p50, r.candle.p99, r.candle.p999, r.candle.max);
  return buf;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  double rate = 5000, seconds = 10;
  int runs = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rate")) rate = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: feed_latency_harness [--rate N] [--seconds N] [--runs N]\n");
      return 1;
    }
  }
  if (rate <= 0 || seconds <= 0 || runs <= 0) {
    std::fprintf(stderr, "feed_latency_harness: --rate, --seconds and --runs must be positive\n");
    return 1;
  }
  core::Logger::set_level(core::LogLevel::kWarn);
  auto universe = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
  if (!universe) {
    std::fprintf(stderr, "%s\n", universe.status().to_string().c_str());
    return 1;
  }
  std::vector<RunResult> results;
  for (int i = 0; i < runs; ++i) {
    auto r = run_once(universe.value(), rate, seconds);
    if (!r) {
      std::fprintf(stderr, "run failed: %s\n", r.status().to_string().c_str());
      return 1;
    }
    std::printf("%s\n", json(r.value()).c_str());
    std::fflush(stdout);
    results.push_back(r.value());
  }
  if (runs > 1) {
    auto med = [&](auto f) {
      std::vector<double> v;
      for (const auto& r : results) v.push_back(f(r));
      return median(v);
    };
    RunResult m;
    m.ticks = static_cast<uint64_t>(med([](const RunResult& r) { return static_cast<double>(r.ticks); }));
    m.seconds = med([](const RunResult& r) { return r.seconds; });
    m.sink = {med([](const RunResult& r) { return r.sink.p50; }), med([](const RunResult& r) { return r.sink.p99; }),
              med([](const RunResult& r) { return r.sink.p999; }), med([](const RunResult& r) { return r.sink.max; })};
    m.candle = {med([](const RunResult& r) { return r.candle.p50; }),
                med([](const RunResult& r) { return r.candle.p99; }),
                med([](const RunResult& r) { return r.candle.p999; }),
                med([](const RunResult& r) { return r.candle.max; })};
    std::printf("median %s\n", json(m).c_str());
  }
  return 0;
}
