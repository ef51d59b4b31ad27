#include "bus/inproc/inproc_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

namespace nifty::bus {
namespace {

model::Tick tick(uint64_t seq) {
  model::Tick t;
  t.symbol = model::Symbol("RELIANCE");
  t.last_price = model::Price::from_paise(285050);
  t.sequence = seq;
  return t;
}

TEST(Topic, NamesAreTheSpecs) {
  EXPECT_EQ(topic_name(Topic::kRawTicks), "raw-ticks");
  EXPECT_EQ(topic_name(Topic::kMarketCandles), "market_candles");
  EXPECT_EQ(topic_name(Topic::kAnalysisUpdates), "analysis_updates");
  EXPECT_EQ(topic_name(Topic::kSignals), "signals");
  EXPECT_EQ(topic_name(Topic::kMarketView), "market_view");
  for (Topic t : kAllTopics) EXPECT_EQ(parse_topic(topic_name(t)), t);
  EXPECT_FALSE(parse_topic("ticks").has_value());
}

TEST(InprocBus, InlineSubscribersRunInPublishOrderOnThePublishersThread) {
  InprocBus bus;
  std::vector<uint64_t> seen;
  std::thread::id handler_thread;
  ASSERT_TRUE(bus.subscribe(Topic::kRawTicks, "a", [&](const Message& m) {
    seen.push_back(std::get<model::Tick>(m).sequence);
    handler_thread = std::this_thread::get_id();
  }).is_ok());
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(bus.publish(Topic::kRawTicks, tick(i)).is_ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(handler_thread, std::this_thread::get_id());
  EXPECT_EQ(bus.published(Topic::kRawTicks), 5u);
  EXPECT_EQ(bus.published(Topic::kMarketCandles), 0u);
}

TEST(InprocBus, TopicsAreKeptApart) {
  InprocBus bus;
  int ticks = 0, candles = 0;
  ASSERT_TRUE(bus.subscribe(Topic::kRawTicks, "t", [&](const Message&) { ++ticks; }).is_ok());
  ASSERT_TRUE(bus.subscribe(Topic::kMarketCandles, "c", [&](const Message&) { ++candles; }).is_ok());
  ASSERT_TRUE(bus.publish(Topic::kRawTicks, tick(1)).is_ok());
  ASSERT_TRUE(bus.publish(Topic::kMarketCandles, model::Candle{}).is_ok());
  ASSERT_TRUE(bus.publish(Topic::kMarketCandles, model::Candle{}).is_ok());
  EXPECT_EQ(ticks, 1);
  EXPECT_EQ(candles, 2);
}

TEST(InprocBus, QueuedSubscriberGetsEverythingInOrderAfterDrain) {
  InprocBus bus;
  std::vector<uint64_t> seen;  // written only by the subscriber thread; read after drain()
  SubscribeOptions queued{.queued = true, .queue_capacity = 8};
  ASSERT_TRUE(bus.subscribe(Topic::kRawTicks, "slow", [&](const Message& m) {
    seen.push_back(std::get<model::Tick>(m).sequence);
  }, queued).is_ok());
  for (uint64_t i = 1; i <= 1000; ++i) ASSERT_TRUE(bus.publish(Topic::kRawTicks, tick(i)).is_ok());
  bus.drain();
  ASSERT_EQ(seen.size(), 1000u);
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_EQ(seen[i], i + 1);
}

TEST(InprocBus, FullQueueBlocksThePublisherInsteadOfDropping) {
  InprocBus bus;
  std::latch release(1);
  std::atomic<int> handled{0};
  SubscribeOptions queued{.queued = true, .queue_capacity = 2};
  ASSERT_TRUE(bus.subscribe(Topic::kRawTicks, "stuck", [&](const Message&) {
    release.wait();
    handled.fetch_add(1);
  }, queued).is_ok());
  std::atomic<int> published{0};
  std::thread publisher([&] {
    for (uint64_t i = 1; i <= 10; ++i) {
      ASSERT_TRUE(bus.publish(Topic::kRawTicks, tick(i)).is_ok());
      published.fetch_add(1);
    }
  });
  // The handler holds one message and the queue two more: the publisher cannot get past 3 (+1 in
  // flight while popping) until the handler is released. Poll until it is stuck there.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (published.load() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  for (int i = 0; i < 1000; ++i) std::this_thread::yield();
  EXPECT_LE(published.load(), 4);
  EXPECT_EQ(handled.load(), 0);
  release.count_down();
  publisher.join();
  bus.drain();
  EXPECT_EQ(handled.load(), 10);
  EXPECT_EQ(published.load(), 10);
}

TEST(InprocBus, CloseDeliversWhatWasQueuedThenRefusesPublishing) {
  InprocBus bus;
  std::atomic<int> handled{0};
  ASSERT_TRUE(bus.subscribe(Topic::kSignals, "s", [&](const Message&) { handled.fetch_add(1); },
                            SubscribeOptions{.queued = true, .queue_capacity = 100}).is_ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(bus.publish(Topic::kSignals, model::Signal{}).is_ok());
  bus.close();
  EXPECT_EQ(handled.load(), 50);
  auto st = bus.publish(Topic::kSignals, model::Signal{});
  EXPECT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), core::ErrorCode::kCancelled);
  bus.close();  // idempotent
}

TEST(InprocBus, MessageKeyIsTheSymbol) {
  EXPECT_EQ(message_key(tick(1)).view(), "RELIANCE");
  EXPECT_EQ(message_key(model::MarketView{}).view(), "MARKET");
}

}  // namespace
}  // namespace nifty::bus
