// Test helpers for the Kafka adapter: the test broker (scripts/test-servers/kafka, started by the
// kafka_server ctest fixture; its DIR in NIFTY_TEST_KAFKA_DIR), a 0.9 test-profile config with a
// topic prefix of its own per test (tests run in parallel on one broker), sample messages with
// hand-written values, kcat and polling with a deadline.
// Not thread-safe; one per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bus/kafka/kafka_config.h"
#include "bus/kafka/kafka_consumer.h"
#include "model/candle.h"
#include "model/market_view.h"
#include "model/scorecard.h"
#include "model/tick.h"
#include "support/subprocess.h"

namespace nifty::bus::testing {

using namespace std::chrono_literals;

// The test broker's bootstrap address, or "" when the fixture's DIR is unknown.
inline std::string test_bootstrap() {
  const char* dir = std::getenv("NIFTY_TEST_KAFKA_DIR");
  if (dir == nullptr) return "";
  std::ifstream in(std::string(dir) + "/bootstrap");
  std::string s;
  std::getline(in, s);
  return s;
}

#define NIFTY_REQUIRE_KAFKA()                                                        \
  do {                                                                               \
    if (std::getenv("NIFTY_TEST_KAFKA_DIR") == nullptr)                              \
      GTEST_SKIP() << "NIFTY_TEST_KAFKA_DIR is unset (run through ctest)";           \
    ASSERT_FALSE(::nifty::bus::testing::test_bootstrap().empty())                    \
        << "no bootstrap file in NIFTY_TEST_KAFKA_DIR: the kafka_server fixture failed"; \
  } while (0)

// "kt<pid>-<test name>." : topics of their own per test and per run.
inline std::string unique_prefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "kt" + std::to_string(::getpid()) + "-" + info->name() + ".";
}

// The test profile: a 0.9 broker, its 8 auto-created partitions, short group timeouts.
inline KafkaConfig test_config(std::string brokers = test_bootstrap()) {
  KafkaConfig c = KafkaConfig::kafka09_profile(std::move(brokers));
  c.client_id = "nifty-test";
  c.topic_prefix = unique_prefix();
  c.partitions = 8;  // scripts/test-servers/kafka's default num.partitions
  c.linger_ms = 5;
  c.session_timeout_ms = 6000;
  c.heartbeat_interval_ms = 500;
  c.connect_timeout_ms = 15000;
  c.message_timeout_ms = 15000;
  c.drain_timeout_ms = 20000;
  c.properties.emplace_back("topic.metadata.refresh.interval.ms", "1000");
  c.consumer_properties.emplace_back("fetch.wait.max.ms", "100");  // quicker end-offset queries in drain()
  return c;
}

inline std::vector<std::string> kcat_compat() {
  return {"-X", "api.version.request=false", "-X", "broker.version.fallback=0.9.0.1"};
}

// Runs kcat with `args` after the compatibility settings.
inline nifty::testing::CommandResult kcat(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/kcat"};
  for (const auto& a : kcat_compat()) argv.push_back(a);
  argv.insert(argv.end(), args.begin(), args.end());
  nifty::testing::CommandOptions options;
  options.timeout = 30s;
  return nifty::testing::run_command(argv, options);
}

// Polls until `want` messages arrived or `within` passed.
inline std::vector<ConsumedMessage> poll_for(KafkaConsumer& consumer, size_t want,
                                             std::chrono::milliseconds within = 30s) {
  std::vector<ConsumedMessage> out;
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    core::Status s = consumer.poll(out, want - out.size(), 200ms);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    if (!s.is_ok()) break;
  }
  return out;
}

// Checks `done` every 20 ms until it holds or `within` passed; whether it held.
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds within = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);  // the interval between checks, not a synchronisation
  }
  return true;
}

// 2024-01-25T10:30:00Z = 1706178600 s (Python datetime); the spec's tick example's values.
inline model::Tick sample_tick(std::string_view symbol, uint64_t sequence) {
  model::Tick t;
  t.token = 2885;
  t.symbol = model::Symbol(symbol);
  t.last_price = model::Price::from_paise(285050 + static_cast<int64_t>(sequence) * 5);
  t.cumulative_volume = 1500 + static_cast<int64_t>(sequence);
  t.bid = model::Price::from_paise(285025);
  t.ask = model::Price::from_paise(285075);
  t.exchange_time = core::Timestamp::from_millis(1706178600000 + static_cast<int64_t>(sequence));
  t.receive_time = t.exchange_time;
  t.sequence = sequence;
  return t;
}

inline model::Candle sample_candle() {
  model::Candle c;
  c.symbol = model::Symbol("RELIANCE");
  c.start = core::Timestamp::from_seconds(1706178600);
  c.open = model::Price::from_paise(284500);
  c.high = model::Price::from_paise(285100);
  c.low = model::Price::from_paise(284400);
  c.close = model::Price::from_paise(285050);
  c.volume = 150000;
  c.trades = 350;
  c.vwap = model::Price::from_paise(284780);
  return c;
}

inline model::Scorecard sample_scorecard() {
  model::Scorecard s;
  s.symbol = model::Symbol("INFY");
  s.timestamp = core::Timestamp::from_seconds(1706178660);
  s.ltp = model::Price::from_paise(165025);
  s.change = 12.5;
  s.change_percent = 0.76;
  s.day_volume = 987654;
  s.rsi = 65.2;
  s.macd = {12.5, 10.2, 2.3};
  s.ema50 = 2840.0;
  s.ema200 = 2800.0;  // ema100 stays NaN: not warm yet (null on the wire)
  s.bollinger = {2860.0, 2850.0, 2840.0};
  s.trend_score = 3.5;
  s.momentum_score = 4.0;
  s.composite_score = 3.75;
  s.ai = {0.82, 0.88, "v1-heuristic"};
  s.ai_engine = "heuristic";
  s.recommendation = model::Recommendation::kStrongBuy;
  s.latency_ns = 85'000'000;
  return s;
}

inline model::Signal sample_signal() {
  model::Signal s;
  s.id = "TCS-20240125T0500Z-BUY";
  s.symbol = model::Symbol("TCS");
  s.timestamp = core::Timestamp::from_seconds(1706158800);  // 2024-01-25T05:00:00Z
  s.action = model::Recommendation::kBuy;
  s.previous = model::Recommendation::kHold;
  s.price = model::Price::from_paise(350000);
  s.confidence = 0.61;
  s.composite_score = 2.5;
  s.ai_prediction = 0.7;
  s.reason = "composite 2.5 >= 2";
  s.provenance.candle_time = s.timestamp;
  s.provenance.rsi = 58.0;
  s.provenance.composite_score = 2.5;
  s.provenance.ai_prediction = 0.7;
  s.provenance.ai_confidence = 0.6;
  s.provenance.engine = "heuristic";
  s.provenance.model_version = "v1-heuristic";
  return s;
}

inline model::MarketView sample_market_view() {
  model::MarketView v;
  v.timestamp = core::Timestamp::from_seconds(1706178660);
  v.stocks = 50;
  v.advances = 30;
  v.declines = 12;
  v.unchanged = 8;
  v.breadth_ratio = 2.5;  // 30 / 12
  v.average_change_percent = 0.41;
  v.gainers = {{model::Symbol("TCS"), model::Price::from_paise(350000), 2.1}};
  v.losers = {{model::Symbol("ITC"), model::Price::from_paise(45010), -1.3}};
  v.sentiment = model::Sentiment::kBullish;
  v.index = model::IndexLevel{model::Symbol("NIFTY 50"), model::Price::from_paise(2150050), 120.25, 0.56};
  return v;
}

}  // namespace nifty::bus::testing
