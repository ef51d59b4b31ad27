// Integration tests of server storage (issue 4) through the `nifty` binary with real servers:
//  - the golden day (testdata/nse-1min/2023-02-28) replayed into PostgreSQL equals, row for row
//    and column for column, the same day replayed into SQLite (--db), for every candle table; the
//    Redis keys it leaves have the spec's types and TTLs;
//  - PostgreSQL stopped, or killed, in the middle of a paced replay and started again: the replay
//    ends with exit 0, the tables equal the SQLite reference with no duplicate, the spool is drained;
//  - Redis stopped in the middle of a replay: the replay goes on to exit 0, and once Redis is back
//    (empty, it keeps nothing on disk) the spec's keys are written again;
//  - start-up failures: a refused password, a closed port or a server that never answers end with
//    exit 1 in bounded time naming the target; `nifty migrate` twice changes nothing the second
//    time; a schema newer than the binary is refused saying "newer".
// PostgreSQL and Redis are read with psql and redis-cli (support/test_servers.h), SQLite with the
// sqlite3 C API (support/candle_db.h), never with the project's adapters.
// Servers: the ctest fixtures postgres_server / redis_server (NIFTY_TEST_POSTGRES_DIR,
// NIFTY_TEST_REDIS_DIR; tests needing them skip when run without ctest), and a private instance in
// a temp dir for every test that stops or kills its server or needs a password.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/candle_db.h"
#include "support/source_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/test_servers.h"

namespace nifty::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

const std::string kDay = std::string(NIFTY_SOURCE_DIR) + "/testdata/nse-1min/2023-02-28";
const std::string kInfy = kDay + "/INFY.txt";
const std::vector<std::string> kIntervals = {"1m", "5m", "15m", "1h", "1d"};
// Role and password the test-server script creates (scripts/test-servers/postgres).
const std::string kPgPassword = "nifty-test";
// Paced replay: the day's ~6.5 h (09:08 pre-open to the 15:3x closing prints) at 900x is ~26 s,
// long enough to stop and start a server in the middle.
const std::string kPacedSpeed = "900x";

// ---------------------------------------------------------------------------------------------
// Helpers.

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

bool exited_with(const CommandResult& r, int code) { return r.started && r.exited && r.exit_code == code; }

std::vector<std::string> nifty_argv(std::vector<std::string> args) {
  args.insert(args.begin(), NIFTY_BINARY);
  return args;
}

CommandResult nifty(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                    milliseconds timeout = seconds(120)) {
  CommandOptions options;
  options.env = std::move(env);
  options.timeout = timeout;
  return run_command(nifty_argv(std::move(args)), options);
}

// The last non-empty stdout line as JSON (migrate's report, replay's summary).
Json last_json_line(const CommandResult& r) {
  std::stringstream ss(r.out);
  std::string line, last;
  while (std::getline(ss, line)) {
    if (!line.empty()) last = line;
  }
  return Json::parse(last, nullptr, false);
}

// Checks `condition` every `every` until it holds or `deadline` passes, reading the child's output
// meanwhile so it never blocks on a full pipe. True when the condition held.
bool poll_while_running(ChildProcess& child, const std::function<bool()>& condition, steady_clock::time_point deadline,
                        milliseconds every = milliseconds(200)) {
  while (true) {
    if (condition()) return true;
    auto next = std::min(steady_clock::now() + every, deadline);
    if (steady_clock::now() >= deadline) return false;
    while (steady_clock::now() < next) {
      auto left = std::chrono::duration_cast<milliseconds>(next - steady_clock::now());
      if (!child.pump(std::max(left, milliseconds(1)))) {
        // Pipes closed (the child ended): wait out the interval without spinning.
        std::this_thread::sleep_for(std::max(left, milliseconds(1)));
      }
    }
  }
}

// A port on 127.0.0.1 nothing listens on (bound once by the kernel's choice, then released).
int closed_port() {
  SilentListener probe;
  return probe.port();  // closed when `probe` goes
}

// A config for replay/migrate. pg: the PostgreSQL store (nullopt: SQLite via --db on the command
// line); redis_port: the Redis cache (0: memory).
struct StorageSetup {
  std::optional<PostgresUrl> pg;
  int connect_timeout_seconds = 5;
  std::string spool_dir;
  int redis_port = 0;
  int redis_db = 0;
  bool require_redis = true;
};

std::string config_toml(const StorageSetup& s) {
  std::string t = "[store]\nbackend = \"" + std::string(s.pg ? "postgres" : "sqlite") + "\"\n";
  if (s.pg) {
    t += "[store.postgres]\nhost = \"" + s.pg->host + "\"\nport = " + std::to_string(s.pg->port) + "\ndbname = \"" +
         s.pg->dbname + "\"\nuser = \"" + s.pg->user + "\"\nconnect_timeout_seconds = " +
         std::to_string(s.connect_timeout_seconds) + "\n";
    t += "[store.spool]\ndir = \"" + s.spool_dir + "\"\nfsync = false\n";
  }
  if (s.redis_port != 0) {
    t += "[cache]\nbackend = \"redis\"\n[cache.redis]\nhost = \"127.0.0.1\"\nport = " + std::to_string(s.redis_port) +
         "\ndb = " + std::to_string(s.redis_db) + "\nrequire_at_start = " + (s.require_redis ? "true" : "false") + "\n";
  }
  return t;
}

// A database name of the fixture server unique to this test and process.
std::string database_name_for_this_test() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "storeit_";
  for (char c : std::string(info->test_suite_name()) + "_" + info->name()) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  }
  name = name.substr(0, 50) + "_" + std::to_string(::getpid());
  return name;
}

// The fixture server's URL (ctest's postgres_server), or nullopt.
std::optional<PostgresUrl> fixture_postgres() {
  const char* dir = std::getenv("NIFTY_TEST_POSTGRES_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  return PostgresUrl::parse(read_trimmed(std::string(dir) + "/url"));
}

// The fixture Redis port (ctest's redis_server), or 0.
int fixture_redis_port() {
  const char* dir = std::getenv("NIFTY_TEST_REDIS_DIR");
  if (dir == nullptr || *dir == '\0') return 0;
  return std::atoi(read_trimmed(std::string(dir) + "/port").c_str());
}

// A fresh database on a server (CREATE DATABASE as the role nifty, which has CREATEDB), dropped
// by the destructor.
class ScratchDatabase {
 public:
  ScratchDatabase(const PostgresUrl& server, const std::string& name) : admin_(server), url_(server.with_dbname(name)) {
    (void)psql(admin_.str(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    CommandResult r = psql(admin_.str(), "CREATE DATABASE " + name);
    if (exited_with(r, 0)) {
      created_ = true;
    } else {
      error_ = describe(r);
    }
  }
  ~ScratchDatabase() {
    if (created_) (void)psql(admin_.str(), "DROP DATABASE IF EXISTS " + url_.dbname + " WITH (FORCE)");
  }
  bool ok() const { return created_; }
  const std::string& error() const { return error_; }
  const PostgresUrl& url() const { return url_; }

 private:
  PostgresUrl admin_;
  PostgresUrl url_;
  bool created_ = false;
  std::string error_;
};

// The golden day replayed once into SQLite: the reference every PostgreSQL table must equal.
struct Reference {
  std::map<std::string, std::vector<SourceCandle>> rows;  // interval -> rows ordered by (symbol, start)
  std::string error;
};

const Reference& sqlite_reference() {
  static const Reference* reference = [] {
    auto* ref = new Reference();
    TempDir dir;
    const std::string db = dir.file("reference.db");
    CommandResult r = nifty({"replay", kDay, "--db", db, "--speed", "max"}, {}, seconds(300));
    if (!exited_with(r, 0)) {
      ref->error = "reference replay into SQLite failed: " + describe(r);
      return ref;
    }
    for (const auto& interval : kIntervals) {
      ref->rows[interval] = read_candle_rows(db, interval, ref->error);
      if (!ref->error.empty()) break;
    }
    return ref;
  }();
  return *reference;
}

// The number of regular-session rows in the day's source files, counted here from the files.
size_t regular_rows_in_source() {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(kDay)) {
    auto file = read_one_minute_file(entry.path().string());
    EXPECT_EQ(file.error, "") << entry.path();
    n += static_cast<size_t>(std::count_if(file.rows.begin(), file.rows.end(), is_regular_minute));
  }
  return n;
}

// Every candle table of the database at `url` equals the SQLite reference row for row.
void expect_tables_equal_reference(const std::string& url) {
  const Reference& ref = sqlite_reference();
  ASSERT_EQ(ref.error, "");
  for (const auto& interval : kIntervals) {
    std::string error;
    std::vector<SourceCandle> got = read_postgres_candle_rows(url, interval, error);
    ASSERT_EQ(error, "") << interval;
    const std::vector<SourceCandle>& want = ref.rows.at(interval);
    ASSERT_FALSE(want.empty()) << interval;
    EXPECT_EQ(got.size(), want.size()) << "candles_" << interval << " row count";
    int shown = 0;
    for (size_t i = 0; i < std::max(got.size(), want.size()) && shown < 10; ++i) {
      if (i >= got.size()) {
        ADD_FAILURE() << interval << ": missing " << describe(want[i]);
        ++shown;
      } else if (i >= want.size()) {
        ADD_FAILURE() << interval << ": extra " << describe(got[i]);
        ++shown;
      } else if (!(got[i] == want[i])) {
        ADD_FAILURE() << interval << " row " << i << ": sqlite " << describe(want[i]) << "\n   postgres "
                      << describe(got[i]);
        ++shown;
      }
    }
  }
}

// count(*) = count(DISTINCT (symbol, time)) in every candle table.
void expect_no_duplicates(const std::string& url) {
  for (const auto& interval : kIntervals) {
    std::string error;
    auto v = psql_value(url, "SELECT count(*) || '|' || count(DISTINCT (symbol, time)) FROM candles_" + interval, error);
    ASSERT_TRUE(v) << error;
    auto bar = v->find('|');
    ASSERT_NE(bar, std::string::npos) << *v;
    EXPECT_EQ(v->substr(0, bar), v->substr(bar + 1)) << "candles_" << interval << ": count(*) | count(distinct)";
  }
}

int64_t postgres_count(const std::string& url, const std::string& table) {
  std::string error;
  auto v = psql_value(url, "SELECT count(*) FROM " + table, error);
  return v ? std::atoll(v->c_str()) : -1;
}

// `nifty migrate -c config` succeeded and applied what its JSON line says.
Json migrate_ok(const std::string& config, const std::map<std::string, std::string>& env) {
  CommandResult r = nifty({"migrate", "-c", config}, env, seconds(60));
  EXPECT_TRUE(exited_with(r, 0)) << describe(r);
  return last_json_line(r);
}

// A temp dir other users can traverse: a private PostgreSQL runs as the `postgres` user.
void open_for_server(const TempDir& dir) { ::chmod(dir.path().c_str(), 0755); }

// ---------------------------------------------------------------------------------------------
// 1. The golden day through PostgreSQL + Redis (fixture servers), against SQLite.

class PostgresGoldenDay : public ::testing::Test {
 protected:
  // Redis database of the fixture server used only by this suite (flushed first).
  static constexpr int kRedisDb = 11;

  static void SetUpTestSuite() {
    auto server = fixture_postgres();
    redis_port_ = fixture_redis_port();
    if (!server || redis_port_ == 0) return;  // each test skips
    dir_ = new TempDir();
    db_ = new ScratchDatabase(*server, "storeit_golden_" + std::to_string(::getpid()));
    if (!db_->ok()) return;
    (void)redis_cli(redis_port_, {"FLUSHDB"}, kRedisDb);
    StorageSetup s;
    s.pg = db_->url();
    s.spool_dir = dir_->file("spool");
    s.redis_port = redis_port_;
    s.redis_db = kRedisDb;
    const std::string config = dir_->file("nifty.toml");
    write_file(config, config_toml(s));
    const std::map<std::string, std::string> env = {{"NIFTY_STORE_POSTGRES_PASSWORD", db_->url().password}};
    migrate_ = new CommandResult(nifty({"migrate", "-c", config}, env, seconds(60)));
    replay_ = new CommandResult(nifty({"replay", kDay, "-c", config, "--speed", "max"}, env, seconds(300)));
  }
  static void TearDownTestSuite() {
    delete replay_;
    delete migrate_;
    delete db_;
    delete dir_;
    replay_ = nullptr;
    migrate_ = nullptr;
    db_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!fixture_postgres() || redis_port_ == 0) {
      GTEST_SKIP() << "needs the ctest fixtures postgres_server and redis_server (NIFTY_TEST_POSTGRES_DIR, "
                      "NIFTY_TEST_REDIS_DIR)";
    }
    ASSERT_TRUE(db_ != nullptr && db_->ok()) << (db_ ? db_->error() : "no database");
    ASSERT_TRUE(exited_with(*migrate_, 0)) << describe(*migrate_);
    ASSERT_TRUE(exited_with(*replay_, 0)) << describe(*replay_);
  }

  static CommandResult redis(const std::vector<std::string>& args) { return redis_cli(redis_port_, args, kRedisDb); }
  static std::string reply(const std::vector<std::string>& args) {
    std::string out = redis(args).out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

  static TempDir* dir_;
  static ScratchDatabase* db_;
  static CommandResult* migrate_;
  static CommandResult* replay_;
  static int redis_port_;
};

TempDir* PostgresGoldenDay::dir_ = nullptr;
ScratchDatabase* PostgresGoldenDay::db_ = nullptr;
CommandResult* PostgresGoldenDay::migrate_ = nullptr;
CommandResult* PostgresGoldenDay::replay_ = nullptr;
int PostgresGoldenDay::redis_port_ = 0;

// First, while the TTLs set at the end of the replay are fresh.
TEST_F(PostgresGoldenDay, RedisKeysHaveTheSpecsTypesAndTtls) {
  // Spec "Redis (Hot Storage)": SET tick:latest:SYM ... EX 300; HSET candle:current:SYM + EXPIRE
  // 120; XADD analysis:results MAXLEN ~ 1000; ZADD market:gainers.
  for (const std::string symbol : {"INFY", "RELIANCE", "TCS"}) {
    EXPECT_EQ(reply({"TYPE", "tick:latest:" + symbol}), "string") << symbol;
    int64_t tick_ttl = std::atoll(reply({"TTL", "tick:latest:" + symbol}).c_str());
    EXPECT_GT(tick_ttl, 0) << symbol;
    EXPECT_LE(tick_ttl, 300) << symbol;
    auto latest = Json::parse(reply({"GET", "tick:latest:" + symbol}), nullptr, false);
    ASSERT_TRUE(latest.is_object()) << symbol;
    EXPECT_TRUE(latest.contains("ltp") && latest.contains("volume") && latest.contains("ts")) << latest.dump();

    EXPECT_EQ(reply({"TYPE", "candle:current:" + symbol}), "hash") << symbol;
    int64_t candle_ttl = std::atoll(reply({"TTL", "candle:current:" + symbol}).c_str());
    EXPECT_GT(candle_ttl, 0) << symbol;
    EXPECT_LE(candle_ttl, 120) << symbol;
    for (const std::string field : {"open", "high", "low", "close", "volume"}) {
      EXPECT_EQ(reply({"HEXISTS", "candle:current:" + symbol, field}), "1") << symbol << " " << field;
    }
  }
  EXPECT_EQ(reply({"TYPE", "analysis:results"}), "stream");
  int64_t xlen = std::atoll(reply({"XLEN", "analysis:results"}).c_str());
  EXPECT_GT(xlen, 0);
  // MAXLEN ~ 1000 trims whole macro nodes (100 entries by default): allow one node over.
  EXPECT_LE(xlen, 1100);
  EXPECT_EQ(reply({"TYPE", "market:gainers"}), "zset");
  EXPECT_GT(std::atoll(reply({"ZCARD", "market:gainers"}).c_str()), 0);
}

TEST_F(PostgresGoldenDay, EveryCandleTableEqualsTheSqliteReplayRowForRow) {
  // The reference itself holds every regular minute of the source files (counted here).
  ASSERT_EQ(sqlite_reference().error, "");
  EXPECT_EQ(sqlite_reference().rows.at("1m").size(), regular_rows_in_source());
  expect_tables_equal_reference(db_->url().str());
}

TEST_F(PostgresGoldenDay, NoTableHoldsADuplicate) { expect_no_duplicates(db_->url().str()); }

// ---------------------------------------------------------------------------------------------
// 2. PostgreSQL stopped or killed in the middle of a replay (own server).

enum class Outage { kStop, kKill };

void replay_through_a_postgres_outage(Outage outage) {
  const Reference& ref = sqlite_reference();  // computed first: not part of the timed part
  ASSERT_EQ(ref.error, "");
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  open_for_server(dir);
  TestServer server(postgres_script(), dir.file("pg"));
  CommandResult started = server.start();
  ASSERT_TRUE(exited_with(started, 0)) << describe(started);
  auto url = PostgresUrl::parse(server.url());
  ASSERT_TRUE(url) << server.url();

  StorageSetup s;
  s.pg = *url;
  s.connect_timeout_seconds = 2;
  s.spool_dir = dir.file("spool");
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  const std::map<std::string, std::string> env = {
      {"NIFTY_STORE_POSTGRES_PASSWORD", url->password},
      // A query cut off by the outage leaks inside libpqxx 6.4 (see the file): without this the
      // sanitizer build ends the replay with exit 1 at its leak check.
      {"LSAN_OPTIONS", "suppressions=" + std::string(NIFTY_SOURCE_DIR) + "/tests/support/lsan_libpqxx.supp"}};
  migrate_ok(config, env);

  ChildProcess replay;
  CommandOptions options;
  options.env = env;
  ASSERT_TRUE(replay.start(nifty_argv({"replay", kDay, "-c", config, "--speed", kPacedSpeed}), options))
      << replay.error();
  const auto end_by = steady_clock::now() + seconds(150);

  // Some candles are in PostgreSQL: the replay is under way.
  ASSERT_TRUE(poll_while_running(replay, [&] { return postgres_count(url->str(), "candles_1m") > 0; },
                                 steady_clock::now() + seconds(60)))
      << "no candle reached PostgreSQL; stderr:\n" << replay.err();
  const int64_t before_outage = postgres_count(url->str(), "candles_1m");
  CommandResult down = outage == Outage::kStop ? server.stop() : server.kill();
  ASSERT_TRUE(exited_with(down, 0)) << describe(down);

  // While the server is away, writes go to the spool on disk.
  ASSERT_TRUE(poll_while_running(replay, [&] { return count_spool_segments(s.spool_dir) > 0; },
                                 steady_clock::now() + seconds(30)))
      << "nothing was spooled while PostgreSQL was down; stderr:\n" << replay.err();
  CommandResult up = server.start_until(steady_clock::now() + seconds(30));
  ASSERT_TRUE(exited_with(up, 0)) << describe(up);

  CommandResult r = replay.wait(end_by);
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);
  // The outage really was in the middle: candles arrived before it and after it.
  EXPECT_LT(before_outage, static_cast<int64_t>(ref.rows.at("1m").size()));

  EXPECT_EQ(count_spool_segments(s.spool_dir), 0) << "the spool in " << s.spool_dir << " was not drained";
  expect_tables_equal_reference(url->str());
  expect_no_duplicates(url->str());
}

TEST(PostgresOutage, StoppedMidReplayEndsWithCompleteTablesAndADrainedSpool) {
  replay_through_a_postgres_outage(Outage::kStop);
}

TEST(PostgresOutage, KilledMidReplayEndsWithCompleteTablesAndADrainedSpool) {
  replay_through_a_postgres_outage(Outage::kKill);
}

// ---------------------------------------------------------------------------------------------
// 3. Redis stopped in the middle of a replay (own server).

TEST(RedisOutage, StoppedMidReplayThePipelineGoesOnAndRedisIsUsedAgainOnceBack) {
  const Reference& ref = sqlite_reference();
  ASSERT_EQ(ref.error, "");
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  TestServer server(redis_script(), dir.file("redis"));
  CommandResult started = server.start();
  ASSERT_TRUE(exited_with(started, 0)) << describe(started);
  const int port = server.port();
  ASSERT_GT(port, 0);

  StorageSetup s;
  s.redis_port = port;
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  const std::string db = dir.file("day.db");
  ChildProcess replay;
  ASSERT_TRUE(replay.start(nifty_argv({"replay", kDay, "--db", db, "-c", config, "--speed", kPacedSpeed})))
      << replay.error();
  const auto end_by = steady_clock::now() + seconds(150);

  auto key_exists = [&](const std::string& key) {
    CommandResult r = redis_cli(port, {"EXISTS", key});
    return exited_with(r, 0) && r.out.rfind("1", 0) == 0;
  };
  ASSERT_TRUE(poll_while_running(replay, [&] { return key_exists("tick:latest:INFY"); }, steady_clock::now() + seconds(60)))
      << "the replay never wrote to Redis; stderr:\n" << replay.err();
  CommandResult down = server.stop();
  ASSERT_TRUE(exited_with(down, 0)) << describe(down);
  // Let the replay run into the outage: candles keep reaching SQLite while Redis is down.
  const int64_t at_stop = count_candles(db, "1m");
  ASSERT_TRUE(poll_while_running(replay, [&] { return count_candles(db, "1m") > at_stop + 49; },
                                 steady_clock::now() + seconds(30)))
      << "the pipeline stalled while Redis was down; stderr:\n" << replay.err();

  CommandResult up = server.start();
  ASSERT_TRUE(exited_with(up, 0)) << describe(up);
  // The script's server keeps nothing on disk (--save "", no AOF): it comes back empty, so every key
  // found from now on was written after it came back.
  bool back = poll_while_running(
      replay,
      [&] {
        return key_exists("tick:latest:INFY") && key_exists("candle:current:INFY") && key_exists("analysis:results");
      },
      end_by);
  EXPECT_TRUE(back) << "tick:latest:INFY " << key_exists("tick:latest:INFY") << ", candle:current:INFY "
                    << key_exists("candle:current:INFY") << ", analysis:results " << key_exists("analysis:results")
                    << "; stderr:\n" << replay.err();

  CommandResult r = replay.wait(end_by);
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);
  // Nothing of the store was lost to the cache outage.
  EXPECT_EQ(count_candles(db, "1m"), static_cast<int64_t>(ref.rows.at("1m").size()));
}

// ---------------------------------------------------------------------------------------------
// 4. Bad input at start-up, migrations.

// The start-up must end well inside this (connect_timeout_seconds = 2).
constexpr auto kStartUpBound = seconds(20);

TEST(StartUp, WrongPostgresPasswordExitsOneSayingTheCredentialsWereRefused) {
  auto server = fixture_postgres();
  if (!server) GTEST_SKIP() << "needs the ctest fixture postgres_server (NIFTY_TEST_POSTGRES_DIR)";
  TempDir dir;
  StorageSetup s;
  s.pg = *server;
  s.connect_timeout_seconds = 2;
  s.spool_dir = dir.file("spool");
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  const auto started = steady_clock::now();
  CommandResult r = nifty({"replay", kInfy, "-c", config}, {{"NIFTY_STORE_POSTGRES_PASSWORD", "wrong"}}, kStartUpBound);
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_LT(steady_clock::now() - started, kStartUpBound);
  // Names the target and that the credentials were refused (PostgreSQL's own words, and which setting).
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(server->port)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NIFTY_STORE_POSTGRES_PASSWORD"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("nifty-test"), std::string::npos) << "a password appears in the output:\n" << r.err;
}

TEST(StartUp, ClosedPostgresPortExitsOneInBoundedTimeNamingTheTarget) {
  TempDir dir;
  const int port = closed_port();
  ASSERT_GT(port, 0);
  StorageSetup s;
  s.pg = PostgresUrl{"nifty", "", "127.0.0.1", port, "nifty"};
  s.connect_timeout_seconds = 2;
  s.spool_dir = dir.file("spool");
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  const auto started = steady_clock::now();
  CommandResult r = nifty({"replay", kInfy, "-c", config}, {{"NIFTY_STORE_POSTGRES_PASSWORD", "x"}}, kStartUpBound);
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_LT(steady_clock::now() - started, kStartUpBound);
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
}

TEST(StartUp, PostgresThatNeverAnswersExitsOneWithinTheConnectTimeout) {
  // A listener that accepts TCP connections and never speaks: without connect_timeout this hangs.
  SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  TempDir dir;
  StorageSetup s;
  s.pg = PostgresUrl{"nifty", "", "127.0.0.1", silent.port(), "nifty"};
  s.connect_timeout_seconds = 2;
  s.spool_dir = dir.file("spool");
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  const auto started = steady_clock::now();
  CommandResult r = nifty({"replay", kInfy, "-c", config}, {{"NIFTY_STORE_POSTGRES_PASSWORD", "x"}}, kStartUpBound);
  EXPECT_FALSE(r.timed_out) << "nifty hung on a server that never answers";
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_LT(steady_clock::now() - started, kStartUpBound);
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(silent.port())), std::string::npos) << r.err;
}

TEST(StartUp, WrongRedisPasswordExitsOne) {
  TempDir dir;
  TestServer server(redis_script(), dir.file("redis"), {{"NIFTY_TEST_REDIS_PASSWORD", "the-right-one"}});
  CommandResult started_server = server.start();
  ASSERT_TRUE(exited_with(started_server, 0)) << describe(started_server);
  StorageSetup s;
  s.redis_port = server.port();
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  const auto started = steady_clock::now();
  CommandResult r = nifty({"replay", kInfy, "--db", dir.file("x.db"), "-c", config},
                          {{"NIFTY_CACHE_REDIS_PASSWORD", "wrong"}}, kStartUpBound);
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_LT(steady_clock::now() - started, kStartUpBound);
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NIFTY_CACHE_REDIS_PASSWORD"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("the-right-one"), std::string::npos) << r.err;

  // The right password works (so the failure above was the password's).
  CommandResult ok = nifty({"replay", kInfy, "--db", dir.file("y.db"), "-c", config},
                           {{"NIFTY_CACHE_REDIS_PASSWORD", "the-right-one"}}, seconds(60));
  EXPECT_TRUE(exited_with(ok, 0)) << describe(ok);
}

TEST(StartUp, NoRedisPasswordForAServerThatWantsOneExitsOne) {
  TempDir dir;
  TestServer server(redis_script(), dir.file("redis"), {{"NIFTY_TEST_REDIS_PASSWORD", "the-right-one"}});
  CommandResult started_server = server.start();
  ASSERT_TRUE(exited_with(started_server, 0)) << describe(started_server);
  StorageSetup s;
  s.redis_port = server.port();
  const std::string config = dir.file("nifty.toml");
  write_file(config, config_toml(s));
  CommandResult r = nifty({"replay", kInfy, "--db", dir.file("x.db"), "-c", config},
                          {{"NIFTY_CACHE_REDIS_PASSWORD", ""}}, kStartUpBound);
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << r.err;
}

class Migrations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = fixture_postgres();
    if (!server) GTEST_SKIP() << "needs the ctest fixture postgres_server (NIFTY_TEST_POSTGRES_DIR)";
    db_ = std::make_unique<ScratchDatabase>(*server, database_name_for_this_test());
    ASSERT_TRUE(db_->ok()) << db_->error();
    StorageSetup s;
    s.pg = db_->url();
    s.spool_dir = dir_.file("spool");
    config_ = dir_.file("nifty.toml");
    write_file(config_, config_toml(s));
    env_ = {{"NIFTY_STORE_POSTGRES_PASSWORD", db_->url().password}};
  }

  // pg_dump --schema-only without the "\restrict KEY" / "\unrestrict KEY" lines that pg_dump 15.14+
  // wraps every plain dump in: KEY is random per run, so two dumps of one schema would differ.
  CommandResult schema_dump() {
    CommandOptions options;
    options.timeout = seconds(60);
    CommandResult r = run_command({"/usr/bin/pg_dump", "--schema-only", "--no-owner", "-d", db_->url().str()}, options);
    std::stringstream in(r.out);
    std::string line, kept;
    while (std::getline(in, line)) {
      if (line.rfind("\\restrict ", 0) == 0 || line.rfind("\\unrestrict ", 0) == 0) continue;
      kept += line + "\n";
    }
    r.out = kept;
    return r;
  }

  TempDir dir_;
  std::unique_ptr<ScratchDatabase> db_;
  std::string config_;
  std::map<std::string, std::string> env_;
};

TEST_F(Migrations, SecondRunAppliesNothingAndLeavesTheSchemaIdentical) {
  Json first = migrate_ok(config_, env_);
  ASSERT_TRUE(first.is_object());
  ASSERT_TRUE(first["applied"].is_array());
  EXPECT_FALSE(first["applied"].empty()) << first.dump();
  CommandResult dump1 = schema_dump();
  ASSERT_TRUE(exited_with(dump1, 0)) << describe(dump1);
  const int64_t rows1 = postgres_count(db_->url().str(), "schema_migrations");

  Json second = migrate_ok(config_, env_);
  ASSERT_TRUE(second.is_object());
  EXPECT_TRUE(second["applied"].is_array() && second["applied"].empty()) << second.dump();
  EXPECT_EQ(second["schema_version"], first["schema_version"]);
  CommandResult dump2 = schema_dump();
  ASSERT_TRUE(exited_with(dump2, 0)) << describe(dump2);
  EXPECT_FALSE(dump1.out.empty());
  if (dump1.out != dump2.out) {
    std::stringstream a(dump1.out), b(dump2.out);
    std::string la, lb;
    int n = 0;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) ++n;
    ADD_FAILURE() << "pg_dump --schema-only differs after the second migrate, first at line " << n + 1 << ":\n  before: "
                  << la << "\n  after:  " << lb;
  }
  EXPECT_EQ(postgres_count(db_->url().str(), "schema_migrations"), rows1);
}

TEST_F(Migrations, SchemaNewerThanTheBinaryIsRefusedByReplayAndMigrate) {
  Json first = migrate_ok(config_, env_);
  ASSERT_TRUE(first["schema_version"].is_number_integer()) << first.dump();
  const int newer = first["schema_version"].get<int>() + 1;
  CommandResult bump = psql(db_->url().str(), "INSERT INTO schema_migrations (version, name, checksum) VALUES (" +
                                                  std::to_string(newer) + ", 'from_the_future', 'x')");
  ASSERT_TRUE(exited_with(bump, 0)) << describe(bump);

  CommandResult replay = nifty({"replay", kInfy, "-c", config_}, env_, seconds(60));
  EXPECT_TRUE(replay.exited && replay.exit_code != 0) << describe(replay);
  EXPECT_NE(replay.err.find("newer"), std::string::npos) << replay.err;
  EXPECT_EQ(postgres_count(db_->url().str(), "candles_1m"), 0) << "replay wrote into a schema it does not know";

  CommandResult migrate = nifty({"migrate", "-c", config_}, env_, seconds(60));
  EXPECT_TRUE(migrate.exited && migrate.exit_code != 0) << describe(migrate);
  EXPECT_NE(migrate.err.find("newer"), std::string::npos) << migrate.err;
}

}  // namespace
}  // namespace nifty::testing
