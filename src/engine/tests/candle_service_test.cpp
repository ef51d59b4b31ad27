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

// An output that upserts into a map (the store's contract) and remembers what was published (all
// but kRebuilt, as the app does), with the origin of each.
class FakeStore final : public CandleServiceOutput {
 public:
  void on_candle(const model::Candle& c, CandleOrigin origin) override {
    store[key_of(c)] = c;
    if (origin == CandleOrigin::kRebuilt) {
      ++rebuilt;
      return;
    }
    published.push_back(c);
    published_origin.push_back(origin);
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
  std::vector<CandleOrigin> published_origin;
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

TEST(CandleService, RepublishesAStoredCandleWhoseTicksAreReReadBeforeTheNextCandle) {
  CandleServiceConfig config;
  config.rollups = {};  // 1-minute candles only: the hand-worked values below
  // Partition 0, hand-worked:
  //   0 AAA 09:15:00 100.00 cum 100   1 AAA 09:15:30 100.05 cum 150
  //   2 AAA 09:16:05 100.10 cum 180   (closes 09:15, opens 09:16: first tick 2, baseline tick 1)
  //   -- commit: 09:15 delivered; the commit offset is 1 --
  //   3 AAA 09:16:40 100.20 cum 200   4 AAA 09:17:10 100.15 cum 260 (closes 09:16)
  //   -- 09:16 reaches the store, its message is lost: kill -9 --
  std::vector<model::Tick> ticks = {tick("AAA", 9, 15, 0, 10000, 100), tick("AAA", 9, 15, 30, 10005, 150),
                                    tick("AAA", 9, 16, 5, 10010, 180), tick("AAA", 9, 16, 40, 10020, 200),
                                    tick("AAA", 9, 17, 10, 10015, 260)};
  FakeStore first_out;
  int64_t committed = -1;
  size_t delivered = 0;
  {
    CandleService first(config, core::NseCalendar::builtin(), first_out);
    for (int64_t o = 0; o < 5; ++o) {
      first.on_tick(0, o, ticks[o]);
      if (o == 2) {
        committed = first.commit_offset(0);
        delivered = first_out.published.size();
      }
    }
  }
  ASSERT_EQ(committed, 1);
  ASSERT_EQ(delivered, 1u);                   // 09:15
  ASSERT_EQ(first_out.published.size(), 2u);  // 09:15 and the lost 09:16
  const Timestamp m15 = Timestamp::from_ist(kDay, 9, 15), m16 = Timestamp::from_ist(kDay, 9, 16),
                  m17 = Timestamp::from_ist(kDay, 9, 17);

  // The store holds 09:15 and 09:16; market_candles got only 09:15.
  FakeStore second_out;
  second_out.store = first_out.store;
  CandleService second(config, core::NseCalendar::builtin(), second_out, second_out.history());
  second.on_assigned({0});
  for (int64_t o = committed; o < 5; ++o) second.on_tick(0, o, ticks[o]);
  second.close_all();

  // The first re-read tick (offset 1) lies in 09:15: 09:15 (a duplicate) and 09:16 go out again
  // with the stored values, before 09:17, which is built from ticks 4 (60 shares over the
  // baseline 200 restored by tick 3).
  ASSERT_EQ(second_out.published.size(), 3u);
  EXPECT_EQ(second_out.published[0].start, m15);
  EXPECT_EQ(second_out.published_origin[0], CandleOrigin::kRepublish);
  const model::Candle& again = second_out.published[1];
  EXPECT_EQ(again.start, m16);
  EXPECT_EQ(second_out.published_origin[1], CandleOrigin::kRepublish);
  // 09:16 by hand: ticks 2 and 3: open 100.10, high 100.20, low 100.10, close 100.20,
  // volume (180 - 150) + (200 - 180) = 50, 2 trades.
  EXPECT_EQ(again.open.paise(), 10010);
  EXPECT_EQ(again.high.paise(), 10020);
  EXPECT_EQ(again.low.paise(), 10010);
  EXPECT_EQ(again.close.paise(), 10020);
  EXPECT_EQ(again.volume, 50);
  EXPECT_EQ(again.trades, 2);
  EXPECT_TRUE(same(again, first_out.store.at(key_of(again))));
  EXPECT_EQ(second_out.published[2].start, m17);
  EXPECT_EQ(second_out.published_origin[2], CandleOrigin::kNew);
  EXPECT_EQ(second_out.published[2].volume, 60);
  EXPECT_EQ(second.stats().republished, 2u);
  EXPECT_EQ(second.stats().candles, 1u);          // only 09:17 was built
  EXPECT_EQ(second.stats().ticks_replayed, 3u);   // offsets 1, 2, 3
}

// A crash after candles reached the store but before their market_candles messages were
// delivered: the first run's publishes count as delivered only when a commit followed them (the
// app flushes the producer before committing); the rest are lost. The restarted run must publish
// the lost ones, so that the union of both runs' publishes holds every candle of an uncrashed run,
// with its values, and a candle published by both runs is one the restart re-published.
TEST(CandleService, ACrashBetweenStoreAndDeliveryLosesNoPublishedCandle) {
  auto script = day_script();
  auto offsets = offsets_of(script);
  FakeStore whole;
  {
    CandleService service({}, core::NseCalendar::builtin(), whole);
    for (size_t i = 0; i < script.size(); ++i) service.on_tick(script[i].partition, offsets[i], script[i].tick);
    service.close_all();
  }
  std::map<Key, model::Candle> reference;
  for (const auto& c : whole.published) reference[key_of(c)] = c;
  ASSERT_EQ(reference.size(), whole.published.size());

  size_t recovered_total = 0;
  for (size_t crash_at : {5u, 17u, 40u, 41u, 58u, 77u, 100u}) {
    for (size_t commit_every : {1u, 7u, 25u}) {
      for (bool stored_after_commit : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "crash at " << crash_at << " every " << commit_every << " stored after "
                                        << stored_after_commit);
        FakeStore durable;
        std::map<Key, model::Candle> delivered;
        std::map<int32_t, int64_t> committed;
        {
          FakeStore staged;
          CandleService first({}, core::NseCalendar::builtin(), staged);
          for (size_t i = 0; i < crash_at; ++i) {
            first.on_tick(script[i].partition, offsets[i], script[i].tick);
            if ((i + 1) % commit_every == 0) {
              for (const auto& [k, c] : staged.store) durable.store[k] = c;
              for (const auto& c : staged.published) delivered[key_of(c)] = c;
              for (int32_t p : first.partitions()) committed[p] = first.commit_offset(p);
            }
          }
          if (stored_after_commit) {
            for (const auto& [k, c] : staged.store) durable.store[k] = c;  // the writer had caught up
          }
        }
        // Stored but never delivered: the old rule (stored minutes rebuild nothing, publish nothing)
        // would never bring these to market_candles.
        std::vector<Key> lost_but_stored;
        for (const auto& [k, c] : durable.store) {
          if (reference.count(k) != 0 && delivered.count(k) == 0) lost_but_stored.push_back(k);
        }
        CandleService second({}, core::NseCalendar::builtin(), durable, durable.history());
        second.on_assigned({0, 1});
        for (size_t i = 0; i < script.size(); ++i) {
          auto it = committed.find(script[i].partition);
          int64_t from = it == committed.end() ? 0 : it->second;
          if (offsets[i] >= from) second.on_tick(script[i].partition, offsets[i], script[i].tick);
        }
        second.close_all();

        std::map<Key, CandleOrigin> after;  // what the restarted run published
        std::map<std::pair<std::string, int>, int64_t> last_start;
        for (size_t i = 0; i < durable.published.size(); ++i) {
          const model::Candle& c = durable.published[i];
          const Key k = key_of(c);
          EXPECT_TRUE(after.emplace(k, durable.published_origin[i]).second)
              << "published twice by the restart: " << c.symbol.str() << " " << model::interval_name(c.interval)
              << " " << c.start.to_iso_ist();
          // A live run's order: per symbol and interval, oldest first.
          auto [it, fresh] = last_start.emplace(std::make_pair(c.symbol.str(), static_cast<int>(c.interval)),
                                                c.start.nanos());
          if (!fresh) {
            EXPECT_LT(it->second, c.start.nanos()) << c.symbol.str() << " " << c.start.to_iso_ist();
            it->second = c.start.nanos();
          }
          auto ref = reference.find(k);
          ASSERT_NE(ref, reference.end()) << "not a candle of the uncrashed run: " << c.symbol.str();
          EXPECT_TRUE(same(c, ref->second)) << c.symbol.str() << " " << model::interval_name(c.interval) << " "
                                            << c.start.to_iso_ist();
          if (delivered.count(k) != 0) {
            EXPECT_EQ(durable.published_origin[i], CandleOrigin::kRepublish)
                << "a duplicate that is not a re-publish: " << c.symbol.str() << " "
                << model::interval_name(c.interval) << " " << c.start.to_iso_ist();
          }
        }
        for (const auto& [k, c] : reference) {
          auto d = delivered.find(k);
          if (d != delivered.end()) {
            EXPECT_TRUE(same(d->second, c));
            continue;
          }
          EXPECT_EQ(after.count(k), 1u) << "never published: " << c.symbol.str() << " "
                                        << model::interval_name(c.interval) << " " << c.start.to_iso_ist();
        }
        size_t republished = 0;
        for (const auto& [k, origin] : after) republished += origin == CandleOrigin::kRepublish ? 1 : 0;
        EXPECT_EQ(second.stats().republished, republished);
        for (const Key& k : lost_but_stored) {
          auto a = after.find(k);
          if (a != after.end() && a->second == CandleOrigin::kRepublish) ++recovered_total;
        }
      }
    }
  }
  // The scenarios above do lose stored candles' messages and re-publish them (not vacuous).
  EXPECT_GT(recovered_total, 0u);
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
