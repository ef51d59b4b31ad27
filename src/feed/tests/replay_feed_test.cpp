#include "feed/replay/replay_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "feed/replay/candle_file_reader.h"
#include "feed/replay/candle_ticks.h"
#include "feed/tick_normalizer.h"
#include "support/shared_data.h"

namespace nifty::feed {
namespace {

namespace fs = std::filesystem;
using core::Date;
using core::Timestamp;

// The full 5-minute and daily sets and 2023-02-27 live only in ../shared/data; 2023-02-28's
// 1-minute files are also in the repository, byte for byte (testdata/README.md).
const std::string kData = NIFTY_SHARED_DATA_DIR;
const std::string kRepoData = std::string(NIFTY_SOURCE_DIR) + "/testdata";

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("nifty_feed_replay_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

model::Candle make_candle(model::Interval interval, Timestamp start, int64_t o, int64_t h, int64_t l, int64_t c,
                          model::Quantity v) {
  model::Candle k;
  k.symbol = model::Symbol("ABC");
  k.interval = interval;
  k.start = start;
  k.open = model::Price::from_paise(o);
  k.high = model::Price::from_paise(h);
  k.low = model::Price::from_paise(l);
  k.close = model::Price::from_paise(c);
  k.volume = v;
  return k;
}

// An independent OHLCV accumulator: candles keyed by bucket start, volume = rise of cumulative day
// volume since the symbol's previous tick (0 at a new IST date).
class OhlcAccumulator {
 public:
  struct Bar {
    int64_t open = 0, high = 0, low = 0, close = 0;
    int64_t volume = 0;
    bool seen = false;
  };

  void add(const model::Tick& t, Timestamp bucket) {
    const Date date = t.exchange_time.ist_date();
    int64_t delta = t.cumulative_volume;
    if (have_prev_ && prev_date_ == date) delta -= prev_cumulative_;
    have_prev_ = true;
    prev_date_ = date;
    prev_cumulative_ = t.cumulative_volume;
    Bar& b = bars_[bucket.nanos()];
    const int64_t p = t.last_price.paise();
    if (!b.seen) {
      b.open = b.high = b.low = p;
      b.seen = true;
    }
    b.high = std::max(b.high, p);
    b.low = std::min(b.low, p);
    b.close = p;
    b.volume += delta;
  }
  const std::map<int64_t, Bar>& bars() const { return bars_; }

 private:
  std::map<int64_t, Bar> bars_;
  bool have_prev_ = false;
  Date prev_date_;
  int64_t prev_cumulative_ = 0;
};

Timestamp bucket_of(Timestamp t, model::Interval interval) {
  if (interval == model::Interval::k1d) return Timestamp::from_ist(t.ist_date(), 0, 0);
  return t.floor(model::interval_nanos(interval));
}

// Reads up to `limit` candles of a real file, turns them into ticks, and checks that the ticks
// rebuild every candle exactly.
void expect_ticks_rebuild_candles(const std::string& path, size_t limit) {
  auto reader = CandleFileReader::open(path);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  CandleTickSynthesizer synth;
  OhlcAccumulator acc;
  std::vector<model::Candle> candles;
  model::Candle c;
  std::array<model::Tick, kMaxTicksPerCandle> ticks;
  Timestamp last_tick;
  while (candles.size() < limit && reader->next(c)) {
    candles.push_back(c);
    size_t n = synth.to_ticks(c, ticks);
    ASSERT_GE(n, 1u);
    ASSERT_LE(n, 4u);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_GE(ticks[i].exchange_time, last_tick) << "ticks must come in time order";
      last_tick = ticks[i].exchange_time;
      ASSERT_EQ(bucket_of(ticks[i].exchange_time, c.interval), bucket_of(c.start, c.interval));
      acc.add(ticks[i], bucket_of(ticks[i].exchange_time, c.interval));
    }
  }
  ASSERT_EQ(acc.bars().size(), candles.size()) << path;
  for (const model::Candle& k : candles) {
    auto it = acc.bars().find(bucket_of(k.start, k.interval).nanos());
    ASSERT_NE(it, acc.bars().end());
    EXPECT_EQ(it->second.open, k.open.paise()) << path << " " << k.start.to_iso_ist();
    EXPECT_EQ(it->second.high, k.high.paise()) << path << " " << k.start.to_iso_ist();
    EXPECT_EQ(it->second.low, k.low.paise()) << path << " " << k.start.to_iso_ist();
    EXPECT_EQ(it->second.close, k.close.paise()) << path << " " << k.start.to_iso_ist();
    EXPECT_EQ(it->second.volume, k.volume) << path << " " << k.start.to_iso_ist();
  }
}

TEST(CandleTicks, OneMinuteUpCandleFollowsOpenLowHighClock) {
  // Hand-worked: O 100.00 H 110.00 L 95.00 C 105.00, volume 10 -> shares 2, 2, 2, and 4 on the last.
  const Timestamp start = Timestamp::from_ist(Date{2023, 2, 28}, 10, 0);
  std::array<model::Tick, kMaxTicksPerCandle> t;
  CandleTickSynthesizer synth;
  ASSERT_EQ(synth.to_ticks(make_candle(model::Interval::k1m, start, 10000, 11000, 9500, 10500, 10), t), 4u);
  EXPECT_EQ(t[0].last_price.paise(), 10000);
  EXPECT_EQ(t[1].last_price.paise(), 9500);
  EXPECT_EQ(t[2].last_price.paise(), 11000);
  EXPECT_EQ(t[3].last_price.paise(), 10500);
  EXPECT_EQ(t[0].exchange_time, start);
  EXPECT_EQ(t[1].exchange_time, start + 15 * core::kNanosPerSecond);
  EXPECT_EQ(t[2].exchange_time, start + 30 * core::kNanosPerSecond);
  EXPECT_EQ(t[3].exchange_time, start + 45 * core::kNanosPerSecond);
  EXPECT_EQ(t[0].cumulative_volume, 2);
  EXPECT_EQ(t[1].cumulative_volume, 4);
  EXPECT_EQ(t[2].cumulative_volume, 6);
  EXPECT_EQ(t[3].cumulative_volume, 10);
  // The next candle continues the day's cumulative volume: O=H=L=C, volume 7 -> one tick at 17.
  ASSERT_EQ(synth.to_ticks(make_candle(model::Interval::k1m, start + core::kNanosPerMinute, 10500, 10500, 10500,
                                       10500, 7),
                           t),
            1u);
  EXPECT_EQ(t[0].cumulative_volume, 17);
  EXPECT_EQ(t[0].exchange_time, start + core::kNanosPerMinute);
}

TEST(CandleTicks, DownCandleGoesHighFirstAndRepeatedPricesAreDropped) {
  const Timestamp start = Timestamp::from_ist(Date{2023, 2, 28}, 10, 0);
  std::array<model::Tick, kMaxTicksPerCandle> t;
  CandleTickSynthesizer synth;
  ASSERT_EQ(synth.to_ticks(make_candle(model::Interval::k1m, start, 10500, 11000, 9500, 10000, 8), t), 4u);
  EXPECT_EQ(t[1].last_price.paise(), 11000);
  EXPECT_EQ(t[2].last_price.paise(), 9500);
  // O = L = 100, H = C = 105: the path 100, 100, 105, 105 keeps slots 0 and 2.
  ASSERT_EQ(synth.to_ticks(make_candle(model::Interval::k1m, start + core::kNanosPerMinute, 10000, 10500, 10000,
                                       10500, 9),
                           t),
            2u);
  EXPECT_EQ(t[0].exchange_time, start + core::kNanosPerMinute);
  EXPECT_EQ(t[1].exchange_time, start + core::kNanosPerMinute + 30 * core::kNanosPerSecond);
  EXPECT_EQ(t[0].cumulative_volume, 8 + 4);
  EXPECT_EQ(t[1].cumulative_volume, 8 + 9);
}

TEST(CandleTicks, DailyCandleSpreadsOverTheRegularSession) {
  // 09:15-15:30 is 375 minutes; quarters at 0, 93.75, 187.5 and 281.25 minutes.
  const Date day{2023, 2, 28};
  std::array<model::Tick, kMaxTicksPerCandle> t;
  CandleTickSynthesizer synth;
  ASSERT_EQ(synth.to_ticks(make_candle(model::Interval::k1d, Timestamp::from_ist(day, 0, 0), 100, 120, 90, 110, 1000),
                           t),
            4u);
  EXPECT_EQ(t[0].exchange_time, Timestamp::from_ist(day, 9, 15, 0));
  EXPECT_EQ(t[1].exchange_time, Timestamp::from_ist(day, 10, 48, 45));
  EXPECT_EQ(t[2].exchange_time, Timestamp::from_ist(day, 12, 22, 30));
  EXPECT_EQ(t[3].exchange_time, Timestamp::from_ist(day, 13, 56, 15));
  // The next day starts its cumulative volume from 0.
  ASSERT_EQ(synth.to_ticks(make_candle(model::Interval::k1d, Timestamp::from_ist(Date{2023, 3, 1}, 0, 0), 100, 100,
                                       100, 100, 40),
                           t),
            1u);
  EXPECT_EQ(t[0].cumulative_volume, 40);
}

TEST(CandleTicks, RealFilesAreRebuiltExactlyAtTheirOwnInterval) {
  expect_ticks_rebuild_candles(kRepoData + "/nse-1min/2023-02-28/RELIANCE.txt", 1000);
  expect_ticks_rebuild_candles(kRepoData + "/nse-1min/2023-02-28/NIFTY.txt", 1000);
}

TEST(CandleTicks, RealFiveMinuteAndDailyFilesAreRebuiltExactlyAtTheirOwnInterval) {
  NIFTY_SKIP_UNLESS_EXISTS(kData + "/nse-5min-2023-24/INFY.csv");
  NIFTY_SKIP_UNLESS_EXISTS(kData + "/nse-daily-2020-25/TCS.csv");
  expect_ticks_rebuild_candles(kData + "/nse-5min-2023-24/INFY.csv", 3000);
  expect_ticks_rebuild_candles(kData + "/nse-daily-2020-25/TCS.csv", 400);
}

// Records what the feed sends, in order.
class RecordingSink : public FeedSink {
 public:
  struct Clock {
    Timestamp t;
  };
  using Event = std::variant<std::vector<model::Tick>, Clock>;

  bool on_ticks(std::span<const model::Tick> ticks) override {
    std::lock_guard lock(mu_);
    events_.emplace_back(std::vector<model::Tick>(ticks.begin(), ticks.end()));
    ticks_.insert(ticks_.end(), ticks.begin(), ticks.end());
    ++batches_;
    if (on_batch_) on_batch_();
    return accept_;
  }
  bool on_clock(Timestamp t) override {
    std::lock_guard lock(mu_);
    events_.emplace_back(Clock{t});
    return true;
  }

  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<model::Tick> ticks() const {
    std::lock_guard lock(mu_);
    return ticks_;
  }
  size_t batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<Timestamp> clocks() const {
    std::vector<Timestamp> out;
    for (const Event& e : events()) {
      if (auto* c = std::get_if<Clock>(&e)) out.push_back(c->t);
    }
    return out;
  }

  std::function<void()> on_batch_;
  bool accept_ = true;

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::vector<model::Tick> ticks_;
  size_t batches_ = 0;
};

TEST(ReplayFeed, MergesFilesByExchangeTimeWithTiesToTheEarlierInput) {
  fs::path dir = temp_dir("merge");
  // End labels 09:16, 09:17 -> starts 09:15, 09:16; ticks at :00 :15 :30 :45 of each.
  std::string a = write_file(dir / "a.txt",
                             "AAA,20230228,09:16,10.00,11.00,9.00,10.50,40,0\n"
                             "AAA,20230228,09:17,10.50,10.50,10.50,10.50,4,0\n");
  std::string b = write_file(dir / "b.txt",
                             "BBB,20230228,09:16,20.00,21.00,19.00,20.50,8,0\n"
                             "BBB,20230228,09:18,20.50,20.50,20.50,20.50,0,0\n");
  // A tick file in between: 09:15:20 falls between the :15 and :30 ticks.
  std::string t = write_file(dir / "t.csv", "CCC,2023-02-28 09:15:20,30.00,5\n");
  ReplayFeed feed(ReplayConfig{{b, a, t}, std::nullopt, 0.0, 4});
  RecordingSink sink;
  core::Status s = feed.run(sink, std::stop_token{});
  ASSERT_TRUE(s.is_ok()) << s.to_string();

  const Date day{2023, 2, 28};
  auto at = [&](int h, int m, int sec) { return Timestamp::from_ist(day, h, m, sec); };
  struct Want {
    const char* symbol;
    Timestamp time;
    int64_t price;
    int64_t cumulative;
  };
  // Ties at equal exchange time go to b.txt (first input), then a.txt.
  const std::vector<Want> want = {
      {"BBB", at(9, 15, 0), 2000, 2},   {"AAA", at(9, 15, 0), 1000, 10}, {"BBB", at(9, 15, 15), 1900, 4},
      {"AAA", at(9, 15, 15), 900, 20},  {"CCC", at(9, 15, 20), 3000, 5}, {"BBB", at(9, 15, 30), 2100, 6},
      {"AAA", at(9, 15, 30), 1100, 30}, {"BBB", at(9, 15, 45), 2050, 8}, {"AAA", at(9, 15, 45), 1050, 40},
      {"AAA", at(9, 16, 0), 1050, 44},  {"BBB", at(9, 17, 0), 2050, 8},
  };
  auto ticks = sink.ticks();
  ASSERT_EQ(ticks.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ticks[i].symbol.view(), want[i].symbol) << i;
    EXPECT_EQ(ticks[i].exchange_time, want[i].time) << i;
    EXPECT_EQ(ticks[i].last_price.paise(), want[i].price) << i;
    EXPECT_EQ(ticks[i].cumulative_volume, want[i].cumulative) << i;
    EXPECT_EQ(ticks[i].sequence, i + 1);
    EXPECT_GT(ticks[i].receive_time.nanos(), 0);
    EXPECT_EQ(ticks[i].token, 0u);
  }
  EXPECT_EQ(sink.batches(), 3u);  // 11 ticks in batches of 4
  // Max speed: one closing clock, last tick + 1 min + 5 s, after the last batch.
  auto events = sink.events();
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(std::holds_alternative<RecordingSink::Clock>(events.back()));
  EXPECT_EQ(std::get<RecordingSink::Clock>(events.back()).t, at(9, 18, 5));
  EXPECT_EQ(sink.clocks().size(), 1u);

  const ReplayReport& r = feed.report();
  EXPECT_EQ(r.files_read, 3u);
  EXPECT_EQ(r.candles_read, 4u);
  EXPECT_EQ(r.ticks_read, 1u);
  EXPECT_EQ(r.ticks_emitted, 11u);
  EXPECT_EQ(r.line_errors.total(), 0u);
}

TEST(ReplayFeed, ReadsFoldersRecursivelyInPathOrderAndMergesLineErrors) {
  fs::path dir = temp_dir("folder");
  fs::create_directories(dir / "day1");
  fs::create_directories(dir / "day2");
  write_file(dir / "day2" / "X.txt", "XXX,20230301,09:16,10.00,10.00,10.00,10.00,1,0\nbroken line\n");
  write_file(dir / "day1" / "X.txt",
             "XXX,20230228,09:16,10.00,10.00,10.00,10.00,1,0\nXXX,20230228,09:17,10.00,9.00,10.00,10.00,1,0\n");
  write_file(dir / "README.md", "not data\n");
  auto files = list_replay_files({dir.string()});
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0], (dir / "day1" / "X.txt").string());
  EXPECT_EQ((*files)[1], (dir / "day2" / "X.txt").string());

  ReplayFeed feed(ReplayConfig{{dir.string()}});
  RecordingSink sink;
  ASSERT_TRUE(feed.run(sink, std::stop_token{}).is_ok());
  EXPECT_EQ(sink.ticks().size(), 2u);
  const ReplayReport& r = feed.report();
  EXPECT_EQ(r.line_errors.total(), 2u);
  EXPECT_EQ(r.line_errors.count(LineErrorKind::kInvalidOhlc), 1u);
  EXPECT_EQ(r.line_errors.count(LineErrorKind::kMalformed), 1u);
  ASSERT_EQ(r.line_errors.errors().size(), 2u);
  EXPECT_EQ(r.line_errors.errors()[0].file, (dir / "day1" / "X.txt").string());
  EXPECT_EQ(r.line_errors.errors()[0].line, 2u);
  EXPECT_EQ(r.line_errors.errors()[1].file, (dir / "day2" / "X.txt").string());
  EXPECT_EQ(r.line_errors.errors()[1].line, 2u);
}

TEST(ReplayFeed, UnreadableInputIsAnErrorNamingIt) {
  fs::path dir = temp_dir("unreadable");
  const std::string missing = (dir / "missing.txt").string();
  ReplayFeed feed(ReplayConfig{{missing}});
  RecordingSink sink;
  core::Status s = feed.run(sink, std::stop_token{});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find(missing), std::string::npos);
  EXPECT_TRUE(sink.events().empty());

  const std::string junk = write_file(dir / "junk.csv", "what,is,this\n");
  const std::string good = write_file(dir / "good.txt", "XXX,20230228,09:16,10.00,10.00,10.00,10.00,1,0\n");
  ReplayFeed feed2(ReplayConfig{{good, junk}});
  s = feed2.run(sink, std::stop_token{});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find(junk), std::string::npos);
  EXPECT_TRUE(sink.events().empty());  // nothing is sent before every input has opened
}

TEST(ReplayFeed, PacedReplaySendsClocksWhileWaitingAndSkipsTheNight) {
  fs::path dir = temp_dir("paced");
  // At speed 100, the 50 s gap takes about 0.5 s of wall time (about 5 clocks); the overnight gap
  // is skipped.
  std::string t = write_file(dir / "t.csv",
                             "AAA,2023-02-28 09:15:00,10.00,1\n"
                             "AAA,2023-02-28 09:15:50,10.05,2\n"
                             "AAA,2023-03-01 09:15:00,10.10,3\n");
  ReplayFeed feed(ReplayConfig{{t}, std::nullopt, 100.0, 1024});
  RecordingSink sink;
  ASSERT_TRUE(feed.run(sink, std::stop_token{}).is_ok());

  const Timestamp t1 = Timestamp::from_ist(Date{2023, 2, 28}, 9, 15, 0);
  const Timestamp t2 = Timestamp::from_ist(Date{2023, 2, 28}, 9, 15, 50);
  const Timestamp t3 = Timestamp::from_ist(Date{2023, 3, 1}, 9, 15, 0);
  std::vector<Timestamp> seen_ticks;
  std::vector<Timestamp> clocks_between_1_and_2;
  std::vector<Timestamp> clocks_after_2;
  for (const auto& e : sink.events()) {
    if (auto* batch = std::get_if<std::vector<model::Tick>>(&e)) {
      for (const auto& tick : *batch) seen_ticks.push_back(tick.exchange_time);
    } else {
      const Timestamp c = std::get<RecordingSink::Clock>(e).t;
      ASSERT_FALSE(seen_ticks.empty()) << "no clock before the first tick";
      (seen_ticks.size() == 1 ? clocks_between_1_and_2 : clocks_after_2).push_back(c);
    }
  }
  ASSERT_EQ(seen_ticks, (std::vector<Timestamp>{t1, t2, t3}));
  ASSERT_GE(clocks_between_1_and_2.size(), 2u);
  Timestamp prev = t1;
  for (Timestamp c : clocks_between_1_and_2) {
    EXPECT_GE(c, prev);
    EXPECT_LT(c, t2);
    prev = c;
  }
  // Nothing between t2 and t3 (skipped), then the closing clock.
  ASSERT_EQ(clocks_after_2.size(), 1u);
  EXPECT_EQ(clocks_after_2[0], t3 + core::kNanosPerMinute + 5 * core::kNanosPerSecond);
  EXPECT_EQ(feed.report().idle_skips, 1u);
}

TEST(ReplayFeed, StopRequestEndsAPacedReplayWhileItWaits) {
  fs::path dir = temp_dir("stop_paced");
  // At real-time speed the second tick is 50 s away: only a prompt stop ends the test quickly.
  std::string t = write_file(dir / "t.csv",
                             "AAA,2023-02-28 09:15:00,10.00,1\n"
                             "AAA,2023-02-28 09:15:50,10.05,2\n");
  ReplayFeed feed(ReplayConfig{{t}, std::nullopt, 1.0, 1024});
  RecordingSink sink;
  core::Status status;
  std::jthread runner([&](std::stop_token stop) { status = feed.run(sink, stop); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sink.batches() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling with a deadline
  }
  ASSERT_EQ(sink.batches(), 1u);
  runner.request_stop();
  runner.join();
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(sink.ticks().size(), 1u);
  EXPECT_EQ(feed.report().ticks_emitted, 1u);
}

TEST(ReplayFeed, StopRequestAndARefusingSinkEndAMaxSpeedReplay) {
  fs::path dir = temp_dir("stop_max");
  std::string rows;
  for (int m = 16; m < 40; ++m) rows += "AAA,20230228,09:" + std::to_string(m) + ",10.00,11.00,9.00,10.50,4,0\n";
  std::string path = write_file(dir / "a.txt", rows);

  std::stop_source stop;
  RecordingSink sink;
  sink.on_batch_ = [&] { stop.request_stop(); };
  ReplayFeed feed(ReplayConfig{{path}, std::nullopt, 0.0, 3});
  ASSERT_TRUE(feed.run(sink, stop.get_token()).is_ok());
  EXPECT_EQ(sink.ticks().size(), 3u);
  EXPECT_TRUE(sink.clocks().empty());

  RecordingSink refusing;
  refusing.accept_ = false;
  ReplayFeed feed2(ReplayConfig{{path}, std::nullopt, 0.0, 5});
  ASSERT_TRUE(feed2.run(refusing, std::stop_token{}).is_ok());
  EXPECT_EQ(refusing.ticks().size(), 5u);
  EXPECT_EQ(refusing.batches(), 1u);
}

// Per-minute volumes of the regular rows (09:16..15:30 labels) of a real 1-minute file, parsed here
// with sscanf, keyed by candle start.
std::map<int64_t, int64_t> regular_minute_volumes(const std::string& path) {
  std::map<int64_t, int64_t> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    char sym[32];
    int y, mo, d, h, mi;
    double o, hi, lo, c;
    long long v;
    if (std::sscanf(line.c_str(), "%31[^,],%4d%2d%2d,%d:%d,%lf,%lf,%lf,%lf,%lld", sym, &y, &mo, &d, &h, &mi, &o, &hi,
                    &lo, &c, &v) != 11) {
      continue;
    }
    int label = h * 60 + mi;
    if (label < 9 * 60 + 16 || label > 15 * 60 + 30) continue;
    out[Timestamp::from_ist(Date{y, mo, d}, h, mi).nanos() - core::kNanosPerMinute] = v;
  }
  return out;
}

TEST(ReplayFeed, TwoRealDaysThroughTheNormalizerGiveTheFileVolumesPerMinute) {
  const std::string day1 = kData + "/nse-1min/2023-02-27/RELIANCE.txt";
  const std::string day2 = kData + "/nse-1min/2023-02-28/RELIANCE.txt";
  NIFTY_SKIP_UNLESS_EXISTS(day1);
  NIFTY_SKIP_UNLESS_EXISTS(day2);
  ReplayFeed feed(ReplayConfig{{day2, day1}});  // merged by time whatever the input order
  RecordingSink sink;
  ASSERT_TRUE(feed.run(sink, std::stop_token{}).is_ok());
  TickNormalizer normalizer(core::NseCalendar::builtin(), "test_replay_two_days");
  std::map<int64_t, int64_t> volume_by_minute;
  for (model::Tick t : sink.ticks()) {
    if (normalizer.normalize(t)) continue;
    volume_by_minute[t.exchange_time.floor(core::kNanosPerMinute).nanos()] += t.volume_delta;
  }
  std::map<int64_t, int64_t> want = regular_minute_volumes(day1);
  for (auto [k, v] : regular_minute_volumes(day2)) want[k] = v;
  ASSERT_EQ(want.size(), 750u);
  EXPECT_EQ(volume_by_minute, want);
  // The pre-open and post-close rows were rejected as outside the session, nothing else.
  const RejectCounts& c = normalizer.rejected();
  EXPECT_EQ(c.total_rejected(), c[RejectReason::kOutsideSession]);
  EXPECT_GT(c[RejectReason::kOutsideSession], 0u);
}

TEST(ForEachCandle, IteratesTheCandlesOfEveryFile) {
  ReplayReport report;
  size_t n = 0;
  model::Candle first;
  core::Status s = for_each_candle({kRepoData + "/nse-1min/2023-02-28/RELIANCE.txt"}, std::nullopt,
                                   [&](const model::Candle& c) {
                                     if (n++ == 0) first = c;
                                     return true;
                                   },
                                   report);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(n, 380u);  // every line of the file (see CandleFileReader tests)
  EXPECT_EQ(first.volume, 41623);
  EXPECT_EQ(report.files_read, 1u);
  EXPECT_EQ(report.candles_read, 380u);

  // Early stop.
  n = 0;
  ReplayReport report2;
  s = for_each_candle({kRepoData + "/nse-1min/2023-02-28/RELIANCE.txt"}, std::nullopt,
                      [&](const model::Candle&) { return ++n < 10; }, report2);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(n, 10u);

  fs::path dir = temp_dir("for_each_ticks");
  std::string ticks = write_file(dir / "t.csv", "symbol,exchange_time,price,cumulative_volume\n");
  ReplayReport report3;
  s = for_each_candle({ticks}, std::nullopt, [](const model::Candle&) { return true; }, report3);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("t.csv"), std::string::npos);
}

}  // namespace
}  // namespace nifty::feed
