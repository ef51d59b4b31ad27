#include "support/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace nifty::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::stringstream ss(text);
  while (std::getline(ss, field, sep)) out.push_back(field);
  if (!text.empty() && text.back() == sep) out.emplace_back();
  return out;
}

bool to_int64(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    out = std::stoll(s, &used);
  } catch (...) {
    return false;
  }
  return used == s.size();
}

}  // namespace

std::string read_trimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string postgres_script() { return std::string(NIFTY_SOURCE_DIR) + "/scripts/test-servers/postgres"; }
std::string redis_script() { return std::string(NIFTY_SOURCE_DIR) + "/scripts/test-servers/redis"; }

std::optional<PostgresUrl> PostgresUrl::parse(const std::string& url) {
  // postgresql://user:password@host:port/dbname (the scripts write exactly this; no escapes).
  const std::string scheme = "postgresql://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  size_t at = rest.rfind('@');
  size_t slash = rest.find('/', at == std::string::npos ? 0 : at);
  if (at == std::string::npos || slash == std::string::npos) return std::nullopt;
  PostgresUrl u;
  std::string creds = rest.substr(0, at);
  size_t colon = creds.find(':');
  u.user = creds.substr(0, colon);
  if (colon != std::string::npos) u.password = creds.substr(colon + 1);
  std::string hostport = rest.substr(at + 1, slash - at - 1);
  size_t pc = hostport.rfind(':');
  if (pc == std::string::npos) return std::nullopt;
  u.host = hostport.substr(0, pc);
  int64_t port = 0;
  if (!to_int64(hostport.substr(pc + 1), port) || port <= 0 || port > 65535) return std::nullopt;
  u.port = static_cast<int>(port);
  u.dbname = rest.substr(slash + 1);
  if (u.user.empty() || u.host.empty() || u.dbname.empty()) return std::nullopt;
  return u;
}

std::string PostgresUrl::str() const {
  return "postgresql://" + user + (password.empty() ? "" : ":" + password) + "@" + host + ":" +
         std::to_string(port) + "/" + dbname;
}

PostgresUrl PostgresUrl::with_dbname(const std::string& name) const {
  PostgresUrl u = *this;
  u.dbname = name;
  return u;
}

TestServer::TestServer(std::string script, std::string dir, std::map<std::string, std::string> env)
    : script_(std::move(script)), dir_(std::move(dir)), env_(std::move(env)) {}

TestServer::~TestServer() {
  if (started_) (void)script("stop");
}

CommandResult TestServer::script(const std::string& command) {
  CommandOptions options;
  options.env = env_;
  options.timeout = std::chrono::seconds(90);
  return run_command({script_, command, dir_}, options);
}

CommandResult TestServer::start() {
  CommandResult r = script("start");
  if (r.exited && r.exit_code == 0) started_ = true;
  return r;
}

CommandResult TestServer::stop() { return script("stop"); }
CommandResult TestServer::kill() { return script("kill"); }

CommandResult TestServer::start_until(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    CommandResult r = start();
    if ((r.exited && r.exit_code == 0) || std::chrono::steady_clock::now() >= deadline) return r;
    // Not a synchronisation sleep: a pause between retries of a start that failed.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int TestServer::port() const {
  int64_t p = 0;
  return to_int64(read_trimmed(dir_ + "/port"), p) ? static_cast<int>(p) : 0;
}

std::string TestServer::url() const { return read_trimmed(dir_ + "/url"); }

CommandResult psql(const std::string& url, const std::string& sql, std::chrono::milliseconds timeout) {
  CommandOptions options;
  options.timeout = timeout;
  // Keep libpq from reading anything of the caller's (service files, PGOPTIONS...).
  options.env = {{"PGCONNECT_TIMEOUT", "5"}, {"PGOPTIONS", ""}};
  return run_command({"/usr/bin/psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", "|", "-d", url, "-c", sql},
                     options);
}

std::optional<std::string> psql_value(const std::string& url, const std::string& sql, std::string& error) {
  CommandResult r = psql(url, sql);
  if (!(r.exited && r.exit_code == 0)) {
    error = "psql: " + describe(r);
    return std::nullopt;
  }
  std::string v = r.out;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

std::vector<SourceCandle> read_postgres_candle_rows(const std::string& url, const std::string& interval,
                                                    std::string& error) {
  std::vector<SourceCandle> rows;
  const std::string sql = "SELECT symbol, extract(epoch FROM time)::bigint, (open * 100)::bigint, "
                          "(high * 100)::bigint, (low * 100)::bigint, (close * 100)::bigint, volume "
                          "FROM candles_" + interval + " ORDER BY symbol, time";
  CommandResult r = psql(url, sql, std::chrono::seconds(60));
  if (!(r.exited && r.exit_code == 0)) {
    error = "reading candles_" + interval + " with psql: " + describe(r);
    return rows;
  }
  std::stringstream ss(r.out);
  std::string line;
  int n = 0;
  while (std::getline(ss, line)) {
    ++n;
    if (line.empty()) continue;
    auto f = split(line, '|');
    SourceCandle c;
    int64_t v[6];
    bool ok = f.size() == 7;
    for (size_t i = 0; ok && i < 6; ++i) ok = to_int64(f[i + 1], v[i]);
    if (!ok) {
      error = "candles_" + interval + " row " + std::to_string(n) + " does not parse: " + line;
      return rows;
    }
    c.symbol = f[0];
    c.start = v[0];
    c.open = v[1];
    c.high = v[2];
    c.low = v[3];
    c.close = v[4];
    c.volume = v[5];
    c.line = n;
    rows.push_back(std::move(c));
  }
  return rows;
}

CommandResult redis_cli(int port, const std::vector<std::string>& args, int db) {
  std::vector<std::string> argv = {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port),
                                   "-n", std::to_string(db)};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = std::chrono::seconds(10);
  return run_command(argv, options);
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  port_ = ntohs(addr.sin_port);
}

SilentListener::~SilentListener() {
  if (fd_ >= 0) ::close(fd_);
}

int count_spool_segments(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  int n = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".seg") ++n;
  }
  return n;
}

}  // namespace nifty::testing
