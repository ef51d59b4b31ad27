#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

namespace nifty::core {
namespace {

using namespace std::chrono_literals;

// Polls `cond` until it holds or a generous deadline passes.
template <typename F>
bool eventually(F cond, std::chrono::seconds deadline = 10s) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::yield();
  }
  return cond();
}

TEST(BoundedQueue, KeepsFifoOrder) {
  BoundedQueue<int> q(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push(i));
  std::vector<int> out;
  EXPECT_EQ(q.pop_some(out, 3, 0ns), 3u);
  EXPECT_EQ(q.pop_some(out, 10, 0ns), 2u);
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(q.size(), 0u);
}

TEST(BoundedQueue, ZeroCapacityMeansOne) { EXPECT_EQ(BoundedQueue<int>(0).capacity(), 1u); }

TEST(BoundedQueue, PopTimesOutOnAnEmptyOpenQueue) {
  BoundedQueue<int> q(2);
  std::vector<int> out;
  EXPECT_EQ(q.pop_some(out, 1, 1ms), 0u);
  EXPECT_FALSE(q.closed());
  EXPECT_FALSE(q.finished());
}

TEST(BoundedQueue, FullQueueBlocksTheProducerUntilAConsumerPops) {
  BoundedQueue<int> q(2);
  ASSERT_TRUE(q.push(1));
  ASSERT_TRUE(q.push(2));
  std::atomic<bool> pushed{false};
  std::atomic<bool> result{false};
  std::thread producer([&] {
    result = q.push(3);
    pushed = true;
  });
  // full_waits() takes the queue's mutex, which the producer only releases inside its wait: once it
  // reads 1, the producer is blocked on the full queue.
  ASSERT_TRUE(eventually([&] { return q.full_waits() == 1; }));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.size(), 2u);

  std::vector<int> out;
  ASSERT_EQ(q.pop_some(out, 1, 0ns), 1u);
  ASSERT_TRUE(eventually([&] { return pushed.load(); }));
  producer.join();
  EXPECT_TRUE(result.load());
  EXPECT_EQ(q.pop_some(out, 10, 0ns), 2u);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

TEST(BoundedQueue, PushAllFeedsAConsumerThroughASmallQueue) {
  BoundedQueue<int> q(3);
  std::vector<int> items(100);
  std::iota(items.begin(), items.end(), 0);
  std::vector<int> got;
  std::thread consumer([&] {
    std::vector<int> batch;
    while (true) {
      batch.clear();
      size_t n = q.pop_some(batch, 2, 5ms);
      got.insert(got.end(), batch.begin(), batch.end());
      if (n == 0 && q.finished()) break;
    }
  });
  ASSERT_TRUE(q.push_all(items));
  q.close();
  consumer.join();
  EXPECT_EQ(got, items);
  EXPECT_GT(q.full_waits(), 0u);
}

TEST(BoundedQueue, CloseFailsLaterPushesButLetsConsumersDrain) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.push(1));
  ASSERT_TRUE(q.push(2));
  q.close();
  EXPECT_TRUE(q.closed());
  EXPECT_FALSE(q.finished());
  EXPECT_FALSE(q.push(3));
  const int more[] = {4, 5};
  EXPECT_FALSE(q.push_all(more));
  std::vector<int> out;
  EXPECT_EQ(q.pop_some(out, 10, 0ns), 2u);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  EXPECT_TRUE(q.finished());
  EXPECT_EQ(q.pop_some(out, 10, 1s), 0u);  // returns at once: closed and empty
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.push(1));
  std::atomic<int> state{0};  // 0 running, 1 returned true, 2 returned false
  std::thread producer([&] { state = q.push(2) ? 1 : 2; });
  ASSERT_TRUE(eventually([&] { return q.full_waits() == 1; }));
  q.close();
  producer.join();
  EXPECT_EQ(state.load(), 2);
  EXPECT_EQ(q.size(), 1u);
}

TEST(BoundedQueue, CloseWakesAWaitingConsumer) {
  BoundedQueue<int> q(1);
  std::atomic<bool> started{false};
  std::atomic<size_t> got{99};
  std::thread consumer([&] {
    std::vector<int> out;
    started = true;
    got = q.pop_some(out, 1, std::chrono::hours(1));
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  q.close();
  consumer.join();  // would hang for an hour if close() did not wake it
  EXPECT_EQ(got.load(), 0u);
}

TEST(BoundedQueue, ManyProducersManyConsumersLoseNothing) {
  BoundedQueue<int> q(16);
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 2000;
  std::atomic<int64_t> sum{0};
  std::atomic<int> count{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&] {
      std::vector<int> batch;
      while (true) {
        batch.clear();
        size_t n = q.pop_some(batch, 8, 5ms);
        for (int v : batch) sum += v;
        count += static_cast<int>(n);
        if (n == 0 && q.finished()) break;
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(q.push(p * kPerProducer + i + 1));
    });
  }
  for (auto& t : producers) t.join();
  q.close();
  for (auto& t : threads) t.join();
  const int64_t n = kProducers * kPerProducer;
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), n * (n + 1) / 2);
}

TEST(BoundedQueue, SpinningConsumerTakesAnItemPushedDuringItsSpin) {
  BoundedQueue<int> q(4);
  std::atomic<bool> started{false};
  std::atomic<size_t> got{99};
  std::vector<int> out;
  std::thread consumer([&] {
    started = true;
    // A spin far longer than the test needs, so the push lands inside it on any machine; the
    // timeout is longer still, so a lost item would show as a one-hour hang, not a pass.
    got = q.pop_some(out, 4, std::chrono::hours(1), 10s);
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  ASSERT_TRUE(q.push(7));
  consumer.join();
  EXPECT_EQ(got.load(), 1u);
  EXPECT_EQ(out, (std::vector<int>{7}));
  EXPECT_EQ(q.size(), 0u);
}

TEST(BoundedQueue, SpinEndsAtTheTimeoutOnAnEmptyQueue) {
  BoundedQueue<int> q(2);
  std::vector<int> out;
  const auto t0 = std::chrono::steady_clock::now();
  // The spin is bounded by the timeout: an empty queue returns after ~2 ms, not 10 s.
  EXPECT_EQ(q.pop_some(out, 1, 2ms, 10s), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(out.empty());
}

TEST(BoundedQueue, CloseEndsASpinningConsumer) {
  BoundedQueue<int> q(1);
  std::atomic<bool> started{false};
  std::atomic<size_t> got{99};
  std::thread consumer([&] {
    std::vector<int> out;
    started = true;
    got = q.pop_some(out, 1, std::chrono::hours(1), std::chrono::hours(1));
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  q.close();
  consumer.join();  // would spin, then wait, for an hour each if close() did not end both
  EXPECT_EQ(got.load(), 0u);
  EXPECT_TRUE(q.finished());
}

TEST(BoundedQueue, SpinningConsumersLoseNothingAndKeepBackpressure) {
  BoundedQueue<int> q(4);
  constexpr int kItems = 5000;
  std::vector<int> got;
  std::thread consumer([&] {
    std::vector<int> batch;
    while (true) {
      batch.clear();
      size_t n = q.pop_some(batch, 3, 5ms, 20us);
      got.insert(got.end(), batch.begin(), batch.end());
      if (n == 0 && q.finished()) break;
    }
  });
  std::vector<int> items(kItems);
  std::iota(items.begin(), items.end(), 0);
  ASSERT_TRUE(q.push_all(items));
  q.close();
  consumer.join();
  EXPECT_EQ(got, items);
  EXPECT_GT(q.full_waits(), 0u);  // a capacity of 4 against 5000 items: the producer had to wait
}

}  // namespace
}  // namespace nifty::core
