#include "net/http_client.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/tls_util.h"
#include "net/url.h"

namespace nifty::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using core::ErrorCode;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// One request on its own io_context; every step is async so one deadline timer bounds them all.
class Exchange {
 public:
  Exchange(const HttpRequest& request, Url url) : request_(request), url_(std::move(url)) {}

  core::Result<HttpResponse> run() {
    if (url_.secure()) {
      NIFTY_RETURN_IF_ERROR(detail::configure_client_tls(ssl_ctx_, request_.verify_peer, request_.ca_file,
                                                         request_.ca_pem));
      tls_.emplace(ioc_, ssl_ctx_);
    } else {
      plain_.emplace(ioc_);
    }
    build_request();
    deadline_.expires_after(request_.timeout);
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished_) return;
      finish(core::error(ErrorCode::kTimeout, "HTTP " + request_.method + " " + url_.redacted() +
                                                  " timed out after " + std::to_string(request_.timeout.count()) +
                                                  " ms"));
    });
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [this](const boost::system::error_code& ec, tcp::resolver::results_type results) {
                              if (finished_) return;
                              if (ec) return finish(detail::connect_error(ec, "resolve", url_));
                              lowest().async_connect(results,
                                                     [this](const boost::system::error_code& ec2, const tcp::endpoint&) {
                                                       if (finished_) return;
                                                       if (ec2) return finish(detail::connect_error(ec2, "connect", url_));
                                                       on_connected();
                                                     });
                            });
    ioc_.run();
    if (!status_.is_ok()) return status_;
    return std::move(response_);
  }

 private:
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void build_request() {
    req_.method_string(request_.method);
    req_.target(url_.target);
    req_.version(11);
    req_.set(http::field::host, url_.host_header());
    req_.set(http::field::user_agent, request_.user_agent);
    req_.set(http::field::connection, "close");
    for (const auto& [name, value] : request_.headers) req_.set(name, value);
    if (!request_.body.empty() || request_.method == "POST" || request_.method == "PUT") {
      req_.body() = request_.body;
      req_.prepare_payload();
    }
    parser_.body_limit(request_.max_body_bytes);
    parser_.header_limit(64 * 1024);
  }

  void on_connected() {
    if (!tls_) return write(*plain_);
    SSL* ssl = tls_->native_handle();
    if (auto st = detail::prepare_tls_connection(ssl, url_, request_.verify_peer); !st.is_ok()) return finish(st);
    tls_->async_handshake(asio::ssl::stream_base::client, [this](const boost::system::error_code& ec) {
      if (finished_) return;
      if (ec) return finish(detail::tls_handshake_error(tls_->native_handle(), ec, url_));
      write(*tls_);
    });
  }

  template <class Stream>
  void write(Stream& stream) {
    http::async_write(stream, req_, [this, &stream](const boost::system::error_code& ec, size_t) {
      if (finished_) return;
      if (ec)
        return finish(core::error(ErrorCode::kUnavailable,
                                  "HTTP request to " + url_.redacted() + " failed while sending: " + ec.message()));
      http::async_read(stream, buffer_, parser_, [this](const boost::system::error_code& ec2, size_t) {
        if (finished_) return;
        if (ec2) return on_read_error(ec2);
        auto& res = parser_.get();
        if (res.body().size() > request_.max_body_bytes) return on_read_error(http::error::body_limit);
        response_.status = static_cast<int>(res.result_int());
        for (const auto& field : res) response_.headers.emplace_back(field.name_string(), field.value());
        response_.body = std::move(res.body());
        finish(core::Status::ok());
      });
    });
  }

  void on_read_error(const boost::system::error_code& ec) {
    std::string what = "HTTP response from " + url_.redacted();
    if (ec == http::error::body_limit)
      return finish(core::error(ErrorCode::kResourceExhausted,
                                what + " larger than " + std::to_string(request_.max_body_bytes) + " bytes"));
    if (ec.category() == boost::system::error_code(http::error::bad_version).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return finish(core::error(ErrorCode::kParseError, what + " is malformed: " + ec.message()));
    return finish(core::error(ErrorCode::kUnavailable, what + " failed: " + ec.message()));
  }

  void finish(core::Status status) {
    if (finished_) return;
    finished_ = true;
    status_ = std::move(status);
    deadline_.cancel();
    resolver_.cancel();
    boost::system::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  const HttpRequest& request_;
  Url url_;
  asio::io_context ioc_{1};
  asio::ssl::context ssl_ctx_{asio::ssl::context::tls_client};
  tcp::resolver resolver_{ioc_};
  asio::steady_timer deadline_{ioc_};
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  HttpResponse response_;
  core::Status status_;
  bool finished_ = false;
};

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

core::Result<HttpResponse> http_request(const HttpRequest& request) {
  NIFTY_ASSIGN_OR_RETURN(Url url, parse_url(request.url));
  if (url.scheme != Scheme::kHttp && url.scheme != Scheme::kHttps)
    return core::error(ErrorCode::kInvalidArgument, "HTTP URL " + url.redacted() + " must use http:// or https://");
  if (request.method.empty() ||
      !std::all_of(request.method.begin(), request.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return core::error(ErrorCode::kInvalidArgument, "HTTP method '" + request.method + "' is not valid");
  if (request.timeout.count() <= 0) return core::error(ErrorCode::kInvalidArgument, "HTTP timeout must be > 0");
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos)
      return core::error(ErrorCode::kInvalidArgument, "HTTP header '" + name + "' has a bad name or value");
  }
  try {
    Exchange exchange(request, std::move(url));
    return exchange.run();
  } catch (const std::exception& e) {  // Beast/Asio edge: nothing may escape the module
    return core::error(ErrorCode::kInternal, std::string("HTTP request failed: ") + e.what());
  }
}

}  // namespace nifty::net
