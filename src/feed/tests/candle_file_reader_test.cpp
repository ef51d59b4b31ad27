#include "feed/replay/candle_file_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/shared_data.h"

namespace nifty::feed {
namespace {

namespace fs = std::filesystem;
using core::Date;
using core::Timestamp;

// The full 5-minute and daily sets live only in ../shared/data; 2023-02-28's 1-minute files are
// also in the repository, byte for byte (testdata/README.md).
const std::string kData = NIFTY_SHARED_DATA_DIR;
const std::string kRepoData = std::string(NIFTY_SOURCE_DIR) + "/testdata";

// A fresh folder per test under gtest's temp dir.
fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("nifty_feed_candle_reader_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

model::Price px(const char* text) { return *model::Price::parse(text); }

std::vector<model::Candle> read_all(CandleFileReader& r) {
  std::vector<model::Candle> out;
  model::Candle c;
  while (r.next(c)) out.push_back(c);
  return out;
}

TEST(CandleFileReader, ReadsTheRealNse1MinFileLabelledByEndMinute) {
  auto r = CandleFileReader::open(kRepoData + "/nse-1min/2023-02-28/RELIANCE.txt");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->format(), Format::kNse1Min);
  auto candles = read_all(*r);
  ASSERT_TRUE(r->status().is_ok());
  // The file has 380 lines: the 09:08 pre-open print, 375 regular minutes (09:16..15:30 labels) and
  // four post-close prints (15:31, 15:32, 15:41, 16:56).
  ASSERT_EQ(candles.size(), 380u);
  EXPECT_EQ(r->errors().total(), 0u);
  const Date day{2023, 2, 28};

  // Line 1: RELIANCE,20230228,09:08,2356.10,2356.10,2356.10,2356.10,41623,0
  EXPECT_EQ(candles[0].symbol.view(), "RELIANCE");
  EXPECT_EQ(candles[0].interval, model::Interval::k1m);
  EXPECT_EQ(candles[0].start, Timestamp::from_ist(day, 9, 7));
  EXPECT_EQ(candles[0].open, px("2356.10"));
  EXPECT_EQ(candles[0].close, px("2356.10"));
  EXPECT_EQ(candles[0].volume, 41623);

  // Line 2: RELIANCE,20230228,09:16,2360.00,2364.35,2355.00,2358.75,154158,0
  EXPECT_EQ(candles[1].start, Timestamp::from_ist(day, 9, 15));
  EXPECT_EQ(candles[1].open.paise(), 236000);
  EXPECT_EQ(candles[1].high.paise(), 236435);
  EXPECT_EQ(candles[1].low.paise(), 235500);
  EXPECT_EQ(candles[1].close.paise(), 235875);
  EXPECT_EQ(candles[1].volume, 154158);
  EXPECT_EQ(candles[1].trades, 0);
  EXPECT_EQ(candles[1].vwap.paise(), 0);

  // Line 100: RELIANCE,20230228,10:54,2340.60,2341.65,2340.30,2341.50,11852,0
  EXPECT_EQ(candles[99].start, Timestamp::from_ist(day, 10, 53));
  EXPECT_EQ(candles[99].open.paise(), 234060);
  EXPECT_EQ(candles[99].high.paise(), 234165);
  EXPECT_EQ(candles[99].low.paise(), 234030);
  EXPECT_EQ(candles[99].close.paise(), 234150);
  EXPECT_EQ(candles[99].volume, 11852);

  // Line 376: RELIANCE,20230228,15:30,2315.05,2320.00,2315.05,2320.00,82806,0 (the last regular one)
  EXPECT_EQ(candles[375].start, Timestamp::from_ist(day, 15, 29));
  EXPECT_EQ(candles[375].high.paise(), 232000);
  EXPECT_EQ(candles[375].volume, 82806);

  // Line 380: RELIANCE,20230228,16:56,2322.55,...,0,0
  EXPECT_EQ(candles[379].start, Timestamp::from_ist(day, 16, 55));
  EXPECT_EQ(candles[379].volume, 0);

  int regular = 0;
  for (const auto& c : candles) {
    int m = c.start.ist_minute_of_day();
    if (m >= 9 * 60 + 15 && m < 15 * 60 + 30) ++regular;
  }
  EXPECT_EQ(regular, 375);
}

TEST(CandleFileReader, ReportsTheRepeatedDaysOfThe5MinuteSetAsDuplicates) {
  NIFTY_SKIP_UNLESS_EXISTS(kData + "/nse-5min-2023-24/RELIANCE.csv");
  auto r = CandleFileReader::open(kData + "/nse-5min-2023-24/RELIANCE.csv");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->format(), Format::kCsv);
  EXPECT_EQ(r->interval(), model::Interval::k5m);
  model::Candle first;
  ASSERT_TRUE(r->next(first));
  // 2023-07-03 09:15:00+05:30,2438.35,2443.3,2435.75,2442.25,105325 (labelled by start).
  EXPECT_EQ(first.symbol.view(), "RELIANCE");
  EXPECT_EQ(first.start, Timestamp::from_ist(Date{2023, 7, 3}, 9, 15));
  EXPECT_EQ(first.high.paise(), 244330);
  EXPECT_EQ(first.volume, 105325);
  uint64_t n = 1;
  model::Candle c;
  while (r->next(c)) ++n;
  // 18570 data rows; the days 2023-10-09, 2024-01-17 and 2024-04-26 each repeat their 75 rows
  // (counted with a separate script over the file: 225 repeats, the first on line 5093, no other
  // bad row).
  EXPECT_EQ(r->errors().count(LineErrorKind::kDuplicate), 225u);
  EXPECT_EQ(r->errors().count(LineErrorKind::kOutOfOrder), 0u);
  EXPECT_EQ(r->errors().total(), 225u);
  EXPECT_EQ(n, 18570u - 225u);
  EXPECT_EQ(r->candles_read(), n);
  ASSERT_FALSE(r->errors().errors().empty());
  EXPECT_EQ(r->errors().errors()[0].line, 5093u);
  EXPECT_EQ(r->errors().errors()[0].kind, LineErrorKind::kDuplicate);
  EXPECT_EQ(r->errors().errors().size(), LineErrorLog::kKeep);
}

TEST(CandleFileReader, ReadsTheDailySetAsDailyCandles) {
  NIFTY_SKIP_UNLESS_EXISTS(kData + "/nse-daily-2020-25/RELIANCE.csv");
  auto r = CandleFileReader::open(kData + "/nse-daily-2020-25/RELIANCE.csv");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->interval(), model::Interval::k1d);
  model::Candle c;
  ASSERT_TRUE(r->next(c));
  // 2020-10-01 00:00:00+05:30,1078.9,1078.9,1055.2,1060.55,20124778,0
  EXPECT_EQ(c.interval, model::Interval::k1d);
  EXPECT_EQ(c.start, Timestamp::from_ist(Date{2020, 10, 1}, 0, 0));
  EXPECT_EQ(c.open.paise(), 107890);
  EXPECT_EQ(c.low.paise(), 105520);
  EXPECT_EQ(c.close.paise(), 106055);
  EXPECT_EQ(c.volume, 20124778);
}

TEST(CandleFileReader, SkipsAndRecordsBadLinesAndLoadsTheRest) {
  fs::path dir = temp_dir("bad_lines");
  std::string path = write_file(dir / "MIX.txt",
                                "ABC,20230228,09:16,100.00,101.00,99.50,100.50,10,0\n"   // 1 good
                                "ABC,20230228,09:17,100.00,101.00,99.50\n"               // 2 malformed: 6 fields
                                "ABC,20230228,09:17,100.0x,101.00,99.50,100.50,10,0\n"   // 3 malformed: price
                                "ABC,20230228,25:17,100.00,101.00,99.50,100.50,10,0\n"   // 4 malformed: time
                                "ABC,2023022,09:17,100.00,101.00,99.50,100.50,10,0\n"    // 5 malformed: date
                                "ABC,20230228,09:17,100.00,101.00,99.50,100.50,1.5,0\n"  // 6 malformed: volume
                                "ABC,20230228,09:17,100.00,100.20,99.50,100.50,10,0\n"   // 7 high < close
                                "ABC,20230228,09:17,100.00,101.00,100.10,100.50,10,0\n"  // 8 low > open
                                "ABC,20230228,09:17,100.00,101.00,99.50,100.50,20,0\n"   // 9 good
                                "\n"                                                     // 10 blank: ignored
                                "ABC,20230228,09:16,100.00,101.00,99.50,100.50,10,0\n"   // 11 repeats line 1
                                "ABC,20230228,09:16,100.00,101.00,99.50,100.55,10,0\n"   // 12 earlier, different
                                "ABC,20230228,09:18,100.50,100.50,100.50,100.50,0,0\n"); // 13 good
  auto r = CandleFileReader::open(path);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  auto candles = read_all(*r);
  ASSERT_EQ(candles.size(), 3u);
  EXPECT_EQ(candles[0].volume, 10);
  EXPECT_EQ(candles[1].volume, 20);
  EXPECT_EQ(candles[2].start, Timestamp::from_ist(Date{2023, 2, 28}, 9, 17));

  const LineErrorLog& e = r->errors();
  EXPECT_EQ(e.total(), 9u);
  EXPECT_EQ(e.count(LineErrorKind::kMalformed), 5u);
  EXPECT_EQ(e.count(LineErrorKind::kInvalidOhlc), 2u);
  EXPECT_EQ(e.count(LineErrorKind::kDuplicate), 1u);
  EXPECT_EQ(e.count(LineErrorKind::kOutOfOrder), 1u);
  ASSERT_EQ(e.errors().size(), 9u);
  const std::vector<uint64_t> lines = {2, 3, 4, 5, 6, 7, 8, 11, 12};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(e.errors()[i].file, path);
    EXPECT_EQ(e.errors()[i].line, lines[i]);
    EXPECT_FALSE(e.errors()[i].reason.empty());
  }
  EXPECT_EQ(e.errors()[7].kind, LineErrorKind::kDuplicate);
  EXPECT_EQ(e.errors()[8].kind, LineErrorKind::kOutOfOrder);
}

TEST(CandleFileReader, CsvMalformedRowsNameTheirLine) {
  fs::path dir = temp_dir("csv_bad");
  std::string path = write_file(dir / "TCS.csv",
                                "date,open,high,low,close,volume\r\n"
                                "2023-07-03 09:15:00+05:30,3300,3310,3290,3305,100\r\n"
                                "2023-07-03 09:20:00+05:30,3305,3306,3301,3302\r\n"
                                "2023-07-03 09:2x:00+05:30,3305,3306,3301,3302,10\r\n"
                                "2023-07-03 09:25:00+05:30,3305,3306,3301,3302.125,10\r\n"
                                "2023-07-03 09:30:00+05:30,3305,3306,3301,3302,10\r\n");
  auto r = CandleFileReader::open(path);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->interval(), model::Interval::k5m);
  auto candles = read_all(*r);
  ASSERT_EQ(candles.size(), 2u);
  EXPECT_EQ(candles[0].symbol.view(), "TCS");
  EXPECT_EQ(candles[1].start, Timestamp::from_ist(Date{2023, 7, 3}, 9, 30));
  EXPECT_EQ(r->errors().count(LineErrorKind::kMalformed), 3u);
  ASSERT_EQ(r->errors().errors().size(), 3u);
  EXPECT_EQ(r->errors().errors()[0].line, 3u);
  EXPECT_EQ(r->errors().errors()[1].line, 4u);
  EXPECT_EQ(r->errors().errors()[2].line, 5u);  // a sub-paisa price is not silently rounded
}

TEST(CandleFileReader, InfersOrForcesTheCsvInterval) {
  fs::path dir = temp_dir("interval");
  const std::string rows15 =
      "timestamp,open,high,low,close,volume,oi\n"
      "2024-01-02 09:15:00+05:30,10,11,9,10,5,0\n"
      "2024-01-02 09:45:00+05:30,10,11,9,10,5,0\n"  // a gap: the smallest step wins
      "2024-01-02 10:00:00+05:30,10,11,9,10,5,0\n"
      "2024-01-03 09:15:00+05:30,10,11,9,10,5,0\n";
  auto r15 = CandleFileReader::open(write_file(dir / "X.csv", rows15));
  ASSERT_TRUE(r15.is_ok()) << r15.status().to_string();
  EXPECT_EQ(r15->interval(), model::Interval::k15m);

  const std::string rows7 =
      "date,open,high,low,close,volume\n"
      "2024-01-02 09:15:00+05:30,10,11,9,10,5\n"
      "2024-01-02 09:22:00+05:30,10,11,9,10,5\n";
  auto bad = CandleFileReader::open(write_file(dir / "Y.csv", rows7));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("Y.csv"), std::string::npos);
  auto forced = CandleFileReader::open((dir / "Y.csv").string(), ReaderOptions{std::nullopt, model::Interval::k1h});
  ASSERT_TRUE(forced.is_ok());
  EXPECT_EQ(forced->interval(), model::Interval::k1h);
  EXPECT_EQ(read_all(*forced).size(), 2u);
}

TEST(CandleFileReader, RejectsFilesItCannotRead) {
  fs::path dir = temp_dir("unreadable");
  auto missing = CandleFileReader::open((dir / "NOPE.txt").string());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(missing.status().message().find("NOPE.txt"), std::string::npos);

  auto unknown = CandleFileReader::open(write_file(dir / "junk.txt", "hello world\n"));
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("junk.txt"), std::string::npos);

  auto no_volume = CandleFileReader::open(write_file(dir / "Z.csv", "date,open,high,low,close\n"));
  ASSERT_FALSE(no_volume.is_ok());

  auto ticks = CandleFileReader::open(write_file(dir / "t.csv", "symbol,exchange_time,price,cumulative_volume\n"));
  ASSERT_FALSE(ticks.is_ok());
}

TEST(Format, DetectsEachFormatFromItsFirstLine) {
  EXPECT_EQ(detect_format("RELIANCE,20230228,09:08,2356.10,2356.10,2356.10,2356.10,41623,0"), Format::kNse1Min);
  EXPECT_EQ(detect_format("date,open,high,low,close,volume"), Format::kCsv);
  EXPECT_EQ(detect_format("timestamp,open,high,low,close,volume,oi\r"), Format::kCsv);
  EXPECT_EQ(detect_format("symbol,exchange_time,price,cumulative_volume"), Format::kTicks);
  EXPECT_EQ(detect_format("INFY,2023-02-27 09:16:05.250,1500.5,1000"), Format::kTicks);
  EXPECT_EQ(detect_format("hello"), std::nullopt);
  EXPECT_EQ(parse_format("NSE1MIN"), Format::kNse1Min);
  EXPECT_EQ(parse_format("ticks"), Format::kTicks);
  EXPECT_EQ(parse_format("bars"), std::nullopt);
  EXPECT_EQ(format_name(Format::kCsv), "csv");
}

}  // namespace
}  // namespace nifty::feed
