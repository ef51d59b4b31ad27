#include "engine/service_http.h"

#include "core/metrics.h"

namespace nifty::engine {

ServiceHttp::ServiceHttp(std::string service, std::function<ServiceHealth()> health, std::map<std::string, Route> routes)
    : service_(std::move(service)), health_(std::move(health)), routes_(std::move(routes)) {}

ServiceHttp::~ServiceHttp() { stop(); }

core::Status ServiceHttp::start(const std::string& address, uint16_t port) {
  net::HttpServerOptions options;
  options.bind_address = address;
  options.port = port;
  options.threads = 1;
  auto server = net::HttpServer::start(options, *this);
  if (!server) return server.status();
  server_ = std::move(server).value();
  return core::Status::ok();
}

uint16_t ServiceHttp::port() const { return server_ ? server_->port() : 0; }

void ServiceHttp::stop() {
  if (server_) {
    server_->stop(std::chrono::seconds(2));
    server_.reset();
  }
}

net::HttpServerResponse ServiceHttp::handle(const net::HttpServerRequest& request) {
  if (request.method != "GET") return net::HttpServerResponse::error(405, "method_not_allowed", "only GET is served");
  if (request.path == "/metrics") {
    net::HttpServerResponse r = net::HttpServerResponse::text(200, core::MetricsRegistry::global().render());
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  if (request.path == "/health") {
    ServiceHealth h = health_ ? health_() : ServiceHealth{};
    std::string body = std::string("{\"status\":\"") + (h.ok ? "ok" : "degraded") + "\",\"service\":\"" + service_ +
                       "\",\"detail\":" + h.detail_json + "}";
    return net::HttpServerResponse::json(h.ok ? 200 : 503, std::move(body));
  }
  if (auto it = routes_.find(request.path); it != routes_.end()) return it->second(request);
  return net::HttpServerResponse::error(404, "not_found", "no route " + request.path);
}

}  // namespace nifty::engine
