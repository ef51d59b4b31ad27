#include "gateway/gateway.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <thread>

#include "core/log.h"
#include "core/metrics.h"
#include "gateway/api_key_auth.h"
#include "gateway/token_bucket.h"
#include "gateway/ws_hub.h"
#include "model/json_codec.h"
#include "store/redis/candle_read_through.h"

namespace nifty::gateway {

using net::HttpServerRequest;
using net::HttpServerResponse;

namespace {

struct ParamSpec {
  const char* name;
  const char* type;  // OpenAPI schema type
  bool required;
  const char* description;
};

// Per-request state passed to handlers.
struct RequestContext {
  std::string key_id;  // empty when no key was needed
};

using RouteFn = HttpServerResponse (Gateway::Impl::*)(const HttpServerRequest&, RequestContext&);

struct RouteSpec {
  const char* method;
  const char* path;
  const char* summary;
  // Open routes need no key; /health and /metrics are open when configured so.
  enum class Access { kKey, kHealth, kMetrics, kOpen } access;
  std::vector<ParamSpec> params;
  std::vector<int> statuses;
  RouteFn fn;
  const char* content_type;  // of the 200 answer
};

constexpr int kStatusSlots[] = {200, 400, 401, 404, 405, 429, 500, 503};

HttpServerResponse json_error(int status, std::string_view code, std::string_view message) {
  return HttpServerResponse::error(status, code, message);
}

std::string status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad parameter (the error names it)";
    case 401: return "Missing, unknown or revoked API key";
    case 404: return "Unknown symbol, or no data for it yet";
    case 405: return "Method not allowed";
    case 429: return "Rate limit exceeded (see Retry-After)";
    case 503: return "A dependency (store, cache) is unavailable, or not ready";
    default: return "Error";
  }
}

}  // namespace

struct BusLink {
  std::shared_mutex mu;
  Gateway::Impl* impl = nullptr;  // guarded by mu; null once the gateway stopped
};

struct Gateway::Impl final : net::HttpServerHandler {
  GatewayConfig config;
  GatewayDeps deps;
  std::vector<RouteSpec> routes;
  std::unique_ptr<ApiKeyAuth> auth;
  RateLimiter limiter;
  std::shared_ptr<WsHub> hub;
  std::unique_ptr<store::CandleReadThrough> read_through;
  std::unique_ptr<net::HttpServer> server;
  std::string openapi;
  std::string docs_html;
  core::Logger& log = core::Logger::get("gateway");

  // Metrics, looked up once: per route (and one slot for unmatched), per status slot.
  std::vector<std::array<core::Counter*, std::size(kStatusSlots) + 1>> request_counters;
  std::vector<core::Histogram*> durations;
  core::Counter* auth_failures = nullptr;
  core::Counter* rate_limited = nullptr;
  core::Counter* bad_requests = nullptr;

  // Heartbeat thread.
  std::thread heartbeat;
  std::mutex hb_mu;
  std::condition_variable hb_cv;
  bool stopping = false;
  std::atomic<bool> stopped{false};
  std::shared_ptr<struct BusLink> bus_link;

  Impl(GatewayConfig c, GatewayDeps d) : config(std::move(c)), deps(std::move(d)) {}

  void build_routes();
  void build_metrics();
  void build_docs();

  HttpServerResponse handle(const HttpServerRequest& request) override;
  net::UpgradeDecision on_upgrade(const HttpServerRequest& request) override;

  // Authenticates and rate-limits; nullopt when allowed (ctx.key_id set), else the refusal.
  std::optional<HttpServerResponse> admit(const HttpServerRequest& request, RouteSpec::Access access,
                                          RequestContext& ctx);
  void count(size_t route_index, int status, double seconds);

  // Validation helpers: nullopt on success with `out` set; else the 400/404.
  std::optional<HttpServerResponse> check_params(const HttpServerRequest& request, const RouteSpec& route);
  std::optional<HttpServerResponse> symbol_param(const HttpServerRequest& request, model::Symbol& out,
                                                 bool required, bool& present);
  std::optional<HttpServerResponse> time_param(const HttpServerRequest& request, const char* name,
                                               std::optional<core::Timestamp>& out);
  std::optional<HttpServerResponse> limit_param(const HttpServerRequest& request, size_t fallback, size_t& out);

  HttpServerResponse analyze(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse analyze_market(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse candles(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse signals(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse gainers(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse health(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse live(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse metrics(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse docs(const HttpServerRequest& request, RequestContext& ctx);
  HttpServerResponse openapi_doc(const HttpServerRequest& request, RequestContext& ctx);

  void publish(bus::Topic topic, const bus::Message& message);
  void heartbeat_loop();
};

void Gateway::Impl::build_routes() {
  using A = RouteSpec::Access;
  const ParamSpec symbol{"symbol", "string", true, "NSE symbol of a Nifty 50 stock, e.g. RELIANCE"};
  routes = {
      {"GET", "/api/v1/analyze", "Latest analysis of one stock (indicators, scores, AI view, recommendation)",
       A::kKey, {symbol}, {200, 400, 401, 404, 429, 503}, &Impl::analyze, "application/json"},
      {"GET", "/api/v1/analyze/market", "Market view: breadth, gainers and losers, sentiment, index level",
       A::kKey, {}, {200, 401, 404, 429, 503}, &Impl::analyze_market, "application/json"},
      {"GET", "/api/v1/candles", "Candles of one stock, oldest first",
       A::kKey,
       {symbol,
        {"interval", "string", false, "1m (default), 5m, 15m, 1h or 1d"},
        {"from", "string", false, "first candle start: ISO-8601 or unix seconds (inclusive)"},
        {"to", "string", false, "end: ISO-8601 or unix seconds (exclusive)"},
        {"limit", "integer", false, "at most this many candles (default 100); without from, the newest"}},
       {200, 400, 401, 404, 429, 503}, &Impl::candles, "application/json"},
      {"GET", "/api/v1/signals", "Signals, oldest first",
       A::kKey,
       {{"since", "string", false, "ISO-8601 or unix seconds (default: 24 hours ago)"},
        {"symbol", "string", false, "only this stock's signals"},
        {"limit", "integer", false, "at most this many, the newest (default 100)"}},
       {200, 400, 401, 404, 429, 503}, &Impl::signals, "application/json"},
      {"GET", "/api/v1/market/gainers", "Stocks with the largest positive day change, largest first",
       A::kKey, {{"limit", "integer", false, "how many (default 10)"}}, {200, 400, 401, 429, 503}, &Impl::gainers,
       "application/json"},
      {"GET", "/health", "Liveness and readiness (store, cache, bus, feeds); 503 when not ready", A::kHealth, {},
       {200, 401, 503}, &Impl::health, "application/json"},
      {"GET", "/health/live", "Liveness only: 200 while the process serves", A::kHealth, {}, {200, 401},
       &Impl::live, "application/json"},
      {"GET", "/metrics", "Prometheus metrics (text format 0.0.4)", A::kMetrics, {}, {200, 401}, &Impl::metrics,
       "text/plain"},
      {"GET", "/docs", "This API, readable", A::kOpen, {}, {200}, &Impl::docs, "text/html"},
      {"GET", "/docs/openapi.json", "This API as an OpenAPI 3 document", A::kOpen, {}, {200}, &Impl::openapi_doc,
       "application/json"},
  };
}

void Gateway::Impl::build_metrics() {
  auto& reg = core::MetricsRegistry::global();
  request_counters.resize(routes.size() + 1);
  durations.resize(routes.size() + 1);
  for (size_t r = 0; r <= routes.size(); ++r) {
    std::string route = r < routes.size() ? routes[r].path : "unmatched";
    for (size_t s = 0; s <= std::size(kStatusSlots); ++s) {
      std::string status = s < std::size(kStatusSlots) ? std::to_string(kStatusSlots[s]) : "other";
      request_counters[r][s] = &reg.counter("gateway_http_requests_total", "HTTP requests answered by the gateway",
                                            {{"route", route}, {"status", status}});
    }
    durations[r] = &reg.histogram("gateway_http_request_duration_seconds", "Time to answer a request",
                                  {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25},
                                  {{"route", route}});
  }
  auth_failures = &reg.counter("gateway_auth_failures_total", "Requests refused for a missing, unknown or revoked key");
  rate_limited = &reg.counter("gateway_rate_limited_total", "Requests refused by the token bucket (429)");
  bad_requests = &reg.counter("gateway_bad_requests_total", "Requests refused by validation (400, 404)");
}

void Gateway::Impl::build_docs() {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& r : routes) {
    nlohmann::json op;
    op["summary"] = r.summary;
    op["operationId"] = std::string(r.path);
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : r.params) {
      params.push_back({{"name", p.name},
                        {"in", "query"},
                        {"required", p.required},
                        {"description", p.description},
                        {"schema", {{"type", p.type}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    nlohmann::json responses = nlohmann::json::object();
    for (int s : r.statuses) {
      nlohmann::json resp = {{"description", status_text(s)}};
      if (s == 200) {
        resp["content"] = {{r.content_type, nlohmann::json::object()}};
      } else {
        resp["content"] = {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}};
      }
      if (s == 429) resp["headers"] = {{"Retry-After", {{"schema", {{"type", "integer"}}}}}};
      responses[std::to_string(s)] = resp;
    }
    op["responses"] = responses;
    bool needs_key = r.access == RouteSpec::Access::kKey ||
                     (r.access == RouteSpec::Access::kHealth && !config.open_health) ||
                     (r.access == RouteSpec::Access::kMetrics && !config.open_metrics);
    if (!needs_key || !config.auth_enabled) op["security"] = nlohmann::json::array();
    paths[r.path][std::string(r.method == std::string_view("GET") ? "get" : "post")] = op;
  }
  nlohmann::json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "nifty API"},
        {"version", "1"},
        {"description",
         "REST API of nifty (Nifty 50 market data, analysis and signals). WebSocket: GET /ws, then send "
         "{\"action\":\"subscribe\",\"channels\":[\"ticks:RELIANCE\",\"candles:*\",\"analysis:TCS\",\"signals\","
         "\"market\"]}. Limits per key: token bucket (standard 10 req/s, premium 50 req/s)."}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"ApiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-KEY"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"properties",
             {{"status", {{"type", "string"}}},
              {"error",
               {{"type", "object"},
                {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}},
      {"security", nlohmann::json::array({{{"ApiKey", nlohmann::json::array()}}})},
  };
  openapi = doc.dump(2);
  docs_html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>nifty API</title></head><body><h1>nifty API</h1>"
      "<p>Send your key in the <code>X-API-KEY</code> header. Machine-readable: "
      "<a href=\"/docs/openapi.json\">/docs/openapi.json</a>.</p><table border=\"1\" cellpadding=\"4\">"
      "<tr><th>method</th><th>path</th><th>what</th><th>parameters</th></tr>";
  auto esc = [](std::string_view s) {
    std::string o;
    for (char c : s) {
      if (c == '<') o += "&lt;";
      else if (c == '>') o += "&gt;";
      else if (c == '&') o += "&amp;";
      else o += c;
    }
    return o;
  };
  for (const auto& r : routes) {
    docs_html += "<tr><td>" + std::string(r.method) + "</td><td><code>" + esc(r.path) + "</code></td><td>" +
                 esc(r.summary) + "</td><td>";
    for (const auto& p : r.params) {
      docs_html += "<code>" + esc(p.name) + "</code>" + (p.required ? " (required)" : "") + ": " +
                   esc(p.description) + "<br>";
    }
    docs_html += "</td></tr>";
  }
  docs_html +=
      "<tr><td>GET</td><td><code>/ws</code></td><td>WebSocket: subscribe to ticks:SYMBOL, candles:SYMBOL, "
      "analysis:SYMBOL (SYMBOL or *), signals, market</td><td></td></tr></table></body></html>";
}

void Gateway::Impl::count(size_t route_index, int status, double seconds) {
  size_t slot = std::size(kStatusSlots);
  for (size_t s = 0; s < std::size(kStatusSlots); ++s) {
    if (kStatusSlots[s] == status) slot = s;
  }
  request_counters[route_index][slot]->inc();
  durations[route_index]->observe(seconds);
}

std::optional<HttpServerResponse> Gateway::Impl::admit(const HttpServerRequest& request, RouteSpec::Access access,
                                                       RequestContext& ctx) {
  if (!config.auth_enabled || access == RouteSpec::Access::kOpen) return std::nullopt;
  if (access == RouteSpec::Access::kHealth && config.open_health) return std::nullopt;
  if (access == RouteSpec::Access::kMetrics && config.open_metrics) return std::nullopt;
  std::string_view key;
  if (auto h = request.header("X-API-KEY")) {
    key = *h;
  } else if (request.path == "/ws") {
    if (auto q = request.query_param("api_key")) key = *q;
  }
  auto principal = auth->authenticate(key);
  if (!principal.is_ok()) {
    if (principal.status().code() == core::ErrorCode::kUnavailable) {
      return json_error(503, "unavailable", "cannot check the API key now: the key store is unavailable");
    }
    auth_failures->inc();
    auto resp = json_error(401, "unauthenticated", principal.status().message());
    resp.headers.emplace_back("WWW-Authenticate", "ApiKey header=\"X-API-KEY\"");
    return resp;
  }
  ctx.key_id = principal->key_id;
  RateDecision d = limiter.check(principal->key_id, principal->rate_per_second, principal->burst, deps.clock->now());
  if (!d.allowed) {
    rate_limited->inc();
    auto resp = json_error(429, "rate_limited",
                           "rate limit of key '" + principal->key_id + "' exceeded (" +
                               std::to_string(principal->rate_per_second) + " req/s, burst " +
                               std::to_string(static_cast<int64_t>(principal->burst)) + ")");
    resp.headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
    return resp;
  }
  return std::nullopt;
}

HttpServerResponse Gateway::Impl::handle(const HttpServerRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  RequestContext ctx;
  size_t route_index = routes.size();
  bool path_known = false;
  for (size_t i = 0; i < routes.size(); ++i) {
    if (request.path == routes[i].path) {
      path_known = true;
      if (request.method == routes[i].method) {
        route_index = i;
        break;
      }
    }
  }
  HttpServerResponse resp;
  if (route_index == routes.size()) {
    if (path_known) {
      resp = json_error(405, "method_not_allowed", "method " + request.method + " not allowed on " + request.path);
      resp.headers.emplace_back("Allow", "GET");
    } else {
      resp = json_error(404, "not_found", "no route " + request.path);
    }
  } else {
    const RouteSpec& route = routes[route_index];
    if (auto refusal = admit(request, route.access, ctx)) {
      resp = std::move(*refusal);
    } else if (auto bad = check_params(request, route)) {
      resp = std::move(*bad);
    } else {
      resp = (this->*route.fn)(request, ctx);
    }
  }
  if (resp.status == 400 || resp.status == 404) bad_requests->inc();
  resp.headers.emplace_back("X-Request-Id", std::to_string(request.id));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  count(route_index, resp.status, seconds);
  if (config.access_log) {
    log.info("request", {{"request_id", request.id},
                         {"method", request.method},
                         {"route", route_index < routes.size() ? std::string_view(routes[route_index].path)
                                                               : std::string_view("unmatched")},
                         {"path", request.path},
                         {"status", resp.status},
                         {"latency_us", static_cast<int64_t>(seconds * 1e6)},
                         {"key_id", ctx.key_id},
                         {"remote", request.remote_address}});
  }
  return resp;
}

net::UpgradeDecision Gateway::Impl::on_upgrade(const HttpServerRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  RequestContext ctx;
  net::UpgradeDecision decision;
  int status = 101;
  if (request.path != "/ws") {
    decision = net::UpgradeDecision::refuse(json_error(404, "not_found", "no WebSocket endpoint " + request.path));
  } else if (auto refusal = admit(request, RouteSpec::Access::kKey, ctx)) {
    decision = net::UpgradeDecision::refuse(std::move(*refusal));
  } else {
    decision = net::UpgradeDecision::accept(*hub);
  }
  if (decision.handler == nullptr) status = decision.refusal.status;
  if (config.access_log) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log.info("request", {{"request_id", request.id},
                         {"method", request.method},
                         {"route", "/ws"},
                         {"path", request.path},
                         {"status", status},
                         {"latency_us", static_cast<int64_t>(seconds * 1e6)},
                         {"key_id", ctx.key_id},
                         {"remote", request.remote_address}});
  }
  return decision;
}

std::optional<HttpServerResponse> Gateway::Impl::check_params(const HttpServerRequest& request,
                                                              const RouteSpec& route) {
  for (const auto& [name, value] : request.query_params) {
    bool known = std::any_of(route.params.begin(), route.params.end(),
                             [&](const ParamSpec& p) { return name == p.name; });
    if (!known) {
      return json_error(400, "bad_parameter", "unknown parameter '" + name + "' for " + route.path);
    }
  }
  if (!request.query.empty()) {
    // A malformed escape leaves a raw parameter that does not decode: the server drops it, so
    // compare counts to name it.
    size_t raw = static_cast<size_t>(std::count(request.query.begin(), request.query.end(), '&')) + 1;
    if (raw != request.query_params.size()) {
      std::string_view q = request.query;
      while (!q.empty()) {
        auto amp = q.find('&');
        auto part = q.substr(0, amp);
        auto eq = part.find('=');
        if (!net::decode_query_component(part.substr(0, eq)) ||
            (eq != std::string_view::npos && !net::decode_query_component(part.substr(eq + 1)))) {
          return json_error(400, "bad_parameter", "malformed query parameter '" + std::string(part) + "'");
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
      }
    }
  }
  return std::nullopt;
}

std::optional<HttpServerResponse> Gateway::Impl::symbol_param(const HttpServerRequest& request, model::Symbol& out,
                                                              bool required, bool& present) {
  auto v = request.query_param("symbol");
  present = v.has_value();
  if (!v) {
    if (required) return json_error(400, "bad_parameter", "missing parameter 'symbol'");
    return std::nullopt;
  }
  if (!model::Symbol::valid(*v)) {
    return json_error(400, "bad_parameter", "parameter 'symbol' must be 1 to 23 characters");
  }
  out = model::Symbol(*v);
  if (deps.universe->find(out) == nullptr) {
    return json_error(404, "unknown_symbol", "unknown symbol '" + std::string(*v) + "'");
  }
  return std::nullopt;
}

std::optional<HttpServerResponse> Gateway::Impl::time_param(const HttpServerRequest& request, const char* name,
                                                            std::optional<core::Timestamp>& out) {
  auto v = request.query_param(name);
  if (!v) return std::nullopt;
  int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
  if (ec == std::errc() && ptr == v->data() + v->size()) {
    if (seconds < 0 || seconds > 4'102'444'800) {  // 2100-01-01
      return json_error(400, "bad_parameter", std::string("parameter '") + name + "' is out of range");
    }
    out = core::Timestamp::from_seconds(seconds);
    return std::nullopt;
  }
  auto t = core::Timestamp::parse(*v);
  if (!t.is_ok()) {
    return json_error(400, "bad_parameter",
                      std::string("parameter '") + name + "' must be ISO-8601 or unix seconds: " + t.status().message());
  }
  out = *t;
  return std::nullopt;
}

std::optional<HttpServerResponse> Gateway::Impl::limit_param(const HttpServerRequest& request, size_t fallback,
                                                             size_t& out) {
  out = fallback;
  auto v = request.query_param("limit");
  if (!v) return std::nullopt;
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || n == 0 || n > config.max_limit) {
    return json_error(400, "bad_parameter",
                      "parameter 'limit' must be an integer from 1 to " + std::to_string(config.max_limit));
  }
  out = static_cast<size_t>(n);
  return std::nullopt;
}

namespace {

HttpServerResponse unavailable(const core::Status& s, std::string_view what) {
  return json_error(503, "unavailable", std::string(what) + " unavailable: " + s.message());
}

void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace

HttpServerResponse Gateway::Impl::analyze(const HttpServerRequest& request, RequestContext&) {
  model::Symbol symbol;
  bool present = false;
  if (auto bad = symbol_param(request, symbol, true, present)) return std::move(*bad);
  auto sc = deps.cache->scorecard(symbol);
  if (!sc.is_ok()) return unavailable(sc.status(), "hot cache");
  if (!sc->has_value()) {
    return json_error(404, "no_data", "no analysis yet for '" + symbol.str() + "'");
  }
  const model::Scorecard& s = **sc;
  const int64_t age_ns = deps.clock->now() - s.timestamp;
  std::string out;
  out.reserve(1024);
  out += "{\"status\":\"success\",\"data\":{\"symbol\":\"";
  core::append_json_escaped(out, s.symbol.view());
  out += "\",\"timestamp\":\"";
  out += s.timestamp.to_iso_utc();
  out += "\",\"ltp\":";
  model::append_price(out, s.ltp);
  out += ",\"change\":";
  model::append_double(out, s.change);
  out += ",\"change_percent\":";
  model::append_double(out, s.change_percent);
  out += ",\"indicators\":{\"rsi\":";
  model::append_double(out, s.rsi);
  out += ",\"macd\":{\"value\":";
  model::append_double(out, s.macd.value);
  out += ",\"signal\":";
  model::append_double(out, s.macd.signal);
  out += ",\"histogram\":";
  model::append_double(out, s.macd.histogram);
  out += "},\"emas\":{\"50\":";
  model::append_double(out, s.ema50);
  out += ",\"100\":";
  model::append_double(out, s.ema100);
  out += ",\"200\":";
  model::append_double(out, s.ema200);
  out += "},\"bollinger\":{\"upper\":";
  model::append_double(out, s.bollinger.upper);
  out += ",\"middle\":";
  model::append_double(out, s.bollinger.middle);
  out += ",\"lower\":";
  model::append_double(out, s.bollinger.lower);
  out += "}},\"scores\":{\"trend\":";
  model::append_double(out, s.trend_score);
  out += ",\"momentum\":";
  model::append_double(out, s.momentum_score);
  out += ",\"composite\":";
  model::append_double(out, s.composite_score);
  out += "},\"ai\":{\"prediction\":";
  model::append_double(out, s.ai.prediction);
  out += ",\"confidence\":";
  model::append_double(out, s.ai.confidence);
  out += ",\"model_version\":\"";
  core::append_json_escaped(out, s.ai.model_version);
  out += "\"},\"recommendation\":\"";
  out += model::recommendation_name(s.recommendation);
  out += "\",\"meta\":{";
  append_key(out, "latency_ms");
  out += std::to_string(s.latency_ms());
  out += ",";
  append_key(out, "data_age_seconds");
  out += std::to_string(std::max<int64_t>(0, age_ns / core::kNanosPerSecond));
  out += "}}}";
  return HttpServerResponse::json(200, std::move(out));
}

HttpServerResponse Gateway::Impl::analyze_market(const HttpServerRequest&, RequestContext&) {
  auto view = deps.cache->market_view();
  if (!view.is_ok()) return unavailable(view.status(), "hot cache");
  if (!view->has_value()) return json_error(404, "no_data", "no market view yet");
  return HttpServerResponse::json(200, "{\"status\":\"success\",\"data\":" + model::encode_market_view(**view) + "}");
}

HttpServerResponse Gateway::Impl::candles(const HttpServerRequest& request, RequestContext&) {
  model::Symbol symbol;
  bool present = false;
  if (auto bad = symbol_param(request, symbol, true, present)) return std::move(*bad);
  model::Interval interval = model::Interval::k1m;
  if (auto v = request.query_param("interval")) {
    auto parsed = model::parse_interval(*v);
    if (!parsed) {
      return json_error(400, "bad_parameter", "parameter 'interval' must be one of 1m, 5m, 15m, 1h, 1d (got '" +
                                                  std::string(*v) + "')");
    }
    interval = *parsed;
  }
  std::optional<core::Timestamp> from, to;
  if (auto bad = time_param(request, "from", from)) return std::move(*bad);
  if (auto bad = time_param(request, "to", to)) return std::move(*bad);
  if (from && to && *to <= *from) {
    return json_error(400, "bad_parameter", "parameter 'to' must be after 'from'");
  }
  size_t limit = 0;
  if (auto bad = limit_param(request, 100, limit)) return std::move(*bad);
  std::vector<model::Candle> result;
  if (!from && !to) {
    core::Result<std::vector<model::Candle>> r =
        read_through ? read_through->last_n(symbol, interval, limit) : deps.cache->recent_candles(symbol, interval, limit);
    if (!r.is_ok()) return unavailable(r.status(), "candle store");
    result = std::move(*r);
  } else {
    if (deps.candles == nullptr) {
      return json_error(400, "bad_parameter", "parameters 'from' and 'to' need a candle store, and this gateway has none");
    }
    core::Timestamp lo = from.value_or(core::Timestamp(0));
    core::Timestamp hi = to.value_or(core::Timestamp::from_seconds(4'102'444'800));
    auto r = deps.candles->range(symbol, interval, lo, hi);
    if (!r.is_ok()) return unavailable(r.status(), "candle store");
    result = std::move(*r);
    if (result.size() > limit) {
      if (from) {
        result.resize(limit);
      } else {
        result.erase(result.begin(), result.end() - static_cast<std::ptrdiff_t>(limit));
      }
    }
  }
  std::string out = "{\"status\":\"success\",\"data\":{\"symbol\":\"";
  core::append_json_escaped(out, symbol.view());
  out += "\",\"interval\":\"";
  out += model::interval_name(interval);
  out += "\",\"candles\":[";
  for (size_t i = 0; i < result.size(); ++i) {
    if (i != 0) out += ',';
    out += model::encode_candle(result[i]);
  }
  out += "]}}";
  return HttpServerResponse::json(200, std::move(out));
}

HttpServerResponse Gateway::Impl::signals(const HttpServerRequest& request, RequestContext&) {
  std::optional<core::Timestamp> since;
  if (auto bad = time_param(request, "since", since)) return std::move(*bad);
  model::Symbol symbol;
  bool has_symbol = false;
  if (auto bad = symbol_param(request, symbol, false, has_symbol)) return std::move(*bad);
  size_t limit = 0;
  if (auto bad = limit_param(request, 100, limit)) return std::move(*bad);
  const core::Timestamp now = deps.clock->now();
  const core::Timestamp from = since.value_or(now - 24 * core::kNanosPerHour);
  std::vector<model::Signal> result;
  if (deps.signals != nullptr) {
    auto r = deps.signals->range(from, core::Timestamp::from_seconds(4'102'444'800),
                                 has_symbol ? std::optional<model::Symbol>(symbol) : std::nullopt);
    if (!r.is_ok()) return unavailable(r.status(), "signal store");
    result = std::move(*r);
  } else {
    auto r = deps.cache->recent_signals(store::kRecentSignalsCapacity);
    if (!r.is_ok()) return unavailable(r.status(), "hot cache");
    for (auto it = r->rbegin(); it != r->rend(); ++it) {
      if (it->timestamp >= from && (!has_symbol || it->symbol == symbol)) result.push_back(std::move(*it));
    }
  }
  if (result.size() > limit) result.erase(result.begin(), result.end() - static_cast<std::ptrdiff_t>(limit));
  std::string out = "{\"status\":\"success\",\"data\":{\"signals\":[";
  for (size_t i = 0; i < result.size(); ++i) {
    if (i != 0) out += ',';
    out += model::encode_signal(result[i]);
  }
  out += "]}}";
  return HttpServerResponse::json(200, std::move(out));
}

HttpServerResponse Gateway::Impl::gainers(const HttpServerRequest& request, RequestContext&) {
  size_t limit = 0;
  if (auto v = request.query_param("limit")) {
    if (auto bad = limit_param(request, 10, limit)) return std::move(*bad);
  } else {
    limit = 10;
  }
  auto r = deps.cache->top_gainers(limit);
  if (!r.is_ok()) return unavailable(r.status(), "hot cache");
  std::string out = "{\"status\":\"success\",\"data\":{\"gainers\":[";
  for (size_t i = 0; i < r->size(); ++i) {
    if (i != 0) out += ',';
    out += "{\"symbol\":\"";
    core::append_json_escaped(out, (*r)[i].symbol.view());
    out += "\",\"change_percent\":";
    model::append_double(out, (*r)[i].change_percent);
    out += '}';
  }
  out += "]}}";
  return HttpServerResponse::json(200, std::move(out));
}

HttpServerResponse Gateway::Impl::health(const HttpServerRequest&, RequestContext&) {
  nlohmann::json checks = nlohmann::json::object();
  bool ready = true;
  for (const auto& h : deps.health) {
    core::Status s = h.check ? h.check() : core::Status::ok();
    ready = ready && s.is_ok();
    checks[h.name] = {{"ok", s.is_ok()}, {"message", s.is_ok() ? std::string("ok") : s.to_string()}};
  }
  nlohmann::json body = {{"status", ready ? "ok" : "unavailable"}, {"live", true}, {"ready", ready},
                         {"checks", checks}};
  return HttpServerResponse::json(ready ? 200 : 503, body.dump());
}

HttpServerResponse Gateway::Impl::live(const HttpServerRequest&, RequestContext&) {
  return HttpServerResponse::json(200, "{\"status\":\"ok\",\"live\":true}");
}

HttpServerResponse Gateway::Impl::metrics(const HttpServerRequest&, RequestContext&) {
  HttpServerResponse r = HttpServerResponse::text(200, core::MetricsRegistry::global().render());
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

HttpServerResponse Gateway::Impl::docs(const HttpServerRequest&, RequestContext&) {
  HttpServerResponse r = HttpServerResponse::text(200, docs_html);
  r.content_type = "text/html; charset=utf-8";
  return r;
}

HttpServerResponse Gateway::Impl::openapi_doc(const HttpServerRequest&, RequestContext&) {
  return HttpServerResponse::json(200, openapi);
}

void Gateway::Impl::publish(bus::Topic topic, const bus::Message& message) {
  std::string_view kind;
  std::string_view symbol;
  model::Symbol key = bus::message_key(message);
  switch (topic) {
    case bus::Topic::kRawTicks: kind = "ticks"; symbol = key.view(); break;
    case bus::Topic::kMarketCandles: kind = "candles"; symbol = key.view(); break;
    case bus::Topic::kAnalysisUpdates: kind = "analysis"; symbol = key.view(); break;
    case bus::Topic::kSignals: kind = "signals"; break;
    case bus::Topic::kMarketView: kind = "market"; break;
  }
  if (!hub->has_subscribers(kind, symbol)) return;
  auto out = std::make_shared<std::string>();
  out->reserve(512);
  *out += "{\"channel\":\"";
  *out += kind;
  if (!symbol.empty()) {
    *out += ':';
    core::append_json_escaped(*out, symbol);
  }
  *out += "\",\"data\":";
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, model::Tick>) model::encode_tick(m, *out);
        else if constexpr (std::is_same_v<T, model::Candle>) *out += model::encode_candle(m);
        else if constexpr (std::is_same_v<T, model::Scorecard>) *out += model::encode_scorecard(m);
        else if constexpr (std::is_same_v<T, model::Signal>) *out += model::encode_signal(m);
        else *out += model::encode_market_view(m);
      },
      message);
  *out += '}';
  hub->broadcast(kind, symbol, std::shared_ptr<const std::string>(std::move(out)));
}

void Gateway::Impl::heartbeat_loop() {
  std::unique_lock lk(hb_mu);
  while (!stopping) {
    if (hb_cv.wait_for(lk, config.ws_heartbeat_interval, [&] { return stopping; })) break;
    lk.unlock();
    hub->send_all(std::make_shared<const std::string>("{\"type\":\"heartbeat\",\"time\":\"" +
                                                      deps.clock->now().to_iso_utc() + "\"}"));
    lk.lock();
  }
}

// ---------------------------------------------------------------------------------------------

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { stop(); }

core::Result<std::unique_ptr<Gateway>> Gateway::start(GatewayConfig config, GatewayDeps deps) {
  if (deps.cache == nullptr || deps.universe == nullptr || deps.clock == nullptr) {
    return core::error(core::ErrorCode::kInvalidArgument, "gateway: the hot cache, universe and clock are required");
  }
  if (config.auth_enabled && deps.keys == nullptr) {
    return core::error(core::ErrorCode::kInvalidArgument, "gateway: auth is enabled but no API key store was given");
  }
  if (config.max_limit == 0) return core::error(core::ErrorCode::kInvalidArgument, "gateway: max_limit must be > 0");
  auto impl = std::make_unique<Impl>(std::move(config), std::move(deps));
  Impl& i = *impl;
  i.build_routes();
  i.build_metrics();
  i.build_docs();
  if (i.deps.keys != nullptr) {
    i.auth = std::make_unique<ApiKeyAuth>(*i.deps.keys, i.deps.cache, *i.deps.clock,
                                          ApiKeyAuthOptions{.cache_ttl = i.config.key_cache_ttl,
                                                            .local_ttl = kGatewayLocalKeyTtl});
  }
  if (i.deps.candles != nullptr) i.read_through = std::make_unique<store::CandleReadThrough>(*i.deps.cache, *i.deps.candles);
  i.hub = std::make_shared<WsHub>(*i.deps.universe);

  net::HttpServerOptions o;
  o.bind_address = i.config.bind_address;
  o.port = i.config.port;
  o.threads = i.config.threads;
  o.max_header_bytes = i.config.max_header_bytes;
  o.max_body_bytes = i.config.max_body_bytes;
  o.max_connections = i.config.max_connections;
  o.ws_max_queued_messages = i.config.ws_max_queued_messages;
  o.ws_max_queued_bytes = i.config.ws_max_queued_bytes;
  o.ws_ping_interval = i.config.ws_ping_interval;
  o.server_name = "nifty-gateway";
  auto server = net::HttpServer::start(o, i);
  if (!server.is_ok()) return server.status();
  i.server = std::move(server).value();

  if (i.deps.bus != nullptr) {
    // The bus may outlive the gateway and has no unsubscribe: the handlers hold a shared link
    // that stop() cuts (waiting for a delivery in progress), after which deliveries do nothing.
    auto link = std::make_shared<BusLink>();
    link->impl = &i;
    i.bus_link = link;
    for (bus::Topic t : bus::kAllTopics) {
      auto st = i.deps.bus->subscribe(
          t, i.config.bus_subscriber,
          [link, t](const bus::Message& m) {
            std::shared_lock lk(link->mu);
            if (link->impl != nullptr) link->impl->publish(t, m);
          },
          bus::SubscribeOptions{.queued = true, .queue_capacity = 65536});
      if (!st.is_ok()) {
        i.server->stop(std::chrono::seconds(1));
        return st;
      }
    }
  }
  if (i.config.ws_heartbeat_interval.count() > 0) i.heartbeat = std::thread([&i] { i.heartbeat_loop(); });
  i.log.info("gateway listening", {{"address", i.config.bind_address}, {"port", i.server->port()},
                                   {"auth", i.config.auth_enabled}});
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

uint16_t Gateway::port() const { return impl_->server->port(); }

bool Gateway::stop(std::chrono::milliseconds timeout) {
  if (impl_->stopped.exchange(true)) return true;
  {
    std::lock_guard lk(impl_->hb_mu);
    impl_->stopping = true;
  }
  impl_->hb_cv.notify_all();
  if (impl_->heartbeat.joinable()) impl_->heartbeat.join();
  if (impl_->bus_link) {
    std::unique_lock lk(impl_->bus_link->mu);
    impl_->bus_link->impl = nullptr;
  }
  bool ok = impl_->server->stop(timeout);
  impl_->hub->clear();
  return ok;
}

void Gateway::publish(bus::Topic topic, const bus::Message& message) { impl_->publish(topic, message); }

net::HttpServerStats Gateway::server_stats() const { return impl_->server->stats(); }

size_t Gateway::websocket_clients() const { return impl_->hub->clients(); }

std::string Gateway::openapi_json() const { return impl_->openapi; }

}  // namespace nifty::gateway
