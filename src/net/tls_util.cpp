#include "net/tls_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <boost/asio/error.hpp>

namespace nifty::net::detail {

namespace ssl = boost::asio::ssl;
using core::ErrorCode;

core::Status configure_client_tls(ssl::context& ctx, bool verify, const std::string& ca_file,
                                  const std::string& ca_pem) {
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (!verify) {
    ctx.set_verify_mode(ssl::verify_none);
    return core::Status::ok();
  }
  ctx.set_verify_mode(ssl::verify_peer);
  if (ca_file.empty() && ca_pem.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) return core::error(ErrorCode::kConfigError, "TLS: cannot load the system trust store: " + ec.message());
  }
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file, ec);
    if (ec)
      return core::error(ErrorCode::kInvalidArgument, "TLS: cannot load CA file '" + ca_file + "': " + ec.message());
  }
  if (!ca_pem.empty()) {
    ctx.add_certificate_authority(boost::asio::buffer(ca_pem), ec);
    if (ec) return core::error(ErrorCode::kInvalidArgument, "TLS: cannot parse the CA PEM text: " + ec.message());
  }
  return core::Status::ok();
}

core::Status prepare_tls_connection(SSL* ssl, const Url& url, bool verify) {
  if (!url.host_is_ip()) {
    if (SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1)
      return core::error(ErrorCode::kInternal, "TLS: cannot set SNI host name '" + url.host + "'");
  }
  if (verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    int ok = url.host_is_ip() ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                              : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
    if (ok != 1) return core::error(ErrorCode::kInternal, "TLS: cannot set expected host '" + url.host + "'");
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  return core::Status::ok();
}

core::Status tls_handshake_error(SSL* ssl, const boost::system::error_code& ec, const Url& url) {
  std::string where = url.host + ":" + std::to_string(url.port);
  long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) {
    return core::error(ErrorCode::kIoError, "TLS certificate verification failed for host '" + url.host +
                                                "': " + X509_verify_cert_error_string(verify));
  }
  if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated ||
      ec == boost::asio::error::connection_reset)
    return core::error(ErrorCode::kUnavailable, "TLS handshake with " + where + " failed: connection closed by peer");
  return core::error(ErrorCode::kIoError, "TLS handshake with " + where + " failed: " + ec.message());
}

core::Status connect_error(const boost::system::error_code& ec, std::string_view phase, const Url& url) {
  std::string where = url.host + ":" + std::to_string(url.port);
  if (phase == "resolve")
    return core::error(ErrorCode::kUnavailable, "DNS lookup of '" + url.host + "' failed: " + ec.message());
  if (ec == boost::asio::error::connection_refused)
    return core::error(ErrorCode::kUnavailable, "connect to " + where + " refused");
  return core::error(ErrorCode::kUnavailable, std::string(phase) + " to " + where + " failed: " + ec.message());
}

}  // namespace nifty::net::detail
