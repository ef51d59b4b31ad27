#include "net/http_server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "core/log.h"

namespace nifty::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using core::ErrorCode;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Pipelined responses gathered before one write.
constexpr size_t kMaxPendingOutput = 256 * 1024;
// After an error response, unread request bytes are drained (so the close is not a reset that
// could discard the response at the client) for at most this long and this many bytes.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr size_t kLingerBytes = 4 * 1024 * 1024;

core::Logger& log() { return core::Logger::get("net"); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// True when the comma-separated header value holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

void json_escape_into(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
}

// Printable rendering of untrusted bytes for error messages: at most 64 bytes, controls as '?'.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  if (s.size() > 64) out += "...";
  return out;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  boost::system::error_code ec;
  std::string addr = ep.address().to_string(ec);
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

}  // namespace

// ---- request / response ----------------------------------------------------------------------

std::optional<std::string_view> HttpServerRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string_view> HttpServerRequest::query_param(std::string_view name) const {
  for (const auto& [n, v] : query_params)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

bool HttpServerRequest::is_websocket_upgrade() const {
  if (method != "GET") return false;
  auto upgrade = header("Upgrade");
  return upgrade && has_token(*upgrade, "websocket");
}

HttpServerResponse HttpServerResponse::json(int status, std::string body) {
  HttpServerResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpServerResponse HttpServerResponse::text(int status, std::string body) {
  HttpServerResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpServerResponse HttpServerResponse::error(int status, std::string_view code, std::string_view message) {
  HttpServerResponse r;
  r.status = status;
  r.body.reserve(64 + code.size() + message.size());
  r.body += R"({"status":"error","error":{"code":")";
  json_escape_into(r.body, code);
  r.body += R"(","message":")";
  json_escape_into(r.body, message);
  r.body += "\"}}";
  return r;
}

UpgradeDecision HttpServerHandler::on_upgrade(const HttpServerRequest& request) {
  return UpgradeDecision::refuse(
      HttpServerResponse::error(404, "not_found", "no WebSocket endpoint at " + printable(request.path)));
}

std::optional<std::string> decode_query_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// ---- parser ----------------------------------------------------------------------------------

struct HttpRequestParser::Impl {
  HttpParseLimits limits;
  std::optional<http::request_parser<http::string_body>> parser;
  State state = State::kNeedMore;
  bool started = false;
  bool header_checked = false;
  size_t header_used = 0;  // bytes of an incomplete header Beast has consumed
  HttpServerRequest request;
  Error error;

  void init() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(std::min<size_t>(limits.max_header_bytes, UINT32_MAX)));
    parser->body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    parser->eager(true);
    state = State::kNeedMore;
    started = false;
    header_checked = false;
    header_used = 0;
    request = HttpServerRequest{};
    error = Error{};
  }

  void fail(int status, std::string code, std::string message) {
    state = State::kError;
    error = Error{status, std::move(code), std::move(message)};
  }

  void fail_from(const beast::error_code& ec) {
    if (ec == http::error::header_limit) {
      return fail(431, "header_too_large",
                  "request header exceeds the limit of " + std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) {
      return fail(413, "body_too_large",
                  "request body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes");
    }
    if (ec == http::error::bad_version) {
      return fail(505, "version_not_supported", "HTTP version is malformed or not supported (1.0 and 1.1 are)");
    }
    fail(400, "bad_request", "malformed HTTP request: " + ec.message());
  }

  // Method, version and target, as soon as the header is complete (before reading a body).
  bool check_header() {
    const auto& m = parser->get();
    if (m.version() != 10 && m.version() != 11) {
      fail(505, "version_not_supported",
           "HTTP version " + std::to_string(m.version() / 10) + "." + std::to_string(m.version() % 10) +
               " is not supported (1.0 and 1.1 are)");
      return false;
    }
    switch (m.method()) {
      case http::verb::get:
      case http::verb::head:
      case http::verb::post:
      case http::verb::put:
      case http::verb::delete_:
      case http::verb::patch:
      case http::verb::options:
        break;
      default:
        fail(501, "method_not_implemented",
             "method '" + printable(std::string_view(m.method_string().data(), m.method_string().size())) +
                 "' is not implemented");
        return false;
    }
    std::string_view target(m.target().data(), m.target().size());
    bool ok = (!target.empty() && target.front() == '/') || (target == "*" && m.method() == http::verb::options);
    if (!ok) {
      fail(400, "bad_request", "request target '" + printable(target) + "' is not an absolute path");
      return false;
    }
    return true;
  }

  bool build() {
    auto& m = parser->get();
    request.method.assign(m.method_string().data(), m.method_string().size());
    request.target.assign(m.target().data(), m.target().size());
    std::string_view target = request.target;
    size_t q = target.find('?');
    request.path.assign(target.substr(0, q));
    if (q != std::string_view::npos) {
      request.query.assign(target.substr(q + 1));
      std::string_view rest = request.query;
      while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view item = rest.substr(0, amp);
        if (!item.empty()) {
          size_t eq = item.find('=');
          auto name = decode_query_component(item.substr(0, eq));
          auto value = decode_query_component(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1));
          if (!name || !value) {
            fail(400, "bad_request", "bad percent-encoding in query parameter '" + printable(item) + "'");
            return false;
          }
          request.query_params.emplace_back(std::move(*name), std::move(*value));
        }
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
      }
    }
    request.headers.reserve(8);
    for (const auto& field : m) {
      request.headers.emplace_back(std::string(field.name_string().data(), field.name_string().size()),
                                   std::string(field.value().data(), field.value().size()));
    }
    request.body = std::move(m.body());
    request.version = static_cast<int>(m.version());
    request.keep_alive = m.keep_alive();
    return true;
  }
};

HttpRequestParser::HttpRequestParser(HttpParseLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->init();
}
HttpRequestParser::~HttpRequestParser() = default;

size_t HttpRequestParser::feed(std::string_view data) {
  Impl& s = *impl_;
  if (s.state != State::kNeedMore || data.empty()) return 0;
  s.started = true;
  size_t used = 0;
  while (used < data.size()) {
    beast::error_code ec;
    // Until the header is complete, offer at most the header limit: the limit then holds exactly,
    // whatever the split of the bytes into reads (Beast alone is off by some bytes).
    // Beast may consume a header in parts, so the cap counts what it already took.
    size_t offer = data.size() - used;
    bool capped = false;
    bool in_header = !s.parser->is_header_done();
    if (in_header && offer >= s.limits.max_header_bytes - s.header_used) {
      offer = s.limits.max_header_bytes - s.header_used;
      capped = true;
    }
    size_t n = s.parser->put(asio::const_buffer(data.data() + used, offer), ec);
    used += n;
    if (in_header && !s.parser->is_header_done()) s.header_used += n;
    if (capped && ec == http::error::need_more && !s.parser->is_header_done() &&
        (n == 0 || s.header_used >= s.limits.max_header_bytes)) {
      s.fail_from(http::error::header_limit);
      return used;
    }
    if (!s.header_checked && s.parser->is_header_done()) {
      s.header_checked = true;
      if (!s.check_header()) return used;
    }
    if (ec == http::error::need_more) {
      if (n > 0 && used < data.size()) continue;
      break;
    }
    if (ec) {
      s.fail_from(ec);
      return used;
    }
    if (s.parser->is_done()) {
      if (s.build()) s.state = State::kComplete;
      return used;
    }
    if (n == 0) break;
  }
  return used;
}

HttpRequestParser::State HttpRequestParser::state() const { return impl_->state; }
bool HttpRequestParser::started() const { return impl_->started; }
HttpServerRequest HttpRequestParser::take_request() {
  NIFTY_CHECK(impl_->state == State::kComplete, "take_request() without a complete request");
  return std::move(impl_->request);
}
const HttpRequestParser::Error& HttpRequestParser::error() const { return impl_->error; }
void HttpRequestParser::reset() { impl_->init(); }

HttpParseResult parse_http_request(std::string_view bytes, const HttpParseLimits& limits) {
  HttpRequestParser parser(limits);
  HttpParseResult out;
  out.consumed = parser.feed(bytes);
  out.state = parser.state();
  if (out.state == HttpRequestParser::State::kComplete) out.request = parser.take_request();
  if (out.state == HttpRequestParser::State::kError) out.error = parser.error();
  return out;
}

// ---- server ----------------------------------------------------------------------------------

namespace {

// A connection the server can find at stop().
class Conn {
 public:
  virtual ~Conn() = default;
  // Called from the stopping thread: start a graceful close (posts to the connection's strand).
  virtual void begin_shutdown() = 0;
  // Called after the io threads joined: close the socket; the connection is inert afterwards.
  virtual void release() = 0;
};

}  // namespace

namespace {

struct ServerCore {
  ServerCore(HttpServerOptions o, HttpServerHandler& h) : options(std::move(o)), handler(h) {}

  HttpServerOptions options;
  HttpServerHandler& handler;

  // Declared before the io_context so that they outlive it (handlers destroyed with it
  // deregister connections).
  std::mutex conn_mu;
  std::condition_variable conn_cv;
  std::unordered_map<uint64_t, std::weak_ptr<Conn>> conns;

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bad_requests{0};
  std::atomic<uint64_t> headers_too_large{0};
  std::atomic<uint64_t> bodies_too_large{0};
  std::atomic<uint64_t> methods_not_implemented{0};
  std::atomic<uint64_t> versions_not_supported{0};
  std::atomic<uint64_t> request_timeouts{0};
  std::atomic<uint64_t> handler_errors{0};
  std::atomic<uint64_t> websocket_upgrades{0};
  std::atomic<uint64_t> websocket_refused{0};
  std::atomic<uint64_t> websocket_active{0};
  std::atomic<uint64_t> websocket_messages_received{0};
  std::atomic<uint64_t> websocket_messages_sent{0};
  std::atomic<uint64_t> websocket_slow_consumer_closes{0};
  std::atomic<uint64_t> websocket_too_big_closes{0};
  std::atomic<uint64_t> next_request_id{0};
  std::atomic<uint64_t> next_conn_id{0};
  std::atomic<bool> stopping{false};

  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  bool stopped = false;
  uint16_t bound_port = 0;

  void add_conn(uint64_t id, std::weak_ptr<Conn> c) {
    std::lock_guard lk(conn_mu);
    conns[id] = std::move(c);
  }
  void remove_conn(uint64_t id) {
    std::lock_guard lk(conn_mu);
    conns.erase(id);
    if (conns.empty()) conn_cv.notify_all();
  }
  size_t conn_count() {
    std::lock_guard lk(conn_mu);
    return conns.size();
  }

  void count_error(int status) {
    switch (status) {
      case 400: bad_requests.fetch_add(1, std::memory_order_relaxed); break;
      case 408: request_timeouts.fetch_add(1, std::memory_order_relaxed); break;
      case 413: bodies_too_large.fetch_add(1, std::memory_order_relaxed); break;
      case 431: headers_too_large.fetch_add(1, std::memory_order_relaxed); break;
      case 501: methods_not_implemented.fetch_add(1, std::memory_order_relaxed); break;
      case 505: versions_not_supported.fetch_add(1, std::memory_order_relaxed); break;
      default: break;
    }
  }

  void do_accept();
  void on_accepted(tcp::socket socket);
};

// Serialises a response into `out` (appending, so pipelined responses share one write).
void append_response(std::string& out, const HttpServerResponse& r, bool keep_alive, bool head, int version,
                     const std::string& server_name, std::atomic<uint64_t>* handler_errors) {
  int status = (r.status >= 100 && r.status <= 999) ? r.status : 500;
  if (status != r.status && handler_errors) handler_errors->fetch_add(1, std::memory_order_relaxed);
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: ";
  out += server_name;
  if (!r.body.empty() || status >= 200) {
    if (!r.content_type.empty() && !has_crlf(r.content_type)) {
      out += "\r\nContent-Type: ";
      out += r.content_type;
    }
    out += "\r\nContent-Length: ";
    out += std::to_string(r.body.size());
  }
  if (!keep_alive) out += "\r\nConnection: close";
  else if (version == 10) out += "\r\nConnection: keep-alive";
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || has_crlf(name) || has_crlf(value) || name.find(':') != std::string::npos) {
      if (handler_errors) handler_errors->fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  out += "\r\n\r\n";
  if (!head) out += r.body;
}

using WsStream = websocket::stream<beast::tcp_stream>;

class WsConn final : public Conn, public WebSocketSession, public std::enable_shared_from_this<WsConn> {
 public:
  WsConn(ServerCore& srv, uint64_t id, beast::tcp_stream stream, std::string remote,
         const HttpServerRequest& req, WebSocketSessionHandler& handler)
      : srv_(&srv),
        id_(id),
        remote_(std::move(remote)),
        target_(req.target),
        handler_(handler),
        ex_(stream.get_executor()),
        ws_(std::make_unique<WsStream>(std::move(stream))),
        close_timer_(ex_) {
    upgrade_.method_string(req.method);
    upgrade_.target(req.target);
    upgrade_.version(req.version);
    for (const auto& [name, value] : req.headers) upgrade_.insert(name, value);
  }

  void start() {
    const auto& o = srv_->options;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = o.ws_close_timeout;
    if (o.ws_ping_interval.count() > 0) {
      t.idle_timeout = o.ws_ping_interval * 2;
      t.keep_alive_pings = true;
    } else {
      t.idle_timeout = websocket::stream_base::none();
      t.keep_alive_pings = false;
    }
    beast::get_lowest_layer(*ws_).expires_never();
    ws_->set_option(t);
    std::string server = o.server_name;
    ws_->set_option(websocket::stream_base::decorator(
        [server](websocket::response_type& res) { res.set(http::field::server, server); }));
    ws_->read_message_max(o.ws_max_message_bytes);
    ws_->async_accept(upgrade_, [self = shared_from_this()](const beast::error_code& ec) { self->on_accept(ec); });
  }

  // ---- WebSocketSession ----
  core::Status send_text(std::shared_ptr<const std::string> message) override {
    if (!message) return core::error(ErrorCode::kInvalidArgument, "send_text: null message");
    std::lock_guard lk(mu_);
    if (closed_ || closing_) {
      return core::error(ErrorCode::kUnavailable, "WebSocket session " + std::to_string(id_) + " is closed");
    }
    const auto& o = srv_->options;
    if (queue_.size() + 1 > o.ws_max_queued_messages || queued_bytes_ + message->size() > o.ws_max_queued_bytes) {
      std::string msg = "WebSocket session " + std::to_string(id_) + " (" + remote_ + ") send queue full (" +
                        std::to_string(queue_.size()) + " messages, " + std::to_string(queued_bytes_) +
                        " bytes): closing as a slow consumer";
      closing_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      srv_->websocket_slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
      asio::post(ex_, [self = shared_from_this()] { self->start_close(1008, "slow consumer"); });
      return core::error(ErrorCode::kResourceExhausted, std::move(msg));
    }
    queued_bytes_ += message->size();
    queue_.push_back(std::move(message));
    if (!writing_) {
      writing_ = true;
      asio::post(ex_, [self = shared_from_this()] { self->do_write(); });
    }
    return core::Status::ok();
  }

  void close(int code, std::string_view reason) override {
    std::lock_guard lk(mu_);
    if (closed_ || closing_) return;
    closing_ = true;
    asio::post(ex_, [self = shared_from_this(), code, r = std::string(reason)] { self->start_close(code, r); });
  }

  uint64_t id() const override { return id_; }
  const std::string& remote_address() const override { return remote_; }
  const std::string& target() const override { return target_; }
  size_t queued_messages() const override {
    std::lock_guard lk(mu_);
    return queue_.size();
  }
  size_t queued_bytes() const override {
    std::lock_guard lk(mu_);
    return queued_bytes_;
  }
  bool is_open() const override {
    std::lock_guard lk(mu_);
    return open_shared_ && !closed_ && !closing_;
  }

  // ---- Conn ----
  void begin_shutdown() override {
    std::lock_guard lk(mu_);
    if (closed_) return;
    closing_ = true;
    asio::post(ex_, [self = shared_from_this()] { self->start_close(1001, "going away"); });
  }

  void release() override {
    std::lock_guard lk(mu_);
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    if (ws_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
      ws_.reset();
    }
  }

 private:
  void on_accept(const beast::error_code& ec) {
    if (ec) return finish(1006);
    opened_ = true;
    {
      std::lock_guard lk(mu_);
      open_shared_ = true;
    }
    srv_->websocket_upgrades.fetch_add(1, std::memory_order_relaxed);
    srv_->websocket_active.fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    handler_.on_open(self);
    if (srv_->stopping.load()) start_close(1001, "going away");
    do_read();
  }

  void do_read() {
    ws_->async_read(rbuf_, [self = shared_from_this()](const beast::error_code& ec, size_t) { self->on_read(ec); });
  }

  void on_read(const beast::error_code& ec) {
    if (finished_) return;
    if (ec) {
      int code = 1006;
      if (ec == websocket::error::message_too_big) {
        srv_->websocket_too_big_closes.fetch_add(1, std::memory_order_relaxed);
        code = 1009;
      } else if (close_sent_ != 0) {
        code = close_sent_;
      } else if (ec == websocket::error::closed) {
        code = ws_->reason().code != 0 ? static_cast<int>(ws_->reason().code) : 1005;
      }
      return finish(code);
    }
    if (!ws_->got_text()) {
      rbuf_.consume(rbuf_.size());
      start_close(1003, "binary messages are not accepted");
      return do_read();
    }
    srv_->websocket_messages_received.fetch_add(1, std::memory_order_relaxed);
    if (close_sent_ == 0) {
      auto data = rbuf_.cdata();
      handler_.on_text(shared_from_this(), std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    rbuf_.consume(rbuf_.size());
    do_read();
  }

  void do_write() {
    {
      std::lock_guard lk(mu_);
      if (finished_ || queue_.empty() || closing_ || closed_) {
        writing_ = false;
        return;
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= current_->size();
    }
    ws_->text(true);
    ws_->async_write(asio::buffer(*current_), [self = shared_from_this()](const beast::error_code& ec, size_t) {
      self->current_.reset();
      if (ec) {
        std::lock_guard lk(self->mu_);
        self->writing_ = false;
        return;
      }
      self->srv_->websocket_messages_sent.fetch_add(1, std::memory_order_relaxed);
      self->do_write();
    });
  }

  void start_close(int code, const std::string& reason) {
    if (finished_ || close_sent_ != 0) return;
    {
      std::lock_guard lk(mu_);
      closing_ = true;
      queue_.clear();
      queued_bytes_ = 0;
    }
    close_sent_ = code;
    // Bound the close handshake even when a write is stuck behind a reader that stopped reading.
    close_timer_.expires_after(srv_->options.ws_close_timeout);
    close_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (ec || self->finished_) return;
      beast::error_code ignored;
      beast::get_lowest_layer(*self->ws_).socket().close(ignored);
    });
    websocket::close_reason cr(static_cast<websocket::close_code>(code), reason);
    ws_->async_close(cr, [self = shared_from_this()](const beast::error_code&) {
      // The pending read ends with `closed` (or an error) and finishes the session.
    });
  }

  void finish(int code) {
    if (finished_) return;
    finished_ = true;
    close_timer_.cancel();
    {
      std::lock_guard lk(mu_);
      closed_ = true;
      queue_.clear();
      queued_bytes_ = 0;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    if (opened_) {
      srv_->websocket_active.fetch_sub(1, std::memory_order_relaxed);
      auto self = shared_from_this();
      try {
        handler_.on_close(self, code);
      } catch (const std::exception& e) {
        srv_->handler_errors.fetch_add(1, std::memory_order_relaxed);
        log().error("WebSocket on_close threw", {{"error", e.what()}});
      }
    }
    srv_->remove_conn(id_);
  }

  ServerCore* srv_;
  const uint64_t id_;
  const std::string remote_;
  const std::string target_;
  WebSocketSessionHandler& handler_;
  asio::any_io_executor ex_;
  std::unique_ptr<WsStream> ws_;
  http::request<http::empty_body> upgrade_;
  beast::flat_buffer rbuf_;
  asio::steady_timer close_timer_;

  // Strand state.
  bool opened_ = false;
  bool finished_ = false;
  int close_sent_ = 0;
  std::shared_ptr<const std::string> current_;

  // Shared state (any thread).
  mutable std::mutex mu_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool open_shared_ = false;
};

class HttpConn final : public Conn, public std::enable_shared_from_this<HttpConn> {
 public:
  HttpConn(ServerCore& srv, uint64_t id, tcp::socket socket, std::string remote)
      : srv_(srv),
        id_(id),
        stream_(std::move(socket)),
        remote_(std::move(remote)),
        parser_(HttpParseLimits{srv.options.max_header_bytes, srv.options.max_body_bytes}),
        request_timer_(stream_.get_executor()) {}

  ~HttpConn() override {
    if (!upgraded_) srv_.remove_conn(id_);
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Over max_connections: one 503, then close.
  void reject() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->append_error(HttpServerResponse::error(503, "too_many_connections",
                                                   "the server is at its limit of " +
                                                       std::to_string(self->srv_.options.max_connections) +
                                                       " connections"),
                         11);
      self->linger_after_write_ = true;
      self->close_after_write_ = true;
      self->do_write();
    });
  }

  void begin_shutdown() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->shutting_down_ = true;
      // Idle between requests: close now. Otherwise the current request finishes first.
      if (self->reading_ && !self->request_started_ && !self->upgraded_ && !self->closed_) self->close_socket();
    });
  }

  void release() override {
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void do_read() {
    if (closed_) return;
    if (shutting_down_ && !request_started_) return close_socket();
    reading_ = true;
    if (request_started_) {
      // Own timer: tcp_stream's timeout closes the socket, and a 408 still has to be written.
      stream_.expires_never();
      request_timer_.expires_at(request_deadline_);
      request_timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
        if (ec || !self->reading_ || self->closed_) return;
        self->timed_out_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
      });
    } else {
      stream_.expires_after(srv_.options.keep_alive_timeout);
    }
    stream_.async_read_some(buf_.prepare(kReadChunk), [self = shared_from_this()](const beast::error_code& ec,
                                                                                  size_t n) { self->on_read(ec, n); });
  }

  void on_read(const beast::error_code& ec, size_t n) {
    reading_ = false;
    request_timer_.cancel();
    if (closed_) return;
    if (ec) {
      if (timed_out_ && request_started_) {
        srv_.count_error(408);
        append_error(HttpServerResponse::error(
                         408, "request_timeout",
                         "request not received within " + std::to_string(srv_.options.request_timeout.count()) + " ms"),
                     11);
        close_after_write_ = true;
        linger_after_write_ = false;
        return do_write();
      }
      return close_socket();
    }
    buf_.commit(n);
    process();
  }

  void process() {
    while (buf_.size() > 0) {
      if (!request_started_) {
        request_started_ = true;
        request_deadline_ = SteadyClock::now() + srv_.options.request_timeout;
      }
      auto data = buf_.cdata();
      size_t used = parser_.feed(std::string_view(static_cast<const char*>(data.data()), data.size()));
      buf_.consume(used);
      auto state = parser_.state();
      if (state == HttpRequestParser::State::kNeedMore) break;
      if (state == HttpRequestParser::State::kError) {
        const auto& e = parser_.error();
        srv_.count_error(e.status);
        append_error(HttpServerResponse::error(e.status, e.code, e.message), 11);
        close_after_write_ = true;
        linger_after_write_ = true;
        break;
      }
      HttpServerRequest req = parser_.take_request();
      parser_.reset();
      request_started_ = false;
      req.id = srv_.next_request_id.fetch_add(1, std::memory_order_relaxed) + 1;
      req.remote_address = remote_;
      if (req.is_websocket_upgrade()) {
        pending_upgrade_ = std::move(req);
        break;
      }
      srv_.requests.fetch_add(1, std::memory_order_relaxed);
      bool head = req.method == "HEAD";
      bool keep = req.keep_alive;
      try {
        HttpServerResponse resp = srv_.handler.handle(req);
        // Decided after the handler: a stop may have begun while it ran.
        keep = keep && !shutting_down_ && !srv_.stopping.load(std::memory_order_relaxed);
        append_response(out_, resp, keep, head, req.version, srv_.options.server_name, &srv_.handler_errors);
      } catch (const std::exception& e) {
        keep = false;
        srv_.handler_errors.fetch_add(1, std::memory_order_relaxed);
        log().error("HTTP handler threw", {{"path", printable(req.path)}, {"error", e.what()}});
        append_response(out_, HttpServerResponse::error(500, "internal", "internal error"), keep, head, req.version,
                        srv_.options.server_name, nullptr);
      }
      if (!keep) {
        close_after_write_ = true;
        break;
      }
      if (out_.size() >= kMaxPendingOutput) break;
    }
    if (!out_.empty()) return do_write();
    if (pending_upgrade_) return handle_upgrade();
    if (close_after_write_) return close_socket();
    do_read();
  }

  void append_error(const HttpServerResponse& r, int version) {
    append_response(out_, r, false, false, version, srv_.options.server_name, nullptr);
  }

  void do_write() {
    if (closed_) return;
    stream_.expires_after(srv_.options.request_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared_from_this()](const beast::error_code& ec, size_t) { self->on_write(ec); });
  }

  void on_write(const beast::error_code& ec) {
    out_.clear();
    if (closed_) return;
    if (ec) return close_socket();
    if (close_after_write_) {
      if (linger_after_write_) return linger();
      return close_socket();
    }
    if (pending_upgrade_) return handle_upgrade();
    process();
  }

  // Half-close, then read and drop what the client still sends (bounded), then close.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    buf_.consume(buf_.size());
    stream_.async_read_some(buf_.prepare(kReadChunk), [self = shared_from_this()](const beast::error_code& ec,
                                                                                  size_t n) {
      if (self->closed_) return;
      self->lingered_ += n;
      if (ec || self->lingered_ > kLingerBytes) return self->close_socket();
      self->buf_.consume(self->buf_.size());
      self->linger();
    });
  }

  void handle_upgrade() {
    HttpServerRequest req = std::move(*pending_upgrade_);
    pending_upgrade_.reset();
    UpgradeDecision d;
    try {
      d = srv_.handler.on_upgrade(req);
    } catch (const std::exception& e) {
      srv_.handler_errors.fetch_add(1, std::memory_order_relaxed);
      log().error("WebSocket upgrade handler threw", {{"path", printable(req.path)}, {"error", e.what()}});
      d = UpgradeDecision::refuse(HttpServerResponse::error(500, "internal", "internal error"));
    }
    if (d.handler != nullptr && (shutting_down_ || srv_.stopping.load())) {
      d = UpgradeDecision::refuse(HttpServerResponse::error(503, "shutting_down", "the server is shutting down"));
    }
    if (d.handler == nullptr) {
      srv_.websocket_refused.fetch_add(1, std::memory_order_relaxed);
      append_response(out_, d.refusal, false, false, req.version, srv_.options.server_name,
                      &srv_.handler_errors);
      close_after_write_ = true;
      linger_after_write_ = false;
      return do_write();
    }
    upgraded_ = true;
    stream_.expires_never();
    auto ws = std::make_shared<WsConn>(srv_, id_, std::move(stream_), remote_, req, *d.handler);
    srv_.add_conn(id_, ws);
    ws->start();
  }

  void close_socket() {
    if (closed_) return;
    closed_ = true;
    request_timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  ServerCore& srv_;
  const uint64_t id_;
  beast::tcp_stream stream_;
  const std::string remote_;
  HttpRequestParser parser_;
  beast::flat_buffer buf_;
  std::string out_;
  std::optional<HttpServerRequest> pending_upgrade_;
  SteadyClock::time_point request_deadline_{};
  asio::steady_timer request_timer_;
  size_t lingered_ = 0;
  bool timed_out_ = false;
  bool reading_ = false;
  bool request_started_ = false;
  bool close_after_write_ = false;
  bool linger_after_write_ = false;
  bool shutting_down_ = false;
  bool upgraded_ = false;
  bool closed_ = false;
};

}  // namespace

struct HttpServer::Impl : ServerCore {
  using ServerCore::ServerCore;
};

void ServerCore::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](const beast::error_code& ec, tcp::socket socket) {
    if (stopping.load() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and friends: retry shortly instead of spinning.
      log().warn("accept failed", {{"error", ec.message()}});
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](const beast::error_code& e) {
        if (!e && !stopping.load()) do_accept();
      });
      return;
    }
    on_accepted(std::move(socket));
    do_accept();
  });
}

void ServerCore::on_accepted(tcp::socket socket) {
  connections_accepted.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto ep = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string("unknown") : endpoint_text(ep);
  uint64_t id = next_conn_id.fetch_add(1, std::memory_order_relaxed) + 1;
  bool over = conn_count() >= options.max_connections;
  auto conn = std::make_shared<HttpConn>(*this, id, std::move(socket), std::move(remote));
  add_conn(id, conn);
  if (over) {
    connections_rejected.fetch_add(1, std::memory_order_relaxed);
    conn->reject();
  } else {
    conn->start();
  }
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(impl_->options.ws_close_timeout + std::chrono::seconds(1)); }

core::Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options, HttpServerHandler& handler) {
  if (options.threads < 1 || options.threads > 256) {
    return core::error(ErrorCode::kInvalidArgument,
                       "HttpServerOptions.threads must be 1..256, got " + std::to_string(options.threads));
  }
  if (options.max_header_bytes < 64 || options.max_header_bytes > UINT32_MAX) {
    return core::error(ErrorCode::kInvalidArgument, "HttpServerOptions.max_header_bytes must be >= 64, got " +
                                                        std::to_string(options.max_header_bytes));
  }
  if (options.max_connections == 0 || options.ws_max_queued_messages == 0 || options.ws_max_queued_bytes == 0 ||
      options.ws_max_message_bytes == 0) {
    return core::error(ErrorCode::kInvalidArgument,
                       "HttpServerOptions: max_connections and ws_max_* limits must be > 0");
  }
  if (options.keep_alive_timeout.count() <= 0 || options.request_timeout.count() <= 0 ||
      options.ws_close_timeout.count() <= 0 || options.ws_ping_interval.count() < 0) {
    return core::error(ErrorCode::kInvalidArgument, "HttpServerOptions: timeouts must be > 0");
  }
  if (options.server_name.empty() || has_crlf(options.server_name)) {
    return core::error(ErrorCode::kInvalidArgument, "HttpServerOptions.server_name must be one non-empty line");
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    return core::error(ErrorCode::kInvalidArgument,
                       "HttpServerOptions.bind_address '" + options.bind_address + "' is not an IP address");
  }
  auto impl = std::make_shared<Impl>(std::move(options), handler);
  tcp::endpoint ep(address, impl->options.port);
  std::string where = endpoint_text(ep);
  auto& acc = impl->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(impl->options.backlog, ec);
  if (ec) return core::error(ErrorCode::kIoError, "cannot listen on " + where + ": " + ec.message());
  impl->bound_port = acc.local_endpoint(ec).port();
  impl->do_accept();
  for (int i = 0; i < impl->options.threads; ++i) {
    impl->threads.emplace_back([raw = impl.get()] { raw->ioc.run(); });
  }
  log().info("HTTP server listening",
             {{"address", impl->options.bind_address}, {"port", static_cast<int64_t>(impl->bound_port)},
              {"threads", static_cast<int64_t>(impl->options.threads)}});
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
const HttpServerOptions& HttpServer::options() const { return impl_->options; }

bool HttpServer::stop(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  std::lock_guard stop_lk(s.stop_mu);
  if (s.stopped) return true;
  s.stopped = true;
  s.stopping = true;
  asio::post(s.ioc, [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
  });
  std::vector<std::shared_ptr<Conn>> live;
  {
    std::lock_guard lk(s.conn_mu);
    for (auto& [id, weak] : s.conns)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->begin_shutdown();
  live.clear();
  bool clean;
  {
    std::unique_lock lk(s.conn_mu);
    clean = s.conn_cv.wait_for(lk, timeout, [&s] { return s.conns.empty(); });
  }
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  {
    std::lock_guard lk(s.conn_mu);
    for (auto& [id, weak] : s.conns)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->release();
  live.clear();
  beast::error_code ignored;
  s.acceptor.close(ignored);
  log().info("HTTP server stopped", {{"clean", clean}});
  return clean;
}

HttpServerStats HttpServer::stats() const {
  const Impl& s = *impl_;
  auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  HttpServerStats out;
  out.connections_accepted = v(s.connections_accepted);
  out.connections_active = const_cast<Impl&>(s).conn_count();
  out.connections_rejected = v(s.connections_rejected);
  out.requests = v(s.requests);
  out.bad_requests = v(s.bad_requests);
  out.headers_too_large = v(s.headers_too_large);
  out.bodies_too_large = v(s.bodies_too_large);
  out.methods_not_implemented = v(s.methods_not_implemented);
  out.versions_not_supported = v(s.versions_not_supported);
  out.request_timeouts = v(s.request_timeouts);
  out.handler_errors = v(s.handler_errors);
  out.websocket_upgrades = v(s.websocket_upgrades);
  out.websocket_refused = v(s.websocket_refused);
  out.websocket_active = v(s.websocket_active);
  out.websocket_messages_received = v(s.websocket_messages_received);
  out.websocket_messages_sent = v(s.websocket_messages_sent);
  out.websocket_slow_consumer_closes = v(s.websocket_slow_consumer_closes);
  out.websocket_too_big_closes = v(s.websocket_too_big_closes);
  return out;
}

}  // namespace nifty::net
