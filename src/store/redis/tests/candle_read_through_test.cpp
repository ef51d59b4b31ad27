#include "store/redis/candle_read_through.h"

#include <gtest/gtest.h>

#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_hot_cache.h"
#include "store/redis/redis_hot_cache.h"
#include "store/redis/tests/redis_test_util.h"

namespace nifty::store {
namespace {

// Counts the reads that reach the store.
class CountingStore final : public CandleStore {
 public:
  core::Status upsert(std::span<const model::Candle> c) override { return inner_.upsert(c); }
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& s, model::Interval i, size_t n) override {
    ++reads;
    return inner_.last_n(s, i, n);
  }
  core::Result<std::vector<model::Candle>> range(const model::Symbol& s, model::Interval i, core::Timestamp from,
                                                 core::Timestamp to) override {
    ++reads;
    return inner_.range(s, i, from, to);
  }
  core::Result<std::vector<model::Symbol>> symbols(model::Interval i) override { return inner_.symbols(i); }
  core::Result<int64_t> count(model::Interval i) override { return inner_.count(i); }
  std::string_view backend() const override { return "counting"; }
  int reads = 0;

 private:
  MemoryCandleStore inner_;
};

// Minute m of 2024-01-25 from 09:15 IST (03:45 UTC = 1706154300), close 1000.00 + m rupees.
model::Candle minute(int m) {
  model::Candle c;
  c.symbol = model::Symbol("RELIANCE");
  c.start = core::Timestamp::from_seconds(1706154300 + 60 * m);
  c.close = model::Price::from_paise(100000 + 100 * m);
  c.open = c.close;
  c.high = c.close;
  c.low = c.close;
  c.volume = 10 + m;
  return c;
}

// Shared by the memory and the Redis cache: 10 minutes stored, the last 2 also written through.
void check_read_through(HotCache& cache, CountingStore& store, const std::function<void()>& settle) {
  std::vector<model::Candle> stored;
  for (int m = 0; m < 10; ++m) stored.push_back(minute(m));
  ASSERT_TRUE(store.upsert(stored).is_ok());
  ASSERT_TRUE(cache.add_closed_candle(minute(8)).is_ok());
  ASSERT_TRUE(cache.add_closed_candle(minute(9)).is_ok());
  settle();
  CandleReadThrough rt(cache, store);

  // Hit: the list holds the last 2.
  auto two = rt.last_n(model::Symbol("RELIANCE"), model::Interval::k1m, 2);
  ASSERT_TRUE(two.is_ok()) << two.status().to_string();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].close.paise(), 100900);
  EXPECT_EQ(store.reads, 0);

  // Miss: 6 wanted, 2 cached -> the store answers and the list is filled.
  auto six = rt.last_n(model::Symbol("RELIANCE"), model::Interval::k1m, 6);
  ASSERT_TRUE(six.is_ok()) << six.status().to_string();
  ASSERT_EQ(six->size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*six)[i].start, minute(4 + i).start) << i;
  EXPECT_EQ(store.reads, 1);
  settle();
  auto listed = cache.recent_candles(model::Symbol("RELIANCE"), model::Interval::k1m, 100);
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 6u);
  EXPECT_EQ((*listed)[0].start, minute(4).start);

  // Now a hit: the store is not read again.
  auto again = rt.last_n(model::Symbol("RELIANCE"), model::Interval::k1m, 6);
  ASSERT_TRUE(again.is_ok());
  ASSERT_EQ(again->size(), 6u);
  EXPECT_EQ(store.reads, 1);

  // More than the store has: one store read, then the list is known to be complete.
  auto all = rt.last_n(model::Symbol("RELIANCE"), model::Interval::k1m, 50);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->size(), 10u);
  EXPECT_EQ(store.reads, 2);
  settle();
  auto all_again = rt.last_n(model::Symbol("RELIANCE"), model::Interval::k1m, 50);
  ASSERT_TRUE(all_again.is_ok());
  EXPECT_EQ(all_again->size(), 10u);
  EXPECT_EQ(store.reads, 2);
  EXPECT_EQ(rt.stats().misses, 2u);
}

TEST(CandleReadThrough, MissLoadsFromTheStoreAndPopulatesAndHitDoesNotTouchIt) {
  MemoryHotCache cache;
  CountingStore store;
  check_read_through(cache, store, [] {});
}

TEST(CandleReadThrough, WorksOverRedis) {
  NIFTY_SHARED_REDIS(cfg, 7);
  auto opened = RedisHotCache::open(cfg);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  RedisHotCache& cache = **opened;
  CountingStore store;
  check_read_through(cache, store, [&] { ASSERT_TRUE(cache.flush(std::chrono::seconds(5))); });
}

TEST(CandleReadThrough, ReadsTheStoreWhenMoreThanTheListCapacityIsAsked) {
  MemoryHotCache cache(3);
  CountingStore store;
  std::vector<model::Candle> stored;
  for (int m = 0; m < 5; ++m) stored.push_back(minute(m));
  ASSERT_TRUE(store.upsert(stored).is_ok());
  CandleReadThrough rt(cache, store);
  auto r = rt.last_n(model::Symbol("RELIANCE"), model::Interval::k1m, 4);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->size(), 4u);
  EXPECT_EQ(store.reads, 1);
  EXPECT_EQ(rt.stats().bypasses, 1u);
}

}  // namespace
}  // namespace nifty::store
