// latency_harness: tick-receipt-to-candle-update latency through the real engine::Pipeline, wired as
// the embedded deployment wires it (src/app/commands/engine_host.cpp): ReplayFeed on its own thread
// -> bounded feed queue -> engine thread (TickNormalizer -> inproc bus raw-ticks -> CandleBuilder ->
// market_candles -> rollups, scorecards, signals, CandleWriter) with a MemoryCandleStore and a
// MemoryHotCache instead of SQLite.
//
// What is measured, per accepted tick (the replay feed sets receive_time = Timestamp::now() when it
// hands a batch of ticks to the pipeline, i.e. this is "tick received by the process"):
//   end_to_end  receive_time -> a raw-ticks subscriber that runs right after the pipeline's candle
//               builder subscriber (inline subscribers run in subscription order on the engine
//               thread), i.e. the moment the builder has applied the tick and the hot cache holds the
//               updated current candle. Includes the wait in the feed->engine queue, the normaliser,
//               the bus hop and the work of the ticks ahead of it (at --speed max the feed hands over
//               batches of --batch ticks stamped with one receive_time, so the last tick of a batch
//               waits for the 1,023 before it: that is queueing, not per-tick cost).
//   stage       a raw-ticks subscriber that runs BEFORE the builder's (subscribed on the bus before
//               the Pipeline is built) -> the one after it: the builder + hot-cache update alone.
//   handoff     reference measured in the same run, before the pipeline starts: 20,000 timestamps
//               pushed one at a time, 50 us apart, through a core::BoundedQueue to a thread popping
//               it as the engine loop does (pop_some with a 100 ms timeout). It is the floor a paced
//               tick pays to cross from the feed thread to the engine thread on this machine at this
//               moment (thread wake-up), with no processing at all.
// All use the same clock (system_clock via core::Timestamp::now()).
//
// Usage: latency_harness [--speed max|Nx] [--batch N] [--runs N] [INPUT...]
//   default INPUT: the shared 1-minute day /work/shared/data/nse-1min/2023-02-28.
// Prints one JSON line per run and, with --runs > 1, a last line with the median of each figure.
// Exit code 0, or 1 on a pipeline error / bad arguments.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/inproc/inproc_bus.h"
#include "core/bounded_queue.h"
#include "core/log.h"
#include "core/nse_calendar.h"
#include "engine/pipeline.h"
#include "feed/replay/replay_feed.h"
#include "predict/heuristic_engine.h"
#include "store/candle_writer.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_hot_cache.h"

namespace {

using namespace nifty;

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

Percentiles percentiles(std::vector<int64_t>& ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    size_t i = std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[i]) / 1000.0;
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(ns.back()) / 1000.0;
  return p;
}

Percentiles from_snapshot(const core::LatencyHistogram::Snapshot& s) {
  return Percentiles{s.percentile(0.5) / 1000.0, s.percentile(0.99) / 1000.0, s.percentile(0.999) / 1000.0,
                     s.percentile(1.0) / 1000.0};
}

struct RunResult {
  Percentiles engine;   // Pipeline::latency(): engine takes the tick -> its candle updated
  Percentiles receipt;  // Pipeline::latency(): feed receives the tick -> its candle updated
  uint64_t ticks = 0;
  uint64_t candles_1m = 0;
  double seconds = 0;
  Percentiles end_to_end;
  Percentiles stage;
  Percentiles handoff;
};

// The feed->engine thread hand-off alone (see the header comment).
Percentiles measure_handoff() {
  constexpr size_t kItems = 20'000;
  core::BoundedQueue<int64_t> queue(1 << 16);
  std::vector<int64_t> latencies;
  latencies.reserve(kItems);
  std::thread consumer([&] {
    std::vector<int64_t> batch;
    batch.reserve(4096);
    while (true) {
      batch.clear();
      const size_t n = queue.pop_some(batch, 4096, std::chrono::milliseconds(100));
      const int64_t now = core::Timestamp::now().nanos();
      for (int64_t sent : batch) latencies.push_back(now - sent);
      if (n == 0 && queue.finished()) break;
    }
  });
  auto next = std::chrono::steady_clock::now();
  for (size_t i = 0; i < kItems; ++i) {
    next += std::chrono::microseconds(50);
    std::this_thread::sleep_until(next);
    (void)queue.push(core::Timestamp::now().nanos());
  }
  queue.close();
  consumer.join();
  return percentiles(latencies);
}

std::string to_json(const char* label, const std::string& speed, size_t batch, const RunResult& r) {
  char buf[1536];
  std::snprintf(buf, sizeof buf,
                "{\"run\":\"%s\",\"speed\":\"%s\",\"batch\":%zu,\"ticks\":%llu,\"candles_1m\":%llu,\"seconds\":%.3f,"
                "\"end_to_end_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},"
                "\"stage_us\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.2f},"
                "\"handoff_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},"
                "\"pipeline_tick_to_candle_us\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.2f},"
                "\"pipeline_receipt_to_candle_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f}}",
                label, speed.c_str(), batch, static_cast<unsigned long long>(r.ticks),
                static_cast<unsigned long long>(r.candles_1m), r.seconds, r.end_to_end.p50, r.end_to_end.p99,
                r.end_to_end.p999, r.end_to_end.max, r.stage.p50, r.stage.p99, r.stage.p999, r.stage.max,
                r.handoff.p50, r.handoff.p99, r.handoff.p999, r.handoff.max, r.engine.p50, r.engine.p99,
                r.engine.p999, r.engine.max, r.receipt.p50, r.receipt.p99, r.receipt.p999, r.receipt.max);
  return buf;
}

core::Result<RunResult> run_once(const std::vector<std::string>& inputs, double speed, size_t batch) {
  const Percentiles handoff = measure_handoff();
  const core::NseCalendar& calendar = core::NseCalendar::builtin();
  bus::InprocBus bus;
  predict::HeuristicEngine engine;
  store::MemoryCandleStore store;
  store::CandleWriter writer(store);
  store::MemoryHotCache cache;

  std::vector<int64_t> end_to_end;
  std::vector<int64_t> stage;
  end_to_end.reserve(size_t{1} << 22);
  stage.reserve(size_t{1} << 22);
  int64_t before_ns = 0;  // engine thread only

  // Subscribed before the Pipeline exists, so it runs before the builder's subscriber.
  (void)bus.subscribe(bus::Topic::kRawTicks, "latency-before",
                      [&](const bus::Message&) { before_ns = core::Timestamp::now().nanos(); });
  feed::ReplayConfig replay;
  replay.inputs = inputs;
  replay.speed = speed;
  replay.batch = batch;
  feed::ReplayFeed feed(replay, calendar);
  engine::PipelineDeps deps{calendar, bus, engine, &writer, &cache};
  engine::Pipeline pipeline(engine::PipelineConfig{}, deps, std::string(feed.name()));
  // Subscribed after the Pipeline's own: runs once the builder has applied the tick.
  (void)bus.subscribe(bus::Topic::kRawTicks, "latency-after", [&](const bus::Message& m) {
    const int64_t now = core::Timestamp::now().nanos();
    const auto& tick = std::get<model::Tick>(m);
    if (end_to_end.size() < end_to_end.capacity()) {
      end_to_end.push_back(now - tick.receive_time.nanos());
      stage.push_back(now - before_ns);
    }
  });

  const auto started = std::chrono::steady_clock::now();
  core::Status status = pipeline.run(feed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  bus.close();
  core::Status writer_status = writer.close();
  if (!status.is_ok()) return status;
  if (!writer_status.is_ok()) return writer_status;

  RunResult r;
  const auto stats = pipeline.stats();
  r.ticks = stats.ticks_accepted;
  r.candles_1m = stats.candles[0];
  r.seconds = seconds;
  r.end_to_end = percentiles(end_to_end);
  r.stage = percentiles(stage);
  r.handoff = handoff;
  const auto latency = pipeline.latency();
  r.engine = from_snapshot(latency.tick_to_candle);
  r.receipt = from_snapshot(latency.receipt_to_candle);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int usage(const char* why) {
  std::fprintf(stderr, "latency_harness: %s\nusage: latency_harness [--speed max|Nx] [--batch N] [--runs N] [INPUT...]\n",
               why);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string speed_text = "max";
  size_t batch = 1024;
  int runs = 1;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--speed") {
      const char* v = value();
      if (!v) return usage("--speed needs a value");
      speed_text = v;
    } else if (a == "--batch") {
      const char* v = value();
      if (!v || std::atoll(v) <= 0) return usage("--batch needs a positive number");
      batch = static_cast<size_t>(std::atoll(v));
    } else if (a == "--runs") {
      const char* v = value();
      if (!v || std::atoi(v) <= 0) return usage("--runs needs a positive number");
      runs = std::atoi(v);
    } else if (!a.empty() && a[0] == '-') {
      return usage(("unknown option " + a).c_str());
    } else {
      inputs.push_back(a);
    }
  }
  double speed = 0;
  if (speed_text != "max") {
    std::string s = speed_text;
    if (!s.empty() && (s.back() == 'x' || s.back() == 'X')) s.pop_back();
    char* end = nullptr;
    speed = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(speed > 0)) return usage(("bad --speed " + speed_text).c_str());
  }
  if (inputs.empty()) inputs.push_back(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-1min/2023-02-28");
  core::Logger::set_level(core::LogLevel::kWarn);

  std::vector<RunResult> results;
  for (int r = 0; r < runs; ++r) {
    auto result = run_once(inputs, speed, batch);
    if (!result) {
      std::fprintf(stderr, "latency_harness: %s\n", result.status().message().c_str());
      return 1;
    }
    std::printf("%s\n", to_json(("run " + std::to_string(r + 1)).c_str(), speed_text, batch, *result).c_str());
    std::fflush(stdout);
    results.push_back(*result);
  }
  if (runs > 1) {
    RunResult m;
    auto med = [&](auto field) {
      std::vector<double> v;
      for (const auto& r : results) v.push_back(field(r));
      return median(v);
    };
    m.ticks = static_cast<uint64_t>(med([](const RunResult& r) { return static_cast<double>(r.ticks); }));
    m.candles_1m = static_cast<uint64_t>(med([](const RunResult& r) { return static_cast<double>(r.candles_1m); }));
    m.seconds = med([](const RunResult& r) { return r.seconds; });
    auto med_percentiles = [&](Percentiles RunResult::*field) {
      Percentiles p;
      p.p50 = med([&](const RunResult& r) { return (r.*field).p50; });
      p.p99 = med([&](const RunResult& r) { return (r.*field).p99; });
      p.p999 = med([&](const RunResult& r) { return (r.*field).p999; });
      p.max = med([&](const RunResult& r) { return (r.*field).max; });
      return p;
    };
    m.end_to_end = med_percentiles(&RunResult::end_to_end);
    m.stage = med_percentiles(&RunResult::stage);
    m.handoff = med_percentiles(&RunResult::handoff);
    m.engine = med_percentiles(&RunResult::engine);
    m.receipt = med_percentiles(&RunResult::receipt);
    std::printf("%s\n", to_json(("median of " + std::to_string(runs)).c_str(), speed_text, batch, m).c_str());
  }
  return 0;
}
