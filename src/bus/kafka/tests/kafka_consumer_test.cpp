// KafkaConsumer against the real test broker: manual commits survive a restart exactly, two members
// of a group split the partitions (rebalance callbacks), malformed records are counted and skipped
// with their offsets.
#include "bus/kafka/kafka_consumer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/tests/kafka_test_support.h"
#include "core/metrics.h"
#include "model/json_codec.h"
#include "support/temp_dir.h"

namespace nifty::bus {
namespace {

using namespace testing;
using namespace std::chrono_literals;

TEST(KafkaConsumer, RestartResumesAtTheLastCommitNotBeforeAndNotAfter) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto bus = KafkaBus::create(c);
  ASSERT_TRUE(bus.is_ok()) << bus.status().to_string();
  for (uint64_t seq = 1; seq <= 10; ++seq) ASSERT_TRUE((*bus)->publish(Topic::kRawTicks, sample_tick("SBIN", seq)).is_ok());
  ASSERT_TRUE((*bus)->flush(20s).is_ok());

  int64_t commit_at = -1;
  TopicPartition tp;
  {
    auto first = KafkaConsumer::create(c, "candle-processors", {Topic::kRawTicks});
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    auto got = poll_for(**first, 10);
    ASSERT_EQ(got.size(), 10u);
    // The candle service's rule: the oldest open candle began at tick 7, so commit up to it
    // (its offset is the next to read after a restart).
    tp = got[6].tp;
    commit_at = got[6].offset;
    ASSERT_EQ(std::get<model::Tick>(got[6].message).sequence, 7u);
    core::Status s = (*first)->commit(tp, commit_at);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    auto committed = (*first)->committed(tp, 10s);
    ASSERT_TRUE(committed.is_ok()) << committed.status().to_string();
    EXPECT_EQ(*committed, commit_at);
    EXPECT_EQ((*first)->position(tp), got[9].offset + 1);
    (*first)->close();
  }
  auto second = KafkaConsumer::create(c, "candle-processors", {Topic::kRawTicks});
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  auto again = poll_for(**second, 4);
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again.front().offset, commit_at);  // not before, not after
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(std::get<model::Tick>(again[i].message).sequence, 7u + i);
  }
  std::vector<ConsumedMessage> more;
  ASSERT_TRUE((*second)->poll(more, 10, 1s).is_ok());
  EXPECT_TRUE(more.empty());
}

TEST(KafkaConsumer, TwoMembersOfAGroupSplitThePartitions) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto bus = KafkaBus::create(c);
  ASSERT_TRUE(bus.is_ok()) << bus.status().to_string();

  std::vector<TopicPartition> a_assigned, a_revoked;
  RebalanceListener la{[&](const std::vector<TopicPartition>& t) { a_assigned = t; },
                       [&](const std::vector<TopicPartition>& t) { a_revoked = t; }};
  auto a = KafkaConsumer::create(c, "splitters", {Topic::kMarketCandles}, la);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  std::vector<ConsumedMessage> got_a, got_b;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((*a)->assignment().size() != 8 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*a)->poll(got_a, 100, 100ms).is_ok());
  }
  ASSERT_EQ((*a)->assignment().size(), 8u);  // alone: every partition

  auto b = KafkaConsumer::create(c, "splitters", {Topic::kMarketCandles});
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  deadline = std::chrono::steady_clock::now() + 40s;
  while (((*a)->assignment().size() + (*b)->assignment().size() != 8 || (*a)->assignment().empty() ||
          (*b)->assignment().empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*a)->poll(got_a, 100, 50ms).is_ok());
    ASSERT_TRUE((*b)->poll(got_b, 100, 50ms).is_ok());
  }
  auto pa = (*a)->assignment();
  auto pb = (*b)->assignment();
  ASSERT_FALSE(pa.empty());
  ASSERT_FALSE(pb.empty());
  std::set<int32_t> all;
  for (const auto& tp : pa) all.insert(tp.partition);
  for (const auto& tp : pb) EXPECT_EQ(all.count(tp.partition), 0u) << "partition " << tp.partition << " twice";
  for (const auto& tp : pb) all.insert(tp.partition);
  EXPECT_EQ(all.size(), 8u);
  EXPECT_EQ(a_revoked.size(), 8u);  // eager rebalance: A gave everything back, then got its share
  EXPECT_EQ(a_assigned.size(), pa.size());

  // Candles of many symbols: each member reads only its partitions, together all of them.
  const char* symbols[] = {"RELIANCE", "TCS", "HDFCBANK", "INFY", "ICICIBANK", "SBIN", "ITC", "LT",
                           "AXISBANK", "KOTAKBANK", "WIPRO", "MARUTI", "TITAN", "SUNPHARMA", "NTPC", "ONGC"};
  for (const char* sym : symbols) {
    model::Candle k = sample_candle();
    k.symbol = model::Symbol(sym);
    ASSERT_TRUE((*bus)->publish(Topic::kMarketCandles, k).is_ok());
  }
  ASSERT_TRUE((*bus)->flush(20s).is_ok());
  deadline = std::chrono::steady_clock::now() + 30s;
  while (got_a.size() + got_b.size() < std::size(symbols) && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*a)->poll(got_a, 100, 50ms).is_ok());
    ASSERT_TRUE((*b)->poll(got_b, 100, 50ms).is_ok());
  }
  EXPECT_EQ(got_a.size() + got_b.size(), std::size(symbols));
  EXPECT_FALSE(got_a.empty());
  EXPECT_FALSE(got_b.empty());
  for (const auto& m : got_a) EXPECT_NE(std::find(pa.begin(), pa.end(), m.tp), pa.end());
  for (const auto& m : got_b) EXPECT_NE(std::find(pb.begin(), pb.end(), m.tp), pb.end());
}

TEST(KafkaConsumer, MalformedRecordsAreCountedAndSkippedWithTheirOffsets) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  auto consumer = KafkaConsumer::create(c, "bad-input", {Topic::kRawTicks});
  ASSERT_TRUE(consumer.is_ok()) << consumer.status().to_string();
  core::Counter& metric = core::MetricsRegistry::global().counter(
      "bus_kafka_messages_rejected_total", "Kafka messages skipped because they could not be decoded",
      {{"topic", "raw-ticks"}, {"group", "bad-input"}});
  const double metric_before = metric.value();

  // Produced by kcat (not our producer), one key so one partition, in this order:
  // good, not JSON, JSON missing fields, good.
  nifty::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  {
    std::ofstream out(dir.file("records"));
    out << "TCS:" << model::encode_tick(sample_tick("TCS", 1)) << "\n";
    out << "TCS:this is not json\n";
    out << "TCS:{\"symbol\":\"TCS\",\"ltp\":3500.0}\n";
    out << "TCS:" << model::encode_tick(sample_tick("TCS", 2)) << "\n";
  }
  auto produced = kcat({"-P", "-b", c.brokers, "-t", c.full_topic_name("raw-ticks"), "-K:", "-l", dir.file("records")});
  ASSERT_TRUE(produced.exited && produced.exit_code == 0) << nifty::testing::describe(produced);

  auto got = poll_for(**consumer, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<model::Tick>(got[0].message).sequence, 1u);
  EXPECT_EQ(std::get<model::Tick>(got[1].message).sequence, 2u);
  EXPECT_EQ(got[1].offset, got[0].offset + 3);
  EXPECT_EQ((*consumer)->rejected(), 2u);
  EXPECT_DOUBLE_EQ(metric.value() - metric_before, 2.0);
  auto rejections = (*consumer)->recent_rejections();
  ASSERT_EQ(rejections.size(), 2u);
  EXPECT_EQ(rejections[0].offset, got[0].offset + 1);
  EXPECT_EQ(rejections[1].offset, got[0].offset + 2);
  EXPECT_EQ(rejections[0].tp, got[0].tp);
  EXPECT_EQ(rejections[0].error.rfind("parse_error", 0), 0u) << rejections[0].error;
  // The error names a field the record lacks.
  const char* missing[] = {"token", "volume", "bid", "ask", "timestamp", "sequence", "exchange"};
  EXPECT_TRUE(std::any_of(std::begin(missing), std::end(missing),
                          [&](const char* f) { return rejections[1].error.find(f) != std::string::npos; }))
      << rejections[1].error;
  // Skipped records still move the position: committing it moves past them.
  EXPECT_EQ((*consumer)->position(got[1].tp), got[1].offset + 1);
  ASSERT_TRUE((*consumer)->commit_all().is_ok());
  auto committed = (*consumer)->committed(got[1].tp, 10s);
  ASSERT_TRUE(committed.is_ok());
  EXPECT_EQ(*committed, got[1].offset + 1);
}


core::Gauge& lag_gauge(const char* name, const std::string& group, const TopicPartition& tp) {
  return core::MetricsRegistry::global().gauge(
      name, "", {{"topic", std::string(topic_name(tp.topic))}, {"partition", std::to_string(tp.partition)}, {"group", group}});
}

core::Gauge& lag_total(const char* name, const std::string& group, Topic topic) {
  return core::MetricsRegistry::global().gauge(name, "", {{"topic", std::string(topic_name(topic))}, {"group", group}});
}

TEST(KafkaConsumer, ExportsLagAsTheMessagesNotYetReadAndNotYetCommitted) {
  NIFTY_REQUIRE_KAFKA();
  KafkaConfig c = test_config();
  c.lag_interval_ms = 200;
  const std::string group = "lag-watchers-" + std::to_string(::getpid());
  auto consumer = KafkaConsumer::create(c, group, {Topic::kRawTicks});
  ASSERT_TRUE(consumer.is_ok()) << consumer.status().to_string();
  // Join the group while the topic is still empty.
  std::vector<ConsumedMessage> got;
  ASSERT_TRUE(eventually([&] {
    EXPECT_TRUE((*consumer)->poll(got, 100, 100ms).is_ok());
    return (*consumer)->assignment().size() == 8;
  }));
  ASSERT_TRUE(got.empty());

  // 20 ticks of one symbol (key = symbol: one partition), none read by the consumer yet.
  auto bus = KafkaBus::create(c);
  ASSERT_TRUE(bus.is_ok()) << bus.status().to_string();
  for (uint64_t seq = 1; seq <= 20; ++seq) {
    ASSERT_TRUE((*bus)->publish(Topic::kRawTicks, sample_tick("ITC", seq)).is_ok());
  }
  ASSERT_TRUE((*bus)->flush(20s).is_ok());
  core::Gauge& total = lag_total("kafka_consumer_lag_total", group, Topic::kRawTicks);
  core::Gauge& committed_total = lag_total("kafka_consumer_committed_lag_total", group, Topic::kRawTicks);
  // Nothing read, nothing committed, auto_offset_reset=earliest: all 20 are behind.
  EXPECT_TRUE(eventually([&] { return total.value() == 20 && committed_total.value() == 20; }))
      << total.value() << " " << committed_total.value();

  // Read 7 of them: 20 - 7 = 13 unread; nothing committed, so a restart would read all 20.
  got = poll_for(**consumer, 7);
  ASSERT_EQ(got.size(), 7u);
  const TopicPartition tp = got[0].tp;
  core::Gauge& lag = lag_gauge("kafka_consumer_lag", group, tp);
  core::Gauge& committed_lag = lag_gauge("kafka_consumer_committed_lag", group, tp);
  EXPECT_TRUE(eventually([&] { return lag.value() == 13 && total.value() == 13 && committed_lag.value() == 20; }))
      << lag.value() << " " << total.value() << " " << committed_lag.value();

  // Commit past the 5th message: 20 - 5 = 15 would be read again after a restart.
  ASSERT_TRUE((*consumer)->commit(tp, got[4].offset + 1).is_ok());
  EXPECT_TRUE(eventually([&] { return committed_lag.value() == 15 && committed_total.value() == 15; }))
      << committed_lag.value() << " " << committed_total.value();
  EXPECT_EQ(lag.value(), 13);
  for (int32_t p = 0; p < 8; ++p) {
    if (p == tp.partition) continue;
    EXPECT_EQ(lag_gauge("kafka_consumer_lag", group, {Topic::kRawTicks, p}).value(), 0) << p;
  }

  // A member that left owns no partition: its series drop to 0 at once.
  (*consumer)->close();
  EXPECT_EQ(lag.value(), 0);
  EXPECT_EQ(committed_lag.value(), 0);
  EXPECT_EQ(total.value(), 0);
  EXPECT_EQ(committed_total.value(), 0);
}

}  // namespace
}  // namespace nifty::bus
