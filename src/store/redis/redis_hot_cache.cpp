#include "store/redis/redis_hot_cache.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <nlohmann/json.hpp>
#include <random>

#include "core/log.h"
#include "model/json_codec.h"
#include "store/redis/redis_connection.h"

namespace nifty::store {

namespace {

core::Logger& log() { return core::Logger::get("store"); }

constexpr std::string_view kTickUpdates = "tick:updates";
constexpr std::string_view kSignalAlerts = "signal:alerts";
constexpr std::string_view kMarketSentiment = "market:sentiment";
constexpr std::string_view kAnalysisResults = "analysis:results";
constexpr std::string_view kGainers = "market:gainers";
constexpr std::string_view kScorecards = "scorecards:latest";
constexpr std::string_view kSignalRecent = "signal:recent";
constexpr std::string_view kMarketViewKey = "market:view";

// Appends a closed candle to its recent list unless it is older than the last one; a candle with
// the last one's start replaces it. KEYS[1] list; ARGV: element, start seconds, cap, ttl seconds.
constexpr std::string_view kAppendScript = R"(
local last = redis.call('LINDEX', KEYS[1], -1)
local t = tonumber(ARGV[2])
if last then
  local lt = tonumber(cjson.decode(last)['ts'])
  if t < lt then return 0 end
  if t == lt then
    redis.call('LSET', KEYS[1], -1, ARGV[1])
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    return 1
  end
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
)";

// Puts older candles in front of a recent list: only those strictly older than its head, newest
// first, while the list is shorter than the cap. KEYS[1] list; ARGV[1] cap, ARGV[2] ttl, then
// pairs (element, start seconds) oldest first.
constexpr std::string_view kPrependScript = R"(
local cap = tonumber(ARGV[1])
local head = redis.call('LINDEX', KEYS[1], 0)
local ht = nil
if head then ht = tonumber(cjson.decode(head)['ts']) end
local n = 0
local len = redis.call('LLEN', KEYS[1])
for i = #ARGV - 1, 3, -2 do
  if len >= cap then break end
  local t = tonumber(ARGV[i + 1])
  if ht == nil or t < ht then
    redis.call('LPUSH', KEYS[1], ARGV[i])
    ht = t
    len = len + 1
    n = n + 1
  end
end
if len > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n
)";

void append_key(std::string& out, std::string_view prefix, const model::Symbol& symbol) {
  out.clear();
  out += prefix;
  out += symbol.view();
}

void append_recent_key(std::string& out, const model::Symbol& symbol, model::Interval interval) {
  out.clear();
  out += "candle:recent:";
  out += model::interval_name(interval);
  out += ':';
  out += symbol.view();
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

// The tick:latest value: the spec's fields first (ltp rupees, volume, ts seconds), then ours.
void encode_latest_tick(const model::Tick& t, std::string& out) {
  out.clear();
  out += "{\"ltp\":";
  model::append_price(out, t.last_price);
  out += ",\"volume\":";
  append_int(out, t.cumulative_volume);
  out += ",\"ts\":";
  append_int(out, t.exchange_time.seconds());
  out += ",\"bid\":";
  model::append_price(out, t.bid);
  out += ",\"ask\":";
  model::append_price(out, t.ask);
  out += ",\"last_quantity\":";
  append_int(out, t.last_quantity);
  out += ",\"token\":";
  append_int(out, t.token);
  out += ",\"exchange\":\"";
  out += model::exchange_name(t.exchange);
  out += "\",\"sequence\":";
  append_int(out, static_cast<int64_t>(t.sequence));
  out += ",\"volume_delta\":";
  append_int(out, t.volume_delta);
  out += ",\"exchange_time_ns\":";
  append_int(out, t.exchange_time.nanos());
  out += ",\"receive_time_ns\":";
  append_int(out, t.receive_time.nanos());
  out += '}';
}

core::Result<model::Tick> decode_latest_tick(const model::Symbol& symbol, std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::string where = "redis tick:latest:" + symbol.str();
  if (j.is_discarded() || !j.is_object()) return core::error(core::ErrorCode::kParseError, where + ": not a JSON object");
  auto num = [&](const char* k) -> std::optional<double> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  auto integer = [&](const char* k) -> std::optional<int64_t> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  model::Tick t;
  t.symbol = symbol;
  auto ltp = num("ltp");
  auto volume = integer("volume");
  auto ts = integer("ts");
  if (!ltp) return core::error(core::ErrorCode::kParseError, where + ": field 'ltp' missing or not a number");
  if (!volume) return core::error(core::ErrorCode::kParseError, where + ": field 'volume' missing or not an integer");
  if (!ts) return core::error(core::ErrorCode::kParseError, where + ": field 'ts' missing or not an integer");
  t.last_price = model::Price::from_rupees(*ltp);
  t.cumulative_volume = *volume;
  t.exchange_time = core::Timestamp::from_seconds(*ts);
  if (auto v = integer("exchange_time_ns")) t.exchange_time = core::Timestamp(*v);
  if (auto v = integer("receive_time_ns")) t.receive_time = core::Timestamp(*v);
  if (auto v = num("bid")) t.bid = model::Price::from_rupees(*v);
  if (auto v = num("ask")) t.ask = model::Price::from_rupees(*v);
  if (auto v = integer("last_quantity")) t.last_quantity = *v;
  if (auto v = integer("token")) t.token = static_cast<uint32_t>(*v);
  if (auto v = integer("sequence")) t.sequence = static_cast<uint64_t>(*v);
  if (auto v = integer("volume_delta")) t.volume_delta = *v;
  if (auto it = j.find("exchange"); it != j.end() && it->is_string() && it->get<std::string>() == "BSE") {
    t.exchange = model::Exchange::kBse;
  }
  return t;
}

// A recent-list element: model::encode_candle plus "ts" (start, whole seconds) for the scripts.
std::string encode_recent_candle(const model::Candle& c) {
  std::string s = model::encode_candle(c);
  s.pop_back();  // '}'
  s += ",\"ts\":";
  append_int(s, c.start.seconds());
  s += '}';
  return s;
}

std::string_view trend_name(double trend_score) {
  if (trend_score > 0) return "BULLISH";
  if (trend_score < 0) return "BEARISH";
  return "NEUTRAL";
}

std::string reply_text(const redisReply* r) {
  return r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

core::Status unexpected_reply(std::string_view what, const redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) {
    return core::error(core::ErrorCode::kInternal, "redis " + std::string(what) + ": " + reply_text(r));
  }
  return core::error(core::ErrorCode::kInternal,
                     "redis " + std::string(what) + ": unexpected reply type " + std::to_string(r->type));
}

std::string api_key_redis_key(const ApiKeyHash& hash) { return "api_key:" + api_key_hash_hex(hash); }

// The cached record: every field of ApiKey; times in ns; revoked_at_ns null when not revoked.
std::string encode_api_key(const ApiKey& k) {
  nlohmann::json j = {{"id", k.id},
                      {"key_sha256", api_key_hash_hex(k.key_hash)},
                      {"label", k.label},
                      {"tier", k.tier},
                      {"rate_per_second", k.rate_per_second},
                      {"burst", k.burst},
                      {"created_at_ns", k.created_at.nanos()},
                      {"revoked_at_ns", nullptr}};
  if (k.revoked_at) j["revoked_at_ns"] = k.revoked_at->nanos();
  return j.dump();
}

core::Result<ApiKey> decode_api_key(std::string_view where, std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](std::string_view why) {
    return core::error(core::ErrorCode::kParseError, "redis " + std::string(where) + ": " + std::string(why));
  };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto integer = [&](const char* k) -> std::optional<int64_t> {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  ApiKey k;
  auto id = str("id");
  auto hash_hex = str("key_sha256");
  auto label = str("label");
  auto tier = str("tier");
  auto burst = integer("burst");
  auto created = integer("created_at_ns");
  auto rate = j.find("rate_per_second");
  auto revoked = j.find("revoked_at_ns");
  if (!id) return bad("field 'id' missing or not a string");
  if (!hash_hex) return bad("field 'key_sha256' missing or not a string");
  auto hash = api_key_hash_from_hex(*hash_hex);
  if (!hash) return bad("field 'key_sha256' is not 64 lowercase hex characters");
  if (!label) return bad("field 'label' missing or not a string");
  if (!tier) return bad("field 'tier' missing or not a string");
  if (rate == j.end() || !rate->is_number()) return bad("field 'rate_per_second' missing or not a number");
  if (!burst) return bad("field 'burst' missing or not an integer");
  if (!created) return bad("field 'created_at_ns' missing or not an integer");
  if (revoked == j.end() || !(revoked->is_null() || revoked->is_number_integer())) {
    return bad("field 'revoked_at_ns' missing or neither null nor an integer");
  }
  k.id = std::move(*id);
  k.key_hash = *hash;
  k.label = std::move(*label);
  k.tier = std::move(*tier);
  k.rate_per_second = rate->get<double>();
  k.burst = static_cast<int32_t>(*burst);
  k.created_at = core::Timestamp(*created);
  if (!revoked->is_null()) k.revoked_at = core::Timestamp(revoked->get<int64_t>());
  return k;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RedisConfig

core::Result<RedisConfig> RedisConfig::from_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  auto bad = [&](std::string_view why) {
    return core::error(core::ErrorCode::kConfigError, "redis url \"" + std::string(url) + "\": " + std::string(why));
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
  if (rest.find('@') != std::string_view::npos) return bad("a password in the URL is not allowed (use the environment)");
  RedisConfig c;
  std::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      int v = 0;
      for (char ch : db) {
        if (ch < '0' || ch > '9' || v > 100000) return bad("database must be a number");
        v = v * 10 + (ch - '0');
      }
      c.db = v;
    }
  }
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    int v = 0;
    if (port.empty()) return bad("empty port");
    for (char ch : port) {
      if (ch < '0' || ch > '9' || v > 65535) return bad("port must be a number in 1..65535");
      v = v * 10 + (ch - '0');
    }
    if (v < 1 || v > 65535) return bad("port must be a number in 1..65535");
    c.port = v;
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return bad("empty host");
  c.host = std::string(hostport);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Construction

core::Result<std::unique_ptr<RedisHotCache>> RedisHotCache::open(RedisConfig config) {
  if (config.max_pipeline == 0 || config.queue_capacity == 0 || config.recent_candles == 0) {
    return core::error(core::ErrorCode::kConfigError,
                       "redis: max_pipeline, queue_capacity and recent_candles must be positive");
  }
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);

  auto writer = RedisConnection::connect(config);
  std::unique_ptr<RedisConnection> reader;
  if (writer.is_ok()) {
    auto r = RedisConnection::connect(config);
    if (!r.is_ok()) return r.status();
    reader = std::move(r).value();
  } else if (config.require_at_open || writer.status().code() == core::ErrorCode::kUnauthenticated ||
             writer.status().code() == core::ErrorCode::kConfigError) {
    return writer.status();
  }
  std::unique_ptr<RedisConnection> w = writer.is_ok() ? std::move(writer).value() : nullptr;
  return std::unique_ptr<RedisHotCache>(new RedisHotCache(std::move(config), std::move(w), std::move(reader)));
}

RedisHotCache::RedisHotCache(RedisConfig config, std::unique_ptr<RedisConnection> writer,
                             std::unique_ptr<RedisConnection> reader)
    : config_(std::move(config)), memory_(config_.recent_candles), writer_(std::move(writer)), reader_(std::move(reader)) {
  auto& reg = core::MetricsRegistry::global();
  const core::MetricLabels labels = {{"backend", "redis"}};
  metrics_.writes = &reg.counter("cache_writes_total", "Hot-cache commands acknowledged by the backend", labels);
  metrics_.write_errors =
      &reg.counter("cache_write_errors_total", "Hot-cache commands the backend answered with an error", labels);
  metrics_.queue_dropped =
      &reg.counter("cache_queue_dropped_total", "Hot-cache writes dropped because the writer queue was full", labels);
  metrics_.reconnects = &reg.counter("cache_reconnects_total", "Hot-cache reconnections after an outage", labels);
  metrics_.backend_up = &reg.gauge("cache_backend_up", "1 when the hot-cache backend is reachable", labels);
  metrics_.fallback_active =
      &reg.gauge("cache_fallback_active", "1 while the in-memory fallback serves the hot cache", labels);
  ring_.resize(config_.queue_capacity);
  dirty_.reserve(64);
  bool up = writer_ != nullptr;
  enqueue_up_.store(up);
  reads_up_.store(up);
  metrics_.backend_up->set(up ? 1 : 0);
  metrics_.fallback_active->set(up ? 0 : 1);
  if (!up) {
    outages_.fetch_add(1);
    log().warn("redis unreachable at start; the in-memory hot cache serves until it is back",
               {{"endpoint", config_.host + ":" + std::to_string(config_.port)}});
  }
  thread_ = std::thread([this] { writer_loop(); });
}

RedisHotCache::~RedisHotCache() {
  (void)flush(config_.command_timeout);
  {
    std::lock_guard lock(q_mu_);
    stop_ = true;
  }
  q_cv_.notify_all();
  thread_.join();
}

// ---------------------------------------------------------------------------------------------
// Setters: memory first (always current: the fallback), then the writer queue.

core::Status RedisHotCache::set_latest_tick(const model::Tick& tick) {
  NIFTY_RETURN_IF_ERROR(memory_.set_latest_tick(tick));
  if (!enqueue_up_.load(std::memory_order_acquire)) return core::Status::ok();
  std::optional<double> pct = memory_.change_percent(tick.symbol);
  bool dropped = false;
  {
    std::lock_guard lock(q_mu_);
    Latest& l = latest_locked(tick.symbol);
    l.tick = tick;
    l.tick_dirty = true;
    if (pct) {
      l.change_percent = *pct;
      l.change_dirty = true;
    }
    if (ring_size_ == ring_.size()) {
      dropped = true;
    } else {
      ring_[(ring_head_ + ring_size_) % ring_.size()] = TickUpdate{tick.symbol, tick.last_price};
      ++ring_size_;
    }
    ++enqueued_;
  }
  q_cv_.notify_one();
  if (dropped) {
    queue_dropped_.fetch_add(1, std::memory_order_relaxed);
    metrics_.queue_dropped->inc();
    return core::error(core::ErrorCode::kResourceExhausted, "redis hot cache: queue full, tick:updates for " +
                                                                tick.symbol.str() + " dropped");
  }
  return core::Status::ok();
}

core::Status RedisHotCache::set_current_candle(const model::Candle& candle) {
  NIFTY_RETURN_IF_ERROR(memory_.set_current_candle(candle));
  if (!enqueue_up_.load(std::memory_order_acquire)) return core::Status::ok();
  {
    std::lock_guard lock(q_mu_);
    Latest& l = latest_locked(candle.symbol);
    l.candle = candle;
    l.candle_dirty = true;
    ++enqueued_;
  }
  q_cv_.notify_one();
  return core::Status::ok();
}

core::Status RedisHotCache::enqueue(Op op) {
  if (!enqueue_up_.load(std::memory_order_acquire)) return core::Status::ok();
  {
    std::lock_guard lock(q_mu_);
    if (ops_.size() - ops_head_ >= config_.queue_capacity) {
      queue_dropped_.fetch_add(1, std::memory_order_relaxed);
      metrics_.queue_dropped->inc();
      return core::error(core::ErrorCode::kResourceExhausted, "redis hot cache: queue full, write dropped");
    }
    ops_.push_back(std::move(op));
    ++enqueued_;
  }
  q_cv_.notify_one();
  return core::Status::ok();
}

RedisHotCache::Latest& RedisHotCache::latest_locked(const model::Symbol& symbol) {
  Latest& l = latest_[symbol];
  l.symbol = symbol;
  if (!l.listed) {
    l.listed = true;
    dirty_.push_back(symbol);
  }
  return l;
}

core::Status RedisHotCache::set_scorecard(const model::Scorecard& scorecard) {
  NIFTY_RETURN_IF_ERROR(memory_.set_scorecard(scorecard));
  if (!enqueue_up_.load(std::memory_order_acquire)) return core::Status::ok();
  // The board's score is a latest value: coalesced with the ticks' (the newest wins).
  if (std::optional<double> pct = memory_.change_percent(scorecard.symbol)) {
    std::lock_guard lock(q_mu_);
    Latest& l = latest_locked(scorecard.symbol);
    l.change_percent = *pct;
    l.change_dirty = true;
  }
  return enqueue(scorecard);
}

core::Status RedisHotCache::add_signal(const model::Signal& signal) {
  NIFTY_RETURN_IF_ERROR(memory_.add_signal(signal));
  return enqueue(signal);
}

core::Status RedisHotCache::set_market_view(const model::MarketView& view) {
  NIFTY_RETURN_IF_ERROR(memory_.set_market_view(view));
  return enqueue(view);
}

core::Status RedisHotCache::add_closed_candle(const model::Candle& candle) {
  NIFTY_RETURN_IF_ERROR(memory_.add_closed_candle(candle));
  return enqueue(candle);
}

core::Status RedisHotCache::prepend_candles(std::span<const model::Candle> older) {
  NIFTY_RETURN_IF_ERROR(memory_.prepend_candles(older));
  if (older.empty()) return core::Status::ok();
  return enqueue(Prepend{std::vector<model::Candle>(older.begin(), older.end())});
}

bool RedisHotCache::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(q_mu_);
  uint64_t target = enqueued_;
  return idle_cv_.wait_for(lock, timeout, [&] {
    return completed_ >= target || !enqueue_up_.load(std::memory_order_acquire) || stop_;
  });
}

RedisHotCache::Stats RedisHotCache::stats() const {
  Stats s;
  s.writes = writes_.load();
  s.write_errors = write_errors_.load();
  s.queue_dropped = queue_dropped_.load();
  s.reconnects = reconnects_.load();
  s.outages = outages_.load();
  s.backend_up = reads_up_.load();
  return s;
}

// ---------------------------------------------------------------------------------------------
// Writer thread

void RedisHotCache::count_error_reply(std::string_view command, std::string_view error) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  metrics_.write_errors->inc();
  static core::RateLimitedLog limiter(std::chrono::seconds(10));
  uint64_t suppressed = 0;
  if (limiter.should_log(suppressed)) {
    log().error("redis error reply", {{"command", command}, {"error", error}, {"suppressed", suppressed}});
  }
}

void RedisHotCache::went_down(const std::string& why) {
  writer_.reset();
  enqueue_up_.store(false, std::memory_order_release);
  reads_up_.store(false, std::memory_order_release);
  metrics_.backend_up->set(0);
  metrics_.fallback_active->set(1);
  outages_.fetch_add(1, std::memory_order_relaxed);
  log().warn("redis down; the in-memory hot cache serves until it is back", {{"error", why}});
  std::lock_guard lock(q_mu_);
  // What was queued lives in the memory cache; its state goes back to Redis on reconnection.
  for (const auto& sym : dirty_) latest_[sym] = Latest{};
  dirty_.clear();
  ring_head_ = ring_size_ = 0;
  ops_.clear();
  ops_head_ = 0;
  completed_ = enqueued_;
  idle_cv_.notify_all();
}

bool RedisHotCache::send_batch() {
  size_t commands = 0;
  uint64_t covered = 0;
  {
    std::lock_guard lock(q_mu_);
    covered = enqueued_;
    batch_latest_.clear();
    batch_ticks_.clear();
    batch_ops_.clear();
    size_t max = config_.max_pipeline;
    size_t taken = 0;
    for (; taken < dirty_.size() && commands < max; ++taken) {
      Latest& l = latest_[dirty_[taken]];
      batch_latest_.push_back(l);
      commands += (l.tick_dirty ? 1 : 0) + (l.candle_dirty ? 2 : 0) + (l.change_dirty ? 1 : 0);
      l.tick_dirty = l.candle_dirty = l.change_dirty = l.listed = false;
    }
    dirty_.erase(dirty_.begin(), dirty_.begin() + static_cast<std::ptrdiff_t>(taken));
    while (ring_size_ > 0 && commands < max) {
      batch_ticks_.push_back(ring_[ring_head_]);
      ring_head_ = (ring_head_ + 1) % ring_.size();
      --ring_size_;
      ++commands;
    }
    while (ops_head_ < ops_.size() && commands < max) {
      batch_ops_.push_back(std::move(ops_[ops_head_++]));
      commands += 3;
    }
    if (ops_head_ == ops_.size()) {
      ops_.clear();
      ops_head_ = 0;
    }
    if (!dirty_.empty() || ring_size_ > 0 || ops_head_ < ops_.size()) covered = 0;  // more to send
    in_flight_ = true;
  }

  RedisConnection& c = *writer_;
  std::string* b = buf_;
  // Names of the commands appended, in order, for error reports.
  std::vector<std::string_view>& names = batch_names_;
  names.clear();
  auto ttl_tick = std::to_string(config_.tick_ttl.count());
  const std::string ttl_candle = std::to_string(config_.candle_ttl.count());
  for (const Latest& l : batch_latest_) {
    if (l.tick_dirty) {
      append_key(b[0], "tick:latest:", l.tick.symbol);
      encode_latest_tick(l.tick, b[1]);
      c.append({"SET", b[0], b[1], "EX", ttl_tick});
      names.push_back("SET tick:latest");
    }
    if (l.candle_dirty) {
      const model::Candle& k = l.candle;
      append_key(b[0], "candle:current:", k.symbol);
      std::string* v = b + 1;
      for (int i = 0; i < 5; ++i) v[i].clear();
      model::append_price(v[0], k.open);
      model::append_price(v[1], k.high);
      model::append_price(v[2], k.low);
      model::append_price(v[3], k.close);
      append_int(v[4], k.volume);
      std::string start = std::to_string(k.start.nanos());
      std::string trades = std::to_string(k.trades);
      std::string vwap;
      model::append_price(vwap, k.vwap);
      c.append({"HSET", b[0], "open", v[0], "high", v[1], "low", v[2], "close", v[3], "volume", v[4], "start_ns",
                start, "interval", model::interval_name(k.interval), "trades", trades, "vwap", vwap});
      c.append({"EXPIRE", b[0], ttl_candle});
      names.push_back("HSET candle:current");
      names.push_back("EXPIRE candle:current");
    }
    if (l.change_dirty) {
      b[1].clear();
      model::append_double(b[1], l.change_percent);
      b[2] = std::string(l.symbol.view());
      c.append({"ZADD", kGainers, b[1], b[2]});
      names.push_back("ZADD market:gainers");
    }
  }
  for (const TickUpdate& u : batch_ticks_) {
    b[0] = "{\"symbol\":";
    b[0] += '"';
    core::append_json_escaped(b[0], u.symbol.view());
    b[0] += "\",\"ltp\":";
    model::append_price(b[0], u.ltp);
    b[0] += '}';
    c.append({"PUBLISH", kTickUpdates, b[0]});
    names.push_back("PUBLISH tick:updates");
  }
  const std::string maxlen = std::to_string(config_.stream_maxlen);
  const std::string cap = std::to_string(config_.recent_candles);
  const std::string recent_ttl = std::to_string(config_.recent_candles_ttl.count());
  for (Op& op : batch_ops_) {
    if (auto* s = std::get_if<model::Scorecard>(&op)) {
      std::string sym = s->symbol.str();
      std::string rsi, macd, ltp, pct, composite, ts;
      model::append_double(rsi, s->rsi);
      model::append_double(macd, s->macd.value);
      model::append_price(ltp, s->ltp);
      model::append_double(pct, s->change_percent);
      model::append_double(composite, s->composite_score);
      append_int(ts, s->timestamp.seconds());
      c.append({"XADD", kAnalysisResults, "MAXLEN", "~", maxlen, "*", "symbol", sym, "rsi", rsi, "macd", macd, "trend",
                trend_name(s->trend_score), "ts", ts, "ltp", ltp, "change_percent", pct, "recommendation",
                model::recommendation_name(s->recommendation), "composite_score", composite});
      names.push_back("XADD analysis:results");
      c.append({"HSET", kScorecards, sym, model::encode_scorecard(*s)});
      names.push_back("HSET scorecards:latest");
    } else if (auto* sig = std::get_if<model::Signal>(&op)) {
      std::string json = model::encode_signal(*sig);
      c.append({"PUBLISH", kSignalAlerts, json});
      c.append({"LPUSH", kSignalRecent, json});
      std::string last = std::to_string(kRecentSignalsCapacity - 1);
      c.append({"LTRIM", kSignalRecent, "0", last});
      names.push_back("PUBLISH signal:alerts");
      names.push_back("LPUSH signal:recent");
      names.push_back("LTRIM signal:recent");
    } else if (auto* view = std::get_if<model::MarketView>(&op)) {
      std::string json = model::encode_market_view(*view);
      c.append({"SET", kMarketViewKey, json});
      c.append({"PUBLISH", kMarketSentiment, json});
      names.push_back("SET market:view");
      names.push_back("PUBLISH market:sentiment");
    } else if (auto* candle = std::get_if<model::Candle>(&op)) {
      append_recent_key(b[0], candle->symbol, candle->interval);
      std::string start = std::to_string(candle->start.seconds());
      c.append({"EVAL", kAppendScript, "1", b[0], encode_recent_candle(*candle), start, cap, recent_ttl});
      names.push_back("EVAL recent candle append");
    } else if (auto* pre = std::get_if<Prepend>(&op)) {
      // Chunks keep each EVAL's argument count within RedisConnection's limit; oldest chunk last so
      // that each one lands in front of the newer ones.
      constexpr size_t kPerEval = 12;
      const auto& cs = pre->candles;
      append_recent_key(b[0], cs.front().symbol, cs.front().interval);
      size_t end = cs.size();
      while (end > 0) {
        size_t begin = end > kPerEval ? end - kPerEval : 0;
        std::vector<std::string> args;
        args.reserve(2 * (end - begin));
        for (size_t i = begin; i < end; ++i) {
          args.push_back(encode_recent_candle(cs[i]));
          args.push_back(std::to_string(cs[i].start.seconds()));
        }
        std::vector<const char*> argv = {"EVAL", kPrependScript.data(), "1", b[0].c_str(), cap.c_str(),
                                         recent_ttl.c_str()};
        std::vector<size_t> lens = {4, kPrependScript.size(), 1, b[0].size(), cap.size(), recent_ttl.size()};
        for (const auto& a : args) {
          argv.push_back(a.data());
          lens.push_back(a.size());
        }
        c.append_argv(argv, lens);
        names.push_back("EVAL recent candle prepend");
        end = begin;
      }
    }
  }

  bool ok = true;
  uint64_t good = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    auto r = c.next_reply();
    if (!r.is_ok()) {
      went_down(r.status().message());
      ok = false;
      break;
    }
    if ((*r)->type == REDIS_REPLY_ERROR) {
      count_error_reply(names[i], reply_text(r->get()));
    } else {
      ++good;
    }
  }
  writes_.fetch_add(good, std::memory_order_relaxed);
  metrics_.writes->inc(static_cast<double>(good));
  {
    std::lock_guard lock(q_mu_);
    in_flight_ = false;
    if (ok && covered != 0) completed_ = std::max(completed_, covered);
  }
  idle_cv_.notify_all();
  return ok;
}

bool RedisHotCache::resync() {
  MemoryHotCache::Snapshot s = memory_.snapshot();
  RedisConnection& c = *writer_;
  size_t commands = 0;
  const std::string ttl_tick = std::to_string(config_.tick_ttl.count());
  const std::string ttl_candle = std::to_string(config_.candle_ttl.count());
  for (const auto& t : s.ticks) {
    std::string key = "tick:latest:" + t.symbol.str();
    std::string v;
    encode_latest_tick(t, v);
    c.append({"SET", key, v, "EX", ttl_tick});
    ++commands;
  }
  for (const auto& k : s.current_candles) {
    std::string key = "candle:current:" + k.symbol.str();
    std::string o, h, l, cl, vol, vw;
    model::append_price(o, k.open);
    model::append_price(h, k.high);
    model::append_price(l, k.low);
    model::append_price(cl, k.close);
    model::append_price(vw, k.vwap);
    append_int(vol, k.volume);
    c.append({"HSET", key, "open", o, "high", h, "low", l, "close", cl, "volume", vol, "start_ns",
              std::to_string(k.start.nanos()), "interval", model::interval_name(k.interval), "trades",
              std::to_string(k.trades), "vwap", vw});
    c.append({"EXPIRE", key, ttl_candle});
    commands += 2;
  }
  for (const auto& card : s.scorecards) {
    c.append({"HSET", kScorecards, card.symbol.str(), model::encode_scorecard(card)});
    ++commands;
  }
  for (const auto& g : s.board) {
    std::string score;
    model::append_double(score, g.change_percent);
    c.append({"ZADD", kGainers, score, g.symbol.str()});
    ++commands;
  }
  if (!s.signals.empty()) {
    c.append({"DEL", kSignalRecent});
    ++commands;
    for (const auto& sig : s.signals) {
      c.append({"LPUSH", kSignalRecent, model::encode_signal(sig)});
      ++commands;
    }
  }
  if (s.market_view) {
    c.append({"SET", kMarketViewKey, model::encode_market_view(*s.market_view)});
    ++commands;
  }
  const std::string recent_ttl = std::to_string(config_.recent_candles_ttl.count());
  for (const auto& list : s.recent_candles) {
    if (list.empty()) continue;
    std::string key;
    append_recent_key(key, list.front().symbol, list.front().interval);
    c.append({"DEL", key});
    ++commands;
    for (const auto& k : list) {
      c.append({"RPUSH", key, encode_recent_candle(k)});
      ++commands;
    }
    c.append({"EXPIRE", key, recent_ttl});
    ++commands;
  }
  uint64_t good = 0;
  for (size_t i = 0; i < commands; ++i) {
    auto r = c.next_reply();
    if (!r.is_ok()) {
      went_down(r.status().message());
      return false;
    }
    if ((*r)->type == REDIS_REPLY_ERROR) {
      count_error_reply("resync", reply_text(r->get()));
    } else {
      ++good;
    }
  }
  writes_.fetch_add(good, std::memory_order_relaxed);
  metrics_.writes->inc(static_cast<double>(good));
  return true;
}

void RedisHotCache::writer_loop() {
  std::mt19937_64 rng(std::random_device{}());
  auto backoff = config_.reconnect_initial;
  auto last_activity = std::chrono::steady_clock::now();
  for (;;) {
    if (writer_ == nullptr) {
      // Outage: wait (interruptible by stop) with jitter in [delay/2, delay], then try again.
      std::uniform_int_distribution<int64_t> jitter(backoff.count() / 2, std::max<int64_t>(backoff.count(), 1));
      {
        std::unique_lock lock(q_mu_);
        if (q_cv_.wait_for(lock, std::chrono::milliseconds(jitter(rng)), [&] { return stop_; })) return;
      }
      auto conn = RedisConnection::connect(config_);
      if (!conn.is_ok()) {
        backoff = std::min(backoff * 2, config_.reconnect_max);
        continue;
      }
      writer_ = std::move(conn).value();
      enqueue_up_.store(true, std::memory_order_release);  // new writes queue behind the resync
      if (!resync()) continue;
      backoff = config_.reconnect_initial;
      reconnects_.fetch_add(1, std::memory_order_relaxed);
      metrics_.reconnects->inc();
      {
        std::lock_guard lock(read_mu_);
        reader_.reset();  // reconnects on the next read
      }
      reads_up_.store(true, std::memory_order_release);
      metrics_.backend_up->set(1);
      metrics_.fallback_active->set(0);
      log().info("redis back; hot cache state written and writes resumed",
                 {{"endpoint", writer_->endpoint()}});
      last_activity = std::chrono::steady_clock::now();
      continue;
    }
    bool have_work = false;
    {
      std::unique_lock lock(q_mu_);
      q_cv_.wait_for(lock, std::chrono::milliseconds(200),
                     [&] { return stop_ || !dirty_.empty() || ring_size_ > 0 || ops_head_ < ops_.size(); });
      have_work = !dirty_.empty() || ring_size_ > 0 || ops_head_ < ops_.size();
      if (!have_work) {
        completed_ = enqueued_;
        idle_cv_.notify_all();
        if (stop_) return;
      }
    }
    if (have_work) {
      send_batch();
      last_activity = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_activity > std::chrono::seconds(1)) {
      // Heartbeat: notices an outage while the market is quiet.
      auto r = writer_->command({"PING"});
      if (!r.is_ok()) went_down(r.status().message());
      last_activity = std::chrono::steady_clock::now();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

template <typename Fn>
auto RedisHotCache::with_reader(Fn&& fn) -> std::optional<decltype(fn(std::declval<RedisConnection&>()))> {
  if (!reads_up_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(read_mu_);
  if (reader_ == nullptr) {
    auto conn = RedisConnection::connect(config_);
    if (!conn.is_ok()) return std::nullopt;
    reader_ = std::move(conn).value();
  }
  auto result = fn(*reader_);
  if (!result.is_ok() &&
      (result.status().code() == core::ErrorCode::kUnavailable || result.status().code() == core::ErrorCode::kTimeout)) {
    reader_.reset();  // the writer notices the outage on its own; this read answers from memory
    return std::nullopt;
  }
  return result;
}

core::Result<std::optional<model::Tick>> RedisHotCache::latest_tick(const model::Symbol& symbol) {
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::optional<model::Tick>> {
    std::string key = "tick:latest:" + symbol.str();
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"GET", key}));
    if (reply->type == REDIS_REPLY_NIL) return std::optional<model::Tick>{};
    if (reply->type != REDIS_REPLY_STRING) return unexpected_reply("GET " + key, reply.get());
    NIFTY_ASSIGN_OR_RETURN(auto tick, decode_latest_tick(symbol, std::string_view(reply->str, reply->len)));
    return std::optional<model::Tick>(tick);
  });
  if (r) return std::move(*r);
  return memory_.latest_tick(symbol);
}

core::Result<std::optional<model::Candle>> RedisHotCache::current_candle(const model::Symbol& symbol) {
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::optional<model::Candle>> {
    std::string key = "candle:current:" + symbol.str();
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"HGETALL", key}));
    if (reply->type != REDIS_REPLY_ARRAY) return unexpected_reply("HGETALL " + key, reply.get());
    if (reply->elements == 0) return std::optional<model::Candle>{};
    model::Candle k;
    k.symbol = symbol;
    int seen = 0;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
      std::string_view f(reply->element[i]->str, reply->element[i]->len);
      std::string_view v(reply->element[i + 1]->str, reply->element[i + 1]->len);
      auto price = [&](model::Price& out) -> core::Status {
        auto p = model::Price::parse(v);
        if (!p) {
          return core::error(core::ErrorCode::kParseError,
                             "redis " + key + ": field '" + std::string(f) + "' is not a price: " + std::string(v));
        }
        out = *p;
        ++seen;
        return core::Status::ok();
      };
      auto integer = [&](int64_t& out) -> core::Status {
        char* end = nullptr;
        std::string s(v);
        long long x = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0') {
          return core::error(core::ErrorCode::kParseError,
                             "redis " + key + ": field '" + std::string(f) + "' is not an integer: " + s);
        }
        out = x;
        return core::Status::ok();
      };
      if (f == "open") NIFTY_RETURN_IF_ERROR(price(k.open));
      else if (f == "high") NIFTY_RETURN_IF_ERROR(price(k.high));
      else if (f == "low") NIFTY_RETURN_IF_ERROR(price(k.low));
      else if (f == "close") NIFTY_RETURN_IF_ERROR(price(k.close));
      else if (f == "vwap") NIFTY_RETURN_IF_ERROR(price(k.vwap));
      else if (f == "volume") { NIFTY_RETURN_IF_ERROR(integer(k.volume)); ++seen; }
      else if (f == "start_ns") { int64_t n = 0; NIFTY_RETURN_IF_ERROR(integer(n)); k.start = core::Timestamp(n); }
      else if (f == "trades") { int64_t n = 0; NIFTY_RETURN_IF_ERROR(integer(n)); k.trades = static_cast<int32_t>(n); }
      else if (f == "interval") {
        if (auto iv = model::parse_interval(v)) k.interval = *iv;
      }
    }
    if (seen < 5) {
      return core::error(core::ErrorCode::kParseError, "redis " + key + ": open, high, low, close or volume missing");
    }
    return std::optional<model::Candle>(k);
  });
  if (r) return std::move(*r);
  return memory_.current_candle(symbol);
}

core::Result<std::optional<model::Scorecard>> RedisHotCache::scorecard(const model::Symbol& symbol) {
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::optional<model::Scorecard>> {
    std::string sym = symbol.str();
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"HGET", kScorecards, sym}));
    if (reply->type == REDIS_REPLY_NIL) return std::optional<model::Scorecard>{};
    if (reply->type != REDIS_REPLY_STRING) return unexpected_reply("HGET scorecards:latest", reply.get());
    NIFTY_ASSIGN_OR_RETURN(auto card, model::decode_scorecard(std::string_view(reply->str, reply->len)));
    return std::optional<model::Scorecard>(std::move(card));
  });
  if (r) return std::move(*r);
  return memory_.scorecard(symbol);
}

core::Result<std::vector<model::Scorecard>> RedisHotCache::scorecards() {
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::vector<model::Scorecard>> {
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"HVALS", kScorecards}));
    if (reply->type != REDIS_REPLY_ARRAY) return unexpected_reply("HVALS scorecards:latest", reply.get());
    std::vector<model::Scorecard> out;
    for (size_t i = 0; i < reply->elements; ++i) {
      NIFTY_ASSIGN_OR_RETURN(auto card, model::decode_scorecard(std::string_view(reply->element[i]->str,
                                                                                 reply->element[i]->len)));
      out.push_back(std::move(card));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.symbol < b.symbol; });
    return out;
  });
  if (r) return std::move(*r);
  return memory_.scorecards();
}

core::Result<std::vector<Gainer>> RedisHotCache::top_gainers(size_t n) {
  if (n == 0) return std::vector<Gainer>{};
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::vector<Gainer>> {
    std::string count = std::to_string(n);
    NIFTY_ASSIGN_OR_RETURN(auto reply,
                           c.command({"ZREVRANGEBYSCORE", kGainers, "+inf", "(0", "WITHSCORES", "LIMIT", "0", count}));
    if (reply->type != REDIS_REPLY_ARRAY) return unexpected_reply("ZREVRANGEBYSCORE market:gainers", reply.get());
    std::vector<Gainer> out;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
      std::string_view sym(reply->element[i]->str, reply->element[i]->len);
      if (!model::Symbol::valid(sym)) continue;
      out.push_back({model::Symbol(sym), std::strtod(reply->element[i + 1]->str, nullptr)});
    }
    return out;
  });
  if (r) return std::move(*r);
  return memory_.top_gainers(n);
}

core::Result<std::vector<model::Signal>> RedisHotCache::recent_signals(size_t n) {
  if (n == 0) return std::vector<model::Signal>{};
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::vector<model::Signal>> {
    std::string last = std::to_string(std::min(n, kRecentSignalsCapacity) - 1);
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"LRANGE", kSignalRecent, "0", last}));
    if (reply->type != REDIS_REPLY_ARRAY) return unexpected_reply("LRANGE signal:recent", reply.get());
    std::vector<model::Signal> out;
    for (size_t i = 0; i < reply->elements; ++i) {
      NIFTY_ASSIGN_OR_RETURN(auto sig, model::decode_signal(std::string_view(reply->element[i]->str,
                                                                             reply->element[i]->len)));
      out.push_back(std::move(sig));
    }
    return out;
  });
  if (r) return std::move(*r);
  return memory_.recent_signals(n);
}

core::Result<std::optional<model::MarketView>> RedisHotCache::market_view() {
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::optional<model::MarketView>> {
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"GET", kMarketViewKey}));
    if (reply->type == REDIS_REPLY_NIL) return std::optional<model::MarketView>{};
    if (reply->type != REDIS_REPLY_STRING) return unexpected_reply("GET market:view", reply.get());
    NIFTY_ASSIGN_OR_RETURN(auto view, model::decode_market_view(std::string_view(reply->str, reply->len)));
    return std::optional<model::MarketView>(std::move(view));
  });
  if (r) return std::move(*r);
  return memory_.market_view();
}

core::Result<std::vector<model::Candle>> RedisHotCache::recent_candles(const model::Symbol& symbol,
                                                                       model::Interval interval, size_t n) {
  if (n == 0) return std::vector<model::Candle>{};
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::vector<model::Candle>> {
    std::string key;
    append_recent_key(key, symbol, interval);
    std::string first = "-" + std::to_string(n);
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"LRANGE", key, first, "-1"}));
    if (reply->type != REDIS_REPLY_ARRAY) return unexpected_reply("LRANGE " + key, reply.get());
    std::vector<model::Candle> out;
    out.reserve(reply->elements);
    for (size_t i = 0; i < reply->elements; ++i) {
      auto k = model::decode_candle(std::string_view(reply->element[i]->str, reply->element[i]->len));
      if (!k.is_ok()) return core::error(k.status().code(), "redis " + key + ": " + k.status().message());
      k->interval = interval;
      out.push_back(*k);
    }
    return out;
  });
  if (r) return std::move(*r);
  return memory_.recent_candles(symbol, interval, n);
}


// ---------------------------------------------------------------------------------------------
// API-key records: written and dropped synchronously on the read connection (see the header).

core::Status RedisHotCache::set_api_key(const ApiKeyHash& hash, const ApiKey& key, std::chrono::seconds ttl) {
  NIFTY_RETURN_IF_ERROR(memory_.set_api_key(hash, key, ttl));
  const std::string name = api_key_redis_key(hash);
  auto r = with_reader([&](RedisConnection& c) -> core::Result<bool> {
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"SET", name, encode_api_key(key), "EX", std::to_string(ttl.count())}));
    if (reply->type != REDIS_REPLY_STATUS) return unexpected_reply("SET " + name, reply.get());
    return true;
  });
  if (r && !r->is_ok()) return r->status();
  return core::Status::ok();  // Redis down: the memory cache holds it (the fallback)
}

core::Result<std::optional<ApiKey>> RedisHotCache::api_key(const ApiKeyHash& hash) {
  auto r = with_reader([&](RedisConnection& c) -> core::Result<std::optional<ApiKey>> {
    const std::string name = api_key_redis_key(hash);
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"GET", name}));
    if (reply->type == REDIS_REPLY_NIL) return std::optional<ApiKey>{};
    if (reply->type != REDIS_REPLY_STRING) return unexpected_reply("GET " + name, reply.get());
    NIFTY_ASSIGN_OR_RETURN(auto key, decode_api_key(name, std::string_view(reply->str, reply->len)));
    return std::optional<ApiKey>(std::move(key));
  });
  if (r) return std::move(*r);
  return memory_.api_key(hash);
}

core::Status RedisHotCache::drop_api_key(const ApiKeyHash& hash) {
  NIFTY_RETURN_IF_ERROR(memory_.drop_api_key(hash));
  const std::string name = api_key_redis_key(hash);
  auto r = with_reader([&](RedisConnection& c) -> core::Result<bool> {
    NIFTY_ASSIGN_OR_RETURN(auto reply, c.command({"DEL", name}));
    if (reply->type != REDIS_REPLY_INTEGER) return unexpected_reply("DEL " + name, reply.get());
    return true;
  });
  if (!r) {
    return core::error(core::ErrorCode::kUnavailable,
                       "redis " + config_.host + ":" + std::to_string(config_.port) + " is down: " + name +
                           " not dropped; it expires within its TTL");
  }
  return r->is_ok() ? core::Status::ok() : r->status();
}

}  // namespace nifty::store
