// `nifty gateway --kafka` against the real test broker (Kafka 0.9 + ZooKeeper of
// scripts/test-servers/kafka, ctest fixture kafka_server): the scale-out gateway joins the Kafka
// topics with a consumer group of its own and pushes them to its WebSocket clients. A client
// subscribed to ticks:* before `nifty ingest` runs must get every tick ingest published, each once,
// on its symbol's channel, with the values an independent consumer (kcat) reads from raw-ticks.
// A client subscribed to one symbol gets that symbol's ticks only. Waits poll with deadlines.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "bus/kafka/tests/kafka_test_support.h"
#include "net/websocket_client.h"
#include "support/subprocess.h"

namespace nifty {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nifty::testing::ChildProcess;
using nifty::testing::free_loopback_port;
using nifty::testing::describe;
using nifty::testing::run_command;
using Deadline = std::chrono::steady_clock::time_point;

const char* const kSymbols[] = {"INFY", "TCS"};

Deadline in(std::chrono::seconds s) { return std::chrono::steady_clock::now() + s; }

// What identifies a tick across the bus: symbol, exchange time (ms), price, cumulative volume.
using TickKey = std::tuple<std::string, int64_t, double, int64_t>;

TickKey key_of(const nlohmann::json& tick) {
  return {tick.value("symbol", ""), tick.value("timestamp", int64_t{-1}), tick.value("ltp", -1.0),
          tick.value("volume", int64_t{-1})};
}

// A /ws client that keeps every text message it gets.
class Client final : public net::WebSocketHandler {
 public:
  bool connect(int port) {
    net::WebSocketOptions o;
    o.url = "ws://127.0.0.1:" + std::to_string(port) + "/ws";
    o.ping_interval = 0ms;
    o.idle_timeout = 0ms;
    client_.reset();  // an earlier attempt (gateway not listening yet) is over
    {
      std::lock_guard lk(mu_);
      open_ = closed_ = false;
    }
    auto c = net::WebSocketClient::create(o, *this);
    if (!c) return false;
    client_ = std::move(c).value();
    if (!client_->start().is_ok()) return false;
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 10s, [&] { return open_ || closed_; }) && open_;
  }
  // Subscribes and waits for the gateway's ack.
  bool subscribe(const std::string& channel) {
    if (!client_->send_text(R"({"action":"subscribe","channels":[")" + channel + "\"]}").is_ok()) return false;
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 10s, [&] { return acks_ > 0 || closed_; }) && acks_ > 0;
  }
  std::vector<nlohmann::json> pushes() {
    std::lock_guard lk(mu_);
    return pushes_;
  }
  size_t count() {
    std::lock_guard lk(mu_);
    return pushes_.size();
  }
  std::vector<std::string> errors() {
    std::lock_guard lk(mu_);
    return errors_;
  }
  void close() {
    if (client_) {
      client_->close();
      (void)client_->wait_closed(5s);
    }
  }

  void on_open() override {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void on_message(std::string_view payload, bool /*binary*/, core::Timestamp) override {
    auto doc = nlohmann::json::parse(payload, nullptr, false);
    std::lock_guard lk(mu_);
    if (doc.is_discarded() || !doc.is_object()) {
      errors_.emplace_back(payload);
    } else if (doc.value("type", "") == "ack") {
      ++acks_;
    } else if (doc.contains("channel")) {
      pushes_.push_back(std::move(doc));
    } else if (doc.value("type", "") != "heartbeat") {
      errors_.emplace_back(payload);
    }
    cv_.notify_all();
  }
  void on_close(const net::CloseInfo&) override {
    std::lock_guard lk(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::unique_ptr<net::WebSocketClient> client_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  bool closed_ = false;
  int acks_ = 0;
  std::vector<nlohmann::json> pushes_;
  std::vector<std::string> errors_;
};

class GatewayKafka : public ::testing::Test {
 protected:
  void SetUp() override {
    NIFTY_REQUIRE_KAFKA();
    dir_ = fs::temp_directory_path() / ("nifty-gateway-kafka-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "input");
    for (const char* s : kSymbols) {
      fs::copy_file(fs::path(NIFTY_SOURCE_DIR) / "testdata/nse-1min/2023-02-28" / (std::string(s) + ".txt"),
                    dir_ / "input" / (std::string(s) + ".txt"));
    }
    port_ = free_loopback_port();
    prefix_ = bus::testing::unique_prefix();
    write_config(bus::testing::test_bootstrap(), 15000);
  }
  void write_config(const std::string& brokers, int connect_timeout_ms) {
    std::ofstream out(config());
    out << "[log]\nlevel = \"warn\"\n"
        << "[kafka]\nbrokers = \"" << brokers << "\"\nprofile = \"kafka-0.9\"\n"
        << "client_id = \"nifty-test\"\ntopic_prefix = \"" << prefix_ << "\"\npartitions = 8\n"
        << "linger_ms = 5\nsession_timeout_ms = 6000\nheartbeat_interval_ms = 500\nconnect_timeout_ms = "
        << connect_timeout_ms << "\nmessage_timeout_ms = 15000\ndrain_timeout_ms = 20000\n"
        << "[services.ingest]\nhttp_port = 0\n"
        << "[store]\nbackend = \"memory\"\n"
        << "[gateway]\nport = " << port_ << "\nauth = false\nws_max_queued_messages = 1000000\n"
        << "ws_max_queued_bytes = 1000000000\n";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string config() const { return (dir_ / "nifty.toml").string(); }
  std::string input() const { return (dir_ / "input").string(); }

  // Polls until the gateway takes WebSocket connections (the child's output pumped meanwhile).
  bool connect(ChildProcess& gateway, Client& client) {
    bool ok = false;
    gateway.pump_until([&] { return ok = client.connect(port_); }, in(30s));
    return ok;
  }

  fs::path dir_;
  std::string prefix_;
  int port_ = 0;
};

TEST_F(GatewayKafka, PushesEveryIngestedTickToItsSubscribersOnce) {
  ChildProcess gateway;
  ASSERT_TRUE(gateway.start({NIFTY_BINARY, "gateway", "--kafka", "--config", config()})) << gateway.error();
  Client all;
  Client tcs;
  ASSERT_TRUE(connect(gateway, all)) << gateway.err();
  ASSERT_TRUE(connect(gateway, tcs)) << gateway.err();
  ASSERT_TRUE(all.subscribe("ticks:*"));
  ASSERT_TRUE(tcs.subscribe("ticks:TCS"));

  // The gateway's group is new: it reads the topic from the beginning whenever it is assigned, so
  // every tick ingest publishes reaches the clients subscribed above.
  auto ingest = run_command({NIFTY_BINARY, "ingest", "--config", config(), "--speed", "max", input()});
  ASSERT_TRUE(ingest.exited && ingest.exit_code == 0) << describe(ingest);
  auto summary = nlohmann::json::parse(ingest.out, nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << ingest.out;
  const auto published = static_cast<size_t>(summary.value("ticks", 0));
  ASSERT_GT(published, 1000u);

  // The reference: what an independent consumer (kcat) reads from raw-ticks.
  auto topic = bus::testing::kcat({"-C", "-e", "-q", "-o", "beginning", "-b", bus::testing::test_bootstrap(), "-t",
                                   prefix_ + "raw-ticks"});
  ASSERT_TRUE(topic.exited && topic.exit_code == 0) << describe(topic);
  std::multiset<TickKey> expected;
  std::multiset<TickKey> expected_tcs;
  std::istringstream lines(topic.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto doc = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << line;
    expected.insert(key_of(doc));
    if (doc.value("symbol", "") == "TCS") expected_tcs.insert(key_of(doc));
  }
  ASSERT_EQ(expected.size(), published);
  ASSERT_GT(expected_tcs.size(), 0u);

  ASSERT_TRUE(gateway.pump_until([&] { return all.count() >= published && tcs.count() >= expected_tcs.size(); },
                                 in(90s)))
      << "all: " << all.count() << "/" << published << ", TCS: " << tcs.count() << "/" << expected_tcs.size()
      << "\n" << gateway.err();
  // Nothing more comes (no duplicates): the broker has nothing else to give, so a second look after
  // the gateway has pumped a while longer must see the same counts.
  gateway.pump(500ms);

  std::multiset<TickKey> got;
  for (const auto& m : all.pushes()) {
    ASSERT_TRUE(m.contains("data")) << m.dump();
    const auto& data = m["data"];
    EXPECT_EQ(m.value("channel", ""), "ticks:" + data.value("symbol", "?"));
    got.insert(key_of(data));
  }
  std::vector<TickKey> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty() && extra.empty())
      << missing.size() << " missing, " << extra.size() << " extra (duplicates or unknown) of " << expected.size();
  std::multiset<TickKey> got_tcs;
  for (const auto& m : tcs.pushes()) got_tcs.insert(key_of(m["data"]));
  EXPECT_EQ(got_tcs, expected_tcs);
  EXPECT_TRUE(all.errors().empty()) << all.errors().front();

  all.close();
  tcs.close();
  gateway.send_signal(SIGTERM);
  auto end = gateway.wait(in(30s));
  EXPECT_TRUE(end.exited && end.exit_code == 0) << describe(end);
}

TEST_F(GatewayKafka, ABrokerThatIsDownStopsTheGatewayWithAnError) {
  // A closed port: no broker there. --kafka must not serve half a gateway.
  write_config("127.0.0.1:" + std::to_string(free_loopback_port()), 2000);
  const auto started = std::chrono::steady_clock::now();
  ChildProcess gateway;
  ASSERT_TRUE(gateway.start({NIFTY_BINARY, "gateway", "--kafka", "--config", config()})) << gateway.error();
  auto end = gateway.wait(in(30s));
  ASSERT_TRUE(end.exited) << describe(end);
  EXPECT_EQ(end.exit_code, 1) << describe(end);
  EXPECT_NE(end.err.find("kafka"), std::string::npos) << end.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 25s);
}

}  // namespace
}  // namespace nifty
