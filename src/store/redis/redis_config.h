// RedisConfig: where the Redis hot cache connects and how its writer behaves. Plain value type.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/hot_cache.h"

namespace nifty::store {

struct RedisConfig {
  std::string host = "127.0.0.1";  // server address (name or IP)
  int port = 6379;                 // server TCP port
  int db = 0;                      // logical database (SELECT)
  // Name of the environment variable holding the password (AUTH); the password itself never
  // appears in a config file or a log. Unset or empty variable: no AUTH.
  std::string password_env = "NIFTY_REDIS_PASSWORD";
  std::chrono::milliseconds connect_timeout{2000};   // bound on one connection attempt
  std::chrono::milliseconds command_timeout{1000};   // bound on one read, or one pipelined batch's replies
  // Stream entries, pub/sub messages and closed candles that may wait for the writer; beyond it they
  // are dropped and counted (cache_queue_dropped_total). Latest-value keys are coalesced per symbol
  // and never fill the queue.
  size_t queue_capacity = 1 << 16;
  size_t max_pipeline = 512;                           // commands per round trip
  std::chrono::milliseconds reconnect_initial{100};    // first retry delay after an outage
  std::chrono::milliseconds reconnect_max{5000};       // cap of the exponential backoff (plus jitter)
  // When false, open() succeeds with Redis unreachable: the cache starts in fallback (memory) and
  // connects later. A rejected password fails open() either way.
  bool require_at_open = true;
  // Key lifetimes and sizes of the spec's structures.
  std::chrono::seconds tick_ttl{300};                  // tick:latest:SYM (spec: EX 300)
  std::chrono::seconds candle_ttl{120};                // candle:current:SYM (spec: EXPIRE 120)
  size_t stream_maxlen = 1000;                         // analysis:results (spec: MAXLEN ~ 1000)
  size_t recent_candles = kDefaultRecentCandles;       // candle:recent:INTERVAL:SYM list length
  std::chrono::seconds recent_candles_ttl{86400};      // refreshed on every append

  // Parses "redis://[:password@]host[:port][/db]" into host, port and db (a password in the URL is
  // rejected: passwords come from the environment only).
  static core::Result<RedisConfig> from_url(std::string_view url);
};

}  // namespace nifty::store
