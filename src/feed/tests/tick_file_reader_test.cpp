#include "feed/replay/tick_file_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace nifty::feed {
namespace {

namespace fs = std::filesystem;
using core::Date;
using core::Timestamp;

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("nifty_feed_tick_reader_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

std::vector<model::Tick> read_all(TickFileReader& r) {
  std::vector<model::Tick> out;
  model::Tick t;
  while (r.next(t)) out.push_back(t);
  return out;
}

TEST(TickFileReader, ReadsHeaderOptionalFieldsAndTimeForms) {
  fs::path dir = temp_dir("good");
  std::string path = write_file(dir / "ticks.csv",
                                "symbol,exchange_time,price,cumulative_volume,last_qty,bid,ask\n"
                                "INFY,2023-02-27 09:16:05.250,1500.5,1000\n"
                                "TCS,2023-02-27T09:16:06+05:30,3300.05,2000,10,3300,3300.10\n"
                                "M&M,2023-02-27T03:46:06.5Z,1200,300,,,1200.05\n");
  auto r = TickFileReader::open(path);
  ASSERT_TRUE(r.is_ok());
  auto ticks = read_all(*r);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(r->errors().total(), 0u);
  const Date day{2023, 2, 27};

  EXPECT_EQ(ticks[0].symbol.view(), "INFY");
  EXPECT_EQ(ticks[0].exchange_time, Timestamp::from_ist(day, 9, 16, 5, 250 * core::kNanosPerMilli));
  EXPECT_EQ(ticks[0].last_price.paise(), 150050);
  EXPECT_EQ(ticks[0].cumulative_volume, 1000);
  EXPECT_EQ(ticks[0].last_quantity, 0);

  EXPECT_EQ(ticks[1].exchange_time, Timestamp::from_ist(day, 9, 16, 6));
  EXPECT_EQ(ticks[1].last_quantity, 10);
  EXPECT_EQ(ticks[1].bid.paise(), 330000);
  EXPECT_EQ(ticks[1].ask.paise(), 330010);

  // 03:46:06.5 UTC = 09:16:06.5 IST.
  EXPECT_EQ(ticks[2].symbol.view(), "M&M");
  EXPECT_EQ(ticks[2].exchange_time, Timestamp::from_ist(day, 9, 16, 6, 500 * core::kNanosPerMilli));
  EXPECT_EQ(ticks[2].bid.paise(), 0);
  EXPECT_EQ(ticks[2].ask.paise(), 120005);
  EXPECT_EQ(ticks[2].receive_time.nanos(), 0);
  EXPECT_EQ(ticks[2].sequence, 0u);
}

TEST(TickFileReader, SkipsAndRecordsBadLinesAndLoadsTheRest) {
  fs::path dir = temp_dir("bad");
  std::string path = write_file(dir / "bad.csv",
                                "INFY,2023-02-27 09:16:00,1500,1000\n"      // 1 good (no header)
                                "INFY,2023-02-27 09:16:01,1500\n"           // 2 three fields
                                "INFY,2023-02-27 09:16:02,15x0,1000\n"      // 3 bad price
                                "INFY,2023-02-27 9:16:03,1500,1000\n"       // 4 bad time
                                "INFY,2023-02-27 09:16:04,1500,1e3\n"       // 5 bad volume
                                "INFY,2023-02-27 09:15:59,1500,1000\n"      // 6 earlier than line 1
                                "INFY,2023-02-27 09:16:00,1500.05,1001\n"   // 7 same time: fine
                                ",2023-02-27 09:16:05,1500,1000\n"          // 8 empty symbol
                                "INFY,2023-02-27 09:16:06,1500,1002,1,2,3,4\n"  // 9 eight fields
                                "INFY,2023-02-27 09:16:07,0,1003\n");       // 10 zero price: for the normalizer
  auto r = TickFileReader::open(path);
  ASSERT_TRUE(r.is_ok());
  auto ticks = read_all(*r);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[1].cumulative_volume, 1001);
  EXPECT_EQ(ticks[2].last_price.paise(), 0);
  const LineErrorLog& e = r->errors();
  EXPECT_EQ(e.count(LineErrorKind::kMalformed), 6u);
  EXPECT_EQ(e.count(LineErrorKind::kOutOfOrder), 1u);
  const std::vector<uint64_t> lines = {2, 3, 4, 5, 6, 8, 9};
  ASSERT_EQ(e.errors().size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(e.errors()[i].line, lines[i]);
    EXPECT_EQ(e.errors()[i].file, path);
  }
  EXPECT_EQ(e.errors()[4].kind, LineErrorKind::kOutOfOrder);
  EXPECT_NE(e.errors()[0].to_string().find("bad.csv:2: malformed"), std::string::npos);
}

TEST(TickFileReader, MissingFileIsAnIoError) {
  auto r = TickFileReader::open((temp_dir("missing") / "none.csv").string());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(r.status().message().find("none.csv"), std::string::npos);
}

}  // namespace
}  // namespace nifty::feed
