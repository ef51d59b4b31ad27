#include "net/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/asio/ip/address.hpp>

namespace nifty::net {
namespace {

std::string describe(std::string_view text) {
  // Query strings carry tokens (api_key, access_token): never echo them into errors.
  auto q = text.find('?');
  std::string shown(text.substr(0, q));
  if (q != std::string_view::npos) shown += "?<redacted>";
  return "'" + shown + "'";
}

core::Status invalid(std::string_view text, std::string_view what) {
  return core::error(core::ErrorCode::kInvalidArgument, "invalid URL " + describe(text) + ": " + std::string(what));
}

uint16_t default_port(Scheme s) { return (s == Scheme::kWss || s == Scheme::kHttps) ? 443 : 80; }

}  // namespace

std::string_view scheme_name(Scheme scheme) {
  switch (scheme) {
    case Scheme::kWs: return "ws";
    case Scheme::kWss: return "wss";
    case Scheme::kHttp: return "http";
    case Scheme::kHttps: return "https";
  }
  return "?";
}

bool Url::host_is_ip() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::string Url::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(scheme)) h += ":" + std::to_string(port);
  return h;
}

std::string Url::redacted() const {
  auto q = target.find('?');
  return std::string(scheme_name(scheme)) + "://" + host_header() + target.substr(0, q);
}

core::Result<Url> parse_url(std::string_view text) {
  Url url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return invalid(text, "missing scheme (expected ws://, wss://, http:// or https://)");
  std::string scheme(text.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "ws") url.scheme = Scheme::kWs;
  else if (scheme == "wss") url.scheme = Scheme::kWss;
  else if (scheme == "http") url.scheme = Scheme::kHttp;
  else if (scheme == "https") url.scheme = Scheme::kHttps;
  else return invalid(text, "unsupported scheme '" + scheme + "'");

  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return invalid(text, "fragments are not allowed");
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view target = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return invalid(text, "user info is not supported");

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid(text, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid(text, "unexpected characters after IPv6 literal");
      port_text = after.substr(1);
      has_port = true;
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return invalid(text, "bad IPv6 literal '" + std::string(host) + "'");
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (host.empty()) return invalid(text, "empty host");
  for (char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '\\')
      return invalid(text, "bad character in host");
  }
  url.host.assign(host);
  std::transform(url.host.begin(), url.host.end(), url.host.begin(), [](unsigned char c) { return std::tolower(c); });

  if (has_port) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      return invalid(text, "bad port '" + std::string(port_text) + "' (expected 1-65535)");
    url.port = static_cast<uint16_t>(value);
  } else {
    url.port = default_port(url.scheme);
  }

  if (target.empty()) url.target = "/";
  else if (target.front() == '?') url.target = "/" + std::string(target);
  else url.target.assign(target);
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return invalid(text, "control character or space in path");
  }
  return url;
}

}  // namespace nifty::net
