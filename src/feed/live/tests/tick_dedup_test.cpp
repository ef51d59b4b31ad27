// Tests of TickDedup. The interleaving tests build the true tick stream from real 1-minute data
// (../shared/data/nse-1min, read here with a few lines of string handling, independent of src/feed):
// each minute becomes four ticks (open, high, low, close at +0/15/30/45 s) with the minute's volume
// added to the cumulative day volume in quarters, and a tick identical in (volume, price) to the one
// before is left out (no new information). Two feeds carry overlapping parts of that stream with
// random delays; the deduplicated merge must equal a reference judged by position in the true
// stream (not by the rule's fields). The rule tests are
// worked by hand from the rule in tick_dedup.h.
#include "feed/live/tick_dedup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "support/shared_data.h"

namespace nifty::feed::live {
namespace {

using core::Timestamp;

const std::string kData = std::string(NIFTY_SHARED_DATA_DIR) + "/nse-1min";

// SYMBOL,YYYYMMDD,HH:MM,open,high,low,close,volume,oi (labelled by the minute's end, IST).
std::vector<model::Tick> truth_from_file(const std::string& path, model::Quantity& cumulative_start) {
  std::vector<model::Tick> out;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  model::Quantity cum = 0;
  (void)cumulative_start;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string part;
    while (std::getline(ss, part, ',')) f.push_back(part);
    EXPECT_EQ(f.size(), 9u) << line;
    if (f.size() != 9) continue;
    int y = std::stoi(f[1].substr(0, 4)), mo = std::stoi(f[1].substr(4, 2)), d = std::stoi(f[1].substr(6, 2));
    int hh = std::stoi(f[2].substr(0, 2)), mm = std::stoi(f[2].substr(3, 2));
    Timestamp start = Timestamp::from_ist(core::Date{y, mo, d}, hh, mm) - core::kNanosPerMinute;
    // Prices have at most 2 decimals: paise = rupees * 100 exactly via string handling.
    auto paise = [](const std::string& s) {
      size_t dot = s.find('.');
      std::string whole = s.substr(0, dot);
      std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
      while (frac.size() < 2) frac += '0';
      return std::stoll(whole) * 100 + std::stoll(frac);
    };
    int64_t prices[4] = {paise(f[3]), paise(f[4]), paise(f[5]), paise(f[6])};
    model::Quantity v = std::stoll(f[7]);
    for (int q = 0; q < 4; ++q) {
      model::Tick t;
      t.symbol = model::Symbol(f[0]);
      t.last_price = model::Price::from_paise(prices[q]);
      t.cumulative_volume = cum + v * (q + 1) / 4;
      t.exchange_time = start + q * 15 * core::kNanosPerSecond;
      if (!out.empty() && out.back().symbol == t.symbol && out.back().cumulative_volume == t.cumulative_volume &&
          out.back().last_price == t.last_price)
        continue;
      out.push_back(t);
    }
    cum += v;
  }
  return out;
}

struct Arrival {
  int64_t at = 0;
  size_t feed = 0;
  size_t index = 0;  // position in the true stream
  model::Tick tick;
};

// Feed 0 carries truth[0, a_end), feed 1 carries truth[b_begin, n); each tick i is delivered at
// about i*10 plus a random delay of up to `max_delay`, each feed in its own order.
std::vector<Arrival> interleave(const std::vector<model::Tick>& truth, size_t a_end, size_t b_begin, int max_delay,
                                unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay(0, max_delay);
  std::vector<Arrival> out;
  for (size_t feed = 0; feed < 2; ++feed) {
    size_t from = feed == 0 ? 0 : b_begin;
    size_t to = feed == 0 ? a_end : truth.size();
    int64_t last = 0;
    for (size_t i = from; i < to; ++i) {
      last = std::max<int64_t>(last, static_cast<int64_t>(i) * 10 + delay(rng));
      out.push_back({last, feed, i, truth[i]});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
  return out;
}

// The reference: what a perfect de-duplicator passes, judged by position in the true stream rather
// than by the rule's fields. A tick passes when it is later in the true stream than every tick passed
// before it; a tick that arrives after a later one (only possible where one feed alone carries it,
// at the edges of the overlap) is stale and is not passed.
std::vector<model::Tick> reference(const std::vector<Arrival>& arrivals) {
  std::vector<model::Tick> out;
  bool any = false;
  size_t highest = 0;
  for (const Arrival& a : arrivals) {
    if (any && a.index <= highest) continue;
    any = true;
    highest = a.index;
    out.push_back(a.tick);
  }
  return out;
}

void expect_same_stream(const std::vector<model::Tick>& got, const std::vector<model::Tick>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i].exchange_time != want[i].exchange_time || got[i].last_price != want[i].last_price) {
      ADD_FAILURE() << "first difference at " << i << ": want " << want[i].cumulative_volume << " "
                    << want[i].exchange_time.to_iso_ist() << " " << want[i].last_price.to_string() << " (previous "
                    << (i > 0 ? want[i - 1].cumulative_volume : -1) << " "
                    << (i > 0 ? want[i - 1].exchange_time.to_iso_ist() : "") << " "
                    << (i > 0 ? want[i - 1].last_price.to_string() : "") << ")";
      break;
    }
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].symbol, want[i].symbol) << i;
    ASSERT_EQ(got[i].cumulative_volume, want[i].cumulative_volume) << i;
    ASSERT_EQ(got[i].exchange_time, want[i].exchange_time) << i;
    ASSERT_EQ(got[i].last_price, want[i].last_price) << i;
  }
}

TEST(TickDedup, OverlappingFailoverOfTwoFeedsPassesEachTickOnce) {
  std::string path = kData + "/2023-02-28/INFY.txt";
  NIFTY_SKIP_UNLESS_EXISTS(path);
  model::Quantity start = 0;
  std::vector<model::Tick> truth = truth_from_file(path, start);
  ASSERT_GT(truth.size(), 1000u);
  size_t n = truth.size();
  for (unsigned seed = 1; seed <= 5; ++seed) {
    TickDedup dedup({"kite", "flattrade"});
    std::vector<model::Tick> got;
    std::vector<Arrival> arrivals = interleave(truth, n * 6 / 10, n * 4 / 10, 35, seed);
    for (const Arrival& a : arrivals)
      if (dedup.accept(a.feed, a.tick)) got.push_back(a.tick);
    std::vector<model::Tick> want = reference(arrivals);
    expect_same_stream(got, want);
    // Only a handful of ticks at the edges of the overlap can be stale; inside it, none is lost.
    EXPECT_GE(want.size(), n - 5) << seed;
    EXPECT_EQ(dedup.dropped(0) + dedup.dropped(1), arrivals.size() - want.size()) << seed;
  }
}

TEST(TickDedup, FailoverAcrossTheDayBoundaryKeepsTheNewDay) {
  std::string day1 = kData + "/2023-02-27/INFY.txt";
  std::string day2 = kData + "/2023-02-28/INFY.txt";
  NIFTY_SKIP_UNLESS_EXISTS(day1);
  NIFTY_SKIP_UNLESS_EXISTS(day2);
  model::Quantity start = 0;
  std::vector<model::Tick> truth = truth_from_file(day1, start);
  size_t first_day = truth.size();
  std::vector<model::Tick> second = truth_from_file(day2, start);
  truth.insert(truth.end(), second.begin(), second.end());
  // The overlap spans the day change: volume restarts from the pre-open print.
  size_t a_end = first_day + 200, b_begin = first_day - 200;
  ASSERT_LT(second.front().cumulative_volume, truth[first_day - 1].cumulative_volume);
  TickDedup dedup({"kite", "mstock"});
  std::vector<model::Tick> got;
  std::vector<Arrival> arrivals = interleave(truth, a_end, b_begin, 45, 7);
  for (const Arrival& a : arrivals)
    if (dedup.accept(a.feed, a.tick)) got.push_back(a.tick);
  std::vector<model::Tick> want = reference(arrivals);
  EXPECT_GE(want.size(), truth.size() - 5);
  expect_same_stream(got, want);
}

TEST(TickDedup, IdenticalStreamsFromBothFeedsPassOnce) {
  std::string path = kData + "/2023-02-28/NIFTY.txt";  // the index: volume 0 throughout
  NIFTY_SKIP_UNLESS_EXISTS(path);
  model::Quantity start = 0;
  std::vector<model::Tick> truth = truth_from_file(path, start);
  ASSERT_EQ(truth.back().cumulative_volume, 0);
  TickDedup dedup({"kite", "flattrade"});
  std::vector<model::Tick> got;
  for (const Arrival& a : interleave(truth, truth.size(), 0, 25, 3))
    if (dedup.accept(a.feed, a.tick)) got.push_back(a.tick);
  // Both feeds carry everything, each in order: the first copy of every tick passes.
  expect_same_stream(got, truth);
  EXPECT_EQ(dedup.dropped(0) + dedup.dropped(1), truth.size());
}

model::Tick tick(model::Quantity volume, int64_t seconds, int64_t ltp, int64_t bid = 0, int64_t ask = 0) {
  model::Tick t;
  t.symbol = model::Symbol("SBIN");
  t.cumulative_volume = volume;
  // 2026-11-25 10:00:00 IST + seconds.
  t.exchange_time = Timestamp::from_ist(core::Date{2026, 11, 25}, 10, 0) + seconds * core::kNanosPerSecond;
  t.last_price = model::Price::from_paise(ltp);
  t.bid = model::Price::from_paise(bid);
  t.ask = model::Price::from_paise(ask);
  return t;
}

TEST(TickDedup, RuleByHand) {
  TickDedup dedup({"kite", "flattrade"});
  auto& metric = core::MetricsRegistry::global().counter("ticks_deduplicated_total", "", {{"vendor", "flattrade"}});
  double before = metric.value();
  EXPECT_TRUE(dedup.accept(0, tick(1000, 0, 60000, 59995, 60005)));
  EXPECT_FALSE(dedup.accept(1, tick(1000, 0, 60000, 59995, 60005)));  // the same update
  EXPECT_FALSE(dedup.accept(1, tick(900, 0, 59990)));                  // older trades
  EXPECT_FALSE(dedup.accept(1, tick(1000, 3, 60000, 59995, 60005)));  // same quote stamped later
  EXPECT_TRUE(dedup.accept(1, tick(1000, 3, 60000, 60000, 60005)));   // same volume, newer, bid moved
  EXPECT_FALSE(dedup.accept(0, tick(1000, 2, 60000, 60000, 60005)));  // same volume, older time
  EXPECT_TRUE(dedup.accept(0, tick(1100, 1, 60010)));                 // more volume: new trades
  EXPECT_TRUE(dedup.accept(0, tick(1100, 1, 60010)));                 // same feed: its own business
  model::Tick yesterday = tick(5000, -86400, 59000);
  EXPECT_FALSE(dedup.accept(1, yesterday));                           // a previous IST day
  model::Tick tomorrow = tick(10, 86400, 61000);
  EXPECT_TRUE(dedup.accept(1, tomorrow));                             // a new day: volume restarts
  EXPECT_EQ(dedup.dropped(1), 4u);
  EXPECT_EQ(dedup.dropped(0), 1u);
  EXPECT_EQ(metric.value() - before, 4.0);
}

TEST(TickDedup, FilterKeepsTheNewTicksInOrderAtTheFront) {
  TickDedup dedup({"kite", "flattrade"});
  std::vector<model::Tick> a = {tick(100, 0, 500), tick(200, 1, 505)};
  EXPECT_EQ(dedup.filter(0, a), 2u);
  std::vector<model::Tick> b = {tick(100, 0, 500), tick(200, 1, 505), tick(300, 2, 510), tick(400, 3, 515)};
  ASSERT_EQ(dedup.filter(1, b), 2u);
  EXPECT_EQ(b[0].cumulative_volume, 300);
  EXPECT_EQ(b[1].cumulative_volume, 400);
}

}  // namespace
}  // namespace nifty::feed::live
