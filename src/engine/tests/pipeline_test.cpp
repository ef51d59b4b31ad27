#include "engine/pipeline.h"

#include <gtest/gtest.h>

#include <latch>
#include <map>

#include "bus/inproc/inproc_bus.h"
#include "predict/heuristic_engine.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_hot_cache.h"

namespace nifty::engine {
namespace {

using core::Timestamp;
constexpr core::Date kDay{2023, 2, 28};

model::Tick tick(const char* symbol, int hh, int mm, int ss, int64_t paise, int64_t cum_volume, uint64_t seq) {
  model::Tick t;
  t.symbol = model::Symbol(symbol);
  t.last_price = model::Price::from_paise(paise);
  t.cumulative_volume = cum_volume;
  t.exchange_time = Timestamp::from_ist(kDay, hh, mm, ss);
  t.receive_time = t.exchange_time;
  t.sequence = seq;
  return t;
}

// A feed that hands over a fixed list of events in batches of `batch`.
class ScriptFeed final : public feed::Feed {
 public:
  ScriptFeed(std::vector<model::Tick> ticks, size_t batch, std::optional<Timestamp> final_clock = std::nullopt)
      : ticks_(std::move(ticks)), batch_(batch), final_clock_(final_clock) {}
  std::string_view name() const override { return "script"; }
  core::Status run(feed::FeedSink& sink, std::stop_token) override {
    for (size_t i = 0; i < ticks_.size(); i += batch_) {
      size_t n = std::min(batch_, ticks_.size() - i);
      if (!sink.on_ticks(std::span(ticks_).subspan(i, n))) return core::Status::ok();
    }
    if (final_clock_) sink.on_clock(*final_clock_);
    return core::Status::ok();
  }

 private:
  std::vector<model::Tick> ticks_;
  size_t batch_;
  std::optional<Timestamp> final_clock_;
};

// The ticks of two symbols over a few minutes; ILLIQ trades only once.
std::vector<model::Tick> script() {
  std::vector<model::Tick> t;
  uint64_t seq = 1;
  t.push_back(tick("LIQ", 9, 8, 0, 10000, 500, seq++));  // pre-open print: baseline only
  t.push_back(tick("ILLIQ", 9, 15, 5, 50000, 10, seq++));
  for (int m = 15; m < 20; ++m) {
    for (int s = 0; s < 60; s += 20) {
      int64_t cum = 500 + (m - 15) * 300 + (s / 20 + 1) * 100;
      t.push_back(tick("LIQ", 9, m, s, 10000 + (m - 15) * 5 + s / 20 * 5, cum, seq++));
    }
  }
  return t;
}

struct Output {
  std::vector<std::string> candles;  // "SYMBOL interval start O H L C V" in publish order
  PipelineStats stats;
  uint64_t latency_samples = 0;
  std::array<int64_t, std::size(model::kAllIntervals)> stored{};
};

Output run_script(size_t batch, std::optional<Timestamp> final_clock, PipelineConfig config = {}) {
  bus::InprocBus bus;
  predict::HeuristicEngine engine;
  store::MemoryCandleStore store;
  store::CandleWriter writer(store);
  store::MemoryHotCache cache;
  PipelineDeps deps{core::NseCalendar::builtin(), bus, engine, &writer, &cache};
  Pipeline pipeline(config, deps, "script");
  Output out;
  EXPECT_TRUE(bus.subscribe(bus::Topic::kMarketCandles, "test", [&](const bus::Message& m) {
    const auto& c = std::get<model::Candle>(m);
    out.candles.push_back(c.symbol.str() + " " + std::string(model::interval_name(c.interval)) + " " +
                          c.start.to_ist_clock() + " " + c.open.to_string() + " " + c.high.to_string() + " " +
                          c.low.to_string() + " " + c.close.to_string() + " " + std::to_string(c.volume));
  }).is_ok());
  ScriptFeed feed(script(), batch, final_clock);
  EXPECT_TRUE(pipeline.run(feed).is_ok());
  out.stats = pipeline.stats();
  out.latency_samples = pipeline.latency().tick_to_candle.count;
  EXPECT_TRUE(writer.close().is_ok());
  for (model::Interval i : model::kAllIntervals) out.stored[static_cast<size_t>(i)] = store.count(i).value();
  return out;
}

TEST(Pipeline, SameAnswerWhateverTheBatching) {
  Timestamp end = Timestamp::from_ist(kDay, 9, 21, 30);
  Output one = run_script(1, end);
  Output many = run_script(7, end);
  Output all = run_script(10'000, end);
  EXPECT_EQ(one.candles, many.candles);
  EXPECT_EQ(one.candles, all.candles);
  EXPECT_FALSE(one.candles.empty());
}

TEST(Pipeline, BuildsCandlesFromNormalisedTicks) {
  Output out = run_script(16, Timestamp::from_ist(kDay, 9, 21, 30));
  EXPECT_EQ(out.stats.ticks_received, 17u);
  EXPECT_EQ(out.stats.ticks_accepted, 16u);
  EXPECT_EQ(out.stats.rejected[static_cast<size_t>(feed::RejectReason::kOutsideSession)], 1u);
  // LIQ 09:15: ticks at 10000, 10005, 10010 paise; cumulative 600, 700, 800 over a 500 pre-open
  // baseline -> volume 300 (the auction's 500 is not in it).
  auto first = std::find_if(out.candles.begin(), out.candles.end(),
                            [](const std::string& s) { return s.rfind("LIQ 1m 09:15:00", 0) == 0; });
  ASSERT_NE(first, out.candles.end());
  EXPECT_EQ(*first, "LIQ 1m 09:15:00 100.00 100.10 100.00 100.10 300");
  // Five 1m candles of LIQ, one of ILLIQ, and LIQ's complete 09:15 5-minute rollup.
  EXPECT_EQ(out.stats.candles[static_cast<size_t>(model::Interval::k1m)], 6u);
  EXPECT_NE(std::find(out.candles.begin(), out.candles.end(), "LIQ 5m 09:15:00 100.00 100.30 100.00 100.30 1500"),
            out.candles.end());
  EXPECT_EQ(out.stats.scorecards, 6u);
}

TEST(Pipeline, StoresEveryCandleItClosed) {
  Output out = run_script(16, Timestamp::from_ist(kDay, 9, 21, 30));
  for (model::Interval i : model::kAllIntervals) {
    EXPECT_EQ(out.stored[static_cast<size_t>(i)], static_cast<int64_t>(out.stats.candles[static_cast<size_t>(i)]))
        << model::interval_name(i);
  }
}

TEST(Pipeline, DoesNotStoreCandlesFinerThanStoreFrom) {
  PipelineConfig config;
  config.store_from = model::Interval::k5m;
  Output out = run_script(16, Timestamp::from_ist(kDay, 9, 21, 30), config);
  EXPECT_GT(out.stats.candles[0], 0u);  // built and analysed...
  EXPECT_EQ(out.stored[0], 0);          // ...but not stored
  EXPECT_EQ(out.stored[static_cast<size_t>(model::Interval::k5m)],
            static_cast<int64_t>(out.stats.candles[static_cast<size_t>(model::Interval::k5m)]));
  EXPECT_GT(out.stored[static_cast<size_t>(model::Interval::k5m)], 0);
}

TEST(Pipeline, AnalysesASymbolAtTheIntervalItIsStoredFrom) {
  PipelineConfig config;
  config.store_from_symbol[model::Symbol("LIQ")] = model::Interval::k5m;  // as a replay of 5-minute data sets it
  Output out = run_script(16, Timestamp::from_ist(kDay, 9, 21, 30), config);
  // LIQ: one 5-minute candle (09:15-09:20), analysed once; ILLIQ: its one 1-minute candle.
  EXPECT_EQ(out.stats.candles[static_cast<size_t>(model::Interval::k5m)], 2u);  // LIQ and ILLIQ
  EXPECT_EQ(out.stats.scorecards, 2u);
  EXPECT_EQ(out.stored[0], 1);  // only ILLIQ's minute is stored at 1m
}

TEST(Pipeline, RecordsTheLatencyOfEveryAcceptedTick) {
  Output out = run_script(16, Timestamp::from_ist(kDay, 9, 21, 30));
  EXPECT_EQ(out.latency_samples, out.stats.ticks_accepted);
}

TEST(Pipeline, IlliquidCandleClosesOnTheClockBeforeLaterTicksOfOthers) {
  Output out = run_script(16, Timestamp::from_ist(kDay, 9, 21, 30));
  // ILLIQ's only tick is at 09:15:05; it closes when engine time passes 09:16:02 (minute end +
  // 2 s grace), driven by LIQ's ticks, so it comes out before LIQ's 09:16 candle closes at 09:17.
  auto illiq = std::find(out.candles.begin(), out.candles.end(), "ILLIQ 1m 09:15:00 500.00 500.00 500.00 500.00 10");
  auto liq_0916 = std::find_if(out.candles.begin(), out.candles.end(),
                               [](const std::string& s) { return s.rfind("LIQ 1m 09:16:00", 0) == 0; });
  ASSERT_NE(illiq, out.candles.end());
  ASSERT_NE(liq_0916, out.candles.end());
  EXPECT_LT(illiq, liq_0916);
}

TEST(Pipeline, OpenCandlesAreFlushedWhenTheFeedEnds) {
  // No final clock: the last minute (09:19) is still open when the feed ends; it must be stored.
  Output out = run_script(16, std::nullopt);
  EXPECT_NE(std::find_if(out.candles.begin(), out.candles.end(),
                         [](const std::string& s) { return s.rfind("LIQ 1m 09:19:00", 0) == 0; }),
            out.candles.end());
}

// A feed that sends ticks until it is stopped.
class EndlessFeed final : public feed::Feed {
 public:
  std::string_view name() const override { return "endless"; }
  core::Status run(feed::FeedSink& sink, std::stop_token stop) override {
    uint64_t seq = 1;
    int64_t cum = 0;
    for (int i = 0; !stop.stop_requested(); ++i) {
      int sec = i % 20000;
      model::Tick t = tick("LIQ", 9 + (15 + sec / 60) / 60, (15 + sec / 60) % 60, sec % 60, 10000, cum += 10, seq++);
      handed.fetch_add(1);
      if (!sink.on_ticks(std::span(&t, 1))) break;
      sent.fetch_add(1);
    }
    return core::Status::ok();
  }
  std::atomic<uint64_t> handed{0};  // passed to on_ticks
  std::atomic<uint64_t> sent{0};    // and accepted (on_ticks returned true)
};

void stop_drains_everything_received(bool inline_feed) {
  bus::InprocBus bus;
  predict::HeuristicEngine engine;
  store::MemoryCandleStore store;
  store::CandleWriter writer(store);
  PipelineDeps deps{core::NseCalendar::builtin(), bus, engine, &writer, nullptr};
  PipelineConfig config;
  config.inline_feed = inline_feed;
  Pipeline pipeline(config, deps, "endless");
  EndlessFeed feed;
  std::stop_source stop;
  std::thread stopper([&] {
    while (pipeline.stats().candles[0] < 3) std::this_thread::yield();
    stop.request_stop();
  });
  ASSERT_TRUE(pipeline.run(feed, stop.get_token()).is_ok());
  stopper.join();
  auto stats = pipeline.stats();
  // Queued: every tick the sink accepted was processed. Inline: every tick handed over was, even
  // the batch whose call answered the stop with false.
  EXPECT_EQ(stats.ticks_received, inline_feed ? feed.handed.load() : feed.sent.load());
  ASSERT_TRUE(writer.close().is_ok());
  EXPECT_EQ(store.count(model::Interval::k1m).value(), static_cast<int64_t>(stats.candles[0]));
}

TEST(Pipeline, StopDrainsEverythingReceived) { stop_drains_everything_received(false); }

TEST(Pipeline, InlineStopKeepsEverythingHandedOver) { stop_drains_everything_received(true); }

TEST(Pipeline, InlineGivesTheSameAnswerAsTheEngineThread) {
  PipelineConfig inline_config;
  inline_config.inline_feed = true;
  for (size_t batch : {size_t{1}, size_t{7}, size_t{10'000}}) {
    Output queued = run_script(batch, Timestamp::from_ist(kDay, 9, 21, 30));
    Output inlined = run_script(batch, Timestamp::from_ist(kDay, 9, 21, 30), inline_config);
    EXPECT_EQ(inlined.candles, queued.candles) << "batch " << batch;
    EXPECT_EQ(inlined.stats.ticks_accepted, queued.stats.ticks_accepted);
    EXPECT_EQ(inlined.stats.scorecards, queued.stats.scorecards);
    EXPECT_EQ(inlined.stored, queued.stored);
    EXPECT_EQ(inlined.latency_samples, inlined.stats.ticks_accepted);
  }
}

// The point of inline_feed: every stage runs on the thread that hands the ticks over.
TEST(Pipeline, InlineRunsTheStagesOnTheFeedsThread) {
  for (bool inline_feed : {false, true}) {
    bus::InprocBus bus;
    predict::HeuristicEngine engine;
    PipelineConfig config;
    config.inline_feed = inline_feed;
    Pipeline pipeline(config, PipelineDeps{core::NseCalendar::builtin(), bus, engine}, "script");
    std::thread::id feed_thread;
    std::vector<std::thread::id> stage_threads;
    ASSERT_TRUE(bus.subscribe(bus::Topic::kRawTicks, "test", [&](const bus::Message&) {
      stage_threads.push_back(std::this_thread::get_id());
    }).is_ok());
    class ThreadFeed final : public feed::Feed {
     public:
      explicit ThreadFeed(std::thread::id& id) : id_(id) {}
      std::string_view name() const override { return "thread"; }
      core::Status run(feed::FeedSink& sink, std::stop_token) override {
        id_ = std::this_thread::get_id();
        auto ticks = script();
        sink.on_ticks(ticks);
        return core::Status::ok();
      }
      std::thread::id& id_;
    } feed(feed_thread);
    ASSERT_TRUE(pipeline.run(feed).is_ok());
    ASSERT_EQ(stage_threads.size(), 16u);
    for (auto id : stage_threads) EXPECT_EQ(id == feed_thread, inline_feed);
  }
}

}  // namespace
}  // namespace nifty::engine
