// Golden test over one real trading day (testdata/nse-1min/2023-02-28, 48 stocks + the index):
// `nifty replay --db` runs the product end to end, then the SQLite file is read with the sqlite3 C
// API and compared with the source files parsed again here (support/source_data.h, sharing no code
// with src/feed). Expectations, from the data's README:
//  - every regular row (labels 09:16..15:30, end-labelled, so stored start = label - 1 min) is a
//    stored 1m candle with exactly its open, high, low, close and volume; no other 1m candle exists
//    (the 09:08 pre-open print and the post-close prints are outside the session): 49 x 375;
//  - 5m/15m/1h buckets aligned to 09:15 (the last 1h bucket 15:15-15:30) and the 1d candle at IST
//    midnight equal rollups of those rows computed here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/candle_db.h"
#include "support/source_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace nifty::testing {
namespace {

namespace fs = std::filesystem;

const std::string kDay = std::string(NIFTY_SOURCE_DIR) + "/testdata/nse-1min/2023-02-28";

// Replays the day once for the whole suite.
class GoldenOneMinute : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->file("day.db");
    result_ = new CommandResult(run_command({NIFTY_BINARY, "replay", kDay, "--db", db_, "--speed", "max"}));
    // Source: every file, parsed independently.
    source_ = new std::map<std::string, std::vector<SourceCandle>>();
    ASSERT_TRUE(dir_->ok());
    for (const auto& entry : fs::directory_iterator(kDay)) {
      auto file = read_one_minute_file(entry.path().string());
      ASSERT_EQ(file.error, "");
      std::vector<SourceCandle> regular;
      for (const auto& c : file.rows) {
        if (is_regular_minute(c)) regular.push_back(c);
      }
      ASSERT_FALSE(regular.empty()) << entry.path();
      (*source_)[regular.front().symbol] = std::move(regular);
    }
  }
  static void TearDownTestSuite() {
    delete result_;
    delete source_;
    delete dir_;
    result_ = nullptr;
    source_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(dir_->ok());
    ASSERT_TRUE(result_->exited && result_->exit_code == 0) << describe(*result_);
  }

  static CandleMap expected(int64_t bucket_seconds) {
    CandleMap out;
    for (const auto& [symbol, rows] : *source_) {
      auto candles = bucket_seconds == 60 ? rows : roll_up(rows, bucket_seconds);
      for (const auto& c : candles) out[{c.symbol, c.start}] = c;
    }
    return out;
  }

  // Every expected candle is stored with equal OHLCV; nothing else is stored.
  static void expect_table_equals(const std::string& interval, const CandleMap& want) {
    CandleTable got = read_candle_table(db_, interval);
    ASSERT_EQ(got.error, "");
    int mismatches = 0;
    for (const auto& [key, c] : want) {
      auto it = got.candles.find(key);
      if (it == got.candles.end()) {
        ADD_FAILURE() << interval << ": missing " << describe(c);
      } else if (!(it->second == c)) {
        ADD_FAILURE() << interval << ": want " << describe(c) << "\n   stored " << describe(it->second);
      } else {
        continue;
      }
      if (++mismatches >= 20) break;
    }
    for (const auto& [key, c] : got.candles) {
      if (want.count(key) == 0 && ++mismatches < 40) ADD_FAILURE() << interval << ": extra " << describe(c);
    }
    EXPECT_EQ(got.candles.size(), want.size()) << interval;
  }

  static TempDir* dir_;
  static std::string db_;
  static CommandResult* result_;
  static std::map<std::string, std::vector<SourceCandle>>* source_;
};

TempDir* GoldenOneMinute::dir_ = nullptr;
std::string GoldenOneMinute::db_;
CommandResult* GoldenOneMinute::result_ = nullptr;
std::map<std::string, std::vector<SourceCandle>>* GoldenOneMinute::source_ = nullptr;

TEST_F(GoldenOneMinute, SourceHas49SymbolsOf375RegularMinutes) {
  // From testdata/nse-1min README: 49 files, each with 375 regular rows (09:16..15:30).
  ASSERT_EQ(source_->size(), 49u);
  for (const auto& [symbol, rows] : *source_) EXPECT_EQ(rows.size(), 375u) << symbol;
}

TEST_F(GoldenOneMinute, StoresEveryRegularMinuteExactlyAndNothingElse) {
  CandleMap want = expected(60);
  ASSERT_EQ(want.size(), 49u * 375u);
  expect_table_equals("1m", want);
}

TEST_F(GoldenOneMinute, FiveMinuteCandlesEqualRollupsOfTheSource) {
  CandleMap want = expected(300);
  EXPECT_EQ(want.size(), 49u * 75u);
  expect_table_equals("5m", want);
}

TEST_F(GoldenOneMinute, FifteenMinuteCandlesEqualRollupsOfTheSource) {
  CandleMap want = expected(900);
  EXPECT_EQ(want.size(), 49u * 25u);
  expect_table_equals("15m", want);
}

TEST_F(GoldenOneMinute, HourCandlesAlignTo0915AndEqualRollupsOfTheSource) {
  // 09:15, 10:15, ..., 14:15 and the short 15:15-15:30 bucket: 7 per symbol.
  CandleMap want = expected(3600);
  EXPECT_EQ(want.size(), 49u * 7u);
  expect_table_equals("1h", want);
}

TEST_F(GoldenOneMinute, DailyCandleIsTheWholeRegularSessionAtIstMidnight) {
  CandleMap want = expected(86400);
  ASSERT_EQ(want.size(), 49u);
  // The day is labelled 2023-02-28 00:00 IST = 2023-02-27T18:30:00Z.
  EXPECT_EQ(want.begin()->second.start, 1677522600);
  expect_table_equals("1d", want);
}

TEST_F(GoldenOneMinute, SummaryCountsAgreeWithTheSource) {
  // The last stdout line is the JSON summary.
  std::string out = result_->out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  auto summary = nlohmann::json::parse(out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1));
  EXPECT_EQ(summary["files"], 49);
  EXPECT_EQ(summary["candles_by_interval"]["1m"], 49 * 375);
  EXPECT_EQ(summary["candles_by_interval"]["5m"], 49 * 75);
  EXPECT_EQ(summary["candles_by_interval"]["15m"], 49 * 25);
  EXPECT_EQ(summary["candles_by_interval"]["1h"], 49 * 7);
  EXPECT_EQ(summary["candles_by_interval"]["1d"], 49);
  // Every row of every file is a good candle (the README's verification section).
  size_t lines = 0;
  for (const auto& entry : fs::directory_iterator(kDay)) lines += read_one_minute_file(entry.path().string()).rows.size();
  EXPECT_EQ(summary["source_candles"], lines);
  for (const auto& [kind, n] : summary["bad_lines"].items()) EXPECT_EQ(n, 0) << kind;
}

}  // namespace
}  // namespace nifty::testing
