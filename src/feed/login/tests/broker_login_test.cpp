// The three login flows against local HTTPS servers that check what each broker's documented
// endpoint checks (fields, checksums, headers) and answer as the broker does.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "feed/login/broker_login.h"
#include "feed/mstock/mstock_totp.h"
#include "net/testing/test_http_server.h"

namespace nifty::feed::login {
namespace {

using core::ErrorCode;
using net::testing::TestHttpRequest;
using net::testing::TestHttpResponse;
using net::testing::TestHttpServer;
using nlohmann::json;

std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    std::string part = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = part.find('=');
    if (eq != std::string::npos) out[part.substr(0, eq)] = part.substr(eq + 1);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

struct Server {
  explicit Server(std::function<TestHttpResponse(const TestHttpRequest&)> handler) {
    auto s = TestHttpServer::start({.tls = true, .handler = std::move(handler)});
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    server = std::move(s).value();
  }
  HttpTarget target() const { return {.base_url = server->url(""), .ca_file = "", .ca_pem = server->ca_pem()}; }
  std::unique_ptr<TestHttpServer> server;
};

TEST(Sha256Hex, MatchesTheFips180Vectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(KiteLogin, ExchangesTheRequestTokenWithTheDocumentedChecksum) {
  Server kite([](const TestHttpRequest& r) -> TestHttpResponse {
    if (r.method != "POST" || r.target != "/session/token") return {404, {}, "{}"};
    if (r.header("X-Kite-Version") != "3") return {400, {}, R"({"status":"error","message":"no version"})"};
    auto form = parse_form(r.body);
    // checksum = SHA-256(api_key + request_token + api_secret), with the secret "s3cret".
    if (form["api_key"] != "key1" || form["checksum"] != sha256_hex("key1" + form["request_token"] + "s3cret")) {
      return {403, {}, R"({"status":"error","message":"Invalid checksum","error_type":"TokenException"})"};
    }
    if (form["request_token"] != "rt-ok") {
      return {403, {}, R"({"status":"error","message":"Token is invalid or has expired.","error_type":"TokenException"})"};
    }
    return {200, {}, R"({"status":"success","data":{"user_id":"AB1234","access_token":"at-XYZ"}})"};
  });
  auto token = kite_access_token(kite.target(), "key1", "s3cret", "rt-ok");
  ASSERT_TRUE(token.is_ok()) << token.status().to_string();
  EXPECT_EQ(token.value(), "at-XYZ");

  auto used = kite_access_token(kite.target(), "key1", "s3cret", "rt-used");
  ASSERT_FALSE(used.is_ok());
  EXPECT_EQ(used.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(used.status().message().find("Token is invalid or has expired"), std::string::npos);

  auto wrong_secret = kite_access_token(kite.target(), "key1", "other", "rt-ok");
  EXPECT_EQ(wrong_secret.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong_secret.status().message().find("other"), std::string::npos);  // no secret in messages

  EXPECT_EQ(kite_access_token(kite.target(), "key1", "", "rt-ok").status().code(), ErrorCode::kConfigError);
  EXPECT_EQ(kite_login_page("key1"), "https://kite.zerodha.com/connect/login?v=3&api_key=key1");
}

TEST(KiteLogin, AnUnreachableOrBrokenServerIsNotAnAuthFailure) {
  HttpTarget nowhere{.base_url = "https://127.0.0.1:1", .ca_file = "", .ca_pem = "", .timeout = std::chrono::seconds(2)};
  auto r = kite_access_token(nowhere, "k", "s", "t");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);

  Server html([](const TestHttpRequest&) -> TestHttpResponse { return {502, {}, "<html>bad gateway</html>"}; });
  auto bad = kite_access_token(html.target(), "k", "s", "t");
  EXPECT_EQ(bad.status().code(), ErrorCode::kParseError);
}

TEST(FlattradeLogin, PostsTheHashedSecretAndReadsTheToken) {
  Server auth([](const TestHttpRequest& r) -> TestHttpResponse {
    if (r.target != "/trade/apitoken") return {404, {}, "{}"};
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return {400, {}, R"({"stat":"Not_Ok","emsg":"bad json"})"};
    std::string code = j.value("request_code", "");
    if (j.value("api_key", "") != "ftkey" || j.value("api_secret", "") != sha256_hex("ftkey" + code + "ftsecret") ||
        code != "code-1") {
      return {200, {}, R"({"stat":"Not_Ok","emsg":"Invalid Request Code"})"};
    }
    return {200, {}, R"({"stat":"Ok","token":"ft-session","client":"FT001"})"};
  });
  auto token = flattrade_session_token(auth.target(), "ftkey", "ftsecret", "code-1");
  ASSERT_TRUE(token.is_ok()) << token.status().to_string();
  EXPECT_EQ(token.value(), "ft-session");
  auto refused = flattrade_session_token(auth.target(), "ftkey", "ftsecret", "code-2");
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("Invalid Request Code"), std::string::npos);
}

TEST(MstockLogin, LogsInThenVerifiesTheTotp) {
  const std::string secret = "JBSWY3DPEHPK3PXP";
  const core::Timestamp now = core::Timestamp::from_seconds(1'764'115'200);
  const std::string expected_totp = mstock::totp(secret, 1'764'115'200).value();
  std::atomic<int> steps{0};
  Server api([&](const TestHttpRequest& r) -> TestHttpResponse {
    if (r.header("X-Mirae-Version") != "1" || r.header("X-PrivateKey") != "mkey") {
      return {401, {}, R"({"status":"false","message":"missing headers"})"};
    }
    json j = json::parse(r.body, nullptr, false);
    if (r.target == "/openapi/typeb/connect/login") {
      ++steps;
      if (j.value("clientcode", "") != "MA001" || j.value("password", "") != "pw" || j.value("totp", "") != expected_totp) {
        return {401, {}, R"({"status":"false","message":"Invalid credentials"})"};
      }
      return {200, {}, R"({"status":"true","data":{"jwtToken":"pre","refreshToken":"refresh-1","feedToken":"f"}})"};
    }
    if (r.target == "/openapi/typeb/session/verifytotp") {
      ++steps;
      if (j.value("refreshToken", "") != "refresh-1" || j.value("totp", "") != expected_totp) {
        return {401, {}, R"({"status":"false","message":"Invalid TOTP"})"};
      }
      return {200, {}, R"({"status":"true","data":{"jwtToken":"jwt-final","feedToken":"f2"}})"};
    }
    return {404, {}, "{}"};
  });
  auto jwt = mstock_jwt(api.target(), {"mkey", "MA001", "pw", secret}, now);
  ASSERT_TRUE(jwt.is_ok()) << jwt.status().to_string();
  EXPECT_EQ(jwt.value(), "jwt-final");
  EXPECT_EQ(steps.load(), 2);

  auto wrong = mstock_jwt(api.target(), {"mkey", "MA001", "bad", secret}, now);
  EXPECT_EQ(wrong.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(wrong.status().message().find("Invalid credentials"), std::string::npos);
  EXPECT_EQ(mstock_jwt(api.target(), {"mkey", "MA001", "pw", "not base32!"}, now).status().code(),
            ErrorCode::kConfigError);
}

}  // namespace
}  // namespace nifty::feed::login
