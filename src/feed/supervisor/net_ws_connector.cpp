#include "feed/supervisor/net_ws_connector.h"

#include "net/websocket_client.h"

namespace nifty::feed {
namespace {

class NetConnection final : public WsConnection, private net::WebSocketHandler {
 public:
  explicit NetConnection(WsHandler& handler) : handler_(handler) {}
  ~NetConnection() override { client_.reset(); }  // closes and joins: no callback after this

  core::Status start(net::WebSocketOptions options) {
    auto client = net::WebSocketClient::create(std::move(options), *this);
    if (!client) return client.status();
    client_ = std::move(client).value();
    return client_->start();
  }
  core::Status send_text(std::string text) override { return client_->send_text(text); }
  void close() override { client_->close(); }

 private:
  void on_open() override { handler_.on_open(); }
  void on_message(std::string_view payload, bool binary, core::Timestamp received) override {
    handler_.on_message(payload, binary, received);
  }
  void on_close(const net::CloseInfo& info) override {
    handler_.on_close(WsCloseInfo{info.status, info.http_status, info.close_code, info.reason});
  }

  WsHandler& handler_;
  std::unique_ptr<net::WebSocketClient> client_;
};

}  // namespace

core::Result<std::unique_ptr<WsConnection>> NetWsConnector::connect(const WsEndpoint& endpoint, WsHandler& handler) {
  net::WebSocketOptions options;
  options.url = endpoint.url;
  options.headers = endpoint.headers;
  options.ca_file = endpoint.ca_file;
  options.connect_timeout = options_.connect_timeout;
  options.handshake_timeout = options_.handshake_timeout;
  options.idle_timeout = options_.idle_timeout;
  options.ping_interval = options_.ping_interval;
  auto conn = std::make_unique<NetConnection>(handler);
  core::Status started = conn->start(std::move(options));
  if (!started) return started;
  return std::unique_ptr<WsConnection>(std::move(conn));
}

}  // namespace nifty::feed
