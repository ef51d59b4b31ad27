#include "feed/sim/sim_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

namespace nifty::feed {
namespace {

using namespace std::chrono_literals;

model::Universe universe() {
  // config/nifty50.csv is a byte-for-byte copy of ../shared/data/nifty50.csv (testdata/README.md).
  auto u = model::Universe::load_csv(NIFTY_SOURCE_DIR "/config/nifty50.csv");
  EXPECT_TRUE(u.is_ok()) << u.status().to_string();
  return std::move(u).value();
}

class RecordingSink final : public FeedSink {
 public:
  bool on_ticks(std::span<const model::Tick> ticks) override {
    std::lock_guard lock(mu_);
    ticks_.insert(ticks_.end(), ticks.begin(), ticks.end());
    ++tick_calls_;
    tick_count_ += ticks.size();
    return !refuse_;
  }
  bool on_clock(core::Timestamp t) override {
    std::lock_guard lock(mu_);
    clocks_.push_back({t, ticks_.size()});
    clock_count_++;
    return true;
  }
  struct ClockCall {
    core::Timestamp t;
    size_t ticks_before;
  };
  std::vector<model::Tick> ticks() const {
    std::lock_guard lock(mu_);
    return ticks_;
  }
  std::vector<ClockCall> clocks() const {
    std::lock_guard lock(mu_);
    return clocks_;
  }
  bool refuse_ = false;
  std::atomic<size_t> tick_count_{0};
  std::atomic<size_t> clock_count_{0};
  size_t tick_calls_ = 0;

 private:
  mutable std::mutex mu_;
  std::vector<model::Tick> ticks_;
  std::vector<ClockCall> clocks_;
};

bool same(const model::Tick& a, const model::Tick& b) {
  return a.token == b.token && a.symbol == b.symbol && a.exchange == b.exchange && a.last_price == b.last_price &&
         a.cumulative_volume == b.cumulative_volume && a.last_quantity == b.last_quantity && a.bid == b.bid &&
         a.ask == b.ask && a.exchange_time == b.exchange_time && a.receive_time == b.receive_time &&
         a.sequence == b.sequence;
}

SimConfig fast(double tps = 0.1, uint64_t seed = 42) {
  SimConfig c;
  c.seed = seed;
  c.speed = 0;
  c.ticks_per_second = tps;
  return c;
}

std::vector<model::Tick> run_once(const SimConfig& cfg, RecordingSink* out = nullptr) {
  SimFeed feed(universe(), cfg);
  RecordingSink local;
  RecordingSink& sink = out ? *out : local;
  std::stop_source never;
  EXPECT_TRUE(feed.run(sink, never.get_token()).is_ok());
  return sink.ticks();
}

template <typename F>
bool eventually(F cond, std::chrono::seconds deadline = 20s) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::yield();
  }
  return cond();
}

const model::Symbol kIndex("NIFTY 50");

TEST(SimFeed, IsNamedSim) { EXPECT_EQ(SimFeed(universe(), SimConfig{}).name(), "sim"); }

TEST(SimFeed, SameSeedGivesIdenticalTicks) {
  auto a = run_once(fast());
  auto b = run_once(fast());
  // 51 instruments x 0.1/s x 22,500 s: about 114,750 ticks expected.
  ASSERT_GT(a.size(), 100'000u);
  ASSERT_LT(a.size(), 130'000u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same(a[i], b[i])) << "tick " << i;
  auto c = run_once(fast(0.1, 43));
  size_t differ = 0;
  for (size_t i = 0; i < std::min(a.size(), c.size()); ++i) differ += !same(a[i], c[i]);
  EXPECT_GT(differ, a.size() / 2);
}

TEST(SimFeed, PricesOnTheFivePaiseGridWithQuotesOneTickApart) {
  for (const auto& t : run_once(fast())) {
    ASSERT_GT(t.last_price.paise(), 0);
    ASSERT_EQ(t.last_price.paise() % 5, 0) << t.symbol.str();
    if (t.symbol == kIndex) {
      EXPECT_EQ(t.bid.paise(), 0);
      EXPECT_EQ(t.ask.paise(), 0);
      continue;
    }
    ASSERT_GT(t.bid.paise(), 0);
    ASSERT_EQ(t.bid.paise() % 5, 0);
    ASSERT_EQ(t.ask.paise() - t.bid.paise(), 5);
    ASSERT_LE(t.bid, t.last_price);
    ASSERT_GE(t.ask, t.last_price);
  }
}

TEST(SimFeed, CumulativeVolumeRisesByEachTradePerSymbol) {
  std::map<std::string, int64_t> last;
  for (const auto& t : run_once(fast())) {
    if (t.symbol == kIndex) {
      ASSERT_EQ(t.cumulative_volume, 0);
      ASSERT_EQ(t.last_quantity, 0);
      continue;
    }
    ASSERT_GT(t.last_quantity, 0);
    int64_t& prev = last[t.symbol.str()];
    ASSERT_GE(t.cumulative_volume, prev);
    ASSERT_EQ(t.cumulative_volume, prev + t.last_quantity) << t.symbol.str();
    prev = t.cumulative_volume;
  }
  EXPECT_EQ(last.size(), 50u);
}

TEST(SimFeed, ExchangeTimesInsideTheSessionInOrder) {
  SimConfig cfg = fast();
  RecordingSink sink;
  auto ticks = run_once(cfg, &sink);
  // 2026-11-25 09:15 IST = 1795578300 s (Python datetime); the session lasts 6 h 15 min.
  const core::Timestamp open = core::Timestamp::from_seconds(1795578300);
  const core::Timestamp close = open + (6 * 60 + 15) * core::kNanosPerMinute;
  ASSERT_FALSE(ticks.empty());
  for (size_t i = 0; i < ticks.size(); ++i) {
    ASSERT_GE(ticks[i].exchange_time, open);
    ASSERT_LT(ticks[i].exchange_time, close);
    ASSERT_EQ(ticks[i].exchange_time.nanos() % core::kNanosPerMilli, 0);
    ASSERT_EQ(ticks[i].sequence, i + 1);
    if (i > 0) {
      ASSERT_GE(ticks[i].exchange_time, ticks[i - 1].exchange_time);
    }
  }
  // The day is covered: ticks within the first and the last minute.
  EXPECT_LT(ticks.front().exchange_time, open + core::kNanosPerMinute);
  EXPECT_GT(ticks.back().exchange_time, close - core::kNanosPerMinute);
  // One final clock after every tick: session end + 5 s.
  auto clocks = sink.clocks();
  ASSERT_EQ(clocks.size(), 1u);
  EXPECT_EQ(clocks[0].t, close + 5 * core::kNanosPerSecond);
  EXPECT_EQ(clocks[0].ticks_before, ticks.size());
}

TEST(SimFeed, IndexIsTheMeanOfTheStockReturnsAppliedToItsBase) {
  model::Universe u = universe();
  SimConfig cfg = fast(0.05);
  // Hand-chosen starting prices: every stock at ₹1,000 but RELIANCE at ₹2,850.50; the index at ₹24,000.
  std::map<std::string, int64_t> start;
  for (const auto& ins : u.instruments()) {
    int64_t p = ins.symbol == kIndex ? 2'400'000 : ins.symbol == model::Symbol("RELIANCE") ? 285'050 : 100'000;
    cfg.start_prices[ins.symbol] = model::Price::from_paise(p);
    start[ins.symbol.str()] = p;
  }
  std::map<std::string, int64_t> latest = start;
  latest.erase("NIFTY 50");
  int index_ticks = 0;
  double max_move = 0;
  for (const auto& t : run_once(cfg)) {
    if (t.symbol != kIndex) {
      latest[t.symbol.str()] = t.last_price.paise();
      continue;
    }
    // Reference: base x (1 + mean(latest_i / start_i - 1)), from the published (rounded) prices.
    double mean = 0;
    for (const auto& [sym, p] : latest) mean += static_cast<double>(p) / static_cast<double>(start[sym]) - 1.0;
    mean /= static_cast<double>(latest.size());
    const double expected = 2'400'000.0 * (1.0 + mean);
    // Rounding of the stocks (at most 2.5 paise on ₹1,000) and of the index itself.
    ASSERT_NEAR(static_cast<double>(t.last_price.paise()), expected, 70.0);
    max_move = std::max(max_move, std::fabs(expected - 2'400'000.0));
    ++index_ticks;
  }
  EXPECT_GT(index_ticks, 500);
  EXPECT_GT(max_move, 1000.0);  // the index does move (more than ₹10) during the day
}

TEST(SimFeed, StartPricesAreDeterministicAndPlausible) {
  model::Universe u = universe();
  SimFeed a(u, fast()), b(u, fast()), other(u, fast(0.1, 7));
  int differ = 0;
  for (const auto& ins : u.instruments()) {
    auto p = a.start_price(ins);
    EXPECT_EQ(p, b.start_price(ins));
    EXPECT_EQ(p.paise() % 5, 0);
    if (ins.has_volume()) {
      EXPECT_GE(p.paise(), 100 * 100);
      EXPECT_LE(p.paise(), 5000 * 100);
      differ += p != other.start_price(ins);
    } else {
      EXPECT_EQ(p, SimConfig::kIndexBase);
    }
  }
  EXPECT_GT(differ, 40);
  // The first trade of each stock is near its start price (a few seconds of 25 % annual volatility).
  std::map<std::string, bool> seen;
  for (const auto& t : run_once(fast(0.5))) {
    if (seen[t.symbol.str()]) continue;
    seen[t.symbol.str()] = true;
    const double p0 = a.start_price(*u.find(t.symbol)).rupees();
    EXPECT_NEAR(t.last_price.rupees() / p0, 1.0, 0.01) << t.symbol.str();
  }
}

TEST(SimFeed, VolumePerTickIsUShaped) {
  auto ticks = run_once(fast(0.2));
  const core::Timestamp open = core::Timestamp::from_ist(core::Date{2026, 11, 25}, 9, 15);
  auto minute = [&](const model::Tick& t) { return (t.exchange_time - open) / core::kNanosPerMinute; };
  // Mean quantity relative to each stock's own day mean, in the first, middle and last 20 minutes.
  std::map<std::string, std::pair<double, int>> day;
  for (const auto& t : ticks) {
    if (t.symbol == kIndex) continue;
    auto& d = day[t.symbol.str()];
    d.first += static_cast<double>(t.last_quantity);
    d.second++;
  }
  double sum[3] = {0, 0, 0};
  int n[3] = {0, 0, 0};
  for (const auto& t : ticks) {
    if (t.symbol == kIndex) continue;
    int64_t m = minute(t);
    int w = m < 20 ? 0 : (m >= 177 && m < 197) ? 1 : m >= 355 ? 2 : -1;
    if (w < 0) continue;
    const auto& d = day[t.symbol.str()];
    sum[w] += static_cast<double>(t.last_quantity) / (d.first / d.second);
    n[w]++;
  }
  const double first = sum[0] / n[0], middle = sum[1] / n[1], last = sum[2] / n[2];
  // The shape is 0.6 (1 + 2 (2x - 1)^2): about 1.7 near the ends, 0.6 at midday.
  EXPECT_GT(first, 2 * middle);
  EXPECT_GT(last, 2 * middle);
}

TEST(SimFeed, DailyVolatilityMatchesTheConfiguredAnnualFigure) {
  SimConfig cfg = fast(0.1);
  cfg.annual_volatility = 0.4;
  model::Universe u = universe();
  SimFeed feed(u, cfg);
  std::map<std::string, double> close;
  for (const auto& t : run_once(cfg)) close[t.symbol.str()] = t.last_price.rupees();
  double sum = 0, sq = 0;
  int n = 0;
  for (const auto& [sym, c] : close) {
    if (sym == "NIFTY 50") continue;
    double r = std::log(c / feed.start_price(*u.find(model::Symbol(sym))).rupees());
    sum += r;
    sq += r * r;
    ++n;
  }
  const double sd = std::sqrt(sq / n - (sum / n) * (sum / n));
  const double expected = 0.4 / std::sqrt(252.0);  // 0.0252
  EXPECT_GT(sd, expected / 2) << sd;
  EXPECT_LT(sd, expected * 2) << sd;
}

TEST(SimFeed, PacedRunGivesTheSameTicksAsMaxSpeed) {
  SimConfig cfg = fast(0.01);
  auto expected = run_once(cfg);
  cfg.speed = 30000;  // the 6 h 15 min session in about 0.75 s
  RecordingSink sink;
  auto paced = run_once(cfg, &sink);
  ASSERT_EQ(paced.size(), expected.size());
  for (size_t i = 0; i < paced.size(); ++i) ASSERT_TRUE(same(paced[i], expected[i])) << i;
  auto clocks = sink.clocks();
  ASSERT_FALSE(clocks.empty());
  EXPECT_EQ(clocks.back().t, SimFeed(universe(), cfg).session_end() + 5 * core::kNanosPerSecond);
  // A clock never runs ahead of a tick not yet delivered.
  for (const auto& c : clocks) {
    if (c.ticks_before < paced.size()) {
      EXPECT_LE(c.t, paced[c.ticks_before].exchange_time);
    }
  }
}

TEST(SimFeed, PacedRunCallsOnClockWhileWaitingAndStopsOnRequest) {
  SimConfig cfg;
  cfg.speed = 1.0;
  cfg.ticks_per_second = 1e-6;  // practically no ticks: the feed waits
  SimFeed feed(universe(), cfg);
  RecordingSink sink;
  std::atomic<bool> done{false};
  std::jthread runner([&](std::stop_token st) {
    EXPECT_TRUE(feed.run(sink, st).is_ok());
    done = true;
  });
  ASSERT_TRUE(eventually([&] { return sink.clock_count_.load() >= 3; }));
  const auto asked = std::chrono::steady_clock::now();
  runner.request_stop();
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  // Designed for 100 ms; generous here for sanitizer builds on a shared machine.
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  runner.join();
  auto clocks = sink.clocks();
  ASSERT_GE(clocks.size(), 3u);
  for (size_t i = 0; i < clocks.size(); ++i) {
    EXPECT_GE(clocks[i].t, feed.session_start());
    EXPECT_LT(clocks[i].t, feed.session_start() + 60 * core::kNanosPerSecond);  // runs at wall speed
    if (i > 0) {
      EXPECT_GE(clocks[i].t, clocks[i - 1].t);
    }
  }
}

TEST(SimFeed, StopEndsARunThatIsEmittingTicks) {
  SimConfig cfg;
  cfg.speed = 1.0;  // about 100 ticks per second
  SimFeed feed(universe(), cfg);
  RecordingSink sink;
  std::atomic<bool> done{false};
  std::jthread runner([&](std::stop_token st) {
    EXPECT_TRUE(feed.run(sink, st).is_ok());
    done = true;
  });
  ASSERT_TRUE(eventually([&] { return sink.tick_count_.load() >= 10; }));
  const auto asked = std::chrono::steady_clock::now();
  runner.request_stop();
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
}

TEST(SimFeed, StopsWhenTheSinkRefuses) {
  RecordingSink sink;
  sink.refuse_ = true;
  SimConfig cfg = fast();
  cfg.batch = 100;
  SimFeed feed(universe(), cfg);
  std::stop_source never;
  EXPECT_TRUE(feed.run(sink, never.get_token()).is_ok());
  EXPECT_EQ(sink.tick_calls_, 1u);
  EXPECT_EQ(sink.ticks().size(), 100u);
  EXPECT_TRUE(sink.clocks().empty());
}

TEST(SimFeed, ADateThatDoesNotTradeMovesBackToTheLastTradingWeekday) {
  EXPECT_EQ(SimFeed::last_trading_day(core::Date{2026, 11, 25}), (core::Date{2026, 11, 25}));
  // 2026-11-24 is Guru Nanak Jayanti (a Tuesday): back to Monday the 23rd.
  EXPECT_EQ(SimFeed::last_trading_day(core::Date{2026, 11, 24}), (core::Date{2026, 11, 23}));
  // Sunday 2026-11-29: back to Friday the 27th.
  EXPECT_EQ(SimFeed::last_trading_day(core::Date{2026, 11, 29}), (core::Date{2026, 11, 27}));
  // Saturday 2024-03-02 had a special two-part session, not a regular day: back to Friday 1 March.
  EXPECT_EQ(SimFeed::last_trading_day(core::Date{2024, 3, 2}), (core::Date{2024, 3, 1}));
  SimConfig cfg = fast();
  cfg.date = core::Date{2026, 11, 24};
  EXPECT_EQ(SimFeed(universe(), cfg).session_date(), (core::Date{2026, 11, 23}));
  EXPECT_EQ(SimFeed(universe(), SimConfig{}).session_date(), (core::Date{2026, 11, 25}));
}

}  // namespace
}  // namespace nifty::feed
