#include "feed/login/broker_login.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "feed/mstock/mstock_totp.h"
#include "feed/supervisor/decoding_session.h"
#include "net/http_client.h"

namespace nifty::feed::login {
namespace {

using core::ErrorCode;
using nlohmann::json;

std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  // with_query("", ...) gives "?a=b&c=d"; drop the '?'.
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [k, v] : fields) params.emplace_back(std::string(k), std::string(v));
  return with_query("", params).substr(1);
}

// Sends the request; a transport failure keeps its code, a reply is returned whatever its status.
core::Result<net::HttpResponse> send(const HttpTarget& target, std::string_view path, std::string content_type,
                                     std::string body, net::HttpHeaders extra) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = target.base_url;
  while (!req.url.empty() && req.url.back() == '/') req.url.pop_back();
  req.url += path;
  req.headers = std::move(extra);
  req.headers.emplace_back("Content-Type", std::move(content_type));
  req.headers.emplace_back("Accept", "application/json");
  req.body = std::move(body);
  req.timeout = target.timeout;
  req.ca_file = target.ca_file;
  req.ca_pem = target.ca_pem;
  return net::http_request(req);
}

// The reply as JSON, or kParseError naming the broker and HTTP status.
core::Result<json> json_body(std::string_view broker, const net::HttpResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return core::error(ErrorCode::kParseError, std::string(broker) + " login: the reply (HTTP " +
                                                   std::to_string(r.status) + ") is not a JSON object");
  }
  return j;
}

std::string string_at(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return {};
    auto it = cur->find(key);
    if (it == cur->end()) return {};
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : std::string();
}

// A refusal: kUnauthenticated for 4xx (credentials), kUnavailable for 5xx.
core::Status refused(std::string_view broker, int http_status, std::string_view message) {
  std::string text = std::string(broker) + " refused the login (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) text += ": " + std::string(message);
  ErrorCode code = http_status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kUnauthenticated;
  return core::error(code, std::move(text));
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string kite_login_page(std::string_view api_key) {
  return with_query("https://kite.zerodha.com/connect/login", {{"v", "3"}, {"api_key", std::string(api_key)}});
}

core::Result<std::string> kite_access_token(const HttpTarget& api, std::string_view api_key,
                                            std::string_view api_secret, std::string_view request_token) {
  if (api_key.empty() || api_secret.empty() || request_token.empty()) {
    return core::error(ErrorCode::kConfigError, "kite login needs the api_key, the api_secret and a request_token");
  }
  std::string checksum = sha256_hex(std::string(api_key) + std::string(request_token) + std::string(api_secret));
  auto reply = send(api, "/session/token", "application/x-www-form-urlencoded",
                    form_encode({{"api_key", api_key}, {"request_token", request_token}, {"checksum", checksum}}),
                    {{"X-Kite-Version", "3"}});
  if (!reply) return reply.status();
  auto j = json_body("kite", reply.value());
  if (!j) return j.status();
  if (reply.value().status != 200 || string_at(j.value(), {"status"}) != "success") {
    return refused("kite", reply.value().status, string_at(j.value(), {"message"}));
  }
  std::string token = string_at(j.value(), {"data", "access_token"});
  if (token.empty()) return core::error(ErrorCode::kParseError, "kite login: the reply has no data.access_token");
  return token;
}

std::string flattrade_login_page(std::string_view api_key) {
  return with_query("https://auth.flattrade.in/", {{"app_key", std::string(api_key)}});
}

core::Result<std::string> flattrade_session_token(const HttpTarget& auth, std::string_view api_key,
                                                  std::string_view api_secret, std::string_view request_code) {
  if (api_key.empty() || api_secret.empty() || request_code.empty()) {
    return core::error(ErrorCode::kConfigError, "flattrade login needs the api_key, the api_secret and a request code");
  }
  json body = {{"api_key", api_key},
               {"request_code", request_code},
               {"api_secret", sha256_hex(std::string(api_key) + std::string(request_code) + std::string(api_secret))}};
  auto reply = send(auth, "/trade/apitoken", "application/json", body.dump(), {});
  if (!reply) return reply.status();
  auto j = json_body("flattrade", reply.value());
  if (!j) return j.status();
  std::string stat = string_at(j.value(), {"stat"});
  if (reply.value().status != 200 || (stat != "Ok" && stat != "OK")) {
    return refused("flattrade", reply.value().status == 200 ? 401 : reply.value().status,
                   string_at(j.value(), {"emsg"}));
  }
  std::string token = string_at(j.value(), {"token"});
  if (token.empty()) return core::error(ErrorCode::kParseError, "flattrade login: the reply has no token");
  return token;
}

core::Result<std::string> mstock_jwt(const HttpTarget& api, const MstockCredentials& c, core::Timestamp now) {
  if (c.api_key.empty() || c.client_code.empty() || c.password.empty() || c.totp_secret.empty()) {
    return core::error(ErrorCode::kConfigError,
                       "mstock login needs the api_key, the client code, the password and the TOTP secret");
  }
  auto code = mstock::totp(c.totp_secret, now.nanos() / core::kNanosPerSecond);
  if (!code) {
    return core::error(ErrorCode::kConfigError, "mstock TOTP secret: " + code.status().message());
  }
  net::HttpHeaders headers = {{"X-Mirae-Version", "1"}, {"X-PrivateKey", c.api_key}};
  json login = {{"clientcode", c.client_code}, {"password", c.password}, {"totp", code.value()}, {"state", ""}};
  auto first = send(api, "/openapi/typeb/connect/login", "application/json", login.dump(), headers);
  if (!first) return first.status();
  auto j1 = json_body("mstock", first.value());
  if (!j1) return j1.status();
  std::string refresh = string_at(j1.value(), {"data", "refreshToken"});
  if (first.value().status != 200 || refresh.empty()) {
    return refused("mstock", first.value().status == 200 ? 401 : first.value().status,
                   string_at(j1.value(), {"message"}));
  }
  json verify = {{"refreshToken", refresh}, {"totp", code.value()}};
  auto second = send(api, "/openapi/typeb/session/verifytotp", "application/json", verify.dump(), headers);
  if (!second) return second.status();
  auto j2 = json_body("mstock", second.value());
  if (!j2) return j2.status();
  std::string jwt = string_at(j2.value(), {"data", "jwtToken"});
  if (second.value().status != 200 || jwt.empty()) {
    return refused("mstock", second.value().status == 200 ? 401 : second.value().status,
                   string_at(j2.value(), {"message"}));
  }
  return jwt;
}

}  // namespace nifty::feed::login
