// KafkaBus against the real test broker (Kafka 0.9.0.1 from scripts/test-servers/kafka): round
// trips of every message type, key = symbol with per-symbol order, what an independent consumer
// (kcat) reads, Bus subscriptions, and delivery failures when the broker dies.
// Only exercised against a current Kafka (not here): headers, the idempotent producer and
// CreateTopics (the 0.9 broker has none of them; see KafkaConfig tests for the decisions).
#include "bus/kafka/kafka_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bus/kafka/tests/kafka_test_support.h"
#include "support/temp_dir.h"

namespace nifty::bus {
namespace {

using namespace testing;
using namespace std::chrono_literals;

std::unique_ptr<KafkaBus> make_bus(const KafkaConfig& c) {
  auto bus = KafkaBus::create(c);
  EXPECT_TRUE(bus.is_ok()) << bus.status().to_string();
  return bus.is_ok() ? std::move(bus).value() : nullptr;
}

std::unique_ptr<KafkaConsumer> make_consumer(const KafkaConfig& c, const std::string& group,
                                             std::vector<Topic> topics, RebalanceListener l = {}) {
  auto consumer = KafkaConsumer::create(c, group, std::move(topics), std::move(l));
  EXPECT_TRUE(consumer.is_ok()) << consumer.status().to_string();
  return consumer.is_ok() ? std::move(consumer).value() : nullptr;
}

TEST(KafkaBus, RoundTripsEveryMessageTypeWithEqualFields) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto bus = make_bus(c);
  ASSERT_TRUE(bus);
  EXPECT_FALSE(bus->features().headers);
  model::Tick tick = sample_tick("RELIANCE", 12345);
  ASSERT_TRUE(bus->publish(Topic::kRawTicks, tick).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kMarketCandles, sample_candle()).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kAnalysisUpdates, sample_scorecard()).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kSignals, sample_signal()).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kMarketView, sample_market_view()).is_ok());
  core::Status flushed = bus->flush(20s);
  ASSERT_TRUE(flushed.is_ok()) << flushed.to_string();

  auto consumer = make_consumer(c, "roundtrip", std::vector<Topic>(std::begin(kAllTopics), std::end(kAllTopics)));
  ASSERT_TRUE(consumer);
  auto got = poll_for(*consumer, 5);
  ASSERT_EQ(got.size(), 5u);
  std::map<Topic, Message> by_topic;
  for (const auto& m : got) by_topic.emplace(m.tp.topic, m.message);
  ASSERT_EQ(by_topic.size(), 5u);

  const auto& t = std::get<model::Tick>(by_topic.at(Topic::kRawTicks));
  EXPECT_EQ(t.token, 2885u);
  EXPECT_EQ(t.symbol.view(), "RELIANCE");
  EXPECT_EQ(t.last_price.paise(), 285050 + 12345 * 5);
  EXPECT_EQ(t.cumulative_volume, 1500 + 12345);
  EXPECT_EQ(t.bid.paise(), 285025);
  EXPECT_EQ(t.ask.paise(), 285075);
  EXPECT_EQ(t.exchange_time.nanos(), (1706178600000 + 12345) * 1'000'000);
  EXPECT_EQ(t.receive_time.nanos(), t.exchange_time.nanos());
  EXPECT_EQ(t.sequence, 12345u);
  EXPECT_EQ(t.exchange, model::Exchange::kNse);

  const auto& k = std::get<model::Candle>(by_topic.at(Topic::kMarketCandles));
  model::Candle want = sample_candle();
  EXPECT_EQ(k.symbol, want.symbol);
  EXPECT_EQ(k.interval, model::Interval::k1m);
  EXPECT_EQ(k.start.nanos(), 1706178600LL * 1'000'000'000);
  EXPECT_EQ(k.open.paise(), 284500);
  EXPECT_EQ(k.high.paise(), 285100);
  EXPECT_EQ(k.low.paise(), 284400);
  EXPECT_EQ(k.close.paise(), 285050);
  EXPECT_EQ(k.volume, 150000);
  EXPECT_EQ(k.trades, 350);
  EXPECT_EQ(k.vwap.paise(), 284780);

  const auto& s = std::get<model::Scorecard>(by_topic.at(Topic::kAnalysisUpdates));
  EXPECT_EQ(s.symbol.view(), "INFY");
  EXPECT_EQ(s.timestamp.nanos(), 1706178660LL * 1'000'000'000);
  EXPECT_EQ(s.ltp.paise(), 165025);
  EXPECT_DOUBLE_EQ(s.change, 12.5);
  EXPECT_DOUBLE_EQ(s.change_percent, 0.76);
  EXPECT_EQ(s.day_volume, 987654);
  EXPECT_DOUBLE_EQ(s.rsi, 65.2);
  EXPECT_DOUBLE_EQ(s.macd.value, 12.5);
  EXPECT_DOUBLE_EQ(s.macd.signal, 10.2);
  EXPECT_DOUBLE_EQ(s.macd.histogram, 2.3);
  EXPECT_DOUBLE_EQ(s.ema50, 2840.0);
  EXPECT_TRUE(std::isnan(s.ema100));
  EXPECT_DOUBLE_EQ(s.ema200, 2800.0);
  EXPECT_DOUBLE_EQ(s.bollinger.upper, 2860.0);
  EXPECT_DOUBLE_EQ(s.trend_score, 3.5);
  EXPECT_DOUBLE_EQ(s.momentum_score, 4.0);
  EXPECT_DOUBLE_EQ(s.composite_score, 3.75);
  EXPECT_DOUBLE_EQ(s.ai.prediction, 0.82);
  EXPECT_DOUBLE_EQ(s.ai.confidence, 0.88);
  EXPECT_EQ(s.ai.model_version, "v1-heuristic");
  EXPECT_EQ(s.ai_engine, "heuristic");
  EXPECT_EQ(s.recommendation, model::Recommendation::kStrongBuy);
  EXPECT_EQ(s.latency_ns, 85'000'000);

  const auto& g = std::get<model::Signal>(by_topic.at(Topic::kSignals));
  EXPECT_EQ(g.id, "TCS-20240125T0500Z-BUY");
  EXPECT_EQ(g.symbol.view(), "TCS");
  EXPECT_EQ(g.timestamp.nanos(), 1706158800LL * 1'000'000'000);
  EXPECT_EQ(g.action, model::Recommendation::kBuy);
  EXPECT_EQ(g.previous, model::Recommendation::kHold);
  EXPECT_EQ(g.price.paise(), 350000);
  EXPECT_DOUBLE_EQ(g.confidence, 0.61);
  EXPECT_DOUBLE_EQ(g.composite_score, 2.5);
  EXPECT_DOUBLE_EQ(g.ai_prediction, 0.7);
  EXPECT_EQ(g.reason, "composite 2.5 >= 2");
  EXPECT_DOUBLE_EQ(g.provenance.rsi, 58.0);
  EXPECT_EQ(g.provenance.engine, "heuristic");
  EXPECT_EQ(g.provenance.model_version, "v1-heuristic");

  const auto& v = std::get<model::MarketView>(by_topic.at(Topic::kMarketView));
  EXPECT_EQ(v.timestamp.nanos(), 1706178660LL * 1'000'000'000);
  EXPECT_EQ(v.stocks, 50);
  EXPECT_EQ(v.advances, 30);
  EXPECT_EQ(v.declines, 12);
  EXPECT_EQ(v.unchanged, 8);
  EXPECT_DOUBLE_EQ(v.breadth_ratio, 2.5);
  EXPECT_DOUBLE_EQ(v.average_change_percent, 0.41);
  ASSERT_EQ(v.gainers.size(), 1u);
  EXPECT_EQ(v.gainers[0].symbol.view(), "TCS");
  EXPECT_EQ(v.gainers[0].ltp.paise(), 350000);
  ASSERT_EQ(v.losers.size(), 1u);
  EXPECT_DOUBLE_EQ(v.losers[0].change_percent, -1.3);
  EXPECT_EQ(v.sentiment, model::Sentiment::kBullish);
  ASSERT_TRUE(v.index.has_value());
  EXPECT_EQ(v.index->level.paise(), 2150050);
  EXPECT_EQ(consumer->rejected(), 0u);
}

// kcat output lines "<partition>|<key>|<payload>".
struct KcatRecord {
  int partition = -1;
  std::string key;
  std::string payload;
};

std::vector<KcatRecord> kcat_read(const KafkaConfig& c, Topic topic) {
  auto r = kcat({"-C", "-b", c.brokers, "-t", c.full_topic_name(topic_name(topic)), "-o", "beginning", "-e", "-q",
                 "-f", "%p|%k|%s\\n"});
  EXPECT_TRUE(r.exited && r.exit_code == 0) << nifty::testing::describe(r);
  std::vector<KcatRecord> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t a = line.find('|');
    size_t b = line.find('|', a + 1);
    if (a == std::string::npos || b == std::string::npos) {
      ADD_FAILURE() << "kcat line without two separators: " << line;
      continue;
    }
    out.push_back({std::stoi(line.substr(0, a)), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

TEST(KafkaBus, KeyIsTheSymbolAndOneSymbolKeepsItsOrderInOnePartition) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto bus = make_bus(c);
  ASSERT_TRUE(bus);
  const std::vector<std::string> symbols = {"RELIANCE", "TCS", "HDFCBANK", "INFY", "M&M", "BAJAJ-AUTO"};
  constexpr uint64_t kPerSymbol = 25;
  for (uint64_t seq = 1; seq <= kPerSymbol; ++seq) {
    for (const auto& sym : symbols) ASSERT_TRUE(bus->publish(Topic::kRawTicks, sample_tick(sym, seq)).is_ok());
  }
  ASSERT_TRUE(bus->flush(20s).is_ok());

  // The independent reader: every key is the symbol inside the JSON; one partition per symbol.
  auto records = kcat_read(c, Topic::kRawTicks);
  ASSERT_EQ(records.size(), symbols.size() * kPerSymbol);
  std::map<std::string, std::set<int>> partitions_of;
  for (const auto& rec : records) {
    auto j = nlohmann::json::parse(rec.payload);
    EXPECT_EQ(rec.key, j.at("symbol").get<std::string>());
    partitions_of[rec.key].insert(rec.partition);
  }
  std::set<int> used;
  for (const auto& [sym, parts] : partitions_of) {
    EXPECT_EQ(parts.size(), 1u) << sym << " is spread over partitions";
    used.insert(*parts.begin());
  }
  EXPECT_GT(used.size(), 1u) << "six symbols all hashed to one partition: keys are not used";

  // Our consumer: per symbol, sequences 1..25 in order, offsets increasing.
  auto consumer = make_consumer(c, "order", {Topic::kRawTicks});
  ASSERT_TRUE(consumer);
  auto got = poll_for(*consumer, symbols.size() * kPerSymbol);
  ASSERT_EQ(got.size(), symbols.size() * kPerSymbol);
  std::map<std::string, std::vector<uint64_t>> seqs;
  std::map<std::string, int64_t> last_offset;
  for (const auto& m : got) {
    const auto& t = std::get<model::Tick>(m.message);
    std::string sym = t.symbol.str();
    seqs[sym].push_back(t.sequence);
    if (last_offset.count(sym)) {
      EXPECT_GT(m.offset, last_offset[sym]);
    }
    last_offset[sym] = m.offset;
    EXPECT_EQ(partitions_of[sym].count(m.tp.partition), 1u);
  }
  for (const auto& sym : symbols) {
    ASSERT_EQ(seqs[sym].size(), kPerSymbol) << sym;
    for (uint64_t i = 0; i < kPerSymbol; ++i) EXPECT_EQ(seqs[sym][i], i + 1) << sym;
  }
}

TEST(KafkaBus, KcatReadsTheSpecsFieldNamesAndTypes) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto bus = make_bus(c);
  ASSERT_TRUE(bus);
  ASSERT_TRUE(bus->publish(Topic::kRawTicks, sample_tick("RELIANCE", 12345)).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kMarketCandles, sample_candle()).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kAnalysisUpdates, sample_scorecard()).is_ok());
  ASSERT_TRUE(bus->flush(20s).is_ok());

  // system-architecture.md, "Kafka Messages": raw-ticks.
  auto ticks = kcat_read(c, Topic::kRawTicks);
  ASSERT_EQ(ticks.size(), 1u);
  auto t = nlohmann::json::parse(ticks[0].payload);
  EXPECT_TRUE(t.at("token").is_string());
  EXPECT_EQ(t.at("token"), "2885");
  EXPECT_EQ(t.at("symbol"), "RELIANCE");
  EXPECT_TRUE(t.at("ltp").is_number());
  EXPECT_DOUBLE_EQ(t.at("ltp").get<double>(), 3467.75);  // 285050 + 12345 * 5 paise
  EXPECT_TRUE(t.at("volume").is_number_integer());
  EXPECT_EQ(t.at("volume").get<int64_t>(), 13845);
  EXPECT_DOUBLE_EQ(t.at("bid").get<double>(), 2850.25);
  EXPECT_DOUBLE_EQ(t.at("ask").get<double>(), 2850.75);
  EXPECT_TRUE(t.at("timestamp").is_number_integer());
  EXPECT_EQ(t.at("timestamp").get<int64_t>(), 1706178612345);
  EXPECT_EQ(t.at("sequence").get<int64_t>(), 12345);
  EXPECT_EQ(t.at("exchange"), "NSE");

  // market_candles.
  auto candles = kcat_read(c, Topic::kMarketCandles);
  ASSERT_EQ(candles.size(), 1u);
  EXPECT_EQ(candles[0].key, "RELIANCE");
  auto k = nlohmann::json::parse(candles[0].payload);
  EXPECT_EQ(k.at("time"), "2024-01-25T10:30:00Z");
  EXPECT_EQ(k.at("symbol"), "RELIANCE");
  EXPECT_DOUBLE_EQ(k.at("open").get<double>(), 2845.0);
  EXPECT_DOUBLE_EQ(k.at("high").get<double>(), 2851.0);
  EXPECT_DOUBLE_EQ(k.at("low").get<double>(), 2844.0);
  EXPECT_DOUBLE_EQ(k.at("close").get<double>(), 2850.5);
  EXPECT_TRUE(k.at("volume").is_number_integer());
  EXPECT_EQ(k.at("volume").get<int64_t>(), 150000);
  EXPECT_EQ(k.at("trades").get<int64_t>(), 350);
  EXPECT_DOUBLE_EQ(k.at("vwap").get<double>(), 2847.8);

  // analysis_updates: the spec's fields.
  auto updates = kcat_read(c, Topic::kAnalysisUpdates);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].key, "INFY");
  auto a = nlohmann::json::parse(updates[0].payload);
  EXPECT_EQ(a.at("symbol"), "INFY");
  EXPECT_EQ(a.at("timestamp"), "2024-01-25T10:31:00Z");
  EXPECT_DOUBLE_EQ(a.at("ltp").get<double>(), 1650.25);
  EXPECT_DOUBLE_EQ(a.at("rsi").get<double>(), 65.2);
  EXPECT_DOUBLE_EQ(a.at("macd").at("value").get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(a.at("macd").at("signal").get<double>(), 10.2);
  EXPECT_DOUBLE_EQ(a.at("macd").at("histogram").get<double>(), 2.3);
  EXPECT_DOUBLE_EQ(a.at("emas").at("50").get<double>(), 2840.0);
  EXPECT_DOUBLE_EQ(a.at("emas").at("200").get<double>(), 2800.0);
  EXPECT_DOUBLE_EQ(a.at("trend_score").get<double>(), 3.5);
  EXPECT_DOUBLE_EQ(a.at("ai_prediction").get<double>(), 0.82);
  EXPECT_DOUBLE_EQ(a.at("ai_confidence").get<double>(), 0.88);
  EXPECT_EQ(a.at("recommendation"), "STRONG_BUY");
}

TEST(KafkaBus, SubscribeRunsTheHandlerInConsumerGroupNameAndCommits) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto bus = make_bus(c);
  ASSERT_TRUE(bus);
  std::mutex mu;
  std::vector<int64_t> volumes;
  ASSERT_TRUE(bus->subscribe(Topic::kMarketCandles, "candle-sink",
                             [&](const Message& m) {
                               std::lock_guard lock(mu);
                               volumes.push_back(std::get<model::Candle>(m).volume);
                             })
                  .is_ok());
  for (int i = 1; i <= 10; ++i) {
    model::Candle k = sample_candle();
    k.volume = i;
    ASSERT_TRUE(bus->publish(Topic::kMarketCandles, k).is_ok());
  }
  bus->drain();
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(volumes.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(volumes[i], i + 1);  // one symbol: one partition, in order
  }
  bus->close();
  EXPECT_FALSE(bus->publish(Topic::kMarketCandles, sample_candle()).is_ok());

  // The subscriber's group "candle-sink.market_candles" committed past all ten: a new member of it
  // reads nothing old.
  auto consumer = make_consumer(c, "candle-sink.market_candles", {Topic::kMarketCandles});
  ASSERT_TRUE(consumer);
  std::vector<ConsumedMessage> got;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (consumer->assignment().empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(consumer->poll(got, 100, 200ms).is_ok());
  }
  ASSERT_FALSE(consumer->assignment().empty());
  ASSERT_TRUE(consumer->poll(got, 100, 1s).is_ok());
  EXPECT_TRUE(got.empty()) << got.size() << " messages read again";
}

TEST(KafkaBus, DeliveryFailureWhenTheBrokerIsDownIsReportedByFlush) {
  NIFTY_REQUIRE_KAFKA();
  // A broker of its own, to kill.
  nifty::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto started = nifty::testing::run_command({NIFTY_KAFKA_SCRIPT, "start", dir.path()});
  ASSERT_TRUE(started.exited && started.exit_code == 0) << nifty::testing::describe(started);
  struct Killer {
    std::string dir;
    ~Killer() { nifty::testing::run_command({NIFTY_KAFKA_SCRIPT, "kill", dir}); }
  } killer{dir.path()};
  std::ifstream in(dir.file("bootstrap"));
  std::string bootstrap;
  std::getline(in, bootstrap);

  KafkaConfig c = test_config(bootstrap);
  c.message_timeout_ms = 3000;
  c.drain_timeout_ms = 2000;
  auto bus = make_bus(c);
  ASSERT_TRUE(bus);
  ASSERT_TRUE(bus->publish(Topic::kRawTicks, sample_tick("TCS", 1)).is_ok());
  ASSERT_TRUE(bus->flush(10s).is_ok());
  EXPECT_EQ(bus->delivery_failures(), 0u);

  auto killed = nifty::testing::run_command({NIFTY_KAFKA_SCRIPT, "kill", dir.path()});
  ASSERT_TRUE(killed.exited && killed.exit_code == 0) << nifty::testing::describe(killed);
  ASSERT_TRUE(bus->publish(Topic::kRawTicks, sample_tick("TCS", 2)).is_ok());
  ASSERT_TRUE(bus->publish(Topic::kRawTicks, sample_tick("INFY", 3)).is_ok());
  auto start = std::chrono::steady_clock::now();
  core::Status s = bus->flush(15s);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), core::ErrorCode::kUnavailable) << s.to_string();
  EXPECT_EQ(bus->delivery_failures(), 2u);
  EXPECT_LT(took, 12s);  // message_timeout_ms (3 s) plus slack, well before the flush bound
  // Reported once: the next flush has nothing new to report.
  EXPECT_TRUE(bus->flush(1s).is_ok());
}

}  // namespace
}  // namespace nifty::bus
