// Edges of replay input found in review: candles that run past their session's end, absurd
// volumes, empty files, and mixed intervals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "feed/replay/candle_file_reader.h"
#include "feed/replay/candle_ticks.h"
#include "feed/replay/replay_feed.h"

namespace nifty::feed {
namespace {

namespace fs = std::filesystem;
constexpr core::Date kDay{2023, 2, 28};

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("nifty_replay_edges_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

TEST(CandleTicks, TheLastHourlyCandleTradesOnlyUntilTheClose) {
  // The 15:15 hourly candle covers 15:15-15:30: its ticks must all fall in the session, at
  // 0, 1/4, 1/2, 3/4 of those 15 minutes (15:15:00, 15:18:45, 15:22:30, 15:26:15).
  model::Candle c;
  c.symbol = model::Symbol("TCS");
  c.interval = model::Interval::k1h;
  c.start = core::Timestamp::from_ist(kDay, 15, 15);
  c.open = model::Price::from_paise(10400);
  c.high = model::Price::from_paise(12000);
  c.low = model::Price::from_paise(9000);
  c.close = model::Price::from_paise(11500);
  c.volume = 4000;
  std::array<model::Tick, kMaxTicksPerCandle> ticks;
  size_t n = candle_price_path(c, core::NseCalendar::builtin(), ticks);
  ASSERT_EQ(n, 4u);
  const core::Timestamp close = core::Timestamp::from_ist(kDay, 15, 30);
  EXPECT_EQ(ticks[0].exchange_time, core::Timestamp::from_ist(kDay, 15, 15));
  EXPECT_EQ(ticks[1].exchange_time, core::Timestamp::from_ist(kDay, 15, 18, 45));
  EXPECT_EQ(ticks[3].exchange_time, core::Timestamp::from_ist(kDay, 15, 26, 15));
  for (size_t i = 0; i < n; ++i) EXPECT_LT(ticks[i].exchange_time, close) << i;
}

TEST(CandleTicks, AnOrdinaryHourlyCandleSpreadsOverItsHour) {
  model::Candle c;
  c.symbol = model::Symbol("TCS");
  c.interval = model::Interval::k1h;
  c.start = core::Timestamp::from_ist(kDay, 10, 15);
  c.open = c.high = c.low = model::Price::from_paise(10000);
  c.close = model::Price::from_paise(10100);
  c.high = c.close;
  c.volume = 10;
  std::array<model::Tick, kMaxTicksPerCandle> ticks;
  size_t n = candle_price_path(c, core::NseCalendar::builtin(), ticks);
  ASSERT_EQ(n, 2u);  // open (= low), then high (= close): flat steps are dropped
  // The high keeps its slot in the path (the third of four): half of the hour in, 10:45.
  EXPECT_EQ(ticks[1].exchange_time, core::Timestamp::from_ist(kDay, 10, 45));
}

TEST(CandleFileReader, RejectsAVolumeNoMarketCouldTrade) {
  auto dir = temp_dir("volume");
  auto path = write_file(dir / "TCS.txt",
                         "TCS,20230228,09:16,3300.00,3301.00,3299.00,3300.50,100,0\n"
                         "TCS,20230228,09:17,3300.00,3301.00,3299.00,3300.50,9223372036854775807,0\n"
                         "TCS,20230228,09:18,3300.00,3301.00,3299.00,3300.50,200,0\n");
  auto reader = CandleFileReader::open(path);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  std::vector<model::Quantity> volumes;
  model::Candle c;
  while (reader->next(c)) volumes.push_back(c.volume);
  EXPECT_EQ(volumes, (std::vector<model::Quantity>{100, 200}));
  ASSERT_EQ(reader->errors().total(), 1u);
  EXPECT_EQ(reader->errors().errors()[0].line, 2u);
  EXPECT_EQ(reader->errors().errors()[0].kind, LineErrorKind::kMalformed);
}

TEST(SourceIntervals, GivesEachSymbolTheFinestIntervalOfItsOwnFiles) {
  auto dir = temp_dir("intervals");
  write_file(dir / "TCS.csv",
             "timestamp,open,high,low,close,volume,oi\n2023-07-03 00:00:00+05:30,3300,3310,3290,3305,1000,0\n"
             "2023-07-04 00:00:00+05:30,3305,3320,3300,3310,1200,0\n");
  write_file(dir / "INFY.csv",
             "date,open,high,low,close,volume\n2023-07-03 09:15:00+05:30,1300,1301,1299,1300.5,100\n"
             "2023-07-03 09:20:00+05:30,1300.5,1302,1300,1301,150\n");
  write_file(dir / "EMPTY.txt", "");
  auto intervals = source_intervals({dir.string()}, std::nullopt);
  ASSERT_TRUE(intervals.is_ok()) << intervals.status().to_string();
  EXPECT_EQ(intervals->size(), 2u);
  EXPECT_EQ(intervals->at(model::Symbol("TCS")), model::Interval::k1d);
  EXPECT_EQ(intervals->at(model::Symbol("INFY")), model::Interval::k5m);
}

// Collects what a feed hands over.
class CollectingSink final : public FeedSink {
 public:
  bool on_ticks(std::span<const model::Tick> ticks) override {
    for (const auto& t : ticks) symbols.push_back(t.symbol.str());
    return true;
  }
  bool on_clock(core::Timestamp) override { return true; }
  std::vector<std::string> symbols;
};

TEST(ReplayFeed, AnEmptyFileDoesNotStopTheOthers) {
  auto dir = temp_dir("empty");
  write_file(dir / "A_EMPTY.txt", "");
  write_file(dir / "TCS.txt", "TCS,20230228,09:16,3300.00,3301.00,3299.00,3300.50,100,0\n");
  ReplayFeed feed(ReplayConfig{.inputs = {dir.string()}});
  CollectingSink sink;
  auto status = feed.run(sink, {});
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_FALSE(sink.symbols.empty());
  EXPECT_EQ(sink.symbols.front(), "TCS");
}

}  // namespace
}  // namespace nifty::feed
