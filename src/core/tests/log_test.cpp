#include "core/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>
#include <unistd.h>

#include "core/timestamp.h"

namespace nifty::core {
namespace {

// Points the process-wide logger to a fresh file; reads back the JSON lines written so far.
class LogFile {
 public:
  LogFile() {
    path_ = (std::filesystem::temp_directory_path() /
             ("nifty_log_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".jsonl"))
                .string();
    std::filesystem::remove(path_);
    EXPECT_TRUE(Logger::set_file(path_));
  }
  ~LogFile() { std::filesystem::remove(path_); }
  std::vector<nlohmann::json> lines() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
      out.push_back(j);
    }
    return out;
  }
  std::vector<std::string> raw_lines() const {
    std::vector<std::string> out;
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(Logger, WritesOneJsonObjectPerLineWithTheFixedKeysFirst) {
  LogFile f;
  Logger::set_level(LogLevel::kInfo);
  Timestamp before = Timestamp::now().floor(kNanosPerMilli);
  Logger::get("feed").info("connected", {{"vendor", "kite"}, {"attempt", 3}, {"ratio", 0.25}, {"tls", true}});
  Timestamp after = Timestamp::now();
  auto raw = f.raw_lines();
  ASSERT_EQ(raw.size(), 1u);
  // Key order: level, timestamp, module, msg, then the fields as given.
  size_t p_level = raw[0].find("\"level\""), p_ts = raw[0].find("\"timestamp\""), p_mod = raw[0].find("\"module\""),
         p_msg = raw[0].find("\"msg\""), p_vendor = raw[0].find("\"vendor\""), p_tls = raw[0].find("\"tls\"");
  EXPECT_EQ(p_level, 1u);
  EXPECT_LT(p_level, p_ts);
  EXPECT_LT(p_ts, p_mod);
  EXPECT_LT(p_mod, p_msg);
  EXPECT_LT(p_msg, p_vendor);
  EXPECT_LT(p_vendor, p_tls);

  auto j = f.lines().at(0);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["module"], "feed");
  EXPECT_EQ(j["msg"], "connected");
  EXPECT_EQ(j["vendor"], "kite");
  EXPECT_EQ(j["attempt"], 3);
  EXPECT_TRUE(j["attempt"].is_number_integer());
  EXPECT_EQ(j["ratio"], 0.25);
  EXPECT_EQ(j["tls"], true);
  // ISO-8601 UTC with milliseconds, within the call's window.
  std::string ts = j["timestamp"];
  ASSERT_EQ(ts.size(), 24u) << ts;
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');
  EXPECT_EQ(ts.back(), 'Z');
  auto parsed = Timestamp::parse(ts);
  ASSERT_TRUE(parsed.is_ok()) << ts;
  EXPECT_GE(*parsed, before);
  EXPECT_LE(*parsed, after);
}

TEST(Logger, EscapesStringsAndWritesNonFiniteAsNull) {
  LogFile f;
  Logger::set_level(LogLevel::kInfo);
  const std::string nasty = std::string("quote\" back\\ nl\n tab\t ctl\x01 nul") + '\0' + " end";
  const std::string utf8 = "₹ 2850";
  const std::string invalid = "bad\xff\xfe" "byte";
  Logger::get("candles").warn(nasty, {{"nan", std::numeric_limits<double>::quiet_NaN()},
                                      {"inf", std::numeric_limits<double>::infinity()},
                                      {"k\"ey", nasty},
                                      {"rupee", utf8},
                                      {"junk", invalid},
                                      {"neg", -5}});
  auto lines = f.lines();
  ASSERT_EQ(lines.size(), 1u);
  auto& j = lines[0];
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], nasty);
  EXPECT_TRUE(j["nan"].is_null());
  EXPECT_TRUE(j["inf"].is_null());
  EXPECT_EQ(j["k\"ey"], nasty);
  EXPECT_EQ(j["rupee"], utf8);
  EXPECT_EQ(j["junk"], "bad\xef\xbf\xbd\xef\xbf\xbd" "byte");  // U+FFFD per invalid byte
  EXPECT_EQ(j["neg"], -5);
}

TEST(Logger, LevelFiltersMessages) {
  LogFile f;
  Logger& log = Logger::get("store");
  Logger::set_level(LogLevel::kWarn);
  EXPECT_FALSE(log.enabled(LogLevel::kInfo));
  EXPECT_TRUE(log.enabled(LogLevel::kError));
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  Logger::set_level(LogLevel::kOff);
  log.error("hidden");
  Logger::set_level(LogLevel::kDebug);
  log.debug("d2");
  Logger::set_level(LogLevel::kInfo);
  auto lines = f.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["level"], "warn");
  EXPECT_EQ(lines[1]["level"], "error");
  EXPECT_EQ(lines[2]["level"], "debug");
}

TEST(Logger, GetReturnsOneStableLoggerPerModule) {
  Logger* a = &Logger::get("gateway");
  std::vector<std::thread> ts;
  std::vector<Logger*> seen(8);
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) Logger::get("module" + std::to_string(k));  // grow the table meanwhile
      seen[i] = &Logger::get("gateway");
    });
  }
  for (auto& t : ts) t.join();
  for (Logger* p : seen) EXPECT_EQ(p, a);
  EXPECT_NE(&Logger::get("engine"), a);
}

TEST(Logger, ConcurrentWritersNeverInterleaveLines) {
  LogFile f;
  Logger::set_level(LogLevel::kInfo);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([t] {
      for (int i = 0; i < 200; ++i) Logger::get("engine").info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(f.lines().size(), 800u);
}

TEST(Logger, SetFileFailsForAnUnwritablePath) {
  // A regular file cannot be a directory, whatever the permissions.
  LogFile f;
  auto parent = std::filesystem::temp_directory_path() / ("nifty_log_test_file_" + std::to_string(::getpid()));
  std::ofstream(parent) << "x";
  EXPECT_FALSE(Logger::set_file((parent / "log.jsonl").string()));
  // The previous sink stays in place.
  Logger::get("feed").error("still here");
  EXPECT_EQ(f.lines().size(), 1u);
  std::filesystem::remove(parent);
}

TEST(LogLevel, Parses) {
  LogLevel l = LogLevel::kInfo;
  EXPECT_TRUE(parse_log_level("debug", l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_TRUE(parse_log_level("error", l));
  EXPECT_EQ(l, LogLevel::kError);
  EXPECT_TRUE(parse_log_level("off", l));
  EXPECT_EQ(l, LogLevel::kOff);
  EXPECT_FALSE(parse_log_level("loud", l));
  EXPECT_EQ(l, LogLevel::kOff);
}

TEST(AppendJsonEscaped, MatchesAJsonParser) {
  std::string s;
  for (int c = 0; c < 0x80; ++c) s += static_cast<char>(c);
  std::string out = "\"";
  append_json_escaped(out, s);
  out += '"';
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j.get<std::string>(), s);
}

TEST(RateLimitedLog, LetsTheFirstThroughThenCountsWhatItHolds) {
  RateLimitedLog limiter(std::chrono::hours(1));
  uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.should_log(suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.should_log(suppressed));
}

TEST(RateLimitedLog, ReportsHowManyWereHeldBackOnceTheIntervalPasses) {
  RateLimitedLog limiter(std::chrono::milliseconds(1));
  uint64_t suppressed = 0;
  ASSERT_TRUE(limiter.should_log(suppressed));
  // Count the refusals until the interval has passed (polling, no sleep).
  uint64_t refused = 0;
  while (!limiter.should_log(suppressed)) ++refused;
  EXPECT_EQ(suppressed, refused);
}

}  // namespace
}  // namespace nifty::core
