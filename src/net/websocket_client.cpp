#include "net/websocket_client.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "core/check.h"
#include "net/tls_util.h"
#include "net/url.h"

namespace nifty::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using core::ErrorCode;
using SteadyClock = std::chrono::steady_clock;

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

constexpr size_t kMaxReasonBytes = 512;

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

core::Status upgrade_refused(int status, std::string_view reason_phrase, const Url& url) {
  std::string msg = "WebSocket upgrade to " + url.redacted() + " refused with HTTP " + std::to_string(status);
  if (!reason_phrase.empty()) msg += " " + std::string(reason_phrase);
  ErrorCode code = ErrorCode::kUnavailable;
  if (status == 401 || status == 403) code = ErrorCode::kUnauthenticated;
  else if (status == 429) code = ErrorCode::kResourceExhausted;
  else if (status >= 400 && status < 500) code = ErrorCode::kInvalidArgument;
  return core::error(code, std::move(msg));
}

}  // namespace

struct WebSocketClient::Impl {
  struct Outgoing {
    std::string data;
    bool binary = false;
  };

  Impl(WebSocketOptions opts, Url u, WebSocketHandler& h)
      : options(std::move(opts)), url(std::move(u)), handler(h) {}

  WebSocketOptions options;
  Url url;
  WebSocketHandler& handler;

  asio::io_context ioc{1};
  asio::ssl::context ssl_ctx{asio::ssl::context::tls_client};
  tcp::resolver resolver{ioc};
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  asio::steady_timer phase_timer{ioc};
  asio::steady_timer idle_timer{ioc};
  asio::steady_timer ping_timer{ioc};
  asio::steady_timer close_timer{ioc};
  beast::flat_buffer buffer;
  websocket::response_type upgrade_response;

  // Io-thread state.
  std::deque<Outgoing> outgoing;
  bool writing = false;
  bool ping_in_flight = false;
  bool close_waits_for_ping = false;
  bool user_close = false;
  bool finished = false;
  bool was_open = false;
  int close_code = 1000;
  std::string close_reason;
  SteadyClock::time_point last_rx{};
  SteadyClock::time_point last_ping{};

  // Shared state.
  std::atomic<State> state{State::kIdle};
  std::atomic<size_t> queued{0};
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> bytes{0};
  std::thread thread;
  mutable std::mutex done_mu;
  mutable std::condition_variable done_cv;
  bool done = false;

  template <class F>
  void with_ws(F&& f) {
    if (tls) f(*tls);
    else f(*plain);
  }
  tcp::socket& socket() {
    return tls ? beast::get_lowest_layer(*tls).socket() : beast::get_lowest_layer(*plain).socket();
  }
  std::string where() const { return url.host + ":" + std::to_string(url.port); }

  // ---- lifecycle -------------------------------------------------------------------------
  void begin() {
    if (finished) return;
    arm_phase(options.connect_timeout, "connect to " + where());
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [this](const boost::system::error_code& ec, tcp::resolver::results_type results) {
                             if (finished) return;
                             if (ec) return fail(detail::connect_error(ec, "resolve", url));
                             on_resolved(results);
                           });
  }

  void on_resolved(const tcp::resolver::results_type& results) {
    auto& lowest = tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain);
    lowest.async_connect(results, [this](const boost::system::error_code& ec, const tcp::endpoint&) {
      if (finished) return;
      if (ec) return fail(detail::connect_error(ec, "connect", url));
      on_connected();
    });
  }

  void on_connected() {
    boost::system::error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
    arm_phase(options.handshake_timeout, "handshake with " + where());
    if (!tls) return ws_handshake();
    SSL* ssl = tls->next_layer().native_handle();
    if (auto st = detail::prepare_tls_connection(ssl, url, options.verify_peer); !st.is_ok()) return fail(st);
    tls->next_layer().async_handshake(asio::ssl::stream_base::client, [this](const boost::system::error_code& ec) {
      if (finished) return;
      if (ec) return fail(detail::tls_handshake_error(tls->next_layer().native_handle(), ec, url));
      ws_handshake();
    });
  }

  void ws_handshake() {
    with_ws([this](auto& ws) {
      ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                    websocket::stream_base::none(), false});
      ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, options.user_agent);
        for (const auto& [name, value] : options.headers) req.set(name, value);
      }));
      ws.read_message_max(options.max_message_bytes);
      ws.auto_fragment(false);
      ws.control_callback([this](websocket::frame_type, beast::string_view) { last_rx = SteadyClock::now(); });
      ws.async_handshake(upgrade_response, url.host_header(), url.target,
                         [this](const boost::system::error_code& ec) { on_ws_handshake(ec); });
    });
  }

  void on_ws_handshake(const boost::system::error_code& ec) {
    if (finished) return;
    if (ec) {
      int status = static_cast<int>(upgrade_response.result_int());
      if (ec == websocket::error::upgrade_declined || (status != 0 && status != 101)) {
        std::string body = upgrade_response.body().substr(0, kMaxReasonBytes);
        return fail(upgrade_refused(status, std::string(upgrade_response.reason()), url), status, 0, body);
      }
      return fail(core::error(ErrorCode::kUnavailable,
                              "WebSocket handshake with " + url.redacted() + " failed: " + ec.message()));
    }
    phase_timer.cancel();
    state = State::kOpen;
    was_open = true;
    last_rx = SteadyClock::now();
    last_ping = last_rx;
    arm_idle();
    arm_ping();
    handler.on_open();
    if (finished) return;
    start_read();
    pump();
  }

  // ---- reading ---------------------------------------------------------------------------
  void start_read() {
    with_ws([this](auto& ws) {
      ws.async_read(buffer, [this, &ws](const boost::system::error_code& ec, size_t) {
        if (finished) return;
        if (ec) return on_read_error(ec, ws.reason());
        core::Timestamp received = core::Timestamp::now();
        last_rx = SteadyClock::now();
        auto data = buffer.cdata();
        std::string_view payload(static_cast<const char*>(data.data()), data.size());
        messages.fetch_add(1, std::memory_order_relaxed);
        bytes.fetch_add(payload.size(), std::memory_order_relaxed);
        handler.on_message(payload, ws.got_binary(), received);
        buffer.consume(buffer.size());
        if (!finished) start_read();
      });
    });
  }

  void on_read_error(const boost::system::error_code& ec, const websocket::close_reason& reason) {
    int code = static_cast<int>(reason.code);
    std::string text(reason.reason.data(), reason.reason.size());
    if (ec == websocket::error::closed) {
      if (user_close) return fail(core::Status::ok(), 0, code, text);
      std::string msg = "server " + where() + " closed the connection with code " + std::to_string(code);
      if (!text.empty()) msg += " '" + text + "'";
      return fail(core::error(ErrorCode::kUnavailable, msg), 0, code, text);
    }
    if (ec == websocket::error::message_too_big)
      return fail(core::error(ErrorCode::kResourceExhausted,
                              "message from " + where() + " larger than max_message_bytes (" +
                                  std::to_string(options.max_message_bytes) + ")"));
    if (ec == websocket::condition::protocol_violation)
      return fail(core::error(ErrorCode::kParseError,
                              "WebSocket protocol error from " + where() + ": " + ec.message()));
    if (user_close) return fail(core::Status::ok());
    return fail(core::error(ErrorCode::kUnavailable, "connection to " + where() + " dropped: " + ec.message()));
  }

  // ---- writing ---------------------------------------------------------------------------
  core::Status send(std::string_view payload, bool binary) {
    State st = state.load();
    if (st != State::kOpen)
      return core::error(ErrorCode::kUnavailable, "WebSocket to " + where() + " is not open (" +
                                                      std::string(websocket_state_name(st)) + ")");
    if (queued.fetch_add(1) >= options.max_outgoing_messages) {
      queued.fetch_sub(1);
      return core::error(ErrorCode::kResourceExhausted, "WebSocket outgoing queue to " + where() + " is full (" +
                                                            std::to_string(options.max_outgoing_messages) +
                                                            " messages)");
    }
    asio::post(ioc, [this, msg = Outgoing{std::string(payload), binary}]() mutable { enqueue(std::move(msg)); });
    return core::Status::ok();
  }

  void enqueue(Outgoing msg) {
    if (finished || state != State::kOpen) {
      queued.fetch_sub(1);
      return;
    }
    outgoing.push_back(std::move(msg));
    pump();
  }

  void pump() {
    if (writing || outgoing.empty() || finished || state != State::kOpen) return;
    writing = true;
    with_ws([this](auto& ws) {
      ws.binary(outgoing.front().binary);
      ws.async_write(asio::buffer(outgoing.front().data), [this](const boost::system::error_code& ec, size_t) {
        writing = false;
        outgoing.pop_front();
        queued.fetch_sub(1);
        if (finished) return;
        if (ec) {
          if (user_close) return;  // the close path reports
          return fail(core::error(ErrorCode::kUnavailable, "write to " + where() + " failed: " + ec.message()));
        }
        pump();
      });
    });
  }

  // ---- timers ----------------------------------------------------------------------------
  void arm_phase(std::chrono::milliseconds timeout, std::string what) {
    phase_timer.expires_after(timeout);
    phase_timer.async_wait([this, timeout, what = std::move(what)](const boost::system::error_code& ec) {
      if (ec || finished) return;
      fail(core::error(ErrorCode::kTimeout, what + " timed out after " + ms_text(timeout)));
    });
  }

  void arm_idle() {
    if (options.idle_timeout.count() <= 0) return;
    idle_timer.expires_at(last_rx + options.idle_timeout);
    idle_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished) return;
      if (SteadyClock::now() - last_rx >= options.idle_timeout)
        return fail(core::error(ErrorCode::kTimeout,
                                "no frame from " + where() + " for " + ms_text(options.idle_timeout)));
      arm_idle();
    });
  }

  void arm_ping() {
    if (options.ping_interval.count() <= 0) return;
    ping_timer.expires_at(std::max(last_rx, last_ping) + options.ping_interval);
    ping_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished || state != State::kOpen) return;
      auto now = SteadyClock::now();
      if (!ping_in_flight && now - last_rx >= options.ping_interval && now - last_ping >= options.ping_interval)
        send_ping();
      arm_ping();
    });
  }

  void send_ping() {
    ping_in_flight = true;
    last_ping = SteadyClock::now();
    with_ws([this](auto& ws) {
      ws.async_ping(websocket::ping_data(options.ping_payload), [this](const boost::system::error_code&) {
        ping_in_flight = false;  // a failed ping also fails the pending read, which reports
        if (finished) return;
        if (close_waits_for_ping) {
          close_waits_for_ping = false;
          do_close();
        }
      });
    });
  }

  // ---- closing ---------------------------------------------------------------------------
  void request_close(int code, std::string reason) {
    if (finished || user_close) return;
    user_close = true;
    if (state != State::kOpen) {
      return fail(core::error(ErrorCode::kCancelled, "connection to " + where() + " closed before it opened"));
    }
    state = State::kClosing;
    close_code = code;
    close_reason = std::move(reason);
    ping_timer.cancel();
    close_timer.expires_after(options.close_timeout);
    close_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished) return;
      fail(core::Status::ok());  // graceful close took too long: close hard
    });
    if (ping_in_flight) close_waits_for_ping = true;
    else do_close();
  }

  void do_close() {
    with_ws([this](auto& ws) {
      websocket::close_reason cr(static_cast<websocket::close_code>(close_code));
      cr.reason = close_reason.substr(0, 120);
      ws.async_close(cr, [this, &ws](const boost::system::error_code&) {
        if (finished) return;
        fail(core::Status::ok(), 0, static_cast<int>(ws.reason().code),
             std::string(ws.reason().reason.data(), ws.reason().reason.size()));
      });
    });
  }

  // Ends the connection once: cancels everything, closes the socket, reports on_close.
  void fail(core::Status status, int http_status = 0, int code = 0, std::string reason = {}) {
    if (finished) return;
    finished = true;
    state = State::kClosed;
    boost::system::error_code ignored;
    phase_timer.cancel();
    idle_timer.cancel();
    ping_timer.cancel();
    close_timer.cancel();
    resolver.cancel();
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    CloseInfo info;
    info.status = std::move(status);
    info.http_status = http_status;
    info.close_code = code;
    info.reason = std::move(reason);
    info.was_open = was_open;
    handler.on_close(info);
    {
      std::lock_guard lock(done_mu);
      done = true;
    }
    done_cv.notify_all();
  }
};

// ---- public API ------------------------------------------------------------------------------

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

core::Result<std::unique_ptr<WebSocketClient>> WebSocketClient::create(WebSocketOptions options,
                                                                      WebSocketHandler& handler) {
  NIFTY_ASSIGN_OR_RETURN(Url url, parse_url(options.url));
  if (url.scheme != Scheme::kWs && url.scheme != Scheme::kWss)
    return core::error(ErrorCode::kInvalidArgument,
                       "WebSocket URL " + url.redacted() + " must use ws:// or wss://");
  if (options.connect_timeout.count() <= 0 || options.handshake_timeout.count() <= 0 ||
      options.close_timeout.count() <= 0)
    return core::error(ErrorCode::kInvalidArgument, "WebSocket connect, handshake and close timeouts must be > 0");
  if (options.idle_timeout.count() < 0 || options.ping_interval.count() < 0)
    return core::error(ErrorCode::kInvalidArgument, "WebSocket idle_timeout and ping_interval must be >= 0");
  if (options.ping_payload.size() > 125)
    return core::error(ErrorCode::kInvalidArgument, "WebSocket ping_payload longer than 125 bytes");
  if (options.max_message_bytes == 0 || options.max_outgoing_messages == 0)
    return core::error(ErrorCode::kInvalidArgument, "WebSocket max_message_bytes and max_outgoing_messages must be > 0");
  for (const auto& [name, value] : options.headers) {
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos)
      return core::error(ErrorCode::kInvalidArgument, "WebSocket header '" + name + "' has a bad name or value");
  }
  bool secure = url.secure();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(url), handler);
  if (secure) {
    NIFTY_RETURN_IF_ERROR(detail::configure_client_tls(impl->ssl_ctx, impl->options.verify_peer,
                                                       impl->options.ca_file, impl->options.ca_pem));
    impl->tls = std::make_unique<TlsWs>(impl->ioc, impl->ssl_ctx);
  } else {
    impl->plain = std::make_unique<PlainWs>(impl->ioc);
  }
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

WebSocketClient::~WebSocketClient() {
  if (!impl_->thread.joinable()) return;
  NIFTY_CHECK(std::this_thread::get_id() != impl_->thread.get_id(),
              "WebSocketClient destroyed from inside its own callback");
  close();
  // Bounded: close_timer ends a close handshake that does not finish, so on_close() has normally
  // returned by now; the margin covers a slow machine.
  (void)wait_closed(impl_->options.close_timeout + std::chrono::seconds(5));
  // Always stop the io_context before joining; never wait for run() to run out of work. Once
  // fail() has run every handler returns at once, but Beast can leave a composed operation parked
  // inside the stream for good: its close op (holding the write lock, waiting for the read lock)
  // and its read op (holding the read lock, waiting for the write lock) park each other when the
  // peer's close frame is already buffered as a read starts (boostorg/beast#2647). A parked op
  // keeps the io_context's work count above zero with no I/O or timer left to resume it, so a
  // join without stop() waited forever. The pending handlers are destroyed with the Impl.
  impl_->ioc.stop();
  impl_->thread.join();
}

core::Status WebSocketClient::start() {
  State expected = State::kIdle;
  if (!impl_->state.compare_exchange_strong(expected, State::kConnecting))
    return core::error(ErrorCode::kInvalidArgument, std::string("WebSocketClient::start: client is ") +
                                                        std::string(websocket_state_name(expected)) +
                                                        "; one connection per client");
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->begin(); });
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
  return core::Status::ok();
}


core::Status WebSocketClient::send_text(std::string_view payload) { return impl_->send(payload, false); }
core::Status WebSocketClient::send_binary(std::string_view payload) { return impl_->send(payload, true); }

void WebSocketClient::close(int code, std::string_view reason) {
  State expected = State::kIdle;
  if (impl_->state.compare_exchange_strong(expected, State::kClosed)) return;  // never started
  asio::post(impl_->ioc, [impl = impl_.get(), code, r = std::string(reason)]() mutable {
    impl->request_close(code, std::move(r));
  });
}

bool WebSocketClient::wait_closed(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->done_mu);
  return impl_->done_cv.wait_for(lock, timeout, [&] { return impl_->done; });
}

WebSocketClient::State WebSocketClient::state() const { return impl_->state.load(); }
const WebSocketOptions& WebSocketClient::options() const { return impl_->options; }
uint64_t WebSocketClient::messages_received() const { return impl_->messages.load(std::memory_order_relaxed); }
uint64_t WebSocketClient::bytes_received() const { return impl_->bytes.load(std::memory_order_relaxed); }

std::string_view websocket_state_name(WebSocketClient::State state) {
  switch (state) {
    case WebSocketClient::State::kIdle: return "idle";
    case WebSocketClient::State::kConnecting: return "connecting";
    case WebSocketClient::State::kOpen: return "open";
    case WebSocketClient::State::kClosing: return "closing";
    case WebSocketClient::State::kClosed: return "closed";
  }
  return "?";
}

}  // namespace nifty::net
