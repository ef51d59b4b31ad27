// End-to-end tests of the `nifty` binary's command-line contract (ARCHITECTURE.md section 5, CLI):
// exit 0 success, 1 runtime failure, 2 usage or configuration error; bad input lines are skipped,
// named (file and line) on stderr and counted in the summary while every good line is stored;
// `--print` writes the spec's JSON shapes; `run` stops cleanly on SIGTERM without losing a candle.
// Each test runs the real binary (NIFTY_BINARY) in a fresh temp directory through
// support/subprocess.h; expected values come from the source files, parsed here independently.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "support/candle_db.h"
#include "support/source_data.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace nifty::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::steady_clock;

const std::string kSource = NIFTY_SOURCE_DIR;
const std::string kDay = kSource + "/testdata/nse-1min/2023-02-28";
const std::string kInfy = kDay + "/INFY.txt";
const std::string kBad = kSource + "/testdata/bad";

CommandResult nifty(std::vector<std::string> args, CommandOptions options = {}) {
  args.insert(args.begin(), NIFTY_BINARY);
  return run_command(args, options);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// The last non-empty stdout line, parsed as JSON (the summary of replay and import).
Json summary_of(const CommandResult& r) {
  auto lines = lines_of(r.out);
  if (lines.empty()) return Json();
  return Json::parse(lines.back(), nullptr, false);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

bool exited_with(const CommandResult& r, int code) { return r.started && r.exited && r.exit_code == code; }

// The regular-session rows of a 1-minute file, keyed by (symbol, start).
CandleMap regular_rows(const std::string& path) {
  CandleMap out;
  auto file = read_one_minute_file(path);
  EXPECT_EQ(file.error, "");
  for (const auto& c : file.rows) {
    if (is_regular_minute(c)) out[{c.symbol, c.start}] = c;
  }
  return out;
}

// "2023-02-28T03:45:00Z" for a unix time.
std::string iso_utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A price printed by the JSON codecs, back to paise (the codecs print at most two decimals).
int64_t paise_of(const Json& number) { return std::llround(number.get<double>() * 100.0); }

// ---------------------------------------------------------------------------------------------
// Bad input lines.

// testdata/bad/INFY_malformed.txt is testdata/nse-1min/2023-02-28/INFY.txt with lines 11 (7
// fields), 51 (high "15x1.50"), 101 (time 25:61) and 201 (date 2023028) broken; see its README.
const std::vector<int> kBrokenLines = {11, 51, 101, 201};

TEST(Cli, ReplaySkipsMalformedLinesNamesThemAndStoresEveryGoodLine) {
  TempDir dir;
  const std::string input = kBad + "/INFY_malformed.txt";
  const std::string db = dir.file("bad.db");
  CommandResult r = nifty({"replay", input, "--db", db});
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);

  // Independently: which lines are broken, and which good lines are regular minutes.
  std::ifstream in(input);
  std::string line;
  int n = 0;
  std::vector<int> broken;
  CandleMap want;
  while (std::getline(in, line)) {
    ++n;
    SourceCandle c;
    std::string why;
    if (!parse_one_minute_line(line, c, why)) {
      broken.push_back(n);
    } else if (is_regular_minute(c)) {
      want[{c.symbol, c.start}] = c;
    }
  }
  ASSERT_EQ(broken, kBrokenLines);
  ASSERT_EQ(want.size(), 375u - kBrokenLines.size());  // all four broken lines are regular minutes

  for (int bad : kBrokenLines) {
    EXPECT_NE(r.err.find(input + ":" + std::to_string(bad)), std::string::npos)
        << "stderr does not name " << input << ":" << bad << "\n" << r.err;
  }
  Json s = summary_of(r);
  ASSERT_TRUE(s.is_object()) << r.out;
  EXPECT_EQ(s["bad_lines"]["malformed"], kBrokenLines.size());
  EXPECT_EQ(s["bad_lines"]["invalid_ohlc"], 0);

  CandleTable got = read_candle_table(db, "1m");
  ASSERT_EQ(got.error, "");
  EXPECT_EQ(got.candles.size(), want.size());
  for (const auto& [key, c] : want) {
    auto it = got.candles.find(key);
    ASSERT_NE(it, got.candles.end()) << "missing " << describe(c);
    EXPECT_EQ(it->second, c);
  }
}

// ---------------------------------------------------------------------------------------------
// Unusable database paths: runtime failure (1) naming the path.

TEST(Cli, ReplayIntoADatabaseUnderProcFailsNamingThePath) {
  const std::string db = "/proc/nifty/x.db";
  CommandResult r = nifty({"replay", kInfy, "--db", db});
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_NE(r.err.find(db), std::string::npos) << r.err;
}

TEST(Cli, ReplayIntoADatabaseUnderARegularFileFailsNamingThePath) {
  TempDir dir;
  write_file(dir.file("plain"), "not a directory\n");
  const std::string db = dir.file("plain") + "/x.db";
  CommandResult r = nifty({"replay", kInfy, "--db", db});
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_NE(r.err.find(db), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

struct BadConfig {
  const char* file;
  const char* key;  // what the error must name
};

class CliBadConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(CliBadConfig, ConfigCheckExitsTwoNamingTheKey) {
  const std::string path = kBad + "/" + GetParam().file;
  CommandResult r = nifty({"config", "check", path});
  EXPECT_TRUE(exited_with(r, 2)) << describe(r);
  EXPECT_NE(r.err.find(GetParam().key), std::string::npos) << r.err;
}

TEST_P(CliBadConfig, RunExitsTwoBeforeDoingAnything) {
  TempDir dir;
  const std::string path = kBad + "/" + GetParam().file;
  CommandOptions options;
  options.cwd = dir.path();
  options.timeout = std::chrono::seconds(60);
  CommandResult r = nifty({"run", "--headless", "--config", path, "--db", dir.file("run.db")}, options);
  EXPECT_TRUE(exited_with(r, 2)) << describe(r);
  EXPECT_NE(r.err.find(GetParam().key), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("run.db")));
}

INSTANTIATE_TEST_SUITE_P(Files, CliBadConfig,
                         ::testing::Values(BadConfig{"config_unknown_key.toml", "store.bakend"},
                                           BadConfig{"config_wrong_type.toml", "feed.replay.speed"},
                                           BadConfig{"config_bad_value.toml", "store.backend"}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find('.'));
                           for (char& ch : name) {
                             if (ch == '_') ch = 'X';
                           }
                           return name;
                         });

TEST(Cli, ConfigCheckAcceptsAValidFile) {
  TempDir dir;
  const std::string path = dir.file("good.toml");
  write_file(path,
             "[log]\nlevel = \"warn\"\n[feed.replay]\nspeed = \"max\"\n[store]\nbackend = \"memory\"\n"
             "[candles]\nrollups = [\"5m\", \"1d\"]\n");
  CommandResult r = nifty({"config", "check", path});
  EXPECT_TRUE(exited_with(r, 0)) << describe(r);
}

TEST(Cli, ExampleConfigPassesConfigCheck) {
  const std::string example = kSource + "/config/nifty.example.toml";
  if (!fs::exists(example)) GTEST_SKIP() << example << " not written yet";
  CommandResult r = nifty({"config", "check", example});
  EXPECT_TRUE(exited_with(r, 0)) << describe(r);
}

// Every "a.b.c = v" leaf of a TOML table, as dotted key -> printed value.
void collect_leaves(const toml::table& t, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (const auto& [k, node] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      collect_leaves(*sub, key, out);
    } else {
      if (auto text = node.value<std::string>()) {
        out[key] = *text;
      } else {
        std::ostringstream os;
        node.visit([&os](const auto& v) { os << v; });
        out[key] = os.str();
      }
    }
  }
}

TEST(Cli, ConfigShowPrintsEverySettingWithFileAndEnvironmentValues) {
  TempDir dir;
  const std::string path = dir.file("mine.toml");
  write_file(path, "[log]\nlevel = \"warn\"\n[feed.sim]\nseed = 7\n");
  CommandOptions options;
  options.env["NIFTY_STORE_SQLITE_PATH"] = "/var/lib/nifty/from-env.db";
  CommandResult r = nifty({"config", "show", "--config", path}, options);
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);

  toml::table shown;
  try {
    shown = toml::parse(r.out);
  } catch (const toml::parse_error& e) {
    FAIL() << "config show is not TOML: " << e.description() << "\n" << r.out;
  }
  std::map<std::string, std::string> leaves;
  collect_leaves(shown, "", leaves);
  EXPECT_EQ(leaves["log.level"], "warn");
  EXPECT_EQ(leaves["feed.sim.seed"], "7");
  EXPECT_EQ(leaves["store.sqlite.path"], "/var/lib/nifty/from-env.db");

  // Every section; nothing here is a secret, so nothing is redacted.
  for (const char* section : {"log", "universe", "calendar", "feed", "feed.replay", "feed.sim", "candles", "analysis",
                              "engine", "store", "store.sqlite", "store.writer"}) {
    EXPECT_NE(r.out.find(std::string("[") + section + "]"), std::string::npos) << section << "\n" << r.out;
  }
  for (const auto& [key, value] : leaves) EXPECT_EQ(value.find("redacted"), std::string::npos) << key;

  // Every key of the documented example is shown.
  const std::string example = kSource + "/config/nifty.example.toml";
  if (fs::exists(example)) {
    std::map<std::string, std::string> documented;
    collect_leaves(toml::parse_file(example), "", documented);
    for (const auto& [key, value] : documented) EXPECT_EQ(leaves.count(key), 1u) << key << " is not shown";
  }

  // What show prints is itself a valid config.
  const std::string again = dir.file("shown.toml");
  write_file(again, r.out);
  CommandResult check = nifty({"config", "check", again});
  EXPECT_TRUE(exited_with(check, 0)) << describe(check);
}

// ---------------------------------------------------------------------------------------------
// Usage errors: exit 2.

TEST(Cli, UnknownSubcommandIsAUsageError) {
  CommandResult r = nifty({"frobnicate"});
  EXPECT_TRUE(exited_with(r, 2)) << describe(r);
}

TEST(Cli, NoSubcommandIsAUsageError) {
  CommandResult r = nifty({});
  EXPECT_TRUE(exited_with(r, 2)) << describe(r);
}

TEST(Cli, ReplayWithoutDbStoresIntoTheConfiguredStore) {
  TempDir dir;
  const std::string db = dir.file("configured.db");
  const std::string config = dir.file("nifty.toml");
  write_file(config, "[store]\nbackend = \"sqlite\"\n[store.sqlite]\npath = \"" + db + "\"\n");
  CommandResult r = nifty({"replay", kInfy, "--config", config});
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);
  EXPECT_EQ(count_candles(db, "1m"), static_cast<int64_t>(regular_rows(kInfy).size()));
}

TEST(Cli, ReplayIntoAnUnreachablePostgresFailsAtStartUpNamingIt) {
  // A closed loopback port: refused at once, exit 1, and the message says where it tried.
  TempDir dir;
  const std::string config = dir.file("pg.toml");
  write_file(config, "[store]\nbackend = \"postgres\"\n[store.postgres]\nport = 1\nconnect_timeout_seconds = 2\n");
  CommandResult r = nifty({"replay", kInfy, "--config", config});
  EXPECT_TRUE(exited_with(r, 1)) << describe(r);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(Cli, ReplayWithABadSpeedIsAUsageError) {
  TempDir dir;
  CommandResult r = nifty({"replay", kInfy, "--db", dir.file("x.db"), "--speed", "fast"});
  EXPECT_TRUE(exited_with(r, 2)) << describe(r);
}

TEST(Cli, ReplayOfAMissingInputFailsNamingIt) {
  TempDir dir;
  const std::string missing = dir.file("no-such-folder");
  CommandResult r = nifty({"replay", missing, "--db", dir.file("x.db")});
  EXPECT_TRUE(r.exited && r.exit_code != 0) << describe(r);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// --print.

TEST(Cli, PrintCandlesWritesMarketCandlesJsonThenTheSummary) {
  TempDir dir;
  CommandResult r = nifty({"replay", kInfy, "--db", dir.file("p.db"), "--print", "candles"});
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 2u);
  Json summary = Json::parse(lines.back(), nullptr, false);
  ASSERT_TRUE(summary.is_object() && summary.contains("candles_by_interval")) << lines.back();

  CandleMap want = regular_rows(kInfy);
  const std::vector<std::string> fields = {"time", "symbol", "open", "high", "low", "close", "volume", "trades", "vwap"};
  std::map<std::string, int> by_interval;
  int one_minute_matched = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    Json c = Json::parse(lines[i], nullptr, false);
    ASSERT_TRUE(c.is_object()) << lines[i];
    // The spec's fields in the spec's order, then "interval" for rollups.
    size_t pos = 0;
    for (const auto& f : fields) {
      size_t at = lines[i].find("\"" + f + "\":", pos);
      ASSERT_NE(at, std::string::npos) << f << " missing or out of order in " << lines[i];
      pos = at;
    }
    ASSERT_TRUE(c["time"].is_string() && c["symbol"].is_string());
    ASSERT_TRUE(c["volume"].is_number_integer() && c["trades"].is_number_integer());
    for (const char* p : {"open", "high", "low", "close", "vwap"}) ASSERT_TRUE(c[p].is_number()) << p;
    EXPECT_EQ(c.size(), c.contains("interval") ? fields.size() + 1 : fields.size()) << lines[i];
    std::string interval = c.value("interval", "1m");
    ++by_interval[interval];
    if (interval != "1m") continue;
    // Each 1m candle is the source row of its minute.
    bool found = false;
    for (const auto& [key, s] : want) {
      if (iso_utc(s.start) != c["time"].get<std::string>()) continue;
      found = true;
      EXPECT_EQ(c["symbol"], "INFY");
      EXPECT_EQ(paise_of(c["open"]), s.open) << lines[i];
      EXPECT_EQ(paise_of(c["high"]), s.high) << lines[i];
      EXPECT_EQ(paise_of(c["low"]), s.low) << lines[i];
      EXPECT_EQ(paise_of(c["close"]), s.close) << lines[i];
      EXPECT_EQ(c["volume"].get<int64_t>(), s.volume) << lines[i];
      EXPECT_GE(paise_of(c["vwap"]), s.low);
      EXPECT_LE(paise_of(c["vwap"]), s.high);
      ++one_minute_matched;
      break;
    }
    EXPECT_TRUE(found) << "a 1m candle at a minute the source lacks: " << lines[i];
  }
  EXPECT_EQ(one_minute_matched, 375);
  EXPECT_EQ(by_interval["1m"], 375);
  EXPECT_EQ(by_interval["5m"], 75);
  EXPECT_EQ(by_interval["15m"], 25);
  EXPECT_EQ(by_interval["1h"], 7);
  EXPECT_EQ(by_interval["1d"], 1);
}

TEST(Cli, PrintTicksWritesRawTicksJsonThenTheSummary) {
  TempDir dir;
  CommandResult r = nifty({"replay", kInfy, "--db", dir.file("t.db"), "--print", "ticks"});
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 2u);
  Json summary = Json::parse(lines.back(), nullptr, false);
  ASSERT_TRUE(summary.is_object() && summary.contains("ticks")) << lines.back();

  // Source rows of every minute (regular or not), by start in ms, to place each tick.
  auto file = read_one_minute_file(kInfy);
  ASSERT_EQ(file.error, "");
  std::map<int64_t, SourceCandle> by_minute_ms;
  for (const auto& c : file.rows) by_minute_ms[c.start * 1000] = c;

  const std::vector<std::string> fields = {"token", "symbol", "ltp", "volume", "bid", "ask", "timestamp", "sequence",
                                           "exchange"};
  int64_t last_volume = -1;
  size_t ticks = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    Json t = Json::parse(lines[i], nullptr, false);
    ASSERT_TRUE(t.is_object()) << lines[i];
    size_t pos = 0;
    for (const auto& f : fields) {
      size_t at = lines[i].find("\"" + f + "\":", pos);
      ASSERT_NE(at, std::string::npos) << f << " missing or out of order in " << lines[i];
      pos = at;
    }
    ASSERT_TRUE(t["token"].is_string() && t["symbol"].is_string() && t["exchange"].is_string());
    ASSERT_TRUE(t["volume"].is_number_integer() && t["timestamp"].is_number_integer() &&
                t["sequence"].is_number_integer());
    EXPECT_EQ(t["symbol"], "INFY");
    EXPECT_EQ(t["exchange"], "NSE");
    // The tick lies inside its source minute and within that minute's range.
    int64_t ms = t["timestamp"].get<int64_t>();
    auto it = by_minute_ms.find(ms - ms % 60000);
    ASSERT_NE(it, by_minute_ms.end()) << "tick outside every source minute: " << lines[i];
    EXPECT_GE(paise_of(t["ltp"]), it->second.low) << lines[i];
    EXPECT_LE(paise_of(t["ltp"]), it->second.high) << lines[i];
    // Cumulative day volume never goes back.
    EXPECT_GE(t["volume"].get<int64_t>(), last_volume) << lines[i];
    last_volume = t["volume"].get<int64_t>();
    ++ticks;
  }
  EXPECT_GT(ticks, 375u);
  EXPECT_LE(ticks, summary["ticks"].get<size_t>());
}

// ---------------------------------------------------------------------------------------------
// nifty run: SIGTERM mid-stream loses nothing.

TEST(Cli, RunStopsOnSigtermAndEveryReportedCandleIsStored) {
  TempDir dir;
  const std::string db = dir.file("run.db");
  CommandOptions options;
  options.cwd = dir.path();
  ChildProcess child;
  ASSERT_TRUE(child.start({NIFTY_BINARY, "run", "--headless", "--speed", "600x", "--db", db}, options))
      << child.error();

  // Wait until the first 1-minute candles are in the database.
  bool stored = child.pump_until([&] { return count_candles(db, "1m") > 0; },
                                 steady_clock::now() + std::chrono::seconds(90));
  ASSERT_TRUE(stored) << "no 1m candle stored in time; stderr:\n" << child.err();
  child.send_signal(SIGTERM);
  auto signalled = steady_clock::now();
  CommandResult r = child.wait(signalled + std::chrono::seconds(30));
  double stop_seconds = std::chrono::duration<double>(steady_clock::now() - signalled).count();
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);
  EXPECT_LT(stop_seconds, 10.0);

  // The engine's own count, from its final "pipeline stopped" log line.
  int64_t reported = -1;
  for (const auto& line : lines_of(r.err)) {
    Json j = Json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == "pipeline stopped" && j.contains("candles_1m")) {
      reported = j["candles_1m"].get<int64_t>();
    }
  }
  ASSERT_GE(reported, 0) << "no \"pipeline stopped\" line with candles_1m on stderr:\n" << r.err;
  CandleTable got = read_candle_table(db, "1m");
  ASSERT_EQ(got.error, "");
  EXPECT_EQ(static_cast<int64_t>(got.candles.size()), reported);
  std::printf("stopped after %lld one-minute candles\n", static_cast<long long>(reported));
  // Stopped early: not the whole day.
  EXPECT_LT(reported, 49 * 375);

  // Every stored candle but the last of each symbol (the one flushed at the stop may be partial)
  // is exactly its source row.
  CandleMap want;
  for (const auto& entry : fs::directory_iterator(kDay)) {
    CandleMap rows = regular_rows(entry.path().string());
    want.insert(rows.begin(), rows.end());
  }
  std::map<std::string, int64_t> last_start;
  for (const auto& [key, c] : got.candles) last_start[key.first] = std::max(last_start[key.first], key.second);
  for (const auto& [key, c] : got.candles) {
    auto it = want.find(key);
    ASSERT_NE(it, want.end()) << "stored a minute the source lacks: " << describe(c);
    if (key.second != last_start[key.first]) {
      EXPECT_EQ(c, it->second);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// nifty import.

TEST(Cli, ImportOfADayStoresExactlyTheRegularSessionRows) {
  TempDir dir;
  const std::string db = dir.file("import.db");
  CommandResult r = nifty({"import", kDay, "--db", db});
  ASSERT_TRUE(exited_with(r, 0)) << describe(r);

  CandleMap want;
  size_t lines = 0;
  for (const auto& entry : fs::directory_iterator(kDay)) {
    lines += read_one_minute_file(entry.path().string()).rows.size();
    CandleMap rows = regular_rows(entry.path().string());
    want.insert(rows.begin(), rows.end());
  }
  ASSERT_EQ(want.size(), 49u * 375u);

  Json s = summary_of(r);
  ASSERT_TRUE(s.is_object()) << r.out;
  EXPECT_EQ(s["files"], 49);
  EXPECT_EQ(s["rows_read"], lines);
  EXPECT_EQ(s["stored"], want.size());
  EXPECT_EQ(s["rejected"]["outside_session"], lines - want.size());
  for (const char* kind : {"malformed", "invalid_ohlc", "out_of_order", "duplicate", "store_failed"}) {
    EXPECT_EQ(s["rejected"][kind], 0) << kind;
  }

  CandleTable got = read_candle_table(db, "1m");
  ASSERT_EQ(got.error, "");
  EXPECT_EQ(got.candles.size(), want.size());
  for (const auto& [key, c] : want) {
    auto it = got.candles.find(key);
    ASSERT_NE(it, got.candles.end()) << "missing " << describe(c);
    EXPECT_EQ(it->second, c);
  }
}

}  // namespace
}  // namespace nifty::testing
