// Ticks per second written through RedisHotCache to all of the spec's per-tick structures: per tick
// SET tick:latest:SYM EX 300, HSET candle:current:SYM + EXPIRE 120, ZADD market:gainers and
// PUBLISH tick:updates. The setters run on this thread (the engine's role); the time counted ends
// when the writer has sent and had answered everything (flush), so it is the end-to-end rate the
// server sustains.
//
// Modes:
//   coalesced  50 symbols in turn (the Nifty 50's shape). Latest-value keys are coalesced per
//              symbol (their meaning): while the writer is busy, later ticks of a symbol replace
//              its pending SET/HSET/ZADD, so most of those writes never reach Redis; every tick's
//              PUBLISH is sent (the queue holds them all). A rate of the setters, not of Redis.
//   distinct   every tick a symbol of its own (TICKS symbols), so nothing can coalesce: each tick's
//              five commands (SET EX, HSET, EXPIRE, ZADD, PUBLISH) really go to Redis. The bench
//              checks that the commands acknowledged are exactly 5 per tick and fails otherwise.
//              The honest figure. (Setup, not timed: a scorecard per symbol for the ZADD's day change.)
//
// Usage: redis_hot_cache_bench URL [TICKS] [coalesced|distinct]   e.g. redis://127.0.0.1:6390/0 2000000
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "store/redis/redis_hot_cache.h"

using namespace nifty;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s redis://HOST:PORT/DB [TICKS] [coalesced|distinct]\n", argv[0]);
    return 2;
  }
  auto cfg = store::RedisConfig::from_url(argv[1]);
  if (!cfg.is_ok()) {
    std::fprintf(stderr, "%s\n", cfg.status().to_string().c_str());
    return 2;
  }
  const long ticks = argc > 2 ? std::atol(argv[2]) : 1'000'000;
  const bool distinct = argc > 3 && !std::strcmp(argv[3], "distinct");
  if (ticks <= 0 || (argc > 3 && !distinct && std::strcmp(argv[3], "coalesced") != 0)) {
    std::fprintf(stderr, "usage: %s redis://HOST:PORT/DB [TICKS > 0] [coalesced|distinct]\n", argv[0]);
    return 2;
  }
  // Room for every tick:updates message: nothing is dropped, so the rate counts every PUBLISH.
  cfg->queue_capacity = static_cast<size_t>(ticks) + 1024;
  auto opened = store::RedisHotCache::open(*cfg);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
    return 1;
  }
  auto& cache = **opened;

  const long kSymbols = distinct ? ticks : 50;
  std::vector<model::Symbol> symbols;
  symbols.reserve(static_cast<size_t>(kSymbols));
  for (long i = 0; i < kSymbols; ++i) symbols.emplace_back("SYM" + std::to_string(i));
  // A scorecard per symbol first, so that every tick has a day-change reference (ZADD per tick).
  for (long i = 0; i < kSymbols; ++i) {
    model::Scorecard s;
    s.symbol = symbols[static_cast<size_t>(i)];
    s.ltp = model::Price::from_paise(100'000 + i * 100);
    s.change = 10.0;
    s.change_percent = 1.0;
    (void)cache.set_scorecard(s);
  }
  if (!cache.flush(std::chrono::seconds(120))) {
    std::fprintf(stderr, "redis_hot_cache_bench: setup (a scorecard per symbol) did not flush\n");
    return 1;
  }
  auto before = cache.stats();

  model::Tick t;
  model::Candle c;
  const auto t0 = std::chrono::steady_clock::now();
  for (long n = 0; n < ticks; ++n) {
    const long i = n % kSymbols;
    t.symbol = symbols[static_cast<size_t>(i)];
    t.last_price = model::Price::from_paise(100'000 + i * 100 + (n % 200) * 5);
    t.cumulative_volume = n;
    t.exchange_time = core::Timestamp::from_seconds(1706154300 + n / 1000);
    c.symbol = t.symbol;
    c.start = t.exchange_time.floor(core::kNanosPerMinute);
    c.open = c.low = c.high = c.close = t.last_price;
    c.volume = n;
    (void)cache.set_latest_tick(t);
    (void)cache.set_current_candle(c);
  }
  const auto t_enqueued = std::chrono::steady_clock::now();
  bool flushed = cache.flush(std::chrono::seconds(60));
  const auto t1 = std::chrono::steady_clock::now();
  auto after = cache.stats();
  double secs = std::chrono::duration<double>(t1 - t0).count();
  double enq = std::chrono::duration<double>(t_enqueued - t0).count();
  const uint64_t acked = after.writes - before.writes;
  // Per tick: SET EX (tick), HSET + EXPIRE (candle), ZADD (gainers), PUBLISH (tick:updates).
  const uint64_t expected = 5 * static_cast<uint64_t>(ticks);
  std::printf("redis_hot_cache_bench [%s]: %ld ticks in %.3f s = %.0f ticks/s end to end (setters alone: %.0f ticks/s); "
              "commands acknowledged %llu of %llu uncoalesced (%.0f/s), error replies %llu, dropped %llu, flushed %s\n",
              distinct ? "distinct" : "coalesced", ticks, secs, ticks / secs, ticks / enq, static_cast<unsigned long long>(acked),
              static_cast<unsigned long long>(expected), static_cast<double>(acked) / secs, static_cast<unsigned long long>(after.write_errors),
              static_cast<unsigned long long>(after.queue_dropped), flushed ? "yes" : "NO");
  if (distinct && acked != expected) {
    std::fprintf(stderr, "redis_hot_cache_bench: distinct mode expected %llu commands, Redis acknowledged %llu\n",
                 static_cast<unsigned long long>(expected), static_cast<unsigned long long>(acked));
    return 1;
  }
  return flushed && after.write_errors == before.write_errors && after.queue_dropped == before.queue_dropped ? 0 : 1;
}
