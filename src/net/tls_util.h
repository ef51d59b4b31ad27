// Internal to net: TLS context set-up, per-connection SNI and host-name checks, and the mapping of
// Asio/Beast/OpenSSL error codes to Status. Includes Asio SSL: never include from a public header.
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/ssl.hpp>
#include <boost/system/error_code.hpp>

#include "core/status.h"
#include "net/url.h"

namespace nifty::net::detail {

// TLS 1.2+ client context; with verify: system paths (when ca_file and ca_pem are both empty),
// ca_file and ca_pem as trust anchors. kInvalidArgument naming the file when it cannot be loaded.
core::Status configure_client_tls(boost::asio::ssl::context& ctx, bool verify, const std::string& ca_file,
                                  const std::string& ca_pem);

// Sets SNI (host names only) and, with verify, the expected host name or IP on one connection.
core::Status prepare_tls_connection(SSL* ssl, const Url& url, bool verify);

// A failed TLS handshake as a Status: verification failures (kIoError) name the host and reason.
core::Status tls_handshake_error(SSL* ssl, const boost::system::error_code& ec, const Url& url);

// A failed DNS lookup or TCP connect as a Status naming host and port.
core::Status connect_error(const boost::system::error_code& ec, std::string_view phase, const Url& url);

}  // namespace nifty::net::detail
