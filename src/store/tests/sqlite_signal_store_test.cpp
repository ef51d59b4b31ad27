// SqliteSignalStore specifics: the table beside the candles in one file, persistence, errors.
// The shared contract is in signal_store_contract_test.cpp.
#include "store/sqlite/sqlite_signal_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_candle_store.h"
#include "store_test_util.h"

namespace nifty::store {
namespace {

using testing::kMarketOpenSeconds;

model::Signal buy(std::string_view symbol, int64_t seconds) {
  model::Signal s;
  s.id = std::string(symbol) + "-" + std::to_string(seconds) + "-BUY";
  s.symbol = model::Symbol(symbol);
  s.timestamp = core::Timestamp::from_seconds(seconds);
  s.action = model::Recommendation::kBuy;
  s.price = model::Price::from_paise(285050);
  s.confidence = 0.5;
  s.provenance.candle_time = s.timestamp;
  s.provenance.engine = "heuristic";
  return s;
}

TEST(SqliteSignalStore, SharesTheCandleDatabaseFile) {
  testing::TempDir dir;
  SqliteConfig config{.path = dir.file("nifty.db")};
  auto candles = SqliteCandleStore::open(config);
  ASSERT_TRUE(candles.is_ok()) << candles.status().to_string();
  auto signals = SqliteSignalStore::open(config);
  ASSERT_TRUE(signals.is_ok()) << signals.status().to_string();

  // Both connections write to the one file, interleaved.
  std::vector<model::Candle> one{testing::make_candle("RELIANCE", model::Interval::k1m, kMarketOpenSeconds, 285000)};
  ASSERT_TRUE((*candles)->upsert(one).is_ok());
  ASSERT_TRUE((*signals)->append(buy("RELIANCE", kMarketOpenSeconds)).is_ok());
  ASSERT_TRUE((*candles)->upsert(one).is_ok());

  // The signal joins with its candle on `time` (both unix seconds).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(config.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT s.action, s.price, c.close, s.provenance FROM signals s JOIN candles_1m c"
                               " ON c.symbol = s.symbol AND c.time = s.time",
                               -1, &stmt, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "BUY");
  EXPECT_EQ(sqlite3_column_double(stmt, 1), 2850.5);
  EXPECT_EQ(sqlite3_column_double(stmt, 2), 2850.35);  // make_candle: close = open + 35 paise
  std::string provenance = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
  EXPECT_NE(provenance.find("\"engine\":\"heuristic\""), std::string::npos) << provenance;
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  // The candle schema version is untouched, so the candle store still opens the file.
  candles = SqliteCandleStore::open(config);
  EXPECT_TRUE(candles.is_ok()) << candles.status().to_string();
}

TEST(SqliteSignalStore, SignalsSurviveAReopen) {
  testing::TempDir dir;
  SqliteConfig config{.path = dir.file("signals.db")};
  {
    auto store = SqliteSignalStore::open(config);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->append(buy("TCS", kMarketOpenSeconds)).is_ok());
  }
  auto store = SqliteSignalStore::open(config);
  ASSERT_TRUE(store.is_ok());
  auto all = (*store)->range(core::Timestamp::from_seconds(kMarketOpenSeconds),
                             core::Timestamp::from_seconds(kMarketOpenSeconds + 1));
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, "TCS-" + std::to_string(kMarketOpenSeconds) + "-BUY");
  EXPECT_EQ((*all)[0].provenance.engine, "heuristic");
}

TEST(SqliteSignalStore, AnUnopenablePathNamesThePath) {
  auto r = SqliteSignalStore::open({.path = "/nonexistent-dir/x/nifty.db"});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(r.status().message().find("/nonexistent-dir/x/nifty.db"), std::string::npos);
  EXPECT_FALSE(SqliteSignalStore::open({.path = ""}).is_ok());
}

}  // namespace
}  // namespace nifty::store
