// Golden test over a year of real 5-minute candles (../shared/data/nse-5min-2023-24, 47 files,
// 2023-07-03 .. 2024-06-28): `nifty replay --speed max` turns every candle into ticks, the engine
// rebuilds 1-minute candles and rolls them up, and the stored candles_5m must equal the source rows
// exactly. The source is parsed again here (support/source_data.h). The data's documented quirks
// (../shared/data/README.md) are checked one by one:
//  - 2023-10-09, 2024-01-17 and 2024-04-26 appear twice: the repeats count as bad_lines.duplicate
//    and the stored day equals the first copy;
//  - 2023-07-20 is incomplete for one symbol: exactly its rows are stored, no filler;
//  - special sessions 2023-11-12 (Muhurat, 18:15-19:15), 2024-03-02 and 2024-05-18 (Saturdays,
//    21 candles) are stored;
//  - rows with high < max(open, close) or low > min(open, close) count as invalid_ohlc and are not
//    stored.
// Skipped when ../shared/data is absent (it is not part of the repository).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "support/candle_db.h"
#include "support/source_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace nifty::testing {
namespace {

namespace fs = std::filesystem;

const std::string kYear = std::string(NIFTY_SHARED_DATA_DIR) + "/nse-5min-2023-24";

// Saturday 2024-01-20 was a full NSE trading session (09:15-15:30; Monday 2024-01-22 was closed);
// the calendar must list it for its ticks to count as in session.
const int kSaturdaySession = 20240120;

struct Source {
  std::vector<SourceCandle> expected;  // first copy of each (symbol, start), valid OHLC; sorted
  std::vector<SourceCandle> invalid;   // valid-looking times, broken OHLC
  uint64_t rows = 0;
  uint64_t duplicates = 0;
  std::string error;
};

Source read_source() {
  Source s;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kYear)) {
    if (e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    auto file = read_five_minute_file(path.string(), path.stem().string());
    if (!file.error.empty()) {
      s.error = file.error;
      return s;
    }
    std::set<int64_t> seen;
    for (const auto& c : file.rows) {
      ++s.rows;
      if (!seen.insert(c.start).second) {
        ++s.duplicates;
        continue;
      }
      if (c.high < std::max(c.open, c.close) || c.low > std::min(c.open, c.close)) {
        s.invalid.push_back(c);
        continue;
      }
      s.expected.push_back(c);
    }
  }
  auto by_key = [](const SourceCandle& a, const SourceCandle& b) {
    return std::tie(a.symbol, a.start) < std::tie(b.symbol, b.start);
  };
  std::sort(s.expected.begin(), s.expected.end(), by_key);
  return s;
}

class GoldenFiveMinuteYear : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_directory(kYear)) return;
    dir_ = new TempDir();
    db_ = dir_->file("year.db");
    auto started = std::chrono::steady_clock::now();
    CommandOptions options;
    options.timeout = std::chrono::minutes(15);
    result_ = new CommandResult(run_command({NIFTY_BINARY, "replay", kYear, "--db", db_, "--speed", "max"}, options));
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    source_ = new Source(read_source());
    stored_ = new std::vector<SourceCandle>(read_candle_rows(db_, "5m", stored_error_));
  }
  static void TearDownTestSuite() {
    delete stored_;
    delete source_;
    delete result_;
    delete dir_;
    stored_ = nullptr;
    source_ = nullptr;
    result_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!fs::is_directory(kYear)) GTEST_SKIP() << kYear << " is absent (the shared data set is not in the repository)";
    ASSERT_NE(result_, nullptr);
    ASSERT_TRUE(result_->exited && result_->exit_code == 0) << describe(*result_);
    ASSERT_EQ(source_->error, "");
    ASSERT_EQ(stored_error_, "");
  }

  static nlohmann::json summary() {
    std::string out = result_->out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    size_t nl = out.rfind('\n');
    return nlohmann::json::parse(nl == std::string::npos ? out : out.substr(nl + 1));
  }

  // Stored and expected candles of one IST date, by symbol.
  static std::map<std::string, std::vector<SourceCandle>> of_date(const std::vector<SourceCandle>& rows, int ymd) {
    std::map<std::string, std::vector<SourceCandle>> out;
    for (const auto& c : rows) {
      if (ist_yyyymmdd(c.start) == ymd) out[c.symbol].push_back(c);
    }
    return out;
  }

  static TempDir* dir_;
  static std::string db_;
  static CommandResult* result_;
  static double seconds_;
  static Source* source_;
  static std::vector<SourceCandle>* stored_;
  static std::string stored_error_;
};

TempDir* GoldenFiveMinuteYear::dir_ = nullptr;
std::string GoldenFiveMinuteYear::db_;
CommandResult* GoldenFiveMinuteYear::result_ = nullptr;
double GoldenFiveMinuteYear::seconds_ = 0;
Source* GoldenFiveMinuteYear::source_ = nullptr;
std::vector<SourceCandle>* GoldenFiveMinuteYear::stored_ = nullptr;
std::string GoldenFiveMinuteYear::stored_error_;

TEST_F(GoldenFiveMinuteYear, EveryGoodSourceRowIsStoredExactlyAndNothingElse) {
  RecordProperty("replay_seconds", std::to_string(seconds_));
  std::printf("whole-year replay took %.1f s\n", seconds_);
  const std::vector<SourceCandle>& want = source_->expected;
  ASSERT_GT(want.size(), 800'000u);
  const auto& got = *stored_;
  size_t i = 0, j = 0;
  int failures = 0;
  auto less = [](const SourceCandle& a, const SourceCandle& b) {
    return std::tie(a.symbol, a.start) < std::tie(b.symbol, b.start);
  };
  while ((i < want.size() || j < got.size()) && failures < 30) {
    if (j == got.size() || (i < want.size() && less(want[i], got[j]))) {
      ADD_FAILURE() << "missing " << describe(want[i++]);
      ++failures;
    } else if (i == want.size() || less(got[j], want[i])) {
      ADD_FAILURE() << "extra " << describe(got[j++]);
      ++failures;
    } else {
      if (!(want[i] == got[j])) {
        ADD_FAILURE() << "want " << describe(want[i]) << "\n stored " << describe(got[j]);
        ++failures;
      }
      ++i;
      ++j;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST_F(GoldenFiveMinuteYear, SummaryCountsTheRepeatedDaysAndTheBrokenRows) {
  auto s = summary();
  EXPECT_EQ(s["files"], 47);
  EXPECT_EQ(s["bad_lines"]["duplicate"], source_->duplicates);
  EXPECT_EQ(s["bad_lines"]["invalid_ohlc"], source_->invalid.size());
  EXPECT_EQ(s["bad_lines"]["malformed"], 0);
  EXPECT_EQ(s["bad_lines"]["out_of_order"], 0);
  EXPECT_EQ(s["source_candles"], source_->expected.size());
  // The README's figures: three days repeated in full for 47 symbols.
  EXPECT_EQ(source_->duplicates, 3u * 75u * 47u);
  EXPECT_FALSE(source_->invalid.empty());
}

TEST_F(GoldenFiveMinuteYear, RepeatedDaysAreStoredOnce) {
  for (int ymd : {20231009, 20240117, 20240426}) {
    auto got = of_date(*stored_, ymd);
    auto want = of_date(source_->expected, ymd);
    ASSERT_EQ(want.size(), 47u) << ymd;
    for (const auto& [symbol, rows] : want) {
      EXPECT_EQ(rows.size(), 75u) << symbol << " " << ymd;
      EXPECT_EQ(got[symbol], rows) << symbol << " " << ymd;
    }
  }
}

TEST_F(GoldenFiveMinuteYear, IncompleteDayStoresExactlyItsRows) {
  // 2023-07-20: one symbol has 66 of 75 candles; no missing minute is filled in.
  auto want = of_date(source_->expected, 20230720);
  auto got = of_date(*stored_, 20230720);
  int short_symbols = 0;
  for (const auto& [symbol, rows] : want) {
    if (rows.size() == 66) ++short_symbols;
    EXPECT_EQ(got[symbol], rows) << symbol;
  }
  EXPECT_EQ(short_symbols, 1);
}

TEST_F(GoldenFiveMinuteYear, SpecialSessionsAreStored) {
  struct Day {
    int ymd;
    size_t candles;
    int first_minute;  // IST minute of day of the first candle
  };
  for (Day d : {Day{20231112, 12, 18 * 60 + 15}, Day{20240302, 21, 9 * 60 + 15}, Day{20240518, 21, 9 * 60 + 15}}) {
    auto want = of_date(source_->expected, d.ymd);
    auto got = of_date(*stored_, d.ymd);
    ASSERT_EQ(want.size(), 47u) << d.ymd;
    for (const auto& [symbol, rows] : want) {
      ASSERT_EQ(rows.size(), d.candles) << symbol << " " << d.ymd;
      EXPECT_EQ(ist_minute_of_day(rows.front().start), d.first_minute);
      EXPECT_EQ(got[symbol], rows) << symbol << " " << d.ymd;
    }
  }
}

TEST_F(GoldenFiveMinuteYear, MadeUpOneMinuteCandlesAreNotStored) {
  // The 1-minute candles built from 5-minute data on the way to the rollups have an invented inner
  // shape; the replay keeps them out of candles_1m (docs/data.md).
  EXPECT_EQ(count_candles(db_, "1m"), 0);
  EXPECT_GT(count_candles(db_, "15m"), 0);
}

TEST_F(GoldenFiveMinuteYear, RowsWithBrokenOhlcAreNotStored) {
  ASSERT_FALSE(source_->invalid.empty());
  auto less = [](const SourceCandle& a, const SourceCandle& b) {
    return std::tie(a.symbol, a.start) < std::tie(b.symbol, b.start);
  };
  for (const auto& bad : source_->invalid) {
    EXPECT_FALSE(std::binary_search(stored_->begin(), stored_->end(), bad, less)) << "stored " << describe(bad);
  }
}

TEST_F(GoldenFiveMinuteYear, SaturdaySessionOf20January2024IsStored) {
  auto want = of_date(source_->expected, kSaturdaySession);
  auto got = of_date(*stored_, kSaturdaySession);
  ASSERT_EQ(want.size(), 47u);
  for (const auto& [symbol, rows] : want) {
    EXPECT_EQ(rows.size(), 75u) << symbol;
    EXPECT_EQ(got[symbol], rows) << symbol;
  }
}

}  // namespace
}  // namespace nifty::testing
