// feed_latency_harness: end-to-end latency of a live broker feed over a real loopback WebSocket.
// A FakeKite server (src/feed/supervisor/tests/fake_brokers.h) streams full-mode frames for the
// Nifty 50 at a fixed rate -> NetWsConnector -> KiteSession -> LiveFeed -> engine::Pipeline
// (normaliser, inproc bus, candle builder, rollups, scorecards, signals, memory store and cache).
//
// Measured per tick, with one clock (core::Timestamp::now()):
//   receipt_to_sink    tick.receive_time (stamped by the net client when the frame completed) ->
//                      the FeedSink call that hands it to the pipeline (decode + LiveFeed de-dup).
//   receipt_to_bus     receive_time -> the tick published on raw-ticks: an inline raw-ticks
//                      subscriber made before the pipeline's own, so it runs first (issue 5's figure,
//                      goal p99 < 20 us).
//   receipt_to_candle  Pipeline::latency().receipt_to_candle: receive_time -> its candle updated.
// Every tick of one frame shares the frame's receive time, so with several packets per frame the
// later ones also wait for the earlier ones' processing.
//
// Reference in the same run (what a thread wake-up costs on this machine): a producer thread pushes
// its clock reading into a core::BoundedQueue at the feed's frame rate and a consumer thread pops it
// with pop_some exactly as the engine loop does; one-way push -> popped latency, once with a plain
// blocking wait (spin 0) and once with the engine's configured spin.
//
// Frames: --packets-per-frame 0 (default) lets the fake server pace its own stream (every ~200 us+
// it sends what is due, mostly 1-3 packets a frame); N >= 1 has this harness send frames of exactly
// N full packets at rate/N frames per second (1: one packet per frame; 50: the whole index a frame).
//
// Engines: --engine queue (the feed hands ticks to the engine thread through the BoundedQueue),
// inline (PipelineConfig::inline_feed, what `nifty run` does for a live feed: every stage on the
// connection's thread) or both (default: each run measures queue, then inline).
//
// Usage: feed_latency_harness [--rate TICKS_PER_S] [--seconds N] [--runs N] [--packets-per-frame N]
//                             [--spin-us US] [--reference-seconds N] [--engine queue|inline|both]
// --spin-us sets engine::PipelineConfig::feed_wait_spin (how long the engine thread polls an empty
// queue before it blocks). Prints one JSON line per run and, with --runs > 1, a last line with the
// median of each figure per engine. engine_cpu_pct: the engine thread's CPU during the run (inline:
// LiveFeed's clock thread, the connection thread does the work); idle_cpu_pct: an
// engine-like consumer waiting 1 s on an empty queue with the same spin (what an idle engine costs).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/inproc/inproc_bus.h"
#include "core/bounded_queue.h"
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

struct Options {
  double rate = 5000;
  double seconds = 10;
  int runs = 1;
  int packets_per_frame = 0;  // 0: the fake server paces its own stream
  double spin_us = -1;        // < 0: PipelineConfig's default
  double reference_seconds = 2;
  std::string engine = "both";  // queue | inline | both
};

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

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU use (% of one core) of a consumer waiting on an empty queue as the engine does when no tick
// comes: pop_some with a 100 ms timeout and the given spin, for `seconds`.
double idle_cpu_percent(std::chrono::nanoseconds spin, double seconds) {
  core::BoundedQueue<int64_t> queue(16);
  double cpu = 0;
  std::thread consumer([&] {
    std::vector<int64_t> batch;
    const double c0 = thread_cpu_seconds();
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) (void)queue.pop_some(batch, 16, 100ms, spin);
    cpu = thread_cpu_seconds() - c0;
  });
  consumer.join();
  return 100.0 * cpu / seconds;
}

struct RunResult {
  bool inline_engine = false;
  uint64_t ticks = 0;      // handed to the pipeline
  uint64_t on_bus = 0;     // published on raw-ticks
  uint64_t frames = 0;     // sent by this harness (0 when the server paced its own stream)
  double seconds = 0;
  double engine_cpu_pct = 0;  // the engine thread's CPU use during the run, % of one core
  double idle_cpu_pct = 0;    // an engine-like consumer on an empty queue with the same spin
  Percentiles sink, bus, candle;
  Percentiles ref_block, ref_spin;  // BoundedQueue wake-up reference
};

// One-way latency of a BoundedQueue hand-over between two threads at `rate` items per second,
// the consumer waiting as the engine loop does.
Percentiles queue_reference(double rate, double seconds, std::chrono::nanoseconds spin) {
  core::BoundedQueue<int64_t> queue(1 << 16);
  std::vector<int64_t> samples;
  samples.reserve(static_cast<size_t>(rate * seconds) + 16);
  std::thread consumer([&] {
    std::vector<int64_t> batch;
    batch.reserve(4096);
    while (true) {
      batch.clear();
      size_t n = queue.pop_some(batch, 4096, 100ms, spin);
      const int64_t now = core::Timestamp::now().nanos();
      for (int64_t sent : batch) samples.push_back(now - sent);
      if (n == 0 && queue.finished()) return;
    }
  });
  const auto period = std::chrono::duration<double>(1.0 / rate);
  const auto start = std::chrono::steady_clock::now();
  const auto count = static_cast<int64_t>(rate * seconds);
  for (int64_t i = 0; i < count; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::nanoseconds>(period * i));
    (void)queue.push(core::Timestamp::now().nanos());
  }
  queue.close();
  consumer.join();
  return percentiles(std::move(samples));
}

// Sends frames of exactly `per_frame` full packets at rate / per_frame frames per second to the
// fake's subscribed connection until `stop`, stocks in turn, quotes from the fake's market.
uint64_t send_frames(feed::testing::FakeKite& server, const feed::testing::FakeMarket& market, int per_frame,
                     double rate, std::stop_token stop) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  size_t conn = 0;
  while ((conn = server.current()) == 0) {
    if (stop.stop_requested() || std::chrono::steady_clock::now() > deadline) return 0;
    std::this_thread::sleep_for(1ms);  // polling for the subscription
  }
  const auto& stocks = market.stocks();
  const auto period = std::chrono::duration<double>(per_frame / rate);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> packets;
  uint64_t frames = 0;
  size_t step = stocks.size();  // the fake market's step 0 lies one round in the past
  while (!stop.stop_requested()) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::nanoseconds>(period * frames));
    packets.clear();
    for (int k = 0; k < per_frame; ++k, ++step) {
      size_t s = market.stock_of(step);
      const feed::testing::FakeStock& st = stocks[s];
      feed::testing::FakeMarket::Quote q = market.quote(s, step);
      feed::testing::KiteFullPacket p;
      p.token = st.kite_token;
      p.last_price = static_cast<int32_t>(q.price);
      p.last_quantity = 1;
      p.average_price = static_cast<int32_t>(st.base_price);
      p.volume = static_cast<uint32_t>(q.volume);
      p.open = p.high = p.low = p.close = static_cast<int32_t>(st.base_price);
      p.last_trade_time = p.exchange_time = static_cast<uint32_t>(q.exchange_seconds);
      for (size_t i = 0; i < 5; ++i) {
        p.depth[i] = {100, static_cast<int32_t>(q.bid - 5 * static_cast<int64_t>(i)), 1};
        p.depth[5 + i] = {100, static_cast<int32_t>(q.ask + 5 * static_cast<int64_t>(i)), 1};
      }
      packets.push_back(feed::testing::encode_kite_full(p));
    }
    server.send_binary(conn, feed::testing::kite_frame(packets));
    ++frames;
  }
  return frames;
}

core::Result<RunResult> run_once(const model::Universe& universe, const Options& o, bool inline_engine) {
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
  feed::testing::FakeMarket market(stocks, std::chrono::microseconds(static_cast<int64_t>(1e6 / o.rate)), 1'705'552'200);
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
  // Subscribed before the pipeline's own raw-ticks subscriber, so it sees each tick the moment it is
  // published. Runs on the engine thread (inline: the thread LiveFeed calls the sink on, one at a
  // time under its mutex); read after run() returns.
  std::vector<int64_t> bus_ns;
  bus_ns.reserve(1 << 22);
  (void)bus.subscribe(bus::Topic::kRawTicks, "latency-probe", [&bus_ns](const bus::Message& m) {
    const int64_t now = core::Timestamp::now().nanos();
    if (bus_ns.size() < bus_ns.capacity()) bus_ns.push_back(now - std::get<model::Tick>(m).receive_time.nanos());
  });
  predict::HeuristicEngine engine;
  store::MemoryCandleStore store;
  store::CandleWriter writer(store);
  store::MemoryHotCache cache;
  engine::PipelineDeps deps{calendar, bus, engine, &writer, &cache};
  engine::PipelineConfig pc;
  if (o.spin_us >= 0) pc.feed_wait_spin = std::chrono::nanoseconds(static_cast<int64_t>(o.spin_us * 1e3));
  const std::chrono::nanoseconds spin = pc.feed_wait_spin;
  pc.inline_feed = inline_engine;
  engine::Pipeline pipeline(pc, deps, "kite");

  std::stop_source stop;
  std::atomic<uint64_t> frames{0};
  std::jthread sender;
  if (o.packets_per_frame > 0) {
    sender = std::jthread([&](std::stop_token st) {
      frames = send_frames(*server.value(), market, o.packets_per_frame, o.rate, st);
    });
  } else {
    server.value()->set_streaming(true);
  }
  const auto started = std::chrono::steady_clock::now();
  std::thread timer([&] {
    auto until = started + std::chrono::duration<double>(o.seconds);
    while (std::chrono::steady_clock::now() < until && !stop.stop_requested())
      std::this_thread::sleep_for(10ms);  // the run's length, not synchronisation
    server.value()->set_streaming(false);
    if (sender.joinable()) {
      sender.request_stop();
      sender.join();
    }
    stop.request_stop();
  });
  const double cpu0 = thread_cpu_seconds();  // pipeline.run() runs the engine loop on this thread
  core::Status status = pipeline.run(measured, stop.get_token());
  const double engine_cpu = thread_cpu_seconds() - cpu0;
  stop.request_stop();
  timer.join();
  bus.close();
  core::Status ws = writer.close();
  if (!status.is_ok() && status.code() != core::ErrorCode::kCancelled) return status;
  (void)ws;

  RunResult r;
  r.inline_engine = inline_engine;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  r.frames = frames.load();
  r.engine_cpu_pct = 100.0 * engine_cpu / r.seconds;
  auto samples = measured.samples();
  r.ticks = samples.size();
  r.sink = percentiles(std::move(samples));
  r.on_bus = bus_ns.size();
  r.bus = percentiles(std::move(bus_ns));
  r.candle = from_snapshot(pipeline.latency().receipt_to_candle);
  // The reference runs after the feed, at the feed's frame rate, with nothing else of ours running.
  const double frame_rate = o.packets_per_frame > 0 ? o.rate / o.packets_per_frame : o.rate;
  if (o.reference_seconds > 0) {
    r.ref_block = queue_reference(frame_rate, o.reference_seconds, std::chrono::nanoseconds(0));
    r.ref_spin = spin.count() > 0 ? queue_reference(frame_rate, o.reference_seconds, spin) : r.ref_block;
    r.idle_cpu_pct = idle_cpu_percent(spin, 1.0);
  }
  return r;
}

std::string json(const Percentiles& p) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}", p.p50, p.p99, p.p999, p.max);
  return buf;
}

std::string json(const RunResult& r) {
  char buf[300];
  std::snprintf(buf, sizeof buf,
                "{\"engine\":\"%s\",\"ticks\":%llu,\"on_bus\":%llu,\"frames_sent\":%llu,\"seconds\":%.2f,\"engine_cpu_pct\":%.1f,"
                "\"idle_cpu_pct\":%.3f,",
                r.inline_engine ? "inline" : "queue", static_cast<unsigned long long>(r.ticks), static_cast<unsigned long long>(r.on_bus),
                static_cast<unsigned long long>(r.frames), r.seconds, r.engine_cpu_pct, r.idle_cpu_pct);
  return std::string(buf) + "\"receipt_to_sink_us\":" + json(r.sink) + ",\"receipt_to_bus_us\":" + json(r.bus) +
         ",\"receipt_to_candle_us\":" + json(r.candle) + ",\"queue_wakeup_ref_us\":" + json(r.ref_block) +
         ",\"queue_wakeup_ref_spin_us\":" + json(r.ref_spin) + "}";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    auto flag = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
    if (flag("--rate")) o.rate = std::atof(argv[i + 1]);
    else if (flag("--seconds")) o.seconds = std::atof(argv[i + 1]);
    else if (flag("--runs")) o.runs = std::atoi(argv[i + 1]);
    else if (flag("--packets-per-frame")) o.packets_per_frame = std::atoi(argv[i + 1]);
    else if (flag("--spin-us")) o.spin_us = std::atof(argv[i + 1]);
    else if (flag("--reference-seconds")) o.reference_seconds = std::atof(argv[i + 1]);
    else if (flag("--engine")) o.engine = argv[i + 1];
    else {
      std::fprintf(stderr,
                   "usage: feed_latency_harness [--rate N] [--seconds N] [--runs N] [--packets-per-frame N] "
                   "[--spin-us US] [--reference-seconds N] [--engine queue|inline|both]\n");
      return 2;
    }
  }
  if (o.rate <= 0 || o.seconds <= 0 || o.runs <= 0 || o.packets_per_frame < 0 || o.packets_per_frame > 1000 ||
      o.reference_seconds < 0 || (o.engine != "queue" && o.engine != "inline" && o.engine != "both")) {
    std::fprintf(stderr,
                 "feed_latency_harness: --rate, --seconds and --runs must be positive, --packets-per-frame in "
                 "0..1000, --reference-seconds >= 0, --engine queue, inline or both\n");
    return 2;
  }
  core::Logger::set_level(core::LogLevel::kWarn);
  auto universe = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
  if (!universe) {
    std::fprintf(stderr, "%s\n", universe.status().to_string().c_str());
    return 1;
  }
  std::vector<bool> engines;
  if (o.engine != "inline") engines.push_back(false);
  if (o.engine != "queue") engines.push_back(true);
  std::vector<RunResult> results;
  for (int i = 0; i < o.runs; ++i) {
    for (bool inline_engine : engines) {
      auto r = run_once(universe.value(), o, inline_engine);
      if (!r) {
        std::fprintf(stderr, "run failed: %s\n", r.status().to_string().c_str());
        return 1;
      }
      std::printf("%s\n", json(r.value()).c_str());
      std::fflush(stdout);
      results.push_back(r.value());
    }
  }
  if (o.runs > 1) {
    for (bool inline_engine : engines) {
      std::vector<RunResult> mine;
      for (const auto& r : results)
        if (r.inline_engine == inline_engine) mine.push_back(r);
      auto med = [&](auto f) {
        std::vector<double> v;
        for (const auto& r : mine) v.push_back(f(r));
        return median(v);
      };
      auto med_p = [&](auto field) {
        return Percentiles{med([&](const RunResult& r) { return (r.*field).p50; }),
                           med([&](const RunResult& r) { return (r.*field).p99; }),
                           med([&](const RunResult& r) { return (r.*field).p999; }),
                           med([&](const RunResult& r) { return (r.*field).max; })};
      };
      RunResult m;
      m.inline_engine = inline_engine;
      m.ticks = static_cast<uint64_t>(med([](const RunResult& r) { return static_cast<double>(r.ticks); }));
      m.on_bus = static_cast<uint64_t>(med([](const RunResult& r) { return static_cast<double>(r.on_bus); }));
      m.frames = static_cast<uint64_t>(med([](const RunResult& r) { return static_cast<double>(r.frames); }));
      m.seconds = med([](const RunResult& r) { return r.seconds; });
      m.engine_cpu_pct = med([](const RunResult& r) { return r.engine_cpu_pct; });
      m.idle_cpu_pct = med([](const RunResult& r) { return r.idle_cpu_pct; });
      m.sink = med_p(&RunResult::sink);
      m.bus = med_p(&RunResult::bus);
      m.candle = med_p(&RunResult::candle);
      m.ref_block = med_p(&RunResult::ref_block);
      m.ref_spin = med_p(&RunResult::ref_spin);
      std::printf("median %s\n", json(m).c_str());
    }
  }
  return 0;
}
