// Url: a parsed ws://, wss://, http:// or https:// address (host, port, request target).
// Value type; parse_url is a pure function, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::net {

enum class Scheme { kWs, kWss, kHttp, kHttps };

struct Url {
  Scheme scheme = Scheme::kWs;
  // Host name or IP literal, without brackets for IPv6 ("::1"); lower-cased.
  std::string host;
  // The explicit port, or the scheme's default (ws/http 80, wss/https 443).
  uint16_t port = 80;
  // Path plus query, always starting with '/' ("/PiConnectWSAPI/?a=b").
  std::string target = "/";

  // True for wss and https.
  bool secure() const { return scheme == Scheme::kWss || scheme == Scheme::kHttps; }
  // The Host header value: host, bracketed when IPv6, with ":port" when not the default.
  std::string host_header() const;
  // True when host is an IPv4 or IPv6 literal (no SNI for those).
  bool host_is_ip() const;
  // The URL without its query ("wss://ws.kite.trade/"): safe to log when queries carry tokens.
  std::string redacted() const;
};

// Parses an absolute URL. Errors are kInvalidArgument naming the URL (query redacted) and what is
// wrong: unknown scheme, empty host, bad port, unterminated IPv6 literal, user info, fragment.
core::Result<Url> parse_url(std::string_view text);

std::string_view scheme_name(Scheme scheme);

}  // namespace nifty::net
