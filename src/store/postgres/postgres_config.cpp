#include "store/postgres/postgres_config.h"

#include <charconv>
#include <string>

namespace nifty::store {

namespace {

void append_quoted(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

core::Result<std::string> percent_decode(std::string_view in, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) {
      return core::error(core::ErrorCode::kConfigError, "postgres URL: truncated %-escape in the " + std::string(what));
    }
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) {
      return core::error(core::ErrorCode::kConfigError, "postgres URL: bad %-escape in the " + std::string(what));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

core::Result<PostgresConfig> PostgresConfig::from_url(std::string_view url) {
  auto fail = [](const std::string& why) {
    return core::error(core::ErrorCode::kConfigError, "postgres URL: " + why);
  };
  PostgresConfig config;
  std::string_view rest;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.substr(0, scheme.size()) == scheme) rest = url.substr(scheme.size());
  }
  if (rest.data() == nullptr) return fail("must start with postgresql:// or postgres://");
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::string_view user = userinfo;
    if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      NIFTY_ASSIGN_OR_RETURN(config.password, percent_decode(userinfo.substr(colon + 1), "password"));
    }
    if (!user.empty()) {
      NIFTY_ASSIGN_OR_RETURN(config.user, percent_decode(user, "user"));
    }
  }
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:5432
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail("unclosed '[' in the host");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return fail("unexpected text after ']'");
    rest = rest.empty() ? rest : rest.substr(1);
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  } else {
    rest = {};
  }
  if (!host.empty()) {
    NIFTY_ASSIGN_OR_RETURN(config.host, percent_decode(host, "host"));
  }
  if (!rest.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
    if (ec != std::errc() || end != rest.data() + rest.size() || port <= 0 || port > 65535) {
      return fail("bad port '" + std::string(rest) + "'");
    }
    config.port = port;
  }
  if (!path.empty()) {
    NIFTY_ASSIGN_OR_RETURN(config.dbname, percent_decode(path, "database name"));
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return fail("query parameter '" + std::string(pair) + "' has no value");
    std::string_view key = pair.substr(0, eq);
    NIFTY_ASSIGN_OR_RETURN(std::string value, percent_decode(pair.substr(eq + 1), "query"));
    if (key == "sslmode") {
      config.sslmode = value;
    } else if (key == "application_name") {
      config.application_name = value;
    } else if (key == "connect_timeout") {
      int seconds = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) {
        return fail("bad connect_timeout '" + value + "'");
      }
      config.connect_timeout = std::chrono::seconds(seconds);
    } else {
      return fail("unsupported query parameter '" + std::string(key) + "'");
    }
  }
  return config;
}

std::string postgres_conninfo(const PostgresConfig& config) {
  std::string out;
  append_quoted(out, "host", config.host);
  append_quoted(out, "port", std::to_string(config.port));
  append_quoted(out, "dbname", config.dbname);
  append_quoted(out, "user", config.user);
  if (!config.password.empty()) append_quoted(out, "password", config.password);
  append_quoted(out, "sslmode", config.sslmode);
  // libpq treats 0 as "wait forever" and rounds 1 up to 2; never let a connection attempt hang.
  long timeout = config.connect_timeout.count() < 1 ? 1 : static_cast<long>(config.connect_timeout.count());
  append_quoted(out, "connect_timeout", std::to_string(timeout));
  append_quoted(out, "application_name", config.application_name);
  // A server that vanishes mid-call (power loss, partition) is noticed by TCP keepalives.
  append_quoted(out, "keepalives", "1");
  append_quoted(out, "keepalives_idle", "10");
  append_quoted(out, "keepalives_interval", "5");
  append_quoted(out, "keepalives_count", "3");
  // Timestamps cross the wire as text; fix the session zone so that they always read as UTC.
  append_quoted(out, "options", "-c TimeZone=UTC");
  return out;
}

std::string postgres_target(const PostgresConfig& config) {
  return config.user + "@" + config.host + ":" + std::to_string(config.port) + "/" + config.dbname;
}

}  // namespace nifty::store
