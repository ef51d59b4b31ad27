#include "store/spool/spooling_candle_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/metrics.h"
#include "store/spool/spool_codec.h"
#include "store/spool/tests/faulty_stores.h"
#include "store/tests/store_test_util.h"

namespace nifty::store {
namespace {

namespace fs = std::filesystem;
using testing::FaultyCandleStore;
using testing::poll_until;
using testing::TempDir;
using namespace std::chrono_literals;

constexpr auto kDrainTimeout = 20s;

SpoolConfig test_config(const std::string& dir, bool fsync = false) {
  SpoolConfig c;
  c.dir = dir;
  c.fsync = fsync;
  c.backoff_initial = 1ms;
  c.backoff_max = 10ms;
  return c;
}

std::unique_ptr<SpoolingCandleStore> open_store(CandleStore& inner, const SpoolConfig& config) {
  auto store = SpoolingCandleStore::create(inner, config);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

// Batch b: three candles over a small key space (4 symbols x 2 intervals x 10 minutes), so later
// batches overwrite keys of earlier ones. Every candle carries its batch in its volume (1000 * b + k).
std::vector<model::Candle> batch(int b) {
  static const char* kSymbols[] = {"RELIANCE", "TCS", "M&M", "BAJAJ-AUTO"};
  std::vector<model::Candle> out;
  for (int k = 0; k < 3; ++k) {
    model::Interval interval = (b + k) % 2 == 0 ? model::Interval::k1m : model::Interval::k5m;
    int64_t minute = (b * 7 + k) % 10;
    out.push_back(testing::make_candle(kSymbols[(b + k) % 4], interval, testing::kMarketOpenSeconds + 300 * minute,
                                       100'000 + 5 * b, 1000 * b + k));
  }
  return out;
}

int batch_of(const std::vector<model::Candle>& candles) { return static_cast<int>(candles.front().volume / 1000); }

// Every key of every interval, every column.
void expect_same_contents(CandleStore& expected, CandleStore& actual) {
  const core::Timestamp from(0);
  const core::Timestamp to(std::numeric_limits<int64_t>::max());
  for (model::Interval interval : model::kAllIntervals) {
    auto want_symbols = expected.symbols(interval);
    auto got_symbols = actual.symbols(interval);
    ASSERT_TRUE(want_symbols.is_ok() && got_symbols.is_ok());
    ASSERT_EQ(*want_symbols, *got_symbols) << model::interval_name(interval);
    for (const model::Symbol& s : *want_symbols) {
      auto want = expected.range(s, interval, from, to);
      auto got = actual.range(s, interval, from, to);
      ASSERT_TRUE(want.is_ok() && got.is_ok());
      ASSERT_EQ(want->size(), got->size()) << s.view() << " " << model::interval_name(interval);
      for (size_t i = 0; i < want->size(); ++i) testing::expect_same_candle((*want)[i], (*got)[i]);
    }
  }
}

double counter(const char* name) {
  return core::MetricsRegistry::global().counter(name, "", {{"backend", "faulty"}, {"spool", "candles"}}).value();
}
double gauge(const char* name) {
  return core::MetricsRegistry::global().gauge(name, "", {{"backend", "faulty"}, {"spool", "candles"}}).value();
}

TEST(SpoolingCandleStore, OutageInTheMiddleOfAStreamLosesAndDuplicatesNothing) {
  TempDir tmp;
  FaultyCandleStore inner;
  MemoryCandleStore reference;
  auto store = open_store(inner, test_config(tmp.file("spool")));
  const double spooled_before = counter("store_spooled_total");
  const double drained_before = counter("store_drained_total");

  constexpr int kBatches = 120;
  for (int b = 0; b < kBatches; ++b) {
    if (b == 40) inner.faults().set_down(true);
    if (b == 80) {
      SpoolHealth h = store->health();
      EXPECT_FALSE(h.backend_up);
      EXPECT_EQ(h.spooled_records, 40u);
      EXPECT_GT(h.spooled_bytes, 40 * SpoolFile::kRecordHeaderBytes);
      EXPECT_EQ(gauge("store_backend_up"), 0.0);
      EXPECT_EQ(gauge("store_spool_records"), 40.0);
      inner.faults().set_down(false);  // writes keep coming while the spool drains
    }
    auto candles = batch(b);
    ASSERT_TRUE(reference.upsert(candles).is_ok());
    ASSERT_TRUE(store->upsert(candles).is_ok()) << "batch " << b;
  }
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());

  expect_same_contents(reference, inner);
  auto committed = inner.committed();
  ASSERT_EQ(committed.size(), static_cast<size_t>(kBatches)) << "a batch was committed twice or never";
  for (int b = 0; b < kBatches; ++b) EXPECT_EQ(batch_of(committed[static_cast<size_t>(b)]), b) << "position " << b;

  SpoolHealth h = store->health();
  EXPECT_TRUE(h.backend_up);
  EXPECT_EQ(h.spooled_records, 0u);
  EXPECT_EQ(h.spooled_bytes, 0u);
  EXPECT_EQ(h.oldest_age.count(), 0);
  EXPECT_EQ(h.spooled_total, h.drained_total);
  EXPECT_GE(h.spooled_total, 40u);
  EXPECT_EQ(counter("store_spooled_total") - spooled_before, static_cast<double>(h.spooled_total));
  EXPECT_EQ(counter("store_drained_total") - drained_before, static_cast<double>(h.drained_total));
  EXPECT_EQ(gauge("store_backend_up"), 1.0);
  EXPECT_EQ(gauge("store_spool_bytes"), 0.0);
  EXPECT_EQ(gauge("store_spool_records"), 0.0);
}

TEST(SpoolingCandleStore, RetriesFailedWritesUntilTheBackendTakesThem) {
  TempDir tmp;
  FaultyCandleStore inner;
  auto store = open_store(inner, test_config(tmp.file("spool")));
  // The direct write and the first two drain attempts fail; the third drain attempt commits.
  inner.faults().fail_next(3, core::ErrorCode::kTimeout);
  ASSERT_TRUE(store->upsert(batch(0)).is_ok());
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  EXPECT_EQ(inner.faults().attempts(), 4);
  ASSERT_EQ(inner.committed().size(), 1u);

  inner.faults().fail_next(1, core::ErrorCode::kIoError);  // a dropped connection is spooled too
  ASSERT_TRUE(store->upsert(batch(1)).is_ok());
  EXPECT_GE(store->health().spooled_total, 2u);
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  EXPECT_EQ(inner.committed().size(), 2u);
}

TEST(SpoolingCandleStore, LaterWritesOfTheSameKeyWin) {
  TempDir tmp;
  FaultyCandleStore inner;
  auto store = open_store(inner, test_config(tmp.file("spool")));
  auto key = [](int64_t open) {
    return testing::make_candle("INFY", model::Interval::k1m, testing::kMarketOpenSeconds, open);
  };
  inner.faults().set_down(true);
  ASSERT_TRUE(store->upsert(std::vector{key(150'000)}).is_ok());
  ASSERT_TRUE(store->upsert(std::vector{key(150'500)}).is_ok());
  // Spooled candles are not visible until drained.
  EXPECT_TRUE(store->last_n(model::Symbol("INFY"), model::Interval::k1m, 5)->empty());
  inner.faults().set_down(false);
  ASSERT_TRUE(store->upsert(std::vector{key(151'000)}).is_ok());
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  auto got = store->last_n(model::Symbol("INFY"), model::Interval::k1m, 5);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 1u);
  testing::expect_same_candle((*got)[0], key(151'000));
}

TEST(SpoolingCandleStore, SpoolSurvivesACrashAndDrainsAtTheNextStart) {
  TempDir tmp;
  FaultyCandleStore inner;
  MemoryCandleStore reference;
  const SpoolConfig config = test_config(tmp.file("spool"), /*fsync=*/true);
  inner.faults().set_down(true);
  {
    auto store = open_store(inner, config);
    for (int b = 0; b < 10; ++b) {
      ASSERT_TRUE(reference.upsert(batch(b)).is_ok());
      ASSERT_TRUE(store->upsert(batch(b)).is_ok());
    }
    EXPECT_EQ(store->health().spooled_records, 10u);
  }  // destroyed without draining: the "crash"
  EXPECT_EQ(inner.committed().size(), 0u);
  inner.faults().set_down(false);
  auto store = open_store(inner, config);
  EXPECT_FALSE(store->health().backend_up);  // not known until the old spool drained
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  expect_same_contents(reference, inner);
  EXPECT_EQ(inner.committed().size(), 10u);
  EXPECT_TRUE(store->health().backend_up);
}

TEST(SpoolingCandleStore, CutsATornTailAtStartAndDrainsTheRest) {
  TempDir tmp;
  FaultyCandleStore inner;
  MemoryCandleStore reference;
  const SpoolConfig config = test_config(tmp.file("spool"));
  inner.faults().set_down(true);
  {
    auto store = open_store(inner, config);
    for (int b = 0; b < 5; ++b) {
      if (b < 4) {  // the fifth is torn below
        ASSERT_TRUE(reference.upsert(batch(b)).is_ok());
      }
      ASSERT_TRUE(store->upsert(batch(b)).is_ok());
    }
  }
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(tmp.file("spool") + "/candles")) {
    if (e.path().extension() == ".seg") segments.push_back(e.path());
  }
  ASSERT_EQ(segments.size(), 1u);
  fs::resize_file(segments[0], fs::file_size(segments[0]) - 5);

  auto& corrupt = core::MetricsRegistry::global().counter("store_spool_corrupt_total", "", {{"spool", "candles"}});
  const double corrupt_before = corrupt.value();
  inner.faults().set_down(false);
  auto store = open_store(inner, config);
  EXPECT_EQ(corrupt.value() - corrupt_before, 1.0);
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  expect_same_contents(reference, inner);
  EXPECT_EQ(inner.committed().size(), 4u);
}

TEST(SpoolingCandleStore, FullSpoolRefusesWithResourceExhaustedAndLosesNothing) {
  TempDir tmp;
  FaultyCandleStore inner;
  MemoryCandleStore reference;
  std::vector<uint8_t> record;
  encode_candle_batch(batch(0), record);  // every batch() encodes to the same size
  SpoolConfig config = test_config(tmp.file("spool"));
  config.max_bytes = 3 * (SpoolFile::kRecordHeaderBytes + record.size()) + 10;  // room for three batches
  auto store = open_store(inner, config);

  inner.faults().set_down(true);
  for (int b = 0; b < 3; ++b) {
    ASSERT_TRUE(reference.upsert(batch(b)).is_ok());
    ASSERT_TRUE(store->upsert(batch(b)).is_ok());
  }
  ASSERT_TRUE(reference.upsert(batch(3)).is_ok());
  EXPECT_EQ(store->upsert(batch(3)).code(), core::ErrorCode::kResourceExhausted);
  EXPECT_EQ(store->health().spooled_records, 3u);

  inner.faults().set_down(false);
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  ASSERT_TRUE(store->upsert(batch(3)).is_ok());  // the caller's retry
  expect_same_contents(reference, inner);
  EXPECT_EQ(inner.committed().size(), 4u);
}

TEST(SpoolingCandleStore, NonRetryableErrorsPassThroughAndAreNotSpooled) {
  TempDir tmp;
  FaultyCandleStore inner;
  auto store = open_store(inner, test_config(tmp.file("spool")));
  inner.faults().fail_next(1, core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(store->upsert(batch(0)).code(), core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(store->health().spooled_total, 0u);
  EXPECT_EQ(store->health().spooled_records, 0u);

  // An invalid candle is refused at the door even while a backlog makes writes go to the spool.
  inner.faults().set_down(true);
  ASSERT_TRUE(store->upsert(batch(1)).is_ok());
  auto bad = batch(2);
  bad[1].start = core::Timestamp(bad[1].start.nanos() + 1);  // not a whole second
  EXPECT_EQ(store->upsert(bad).code(), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->health().spooled_records, 1u);
  inner.faults().set_down(false);
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  ASSERT_EQ(inner.committed().size(), 1u);
  EXPECT_EQ(batch_of(inner.committed()[0]), 1);
}

TEST(SpoolingCandleStore, ReportsTheAgeOfTheOldestSpooledBatch) {
  TempDir tmp;
  FaultyCandleStore inner;
  auto store = open_store(inner, test_config(tmp.file("spool")));
  inner.faults().set_down(true);
  const core::Timestamp before = core::Timestamp::now();
  ASSERT_TRUE(store->upsert(batch(0)).is_ok());
  const core::Timestamp spooled_by = core::Timestamp::now();  // the batch was stamped before this
  core::Timestamp later;
  ASSERT_TRUE(poll_until([&] {
    later = core::Timestamp::now();
    return later.nanos() - spooled_by.nanos() > 2'000'000;
  }));
  SpoolHealth h = store->health();
  const core::Timestamp after = core::Timestamp::now();
  // before <= stamp <= spooled_by and later <= health time <= after bound the age.
  EXPECT_GE(h.oldest_age.count(), later.nanos() - spooled_by.nanos());
  EXPECT_LE(h.oldest_age.count(), after.nanos() - before.nanos());
  inner.faults().set_down(false);
  ASSERT_TRUE(store->drain_wait(kDrainTimeout).is_ok());
  EXPECT_EQ(store->health().oldest_age.count(), 0);
}

TEST(SpoolingCandleStore, RejectsAMissingDirectory) {
  FaultyCandleStore inner;
  auto store = SpoolingCandleStore::create(inner, SpoolConfig{});
  EXPECT_EQ(store.status().code(), core::ErrorCode::kConfigError);
}

}  // namespace
}  // namespace nifty::store
