// The analysis commands of the binary over a replayed real day: indicators, analyze, backtest.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace nifty::testing {
namespace {

const std::string kDay = std::string(NIFTY_SOURCE_DIR) + "/testdata/nse-1min/2023-02-28";

CommandResult nifty(std::vector<std::string> args) {
  args.insert(args.begin(), NIFTY_BINARY);
  return run_command(args, {});
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

// One database with the bundled day in it, shared by the tests of this file.
class AnalysisCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->file("day.db");
    auto r = nifty({"replay", kDay, "--db", db_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
  static std::string db_;
};
TempDir* AnalysisCli::dir_ = nullptr;
std::string AnalysisCli::db_;

TEST_F(AnalysisCli, IndicatorsPrintsACsvRowPerStoredCandle) {
  auto r = nifty({"indicators", "--db", db_, "--symbol", "RELIANCE"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 376u);  // header + 375 minutes
  EXPECT_EQ(lines[0].rfind("time,close,rsi14,macd,macd_signal,macd_hist,ema50,ema100,ema200", 0), 0u);
  // The first candle of the day is 09:15 IST with the source's 09:16 close, 2358.75.
  EXPECT_EQ(lines[1].rfind("2023-02-28T09:15:00+05:30,2358.75,", 0), 0u) << lines[1];
  // RSI(14) is ready from the 15th candle on (index 14): empty before, a number from there.
  auto field = [](const std::string& line, int k) {
    std::stringstream ss(line);
    std::string f;
    for (int i = 0; i <= k; ++i) std::getline(ss, f, ',');
    return f;
  };
  EXPECT_EQ(field(lines[14], 2), "");
  EXPECT_NE(field(lines[15], 2), "");
}

TEST_F(AnalysisCli, IndicatorsOfAnUnknownSymbolFails) {
  auto r = nifty({"indicators", "--db", db_, "--symbol", "NOSUCH"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NOSUCH"), std::string::npos);
}

TEST_F(AnalysisCli, AnalyzeReportsEverySymbolThenTheMarketView) {
  auto r = nifty({"analyze", "--db", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 50u);  // 49 symbols (48 stocks + the index) + the market view
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_TRUE(j.contains("recommendation")) << lines[i];
  }
  auto view = nlohmann::json::parse(lines.back());
  EXPECT_EQ(view["advances"].get<int>() + view["declines"].get<int>() + view["unchanged"].get<int>(), 48);
  EXPECT_TRUE(view["overall"] == "BULLISH" || view["overall"] == "BEARISH" || view["overall"] == "NEUTRAL");
}

TEST_F(AnalysisCli, AnalyzeMeasuresTheChangeFromTheDaysFirstOpenLikeTheEngine) {
  // From the source file: TCS's first regular candle (labelled 09:16) opens at O, the last
  // (labelled 15:30) closes at C; with no previous day the change is C - O, whatever --candles is.
  std::ifstream in(kDay + "/TCS.txt");
  std::string line;
  double open = 0, close = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) f.push_back(x);
    if (f[2] == "09:16") open = std::stod(f[3]);
    if (f[2] == "15:30") close = std::stod(f[6]);
  }
  ASSERT_GT(open, 0);
  auto r = nifty({"analyze", "--db", db_, "--symbols", "TCS", "--candles", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto card = nlohmann::json::parse(lines_of(r.out).front());
  EXPECT_NEAR(card["change"].get<double>(), close - open, 1e-9);
}

TEST_F(AnalysisCli, BacktestCountsASymbolListedTwiceOnce) {
  auto r = nifty({"backtest", "--db", db_, "--from", "2023-02-28", "--to", "2023-02-28", "--symbols", "TCS,TCS",
                  "--out", dir_->file("tcs.json"), "--summary-only"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir_->file("tcs.json"));
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["symbols"].size(), 1u);
  EXPECT_EQ(j["candles"].get<int>(), 375);
}

TEST_F(AnalysisCli, BacktestWritesTheSameReportTwice) {
  std::string a = dir_->file("a.json"), b = dir_->file("b.json");
  auto r1 = nifty({"backtest", "--db", db_, "--from", "2023-02-28", "--to", "2023-02-28", "--out", a});
  auto r2 = nifty({"backtest", "--db", db_, "--from", "2023-02-28", "--to", "2023-02-28", "--out", b});
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  std::ifstream fa(a), fb(b);
  std::stringstream sa, sb;
  sa << fa.rdbuf();
  sb << fb.rdbuf();
  EXPECT_EQ(sa.str(), sb.str());
  auto j = nlohmann::json::parse(sa.str());
  EXPECT_EQ(j["candles"].get<int>(), 49 * 375);
  EXPECT_EQ(j["classes"].size(), 5u);
  EXPECT_EQ(j["signal_list"].size(), j["signals"].get<size_t>());
  EXPECT_NE(r1.out.find("baseline"), std::string::npos);
}

TEST_F(AnalysisCli, BacktestOfAnEmptyRangeFails) {
  auto r = nifty({"backtest", "--db", db_, "--from", "2024-01-01", "--to", "2024-01-02", "--out", dir_->file("x.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no 1m candles"), std::string::npos) << r.err;
}

TEST_F(AnalysisCli, BacktestRejectsBadDates) {
  auto r = nifty({"backtest", "--db", db_, "--from", "2023-02-30", "--to", "2023-03-01"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace nifty::testing
