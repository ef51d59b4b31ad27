#include "store/candle_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "store/memory/memory_candle_store.h"
#include "store_test_util.h"

namespace nifty::store {
namespace {

using model::Interval;
using testing::kMarketOpenSeconds;

// A hand-written CandleStore that records what it is given. It can hold every upsert at a gate
// until the test opens it, and can fail a number of attempts (or all of them).
class FakeStore final : public CandleStore {
 public:
  core::Status upsert(std::span<const model::Candle> candles) override {
    std::unique_lock lock(mu_);
    ++attempts_;
    gate_cv_.wait(lock, [&] { return gate_open_; });
    if (fail_remaining_ != 0) {
      if (fail_remaining_ > 0) --fail_remaining_;
      return core::error(core::ErrorCode::kIoError, "disk on fire");
    }
    batch_sizes_.push_back(candles.size());
    stored_.insert(stored_.end(), candles.begin(), candles.end());
    return core::Status::ok();
  }
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol&, Interval, size_t) override {
    return core::error(core::ErrorCode::kInternal, "not used");
  }
  core::Result<std::vector<model::Candle>> range(const model::Symbol&, Interval, core::Timestamp,
                                                 core::Timestamp) override {
    return core::error(core::ErrorCode::kInternal, "not used");
  }
  core::Result<std::vector<model::Symbol>> symbols(Interval) override {
    return core::error(core::ErrorCode::kInternal, "not used");
  }
  core::Result<int64_t> count(Interval) override { return core::error(core::ErrorCode::kInternal, "not used"); }
  std::string_view backend() const override { return "fake"; }

  void close_gate() {
    std::lock_guard lock(mu_);
    gate_open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      gate_open_ = true;
    }
    gate_cv_.notify_all();
  }
  // -1: fail forever.
  void fail_next(int n) {
    std::lock_guard lock(mu_);
    fail_remaining_ = n;
  }
  std::vector<model::Candle> stored() const {
    std::lock_guard lock(mu_);
    return stored_;
  }
  std::vector<size_t> batch_sizes() const {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  int attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable gate_cv_;
  bool gate_open_ = true;
  int fail_remaining_ = 0;
  int attempts_ = 0;
  std::vector<model::Candle> stored_;
  std::vector<size_t> batch_sizes_;
};

// Polls `done` until it holds or 10 s pass.
template <typename F>
bool eventually(F done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::yield();
  }
  return done();
}

model::Candle nth_candle(int i) {
  return testing::make_candle("SYM" + std::to_string(i % 7), Interval::k1m, kMarketOpenSeconds + 60 * i, 10000 + i);
}

CandleWriterConfig fast_retries(size_t batch, size_t capacity) {
  return {.batch_size = batch, .queue_capacity = capacity, .max_attempts = 3,
          .retry_backoff = std::chrono::milliseconds(1)};
}

TEST(CandleWriter, WritesEverythingInOrderThroughAFullQueue) {
  FakeStore store;
  store.close_gate();
  CandleWriter writer(store, fast_retries(2, 4));
  constexpr int kCount = 1000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) writer.write(nth_candle(i));
  });
  // With the store held, the queue (4) fills and the producer has to wait.
  ASSERT_TRUE(eventually([&] { return writer.stats().queue_full_waits > 0; }));
  store.open_gate();
  producer.join();
  ASSERT_TRUE(writer.flush().is_ok());

  auto stored = store.stored();
  ASSERT_EQ(stored.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    testing::expect_same_candle(stored[static_cast<size_t>(i)], nth_candle(i));
    if (HasFailure()) break;
  }
  for (size_t n : store.batch_sizes()) EXPECT_LE(n, 2u);
  auto stats = writer.stats();
  EXPECT_EQ(stats.candles_written, static_cast<uint64_t>(kCount));
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_GT(stats.queue_full_waits, 0u);
  EXPECT_TRUE(writer.close().is_ok());
}

TEST(CandleWriter, BatchesWhatWaitsAndWritesALoneCandleWithoutAFlush) {
  FakeStore store;
  CandleWriter writer(store, fast_retries(16, 1024));
  // Idle: one candle reaches the store on its own.
  writer.write(nth_candle(0));
  ASSERT_TRUE(eventually([&] { return store.stored().size() == 1; }));

  // Under load (the store held while 100 candles queue up): they go in batches of at most 16.
  store.close_gate();
  for (int i = 1; i <= 100; ++i) writer.write(nth_candle(i));
  store.open_gate();
  ASSERT_TRUE(writer.flush().is_ok());
  auto sizes = store.batch_sizes();
  size_t total = 0;
  for (size_t n : sizes) {
    EXPECT_LE(n, 16u);
    total += n;
  }
  EXPECT_EQ(total, 101u);
  // 1 (idle) + at most 1 batch already taken when the gate closed + the rest taken 16 at a time
  // (ceil(100 / 16) = 7): at most 9 transactions, where one per candle would be 101.
  EXPECT_LE(sizes.size(), 9u);
  EXPECT_EQ(writer.stats().batches, sizes.size());
}

TEST(CandleWriter, FlushReturnsTheErrorOfAFailingStoreAfterBoundedRetries) {
  FakeStore store;
  store.fail_next(-1);
  CandleWriter writer(store, fast_retries(4096, 64));
  for (int i = 0; i < 3; ++i) writer.write(nth_candle(i));
  core::Status s = writer.flush();
  EXPECT_EQ(s.code(), core::ErrorCode::kIoError);
  EXPECT_NE(s.message().find("disk on fire"), std::string::npos) << s.message();

  auto stats = writer.stats();
  EXPECT_EQ(stats.candles_written, 0u);
  EXPECT_EQ(stats.candles_failed, 3u);
  EXPECT_GE(stats.errors, 1u);
  // Every transaction was tried exactly max_attempts (3) times: 2 retries each.
  EXPECT_EQ(store.attempts(), 3 * static_cast<int>(stats.errors));
  EXPECT_EQ(stats.retries, 2 * stats.errors);

  // The error was reported once; with nothing new, the next flush is clean.
  EXPECT_TRUE(writer.flush().is_ok());
  EXPECT_TRUE(writer.close().is_ok());
}

TEST(CandleWriter, ATransientFailureIsRetriedAndNothingIsLost) {
  FakeStore store;
  store.fail_next(1);
  CandleWriter writer(store, fast_retries(4096, 64));
  for (int i = 0; i < 5; ++i) writer.write(nth_candle(i));
  EXPECT_TRUE(writer.flush().is_ok());
  EXPECT_EQ(store.stored().size(), 5u);
  auto stats = writer.stats();
  EXPECT_EQ(stats.candles_written, 5u);
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.retries, 1u);
}

TEST(CandleWriter, AnInvalidCandleIsReportedAndTheOthersAreWritten) {
  FakeStore store;
  store.close_gate();  // so that all three candles form one batch
  CandleWriter writer(store, fast_retries(4096, 64));
  model::Candle bad = nth_candle(1);
  bad.symbol = model::Symbol("");
  writer.write(nth_candle(0));
  writer.write(bad);
  writer.write(nth_candle(2));
  store.open_gate();
  core::Status s = writer.flush();
  EXPECT_EQ(s.code(), core::ErrorCode::kInvalidArgument);
  auto stored = store.stored();
  ASSERT_EQ(stored.size(), 2u);
  testing::expect_same_candle(stored[0], nth_candle(0));
  testing::expect_same_candle(stored[1], nth_candle(2));
  EXPECT_EQ(writer.stats().candles_failed, 1u);
}

TEST(CandleWriter, CloseIsIdempotentAndAWriteAfterItIsReportedNotLostSilently) {
  MemoryCandleStore store;
  CandleWriter writer(store, fast_retries(8, 8));
  for (int i = 0; i < 50; ++i) writer.write(nth_candle(i));
  EXPECT_TRUE(writer.close().is_ok());
  auto count = store.count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 50);  // close() flushed
  EXPECT_TRUE(writer.close().is_ok());

  writer.write(nth_candle(99));
  EXPECT_EQ(writer.flush().code(), core::ErrorCode::kCancelled);
  EXPECT_EQ(writer.stats().candles_failed, 1u);
  EXPECT_TRUE(writer.close().is_ok());
}

TEST(CandleWriter, TheDestructorWritesWhatIsQueued) {
  MemoryCandleStore store;
  {
    CandleWriter writer(store, fast_retries(3, 5));
    for (int i = 0; i < 40; ++i) writer.write(nth_candle(i));
  }
  auto count = store.count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 40);
}

TEST(CandleWriter, ManyProducersAndFlushers) {
  MemoryCandleStore store;
  CandleWriter writer(store, fast_retries(32, 16));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        writer.write(nth_candle(t * 250 + i));
        if (i % 50 == 0) {
          EXPECT_TRUE(writer.flush().is_ok());
        }
      }
      // Everything this thread wrote is in the store once its flush returns.
      EXPECT_TRUE(writer.flush().is_ok());
      model::Candle last = nth_candle(t * 250 + 249);
      auto got = store.range(last.symbol, Interval::k1m, last.start, last.start + 1);
      ASSERT_TRUE(got.is_ok());
      EXPECT_EQ(got->size(), 1u);
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(writer.flush().is_ok());
  auto count = store.count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 1000);
  EXPECT_EQ(writer.stats().candles_written, 1000u);
}

}  // namespace
}  // namespace nifty::store
