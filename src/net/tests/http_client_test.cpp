#include "net/http_client.h"

#include <gtest/gtest.h>

#include "net/testing/test_http_server.h"
#include "net/testing/test_websocket_server.h"

namespace nifty::net {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using testing::TestHttpRequest;
using testing::TestHttpResponse;
using testing::TestHttpServer;

// Echoes what it saw so the test can check what went over the wire.
TestHttpResponse echo(const TestHttpRequest& req) {
  TestHttpResponse res;
  res.status = req.target.rfind("/missing", 0) == 0 ? 404 : 200;
  res.headers = {{"X-Method", req.method}, {"X-Target", req.target}, {"X-Auth", req.header("Authorization")}};
  res.body = req.body;
  return res;
}

std::unique_ptr<TestHttpServer> make_server(bool tls = false) {
  auto s = TestHttpServer::start({tls, echo});
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return std::move(s).value();
}

TEST(HttpRequest, GetSendsTargetAndHeaders) {
  auto server = make_server();
  HttpRequest req;
  req.url = server->url("/instruments/NSE?x=1");
  req.headers = {{"Authorization", "token k:t"}, {"X-Kite-Version", "3"}};
  auto res = http_request(req);
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("x-method"), "GET");
  EXPECT_EQ(res->header("X-Target"), "/instruments/NSE?x=1");
  EXPECT_EQ(res->header("X-Auth"), "token k:t");
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(server->requests_served(), 1u);
}

TEST(HttpRequest, PostSendsBodyAndNon2xxIsAResponse) {
  auto server = make_server();
  HttpRequest req;
  req.method = "POST";
  req.url = server->url("/openapi/typeb/connect/login");
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"clientcode":"c","password":"p","totp":"123456"})";
  auto res = http_request(req);
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("X-Method"), "POST");
  EXPECT_EQ(res->body, req.body);

  req.url = server->url("/missing");
  auto missing = http_request(req);
  ASSERT_TRUE(missing.is_ok());
  EXPECT_EQ(missing->status, 404);
}

TEST(HttpRequest, HttpsWithServerCaAndVerifyFailureWithout) {
  auto server = make_server(true);
  HttpRequest req;
  req.url = server->url("/session");
  req.ca_pem = server->ca_pem();
  auto res = http_request(req);
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->status, 200);

  req.ca_pem.clear();
  auto bad = http_request(req);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kIoError);
  EXPECT_NE(bad.status().message().find("'localhost'"), std::string::npos) << bad.status().to_string();
}

TEST(HttpRequest, TimesOutAgainstAServerThatNeverAnswers) {
  auto hole = testing::BlackholeListener::start();
  ASSERT_TRUE(hole.is_ok());
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(hole.value()->port()) + "/";
  req.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto res = http_request(req);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), ErrorCode::kTimeout) << res.status().to_string();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 3s);
}

TEST(HttpRequest, RefusedAndBadInput) {
  uint16_t port;
  {
    auto server = make_server();
    port = server->port();
  }
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto refused = http_request(req);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnavailable);

  req.url = "ws://127.0.0.1/";
  EXPECT_EQ(http_request(req).status().code(), ErrorCode::kInvalidArgument);
  req.url = "http://127.0.0.1/";
  req.method = "get me";
  EXPECT_EQ(http_request(req).status().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpRequest, BodyLargerThanLimitIsResourceExhausted) {
  auto server = TestHttpServer::start({false, [](const TestHttpRequest&) {
                                         return TestHttpResponse{200, {}, std::string(10'000, 'z')};
                                       }});
  ASSERT_TRUE(server.is_ok());
  HttpRequest req;
  req.url = server.value()->url("/");
  req.max_body_bytes = 1000;
  auto res = http_request(req);
  ASSERT_FALSE(res.is_ok()) << res.value().status << " " << res.value().body.size();
  EXPECT_EQ(res.status().code(), ErrorCode::kResourceExhausted) << res.status().to_string();
}

}  // namespace
}  // namespace nifty::net
