// Helpers for integration tests against real PostgreSQL and Redis servers: a private server started
// and stopped through scripts/test-servers/{postgres,redis} in a directory of the test's own
// (TestServer), SQL through the `psql` client and Redis commands through `redis-cli` (never through
// the project's adapters, so a bug there cannot hide itself), and the candle tables of a PostgreSQL
// database read back in the shape support/candle_db.h gives for SQLite.
// Threading: none; use from one test thread.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/source_data.h"
#include "support/subprocess.h"

namespace nifty::testing {

// The text of a file without trailing whitespace; empty when it cannot be read.
std::string read_trimmed(const std::string& path);

// scripts/test-servers/postgres and scripts/test-servers/redis of this source tree.
std::string postgres_script();
std::string redis_script();

// Where a PostgreSQL server is and who logs in: "postgresql://user:password@host:port/dbname".
struct PostgresUrl {
  std::string user;
  std::string password;
  std::string host;
  int port = 0;
  std::string dbname;

  static std::optional<PostgresUrl> parse(const std::string& url);
  std::string str() const;
  PostgresUrl with_dbname(const std::string& name) const;
};

// One server of scripts/test-servers in `dir`: start, stop (clean), kill (SIGKILL), and the
// port/url the script recorded there. `env` is set for every script call (e.g.
// NIFTY_TEST_REDIS_PASSWORD). The destructor stops a server this object started.
class TestServer {
 public:
  TestServer(std::string script, std::string dir, std::map<std::string, std::string> env = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  CommandResult start();
  CommandResult stop();
  CommandResult kill();
  // Starts again after kill(), retrying until `deadline` while the old processes are still going
  // away (PostgreSQL refuses to start beside a dying predecessor's shared memory).
  CommandResult start_until(std::chrono::steady_clock::time_point deadline);

  const std::string& dir() const { return dir_; }
  int port() const;        // 0 before the first start
  std::string url() const; // DIR/url

 private:
  CommandResult script(const std::string& command);

  std::string script_;
  std::string dir_;
  std::map<std::string, std::string> env_;
  bool started_ = false;
};

// Runs `sql` with psql on `url` (-X -A -t -q, ON_ERROR_STOP, fields separated by '|').
CommandResult psql(const std::string& url, const std::string& sql,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
// The single value `sql` returns, or nullopt (with `error` set) when psql fails.
std::optional<std::string> psql_value(const std::string& url, const std::string& sql, std::string& error);

// Every row of candles_<interval> in the PostgreSQL database at `url`, ordered by (symbol, time):
// time as unix seconds, NUMERIC rupees as exact paise (x 100 in SQL, no double). `error` set on failure.
std::vector<SourceCandle> read_postgres_candle_rows(const std::string& url, const std::string& interval,
                                                    std::string& error);

// Runs redis-cli -h 127.0.0.1 -p PORT [-n db] ARGS...; stdout holds the raw reply.
CommandResult redis_cli(int port, const std::vector<std::string>& args, int db = 0);

// A TCP listener on 127.0.0.1 that accepts connections (through the kernel backlog) but never
// answers: a server that hangs. Closed by the destructor.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return port_; }  // 0 when the socket could not be set up

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The number of spool segment files ("*.seg") anywhere under `dir` (0 when it does not exist): a
// drained spool has none.
int count_spool_segments(const std::string& dir);

}  // namespace nifty::testing
