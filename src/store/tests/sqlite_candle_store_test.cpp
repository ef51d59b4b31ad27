// SqliteCandleStore specifics: exact prices, files, schema, errors. The shared contract is in
// candle_store_contract_test.cpp.
#include "store/sqlite/sqlite_candle_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "store_test_util.h"

namespace nifty::store {
namespace {

using model::Interval;
using testing::kMarketOpenSeconds;

std::unique_ptr<SqliteCandleStore> open_or_fail(const std::string& path) {
  auto r = SqliteCandleStore::open({.path = path});
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : nullptr;
}

// Runs one query returning one text/integer cell with the raw SQLite API, independent of the store.
std::string raw_query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, 0);
      out = t != nullptr ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db);
  return out;
}

// Writes rows whose five price columns hold consecutive paise values [first, last], then reads
// them back and expects every value unchanged.
void expect_paise_round_trip(SqliteCandleStore& store, const char* symbol, int64_t first, int64_t last) {
  std::vector<model::Candle> rows;
  int64_t next = first;
  int64_t minute = 0;
  while (next <= last) {
    model::Candle c;
    c.symbol = model::Symbol(symbol);
    c.interval = Interval::k1m;
    c.start = core::Timestamp::from_seconds(kMarketOpenSeconds + 60 * minute++);
    model::Price* fields[] = {&c.open, &c.high, &c.low, &c.close, &c.vwap};
    for (model::Price* f : fields) {
      *f = model::Price::from_paise(std::min(next, last));
      ++next;
    }
    rows.push_back(c);
  }
  for (size_t i = 0; i < rows.size(); i += 4096) {
    size_t n = std::min<size_t>(4096, rows.size() - i);
    ASSERT_TRUE(store.upsert(std::span(rows.data() + i, n)).is_ok());
  }
  auto back = store.last_n(model::Symbol(symbol), Interval::k1m, rows.size());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), rows.size());
  int64_t mismatches = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const model::Candle& a = rows[i];
    const model::Candle& b = (*back)[i];
    mismatches += (a.open != b.open) + (a.high != b.high) + (a.low != b.low) + (a.close != b.close) +
                  (a.vwap != b.vwap);
    if (mismatches > 0) {
      ADD_FAILURE() << "row " << i << " open " << a.open.paise() << " came back as " << b.open.paise();
      return;
    }
  }
}

TEST(SqliteCandleStore, EveryPaisaValueRoundTripsExactly) {
  testing::TempDir dir;
  auto store = open_or_fail(dir.file("paise.db"));
  ASSERT_NE(store, nullptr);
  // Every paisa from Rs 0.00 to Rs 2,999.99 (where Nifty 50 prices live) ...
  expect_paise_round_trip(*store, "LOW", 0, 299'999);
  // ... and the top of NUMERIC(10, 2), where a double has the fewest bits to spare.
  expect_paise_round_trip(*store, "HIGH", kMaxStoredPaise - 299'999, kMaxStoredPaise);
  // ... and negative values (a change, never a price, but the column allows them).
  expect_paise_round_trip(*store, "NEG", -100'000, -1);
}

TEST(SqliteCandleStore, StoresARealFiveMinuteSeriesAndCollapsesItsRepeatedDays) {
  // RELIANCE 5-minute candles, 2023-07-03 .. 2024-06-28 (shared/data README: three days appear
  // twice, so the distinct count is below the line count). The reference is a std::map keyed by
  // start, built here from the file.
  std::ifstream in(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-5min-2023-24/RELIANCE.csv");
  if (!in) GTEST_SKIP() << "shared data not present";
  std::string line;
  std::getline(in, line);  // header
  std::vector<model::Candle> rows;
  std::map<int64_t, model::Candle> expected;
  while (std::getline(in, line)) {
    std::vector<std::string_view> f;
    std::string_view rest(line);
    for (size_t p; (p = rest.find(',')) != std::string_view::npos; rest.remove_prefix(p + 1)) f.push_back(rest.substr(0, p));
    f.push_back(rest);
    ASSERT_EQ(f.size(), 6u) << line;
    auto ts = core::Timestamp::parse(f[0]);
    ASSERT_TRUE(ts.is_ok()) << line;
    model::Candle c;
    c.symbol = model::Symbol("RELIANCE");
    c.interval = Interval::k5m;
    c.start = *ts;
    auto o = model::Price::parse(f[1]), h = model::Price::parse(f[2]), l = model::Price::parse(f[3]),
         cl = model::Price::parse(f[4]);
    ASSERT_TRUE(o && h && l && cl) << line;
    c.open = *o;
    c.high = *h;
    c.low = *l;
    c.close = *cl;
    c.vwap = *cl;
    c.volume = std::stoll(std::string(f[5]));
    rows.push_back(c);
    expected[c.start.nanos()] = c;
  }
  ASSERT_GT(rows.size(), expected.size()) << "the file should repeat some days";

  testing::TempDir dir;
  auto store = open_or_fail(dir.file("real.db"));
  ASSERT_NE(store, nullptr);
  for (size_t i = 0; i < rows.size(); i += 4096) {
    ASSERT_TRUE(store->upsert(std::span(rows.data() + i, std::min<size_t>(4096, rows.size() - i))).is_ok());
  }
  auto count = store->count(Interval::k5m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, static_cast<int64_t>(expected.size()));

  auto all = store->range(model::Symbol("RELIANCE"), Interval::k5m, core::Timestamp(expected.begin()->first),
                          core::Timestamp(expected.rbegin()->first + 1));
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), expected.size());
  size_t i = 0;
  for (const auto& [start, c] : expected) {
    testing::expect_same_candle((*all)[i++], c);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(SqliteCandleStore, PersistsAcrossReopenWithSchemaVersionAndWal) {
  testing::TempDir dir;
  std::string path = dir.file("persist.db");
  model::Candle c = testing::make_candle("TITAN", Interval::k15m, kMarketOpenSeconds, 360050);
  {
    auto store = open_or_fail(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->upsert(std::span(&c, 1)).is_ok());
  }
  EXPECT_EQ(raw_query(path, "PRAGMA user_version"), std::to_string(SqliteCandleStore::kSchemaVersion));
  EXPECT_EQ(raw_query(path, "PRAGMA journal_mode"), "wal");
  // Prices are stored as rupees, time as unix seconds (readable by any SQLite client).
  EXPECT_EQ(raw_query(path, "SELECT open FROM candles_15m"), "3600.5");
  EXPECT_EQ(raw_query(path, "SELECT time FROM candles_15m"), std::to_string(kMarketOpenSeconds));

  auto store = open_or_fail(path);
  ASSERT_NE(store, nullptr);
  auto got = store->last_n(model::Symbol("TITAN"), Interval::k15m, 1);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 1u);
  testing::expect_same_candle((*got)[0], c);
}

TEST(SqliteCandleStore, AnUncreatablePathGivesAnIoErrorNamingThePath) {
  const std::string in_proc = "/proc/nifty/x.db";
  auto r = SqliteCandleStore::open({.path = in_proc});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(r.status().message().find(in_proc), std::string::npos) << r.status().message();
  std::printf("[ message  ] %s\n", r.status().to_string().c_str());

  testing::TempDir dir;
  std::string plain_file = dir.file("plain");
  std::ofstream(plain_file) << "x";
  std::string under_file = plain_file + "/x.db";
  auto r2 = SqliteCandleStore::open({.path = under_file});
  ASSERT_FALSE(r2.is_ok());
  EXPECT_EQ(r2.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(r2.status().message().find(under_file), std::string::npos) << r2.status().message();

  auto r3 = SqliteCandleStore::open({.path = ""});
  ASSERT_FALSE(r3.is_ok());
  EXPECT_EQ(r3.status().code(), core::ErrorCode::kIoError);
}

TEST(SqliteCandleStore, AFileThatIsNotADatabaseGivesAnIoError) {
  testing::TempDir dir;
  std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'n') << "this is not an SQLite database\n";
  auto r = SqliteCandleStore::open({.path = path});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  std::printf("[ message  ] %s\n", r.status().to_string().c_str());
}

TEST(SqliteCandleStore, RefusesASchemaNewerThanItKnows) {
  testing::TempDir dir;
  std::string path = dir.file("future.db");
  { ASSERT_NE(open_or_fail(path), nullptr); }
  raw_query(path, "PRAGMA user_version = 99");
  ASSERT_EQ(raw_query(path, "PRAGMA user_version"), "99");
  auto r = SqliteCandleStore::open({.path = path});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kConfigError);
  EXPECT_NE(r.status().message().find("99"), std::string::npos) << r.status().message();
}

TEST(SqliteCandleStore, ASecondConnectionHoldingTheWriteLockGivesARetryableError) {
  testing::TempDir dir;
  std::string path = dir.file("locked.db");
  auto r = SqliteCandleStore::open({.path = path, .busy_timeout = std::chrono::milliseconds(0)});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  auto& store = *r.value();

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  model::Candle c = testing::make_candle("ONGC", Interval::k1m, kMarketOpenSeconds, 26000);
  core::Status s = store.upsert(std::span(&c, 1));
  EXPECT_EQ(s.code(), core::ErrorCode::kUnavailable) << s.to_string();
  EXPECT_TRUE(s.is_retryable());
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(other);

  // The store recovers once the lock is gone.
  EXPECT_TRUE(store.upsert(std::span(&c, 1)).is_ok());
  auto count = store.count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 1);
}

// Throughput, measured not asserted. 50 symbols x 2048 minutes = 102,400 new rows upserted in
// batches of 4096 into a file on this machine (2 cores), synchronous=NORMAL:
//   Debug + ASan/UBSan build (SQLite itself is the Debian release library): ~330k upserts/s,
//   measured 2026-11 with build/h-store/src/store/store_tests --gtest_filter='*Throughput*'.
// The goal is >= 300k/s; the figure is printed on each run rather than asserted, because a shared
// CI machine's timing is not a property of the code.
TEST(SqliteCandleStore, ThroughputIsMeasuredNotAsserted) {
  testing::TempDir dir;
  auto store = open_or_fail(dir.file("speed.db"));
  ASSERT_NE(store, nullptr);
  std::vector<model::Candle> rows;
  rows.reserve(50 * 2048);
  for (int m = 0; m < 2048; ++m) {
    for (int s = 0; s < 50; ++s) {
      rows.push_back(testing::make_candle("SYM" + std::to_string(s), Interval::k1m, kMarketOpenSeconds + 60 * m,
                                          100000 + m));
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < rows.size(); i += 4096) {
    ASSERT_TRUE(store->upsert(std::span(rows.data() + i, std::min<size_t>(4096, rows.size() - i))).is_ok());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double per_second = static_cast<double>(rows.size()) / seconds;
  RecordProperty("upserts_per_second", std::to_string(static_cast<int64_t>(per_second)));
  std::printf("[ measure  ] %zu upserts in %.3f s = %.0f upserts/s\n", rows.size(), seconds, per_second);
  auto count = store->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, static_cast<int64_t>(rows.size()));
}

}  // namespace
}  // namespace nifty::store
