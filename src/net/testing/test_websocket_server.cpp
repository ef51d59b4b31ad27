#include "net/testing/test_websocket_server.h"

#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "net/testing/http_head.h"
#include "net/testing/test_certificate.h"

namespace nifty::net::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Deadline = std::chrono::steady_clock::time_point;

std::string UpgradeRequest::header(std::string_view name) const { return detail::find_header(headers, name); }

namespace {

std::string websocket_accept_key(const std::string& key) {
  std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char out[64];
  int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

// A server-to-client frame: FIN set, never masked (RFC 6455 5.1).
std::string make_frame(int opcode, std::string_view payload) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
  }
  f.append(payload);
  return f;
}

std::string close_payload(int code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>((code >> 8) & 0xff));
  p.push_back(static_cast<char>(code & 0xff));
  p.append(reason.substr(0, 123));
  return p;
}

class Server;

class Connection final : public TestConnection, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, tcp::socket socket, asio::ssl::context& ssl_ctx, bool tls);

  void begin();

  std::optional<TestMessage> wait_message(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !messages_.empty(); })) return std::nullopt;
    TestMessage m = std::move(messages_.front());
    messages_.pop_front();
    return m;
  }
  void send_text(std::string_view payload) override { post_write(make_frame(0x1, payload)); }
  void send_binary(std::string_view payload) override { post_write(make_frame(0x2, payload)); }
  void send_raw(std::string_view bytes) override { post_write(std::string(bytes)); }
  void close(int code, std::string_view reason) override {
    auto self = shared_from_this();
    asio::post(ioc(), [self, frame = make_frame(0x8, close_payload(code, reason))]() mutable {
      self->close_sent_ = true;
      self->write(std::move(frame));
    });
  }
  void drop() override {
    auto self = shared_from_this();
    asio::post(ioc(), [self] {
      boost::system::error_code ignored;
      self->socket().set_option(asio::socket_base::linger(true, 0), ignored);
      self->end();
    });
  }
  void go_silent() override { silent_ = true; }
  bool wait_disconnected(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return disconnected_; });
  }
  std::optional<int> wait_client_close(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return client_close_code_.has_value(); })) return std::nullopt;
    return client_close_code_;
  }
  int pings_received() const override {
    std::lock_guard lock(mu_);
    return pings_;
  }
  std::string last_ping_payload() const override {
    std::lock_guard lock(mu_);
    return last_ping_;
  }
  const UpgradeRequest& request() const override { return request_; }
  bool upgraded() const override { return upgraded_; }

  // Server thread only.
  void end() {
    if (ended_) return;
    ended_ = true;
    boost::system::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    {
      std::lock_guard lock(mu_);
      disconnected_ = true;
    }
    cv_.notify_all();
  }

 private:
  asio::io_context& ioc();
  tcp::socket& socket() { return stream_.next_layer(); }

  template <class F>
  void read_some(F&& f) {
    if (tls_) stream_.async_read_some(asio::buffer(rbuf_), std::forward<F>(f));
    else socket().async_read_some(asio::buffer(rbuf_), std::forward<F>(f));
  }
  template <class F>
  void write_all(const std::string& data, F&& f) {
    if (tls_) asio::async_write(stream_, asio::buffer(data), std::forward<F>(f));
    else asio::async_write(socket(), asio::buffer(data), std::forward<F>(f));
  }

  void post_write(std::string bytes) {
    auto self = shared_from_this();
    asio::post(ioc(), [self, b = std::move(bytes)]() mutable { self->write(std::move(b)); });
  }
  void write(std::string bytes, bool end_after = false) {
    if (ended_) return;
    wq_.push_back({std::move(bytes), end_after});
    pump();
  }
  void pump() {
    if (writing_ || wq_.empty() || ended_) return;
    writing_ = true;
    auto self = shared_from_this();
    write_all(wq_.front().bytes, [self](const boost::system::error_code& ec, size_t) {
      self->writing_ = false;
      bool end_after = self->wq_.front().end_after;
      self->wq_.pop_front();
      if (ec || end_after) return self->end();
      self->pump();
    });
  }

  void read_loop() {
    auto self = shared_from_this();
    read_some([self](const boost::system::error_code& ec, size_t n) {
      if (self->ended_) return;
      if (ec) return self->end();
      self->inbuf_.append(self->rbuf_.data(), n);
      if (!self->upgraded_) self->on_head_bytes();
      else self->parse_frames();
      if (!self->ended_ && !self->refused_) self->read_loop();
    });
  }

  void on_head_bytes();
  void parse_frames();
  void on_frame(int opcode, bool fin, std::string payload);

  struct Pending {
    std::string bytes;
    bool end_after = false;
  };

  Server& server_;
  bool tls_;
  asio::ssl::stream<tcp::socket> stream_;
  std::array<char, 16384> rbuf_{};
  std::string inbuf_;
  std::deque<Pending> wq_;
  bool writing_ = false;
  bool ended_ = false;
  bool refused_ = false;
  bool close_sent_ = false;
  std::atomic<bool> upgraded_{false};
  std::atomic<bool> silent_{false};
  int frag_opcode_ = 0;
  std::string frag_;
  UpgradeRequest request_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<TestMessage> messages_;
  bool disconnected_ = false;
  std::optional<int> client_close_code_;
  int pings_ = 0;
  std::string last_ping_;
};

class Server final : public TestWebSocketServer {
 public:
  explicit Server(Options options) : options_(std::move(options)) {}
  ~Server() override {
    asio::post(ioc_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& c : all_) c->end();
    });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  core::Status init() {
    if (options_.tls) {
      NIFTY_ASSIGN_OR_RETURN(TestCertificate cert, TestCertificate::generate(options_.certificate_name,
                                                                                options_.certificate_name == "localhost"));
      cert_pem_ = cert.cert_pem;
      boost::system::error_code ec;
      ssl_ctx_.use_certificate_chain(asio::buffer(cert.cert_pem), ec);
      if (!ec) ssl_ctx_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem, ec);
      if (ec) return core::error(core::ErrorCode::kInternal, "test server: TLS set-up failed: " + ec.message());
    }
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return core::error(core::ErrorCode::kIoError, "test server: cannot listen on 127.0.0.1: " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
    return core::Status::ok();
  }

  uint16_t port() const override { return port_; }
  std::string url(std::string_view target) const override {
    return (options_.tls ? "wss://localhost:" : "ws://127.0.0.1:") + std::to_string(port_) + std::string(target);
  }
  const std::string& ca_pem() const override { return cert_pem_; }
  size_t tcp_accepts() const override { return tcp_accepts_.load(); }
  size_t connections() const override {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  std::shared_ptr<TestConnection> wait_connection(size_t n, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; }) || n == 0) return nullptr;
    return seen_[n - 1];
  }

  // Server thread.
  AcceptDecision decide(const UpgradeRequest& req) {
    return options_.on_upgrade ? options_.on_upgrade(req) : AcceptDecision::accept();
  }
  void register_connection(std::shared_ptr<Connection> c) {
    {
      std::lock_guard lock(mu_);
      seen_.push_back(std::move(c));
    }
    cv_.notify_all();
  }
  asio::io_context& ioc() { return ioc_; }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;  // closed
      tcp_accepts_.fetch_add(1);
      auto c = std::make_shared<Connection>(*this, std::move(socket), ssl_ctx_, options_.tls);
      all_.push_back(c);
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
  std::atomic<size_t> tcp_accepts_{0};
  std::vector<std::shared_ptr<Connection>> all_;  // server thread
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<TestConnection>> seen_;
};

Connection::Connection(Server& server, tcp::socket socket, asio::ssl::context& ssl_ctx, bool tls)
    : server_(server), tls_(tls), stream_(std::move(socket), ssl_ctx) {}

asio::io_context& Connection::ioc() { return server_.ioc(); }

void Connection::begin() {
  if (!tls_) return read_loop();
  auto self = shared_from_this();
  stream_.async_handshake(asio::ssl::stream_base::server, [self](const boost::system::error_code& ec) {
    if (ec) return self->end();
    const char* sni = SSL_get_servername(self->stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
    if (sni != nullptr) self->request_.sni = sni;
    self->read_loop();
  });
}

void Connection::on_head_bytes() {
  size_t end = inbuf_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (inbuf_.size() > 64 * 1024) this->end();
    return;
  }
  auto head = detail::parse_request_head(std::string_view(inbuf_).substr(0, end));
  inbuf_.erase(0, end + 4);
  if (!head) {
    refused_ = true;
    write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true);
    return;
  }
  request_.target = head->target;
  request_.headers = head->headers;
  AcceptDecision d = server_.decide(request_);
  std::string key = request_.header("Sec-WebSocket-Key");
  if (d.status == 101 && key.empty()) d = AcceptDecision::refuse(400, "missing Sec-WebSocket-Key");
  if (d.status != 101) {
    refused_ = true;
    server_.register_connection(shared_from_this());
    write("HTTP/1.1 " + std::to_string(d.status) + " " + detail::reason_phrase(d.status) +
              "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(d.body.size()) +
              "\r\nConnection: close\r\n\r\n" + d.body,
          true);
    return;
  }
  write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
        websocket_accept_key(key) + "\r\n\r\n");
  upgraded_ = true;
  server_.register_connection(shared_from_this());
  parse_frames();
}

void Connection::parse_frames() {
  for (;;) {
    if (silent_) {
      inbuf_.clear();
      return;
    }
    if (inbuf_.size() < 2) return;
    auto byte = [&](size_t i) { return static_cast<unsigned char>(inbuf_[i]); };
    bool fin = (byte(0) & 0x80) != 0;
    int opcode = byte(0) & 0x0f;
    bool masked = (byte(1) & 0x80) != 0;
    uint64_t len = byte(1) & 0x7f;
    size_t pos = 2;
    if (len == 126) {
      if (inbuf_.size() < 4) return;
      len = (uint64_t{byte(2)} << 8) | byte(3);
      pos = 4;
    } else if (len == 127) {
      if (inbuf_.size() < 10) return;
      len = 0;
      for (size_t i = 2; i < 10; ++i) len = (len << 8) | byte(i);
      pos = 10;
    }
    if (len > (64u << 20)) return end();
    std::array<unsigned char, 4> mask{};
    if (masked) {
      if (inbuf_.size() < pos + 4) return;
      for (size_t i = 0; i < 4; ++i) mask[i] = byte(pos + i);
      pos += 4;
    }
    if (inbuf_.size() < pos + len) return;
    std::string payload = inbuf_.substr(pos, len);
    if (masked)
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
    inbuf_.erase(0, pos + len);
    on_frame(opcode, fin, std::move(payload));
    if (ended_) return;
  }
}

void Connection::on_frame(int opcode, bool fin, std::string payload) {
  switch (opcode) {
    case 0x0:
    case 0x1:
    case 0x2: {
      if (opcode != 0) {
        frag_opcode_ = opcode;
        frag_.clear();
      }
      frag_ += payload;
      if (!fin) return;
      {
        std::lock_guard lock(mu_);
        messages_.push_back({std::move(frag_), frag_opcode_ == 0x2});
      }
      frag_.clear();
      cv_.notify_all();
      return;
    }
    case 0x8: {
      int code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                                     : 1005;
      {
        std::lock_guard lock(mu_);
        client_close_code_ = code;
      }
      cv_.notify_all();
      if (close_sent_) return end();
      close_sent_ = true;
      write(make_frame(0x8, payload.substr(0, std::min<size_t>(payload.size(), 2))), true);
      return;
    }
    case 0x9: {
      {
        std::lock_guard lock(mu_);
        ++pings_;
        last_ping_ = payload;
      }
      write(make_frame(0xA, payload));
      return;
    }
    default:
      return;  // pong and reserved opcodes
  }
}

class Blackhole final : public BlackholeListener {
 public:
  core::Status init() {
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(16, ec);
    if (ec) return core::error(core::ErrorCode::kIoError, "blackhole: cannot listen: " + ec.message());
    return core::Status::ok();
  }
  uint16_t port() const override { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
};

}  // namespace

core::Result<std::unique_ptr<TestWebSocketServer>> TestWebSocketServer::start(Options options) {
  auto server = std::make_unique<Server>(std::move(options));
  NIFTY_RETURN_IF_ERROR(server->init());
  return std::unique_ptr<TestWebSocketServer>(std::move(server));
}

core::Result<std::unique_ptr<BlackholeListener>> BlackholeListener::start() {
  auto b = std::make_unique<Blackhole>();
  NIFTY_RETURN_IF_ERROR(b->init());
  return std::unique_ptr<BlackholeListener>(std::move(b));
}

}  // namespace nifty::net::testing
