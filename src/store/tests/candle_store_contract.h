// The CandleStore contract (store/candle_store.h) as value-parameterised tests: a test
// executable includes this header once and instantiates CandleStoreContract with the backends it makes.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <vector>

#include "store/candle_store.h"
#include "store_test_util.h"

namespace nifty::store {
namespace {

using model::Interval;
using testing::kMarketOpenSeconds;
using testing::make_candle;

struct CandleStoreContractBackend {
  const char* name;
  std::function<std::unique_ptr<CandleStore>(const testing::TempDir&)> make;
};

void PrintTo(const CandleStoreContractBackend& b, std::ostream* os) { *os << b.name; }

class CandleStoreContract : public ::testing::TestWithParam<CandleStoreContractBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_);
    if (IsSkipped()) return;  // a server backend without its test server configured
    ASSERT_NE(store_, nullptr);
  }
  testing::TempDir dir_;
  std::unique_ptr<CandleStore> store_;
};


TEST_P(CandleStoreContract, UpsertThenReadBackByEveryQuery) {
  // Three RELIANCE minutes and one TCS minute, written out of order.
  std::vector<model::Candle> in = {
      make_candle("RELIANCE", Interval::k1m, kMarketOpenSeconds + 120, 285050),
      make_candle("RELIANCE", Interval::k1m, kMarketOpenSeconds, 284500),
      make_candle("TCS", Interval::k1m, kMarketOpenSeconds, 350000),
      make_candle("RELIANCE", Interval::k1m, kMarketOpenSeconds + 60, 284800),
  };
  ASSERT_TRUE(store_->upsert(in).is_ok());

  auto count = store_->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok()) << count.status().to_string();
  EXPECT_EQ(*count, 4);

  auto syms = store_->symbols(Interval::k1m);
  ASSERT_TRUE(syms.is_ok());
  ASSERT_EQ(syms->size(), 2u);
  EXPECT_EQ((*syms)[0].view(), "RELIANCE");
  EXPECT_EQ((*syms)[1].view(), "TCS");

  // last_n: the newest two, oldest first.
  auto last = store_->last_n(model::Symbol("RELIANCE"), Interval::k1m, 2);
  ASSERT_TRUE(last.is_ok());
  ASSERT_EQ(last->size(), 2u);
  testing::expect_same_candle((*last)[0], in[3]);
  testing::expect_same_candle((*last)[1], in[0]);

  // More than stored: all three, oldest first.
  auto all = store_->last_n(model::Symbol("RELIANCE"), Interval::k1m, 300);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 3u);
  testing::expect_same_candle((*all)[0], in[1]);
  testing::expect_same_candle((*all)[1], in[3]);
  testing::expect_same_candle((*all)[2], in[0]);

  auto none = store_->last_n(model::Symbol("INFY"), Interval::k1m, 10);
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
  auto zero = store_->last_n(model::Symbol("RELIANCE"), Interval::k1m, 0);
  ASSERT_TRUE(zero.is_ok());
  EXPECT_TRUE(zero->empty());
}

TEST_P(CandleStoreContract, RangeIsHalfOpenAndOldestFirst) {
  std::vector<model::Candle> in;
  for (int m = 0; m < 10; ++m) in.push_back(make_candle("INFY", Interval::k1m, kMarketOpenSeconds + 60 * m, 150000 + m));
  ASSERT_TRUE(store_->upsert(in).is_ok());

  auto t = [](int minute) { return core::Timestamp::from_seconds(kMarketOpenSeconds + 60 * minute); };
  // [minute 2, minute 5) holds minutes 2, 3, 4.
  auto r = store_->range(model::Symbol("INFY"), Interval::k1m, t(2), t(5));
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].open.paise(), 150002);
  EXPECT_EQ((*r)[2].open.paise(), 150004);

  // A bound one nanosecond past minute 2 excludes it; one nanosecond past minute 5 includes 5.
  auto r2 = store_->range(model::Symbol("INFY"), Interval::k1m, t(2) + 1, t(5) + 1);
  ASSERT_TRUE(r2.is_ok());
  ASSERT_EQ(r2->size(), 3u);
  EXPECT_EQ((*r2)[0].open.paise(), 150003);
  EXPECT_EQ((*r2)[2].open.paise(), 150005);

  auto empty = store_->range(model::Symbol("INFY"), Interval::k1m, t(5), t(5));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
  auto reversed = store_->range(model::Symbol("INFY"), Interval::k1m, t(6), t(2));
  ASSERT_TRUE(reversed.is_ok());
  EXPECT_TRUE(reversed->empty());
}

TEST_P(CandleStoreContract, UpsertOfTheSameKeyReplacesEveryColumn) {
  model::Candle first = make_candle("HDFCBANK", Interval::k1m, kMarketOpenSeconds, 165000, 500);
  ASSERT_TRUE(store_->upsert(std::span(&first, 1)).is_ok());

  // A corrected candle: every column differs, including a lower high and a higher low than before
  // (the spec's ON CONFLICT would have kept the old high and low).
  model::Candle second = first;
  second.open = model::Price::from_paise(165010);
  second.high = model::Price::from_paise(165100);
  second.low = model::Price::from_paise(164990);
  second.close = model::Price::from_paise(165020);
  second.volume = 777;
  second.trades = 3;
  second.vwap = model::Price::from_paise(165015);
  ASSERT_TRUE(store_->upsert(std::span(&second, 1)).is_ok());

  auto count = store_->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 1);
  auto got = store_->last_n(model::Symbol("HDFCBANK"), Interval::k1m, 5);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 1u);
  testing::expect_same_candle((*got)[0], second);
}

TEST_P(CandleStoreContract, KeepsTheFiveIntervalsApart) {
  // The same symbol and start in every interval, each with its own price, in one mixed upsert.
  std::vector<model::Candle> in;
  int k = 0;
  for (Interval i : model::kAllIntervals) in.push_back(make_candle("SBIN", i, kMarketOpenSeconds, 60000 + 100 * k++));
  ASSERT_TRUE(store_->upsert(in).is_ok());

  k = 0;
  for (Interval i : model::kAllIntervals) {
    SCOPED_TRACE(std::string(model::interval_name(i)));
    auto count = store_->count(i);
    ASSERT_TRUE(count.is_ok());
    EXPECT_EQ(*count, 1);
    auto got = store_->last_n(model::Symbol("SBIN"), i, 10);
    ASSERT_TRUE(got.is_ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].interval, i);
    EXPECT_EQ((*got)[0].open.paise(), 60000 + 100 * k++);
  }
  // A 1m-only symbol does not appear among the 1d symbols.
  model::Candle only_1m = make_candle("ITC", Interval::k1m, kMarketOpenSeconds, 45000);
  ASSERT_TRUE(store_->upsert(std::span(&only_1m, 1)).is_ok());
  auto syms_1d = store_->symbols(Interval::k1d);
  ASSERT_TRUE(syms_1d.is_ok());
  ASSERT_EQ(syms_1d->size(), 1u);
  EXPECT_EQ((*syms_1d)[0].view(), "SBIN");
}

TEST_P(CandleStoreContract, RejectsAnInvalidCandleAndWritesNothingOfThatUpsert) {
  std::vector<model::Candle> in = {make_candle("WIPRO", Interval::k1m, kMarketOpenSeconds, 48000),
                                   make_candle("WIPRO", Interval::k1m, kMarketOpenSeconds + 60, 48010)};
  in[1].start = in[1].start + 500;  // not a whole second
  core::Status s = store_->upsert(in);
  EXPECT_EQ(s.code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("WIPRO"), std::string::npos) << s.message();

  model::Candle no_symbol = make_candle("", Interval::k1m, kMarketOpenSeconds, 48000);
  EXPECT_EQ(store_->upsert(std::span(&no_symbol, 1)).code(), core::ErrorCode::kInvalidArgument);
  model::Candle too_dear = make_candle("MRF", Interval::k1m, kMarketOpenSeconds, kMaxStoredPaise);
  EXPECT_EQ(store_->upsert(std::span(&too_dear, 1)).code(), core::ErrorCode::kInvalidArgument);

  auto count = store_->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 0);
}

TEST_P(CandleStoreContract, AnEmptyUpsertIsOk) {
  EXPECT_TRUE(store_->upsert({}).is_ok());
  auto count = store_->count(Interval::k5m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 0);
}

}  // namespace
}  // namespace nifty::store
