#include "store/spool/spooling_signal_store.h"

#include <gtest/gtest.h>

#include "core/metrics.h"
#include "store/spool/tests/faulty_stores.h"
#include "store/tests/store_test_util.h"

namespace nifty::store {
namespace {

using testing::FaultySignalStore;
using testing::TempDir;
using namespace std::chrono_literals;

std::unique_ptr<SpoolingSignalStore> open_signals(SignalStore& inner, const std::string& dir) {
  SpoolConfig config;
  config.dir = dir;
  config.fsync = false;
  config.backoff_initial = 1ms;
  config.backoff_max = 5ms;
  auto store = SpoolingSignalStore::create(inner, config);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

// Signal n of a stream: ids repeat every 25 signals (a replay re-issuing the same signal), and the
// confidence tells which write a stored signal came from.
model::Signal signal(int n) {
  static const char* kSymbols[] = {"HDFCBANK", "ITC", "SBIN"};
  model::Signal s;
  const int slot = n % 25;
  s.symbol = model::Symbol(kSymbols[slot % 3]);
  s.timestamp = core::Timestamp::from_seconds(testing::kMarketOpenSeconds + 60 * slot);
  s.action = n % 2 == 0 ? model::Recommendation::kBuy : model::Recommendation::kSell;
  s.id = std::string(s.symbol.view()) + "-" + std::to_string(slot);
  s.price = model::Price::from_paise(50'000 + n);
  s.confidence = n / 1000.0;
  s.reason = "write " + std::to_string(n);
  s.provenance.candle_time = s.timestamp;
  s.provenance.rsi = n % 3 == 0 ? model::kNaN : 40.0 + n;
  s.provenance.engine = "heuristic";
  return s;
}

std::vector<model::Signal> everything(SignalStore& store) {
  auto got = store.range(core::Timestamp(0), core::Timestamp(std::numeric_limits<int64_t>::max()));
  EXPECT_TRUE(got.is_ok());
  return got.is_ok() ? *got : std::vector<model::Signal>{};
}

void expect_same_signals(SignalStore& expected, SignalStore& actual) {
  auto want = everything(expected);
  auto got = everything(actual);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].id, got[i].id);
    EXPECT_EQ(want[i].reason, got[i].reason) << want[i].id;  // which write won
    EXPECT_EQ(want[i].price, got[i].price) << want[i].id;
    EXPECT_EQ(std::isnan(want[i].provenance.rsi), std::isnan(got[i].provenance.rsi)) << want[i].id;
  }
}

TEST(SpoolingSignalStore, OutageInTheMiddleKeepsOrderSoTheLastWriteOfAnIdWins) {
  TempDir tmp;
  FaultySignalStore inner;
  MemorySignalStore reference;
  auto store = open_signals(inner, tmp.file("spool"));
  auto& spooled = core::MetricsRegistry::global().counter("store_spooled_total", "",
                                                          {{"backend", "faulty"}, {"spool", "signals"}});
  const double spooled_before = spooled.value();

  constexpr int kSignals = 100;
  for (int n = 0; n < kSignals; ++n) {
    if (n == 30) inner.faults().set_down(true, core::ErrorCode::kUnavailable);
    if (n == 70) inner.faults().set_down(false);
    ASSERT_TRUE(reference.append(signal(n)).is_ok());
    if (n % 4 == 3) {  // some as batches of two
      std::vector<model::Signal> two = {signal(n), signal(n)};
      two[1].reason = two[0].reason;
      ASSERT_TRUE(store->append_all(two).is_ok()) << n;
    } else {
      ASSERT_TRUE(store->append(signal(n)).is_ok()) << n;
    }
  }
  ASSERT_TRUE(store->drain_wait(20s).is_ok());
  expect_same_signals(reference, inner);
  EXPECT_EQ(inner.committed().size(), static_cast<size_t>(kSignals)) << "a batch was committed twice or never";
  EXPECT_GE(spooled.value() - spooled_before, 40.0);
  EXPECT_TRUE(store->health().backend_up);
}

TEST(SpoolingSignalStore, SpoolSurvivesACrashAndDrainsAtTheNextStart) {
  TempDir tmp;
  FaultySignalStore inner;
  MemorySignalStore reference;
  inner.faults().set_down(true);
  {
    auto store = open_signals(inner, tmp.file("spool"));
    for (int n = 0; n < 30; ++n) {
      ASSERT_TRUE(reference.append(signal(n)).is_ok());
      ASSERT_TRUE(store->append(signal(n)).is_ok());
    }
    EXPECT_EQ(store->health().spooled_records, 30u);
  }
  inner.faults().set_down(false);
  auto store = open_signals(inner, tmp.file("spool"));
  ASSERT_TRUE(store->drain_wait(20s).is_ok());
  expect_same_signals(reference, inner);
}

TEST(SpoolingSignalStore, NonRetryableErrorsPassThroughAndAreNotSpooled) {
  TempDir tmp;
  FaultySignalStore inner;
  auto store = open_signals(inner, tmp.file("spool"));
  inner.faults().fail_next(1, core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->append(signal(0)).code(), core::ErrorCode::kInvalidArgument);
  model::Signal no_id = signal(1);
  no_id.id.clear();
  EXPECT_EQ(store->append(no_id).code(), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->health().spooled_total, 0u);
  EXPECT_TRUE(everything(inner).empty());
}

}  // namespace
}  // namespace nifty::store
