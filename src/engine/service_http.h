// ServiceHttp: the HTTP endpoint of a scale-out service (nifty ingest / candles / analyze-service)
// over net::HttpServer: GET /metrics (core::MetricsRegistry::global().render(), Prometheus text),
// GET /health ({"status":"ok"|"degraded","service":NAME,...}) and the routes a service adds.
// Threading: routes and the health callback run on the server's io threads, concurrently; they
// must be thread-safe and must not block. Construct and stop from one (non-io) thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http_server.h"

namespace nifty::engine {

struct ServiceHealth {
  bool ok = true;
  std::string detail_json = "{}";  // a JSON object added as "detail"
};

class ServiceHttp final : public net::HttpServerHandler {
 public:
  using Route = std::function<net::HttpServerResponse(const net::HttpServerRequest&)>;

  // `service` names it in /health. Routes are exact paths ("/analyze"), GET only.
  ServiceHttp(std::string service, std::function<ServiceHealth()> health, std::map<std::string, Route> routes = {});
  ~ServiceHttp() override;

  // Listens on address:port (port 0: an OS-chosen one). kIoError naming the address when it
  // cannot bind.
  core::Status start(const std::string& address, uint16_t port);
  // The bound port (0 before start()).
  uint16_t port() const;
  void stop();

  net::HttpServerResponse handle(const net::HttpServerRequest& request) override;

 private:
  std::string service_;
  std::function<ServiceHealth()> health_;
  std::map<std::string, Route> routes_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace nifty::engine
