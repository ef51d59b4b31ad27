// PostgresCandleStore beyond the shared contract: exact round trip of real candles, partitions on
// demand and retention, error mapping for bad credentials and unreachable servers, recovery after a
// server restart, concurrent writers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "pg_test_support.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_candle_store.h"
#include "store_test_util.h"

namespace nifty::store {
namespace {

using model::Interval;

class PostgresCandleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = pgtest::server_url();
    if (!url) GTEST_SKIP() << "NIFTY_TEST_POSTGRES_DIR is not set";
    db_ = std::make_unique<pgtest::TestDatabase>(*url);
    ASSERT_TRUE(db_->ok());
    auto m = migrate(db_->config());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    auto s = PostgresCandleStore::open(db_->config());
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(s).value();
  }
  void TearDown() override { store_.reset(); }

  bool has_table(const std::string& name) {
    return pgtest::query_one(db_->config(), "SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
  }

  std::unique_ptr<pgtest::TestDatabase> db_;
  std::unique_ptr<PostgresCandleStore> store_;
};

// RELIANCE on 2023-02-28 from the real 1-minute file. Its rows are labelled by the minute at which
// they END (09:16 covers 09:15-09:16 IST), so start = label - 1 minute. Parsed here independently of
// any project parser: SYMBOL,YYYYMMDD,HH:MM,open,high,low,close,volume,oi.
std::vector<model::Candle> real_reliance_day() {
  std::ifstream in(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-1min/2023-02-28/RELIANCE.txt");
  EXPECT_TRUE(in.good()) << "missing shared data file";
  std::vector<model::Candle> out;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string f[9];
    for (auto& x : f) std::getline(ss, x, ',');
    model::Candle c;
    c.symbol = model::Symbol(f[0]);
    c.interval = Interval::k1m;
    core::Date d{std::stoi(f[1].substr(0, 4)), std::stoi(f[1].substr(4, 2)), std::stoi(f[1].substr(6, 2))};
    c.start = core::Timestamp::from_ist(d, std::stoi(f[2].substr(0, 2)), std::stoi(f[2].substr(3, 2))) -
              core::kNanosPerMinute;
    c.open = *model::Price::parse(f[3]);
    c.high = *model::Price::parse(f[4]);
    c.low = *model::Price::parse(f[5]);
    c.close = *model::Price::parse(f[6]);
    c.volume = std::stoll(f[7]);
    c.trades = static_cast<int32_t>(out.size());
    c.vwap = c.close;
    out.push_back(c);
  }
  return out;
}

TEST_F(PostgresCandleStoreTest, RoundTripsRealCandlesExactlyAndMakesTheir2023PartitionOnDemand) {
  std::vector<model::Candle> day = real_reliance_day();
  ASSERT_GT(day.size(), 370u);
  // migrate() made partitions around today only: February 2023 has none yet.
  EXPECT_FALSE(has_table("candles_1m_p202302"));
  ASSERT_TRUE(store_->upsert(day).is_ok());
  EXPECT_TRUE(has_table("candles_1m_p202302"));
  EXPECT_EQ(pgtest::query_one(db_->config(), "SELECT count(*) FROM candles_1m_p202302"), std::to_string(day.size()));
  // The first real row as the server sees it: 2356.10 rupees at 09:07 IST = 03:37 UTC.
  EXPECT_EQ(pgtest::query_one(db_->config(), "SELECT open::text || ' ' || to_char(time AT TIME ZONE 'UTC',"
                                             " 'YYYY-MM-DD HH24:MI') FROM candles_1m ORDER BY time LIMIT 1"),
            "2356.10 2023-02-28 03:37");

  auto back = store_->range(model::Symbol("RELIANCE"), Interval::k1m, day.front().start, day.back().start + 1);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), day.size());
  for (size_t i = 0; i < day.size(); ++i) testing::expect_same_candle((*back)[i], day[i]);
}

TEST_F(PostgresCandleStoreTest, RoundTripsTheExtremesOfEveryColumn) {
  model::Candle c = testing::make_candle("MRF", Interval::k1d, testing::kMarketOpenSeconds, 1);
  c.open = model::Price::from_paise(kMaxStoredPaise);  // 99,999,999.99 rupees
  c.high = model::Price::from_paise(kMaxStoredPaise);
  c.low = model::Price::from_paise(1);
  c.close = model::Price::from_paise(5);
  c.vwap = model::Price::from_paise(-kMaxStoredPaise);
  c.volume = model::kMaxQuantity;
  c.trades = std::numeric_limits<int32_t>::max();
  c.start = core::Timestamp::from_seconds(946684800);  // 2000-01-01T00:00:00Z, a month boundary
  ASSERT_TRUE(store_->upsert(std::span(&c, 1)).is_ok());
  auto back = store_->last_n(c.symbol, Interval::k1d, 1);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), 1u);
  testing::expect_same_candle((*back)[0], c);
  EXPECT_TRUE(has_table("candles_1d_p200001"));
}

TEST_F(PostgresCandleStoreTest, TheLastOfEqualKeysInOneBatchWins) {
  std::vector<model::Candle> in = {testing::make_candle("TCS", Interval::k1m, testing::kMarketOpenSeconds, 350000),
                                   testing::make_candle("TCS", Interval::k1m, testing::kMarketOpenSeconds, 350100)};
  ASSERT_TRUE(store_->upsert(in).is_ok());
  auto back = store_->last_n(model::Symbol("TCS"), Interval::k1m, 5);
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->size(), 1u);
  testing::expect_same_candle((*back)[0], in[1]);
}

TEST_F(PostgresCandleStoreTest, ABatchOverlappingStoredRowsUpdatesThemAndAddsTheRest) {
  // 10 minutes stored; then 20 minutes of which the first 10 carry new prices: the first batch goes
  // straight in, the second conflicts and is merged. Every later batch must still land whole.
  std::vector<model::Candle> first, second;
  for (int m = 0; m < 10; ++m) {
    first.push_back(testing::make_candle("INFY", Interval::k5m, testing::kMarketOpenSeconds + 300 * m, 150000 + m));
  }
  for (int m = 0; m < 20; ++m) {
    second.push_back(testing::make_candle("INFY", Interval::k5m, testing::kMarketOpenSeconds + 300 * m, 160000 + m));
  }
  ASSERT_TRUE(store_->upsert(first).is_ok());
  ASSERT_TRUE(store_->upsert(second).is_ok());
  auto back = store_->last_n(model::Symbol("INFY"), Interval::k5m, 100);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), second.size());
  for (size_t i = 0; i < second.size(); ++i) testing::expect_same_candle((*back)[i], second[i]);
  // Batches after the conflict: new rows, then a mix again.
  for (int k = 0; k < 20; ++k) {
    model::Candle c = testing::make_candle("INFY", Interval::k5m, testing::kMarketOpenSeconds + 300 * (20 + k), 170000);
    ASSERT_TRUE(store_->upsert(std::span(&c, 1)).is_ok());
  }
  auto count = store_->count(Interval::k5m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 40);
}

TEST_F(PostgresCandleStoreTest, ReUpsertingEqualRowsRewritesOnlyTheChangedOnes) {
  std::vector<model::Candle> in = {testing::make_candle("SBIN", Interval::k1m, testing::kMarketOpenSeconds, 60000),
                                   testing::make_candle("SBIN", Interval::k1m, testing::kMarketOpenSeconds + 60, 60100)};
  ASSERT_TRUE(store_->upsert(in).is_ok());
  auto xmin_of = [&](int64_t seconds) {
    return pgtest::query_one(db_->config(), "SELECT xmin::text FROM candles_1m WHERE symbol = 'SBIN' AND time = to_timestamp(" +
                                                std::to_string(seconds) + ")");
  };
  std::string unchanged = xmin_of(testing::kMarketOpenSeconds);
  std::string changed = xmin_of(testing::kMarketOpenSeconds + 60);
  ASSERT_FALSE(unchanged.empty());
  in[1].close = in[1].close + model::Price::from_paise(5);
  ASSERT_TRUE(store_->upsert(in).is_ok());
  EXPECT_EQ(xmin_of(testing::kMarketOpenSeconds), unchanged);
  EXPECT_NE(xmin_of(testing::kMarketOpenSeconds + 60), changed);
  auto back = store_->last_n(model::Symbol("SBIN"), Interval::k1m, 5);
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->size(), 2u);
  testing::expect_same_candle((*back)[1], in[1]);
}

TEST_F(PostgresCandleStoreTest, SymbolsWithCopysSpecialCharactersRoundTrip) {
  // COPY's text format gives backslash, tab, newline and carriage return a meaning.
  const std::string odd = "A\\B\tC\nD\rE";
  model::Candle c = testing::make_candle(odd, Interval::k1h, testing::kMarketOpenSeconds, 250000);
  ASSERT_TRUE(store_->upsert(std::span(&c, 1)).is_ok());
  EXPECT_EQ(pgtest::query_one(db_->config(), "SELECT length(symbol)::text FROM candles_1h"), "9");
  auto back = store_->last_n(model::Symbol(odd), Interval::k1h, 1);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), 1u);
  testing::expect_same_candle((*back)[0], c);
  c.open = c.open + model::Price::from_paise(5);  // and once more through the merge
  ASSERT_TRUE(store_->upsert(std::span(&c, 1)).is_ok());
  back = store_->last_n(model::Symbol(odd), Interval::k1h, 1);
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->size(), 1u);
  testing::expect_same_candle((*back)[0], c);
}

TEST_F(PostgresCandleStoreTest, StoresTimesBefore1970AndNegativePricesExactly) {
  // 1969-01-01T05:00:07Z = -365 * 86400 + 5 * 3600 + 7 = -31517993 s.
  model::Candle c = testing::make_candle("OLD", Interval::k1d, -31517993, -12345);
  ASSERT_TRUE(store_->upsert(std::span(&c, 1)).is_ok());
  EXPECT_EQ(pgtest::query_one(db_->config(), "SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM candles_1d"),
            "1969-01-01 05:00:07");
  // make_candle: open -123.45, high = open + 1.55 = -121.90, low = open - 0.90 = -124.35.
  EXPECT_EQ(pgtest::query_one(db_->config(), "SELECT open::text || ' ' || high::text || ' ' || low::text FROM candles_1d"),
            "-123.45 -121.90 -124.35");
  auto back = store_->last_n(c.symbol, Interval::k1d, 1);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), 1u);
  testing::expect_same_candle((*back)[0], c);
}

TEST_F(PostgresCandleStoreTest, WritersOfTheSameKeysAtOnceAllSucceed) {
  // Every thread writes the same 100 keys (its own prices) several times: direct COPYs collide on
  // the key and must fall back to the merge, never fail.
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<core::Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<model::Candle> batch;
      for (int m = 0; m < 100; ++m) {
        batch.push_back(testing::make_candle("HDFCBANK", Interval::k15m, testing::kMarketOpenSeconds + 900 * m, 140000 + 100 * t));
      }
      for (int k = 0; k < 5 && results[t].is_ok(); ++k) results[t] = store_->upsert(batch);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_TRUE(r.is_ok()) << r.to_string();
  auto count = store_->count(Interval::k15m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 100);
}

TEST_F(PostgresCandleStoreTest, RetentionDropsOnlyPartitionsWhollyOlderThanTheCutoff) {
  auto at = [](int y, int m, int d) {
    return core::Date{y, m, d}.days_since_epoch() * 86400 + 4 * 3600;  // 04:00 UTC
  };
  std::vector<model::Candle> in = {testing::make_candle("INFY", Interval::k1m, at(2023, 1, 10), 150000),
                                   testing::make_candle("INFY", Interval::k1m, at(2023, 2, 20), 150100),
                                   testing::make_candle("INFY", Interval::k1m, at(2024, 1, 5), 150200),
                                   testing::make_candle("INFY", Interval::k5m, at(2023, 1, 10), 150000)};
  ASSERT_TRUE(store_->upsert(in).is_ok());
  PostgresConfig config = db_->config();

  // retention_days = 0 keeps everything.
  config.retention_days = 0;
  const core::Timestamp now = core::Timestamp::from_seconds(at(2024, 2, 15));
  ASSERT_TRUE(apply_retention(config, now).is_ok());
  EXPECT_TRUE(has_table("candles_1m_p202301"));

  // now = 2024-02-15 04:00 UTC, 365 days back = 2023-02-15 04:00 UTC (2023 is not a leap year
  // and 2024-02-15 lies before Feb 29): January 2023 ends 2023-02-01, before the cutoff, so it
  // goes; February 2023 ends 2023-03-01, after it, so it stays, as does January 2024.
  config.retention_days = 365;
  ASSERT_TRUE(apply_retention(config, now).is_ok());
  EXPECT_FALSE(has_table("candles_1m_p202301"));
  EXPECT_FALSE(has_table("candles_5m_p202301"));
  EXPECT_TRUE(has_table("candles_1m_p202302"));
  EXPECT_TRUE(has_table("candles_1m_p202401"));
  // Maintenance also makes the partitions ahead of `now`: March and April 2024.
  EXPECT_TRUE(has_table("candles_1m_p202403"));
  EXPECT_TRUE(has_table("candles_1d_p202404"));
  auto count = store_->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 2);

  // Writing into the dropped month again recreates its partition (the store's cache is stale).
  ASSERT_TRUE(store_->upsert(std::span(&in[0], 1)).is_ok()) ;
  EXPECT_TRUE(has_table("candles_1m_p202301"));
}

TEST_F(PostgresCandleStoreTest, SeveralThreadsWriteAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kMinutes = 200;
  std::vector<std::thread> threads;
  std::vector<core::Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<model::Candle> batch;
      for (int m = 0; m < kMinutes; ++m) {
        batch.push_back(testing::make_candle("SYM" + std::to_string(t), Interval::k1m,
                                             testing::kMarketOpenSeconds + 60 * m, 10000 + m));
      }
      for (int k = 0; k < 4 && results[t].is_ok(); ++k) {
        results[t] = store_->upsert(std::span(batch).subspan(static_cast<size_t>(k) * 50, 50));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_TRUE(r.is_ok()) << r.to_string();
  auto count = store_->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, kThreads * kMinutes);
  auto syms = store_->symbols(Interval::k1m);
  ASSERT_TRUE(syms.is_ok());
  EXPECT_EQ(syms->size(), static_cast<size_t>(kThreads));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_F(PostgresCandleStoreTest, AWrongPasswordIsUnauthenticatedAndFast) {
  PostgresConfig config = db_->config();
  config.password = "not-the-password";
  auto t0 = std::chrono::steady_clock::now();
  auto r = PostgresCandleStore::open(config);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kUnauthenticated) << r.status().to_string();
  EXPECT_FALSE(r.status().is_retryable());
  EXPECT_NE(r.status().message().find("NIFTY_STORE_POSTGRES_PASSWORD"), std::string::npos);
  EXPECT_EQ(r.status().message().find("not-the-password"), std::string::npos);
  EXPECT_LT(seconds_since(t0), 2.0);

  config = db_->config();
  config.user = "nobody_here";
  r = PostgresCandleStore::open(config);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kUnauthenticated) << r.status().to_string();
}

TEST_F(PostgresCandleStoreTest, AMissingDatabaseIsAConfigError) {
  PostgresConfig config = db_->config();
  config.dbname = "no_such_database_here";
  auto r = PostgresCandleStore::open(config);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kConfigError) << r.status().to_string();
}

// A loopback port with nothing listening: bind an ephemeral port, then close it.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(PostgresCandleStoreUnreachable, AClosedPortFailsFastAndRetryably) {
  PostgresConfig config;
  config.port = closed_port();
  config.sslmode = "disable";
  auto t0 = std::chrono::steady_clock::now();
  auto r = PostgresCandleStore::open(config);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kUnavailable) << r.status().to_string();
  EXPECT_TRUE(r.status().is_retryable());
  EXPECT_LT(seconds_since(t0), 2.0);
}

TEST(PostgresCandleStoreUnreachable, ANonRoutableAddressGivesUpWithinTheConnectTimeout) {
  PostgresConfig config;
  config.host = "10.255.255.1";
  config.sslmode = "disable";
  config.connect_timeout = std::chrono::seconds(2);
  auto t0 = std::chrono::steady_clock::now();
  auto r = PostgresCandleStore::open(config);
  double took = seconds_since(t0);
  ASSERT_FALSE(r.is_ok());
  EXPECT_TRUE(r.status().is_retryable()) << r.status().to_string();
  // libpq's timeout is per attempt; one address, one attempt: 2 s plus scheduling slack.
  EXPECT_LT(took, 5.0);
}

TEST(PostgresCandleStoreRestart, ThePoolRecoversOnTheNextCallAfterARestart) {
  if (!pgtest::server_url()) GTEST_SKIP() << "NIFTY_TEST_POSTGRES_DIR is not set";
  pgtest::PrivateServer server;
  ASSERT_TRUE(server.run("start"));
  PostgresConfig config = pgtest::config_of(server.url());
  ASSERT_TRUE(migrate(config).is_ok());
  auto opened = PostgresCandleStore::open(config);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  auto store = std::move(opened).value();
  model::Candle a = testing::make_candle("ITC", Interval::k1m, testing::kMarketOpenSeconds, 45000);
  ASSERT_TRUE(store->upsert(std::span(&a, 1)).is_ok());

  // While the server is down, calls fail retryably and quickly.
  ASSERT_TRUE(server.run("stop"));
  auto down = store->count(Interval::k1m);
  ASSERT_FALSE(down.is_ok());
  EXPECT_TRUE(down.status().is_retryable()) << down.status().to_string();

  // Back up on the same port: the very next call succeeds on a fresh connection.
  ASSERT_TRUE(server.run("start"));
  model::Candle b = testing::make_candle("ITC", Interval::k1m, testing::kMarketOpenSeconds + 60, 45010);
  core::Status s = store->upsert(std::span(&b, 1));
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  auto count = store->count(Interval::k1m);
  ASSERT_TRUE(count.is_ok()) << count.status().to_string();
  EXPECT_EQ(*count, 2);

  // A crash (SIGKILL) instead of a clean stop: same recovery once it is back.
  ASSERT_TRUE(server.run("kill"));
  ASSERT_TRUE(server.run("start"));
  auto last = store->last_n(model::Symbol("ITC"), Interval::k1m, 10);
  ASSERT_TRUE(last.is_ok()) << last.status().to_string();
  EXPECT_EQ(last->size(), 2u);
  EXPECT_GE(store->reconnects(), 1u);
}

}  // namespace
}  // namespace nifty::store
