// RedisHotCache: the HotCache on Redis with the spec's keys, TTLs, stream and channels
// (docs: spec "Redis (Hot Storage)"):
//   SET tick:latest:SYM '{"ltp":2850.5,"volume":1500,"ts":1705560000,...}' EX 300
//       ltp rupees, volume = cumulative day volume, ts = exchange time in whole seconds; then ours:
//       bid, ask (rupees), last_quantity, token, exchange, sequence, volume_delta, exchange_time_ns,
//       receive_time_ns (so latest_tick() gives back the whole model::Tick)
//   HSET candle:current:SYM open high low close volume (+ start_ns interval trades vwap); EXPIRE 120
//   XADD analysis:results MAXLEN ~ 1000 * symbol SYM rsi R macd M trend BULLISH|BEARISH|NEUTRAL
//       (+ ts ltp change_percent recommendation composite_score); trend is the sign of trend_score
//   ZADD market:gainers <day change %> SYM   (per scorecard and per tick; see store/hot_cache.h)
//   PUBLISH tick:updates '{"symbol":"RELIANCE","ltp":2850.5}'      (per tick)
//   PUBLISH signal:alerts <model::encode_signal>                    (+ LPUSH/LTRIM signal:recent)
//   PUBLISH market:sentiment <model::encode_market_view>            (+ SET market:view)
//   HSET scorecards:latest SYM <model::encode_scorecard>            (scorecard reads)
//   candle:recent:INTERVAL:SYM  list of model::encode_candle (+ "ts" start seconds), oldest first,
//       LTRIM-capped at recent_candles, EXPIRE recent_candles_ttl on each append
//   SET api_key:<sha256 hex> '{"id":..,"key_sha256":..,"tier":..,"rate_per_second":..,"burst":..,
//       "label":..,"created_at_ns":..,"revoked_at_ns":null}' EX ttl
//       the spec's api_key:{key}, keyed by the key's SHA-256 instead of the key: Redis never holds a
//       key, only what the store holds
//
// Writes never wait for the network: setters update an in-process MemoryHotCache (always kept in
// step, the fallback) and enqueue for a writer thread that sends pipelined batches. Latest-value
// keys (tick, current candle, gainers score) are coalesced per symbol: the newest wins. Stream
// entries, pub/sub messages and closed candles are queued in order, never coalesced; when the queue
// is full they are dropped and counted. Reads are synchronous on their own connection, bounded by
// command_timeout; they see a write once the writer has sent it (normally well under a millisecond).
//
// Outage: when a connection is refused, times out or is lost, the memory cache serves reads
// (cache_backend_up{backend="redis"} = 0, cache_fallback_active = 1, one warning per outage) and
// writes go to memory only; pub/sub messages and stream entries of the outage are not replayed.
// The writer reconnects with exponential backoff and jitter, then writes the memory cache's state
// (latest ticks, current candles, scorecards, gainers, recent candles, signals, market view) and
// resumes. During an outage drop_api_key drops the memory copy and answers kUnavailable: the
// record left in Redis lives out its TTL.
//
// SIGPIPE: open() ignores SIGPIPE process-wide (when it has the default action) so that a write to
// a dropped connection is an error, not the end of the process.
//
// Threading: thread-safe; setters are cheap (a mutex, no allocation per tick once a symbol is
// known), reads share one connection under a mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/metrics.h"
#include "store/hot_cache.h"
#include "store/memory/memory_hot_cache.h"
#include "store/redis/redis_config.h"

namespace nifty::store {

class RedisConnection;

class RedisHotCache final : public HotCache {
 public:
  // Connects (bounded by connect_timeout) and checks the credentials. Errors: kUnavailable
  // (refused, unreachable, timed out: the message names host:port and the cause),
  // kUnauthenticated (NOAUTH: a password is required; WRONGPASS: rejected), kConfigError.
  static core::Result<std::unique_ptr<RedisHotCache>> open(RedisConfig config);
  ~RedisHotCache() override;  // sends what is queued (bounded by command_timeout), then stops

  core::Status set_latest_tick(const model::Tick& tick) override;
  core::Result<std::optional<model::Tick>> latest_tick(const model::Symbol& symbol) override;
  core::Status set_current_candle(const model::Candle& candle) override;
  core::Result<std::optional<model::Candle>> current_candle(const model::Symbol& symbol) override;
  core::Status set_scorecard(const model::Scorecard& scorecard) override;
  core::Result<std::optional<model::Scorecard>> scorecard(const model::Symbol& symbol) override;
  core::Result<std::vector<model::Scorecard>> scorecards() override;
  core::Result<std::vector<Gainer>> top_gainers(size_t n) override;
  core::Status add_signal(const model::Signal& signal) override;
  core::Result<std::vector<model::Signal>> recent_signals(size_t n) override;
  core::Status set_market_view(const model::MarketView& view) override;
  core::Result<std::optional<model::MarketView>> market_view() override;
  core::Status add_closed_candle(const model::Candle& candle) override;
  core::Result<std::vector<model::Candle>> recent_candles(const model::Symbol& symbol, model::Interval interval,
                                                          size_t n) override;
  core::Status prepend_candles(std::span<const model::Candle> older) override;
  size_t recent_candles_capacity() const override { return config_.recent_candles; }
  core::Status set_api_key(const ApiKeyHash& hash, const ApiKey& key, std::chrono::seconds ttl) override;
  core::Result<std::optional<ApiKey>> api_key(const ApiKeyHash& hash) override;
  core::Status drop_api_key(const ApiKeyHash& hash) override;

  // Waits until everything enqueued so far has been sent and answered (or the backend is down);
  // false on timeout. For tests, benchmarks and an orderly shutdown.
  bool flush(std::chrono::milliseconds timeout);

  // This instance's counters (the global metrics add up every instance).
  struct Stats {
    uint64_t writes = 0;          // commands answered without error
    uint64_t write_errors = 0;    // error replies
    uint64_t queue_dropped = 0;   // entries dropped on a full queue
    uint64_t reconnects = 0;      // successful reconnections after an outage
    uint64_t outages = 0;
    bool backend_up = false;
  };
  Stats stats() const;
  bool backend_up() const { return reads_up_.load(std::memory_order_acquire); }

 private:
  struct Latest {
    model::Symbol symbol;
    model::Tick tick;
    model::Candle candle;
    double change_percent = 0.0;
    bool tick_dirty = false;
    bool candle_dirty = false;
    bool change_dirty = false;
    bool listed = false;  // in dirty_
  };
  struct TickUpdate {
    model::Symbol symbol;
    model::Price ltp;
  };
  struct Prepend {
    std::vector<model::Candle> candles;
  };
  using Op = std::variant<model::Scorecard, model::Signal, model::MarketView, model::Candle, Prepend>;

  RedisHotCache(RedisConfig config, std::unique_ptr<RedisConnection> writer, std::unique_ptr<RedisConnection> reader);

  core::Status enqueue(Op op);
  // Marks the symbol's latest values for the writer (q_mu_ held).
  Latest& latest_locked(const model::Symbol& symbol);
  void writer_loop();
  bool send_batch();  // false when the connection was lost
  bool resync();
  void went_down(const std::string& why);
  void count_error_reply(std::string_view command, std::string_view error);
  // Runs `fn(RedisConnection&)` on the read connection when the backend is up; nullopt means
  // "answer from memory".
  template <typename Fn>
  auto with_reader(Fn&& fn) -> std::optional<decltype(fn(std::declval<RedisConnection&>()))>;

  const RedisConfig config_;
  MemoryHotCache memory_;

  // Writer queue.
  std::mutex q_mu_;
  std::condition_variable q_cv_;       // work arrived / stop
  std::condition_variable idle_cv_;    // a batch completed (flush waits on it)
  std::unordered_map<model::Symbol, Latest> latest_;
  std::vector<model::Symbol> dirty_;
  std::vector<TickUpdate> ring_;       // tick:updates messages, fixed capacity
  size_t ring_head_ = 0;
  size_t ring_size_ = 0;
  std::vector<Op> ops_;                // FIFO of ops (ops_head_ .. end)
  size_t ops_head_ = 0;
  uint64_t enqueued_ = 0;              // sequence of enqueue calls (flush)
  uint64_t completed_ = 0;             // enqueued_ value covered by the last completed batch
  bool in_flight_ = false;
  bool stop_ = false;
  std::atomic<bool> enqueue_up_{false};  // the writer accepts work (connected or resyncing)
  std::atomic<bool> reads_up_{false};    // reads go to Redis

  // Writer-thread state.
  std::unique_ptr<RedisConnection> writer_;
  std::vector<Latest> batch_latest_;
  std::vector<TickUpdate> batch_ticks_;
  std::vector<Op> batch_ops_;
  std::vector<std::string_view> batch_names_;  // command names of the batch, for error reports
  std::string buf_[6];

  std::mutex read_mu_;
  std::unique_ptr<RedisConnection> reader_;

  struct Metrics {
    core::Counter* writes;
    core::Counter* write_errors;
    core::Counter* queue_dropped;
    core::Counter* reconnects;
    core::Gauge* backend_up;
    core::Gauge* fallback_active;
  } metrics_;
  std::atomic<uint64_t> writes_{0}, write_errors_{0}, queue_dropped_{0}, reconnects_{0}, outages_{0};

  std::thread thread_;
};

}  // namespace nifty::store
