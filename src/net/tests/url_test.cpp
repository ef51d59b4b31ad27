#include "net/url.h"

#include <gtest/gtest.h>

namespace nifty::net {
namespace {

TEST(ParseUrl, WssDefaultsToPort443AndRootTarget) {
  auto url = parse_url("wss://ws.kite.trade");
  ASSERT_TRUE(url.is_ok()) << url.status().to_string();
  EXPECT_EQ(url->scheme, Scheme::kWss);
  EXPECT_EQ(url->host, "ws.kite.trade");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  EXPECT_TRUE(url->secure());
  EXPECT_EQ(url->host_header(), "ws.kite.trade");
}

TEST(ParseUrl, KeepsPathAndQueryInTarget) {
  auto url = parse_url("wss://ws.kite.trade/?api_key=k&access_token=t");
  ASSERT_TRUE(url.is_ok());
  EXPECT_EQ(url->target, "/?api_key=k&access_token=t");
  EXPECT_EQ(url->redacted(), "wss://ws.kite.trade/");
}

TEST(ParseUrl, QueryWithoutPathGetsRootSlash) {
  auto url = parse_url("wss://ws.mstock.trade?API_KEY=a&ACCESS_TOKEN=b");
  ASSERT_TRUE(url.is_ok());
  EXPECT_EQ(url->host, "ws.mstock.trade");
  EXPECT_EQ(url->target, "/?API_KEY=a&ACCESS_TOKEN=b");
}

TEST(ParseUrl, DefaultPortsPerScheme) {
  EXPECT_EQ(parse_url("ws://a.b")->port, 80);
  EXPECT_EQ(parse_url("http://a.b")->port, 80);
  EXPECT_EQ(parse_url("https://a.b")->port, 443);
  EXPECT_FALSE(parse_url("http://a.b")->secure());
}

TEST(ParseUrl, ExplicitPortAppearsInHostHeaderOnlyWhenNotDefault) {
  auto url = parse_url("HTTPS://API.mstock.trade:8443/openapi/typeb/connect/login");
  ASSERT_TRUE(url.is_ok());
  EXPECT_EQ(url->scheme, Scheme::kHttps);
  EXPECT_EQ(url->host, "api.mstock.trade");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/openapi/typeb/connect/login");
  EXPECT_EQ(url->host_header(), "api.mstock.trade:8443");
  EXPECT_EQ(parse_url("https://a.b:443/")->host_header(), "a.b");
}

TEST(ParseUrl, AcceptsIpv6Literal) {
  auto url = parse_url("ws://[::1]:9001/feed");
  ASSERT_TRUE(url.is_ok()) << url.status().to_string();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9001);
  EXPECT_TRUE(url->host_is_ip());
  EXPECT_EQ(url->host_header(), "[::1]:9001");
  EXPECT_TRUE(parse_url("ws://127.0.0.1/")->host_is_ip());
  EXPECT_FALSE(parse_url("ws://localhost/")->host_is_ip());
}

TEST(ParseUrl, RejectsBadInputWithInvalidArgument) {
  for (const char* bad : {"ws.kite.trade", "ftp://x.y/", "wss://", "wss://:443/", "wss://h:0/", "wss://h:65536/",
                          "wss://h:12x/", "ws://[::1/", "ws://[zz]/", "ws://user@h/", "ws://h/#frag", "ws://h/a b"}) {
    auto url = parse_url(bad);
    ASSERT_FALSE(url.is_ok()) << bad;
    EXPECT_EQ(url.status().code(), core::ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(ParseUrl, ErrorNamesTheUrlButNotItsQuery) {
  auto url = parse_url("wss://h:99999/?access_token=secret");
  ASSERT_FALSE(url.is_ok());
  EXPECT_NE(url.status().message().find("wss://h:99999/"), std::string::npos);
  EXPECT_EQ(url.status().message().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace nifty::net
