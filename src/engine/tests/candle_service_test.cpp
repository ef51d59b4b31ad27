#include "engine/candle_service.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace nifty::engine {
namespace {

using core::Timestamp;
constexpr core::Date kDay{2023, 2, 28};

model::Tick tick(const char* symbol, int hh, int mm, int ss, int64_t paise, int64_t cum_volume, uint64_t seq = 0) {
  model::Tick t;
  t.symbol = model::Symbol(symbol);
  t.last_price = model::Price::from_paise(paise);
  t.cumulative_volume = cum_volume;
  t.exchange_time = Timestamp::from_ist(kDay, hh, mm, ss);
  t.receive_time = t.exchange_time;
  t.sequence = seq;
  return t;
}

using Key = std::tuple<int, std::string, int64_t>;
Key key_of(const model::Candle& c) { return {static_cast<int>(c.interval), c.symbol.str(), c.start.nanos()}; }

bool same(const model::Candle& a, const model::Candle& b) {
  return a.symbol == b.symbol && a.interval == b.interval && a.start == b.start && a.open == b.open &&
         a.high == b.high && a.low == b.low && a.close == b.close && a.volume == b.volume && a.trades == b.trades &&
         a.vwap == b.vwap;
}

// An output that upserts into a map (the store's contract) and remembers what was published.
class FakeStore final : public CandleServiceOutput {
 public:
  void on_candle(const model::Candle& c, CandleOrigin origin) override {
    store[key_of(c)] = c;
    if (origin == CandleOrigin::kNew) published.push_back(c);
    else ++rebuilt;
  }
  CandleHistory history() {
    return [this](const model::Symbol& s, Timestamp from, Timestamp to) -> core::Result<std::vector<model::Candle>> {
      std::vector<model::Candle> out;
      for (const auto& [k, c] : store) {
        if (c.interval == model::Interval::k1m && c.symbol == s && c.start >= from && c.start < to) out.push_back(c);
      }
      return out;  // map order: by start within one symbol and interval
    };
  }
  std::map<Key, model::Candle> store;
  std::vector<model::Candle> published;
  int rebuilt = 0;
};

// Three symbols over twelve minutes, with a pre-open print, ticks every 20 s and rising volume.
// Partition of a symbol: A and B in partition 0, C in partition 1.
struct Record {
  int32_t partition;
  model::Tick tick;
};
std::vector<Record> day_script() {
  std::vector<Record> out;
  const char* symbols[] = {"AAA", "BBB", "CCC"};
  int64_t volume[] = {1000, 5000, 70};
  out.push_back({0, tick("AAA", 9, 8, 0, 10000, 1000)});  // pre-open auction print: baseline only
  for (int minute = 15; minute < 27; ++minute) {
    for (int sec = 0; sec < 60; sec += 20) {
      for (int s = 0; s < 3; ++s) {
        if (s == 1 && minute == 20) continue;  // BBB skips a minute
        volume[s] += 10 * (minute - 14) + sec / 20 + s;
        int64_t price = 10000 + 100 * s + ((minute * 7 + sec + s * 13) % 23) * 5;
        out.push_back({s == 2 ? 1 : 0, tick(symbols[s], 9, minute, sec, price, volume[s])});
      }
    }
  }
  return out;
}

// Offsets per partition, in script order.
std::vector<int64_t> offsets_of(const std::vector<Record>& script) {
  std::map<int32_t, int64_t> next;
  std::vector<int64_t> out;
  for (const auto& r : script) out.push_back(next[r.partition]++);
  return out;
}

TEST(CandleService, BuildsTheCandlesOfANormaliserAndBuilderRunOverTheSameTicks) {
  auto script = day_script();
  auto offsets = offsets_of(script);
  FakeStore out;
  CandleService service({}, core::NseCalendar::builtin(), out);
  for (size_t i = 0; i < script.size(); ++i) service.on_tick(script[i].partition, offsets[i], script[i].tick);
  service.close_all();

  // Reference: one normaliser and one builder over the whole script, as the in-process pipeline.
  feed::TickNormalizer normalizer(core::NseCalendar::builtin(), "reference");
  candles::CandleBuilder builder;
  struct Collect : candles::CandleSink {
    std::vector<model::Candle> got;
    void on_candle(const model::Candle& c) override { got.push_back(c); }
  } reference;
  for (auto r : script) {
    if (!normalizer.normalize(r.tick)) builder.on_tick(r.tick, reference);
  }
  builder.flush(reference);
  size_t one_minute = 0;
  for (const auto& c : reference.got) {
    auto it = out.store.find(key_of(c));
    ASSERT_NE(it, out.store.end()) << c.symbol.str() << " " << c.start.to_iso_ist();
    EXPECT_TRUE(same(it->second, c)) << c.symbol.str() << " " << c.start.to_iso_ist();
    ++one_minute;
  }
  // 12 minutes x 3 symbols, less BBB's silent minute.
  EXPECT_EQ(one_minute, 35u);
  EXPECT_EQ(service.stats().candles, 35u);
  // AAA's first candle excludes the pre-open volume: 09:15 adds 10+0, 10+1, 10+2 = 33.
  auto first = out.store.find(Key{0, "AAA", Timestamp::from_ist(kDay, 9, 15).nanos()});
  ASSERT_NE(first, out.store.end());
  EXPECT_EQ(first->second.volume, 33);
  // Rollups are there too: 12 minutes from 09:15 make two complete 5m buckets and one partial.
  EXPECT_EQ(out.store.count(Key{1, "AAA", Timestamp::from_ist(kDay, 9, 25).nanos()}), 1u);
}

TEST(CandleService, CommitsUpToTheBaselineTickBeforeTheOldestOpenCandle) {
  FakeStore out;
  CandleService service({}, core::NseCalendar::builtin(), out);
  // Partition 0, hand-worked offsets:
  //   0 AAA 09:15:00   1 BBB 09:15:10   2 AAA 09:15:30   3 AAA 09:16:05 (closes AAA 09:15, opens 09:16)
  //   4 BBB 09:15:40
  service.on_tick(0, 0, tick("AAA", 9, 15, 0, 10000, 100));
  service.on_tick(0, 1, tick("BBB", 9, 15, 10, 20000, 100));
  // Both open: the oldest open candle's first tick is offset 0 (AAA has no earlier tick).
  EXPECT_EQ(service.commit_offset(0), 0);
  service.on_tick(0, 2, tick("AAA", 9, 15, 30, 10005, 150));
  service.on_tick(0, 3, tick("AAA", 9, 16, 5, 10010, 180));
  // AAA's open candle began at offset 3, its baseline tick is offset 2; BBB's open candle pins 1.
  EXPECT_EQ(service.commit_offset(0), 1);
  service.on_tick(0, 4, tick("BBB", 9, 15, 40, 20005, 120));
  service.on_tick(0, 5, tick("BBB", 9, 16, 10, 20010, 130));
  // BBB's 09:16 candle: first tick 5, baseline tick 4; AAA: baseline tick 2.
  EXPECT_EQ(service.commit_offset(0), 2);
  // Clock past 09:17 + grace closes everything: each symbol pins its latest tick (the baseline).
  service.on_clock(Timestamp::from_ist(kDay, 9, 17, 3));
  EXPECT_EQ(service.commit_offset(0), 3);
  EXPECT_EQ(service.next_offset(0), 6);
  EXPECT_EQ(service.commit_offset(7), -1);
}

// Runs the script with a crash after record `crash_at`: the candles stored by then are either all
// those emitted (the writer had caught up) or only those emitted before the last commit; a new
// service reads each partition again from its committed offset, with the store as history.
std::map<Key, model::Candle> run_with_crash(size_t crash_at, size_t commit_every, bool store_after_commit) {
  auto script = day_script();
  auto offsets = offsets_of(script);
  FakeStore durable;
  std::map<int32_t, int64_t> committed;
  {
    FakeStore staged;
    CandleService first({}, core::NseCalendar::builtin(), staged);
    for (size_t i = 0; i < crash_at; ++i) {
      first.on_tick(script[i].partition, offsets[i], script[i].tick);
      if ((i + 1) % commit_every == 0) {
        for (const auto& [k, c] : staged.store) durable.store[k] = c;  // flushed before the commit
        for (int32_t p : first.partitions()) committed[p] = first.commit_offset(p);
      }
    }
    if (store_after_commit) {
      for (const auto& [k, c] : staged.store) durable.store[k] = c;
    }
  }
  CandleService second({}, core::NseCalendar::builtin(), durable, durable.history());
  second.on_assigned({0, 1});
  for (size_t i = 0; i < script.size(); ++i) {
    auto it = committed.find(script[i].partition);
    int64_t from = it == committed.end() ? 0 : it->second;
    if (offsets[i] >= from) second.on_tick(script[i].partition, offsets[i], script[i].tick);
  }
  second.close_all();
  return durable.store;
}

TEST(CandleService, RestartFromTheCommittedOffsetsGivesIdenticalCandles) {
  auto script = day_script();
  auto offsets = offsets_of(script);
  FakeStore whole;
  {
    CandleService service({}, core::NseCalendar::builtin(), whole);
    for (size_t i = 0; i < script.size(); ++i) service.on_tick(script[i].partition, offsets[i], script[i].tick);
    service.close_all();
  }
  for (size_t crash_at : {5u, 17u, 40u, 41u, 58u, 77u, 100u}) {
    for (size_t commit_every : {1u, 7u}) {
      for (bool after : {false, true}) {
        auto got = run_with_crash(crash_at, commit_every, after);
        ASSERT_EQ(got.size(), whole.store.size()) << "crash at " << crash_at << " every " << commit_every;
        for (const auto& [k, c] : whole.store) {
          auto it = got.find(k);
          ASSERT_NE(it, got.end());
          EXPECT_TRUE(same(it->second, c)) << "crash at " << crash_at << " every " << commit_every << " after "
                                           << after << ": " << c.symbol.str() << " "
                                           << model::interval_name(c.interval) << " " << c.start.to_iso_ist()
                                           << " volume " << it->second.volume << " want " << c.volume;
        }
      }
    }
  }
}

TEST(CandleService, RevokedPartitionsEmitNothingAndForgetTheirOffsets) {
  auto script = day_script();
  auto offsets = offsets_of(script);
  FakeStore out;
  CandleService service({}, core::NseCalendar::builtin(), out);
  size_t half = script.size() / 2;
  for (size_t i = 0; i < half; ++i) service.on_tick(script[i].partition, offsets[i], script[i].tick);
  size_t before = out.published.size();
  service.on_revoked({1});
  EXPECT_EQ(out.published.size(), before);
  EXPECT_EQ(service.commit_offset(1), -1);
  EXPECT_EQ(service.partitions(), std::vector<int32_t>{0});
}

TEST(CandleService, ObservesReceiveToCandleLatencyOnlyForStampedTicks) {
  core::Histogram& h = core::MetricsRegistry::global().histogram("candles_service_tick_latency_seconds", "", {});
  const uint64_t before = h.count();
  const std::vector<uint64_t> buckets_before = h.cumulative_counts();
  FakeStore out;
  CandleService service({}, core::NseCalendar::builtin(), out);
  // Not stamped by ingest (receive == exchange time, as a replay file gives): not observed.
  service.on_tick(0, 0, tick("AAA", 9, 15, 0, 10000, 100));
  EXPECT_EQ(h.count(), before);
  // Received 5 ms before now: observed once, at 5 ms or a little more (bounds in seconds): not in a
  // bucket below 5 ms, and in every bucket from 250 ms up (the test takes far less than that).
  model::Tick stamped = tick("AAA", 9, 15, 1, 10005, 150);
  stamped.receive_time = core::Timestamp(core::Timestamp::now().nanos() - 5 * core::kNanosPerMilli);
  service.on_tick(0, 1, stamped);
  ASSERT_EQ(h.count(), before + 1);
  const std::vector<uint64_t> after = h.cumulative_counts();
  const auto& bounds = h.upper_bounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    uint64_t added = after[i] - buckets_before[i];
    if (bounds[i] < 0.005) EXPECT_EQ(added, 0u) << "bucket <= " << bounds[i];
    if (bounds[i] >= 0.25) EXPECT_EQ(added, 1u) << "bucket <= " << bounds[i];
  }
}

TEST(CandleService, RejectedTicksAreCountedAndDoNotOpenCandles) {
  FakeStore out;
  CandleService service({}, core::NseCalendar::builtin(), out);
  service.on_tick(0, 0, tick("AAA", 9, 15, 0, 0, 100));     // bad price
  service.on_tick(0, 1, tick("AAA", 20, 15, 0, 100, 100));  // outside the session
  EXPECT_EQ(service.stats().ticks_rejected, 2u);
  EXPECT_FALSE(service.has_open(0));
  service.close_all();
  EXPECT_TRUE(out.published.empty());
}

}  // namespace
}  // namespace nifty::engine

namespace nifty::engine {
namespace {

TEST(CandleService, IgnoresRecordsAtOrBelowAnOffsetAlreadyHandled) {
  FakeStore out;
  CandleService service({}, core::NseCalendar::builtin(), out);
  service.on_tick(0, 10, tick("AAA", 9, 15, 0, 10000, 100));
  service.on_tick(0, 11, tick("AAA", 9, 15, 20, 10005, 160));
  // The same record again (fetched before a rebalance): its 60 shares must not count twice.
  service.on_tick(0, 11, tick("AAA", 9, 15, 20, 10005, 160));
  service.close_all();
  EXPECT_EQ(service.stats().ticks_stale, 1u);
  auto c = out.store.find(Key{0, "AAA", Timestamp::from_ist(kDay, 9, 15).nanos()});
  ASSERT_NE(c, out.store.end());
  // First tick of the day: no baseline, so its whole 100 counts; then 160 - 100 = 60.
  EXPECT_EQ(c->second.volume, 160);
  EXPECT_EQ(c->second.trades, 2);
}

}  // namespace
}  // namespace nifty::engine
