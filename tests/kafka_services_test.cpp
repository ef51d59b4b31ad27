// The scale-out services through the `nifty` binary against the real test broker (Kafka 0.9 +
// ZooKeeper of scripts/test-servers/kafka, ctest fixture kafka_server): a replay day through
// `nifty ingest` -> Kafka -> `nifty candles` -> SQLite must give exactly the candles (every
// interval, every column) of the in-process `nifty replay` of the same files, also when `candles`
// is killed with SIGKILL in the middle and restarted, and when one of two instances in the group is
// killed. `nifty analyze-service` killed with SIGKILL in the middle and restarted publishes, for every
// candle, the scorecard and signals of an analyze-service run that was never killed (it rebuilds its
// state from the store), and misses none. kcat reads our messages with the spec's field names; bad
// records are skipped and counted; a broker that is down makes the services fail fast (exit 1).
// Each test has its own topic prefix, so tests run in parallel on one broker; waits poll with
// deadlines.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bus/kafka/tests/kafka_test_support.h"
#include "net/http_client.h"
#include "support/candle_db.h"
#include "support/subprocess.h"

namespace nifty {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nifty::testing::ChildProcess;
using nifty::testing::free_loopback_port;
using nifty::testing::CommandOptions;
using nifty::testing::describe;
using nifty::testing::run_command;
using Deadline = std::chrono::steady_clock::time_point;

const char* const kIntervals[] = {"1m", "5m", "15m", "1h", "1d"};

// Five symbols of the golden day (real NSE 1-minute data, testdata/README): enough to spread over
// the broker's 8 partitions and quick on 2 cores.
const char* const kSymbols[] = {"ADANIENT", "AXISBANK", "BAJFINANCE", "HDFCBANK", "INFY", "RELIANCE", "TCS"};

Deadline in(std::chrono::seconds s) { return std::chrono::steady_clock::now() + s; }

// Every row of candles_<interval>, all columns, as text, ordered by symbol and start.
std::vector<std::string> table_rows(const std::string& db, const std::string& interval) {
  std::vector<std::string> rows;
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(handle);
    return rows;
  }
  sqlite3_busy_timeout(handle, 5000);
  std::string sql = "SELECT * FROM candles_" + interval + " ORDER BY symbol, 2";
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row += std::string(sqlite3_column_name(stmt, i)) + "=" + (text ? reinterpret_cast<const char*>(text) : "NULL") + " ";
      }
      rows.push_back(row);
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return rows;
}

class KafkaServices : public ::testing::Test {
 protected:
  void SetUp() override {
    NIFTY_REQUIRE_KAFKA();
    bootstrap_ = bus::testing::test_bootstrap();
    prefix_ = bus::testing::unique_prefix();
    dir_ = fs::temp_directory_path() / ("nifty-kafka-services-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "input");
    for (const char* s : kSymbols) {
      fs::copy_file(fs::path(NIFTY_SOURCE_DIR) / "testdata/nse-1min/2023-02-28" / (std::string(s) + ".txt"),
                    dir_ / "input" / (std::string(s) + ".txt"));
    }
    write_config(bootstrap_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void write_config(const std::string& brokers, int connect_timeout_ms = 15000) {
    std::ofstream out(config_path());
    out << "[log]\nlevel = \"warn\"\n"
        << "[kafka]\nbrokers = \"" << brokers << "\"\nprofile = \"kafka-0.9\"\nclient_id = \"nifty-test\"\n"
        << "topic_prefix = \"" << prefix_ << "\"\npartitions = 8\nlinger_ms = 5\nsession_timeout_ms = 6000\n"
        << "heartbeat_interval_ms = 500\nconnect_timeout_ms = " << connect_timeout_ms
        << "\nmessage_timeout_ms = 15000\ndrain_timeout_ms = 20000\n"
        << "[services.ingest]\nhttp_port = 0\n"
        << "[services.candles]\nhttp_port = " << candles_port_ << "\ncommit_interval_ms = 200\nidle_close_ms = 1500\n"
        << "[services.analyze]\nhttp_port = " << analyze_port_ << "\n";
    if (!analyze_group_.empty()) out << "group = \"" << analyze_group_ << "\"\n";
    if (warm_up_candles_ >= 0) out << "[analysis]\nwarm_up_candles = " << warm_up_candles_ << "\n";
  }
  std::string config_path() const { return (dir_ / "nifty.toml").string(); }
  std::string input() const { return (dir_ / "input").string(); }
  std::string db(const std::string& name) const { return (dir_ / name).string(); }

  // The in-process reference: `nifty replay` of the same files into ref.db.
  void replay_reference() {
    auto r = run_command({NIFTY_BINARY, "replay", "--config", config_path(), "--db", db("ref.db"), "--speed", "max",
                          input()});
    ASSERT_TRUE(r.exited && r.exit_code == 0) << describe(r);
    for (const char* i : kIntervals) reference_[i] = table_rows(db("ref.db"), i);
    ASSERT_GT(reference_["1m"].size(), 1000u);
    ASSERT_EQ(reference_["1d"].size(), std::size(kSymbols));
  }

  void ingest_all() {
    auto r = run_command({NIFTY_BINARY, "ingest", "--config", config_path(), "--speed", "max", input()});
    ASSERT_TRUE(r.exited && r.exit_code == 0) << describe(r);
    auto summary = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(summary.is_discarded()) << r.out;
    EXPECT_GT(summary.value("ticks", 0), 1000);
    EXPECT_EQ(summary.value("delivery_failures", -1), 0);
  }

  bool start_candles(ChildProcess& child, const std::string& db_name) {
    return child.start({NIFTY_BINARY, "candles", "--config", config_path(), "--db", db(db_name)});
  }

  bool start_analyze(ChildProcess& child, const std::string& db_name) {
    return child.start({NIFTY_BINARY, "analyze-service", "--config", config_path(), "--db", db(db_name)});
  }

  // A counter of the analyze service's /metrics (-1 when it cannot be read).
  double analyze_metric(const std::string& name) {
    net::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(analyze_port_) + "/metrics";
    request.timeout = 2s;
    auto r = net::http_request(request);
    if (!r.is_ok() || r->status != 200) return -1;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

  struct Record {
    int partition = 0;
    int64_t offset = 0;
    std::string value;
  };
  // Every message of `topic` so far, read by kcat (an independent consumer).
  std::vector<Record> read_topic(const std::string& topic) {
    auto r = bus::testing::kcat(
        {"-C", "-e", "-q", "-o", "beginning", "-f", "%p %o %s\n", "-b", bootstrap_, "-t", prefix_ + topic});
    EXPECT_TRUE(r.exited && r.exit_code == 0) << describe(r);
    std::vector<Record> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      Record rec;
      std::istringstream fields(line);
      if (!(fields >> rec.partition >> rec.offset)) continue;
      std::getline(fields >> std::ws, rec.value);
      out.push_back(std::move(rec));
    }
    return out;
  }

  // Polls until `db` has as many rows as the reference in every interval.
  bool wait_complete(const std::string& db_name, ChildProcess& child, Deadline deadline) {
    return child.pump_until(
        [&] {
          for (const char* i : kIntervals) {
            if (nifty::testing::count_candles(db(db_name), i) != static_cast<int64_t>(reference_[i].size())) {
              return false;
            }
          }
          return true;
        },
        deadline);
  }

  // "1m 1234/1500 5m ..." for failure messages.
  std::string progress(const std::string& db_name) {
    std::string out;
    for (const char* i : kIntervals) {
      out += std::string(i) + " " + std::to_string(nifty::testing::count_candles(db(db_name), i)) + "/" +
             std::to_string(reference_[i].size()) + " ";
    }
    return out;
  }

  void expect_same_as_reference(const std::string& db_name) {
    for (const char* i : kIntervals) {
      auto got = table_rows(db(db_name), i);
      ASSERT_EQ(got.size(), reference_[i].size()) << i;
      for (size_t k = 0; k < got.size(); ++k) {
        ASSERT_EQ(got[k], reference_[i][k]) << "interval " << i << " row " << k << " (" << progress(db_name) << ")";
      }
    }
  }

  void stop(ChildProcess& child) {
    child.send_signal(SIGTERM);
    auto r = child.wait(in(30s));
    EXPECT_TRUE(r.exited && r.exit_code == 0) << describe(r);
  }

  std::string bootstrap_;
  std::string prefix_;
  fs::path dir_;
  int candles_port_ = 0;
  int analyze_port_ = 0;
  std::string analyze_group_;  // services.analyze.group when set
  int warm_up_candles_ = -1;   // analysis.warm_up_candles when >= 0
  std::map<std::string, std::vector<std::string>> reference_;
};

TEST_F(KafkaServices, ReplayThroughKafkaGivesTheCandlesOfTheInProcessReplay) {
  replay_reference();
  ChildProcess candles;
  ASSERT_TRUE(start_candles(candles, "kafka.db")) << candles.error();
  ingest_all();
  ASSERT_TRUE(wait_complete("kafka.db", candles, in(120s))) << progress("kafka.db") << candles.err();
  stop(candles);
  expect_same_as_reference("kafka.db");
}

TEST_F(KafkaServices, KillNineInTheMiddleThenRestartGivesIdenticalCandles) {
  replay_reference();
  ingest_all();
  ChildProcess first;
  ASSERT_TRUE(start_candles(first, "kafka.db")) << first.error();
  const int64_t third = static_cast<int64_t>(reference_["1m"].size() / 3);
  ASSERT_TRUE(first.pump_until([&] { return nifty::testing::count_candles(db("kafka.db"), "1m") >= third; }, in(120s)))
      << first.err();
  first.send_signal(SIGKILL);
  auto killed = first.wait(in(10s));
  ASSERT_FALSE(killed.exited);
  const int64_t at_kill = nifty::testing::count_candles(db("kafka.db"), "1m");
  ChildProcess second;
  ASSERT_TRUE(start_candles(second, "kafka.db")) << second.error();
  ASSERT_TRUE(wait_complete("kafka.db", second, in(120s))) << progress("kafka.db") << second.err();
  stop(second);
  EXPECT_LT(at_kill, static_cast<int64_t>(reference_["1m"].size())) << "the kill came after the end";
  expect_same_as_reference("kafka.db");
}

TEST_F(KafkaServices, TwoInstancesOneKilledInTheMiddleGiveIdenticalCandles) {
  replay_reference();
  ingest_all();
  ChildProcess a;
  ChildProcess b;
  ASSERT_TRUE(start_candles(a, "kafka.db")) << a.error();
  // The second instance opens the store once the first has created it (SQLite sets WAL mode once).
  ASSERT_TRUE(a.pump_until([&] { return nifty::testing::count_candles(db("kafka.db"), "1m") >= 0; }, in(60s)))
      << a.err();
  ASSERT_TRUE(start_candles(b, "kafka.db")) << b.error();
  const int64_t third = static_cast<int64_t>(reference_["1m"].size() / 3);
  ASSERT_TRUE(a.pump_until(
      [&] {
        b.pump(0ms);
        return nifty::testing::count_candles(db("kafka.db"), "1m") >= third;
      },
      in(120s)))
      << a.err();
  a.send_signal(SIGKILL);
  (void)a.wait(in(10s));
  ASSERT_TRUE(wait_complete("kafka.db", b, in(150s))) << progress("kafka.db") << b.err();
  stop(b);
  expect_same_as_reference("kafka.db");
}

TEST_F(KafkaServices, KcatReadsTheSpecFieldNamesAndTypes) {
  ChildProcess candles;
  ASSERT_TRUE(start_candles(candles, "kafka.db")) << candles.error();
  ingest_all();
  ASSERT_TRUE(candles.pump_until([&] { return nifty::testing::count_candles(db("kafka.db"), "1d") > 0; }, in(120s)))
      << candles.err();
  stop(candles);
  auto ticks = bus::testing::kcat({"-C", "-e", "-o", "beginning", "-c", "20", "-b", bootstrap_, "-t", prefix_ + "raw-ticks"});
  ASSERT_TRUE(ticks.exited && ticks.exit_code == 0) << describe(ticks);
  std::istringstream tick_lines(ticks.out);
  int n = 0;
  for (std::string line; std::getline(tick_lines, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    // The spec's raw-ticks example: token string, symbol string, ltp number, volume integer,
    // bid/ask numbers, timestamp integer (ms), sequence integer, exchange string.
    EXPECT_TRUE(j.at("token").is_string()) << line;
    EXPECT_TRUE(j.at("symbol").is_string()) << line;
    EXPECT_TRUE(j.at("ltp").is_number()) << line;
    EXPECT_TRUE(j.at("volume").is_number_integer()) << line;
    EXPECT_TRUE(j.at("bid").is_number()) << line;
    EXPECT_TRUE(j.at("ask").is_number()) << line;
    EXPECT_TRUE(j.at("timestamp").is_number_integer()) << line;
    EXPECT_TRUE(j.at("sequence").is_number_integer()) << line;
    EXPECT_EQ(j.at("exchange"), "NSE") << line;
    ++n;
  }
  EXPECT_EQ(n, 20);
  auto candles_out = bus::testing::kcat(
      {"-C", "-e", "-o", "beginning", "-c", "20", "-b", bootstrap_, "-t", prefix_ + "market_candles"});
  ASSERT_TRUE(candles_out.exited && candles_out.exit_code == 0) << describe(candles_out);
  std::istringstream candle_lines(candles_out.out);
  n = 0;
  for (std::string line; std::getline(candle_lines, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    // The spec's market_candles example: time ISO-8601 UTC string, symbol, OHLC numbers, volume
    // and trades integers, vwap number.
    ASSERT_TRUE(j.at("time").is_string()) << line;
    EXPECT_EQ(j.at("time").get<std::string>().back(), 'Z') << line;
    EXPECT_TRUE(j.at("symbol").is_string()) << line;
    for (const char* f : {"open", "high", "low", "close", "vwap"}) EXPECT_TRUE(j.at(f).is_number()) << f << line;
    EXPECT_TRUE(j.at("volume").is_number_integer()) << line;
    EXPECT_TRUE(j.at("trades").is_number_integer()) << line;
    ++n;
  }
  EXPECT_EQ(n, 20);
}

TEST_F(KafkaServices, AnalyzeServiceServesScorecardsAndPublishesTheSpecFields) {
  analyze_port_ = free_loopback_port();
  write_config(bootstrap_);
  ChildProcess candles;
  ASSERT_TRUE(start_candles(candles, "kafka.db")) << candles.error();
  // The analysis service reads the store (warm-up) once the candle service has created it.
  ASSERT_TRUE(candles.pump_until([&] { return nifty::testing::count_candles(db("kafka.db"), "1m") >= 0; }, in(60s)))
      << candles.err();
  ChildProcess analyze;
  ASSERT_TRUE(start_analyze(analyze, "kafka.db")) << analyze.error();
  ingest_all();
  net::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(analyze_port_) + "/analyze?symbol=TCS";
  request.timeout = 2s;
  nlohmann::json card;
  // TCS's scorecard of the last minute of the day (15:29 IST = 09:59 UTC) shows the whole day went through.
  ASSERT_TRUE(analyze.pump_until(
      [&] {
        candles.pump(0ms);
        auto r = net::http_request(request);
        if (!r.is_ok() || r->status != 200) return false;
        card = nlohmann::json::parse(r->body, nullptr, false);
        return !card.is_discarded() && card.value("timestamp", "") == "2023-02-28T09:59:00Z";
      },
      in(120s)))
      << card.dump() << analyze.err();
  EXPECT_EQ(card.at("symbol"), "TCS");
  EXPECT_TRUE(card.at("ltp").is_number());
  request.url = "http://127.0.0.1:" + std::to_string(analyze_port_) + "/analyze?symbol=NOSUCH";
  auto missing = net::http_request(request);
  ASSERT_TRUE(missing.is_ok());
  EXPECT_EQ(missing->status, 404);
  request.url = "http://127.0.0.1:" + std::to_string(analyze_port_) + "/analyze/market";
  auto market = net::http_request(request);
  ASSERT_TRUE(market.is_ok());
  EXPECT_EQ(market->status, 200) << market->body;
  request.url = "http://127.0.0.1:" + std::to_string(analyze_port_) + "/health";
  auto health = net::http_request(request);
  ASSERT_TRUE(health.is_ok());
  EXPECT_EQ(health->status, 200);
  stop(analyze);
  stop(candles);
  // The spec's analysis_updates example: symbol, timestamp (ISO-8601 UTC), ltp, macd {value, signal,
  // histogram}, trend_score.
  auto updates = bus::testing::kcat(
      {"-C", "-e", "-o", "beginning", "-c", "10", "-b", bootstrap_, "-t", prefix_ + "analysis_updates"});
  ASSERT_TRUE(updates.exited && updates.exit_code == 0) << describe(updates);
  std::istringstream lines(updates.out);
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.at("symbol").is_string()) << line;
    EXPECT_TRUE(j.at("timestamp").is_string()) << line;
    EXPECT_TRUE(j.at("ltp").is_number()) << line;
    EXPECT_TRUE(j.at("macd").is_object()) << line;
    EXPECT_TRUE(j.at("trend_score").is_number()) << line;
    ++n;
  }
  EXPECT_EQ(n, 10);
}

// Scorecards by "SYMBOL@timestamp", each message without latency_ms (the only field that depends
// on the machine rather than on the candles).
using ByKey = std::map<std::string, std::vector<std::string>>;
ByKey by_key(const std::vector<std::string>& values, const char* key_field) {
  ByKey out;
  for (const auto& v : values) {
    auto j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded()) {
      out["unparsable"].push_back(v);
      continue;
    }
    j.erase("latency_ms");
    std::string key = std::string(key_field) == "id" ? j.value("id", "")
                                                     : j.value("symbol", "") + "@" + j.value("timestamp", "");
    out[key].push_back(j.dump());
  }
  return out;
}

// Every copy the killed-and-restarted run published for a key equals the uninterrupted run's one
// message for that key, and the two runs cover the same keys. Returns the number of extra copies.
size_t expect_same_output(const ByKey& killed, const ByKey& reference, const char* what) {
  size_t extra = 0;
  for (const auto& [key, copies] : reference) {
    EXPECT_EQ(copies.size(), 1u) << what << " " << key << ": the uninterrupted run published it "
                                 << copies.size() << " times";
    auto it = killed.find(key);
    if (it == killed.end()) {
      ADD_FAILURE() << what << " " << key << " is missing from the killed run";
      continue;
    }
    extra += it->second.size() - 1;
    for (const auto& copy : it->second) EXPECT_EQ(copy, copies.front()) << what << " " << key;
  }
  for (const auto& [key, copies] : killed) {
    EXPECT_TRUE(reference.count(key)) << what << " " << key << " only in the killed run: " << copies.front();
  }
  return extra;
}

// The analysis service killed with SIGKILL after a third of the day and started again: it rebuilds
// each symbol's indicators, day state and signal state from the candles stored before the first
// candle it reads, so every scorecard and signal it publishes equals the one of an analysis service
// that ran the day uninterrupted, and no candle is left without its scorecard (candles analysed but
// not committed before the kill come out twice, identical: at-least-once). warm_up_candles = 50 is
// below the ~125 candles of the day each symbol has at the kill, so the warm-up must reach back to
// the day's first candle by itself (day volume, change against the day's open; the EMAs) for the
// scorecards to match.
TEST_F(KafkaServices, AnalyzeServiceKilledInTheMiddleRestartsWithTheScorecardsOfAnUninterruptedRun) {
  analyze_port_ = free_loopback_port();
  warm_up_candles_ = 50;
  analyze_group_ = "analyze-killed";
  write_config(bootstrap_);
  replay_reference();
  const size_t total = reference_["1m"].size();  // one scorecard per 1-minute candle
  ChildProcess candles;
  ASSERT_TRUE(start_candles(candles, "kafka.db")) << candles.error();
  ASSERT_TRUE(candles.pump_until([&] { return nifty::testing::count_candles(db("kafka.db"), "1m") >= 0; }, in(60s)))
      << candles.err();

  // The run that is killed: candles arrive while it analyses them.
  ChildProcess first;
  ASSERT_TRUE(start_analyze(first, "kafka.db")) << first.error();
  ingest_all();
  ASSERT_TRUE(first.pump_until(
      [&] {
        candles.pump(0ms);
        return analyze_metric("analyze_service_scorecards_total") >= static_cast<double>(total / 3);
      },
      in(120s)))
      << first.err();
  first.send_signal(SIGKILL);
  auto killed = first.wait(in(10s));
  ASSERT_FALSE(killed.exited);
  const size_t at_kill = read_topic("analysis_updates").size();
  EXPECT_LT(at_kill, total) << "the kill came after the end";

  ChildProcess second;
  ASSERT_TRUE(start_analyze(second, "kafka.db")) << second.error();
  ASSERT_TRUE(second.pump_until(
      [&] {
        candles.pump(0ms);
        std::vector<std::string> values;
        for (auto& r : read_topic("analysis_updates")) values.push_back(std::move(r.value));
        return by_key(values, "symbol").size() >= total;
      },
      in(180s)))
      << second.err();
  EXPECT_GT(analyze_metric("analyze_service_warm_ups_total"), 0) << "the restarted service did not warm up";
  stop(second);
  ASSERT_TRUE(wait_complete("kafka.db", candles, in(60s))) << progress("kafka.db");
  // Where the killed run's output ends in each partition: the uninterrupted run's follows it.
  std::map<int, int64_t> killed_end;
  std::vector<std::string> killed_cards;
  for (auto& r : read_topic("analysis_updates")) {
    killed_end[r.partition] = std::max(killed_end[r.partition], r.offset + 1);
    killed_cards.push_back(std::move(r.value));
  }
  EXPECT_GT(killed_cards.size(), at_kill) << "the restarted service published nothing";
  std::map<int, int64_t> killed_signals_end;
  std::vector<std::string> killed_signals;
  for (auto& r : read_topic("signals")) {
    killed_signals_end[r.partition] = std::max(killed_signals_end[r.partition], r.offset + 1);
    killed_signals.push_back(std::move(r.value));
  }

  // The uninterrupted run: a group of its own reads market_candles from the beginning; nothing is
  // stored before the day's first candles, so it starts cold at the open like the killed run did.
  analyze_group_ = "analyze-reference";
  write_config(bootstrap_);
  ChildProcess reference;
  ASSERT_TRUE(start_analyze(reference, "kafka.db")) << reference.error();
  ASSERT_TRUE(reference.pump_until(
      [&] {
        candles.pump(0ms);
        return read_topic("analysis_updates").size() >= killed_cards.size() + total;
      },
      in(180s)))
      << reference.err();
  stop(reference);
  stop(candles);
  std::vector<std::string> reference_cards;
  for (auto& r : read_topic("analysis_updates")) {
    if (r.offset >= killed_end[r.partition]) reference_cards.push_back(std::move(r.value));
  }
  std::vector<std::string> reference_signals;
  for (auto& r : read_topic("signals")) {
    if (r.offset >= killed_signals_end[r.partition]) reference_signals.push_back(std::move(r.value));
  }

  ASSERT_EQ(reference_cards.size(), total);
  const ByKey reference_by_key = by_key(reference_cards, "symbol");
  ASSERT_EQ(reference_by_key.size(), total);
  size_t extra_cards = expect_same_output(by_key(killed_cards, "symbol"), reference_by_key, "scorecard");
  size_t extra_signals = expect_same_output(by_key(killed_signals, "id"), by_key(reference_signals, "id"), "signal");
  // The golden day fires signals (the comparison above is not empty).
  EXPECT_GT(reference_signals.size(), 0u);
  std::cout << "killed at " << at_kill << "/" << total << " scorecards; re-published " << extra_cards
            << " scorecards and " << extra_signals << " signals; " << reference_signals.size() << " signals\n";
}

TEST_F(KafkaServices, BadRecordsAreCountedAndSkippedNotCrashLooped) {
  candles_port_ = free_loopback_port();
  write_config(bootstrap_);
  // Bad records first on every partition they hash to, then a good tick of a real day.
  std::string bad = "not json at all\n{\"symbol\":\"TCS\"}\n{\"symbol\":\"TCS\",\"ltp\":\"x\",\"volume\":1}\n";
  std::string path = (dir_ / "bad.jsonl").string();
  std::ofstream(path) << bad;
  auto produced = bus::testing::kcat({"-P", "-b", bootstrap_, "-t", prefix_ + "raw-ticks", "-k", "TCS", "-l", path});
  ASSERT_TRUE(produced.exited && produced.exit_code == 0) << describe(produced);
  ChildProcess candles;
  ASSERT_TRUE(start_candles(candles, "kafka.db")) << candles.error();
  ingest_all();
  ASSERT_TRUE(candles.pump_until([&] { return nifty::testing::count_candles(db("kafka.db"), "1d") ==
                                              static_cast<int64_t>(std::size(kSymbols)); },
                                 in(120s)))
      << candles.err();
  // Still running (not crash-looped), and the three rejections are in its metrics.
  net::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(candles_port_) + "/metrics";
  auto metrics = net::http_request(request);
  ASSERT_TRUE(metrics.is_ok()) << metrics.status().to_string();
  ASSERT_EQ(metrics->status, 200);
  double rejected = 0;
  std::istringstream lines(metrics->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("bus_kafka_messages_rejected_total{", 0) == 0) rejected += std::stod(line.substr(line.rfind(' ') + 1));
  }
  EXPECT_EQ(rejected, 3);
  request.url = "http://127.0.0.1:" + std::to_string(candles_port_) + "/health";
  auto health = net::http_request(request);
  ASSERT_TRUE(health.is_ok());
  EXPECT_EQ(nlohmann::json::parse(health->body).at("detail").at("rejected"), 3);
  stop(candles);
}

TEST_F(KafkaServices, ABrokerDownAtStartUpIsAClearErrorInBoundedTime) {
  write_config("127.0.0.1:" + std::to_string(free_loopback_port()), 2000);
  for (const char* service : {"candles", "ingest"}) {
    CommandOptions options;
    options.timeout = 30s;
    auto started = std::chrono::steady_clock::now();
    std::vector<std::string> argv = {NIFTY_BINARY, service, "--config", config_path()};
    if (std::string(service) == "ingest") {
      argv.push_back(input());
    } else {
      argv.insert(argv.end(), {"--db", db("x.db")});
    }
    auto r = run_command(argv, options);
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(r.exited) << service << ": " << describe(r);
    EXPECT_EQ(r.exit_code, 1) << service << ": " << describe(r);
    EXPECT_NE(r.err.find("kafka"), std::string::npos) << r.err;
    EXPECT_LT(took, 25s) << service;
  }
}

}  // namespace
}  // namespace nifty
