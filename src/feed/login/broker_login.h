// Broker logins: turn what the user brings back from the broker's login page (Kite request_token,
// Flattrade request code) or their credentials (mStock: client code, password, TOTP) into the access
// token the WebSocket needs, over the brokers' documented REST endpoints (broker-protocols.md 1.11,
// 2.1, 3.1). `nifty login <broker>` calls these and saves the token in the TokenStore.
//
// Errors: kUnauthenticated when the broker refuses (bad or used request token, wrong password/TOTP,
// wrong secret) with the broker's message; kUnavailable/kTimeout when it cannot be reached;
// kParseError when its answer is not the documented JSON. Secrets never appear in messages or logs.
//
// Threading: pure functions over a blocking HTTP request; callable from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::feed::login {

// Where and how to reach a broker's REST API (every endpoint configurable for tests and proxies).
struct HttpTarget {
  std::string base_url;  // "https://api.kite.trade"
  std::string ca_file;   // tests and private CAs only; otherwise the system trust store
  std::string ca_pem;    // the same as PEM text
  std::chrono::milliseconds timeout{15'000};
};

// Lower-case hex SHA-256 of `text` (the brokers' checksum / api_secret hashing).
std::string sha256_hex(std::string_view text);

// --- Kite (1.11) ---
// The page the user opens to log in; it redirects to the app's URL with ?request_token=...
std::string kite_login_page(std::string_view api_key);
// POST /session/token with api_key, request_token and checksum = SHA-256(api_key + request_token +
// api_secret); returns data.access_token.
core::Result<std::string> kite_access_token(const HttpTarget& api, std::string_view api_key,
                                            std::string_view api_secret, std::string_view request_token);

// --- Flattrade (3.1) ---
std::string flattrade_login_page(std::string_view api_key);
// POST /trade/apitoken with {api_key, request_code, api_secret: SHA-256(api_key + request_code +
// api_secret)}; returns token (reply {stat:"Ok", token}).
core::Result<std::string> flattrade_session_token(const HttpTarget& auth, std::string_view api_key,
                                                  std::string_view api_secret, std::string_view request_code);

// --- mStock Type B (2.1) ---
struct MstockCredentials {
  std::string api_key;      // X-PrivateKey
  std::string client_code;
  std::string password;
  std::string totp_secret;  // base32, as the broker shows it when TOTP is set up
};
// POST /openapi/typeb/connect/login {clientcode, password, totp, state}, then
// POST /openapi/typeb/session/verifytotp {refreshToken, totp}; returns the final jwtToken.
// The TOTP is computed at `now` (RFC 6238, 30 s, 6 digits).
core::Result<std::string> mstock_jwt(const HttpTarget& api, const MstockCredentials& credentials, core::Timestamp now);

}  // namespace nifty::feed::login
