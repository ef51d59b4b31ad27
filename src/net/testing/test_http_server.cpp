#include "net/testing/test_http_server.h"

#include <array>
#include <atomic>
#include <charconv>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "net/testing/http_head.h"
#include "net/testing/test_certificate.h"

namespace nifty::net::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string TestHttpRequest::header(std::string_view name) const { return detail::find_header(headers, name); }

namespace {

class HttpServer;

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(HttpServer& server, tcp::socket socket, asio::ssl::context& ctx, bool tls)
      : server_(server), tls_(tls), stream_(std::move(socket), ctx) {}

  void begin() {
    if (!tls_) return read();
    auto self = shared_from_this();
    stream_.async_handshake(asio::ssl::stream_base::server, [self](const boost::system::error_code& ec) {
      if (ec) return self->end();
      self->read();
    });
  }
  void end() {
    boost::system::error_code ignored;
    stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close(ignored);
  }

 private:
  void read() {
    auto self = shared_from_this();
    auto done = [self](const boost::system::error_code& ec, size_t n) {
      if (ec) return self->end();
      self->in_.append(self->buf_.data(), n);
      if (!self->try_handle()) self->read();
    };
    if (tls_) stream_.async_read_some(asio::buffer(buf_), done);
    else stream_.next_layer().async_read_some(asio::buffer(buf_), done);
  }

  bool try_handle();

  void respond(std::string bytes) {
    out_ = std::move(bytes);
    auto self = shared_from_this();
    auto done = [self](const boost::system::error_code&, size_t) {
      if (self->tls_) {
        self->stream_.async_shutdown([self](const boost::system::error_code&) { self->end(); });
      } else {
        self->end();
      }
    };
    if (tls_) asio::async_write(stream_, asio::buffer(out_), done);
    else asio::async_write(stream_.next_layer(), asio::buffer(out_), done);
  }

  HttpServer& server_;
  bool tls_;
  asio::ssl::stream<tcp::socket> stream_;
  std::array<char, 16384> buf_{};
  std::string in_;
  std::string out_;
};

class HttpServer final : public TestHttpServer {
 public:
  explicit HttpServer(Options options) : options_(std::move(options)) {}
  ~HttpServer() override {
    asio::post(ioc_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& w : conns_)
        if (auto c = w.lock()) c->end();
    });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  core::Status init() {
    if (options_.tls) {
      NIFTY_ASSIGN_OR_RETURN(TestCertificate cert, TestCertificate::generate("localhost"));
      cert_pem_ = cert.cert_pem;
      boost::system::error_code ec;
      ssl_ctx_.use_certificate_chain(asio::buffer(cert.cert_pem), ec);
      if (!ec) ssl_ctx_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem, ec);
      if (ec) return core::error(core::ErrorCode::kInternal, "test http server: TLS set-up failed: " + ec.message());
    }
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return core::error(core::ErrorCode::kIoError, "test http server: cannot listen: " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
    return core::Status::ok();
  }

  uint16_t port() const override { return port_; }
  std::string url(std::string_view target) const override {
    return (options_.tls ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_) + std::string(target);
  }
  const std::string& ca_pem() const override { return cert_pem_; }
  size_t requests_served() const override { return served_.load(); }

  TestHttpResponse handle(const TestHttpRequest& req) {
    served_.fetch_add(1);
    if (!options_.handler) return {404, {}, "no handler"};
    return options_.handler(req);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      auto c = std::make_shared<HttpConnection>(*this, std::move(socket), ssl_ctx_, options_.tls);
      conns_.push_back(c);
      c->begin();
      accept();
    });
  }

  Options options_;
  asio::io_context ioc_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{asio::make_work_guard(ioc_)};
  asio::ssl::context ssl_ctx_{asio::ssl::context::tls_server};
  tcp::acceptor acceptor_{ioc_};
  std::string cert_pem_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<size_t> served_{0};
  std::vector<std::weak_ptr<HttpConnection>> conns_;
};

bool HttpConnection::try_handle() {
  size_t end = in_.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  auto head = detail::parse_request_head(std::string_view(in_).substr(0, end));
  if (!head) {
    respond("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return true;
  }
  size_t length = 0;
  std::string cl = detail::find_header(head->headers, "Content-Length");
  if (!cl.empty()) std::from_chars(cl.data(), cl.data() + cl.size(), length);
  if (in_.size() < end + 4 + length) return false;
  TestHttpRequest req{head->method, head->target, head->headers, in_.substr(end + 4, length)};
  TestHttpResponse res = server_.handle(req);
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + detail::reason_phrase(res.status) + "\r\n";
  for (const auto& [n, v] : res.headers) out += n + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\nConnection: close\r\n\r\n" + res.body;
  respond(std::move(out));
  return true;
}

}  // namespace

core::Result<std::unique_ptr<TestHttpServer>> TestHttpServer::start(Options options) {
  auto s = std::make_unique<HttpServer>(std::move(options));
  NIFTY_RETURN_IF_ERROR(s->init());
  return std::unique_ptr<TestHttpServer>(std::move(s));
}

}  // namespace nifty::net::testing
