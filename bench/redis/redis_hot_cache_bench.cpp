// Ticks per second written through RedisHotCache to all of the spec's per-tick structures: per tick
// SET tick:latest:SYM EX 300, HSET candle:current:SYM + EXPIRE 120, ZADD market:gainers and
// PUBLISH tick:updates. 50 symbols, a day's worth of synthetic prices. The setters run on this
// thread (the engine's role); the time counted ends when the writer has sent and had answered
// everything (flush), so it is the end-to-end rate the server sustains. Latest-value keys are
// coalesced per symbol (their meaning); every tick's PUBLISH is sent (the queue holds them all).
//
// Usage: redis_hot_cache_bench URL [TICKS] [SECONDS-LIMIT]   e.g. redis://127.0.0.1:6390/0 2000000
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/redis/redis_hot_cache.h"

using namespace nifty;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s redis://HOST:PORT/DB [TICKS]\n", argv[0]);
    return 2;
  }
  auto cfg = store::RedisConfig::from_url(argv[1]);
  if (!cfg.is_ok()) {
    std::fprintf(stderr, "%s\n", cfg.status().to_string().c_str());
    return 2;
  }
  const long ticks = argc > 2 ? std::atol(argv[2]) : 1'000'000;
  // Room for every tick:updates message: nothing is dropped, so the rate counts every PUBLISH.
  cfg->queue_capacity = static_cast<size_t>(ticks) + 1024;
  auto opened = store::RedisHotCache::open(*cfg);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
    return 1;
  }
  auto& cache = **opened;

  constexpr int kSymbols = 50;
  std::vector<model::Symbol> symbols;
  for (int i = 0; i < kSymbols; ++i) symbols.emplace_back("SYM" + std::to_string(i));
  // A scorecard per symbol first, so that every tick has a day-change reference (ZADD per tick).
  for (int i = 0; i < kSymbols; ++i) {
    model::Scorecard s;
    s.symbol = symbols[i];
    s.ltp = model::Price::from_paise(100'000 + i * 100);
    s.change = 10.0;
    s.change_percent = 1.0;
    (void)cache.set_scorecard(s);
  }
  (void)cache.flush(std::chrono::seconds(5));
  auto before = cache.stats();

  model::Tick t;
  model::Candle c;
  const auto t0 = std::chrono::steady_clock::now();
  for (long n = 0; n < ticks; ++n) {
    int i = static_cast<int>(n % kSymbols);
    t.symbol = symbols[i];
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
  std::printf("redis_hot_cache_bench: %ld ticks in %.3f s = %.0f ticks/s end to end (setters alone: %.0f ticks/s); "
              "commands acknowledged %llu (%.0f/s), error replies %llu, dropped %llu, flushed %s\n",
              ticks, secs, ticks / secs, ticks / enq, static_cast<unsigned long long>(after.writes - before.writes),
              (after.writes - before.writes) / secs, static_cast<unsigned long long>(after.write_errors),
              static_cast<unsigned long long>(after.queue_dropped), flushed ? "yes" : "NO");
  return flushed ? 0 : 1;
}
