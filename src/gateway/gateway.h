// Gateway: the API of spec layer 7 — REST (/api/v1/...), /health, /metrics, /docs and the
// WebSocket /ws — over net::HttpServer (Boost.Beast). API keys (X-API-KEY, SHA-256 hashed,
// cache-aside, see api_key_auth.h), a token bucket per key (429 + Retry-After), request
// validation (unknown symbol 404, bad parameter 400 naming it; JSON error bodies), one JSON access
// log line per request (request id, route, status, latency, key id; never the key).
//
// Routes are one table (kRoutes in gateway.cpp): the router dispatches from it and /docs/openapi.json is
// generated from it, so the document cannot drift from what is served.
//
// WebSocket /ws (key in X-API-KEY or ?api_key=): the client sends
//   {"action":"subscribe","channels":["ticks:RELIANCE","candles:*","analysis:TCS","signals","market"]}
//   {"action":"unsubscribe","channels":[...]}
// and gets {"type":"ack","action":"subscribe","channels":[...]} or
// {"type":"error","error":{"code":"bad_request","message":"..."}}; then pushes
// {"channel":"ticks:RELIANCE","data":<the topic's JSON of model/json_codec.h>} and heartbeats
// {"type":"heartbeat","time":"..."}. Each message is encoded once and shared by every receiver;
// a client whose send queue overflows is closed with 1008 by the server, never slowing the others.
//
// Threading: start() and stop() from a non-io thread; publish() from any thread (bus subscriber
// threads). Dependencies must outlive the gateway, except the bus, whose handlers hold only a
// shared hub that outlives the gateway.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/status.h"
#include "model/instrument.h"
#include "net/http_server.h"
#include "store/api_key_store.h"
#include "store/candle_store.h"
#include "store/hot_cache.h"
#include "store/signal_store.h"

namespace nifty::gateway {

struct GatewayConfig {
  std::string bind_address = "127.0.0.1";
  // 0 = an OS-chosen port (tests).
  uint16_t port = 8080;
  // io threads.
  int threads = 2;
  // false: no key needed anywhere (local use only).
  bool auth_enabled = true;
  // /health and /metrics answer without a key.
  bool open_health = true;
  bool open_metrics = true;
  // How long a key record read from the store stays in the hot cache. Revocation bound: a key
  // revoked through this gateway, or through `nifty keys revoke` with a shared Redis cache, is
  // refused within 1 s (the in-process layer, kGatewayLocalKeyTtl); otherwise within
  // key_cache_ttl + 1 s.
  std::chrono::seconds key_cache_ttl{300};
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  // Largest `limit` of /api/v1/candles and /api/v1/signals.
  size_t max_limit = 5000;
  // One JSON line per request on the "gateway" logger.
  bool access_log = true;
  // WebSocket: per-client send queue bounds (beyond: closed with 1008 "slow consumer").
  size_t ws_max_queued_messages = 1024;
  size_t ws_max_queued_bytes = 8 * 1024 * 1024;
  // Application heartbeat to every WebSocket client; 0 = none. The server also pings idle clients.
  std::chrono::milliseconds ws_heartbeat_interval{15'000};
  std::chrono::milliseconds ws_ping_interval{15'000};
  size_t max_connections = 10'000;
  // Name of the gateway's bus subscriptions (the consumer group on Kafka: give each gateway
  // process its own, so that each receives every message for its WebSocket clients).
  std::string bus_subscriber = "gateway";
};

// One readiness check of /health ("store", "cache", "bus", "feeds"): ok, or why not.
struct HealthCheck {
  std::string name;
  std::function<core::Status()> check;
};

struct GatewayDeps {
  store::HotCache* cache = nullptr;            // required
  store::CandleStore* candles = nullptr;       // optional: candles beyond the hot cache
  store::SignalStore* signals = nullptr;       // optional: else recent signals from the cache
  store::ApiKeyStore* keys = nullptr;          // required when auth is enabled
  const model::Universe* universe = nullptr;   // required: known symbols
  const core::Clock* clock = nullptr;          // required (ManualClock in tests)
  bus::Bus* bus = nullptr;                     // optional: WebSocket push from its topics
  std::vector<HealthCheck> health;
};

class Gateway {
 public:
  // Checks deps, subscribes to the bus (queued), binds and starts serving. kInvalidArgument for
  // missing deps, kIoError when the address cannot be bound.
  static core::Result<std::unique_ptr<Gateway>> start(GatewayConfig config, GatewayDeps deps);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  uint16_t port() const;
  // Graceful stop (see HttpServer::stop); idempotent.
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(3));
  // Pushes one bus message to the WebSocket subscribers of its channel.
  void publish(bus::Topic topic, const bus::Message& message);
  net::HttpServerStats server_stats() const;
  // WebSocket clients currently connected (subscribed or not).
  size_t websocket_clients() const;
  // The OpenAPI 3 document served at /docs/openapi.json.
  std::string openapi_json() const;

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nifty::gateway
